/**
 * DeleteObjects and a bucket policy's Deny on some keys: S3 decides s3:DeleteObject for each object
 * a DeleteObjects names, so a Deny that stops a DeleteObject of a key also stops its deletion in a
 * DeleteObjects (that entry's <Error> is AccessDenied; the others are deleted). Through the AWS SDK,
 * on a gateway with two workers.
 */
import { CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, HeadObjectCommand, PutBucketPolicyCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CACHE_TTL_MS } from "../../runtime/access/policy/decision.js";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectS3Error } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;

beforeAll(async () => {
  gw = await startGateway({ workers: 2 });
  s3 = gw.client();
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

describe.skipIf(ON_OZONE)("DeleteObjects under a bucket policy", () => {
  it("an entry whose key the policy denies s3:DeleteObject is refused, the others are deleted", async () => {
    const bucket = bucketName("delobj-deny");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const key of ["keep/a", "keep/b", "free/c"]) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    const policy = { Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:DeleteObject", Resource: `arn:aws:s3:::${bucket}/keep/*` }] };
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    // every worker decides by the policy from now on (the per-process cache's second)
    await new Promise((r) => setTimeout(r, CACHE_TTL_MS + 100));

    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "keep/a" })), "AccessDenied", 403);
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "keep/a" }, { Key: "free/c" }, { Key: "keep/b" }] } }));
    expect(r.Deleted).toEqual([{ Key: "free/c" }]);
    expect(r.Errors).toEqual([
      { Key: "keep/a", Code: "AccessDenied", Message: "Access Denied" },
      { Key: "keep/b", Code: "AccessDenied", Message: "Access Denied" },
    ]);
    for (const key of ["keep/a", "keep/b"]) await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "free/c" })), "NotFound", 404);
  });
});
