/**
 * Bucket policies and public access blocks through the real server with the AWS SDK: Put/Get/
 * DeleteBucketPolicy (the document kept byte for byte, S3's MalformedPolicy checks and messages,
 * the 20 KB limit, Content-MD5 or a checksum optional as in S3), GetBucketPolicyStatus ("The meaning of
 * public"), Put/Get/DeletePublicAccessBlock and BlockPublicPolicy refusing a public policy. The
 * operations are the bucket owner's: another user is refused. Cases follow ceph/s3-tests'
 * test_set_get_del_bucket_policy, test_get_*_bucket_policy_status, test_*_public_block and
 * test_block_public_policy*. On Ozone every one of them answers 501 NotImplemented.
 *
 * (How a policy decides requests is runtime/access/policy/decision.ts, called by the access
 * decision point; test/access/ covers it.)
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectErrorXml, expectS3Error, md5Base64, rawRequest } from "./helpers.js";

const MAIN_KEY = { accessKeyId: "POLICYMAINKEY0000001", secretAccessKey: "policy-main-secret-key-0123456789" };
const ALT_KEY = { accessKeyId: "POLICYALTKEY00000002", secretAccessKey: "policy-alt-secret-key-01234567890" };

let gw: RunningGateway;
let dir: string;
let s3: S3Client;
let alt: S3Client;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-policy-"));
  const usersFile = path.join(dir, "users.json");
  await writeFile(
    usersFile,
    JSON.stringify({
      users: [
        { canonicalId: "111122223333", displayName: "main", accessKeys: [MAIN_KEY] },
        { canonicalId: "444455556666", displayName: "alt", accessKeys: [ALT_KEY] },
      ],
    }),
  );
  gw = await startGateway({ args: ["--users-file", usersFile] });
  s3 = gw.client(MAIN_KEY);
  alt = gw.client(ALT_KEY);
});

afterAll(async () => {
  s3?.destroy();
  alt?.destroy();
  await gw?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function newBucket(label: string): Promise<string> {
  const bucket = bucketName(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

function publicRead(bucket: string, extra: object = {}): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "PublicRead", Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*`, ...extra }],
  });
}

describe.skipIf(ON_OZONE)("bucket policies", () => {
  it("puts (204), gets the document byte for byte, deletes (204); NoSuchBucketPolicy without one", async () => {
    const bucket = await newBucket("policy");
    await expectS3Error(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), "NoSuchBucketPolicy", 404);
    // spacing, key order and non-ASCII kept: GetBucketPolicy answers what was put
    const text = `{ "Version": "2012-10-17",\n  "Statement": [ { "Sid": "lecture é", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::444455556666:root"]}, "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::${bucket}", "arn:aws:s3:::${bucket}/*"] } ] }`;
    const put = await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: text }));
    expect(put.$metadata.httpStatusCode).toBe(204);
    const got = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    expect(got.Policy).toBe(text);
    const del = await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), "NoSuchBucketPolicy", 404);
    // deleting again succeeds; a deleted and re-created bucket has no policy
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: text }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), "NoSuchBucketPolicy", 404);
  });

  it("refuses a malformed policy with S3's MalformedPolicy and message, keeping the one in force", async () => {
    const bucket = await newBucket("malformed");
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicRead(bucket) }));
    const statement = { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` };
    const cases: [string, string][] = [
      ["not json", "Policies must be valid JSON and the first byte must be '{'"],
      ['{"Version": "2012-10-17", "Statement": [', "This policy contains invalid Json"],
      [JSON.stringify({ Version: "2012-10-17", Statement: [] }), "Could not parse the policy: Statement is empty!"],
      [JSON.stringify({ Version: "2012-10-17" }), "Missing required field Statement"],
      [JSON.stringify({ Version: "1.0", Statement: [statement] }), "The policy must contain a valid version string"],
      [JSON.stringify({ Version: "2012-10-17", Statement: [{ ...statement, Effect: "hello" }] }), "Invalid effect: hello"],
      [JSON.stringify({ Version: "2012-10-17", Statement: [{ ...statement, Action: "invalid_action" }] }), "Policy has invalid action"],
      [JSON.stringify({ Version: "2012-10-17", Statement: [{ ...statement, Resource: "arn:aws:s3:::some-other-bucket/*" }] }), "Policy has invalid resource"],
      [JSON.stringify({ Version: "2012-10-17", Statement: [{ ...statement, Principal: { AWS: "not a principal!" } }] }), "Invalid principal in policy"],
      [JSON.stringify({ Version: "2012-10-17", Statement: [{ ...statement, Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}` }] }), "Action does not apply to any resource(s) in statement"],
      // ceph/s3-tests' test_bucket_policy_allow_notprincipal: 400 on AWS
      [JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::s3tenant1:root" }, Action: "s3:ListBucket", Resource: `arn:aws:s3:::${bucket}` }] }), "Invalid principal in policy"],
    ];
    for (const [policy, message] of cases) {
      const e = await expectS3Error(s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy })), "MalformedPolicy", 400);
      expect(e.message, policy).toBe(message);
    }
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy).toBe(publicRead(bucket));
  });

  it("refuses a policy over 20 KB without reading past the limit; accepts one at the limit", async () => {
    const bucket = await newBucket("size");
    const base = publicRead(bucket, { Sid: "" });
    const at = publicRead(bucket, { Sid: "x".repeat(20 * 1024 - base.length) });
    expect(Buffer.byteLength(at)).toBe(20 * 1024);
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: at }));
    const over = publicRead(bucket, { Sid: "x".repeat(20 * 1024 - base.length + 1) });
    const e = await expectS3Error(s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: over })), "MalformedPolicy", 400);
    expect(e.message).toMatch(/maximum allowed document size/);
    // a much larger body: refused just the same, the connection still usable
    const huge = publicRead(bucket, { Sid: "y".repeat(2 * 1024 * 1024) });
    await expectS3Error(s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: huge })), "MalformedPolicy", 400);
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy).toBe(at);
  });

  it("takes a policy without Content-MD5 or a checksum, as S3 does (minio-go and minio-js send none); one that is sent is verified", async () => {
    const bucket = await newBucket("md5");
    const body = publicRead(bucket);
    const wrong = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { policy: null }, body, credentials: MAIN_KEY, headers: { "content-md5": md5Base64(Buffer.from("other")) } });
    expectErrorXml(wrong, "BadDigest", 400);
    await expectS3Error(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), "NoSuchBucketPolicy", 404);
    const bare = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { policy: null }, body, credentials: MAIN_KEY });
    expect(bare.status).toBe(204);
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy).toBe(body);
    const ok = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { policy: null }, body, credentials: MAIN_KEY, headers: { "content-md5": md5Base64(Buffer.from(body)) } });
    expect(ok.status).toBe(204);
  });

  it("GetBucketPolicyStatus: public for a wildcard principal, not for a fixed principal or IP range, false without a policy", async () => {
    const bucket = await newBucket("status");
    const status = async () => (await s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }))).PolicyStatus?.IsPublic;
    expect(await status()).toBe(false);
    const list = (extra: object) =>
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:ListBucket", Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], ...extra }] });
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: list({}) }));
    expect(await status()).toBe(true);
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: list({ Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/32" } } }) }));
    expect(await status()).toBe(false);
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: list({ Principal: { AWS: "arn:aws:iam::s3tenant1:root" } }) }));
    expect(await status()).toBe(false);
  });

  it("the operations are the bucket owner's: another user is refused, a missing bucket is NoSuchBucket", async () => {
    const bucket = await newBucket("owner");
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicRead(bucket) }));
    const B = { Bucket: bucket };
    await expectS3Error(alt.send(new GetBucketPolicyCommand(B)), "AccessDenied", 403);
    await expectS3Error(alt.send(new PutBucketPolicyCommand({ ...B, Policy: publicRead(bucket) })), "AccessDenied", 403);
    await expectS3Error(alt.send(new DeleteBucketPolicyCommand(B)), "AccessDenied", 403);
    await expectS3Error(alt.send(new GetBucketPolicyStatusCommand(B)), "AccessDenied", 403);
    await expectS3Error(alt.send(new PutPublicAccessBlockCommand({ ...B, PublicAccessBlockConfiguration: { BlockPublicPolicy: true } })), "AccessDenied", 403);
    await expectS3Error(alt.send(new GetPublicAccessBlockCommand(B)), "AccessDenied", 403);
    await expectS3Error(alt.send(new DeletePublicAccessBlockCommand(B)), "AccessDenied", 403);
    expect((await s3.send(new GetBucketPolicyCommand(B))).Policy).toBe(publicRead(bucket));
    const missing = { Bucket: bucketName("missing") };
    await expectS3Error(s3.send(new GetBucketPolicyCommand(missing)), "NoSuchBucket", 404);
    await expectS3Error(s3.send(new PutBucketPolicyCommand({ ...missing, Policy: publicRead(missing.Bucket) })), "NoSuchBucket", 404);
    await expectS3Error(s3.send(new GetPublicAccessBlockCommand(missing)), "NoSuchBucket", 404);
  });
});

describe.skipIf(ON_OZONE)("public access blocks", () => {
  it("puts (200), gets (omitted settings false), deletes (204); NoSuchPublicAccessBlockConfiguration without one", async () => {
    const bucket = await newBucket("pab");
    await expectS3Error(s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })), "NoSuchPublicAccessBlockConfiguration", 404);
    const conf = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: false };
    const put = await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: conf }));
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration).toEqual(conf);
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } }));
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: true,
    });
    const del = await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })), "NoSuchPublicAccessBlockConfiguration", 404);
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
  });

  it("refuses a body that is not a PublicAccessBlockConfiguration", async () => {
    const bucket = await newBucket("pabxml");
    const body = "<PublicAccessBlockConfiguration><BlockPublicAcls>maybe</BlockPublicAcls></PublicAccessBlockConfiguration>";
    const res = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { publicAccessBlock: null }, body, credentials: MAIN_KEY, headers: { "content-md5": md5Base64(Buffer.from(body)) } });
    expect(res.status).toBe(400);
    await expectS3Error(s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })), "NoSuchPublicAccessBlockConfiguration", 404);
  });

  it("BlockPublicPolicy refuses a public policy (AccessDenied) and accepts a non-public one or a Deny", async () => {
    const bucket = await newBucket("block");
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { BlockPublicPolicy: true } }));
    await expectS3Error(s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicRead(bucket) })), "AccessDenied", 403);
    await expectS3Error(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), "NoSuchBucketPolicy", 404);
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicRead(bucket, { Principal: { AWS: "arn:aws:iam::s3tenant1:root" } }) }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicRead(bucket, { Effect: "Deny" }) }));
    // once the block is lifted, the public policy is accepted
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicRead(bucket) }));
  });
});

describe.skipIf(!ON_OZONE)("on Ozone", () => {
  it("answers the puts 501 NotImplemented naming the backend, and reads every bucket as one without a policy or block", async () => {
    const bucket = await newBucket("ozone");
    const put = await expectS3Error(s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicRead(bucket) })), "NotImplemented", 501);
    // the policy's own answer, not the public access block's it looks at first
    expect(put.message).toMatch(/^Bucket policy is not supported/);
    await expectS3Error(s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { BlockPublicPolicy: true } })), "NotImplemented", 501);
    await expectS3Error(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), "NoSuchBucketPolicy", 404);
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }))).PolicyStatus).toEqual({ IsPublic: false });
    await expectS3Error(s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })), "NoSuchPublicAccessBlockConfiguration", 404);
    expect((await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(204);
    expect((await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(204);
  });
});
