/**
 * The checksum algorithms S3 gained after CRC64NVME: SHA512, MD5, XXHASH64, XXHASH3 and XXHASH128,
 * through the AWS SDK for JavaScript v3. The SDK knows their headers but computes none of them itself:
 * a client hands it an implementation (its `checksumAlgorithms` option), here AWS's own XXH code
 * (@aws-sdk/checksums/xxh) and node:crypto's SHA-512 and MD5. The expected values come from those,
 * never from the gateway's implementation.
 */
import { createHash } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type ChecksumAlgorithm,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Xxh3_128, Xxh3_64, Xxh64 } from "@aws-sdk/checksums/xxh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { ON_OZONE } from "../support/ozone.js";
import { CHECKSUM_ALGORITHMS } from "../../runtime/auth/checksums.js";
import { bucketName, bytes, expectErrorXml, expectS3Error, rawRequest, streamOf, xmlElements } from "./helpers.js";

type Newer = "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
const NEWER: Newer[] = ["SHA512", "MD5", "XXHASH64", "XXHASH3", "XXHASH128"];

/** The SDK's checksum constructor contract: update(), async digest(), reset(). */
function cryptoChecksum(name: string) {
  return class {
    private hash = createHash(name);
    update(data: Uint8Array): void {
      this.hash.update(data);
    }
    async digest(): Promise<Uint8Array> {
      return new Uint8Array(this.hash.digest());
    }
    reset(): void {
      this.hash = createHash(name);
    }
  };
}
const IMPLEMENTATIONS = { SHA512: cryptoChecksum("sha512"), MD5: cryptoChecksum("md5"), XXHASH64: Xxh64, XXHASH3: Xxh3_64, XXHASH128: Xxh3_128 };

/** base64 of the digest, from the implementations the client uses */
async function expected(algorithm: Newer, data: Uint8Array): Promise<string> {
  const h = new IMPLEMENTATIONS[algorithm]();
  h.update(data);
  return Buffer.from(await h.digest()).toString("base64");
}

let gw: RunningGateway;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  gw = await startGateway();
  s3 = new S3Client({
    endpoint: gw.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
    maxAttempts: 1,
    checksumAlgorithms: IMPLEMENTATIONS,
  } as S3ClientConfig);
  bucket = bucketName("newer-checksums");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

