/**
 * Every way a write's body can fail releases what the write opened, whatever the timing: no file
 * descriptor into the data directory stays open, no temp file stays in tmp/, no data file stays in
 * objects/ without a row, and Node never has to close a forgotten FileHandle on garbage collection
 * ("Closing file descriptor N on garbage collection").
 *
 * The dangerous sizes are just past the inline limit (64 KiB): the body outgrows memory and the
 * store starts opening its temp file at about the moment the body fails (a digest checked at the
 * body's end, a client gone). Each failure mode runs a few hundred times with sizes spread over the
 * first ~100 KiB past the limit, so that the failure lands before, during and after the open.
 *
 * Embedded backend only: it looks at the gateway process's descriptors (/proc/<pid>/fd, Linux) and
 * at its data directory.
 */
import { createHash } from "node:crypto";
import { readdir, readlink, realpath } from "node:fs/promises";
import { join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { filesUnder, startGateway, type RunningGateway } from "../support/server.js";
import { answerOf, bucketName, bytes, checksumOf, md5Base64, openRequest, rawRequest, type RawResponse } from "./helpers.js";

const INLINE_LIMIT = 64 * 1024;
/** attempts per failure mode (each attempt of the multipart modes makes three requests) */
const ROUNDS = 200;
const MULTIPART_ROUNDS = 150;
/** requests in flight at once */
const PARALLEL = 12;

let gw: RunningGateway;
let s3: S3Client;
let dataDir: string;
const bucket = bucketName("failing-bodies");

/** The i-th body size: 1 byte to ~100 KiB past the inline limit, small steps first. */
function sizeOf(i: number): number {
  return INLINE_LIMIT + 1 + ((i * i * 37) % 100_000);
}

const payloads = new Map<number, Buffer>();
function payload(size: number): Buffer {
  let p = payloads.get(size);
  if (p === undefined) payloads.set(size, (p = bytes(size, size)));
  return p;
}

/**
 * Runs `attempt(i)` for i in [0, rounds), PARALLEL at a time. After a failure the other lanes stop
 * taking new attempts, and this waits for the ones in flight, so that the next test starts clean.
 */
async function repeat(rounds: number, attempt: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = await Promise.allSettled(
    Array.from({ length: PARALLEL }, async () => {
      while (next < rounds) {
        try {
          await attempt(next++);
        } catch (err) {
          next = rounds;
          throw err;
        }
      }
    }),
  );
  for (const lane of lanes) if (lane.status === "rejected") throw lane.reason;
}

/** The gateway's open descriptors that name something in its data directory. */
async function dataDirDescriptors(): Promise<string[]> {
  const out: string[] = [];
  // the primary and every worker: a worker receives bodies and reads files, the primary owns the database
  for (const pid of await gw.allPids()) {
    const dir = `/proc/${pid}/fd`;
    for (const fd of await readdir(dir).catch(() => [])) {
      const target = await readlink(join(dir, fd)).catch(() => undefined); // closed meanwhile
      if (target !== undefined && target.startsWith(`${dataDir}/`)) out.push(target);
    }
  }
  return out.sort();
}


let baseline: string[];

/**
 * What a failed write may leave: nothing. Cleanup runs after the answer (an unlink in the
 * background), so this waits a little for the state to settle before it compares.
 */
async function expectNothingLeft(kept: readonly string[] = []): Promise<void> {
  const deadline = Date.now() + 5_000;
  let state: { descriptors: string[]; tmp: string[] };
  for (;;) {
    // `kept`: files of live objects read meanwhile, whose descriptors the workers keep for later reads
    const descriptors = (await dataDirDescriptors()).filter((d) => !kept.includes(d));
    state = { descriptors, tmp: await filesUnder(join(dataDir, "tmp")) };
    if ((state.descriptors.length <= baseline.length && state.tmp.length === 0) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(state).toEqual({ descriptors: baseline, tmp: [] });
  expect(gw.output()).not.toMatch(/Closing file descriptor|FileHandle/);
}

/** The code of an S3 error answer (status and code, for one readable assertion). */
function outcome(res: RawResponse): string {
  return `${res.status} ${/<Code>([^<]*)<\/Code>/.exec(res.text)?.[1] ?? ""}`;
}

async function newUpload(key: string): Promise<string> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  return UploadId!;
}

describe.skipIf(ON_OZONE || process.platform !== "linux")("a failing body leaves nothing open or behind", () => {
  beforeAll(async () => {
    gw = await startGateway();
    s3 = gw.client();
    dataDir = await realpath(gw.dataDir);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // one small and one large object written, so that the baseline is the steady state
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "warm-small", Body: "x" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "warm-large", Body: payload(INLINE_LIMIT + 1) }));
    baseline = await dataDirDescriptors();
    // the database and its log, through SQLite and through the store's own descriptor
    expect(baseline.length).toBeGreaterThan(0);
  });
  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
  });

  it("a wrong Content-MD5 (BadDigest)", async () => {
    await repeat(ROUNDS, async (i) => {
      const body = payload(sizeOf(i));
      const res = await rawRequest(gw, { method: "PUT", path: `/${bucket}/md5-${i}`, body, headers: { "content-md5": md5Base64(Buffer.from("other")) } });
      expect(outcome(res)).toBe("400 BadDigest");
    });
    await expectNothingLeft();
  });

  it("a wrong x-amz-checksum-crc32 (BadDigest)", async () => {
    await repeat(ROUNDS, async (i) => {
      const body = payload(sizeOf(i));
      const res = await rawRequest(gw, {
        method: "PUT",
        path: `/${bucket}/crc-${i}`,
        body,
        headers: { "x-amz-checksum-crc32": checksumOf("CRC32", Buffer.from("other")) },
      });
      expect(outcome(res)).toBe("400 BadDigest");
    });
    await expectNothingLeft();
  });

  it("a payload that does not hash to the signed x-amz-content-sha256", async () => {
    await repeat(ROUNDS, async (i) => {
      const body = payload(sizeOf(i));
      const res = await rawRequest(gw, {
        method: "PUT",
        path: `/${bucket}/sha-${i}`,
        body,
        headers: { "x-amz-content-sha256": createHash("sha256").update("other").digest("hex") },
      });
      expect(outcome(res)).toBe("400 XAmzContentSHA256Mismatch");
    });
    await expectNothingLeft();
  });

  it("an aws-chunked body cut off after its first chunk (IncompleteBody)", async () => {
    await repeat(ROUNDS, async (i) => {
      const data = payload(sizeOf(i));
      // one chunk of all the data, then the end of the request instead of the final 0-chunk
      const body = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from("\r\n")]);
      const res = await rawRequest(gw, {
        method: "PUT",
        path: `/${bucket}/chunked-${i}`,
        body,
        headers: {
          "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
          "content-encoding": "aws-chunked",
          "x-amz-decoded-content-length": String(data.length),
          "x-amz-trailer": "x-amz-checksum-crc32",
        },
      });
      expect(outcome(res)).toBe("400 IncompleteBody");
    });
    await expectNothingLeft();
  });

  it("a client that disconnects in the middle of a PutObject body", async () => {
    await repeat(ROUNDS, async (i) => {
      const sent = payload(sizeOf(i));
      const req = await openRequest(gw, "PUT", `/${bucket}/gone-${i}`, {}, sent.length + 100_000);
      await new Promise<void>((resolve) => req.write(sent, () => resolve()));
      req.destroy();
    });
    await expectNothingLeft();
  });

  it("an UploadPart with a wrong Content-MD5, and one whose client disconnects", async () => {
    const uploadId = await newUpload("parts");
    await repeat(ROUNDS, async (i) => {
      const body = payload(sizeOf(i));
      const query = { partNumber: String((i % 10_000) + 1), uploadId };
      if (i % 2 === 0) {
        const res = await rawRequest(gw, { method: "PUT", path: `/${bucket}/parts`, query, body, headers: { "content-md5": md5Base64(Buffer.from("other")) } });
        expect(outcome(res)).toBe("400 BadDigest");
      } else {
        const req = await openRequest(gw, "PUT", `/${bucket}/parts`, query, body.length + 100_000);
        await new Promise<void>((resolve) => req.write(body, () => resolve()));
        req.destroy();
      }
    });
    await expectNothingLeft();
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "parts", UploadId: uploadId }));
  });

  it("an UploadPart whose upload is aborted while its body streams (NoSuchUpload)", async () => {
    await repeat(MULTIPART_ROUNDS, async (i) => {
      const key = `aborted-${i}`;
      const uploadId = await newUpload(key);
      const body = payload(sizeOf(i));
      const head = body.subarray(0, body.length - 1000);
      const req = await openRequest(gw, "PUT", `/${bucket}/${key}`, { partNumber: "1", uploadId }, body.length);
      const answer = answerOf(req);
      await new Promise<void>((resolve) => req.write(head, () => resolve()));
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      req.end(body.subarray(head.length));
      // Mostly the part's body is streaming when the abort commits, and the part fails at its
      // commit. When the abort overtakes the part's headers, the part is refused before its body
      // is read, and the gateway may close the connection while the rest is still being sent.
      const res = await answer.catch((err: NodeJS.ErrnoException) => String(err.code));
      expect(["404 NoSuchUpload", "EPIPE", "ECONNRESET"]).toContain(typeof res === "string" ? res : outcome(res));
    });
    await expectNothingLeft();
  });

  it("an UploadPartCopy whose upload is aborted while it runs", async () => {
    // a source large enough that reading it keeps its file open until the copy is written
    const objectsBefore = await filesUnder(join(dataDir, "objects"));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "copy-source", Body: payload(3 * 1024 * 1024) }));
    const sourceFile = (await filesUnder(join(dataDir, "objects"))).filter((f) => !objectsBefore.includes(f));
    expect(sourceFile).toHaveLength(1);
    baseline = await dataDirDescriptors();
    const outcomes = new Map<string, number>();
    await repeat(MULTIPART_ROUNDS, async (i) => {
      const key = `copy-${i}`;
      const uploadId = await newUpload(key);
      const copy = s3
        .send(new UploadPartCopyCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 1, CopySource: `${bucket}/copy-source` }))
        .then(
          () => "copied",
          (err: { name: string }) => err.name,
        );
      // let the copy get as far as it can in a few event-loop turns of the gateway
      await new Promise((resolve) => setTimeout(resolve, i % 4));
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      const result = await copy;
      outcomes.set(result, (outcomes.get(result) ?? 0) + 1);
    });
    expect([...outcomes.keys()].filter((o) => o !== "copied" && o !== "NoSuchUpload")).toEqual([]);
    // the source's descriptor, kept by the workers that read it (segment-fds.ts), is not a leak ...
    await expectNothingLeft(sourceFile);
    // ... as long as it closes once the source is removed. No reader still holds the source:
    // deleting it removes its file (a pin that was never released would keep it until the next
    // start), and every worker closes what it kept of it (well before the idle descriptors' 10 s)
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "copy-source" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "warm-large" }));
    await expect.poll(() => filesUnder(join(dataDir, "objects")), { timeout: 5_000 }).toEqual([]);
    await expect.poll(dataDirDescriptors, { timeout: 3_000 }).toEqual(baseline);
  });
});
