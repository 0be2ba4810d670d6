/**
 * Bucket policies and PublicAccessBlock as the access decision applies them to requests
 * (runtime/access/authorize.ts with runtime/access/policy/), through the AWS SDK with two users and
 * an unsigned client, on a gateway with two workers (a change is seen at once by the worker that
 * made it and within the policy cache's second by the other): an Allow lets another user or anyone
 * in, an explicit Deny wins over ownership and ACLs, conditions are read from the request,
 * IgnorePublicAcls and BlockPublicAcls act on ACLs, RestrictPublicBuckets on a public policy.
 * The policy operations themselves are in policy.test.ts, the pure evaluator in test/access/.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { ON_OZONE } from "../support/ozone.js";
import { bucketName, expectS3Error, rawRequest, REGION } from "./helpers.js";

const MAIN = { canonicalId: "1111111111111111111111111111111111111111111111111111111111111111", displayName: "pmain" };
const ALT = { canonicalId: "2222222222222222222222222222222222222222222222222222222222222222", displayName: "palt" };
const MAIN_KEY = { accessKeyId: "PMAINTEST00000000001", secretAccessKey: "pmain-policy-test-secret-012345" };
const ALT_KEY = { accessKeyId: "PALTTEST000000000002", secretAccessKey: "palt-policy-test-secret-0123456" };

let dir: string;
let gw: RunningGateway;
let main: S3Client;
let alt: S3Client;
let anonymous: S3Client;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-policy-enforced-"));
  const config = path.join(dir, "config.json");
  await writeFile(config, JSON.stringify({ users: [{ ...MAIN, accessKeys: [MAIN_KEY] }, { ...ALT, accessKeys: [ALT_KEY] }] }));
  gw = await startGateway({ args: ["--config", config], workers: 2 });
  main = gw.client(MAIN_KEY);
  alt = gw.client(ALT_KEY);
  anonymous = new S3Client({
    endpoint: gw.endpoint,
    region: REGION,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: "", secretAccessKey: "" },
    signer: { sign: async (request) => request },
  });
});

afterAll(async () => {
  await gw?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Retries `check` until it passes or 3 s went by: the other worker sees a change within the cache's 1 s. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const until = Date.now() + 3000;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function bucketWithObject(label: string): Promise<string> {
  const bucket = bucketName(label);
  await main.send(new CreateBucketCommand({ Bucket: bucket }));
  await main.send(new PutObjectCommand({ Bucket: bucket, Key: "public/a.txt", Body: "a" }));
  await main.send(new PutObjectCommand({ Bucket: bucket, Key: "private/b.txt", Body: "b" }));
  return bucket;
}

const policy = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

async function body(client: S3Client, bucket: string, key: string): Promise<string> {
  return (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}

describe.skipIf(ON_OZONE)("bucket policies on requests", () => {
  it("an Allow for everyone on a prefix lets anonymous callers read it, and nothing else; deleting it takes that back", async () => {
    const bucket = await bucketWithObject("pol-anon");
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" })), "AccessDenied", 403);
    await main.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: policy([{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/public/*` }]),
      }),
    );
    await eventually(async () => expect(await body(anonymous, bucket, "public/a.txt")).toBe("a"));
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "private/b.txt" })), "AccessDenied", 403);
    await expectS3Error(anonymous.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);
    await main.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    await eventually(() => expectS3Error(anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" })), "AccessDenied", 403).then(() => undefined));
  });

  it("an Allow naming another user by ARN lets that user list with the allowed prefix only (s3:prefix condition)", async () => {
    const bucket = await bucketWithObject("pol-user");
    await main.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: policy([
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ALT.canonicalId}:user/${ALT.displayName}` },
            Action: "s3:ListBucket",
            Resource: `arn:aws:s3:::${bucket}`,
            Condition: { StringLike: { "s3:prefix": "public/*" } },
          },
        ]),
      }),
    );
    await eventually(async () => {
      const listed = await alt.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "public/" }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual(["public/a.txt"]);
    });
    await expectS3Error(alt.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);
    await expectS3Error(alt.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "private/" })), "AccessDenied", 403);
    // the policy names alt only: anonymous callers stay out
    await expectS3Error(anonymous.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "public/" })), "AccessDenied", 403);
  });

  it("an explicit Deny wins over the owner's own access and over an ACL grant, but never locks the owner out of the policy itself", async () => {
    const bucket = await bucketWithObject("pol-deny");
    await main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "authenticated-read" }));
    await main.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: policy([{ Effect: "Deny", Principal: "*", Action: ["s3:ListBucket"], Resource: `arn:aws:s3:::${bucket}` }]),
      }),
    );
    await eventually(() => expectS3Error(main.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403).then(() => undefined));
    await expectS3Error(alt.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);
    await main.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    await eventually(async () => expect((await main.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(2));
    await eventually(async () => expect((await alt.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(2));
  });
});

describe.skipIf(ON_OZONE)("PublicAccessBlock on requests", () => {
  it("BlockPublicAcls refuses a public ACL; IgnorePublicAcls makes an existing one allow nothing", async () => {
    const bucket = await bucketWithObject("pab-acl");
    await main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
    expect((await anonymous.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(2);
    await main.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { IgnorePublicAcls: true } }));
    await eventually(() => expectS3Error(anonymous.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403).then(() => undefined));
    await main.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true } }));
    await eventually(() => expectS3Error(main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read-write" })), "AccessDenied", 403).then(() => undefined));
    await expectS3Error(main.send(new PutObjectCommand({ Bucket: bucket, Key: "c", Body: "c", ACL: "public-read" })), "AccessDenied", 403);
    // a private ACL is still fine
    await main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "private" }));
  });

  it("RestrictPublicBuckets keeps a public policy from letting anyone but the owner in", async () => {
    const bucket = await bucketWithObject("pab-restrict");
    await main.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: policy([{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }]),
      }),
    );
    await eventually(async () => expect(await body(anonymous, bucket, "public/a.txt")).toBe("a"));
    await main.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } }));
    await eventually(() => expectS3Error(anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" })), "AccessDenied", 403).then(() => undefined));
    await expectS3Error(alt.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" })), "AccessDenied", 403);
    expect(await body(main, bucket, "public/a.txt")).toBe("a");
  });
});

describe.skipIf(ON_OZONE)("a change of access configuration and the workers", () => {
  it("is in force in every worker as soon as it is acknowledged, not only after the cache's second", async () => {
    const bucket = await bucketWithObject("pab-workers");
    await main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
    // each raw request is a new connection, so the two workers take turns answering them
    const listings = async () => Promise.all(Array.from({ length: 8 }, () => rawRequest(gw, { method: "GET", path: `/${bucket}`, unsigned: true }).then((r) => r.status)));
    expect(await listings()).toEqual(Array(8).fill(200));
    await main.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { IgnorePublicAcls: true } }));
    expect(await listings()).toEqual(Array(8).fill(403));
    await main.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: policy([{ Effect: "Allow", Principal: "*", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${bucket}` }]),
      }),
    );
    expect(await listings()).toEqual(Array(8).fill(200));
    await main.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    expect(await listings()).toEqual(Array(8).fill(403));
  });
});

describe.skipIf(ON_OZONE)("x-amz-expected-bucket-owner", () => {
  it("refuses a request whose expected bucket owner is not the bucket's (403), on the bucket and on a copy's source", async () => {
    const bucket = await bucketWithObject("expected-owner");
    await expectS3Error(main.send(new ListObjectsV2Command({ Bucket: bucket, ExpectedBucketOwner: ALT.canonicalId })), "AccessDenied", 403);
    expect((await main.send(new ListObjectsV2Command({ Bucket: bucket, ExpectedBucketOwner: MAIN.canonicalId }))).KeyCount).toBe(2);
    await expectS3Error(main.send(new PutObjectCommand({ Bucket: bucket, Key: "x", Body: "x", ExpectedBucketOwner: `${MAIN.canonicalId}foo` })), "AccessDenied", 403);
    const copy = (expected: string) =>
      main.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy", CopySource: `${bucket}/public/a.txt`, ExpectedSourceBucketOwner: expected }));
    await expectS3Error(copy(ALT.canonicalId), "AccessDenied", 403);
    await copy(MAIN.canonicalId);
    expect(await body(main, bucket, "copy")).toBe("a");
  });
});
