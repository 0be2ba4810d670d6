/**
 * x-amz-bypass-governance-retention takes effect only for a caller holding
 * s3:BypassGovernanceRetention (runtime/access/bypass-governance.ts): the bucket owner holds it
 * unless the bucket policy denies it, anyone else only by a policy Allow, decided per object. Two
 * users through the AWS SDK, on a gateway with two workers (every store call crosses the IPC).
 * Without the permission the header is of no effect: a version under GOVERNANCE stays protected
 * (AccessDenied), one without a lock is deleted as asked.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectRetentionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CACHE_TTL_MS } from "../../runtime/access/policy/decision.js";
import { ON_OZONE } from "../support/ozone.js";
import { startWithUsers, type UsersGateway } from "../support/server.js";
import { bucketName, expectS3Error } from "./helpers.js";

const MAIN = { canonicalId: "3333333333333333333333333333333333333333333333333333333333333333", displayName: "bmain", accessKeyId: "BMAINTEST0000000001", secretAccessKey: "bmain-bypass-test-secret-0123456" };
const ALT = { canonicalId: "4444444444444444444444444444444444444444444444444444444444444444", displayName: "balt", accessKeyId: "BALTTEST00000000002", secretAccessKey: "balt-bypass-test-secret-01234567" };
const ALT_ARN = `arn:aws:iam::${ALT.canonicalId}:user/${ALT.displayName}`;

const FAR = new Date("2140-01-01T00:00:00.000Z");
const SOON = new Date("2100-01-01T00:00:00.000Z");

let users: UsersGateway;
let main: S3Client;
let alt: S3Client;

beforeAll(async () => {
  users = await startWithUsers([MAIN, ALT], { workers: 2 });
  [main, alt] = users.clients;
});

afterAll(async () => {
  await users?.stop();
});

/**
 * Puts the bucket's policy, then waits out the per-process policy cache, so that whichever worker
 * serves the next request decides by it (a request let through by a stale cache would remove the
 * version the test means to keep).
 */
async function putPolicy(bucket: string, statements: object[]): Promise<void> {
  await main.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) }));
  await new Promise((r) => setTimeout(r, CACHE_TTL_MS + 100));
}

/** What the alt user is let do on the bucket's objects: delete and set retention, but not bypass. */
function altMayDelete(bucket: string, extra: string[] = []): object {
  // DeleteObjects is decided on the bucket's ARN (app.ts), a single delete on the object's; a
  // delete by version id is s3:DeleteObjectVersion (test/integration/version-actions.test.ts)
  return { Effect: "Allow", Principal: { AWS: ALT_ARN }, Action: ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:GetObjectRetention", ...extra], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] };
}

async function lockedBucket(label: string): Promise<string> {
  const bucket = bucketName(label);
  await main.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  return bucket;
}

/** A new version of `key` under GOVERNANCE retention until FAR, by the bucket owner. */
async function governed(bucket: string, key: string): Promise<string> {
  const put = await main.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "abc", ObjectLockMode: "GOVERNANCE", ObjectLockRetainUntilDate: FAR }));
  return put.VersionId!;
}

