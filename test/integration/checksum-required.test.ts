// Operations whose body's integrity S3 wants stated (spec: @checksumRequired): a request with
// neither Content-MD5 nor an x-amz-checksum-* is refused before it runs, and nothing changes;
// either one lets it through (the AWS SDK sends a CRC32 by default, older clients MD5). And
// operations that AWS's model also marks but S3 takes without one (PutObjectTagging,
// PutBucketVersioning, PutBucketPolicy, PutPublicAccessBlock, PutObjectAcl, PutBucketAcl: the
// clients that send none, such as s3cmd, minio-go and minio-js, work), where a checksum that is
// sent is still verified.
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectAclCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectErrorXml, md5Base64, rawRequest, xmlElements } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  bucket = bucketName("cksum-req");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "data" }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

const tagging = "<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>";
interface Case {
  op: string;
  method: string;
  path: () => string;
  query: Record<string, string | null>;
  body: string;
  status: number;
}
const cases: Case[] = [
  { op: "DeleteObjects", method: "POST", path: () => `/${bucket}`, query: { delete: null }, body: "<Delete><Object><Key>k</Key></Object></Delete>", status: 200 },
  ...(ON_OZONE ? [] : [{ op: "PutBucketTagging", method: "PUT", path: () => `/${bucket}`, query: { tagging: null }, body: tagging, status: 204 }]),
];

describe("operations that require a checksum of their body", () => {
  it.each(cases.map((c) => [c.op, c] as const))("%s without Content-MD5 or a checksum: 400 InvalidRequest, nothing done", async (_op, c) => {
    const res = await rawRequest(gw, { method: c.method, path: c.path(), query: c.query, body: c.body });
    expectErrorXml(res, "InvalidRequest", 400);
    expect(xmlElements(res.text, "Message")).toEqual(["Missing required header for this request: Content-MD5"]);
    // nothing changed: the object is still there, the bucket untagged
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }));
    if (!ON_OZONE) await expect(s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).rejects.toMatchObject({ name: "NoSuchTagSet" });
  });

  it.each(cases.map((c) => [c.op, c] as const))("%s with Content-MD5, or with x-amz-checksum-sha256 instead: done", async (_op, c) => {
    const md5 = await rawRequest(gw, { method: c.method, path: c.path(), query: c.query, body: c.body, headers: { "content-md5": md5Base64(Buffer.from(c.body)) } });
    expect(md5.status).toBe(c.status);
    if (c.op === "DeleteObjects") await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "data" }));
    const sha = createHash("sha256").update(c.body).digest("base64");
    const checksum = await rawRequest(gw, { method: c.method, path: c.path(), query: c.query, body: c.body, headers: { "x-amz-checksum-sha256": sha } });
    expect(checksum.status).toBe(c.status);
    if (c.op === "DeleteObjects") await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "data" }));
  });
});

interface OptionalCase {
  op: string;
  path: () => string;
  query: Record<string, string | null>;
  body: () => string;
  status: number;
  /** what the operation set, read back; undefined before it ran */
  readBack: () => Promise<unknown>;
  /** what readBack gives once the body was applied */
  applied: () => unknown;
}
const policy = () => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/public/*` }] });
/** the owner's FULL_CONTROL and everyone's READ (as s3cmd's `setacl --acl-public` sends it) */
let owner = "";
const aclDocument = () =>
  `<AccessControlPolicy><Owner><ID>${owner}</ID></Owner><AccessControlList>` +
  `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${owner}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>` +
  `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>` +
  `</AccessControlList></AccessControlPolicy>`;
const optional: OptionalCase[] = [
  {
    op: "PutObjectTagging",
    path: () => `/${bucket}/k`,
    query: { tagging: null },
    body: () => tagging,
    status: 200,
    readBack: async () => (await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "k" }))).TagSet,
    applied: () => [{ Key: "a", Value: "b" }],
  },
  ...(ON_OZONE
    ? []
    : [
        {
          op: "PutBucketVersioning",
          path: () => `/${bucket}`,
          query: { versioning: null },
          body: () => "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
          status: 200,
          readBack: async () => (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status,
          applied: () => "Enabled",
        },
        {
          op: "PutBucketPolicy",
          path: () => `/${bucket}`,
          query: { policy: null },
          body: policy,
          status: 204,
          readBack: async () => (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket })).catch(() => undefined))?.Policy,
          applied: policy,
        },
        {
          op: "PutObjectAcl",
          path: () => `/${bucket}/k`,
          query: { acl: null },
          body: () => aclDocument(),
          status: 200,
          readBack: async () => (await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "k" }))).Grants?.map((g) => g.Permission).sort(),
          applied: () => ["FULL_CONTROL", "READ"],
        },
        {
          op: "PutBucketAcl",
          path: () => `/${bucket}`,
          query: { acl: null },
          body: () => aclDocument(),
          status: 200,
          readBack: async () => (await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants?.map((g) => g.Permission).sort(),
          applied: () => ["FULL_CONTROL", "READ"],
        },
        {
          op: "PutPublicAccessBlock",
          path: () => `/${bucket}`,
          query: { publicAccessBlock: null },
          body: () => "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>",
          status: 200,
          readBack: async () => (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })).catch(() => undefined))?.PublicAccessBlockConfiguration?.BlockPublicAcls,
          applied: () => true,
        },
      ]),
];

describe("operations S3 takes without a checksum of their body, though AWS's model asks SDKs for one", () => {
  beforeAll(async () => {
    owner = (await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Owner!.ID!;
  });

  it.each(optional.map((c) => [c.op, c] as const))("%s: a wrong Content-MD5 is BadDigest and changes nothing; without any checksum it is done", async (_op, c) => {
    const before = await c.readBack();
    expect(before).not.toEqual(c.applied());
    const wrong = await rawRequest(gw, { method: "PUT", path: c.path(), query: c.query, body: c.body(), headers: { "content-md5": md5Base64(Buffer.from("something else")) } });
    expectErrorXml(wrong, "BadDigest", 400);
    expect(await c.readBack()).toEqual(before);
    const bare = await rawRequest(gw, { method: "PUT", path: c.path(), query: c.query, body: c.body() });
    expect(bare.status, bare.text).toBe(c.status);
    expect(await c.readBack()).toEqual(c.applied());
  });
});
