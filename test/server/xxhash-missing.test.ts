/**
 * Where xxHash's addon does not load (runtime/auth/xxhash.ts), the three XXHASH checksums are
 * refused with 501 NotImplemented, the request's body stored nowhere, and every other algorithm
 * still works: a gateway started with test/support/no-xxhash.cjs preloaded (its workers too).
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, checksumOf, expectErrorXml, expectS3Error, rawRequest, xmlElements } from "../integration/helpers.js";

const preload = path.join(path.dirname(fileURLToPath(import.meta.url)), "../support/no-xxhash.cjs");
let gw: RunningGateway;
let s3: S3Client;
const bucket = bucketName("no-xxhash");
/** any 8 bytes: a well-formed XXHASH64 value (never compared: refused before) */
const EIGHT = Buffer.alloc(8, 1).toString("base64");

beforeAll(async () => {
  gw = await startGateway({ env: { NODE_OPTIONS: `--require ${preload}` } });
  s3 = gw.client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

describe("without xxHash's addon", () => {
  it("refuses a PUT or a part with an XXHASH checksum (501 NotImplemented), stores nothing, and takes the other algorithms", async () => {
    for (const [name, value] of [
      ["x-amz-checksum-xxhash64", EIGHT],
      ["x-amz-checksum-xxhash3", EIGHT],
      ["x-amz-checksum-xxhash128", Buffer.alloc(16, 2).toString("base64")],
    ]) {
      const res = await rawRequest(gw, { method: "PUT", path: `/${bucket}/k`, headers: { [name]: value }, body: "data" });
      expectErrorXml(res, "NotImplemented", 501);
      expect(xmlElements(res.text, "Message")[0]).toMatch(/^The XXHASH(64|3|128) checksum algorithm is not available on this server\.$/);
    }
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" })), "NotFound", 404);

    const upload = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp", ChecksumAlgorithm: "XXHASH3" as "CRC32" }))).UploadId!;
    const part = await rawRequest(gw, { method: "PUT", path: `/${bucket}/mp`, query: { partNumber: "1", uploadId: upload }, headers: { "x-amz-checksum-xxhash3": EIGHT }, body: "part" });
    expectErrorXml(part, "NotImplemented", 501);

    const ok = await rawRequest(gw, { method: "PUT", path: `/${bucket}/k`, headers: { "x-amz-checksum-crc32": checksumOf("CRC32", Buffer.from("data")) }, body: "data" });
    expect(ok.status).toBe(200);
    const md5 = createHash("md5").update("data").digest("hex");
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }))).ETag).toBe(`"${md5}"`);
  });
});