describe.skipIf(ON_OZONE)("s3:BypassGovernanceRetention", () => {
  it("another user allowed to delete but not to bypass: the header is of no effect", async () => {
    const bucket = await lockedBucket("bypass-alt-no");
    const v = await governed(bucket, "k");
    const plain = (await main.send(new PutObjectCommand({ Bucket: bucket, Key: "p", Body: "abc" }))).VersionId!;
    await putPolicy(bucket, [altMayDelete(bucket)]);

    await expectS3Error(alt.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: v, BypassGovernanceRetention: true })), "AccessDenied", 403);
    const multi = await alt.send(new DeleteObjectsCommand({ Bucket: bucket, BypassGovernanceRetention: true, Delete: { Objects: [{ Key: "k", VersionId: v }, { Key: "p", VersionId: plain }] } }));
    expect(multi.Errors).toEqual([{ Key: "k", VersionId: v, Code: "AccessDenied", Message: expect.any(String) }]);
    // a version without a lock is removed as asked
    expect(multi.Deleted).toEqual([{ Key: "p", VersionId: plain }]);
    await expectS3Error(
      alt.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "k", VersionId: v, BypassGovernanceRetention: true, Retention: { Mode: "GOVERNANCE", RetainUntilDate: SOON } })),
      "AccessDenied",
      403,
    );
    expect((await main.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "k", VersionId: v }))).Retention?.RetainUntilDate).toEqual(FAR);
  });

  it("another user with a policy Allow of the bypass can bypass, on the objects it names only", async () => {
    const bucket = await lockedBucket("bypass-alt-yes");
    const a1 = await governed(bucket, "a/1");
    const a2 = await governed(bucket, "a/2");
    const a3 = await governed(bucket, "a/3");
    const b1 = await governed(bucket, "b/1");
    await putPolicy(bucket, [
      altMayDelete(bucket),
      { Effect: "Allow", Principal: { AWS: ALT_ARN }, Action: "s3:BypassGovernanceRetention", Resource: `arn:aws:s3:::${bucket}/a/*` },
    ]);

    await alt.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "a/1", VersionId: a1, BypassGovernanceRetention: true, Retention: { Mode: "GOVERNANCE", RetainUntilDate: SOON } }));
    expect((await alt.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "a/1", VersionId: a1 }))).Retention?.RetainUntilDate).toEqual(SOON);
    await alt.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a/1", VersionId: a1, BypassGovernanceRetention: true }));
    // per object: allowed under a/, not under b/
    const multi = await alt.send(new DeleteObjectsCommand({ Bucket: bucket, BypassGovernanceRetention: true, Delete: { Objects: [{ Key: "a/2", VersionId: a2 }, { Key: "b/1", VersionId: b1 }] } }));
    expect(multi.Deleted).toEqual([{ Key: "a/2", VersionId: a2 }]);
    expect(multi.Errors).toEqual([{ Key: "b/1", VersionId: b1, Code: "AccessDenied", Message: expect.any(String) }]);
    await expectS3Error(alt.send(new DeleteObjectCommand({ Bucket: bucket, Key: "b/1", VersionId: b1, BypassGovernanceRetention: true })), "AccessDenied", 403);
    // the permission without the header bypasses nothing
    await expectS3Error(alt.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a/3", VersionId: a3 })), "AccessDenied", 403);
  });

  it("the bucket owner holds it, unless the policy denies it explicitly", async () => {
    const bucket = await lockedBucket("bypass-owner");
    const v1 = await governed(bucket, "k");
    const v2 = await governed(bucket, "k");
    const v3 = await governed(bucket, "k");
    await main.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: v1, BypassGovernanceRetention: true }));
    await putPolicy(bucket, [{ Effect: "Deny", Principal: "*", Action: "s3:BypassGovernanceRetention", Resource: `arn:aws:s3:::${bucket}/*` }]);

    await expectS3Error(main.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: v2, BypassGovernanceRetention: true })), "AccessDenied", 403);
    const multi = await main.send(new DeleteObjectsCommand({ Bucket: bucket, BypassGovernanceRetention: true, Delete: { Objects: [{ Key: "k", VersionId: v3 }] } }));
    expect(multi.Errors).toEqual([{ Key: "k", VersionId: v3, Code: "AccessDenied", Message: expect.any(String) }]);
    await expectS3Error(
      main.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "k", VersionId: v2, BypassGovernanceRetention: true, Retention: { Mode: "GOVERNANCE", RetainUntilDate: SOON } })),
      "AccessDenied",
      403,
    );
    // extending needs no bypass, and is still allowed
    await main.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "k", VersionId: v2, Retention: { Mode: "GOVERNANCE", RetainUntilDate: new Date("2150-01-01T00:00:00.000Z") } }));
  });
});
