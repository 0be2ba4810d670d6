/**
 * A request that names a version is decided on the operation's version action (the spec's second
 * @permission argument, runtime/access/authorize.ts actionOf): s3:GetObjectVersion for a GET or
 * HEAD of a version and for a copy from one, s3:DeleteObjectVersion for a DeleteObject of one and
 * for each DeleteObjects entry with a VersionId, s3:GetObjectVersionTagging... ("Amazon S3 API
 * operations and permissions"). So a bucket policy can protect versions apart from the current
 * object: the common "Deny s3:DeleteObjectVersion" keeps every version however the caller deletes.
 * Two users through the AWS SDK, on a gateway with two workers.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CACHE_TTL_MS } from "../../runtime/access/policy/decision.js";
import { ON_OZONE } from "../support/ozone.js";
import { startWithUsers, type UsersGateway } from "../support/server.js";
import { bucketName, expectBodilessError, expectS3Error } from "./helpers.js";

const MAIN = { canonicalId: "5555555555555555555555555555555555555555555555555555555555555555", displayName: "vmain", accessKeyId: "VMAINTEST0000000001", secretAccessKey: "vmain-version-test-secret-012345" };
const ALT = { canonicalId: "6666666666666666666666666666666666666666666666666666666666666666", displayName: "valt", accessKeyId: "VALTTEST00000000002", secretAccessKey: "valt-version-test-secret-0123456" };
const ALT_ARN = `arn:aws:iam::${ALT.canonicalId}:user/${ALT.displayName}`;

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

/** A versioned bucket of the main user with two versions of "k"; answers the older one's id. */
async function versionedBucket(name: string): Promise<{ bucket: string; older: string }> {
  const bucket = bucketName(name);
  await main.send(new CreateBucketCommand({ Bucket: bucket }));
  await main.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  const older = (await main.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v1", Tagging: "a=1" }))).VersionId!;
  await main.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v2" }));
  return { bucket, older };
}

/** Puts the policy, then waits out the per-process policy cache so that every worker decides by it. */
async function putPolicy(bucket: string, statements: object[]): Promise<void> {
  await main.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) }));
  await new Promise((r) => setTimeout(r, CACHE_TTL_MS + 100));
}

describe.skipIf(ON_OZONE)("version actions", () => {
  it("s3:GetObject does not read a version by id: that is s3:GetObjectVersion (GET, HEAD, tagging, copy source)", async () => {
    const { bucket, older } = await versionedBucket("verget");
    await putPolicy(bucket, [{ Effect: "Allow", Principal: { AWS: ALT_ARN }, Action: ["s3:GetObject", "s3:GetObjectTagging", "s3:PutObject"], Resource: `arn:aws:s3:::${bucket}/*` }]);

    expect(await (await alt.send(new GetObjectCommand({ Bucket: bucket, Key: "k" }))).Body!.transformToString()).toBe("v2");
    await expectS3Error(alt.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: older })), "AccessDenied", 403);
    await expectBodilessError(alt.send(new HeadObjectCommand({ Bucket: bucket, Key: "k", VersionId: older })), 403);
    await expectS3Error(alt.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "k", VersionId: older })), "AccessDenied", 403);
    await expectS3Error(alt.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy", CopySource: `${bucket}/k?versionId=${older}` })), "AccessDenied", 403);
    await alt.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy-current", CopySource: `${bucket}/k` }));

    await putPolicy(bucket, [
      { Effect: "Allow", Principal: { AWS: ALT_ARN }, Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectVersionTagging", "s3:PutObject"], Resource: `arn:aws:s3:::${bucket}/*` },
    ]);
    expect(await (await alt.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: older }))).Body!.transformToString()).toBe("v1");
    expect((await alt.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "k", VersionId: older }))).TagSet).toEqual([{ Key: "a", Value: "1" }]);
    await alt.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy", CopySource: `${bucket}/k?versionId=${older}` }));
    expect(await (await alt.send(new GetObjectCommand({ Bucket: bucket, Key: "copy" }))).Body!.transformToString()).toBe("v1");
  });

  it("a Deny of s3:DeleteObjectVersion keeps every version, through DeleteObject and DeleteObjects, while plain deletes add delete markers", async () => {
    const { bucket, older } = await versionedBucket("verdel");
    await putPolicy(bucket, [{ Effect: "Deny", Principal: "*", Action: "s3:DeleteObjectVersion", Resource: `arn:aws:s3:::${bucket}/*` }]);

    await expectS3Error(main.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: older })), "AccessDenied", 403);
    const r = await main.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "k", VersionId: older }, { Key: "k" }] } }));
    expect(r.Errors).toEqual([{ Key: "k", VersionId: older, Code: "AccessDenied", Message: "Access Denied" }]);
    expect(r.Deleted).toHaveLength(1);
    expect(r.Deleted![0]).toMatchObject({ Key: "k", DeleteMarker: true });
    // the version is still there, readable by its id
    expect(await (await main.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: older }))).Body!.transformToString()).toBe("v1");
    // a plain DeleteObject is s3:DeleteObject: allowed (another delete marker)
    expect((await main.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }))).DeleteMarker).toBe(true);
  });
});
