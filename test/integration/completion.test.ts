/**
 * Completing multipart uploads, the harder cases: whole-object (FULL_OBJECT) CRC checksums that the
 * SDK then validates on GET, the object checksum a client states on completion, a retried
 * completion, and conditional writes on keys that do not exist.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type ChecksumAlgorithm,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { ON_OZONE } from "../support/ozone.js";
import { bucketName, bytes, checksumOf, expectS3Error, multipartEtag } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
const bucket = bucketName("completion");
const MiB = 1024 * 1024;
const PARTS = [bytes(5 * MiB, 301), bytes(5 * MiB, 302), bytes(70_001, 303)];
const WHOLE = Buffer.concat(PARTS);

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

async function uploadAll(key: string, algorithm?: ChecksumAlgorithm, type?: "COMPOSITE" | "FULL_OBJECT") {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: algorithm, ChecksumType: type }));
  const parts = [];
  for (const [i, body] of PARTS.entries()) {
    const r = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: algorithm }));
    parts.push({ PartNumber: i + 1, ETag: r.ETag!, ...(algorithm ? { [`Checksum${algorithm}`]: (r as unknown as Record<string, unknown>)[`Checksum${algorithm}`] } : {}) });
  }
  return { uploadId: UploadId!, parts };
}

// The Ozone backend keeps no multipart checksums (an upload takes an algorithm, the object gets no checksum).
describe.skipIf(ON_OZONE)("FULL_OBJECT CRC checksums of multipart objects", () => {
  it.each(["CRC32", "CRC32C"] as const)("makes the %s of the whole object, which the SDK validates on GET", async (algorithm) => {
    const key = `full-${algorithm}`;
    const { uploadId, parts } = await uploadAll(key, algorithm, "FULL_OBJECT");
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    const expected = checksumOf(algorithm, WHOLE);
    expect((done as unknown as Record<string, unknown>)[`Checksum${algorithm}`]).toBe(expected);
    expect(done.ChecksumType).toBe("FULL_OBJECT");
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect((got as unknown as Record<string, unknown>)[`Checksum${algorithm}`]).toBe(expected);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(WHOLE)).toBe(true);
  });
});

describe.skipIf(ON_OZONE)("the object checksum stated on completion", () => {
  it("is compared with the one made from the parts: a wrong one is BadDigest and changes nothing", async () => {
    const key = "stated";
    const { uploadId, parts } = await uploadAll(key, "CRC32", "FULL_OBJECT");
    const wrong = checksumOf("CRC32", Buffer.from("something else"));
    const refused = await expectS3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, ChecksumCRC32: wrong, MultipartUpload: { Parts: parts } })),
      "BadDigest",
      400,
    );
    expect(refused.message).toBe("The CRC32 you specified did not match the calculated checksum.");
    const still = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
    expect(still.Uploads?.map((u) => u.UploadId)).toEqual([uploadId]);
    const right = checksumOf("CRC32", WHOLE);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, ChecksumCRC32: right, MultipartUpload: { Parts: parts } }),
    );
    expect(done.ChecksumCRC32).toBe(right);
  });
});

describe("a retried completion", () => {
  it("answers the same object again, and NoSuchUpload once the object was replaced", async () => {
    const key = "retried";
    const { uploadId, parts } = await uploadAll(key);
    const complete = () => s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    const first = await complete();
    expect(first.ETag).toBe(multipartEtag(PARTS));
    const again = await complete();
    expect(again.ETag).toBe(first.ETag);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "replaced" }));
    await expectS3Error(complete(), "NoSuchUpload", 404);
  });
});

describe("conditional writes on a key that does not exist", () => {
  it("If-Match is NoSuchKey; If-None-Match: * succeeds once, then PreconditionFailed", async () => {
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "absent", Body: "x", IfMatch: '"0123456789abcdef0123456789abcdef"' })), "NoSuchKey", 404);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "created-once", Body: "x", IfNoneMatch: "*" }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "created-once", Body: "y", IfNoneMatch: "*" })), "PreconditionFailed", 412);
  });
});
