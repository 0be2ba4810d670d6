/**
 * Objects kept by workers under the primary's leases (runtime/workers/kept-reads.ts,
 * runtime/storage/embedded/read-leases.ts), through the AWS SDK with a new connection per request
 * (so successive requests reach both workers and the primary, which serves too): repeated GETs and
 * HEADs are answered without calls to the primary, and every acknowledged change (overwrite, delete, tags, versioning, multipart, copy) is
 * seen at once through either worker, also while a writer and readers run together.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { metricOf } from "../support/metrics.js";
import { connectionPerRequest, filesUnder, startGateway, type RunningGateway } from "../support/server.js";

const running: RunningGateway[] = [];
afterAll(async () => {
  for (const gw of running) await gw.stop();
});

function resolveReadCalls(gw: RunningGateway): Promise<number> {
  return metricOf(gw, "s3gw_worker_store_calls_total", { method: "resolveRead" });
}

async function body(client: S3Client, bucket: string, key: string): Promise<string | 404> {
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await got.Body!.transformToString();
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey") return 404;
    throw err;
  }
}

/** What `n` GETs see, through new connections: every process answers. */
async function seen(client: S3Client, bucket: string, key: string, n = 4): Promise<Set<string | 404>> {
  const all = new Set<string | 404>();
  for (let i = 0; i < n; i++) all.add(await body(client, bucket, key));
  return all;
}

/**
 * A gateway of three serving processes (the primary and two workers) with `bucket` holding key k =
 * `first`, and a client with a connection per request (connections go round the three in turn).
 */
async function started(bucket: string, first: string): Promise<{ gw: RunningGateway; client: S3Client }> {
  const gw = await startGateway({ workers: 3 });
  running.push(gw);
  const client = connectionPerRequest(gw);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: first }));
  return { gw, client };
}

/** The files under the store's objects/ once they stop changing (a removal follows its commit). */
async function filesLeft(gw: RunningGateway): Promise<string[]> {
  let left: string[] = [];
  for (const until = Date.now() + 5_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    left = await filesUnder(path.join(gw.dataDir, "objects")).catch(() => []);
    if (left.length === 0) break;
  }
  return left;
}

async function eventually(ok: () => Promise<boolean>, ms = 10_000): Promise<void> {
  for (const until = Date.now() + ms; !(await ok()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > until) throw new Error("not within the time allowed");
  }
}

