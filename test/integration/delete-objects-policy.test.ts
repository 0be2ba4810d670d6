/**
 * DeleteObjects and a bucket policy's Deny on some keys: S3 decides s3:DeleteObject for each object
 * a DeleteObjects names, so a Deny that stops a DeleteObject of a key also stops its deletion in a
 * DeleteObjects (that entry's <Error> is AccessDenied; the others are deleted), and an Allow on some
 * keys lets another user delete those with DeleteObjects, as with DeleteObject. Through the AWS SDK,
 * on a gateway with two workers.
 */
import { CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, HeadObjectCommand, PutBucketPolicyCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CACHE_TTL_MS } from "../../runtime/access/policy/decision.js";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, startWithUsers, type RunningGateway, type UsersGateway } from "../support/server.js";
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

const MAIN = { canonicalId: "7777777777777777777777777777777777777777777777777777777777777777", displayName: "dmain", accessKeyId: "DMAINTEST0000000001", secretAccessKey: "dmain-delete-test-secret-0123456" };
const ALT = { canonicalId: "8888888888888888888888888888888888888888888888888888888888888888", displayName: "dalt", accessKeyId: "DALTTEST00000000002", secretAccessKey: "dalt-delete-test-secret-01234567" };

describe.skipIf(ON_OZONE)("DeleteObjects by another user", () => {
  let two: UsersGateway;
  let main: S3Client;
  let alt: S3Client;

  beforeAll(async () => {
    two = await startWithUsers([MAIN, ALT], { workers: 2 });
    [main, alt] = two.clients;
  });

  afterAll(async () => {
    await two?.stop();
  });

  it("a policy Allow of s3:DeleteObject on some keys lets the user delete those, each other entry is AccessDenied", async () => {
    const bucket = bucketName("delobj-alt");
    await main.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const key of ["tmp/a", "tmp/b", "keep/c"]) await main.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));

    // nothing granted: the request is answered, every entry refused, nothing deleted
    const none = await alt.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "tmp/a" }, { Key: "keep/c" }] } }));
    expect(none.Deleted ?? []).toEqual([]);
    expect(none.Errors?.map((e) => [e.Key, e.Code])).toEqual([
      ["tmp/a", "AccessDenied"],
      ["keep/c", "AccessDenied"],
    ]);
    // another bucket owner expected: the whole request is refused
    await expectS3Error(alt.send(new DeleteObjectsCommand({ Bucket: bucket, ExpectedBucketOwner: ALT.canonicalId, Delete: { Objects: [{ Key: "tmp/a" }] } })), "AccessDenied", 403);

    const allow = { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ALT.canonicalId}:user/${ALT.displayName}` }, Action: "s3:DeleteObject", Resource: `arn:aws:s3:::${bucket}/tmp/*` };
    await main.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: "2012-10-17", Statement: [allow] }) }));
    await new Promise((r) => setTimeout(r, CACHE_TTL_MS + 100));

    const r = await alt.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "tmp/a" }, { Key: "keep/c" }, { Key: "tmp/b" }] } }));
    expect(r.Deleted?.map((d) => d.Key)).toEqual(["tmp/a", "tmp/b"]);
    expect(r.Errors?.map((e) => [e.Key, e.Code])).toEqual([["keep/c", "AccessDenied"]]);
    await main.send(new HeadObjectCommand({ Bucket: bucket, Key: "keep/c" }));
    await expectS3Error(main.send(new HeadObjectCommand({ Bucket: bucket, Key: "tmp/a" })), "NotFound", 404);
    // a missing bucket is still NoSuchBucket
    await expectS3Error(alt.send(new DeleteObjectsCommand({ Bucket: bucketName("delobj-none"), Delete: { Objects: [{ Key: "x" }] } })), "NoSuchBucket", 404);
  });
});
