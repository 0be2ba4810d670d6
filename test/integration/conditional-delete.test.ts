/**
 * Conditional deletes with the real AWS SDK ("How to perform conditional deletes", Amazon S3 User
 * Guide): DeleteObject's If-Match (an ETag or `*`), x-amz-if-match-last-modified-time and
 * x-amz-if-match-size, and the ETag / LastModifiedTime / Size of a DeleteObjects entry. A condition
 * not met leaves the object in place (412 PreconditionFailed); a conditional delete of a missing key
 * is 404 NoSuchKey. On Ozone (no precondition on the OM's DeleteKey) they answer 501.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectErrorXml, expectS3Error, rawRequest } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  bucket = bucketName("cond-delete");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

async function put(key: string, body: string, b = bucket): Promise<string> {
  return (await s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body }))).ETag!;
}

async function exists(key: string, b = bucket): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: b, Key: key }));
    return true;
  } catch (err) {
    if ((err as { name?: string }).name === "NotFound") return false;
    throw err;
  }
}

describe.skipIf(ON_OZONE)("conditional DeleteObject", () => {
  it("deletes when If-Match names the current ETag, and refuses another ETag with 412, leaving the object", async () => {
    const etag = await put("if-match", "one");
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "if-match", IfMatch: '"0123456789abcdef0123456789abcdef"' })), "PreconditionFailed", 412);
    expect(await exists("if-match")).toBe(true);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "if-match", IfMatch: etag }));
    expect(await exists("if-match")).toBe(false);
  });

  it("If-Match: * deletes an existing key; on a missing key any condition is 404 NoSuchKey", async () => {
    await put("star", "x");
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "star", IfMatch: "*" }));
    expect(await exists("star")).toBe(false);
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "star", IfMatch: "*" })), "NoSuchKey", 404);
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "star", IfMatchSize: 1 })), "NoSuchKey", 404);
    // without a condition, deleting a missing key still succeeds
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "star" }));
  });

  it("checks size and last-modified time, alone and together with If-Match", async () => {
    const etag = await put("size-time", "12345");
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "size-time" }));
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "size-time", IfMatchSize: 4 })), "PreconditionFailed", 412);
    const before = new Date(head.LastModified!.getTime() - 5000);
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "size-time", IfMatchLastModifiedTime: before })), "PreconditionFailed", 412);
    await expectS3Error(
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "size-time", IfMatch: etag, IfMatchSize: 5, IfMatchLastModifiedTime: before })),
      "PreconditionFailed",
      412,
    );
    expect(await exists("size-time")).toBe(true);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "size-time", IfMatch: etag, IfMatchSize: 5, IfMatchLastModifiedTime: head.LastModified! }));
    expect(await exists("size-time")).toBe(false);
  });

  it("refuses a last-modified time that is not a date (400 InvalidArgument) instead of deleting unconditionally", async () => {
    await put("bad-date", "x");
    const res = await rawRequest(gw, { method: "DELETE", path: `/${bucket}/bad-date`, headers: { "x-amz-if-match-last-modified-time": "yesterday" } });
    expectErrorXml(res, "InvalidArgument", 400);
    expect(await exists("bad-date")).toBe(true);
  });

  it("judges the current version in a versioned bucket: a mismatch adds no delete marker", async () => {
    const vb = bucketName("cond-delete-v");
    await s3.send(new CreateBucketCommand({ Bucket: vb }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: vb, VersioningConfiguration: { Status: "Enabled" } }));
    const first = await put("k", "first", vb);
    const second = await put("k", "second", vb);
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: vb, Key: "k", IfMatch: first })), "PreconditionFailed", 412);
    expect(await exists("k", vb)).toBe(true);
    const done = await s3.send(new DeleteObjectCommand({ Bucket: vb, Key: "k", IfMatch: second }));
    expect(done.DeleteMarker).toBe(true);
    // the latest version is now a delete marker: a conditional delete finds no current version
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: vb, Key: "k", IfMatch: "*" })), "NoSuchKey", 404);
  });
});

describe.skipIf(ON_OZONE)("conditional DeleteObjects", () => {
  it("deletes the entries whose ETag matches and reports the others as PreconditionFailed / NoSuchKey", async () => {
    const a = await put("batch/a", "a");
    await put("batch/b", "b");
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Objects: [
            { Key: "batch/a", ETag: a },
            { Key: "batch/b", ETag: a },
            { Key: "batch/missing", ETag: "*" },
            { Key: "batch/b", Size: 7 },
          ],
        },
      }),
    );
    expect(out.Deleted?.map((d) => d.Key)).toEqual(["batch/a"]);
    expect(out.Errors?.map((e) => [e.Key, e.Code]).sort()).toEqual([
      ["batch/b", "PreconditionFailed"],
      ["batch/b", "PreconditionFailed"],
      ["batch/missing", "NoSuchKey"],
    ]);
    expect(await exists("batch/a")).toBe(false);
    expect(await exists("batch/b")).toBe(true);
  });
});

describe.runIf(ON_OZONE)("conditional deletes on Ozone", () => {
  it("answer 501 NotImplemented and delete nothing", async () => {
    const etag = await put("ozone-cond", "x");
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "ozone-cond", IfMatch: etag })), "NotImplemented", 501);
    expect(await exists("ozone-cond")).toBe(true);
  });
});