describe("objects kept by workers", () => {
  it("answer repeated GETs without the primary, and every acknowledged change is seen through both workers", async () => {
    const bucket = "kept-reads";
    const { gw, client } = await started(bucket, "v0");
    expect(await seen(client, bucket, "k")).toEqual(new Set(["v0"]));
    // both workers keep it now: more GETs and HEADs make no call to the primary
    const calls = await resolveReadCalls(gw);
    expect(await seen(client, bucket, "k", 6)).toEqual(new Set(["v0"]));
    for (let i = 0; i < 4; i++) expect((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }))).ContentLength).toBe(2);
    expect(await resolveReadCalls(gw)).toBe(calls);

    for (let i = 1; i <= 6; i++) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: `value ${i}` }));
      expect(await seen(client, bucket, "k")).toEqual(new Set([`value ${i}`]));
      for (let j = 0; j < 2; j++) expect((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }))).ContentLength).toBe(7);
    }
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(await seen(client, bucket, "k")).toEqual(new Set([404]));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "back" }));
    expect(await seen(client, bucket, "k")).toEqual(new Set(["back"]));

    // tags: GetObject shows their count
    await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "k", Tagging: { TagSet: [{ Key: "a", Value: "1" }] } }));
    for (let i = 0; i < 4; i++) expect((await client.send(new GetObjectCommand({ Bucket: bucket, Key: "k" }))).TagCount).toBe(1);
    // metadata replaced by a copy onto itself
    await client.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "k", CopySource: `${bucket}/k`, MetadataDirective: "REPLACE", Metadata: { colour: "red" } }),
    );
    for (let i = 0; i < 4; i++) expect((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }))).Metadata).toEqual({ colour: "red" });
    // versioning: the version written before shows as "null"
    await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    for (let i = 0; i < 4; i++) expect((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }))).VersionId).toBe("null");
    // a multipart upload completed over it
    const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "k" }));
    const part = await client.send(new UploadPartCommand({ Bucket: bucket, Key: "k", UploadId: upload.UploadId, PartNumber: 1, Body: "multipart" }));
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "k",
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(await seen(client, bucket, "k")).toEqual(new Set(["multipart"]));
    // a delete marker
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(await seen(client, bucket, "k")).toEqual(new Set([404]));
    client.destroy();
  });

  it("keep objects whose bytes are in files too, and leave no file of a changed version behind", async () => {
    const bucket = "kept-files";
    const { gw, client } = await started(bucket, "v0");
    // above the inline limit (64 KiB): the bytes are in a file
    const big = (n: number) => Buffer.alloc(200 * 1024, n);
    const digest = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
    const read = async (): Promise<string | 404> => {
      try {
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "f" }));
        return digest(await got.Body!.transformToByteArray());
      } catch (err) {
        if ((err as { name?: string }).name === "NoSuchKey") return 404;
        throw err;
      }
    };
    const reads = async (n = 4) => {
      const all = new Set<string | 404>();
      for (let i = 0; i < n; i++) all.add(await read());
      return all;
    };
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "f", Body: big(1) }));
    expect(await reads()).toEqual(new Set([digest(big(1))]));
    const calls = await resolveReadCalls(gw);
    expect(await reads(6)).toEqual(new Set([digest(big(1))]));
    // a range read from what is kept
    const range = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "f", Range: "bytes=100-199" }));
    expect(Buffer.from(await range.Body!.transformToByteArray()).equals(big(1).subarray(100, 200))).toBe(true);
    expect(await resolveReadCalls(gw)).toBe(calls);

    for (let n = 2; n <= 4; n++) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: "f", Body: big(n) }));
      expect(await reads()).toEqual(new Set([digest(big(n))]));
    }
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "f" }));
    expect(await reads()).toEqual(new Set([404]));
    // every version's file is gone (the kept answers' pins were given back), though both workers
    // still run
    expect(await filesLeft(gw)).toEqual([]);

    // a worker killed while it keeps an object: its pins go back with it
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "f", Body: big(5) }));
    expect(await reads()).toEqual(new Set([digest(big(5))]));
    const [killed] = await gw.workerPids();
    process.kill(killed, "SIGKILL");
    await eventually(async () => !(await gw.workerPids()).includes(killed) && (await gw.workerPids()).length === 2);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "f" }));
    expect(await reads()).toEqual(new Set([404]));
    expect(await filesLeft(gw)).toEqual([]);
    client.destroy();
  });

  it("never show a reader an older value than one acknowledged or already seen, with a writer and readers together", async () => {
    const bucket = "kept-reads-race";
    const { client } = await started(bucket, "0");
    let acked = 0;
    let stop = false;
    const problems: string[] = [];
    let reads = 0;
    const reader = async () => {
      let last = 0;
      while (!stop) {
        const floor = acked;
        const got = await body(client, bucket, "k");
        const n = Number(got);
        reads++;
        if (n < floor) problems.push(`read ${n} after ${floor} was acknowledged`);
        if (n < last) problems.push(`read ${n} after this reader had read ${last}`);
        last = n;
      }
    };
    const readers = [reader(), reader(), reader()];
    const deadline = Date.now() + 3_000;
    for (let n = 1; Date.now() < deadline; n++) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: String(n) }));
      acked = n;
    }
    stop = true;
    await Promise.all(readers);
    expect(problems).toEqual([]);
    expect(acked).toBeGreaterThan(10);
    expect(reads).toBeGreaterThan(30);
    client.destroy();
  });

  it("a worker that stops answering is killed and replaced, and a write waits for it at most that long", async () => {
    const bucket = "kept-reads-hung";
    const { gw, client } = await started(bucket, "before");
    expect(await seen(client, bucket, "k")).toEqual(new Set(["before"]));
    const [stopped, other] = await gw.workerPids();
    process.kill(stopped, "SIGSTOP");
    try {
      // a connection handed to the stopped worker gets no answer: try again on a new one, which
      // reaches the other worker; its write waits for the stopped worker's answer until it is killed
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "after" }), { abortSignal: AbortSignal.timeout(8_000) });
          break;
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
      expect(Date.now() - started).toBeLessThan(25_000);
      // the SIGKILL went before the write went on; the process is gone once the kernel has delivered
      // it and the primary has reaped it, a moment later on a loaded machine
      await eventually(async () => !(await gw.workerPids()).includes(stopped), 5_000);
      expect(await gw.workerPids()).toContain(other);
    } finally {
      try {
        process.kill(stopped, "SIGCONT");
      } catch {
        // killed, as expected
      }
    }
    // the replacement starts empty; every answer is the acknowledged one
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await seen(client, bucket, "k")).toEqual(new Set(["after"]));
    client.destroy();
  }, 60_000);
});