async function body(key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

describe("SHA512, MD5 and XXHASH checksums", () => {
  // the SDK sends MD5 as Content-MD5 (a header) even for a stream, which it then cannot send: no trailer case
  const cases: [Newer, "header" | "trailer"][] = NEWER.flatMap((a): [Newer, "header" | "trailer"][] => (a === "MD5" ? [[a, "header"]] : [[a, "header"], [a, "trailer"]]));

  it.each(cases)("verifies, stores and returns %s sent in a %s", async (algorithm, where) => {
    const data = bytes(70_000, algorithm.length * 7 + where.length);
    const key = `ck-${algorithm}-${where}`;
    const value = await expected(algorithm, data);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: where === "trailer" ? streamOf(data, 4) : data,
        ContentLength: data.length,
        ChecksumAlgorithm: algorithm as ChecksumAlgorithm,
      }),
    );
    expect(put[`Checksum${algorithm}`]).toBe(value);
    expect(put.ChecksumType).toBe("FULL_OBJECT");

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect(head[`Checksum${algorithm}`]).toBe(value);
    expect(head.ChecksumType).toBe("FULL_OBJECT");
    for (const other of NEWER.filter((a) => a !== algorithm)) expect(head[`Checksum${other}`]).toBeUndefined();
    const get = await rawRequest(gw, { method: "GET", path: `/${bucket}/${key}`, headers: { "x-amz-checksum-mode": "ENABLED" } });
    expect(get.headers[`x-amz-checksum-${algorithm.toLowerCase()}`]).toBe(value);
    expect(get.body.equals(data)).toBe(true);

    // Ozone's light key listing carries no metadata: no ChecksumAlgorithm in listings there
    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
    expect(list.Contents![0].ChecksumAlgorithm).toEqual(ON_OZONE ? undefined : [algorithm]);
  });

  it.each(NEWER)("refuses a wrong %s (BadDigest) and keeps the previous object", async (algorithm) => {
    const key = `ck-wrong-${algorithm}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "original" }));
    const wrong = await expected(algorithm, Buffer.from("something else"));
    const res = await rawRequest(gw, {
      method: "PUT",
      path: `/${bucket}/${key}`,
      headers: { [`x-amz-checksum-${algorithm.toLowerCase()}`]: wrong, "x-amz-sdk-checksum-algorithm": algorithm },
      body: "replacement",
    });
    expectErrorXml(res, "BadDigest", 400);
    expect((await body(key)).toString()).toBe("original");
  });

  it.each(NEWER)("refuses a %s value that is not base64 of the digest's length (InvalidRequest)", async (algorithm) => {
    const short = Buffer.from(await expected(algorithm, Buffer.from("x")), "base64").subarray(1).toString("base64");
    const res = await rawRequest(gw, {
      method: "PUT",
      path: `/${bucket}/ck-short-${algorithm}`,
      headers: { [`x-amz-checksum-${algorithm.toLowerCase()}`]: short },
      body: "x",
    });
    expectErrorXml(res, "InvalidRequest", 400);
  });

  it("refuses an algorithm or checksum type it does not know: InvalidRequest, naming the header", async () => {
    const crc = await expected("XXHASH64", Buffer.from("x"));
    for (const [method, path, query, headers] of [
      ["PUT", `/${bucket}/unknown-alg`, undefined, { "x-amz-sdk-checksum-algorithm": "XXHASH32", "x-amz-checksum-xxhash64": crc }],
      ["POST", `/${bucket}/unknown-alg`, { uploads: null }, { "x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "WHOLE" }],
    ] as const) {
      const res = await rawRequest(gw, { method, path, query, headers, body: method === "PUT" ? "x" : undefined });
      expectErrorXml(res, "InvalidRequest", 400);
      const header = Object.keys(headers).find((h) => h === "x-amz-checksum-type") ?? Object.keys(headers)[0];
      expect(res.text).toContain(`<Message>Value for ${header} header is invalid.</Message>`);
    }
  });

  it("takes an algorithm or a checksum type in any letter case, as S3 does, and answers it in S3's", async () => {
    const created = await rawRequest(gw, {
      method: "POST",
      path: `/${bucket}/any-case`,
      query: { uploads: null },
      headers: { "x-amz-checksum-algorithm": "cRc32C", "x-amz-checksum-type": "Full_Object" },
    });
    expect(created.status).toBe(200);
    expect([created.headers["x-amz-checksum-algorithm"], created.headers["x-amz-checksum-type"]]).toEqual(["CRC32C", "FULL_OBJECT"]);
    const uploadId = xmlElements(created.text, "UploadId")[0];
    // as stored (Ozone keeps no upload algorithm to list)
    if (!ON_OZONE) {
      const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: "any-case", UploadId: uploadId }));
      expect([listed.ChecksumAlgorithm, listed.ChecksumType]).toEqual(["CRC32C", "FULL_OBJECT"]);
    }
    const body = Buffer.from("any case");
    const put = await rawRequest(gw, {
      method: "PUT",
      path: `/${bucket}/any-case-put`,
      headers: { "x-amz-sdk-checksum-algorithm": "sha256", "x-amz-checksum-sha256": createHash("sha256").update(body).digest("base64") },
      body,
    });
    expect(put.status).toBe(200);
  });

  it("refuses an unknown x-amz-checksum-algorithm of CreateMultipartUpload or CopyObject listing every algorithm it takes", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "copy-src", Body: "x" }));
    for (const [method, query, headers] of [
      ["POST", { uploads: null }, { "x-amz-checksum-algorithm": "SHA384" }],
      ["PUT", undefined, { "x-amz-checksum-algorithm": "crc33", "x-amz-copy-source": `${bucket}/copy-src` }],
    ] as const) {
      const res = await rawRequest(gw, { method, path: `/${bucket}/unknown-alg`, query, headers });
      expectErrorXml(res, "InvalidRequest", 400);
      const listed = /^Checksum algorithm provided is unsupported\. Please try again with any of the valid types: \[(.*)\]$/.exec(xmlElements(res.text, "Message")[0]);
      // every algorithm the gateway takes, in S3's (alphabetical) order
      expect(listed?.[1].split(", ")).toEqual([...CHECKSUM_ALGORITHMS].sort());
    }
  });

  it("takes x-amz-checksum-md5 in an aws-chunked trailer, and refuses a wrong one", async () => {
    const payload = "md5 in a trailer";
    const trailer = (value: string) => `${payload.length.toString(16)}\r\n${payload}\r\n0\r\nx-amz-checksum-md5:${value}\r\n\r\n`;
    const headers = {
      "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": String(payload.length),
      "x-amz-trailer": "x-amz-checksum-md5",
    };
    const md5 = (s: string) => createHash("md5").update(s).digest("base64");
    expectErrorXml(await rawRequest(gw, { method: "PUT", path: `/${bucket}/md5-trailer`, headers, body: trailer(md5("other")) }), "BadDigest", 400);
    const ok = await rawRequest(gw, { method: "PUT", path: `/${bucket}/md5-trailer`, headers, body: trailer(md5(payload)) });
    expect(ok.status).toBe(200);
    expect(ok.headers["x-amz-checksum-md5"]).toBe(md5(payload));
    expect((await body("md5-trailer")).toString()).toBe(payload);
  });
});

describe.skipIf(ON_OZONE)("multipart uploads with them", () => {
  const PART1 = bytes(5 * 1024 * 1024, 11);
  const LAST = bytes(1000, 12);

  it.each(NEWER.filter((a) => a !== "MD5"))("verifies each part's %s and gives the object the composite checksum", async (algorithm) => {
    const key = `mp-${algorithm}`;
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: algorithm as ChecksumAlgorithm }));
    expect([created.ChecksumAlgorithm, created.ChecksumType]).toEqual([algorithm, "COMPOSITE"]);
    const id = created.UploadId!;
    const parts = [];
    for (const [i, data] of [PART1, LAST].entries()) {
      const res = await s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: i + 1, Body: data, ChecksumAlgorithm: algorithm as ChecksumAlgorithm }),
      );
      expect(res[`Checksum${algorithm}`]).toBe(await expected(algorithm, data));
      parts.push({ PartNumber: i + 1, ETag: res.ETag, [`Checksum${algorithm}`]: res[`Checksum${algorithm}`] });
    }
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: parts } }));
    const joined = Buffer.concat([await expected(algorithm, PART1), await expected(algorithm, LAST)].map((v) => Buffer.from(v, "base64")));
    const composite = `${await expected(algorithm, joined)}-2`;
    expect([done[`Checksum${algorithm}`], done.ChecksumType]).toEqual([composite, "COMPOSITE"]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect([head[`Checksum${algorithm}`], head.ChecksumType]).toEqual([composite, "COMPOSITE"]);
  });

  it.each(NEWER)("refuses a FULL_OBJECT checksum type with %s (only the CRCs have one): InvalidRequest", async (algorithm) => {
    await expectS3Error(
      s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp-full", ChecksumAlgorithm: algorithm as ChecksumAlgorithm, ChecksumType: "FULL_OBJECT" })),
      "InvalidRequest",
      400,
    );
  });
});
