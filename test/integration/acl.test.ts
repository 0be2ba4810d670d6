/**
 * ACLs, ownership controls and anonymous access through the AWS SDK, with two real users (`main`
 * and `alt`, with emails) and an unsigned client: the central access decision
 * (runtime/access/authorize.ts) as S3 makes it, the ways an ACL is given (canned, grant headers, an
 * AccessControlPolicy document) and their errors, and the ownership controls' rules.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteObjectCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetObjectAclCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type Grant,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricOf } from "../support/metrics.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { ON_OZONE } from "../support/ozone.js";
import { bucketName, expectBodilessError, expectS3Error, rawRequest, REGION } from "./helpers.js";

const MAIN = { canonicalId: "9434497ed4426e9411af63e61579b9b4a54b7621a86350432232725fb52d6b75", displayName: "main", email: "main@example.com" };
const ALT = { canonicalId: "6f380026c9a16ab428b4e93134b2f4916f5217ea650470eac9f482135cdadfa4", displayName: "alt", email: "alt@example.com" };
const MAIN_KEY = { accessKeyId: "MAINACLTEST000000001", secretAccessKey: "main-acl-test-secret-0123456789" };
const ALT_KEY = { accessKeyId: "ALTACLTEST0000000002", secretAccessKey: "alt-acl-test-secret-0123456789a" };
const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

let dir: string;
let gw: RunningGateway;
let main: S3Client;
let alt: S3Client;
let anonymous: S3Client;

/** A client whose requests go unsigned, as a browser's or curl's do. */
function unsignedClient(): S3Client {
  return new S3Client({
    endpoint: gw.endpoint,
    region: REGION,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: "", secretAccessKey: "" },
    signer: { sign: async (request) => request },
  });
}

/** Grants as comparable text, whatever their order: "READ Group <uri>", "FULL_CONTROL main". */
function grantsOf(grants: Grant[] | undefined): string[] {
  return (grants ?? [])
    .map((g) => `${g.Permission} ${g.Grantee?.Type === "Group" ? `Group ${g.Grantee.URI}` : g.Grantee?.DisplayName}`)
    .sort();
}

/** How many calls of a storage method the gateway (its workers together) answered so far, from its /metrics. */
function storageCalls(method: string): Promise<number> {
  return metricOf(gw, "s3gw_storage_duration_seconds_count", { backend: "embedded", method, outcome: "ok" });
}

async function newBucket(label: string, client = main): Promise<string> {
  const name = bucketName(label);
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-acl-"));
  const config = path.join(dir, "config.json");
  await writeFile(config, JSON.stringify({ users: [{ ...MAIN, accessKeys: [MAIN_KEY] }, { ...ALT, accessKeys: [ALT_KEY] }] }));
  gw = await startGateway({ args: ["--config", config], workers: 2 });
  main = gw.client(MAIN_KEY);
  alt = gw.client(ALT_KEY);
  anonymous = unsignedClient();
});

afterAll(async () => {
  await gw?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(ON_OZONE)("bucket ACLs", () => {
  it("answers the owner's FULL_CONTROL for a new bucket, in S3's XML with xsi:type", async () => {
    const bucket = await newBucket("acl-default");
    const acl = await main.send(new GetBucketAclCommand({ Bucket: bucket }));
    expect(acl.Owner).toEqual({ ID: MAIN.canonicalId, DisplayName: "main" });
    expect(acl.Grants).toEqual([{ Grantee: { Type: "CanonicalUser", ID: MAIN.canonicalId, DisplayName: "main" }, Permission: "FULL_CONTROL" }]);
    const raw = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { acl: null }, credentials: MAIN_KEY });
    expect(raw.text).toContain('<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><DisplayName>main</DisplayName>');
  });

  it("public-read lets anyone list, anonymous callers included; private takes it back", async () => {
    const bucket = await newBucket("acl-public-read");
    await main.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v" }));
    await expectS3Error(anonymous.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);
    await expectS3Error(alt.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);

    await main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
    expect(grantsOf((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual([`FULL_CONTROL main`, `READ Group ${ALL_USERS}`]);
    expect((await anonymous.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((o) => o.Key)).toEqual(["k"]);
    expect((await alt.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(1);
    // READ on the bucket lists it; its objects stay private, and it is not a WRITE
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "k" })), "AccessDenied", 403);
    await expectS3Error(alt.send(new PutObjectCommand({ Bucket: bucket, Key: "alt", Body: "x" })), "AccessDenied", 403);
    // and no ACL grants the rest of the bucket's sub-resources
    await expectS3Error(alt.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [] } })), "AccessDenied", 403);
    await expectS3Error(alt.send(new GetBucketAclCommand({ Bucket: bucket })), "AccessDenied", 403);

    await main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "private" }));
    await expectS3Error(anonymous.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);
  });

  it("authenticated-read lets every signed user list, not anonymous callers", async () => {
    const bucket = await newBucket("acl-auth-read");
    await main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "authenticated-read" }));
    expect(grantsOf((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual([`FULL_CONTROL main`, `READ Group ${AUTHENTICATED_USERS}`]);
    await alt.send(new ListObjectsV2Command({ Bucket: bucket }));
    await expectS3Error(anonymous.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);
  });

  it("grants by header to a user by id and by email; READ_ACP lets alt read the ACL, WRITE_ACP change it", async () => {
    const bucket = await newBucket("acl-headers");
    await main.send(
      new PutBucketAclCommand({
        Bucket: bucket,
        GrantFullControl: `id="${MAIN.canonicalId}"`,
        GrantReadACP: `emailAddress="${ALT.email}"`,
        GrantWrite: `id="${ALT.canonicalId}"`,
      }),
    );
    const seen = await alt.send(new GetBucketAclCommand({ Bucket: bucket }));
    expect(grantsOf(seen.Grants)).toEqual(["FULL_CONTROL main", "READ_ACP alt", "WRITE alt"]);
    await alt.send(new PutObjectCommand({ Bucket: bucket, Key: "by-alt", Body: "x" }));
    await expectS3Error(alt.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" })), "AccessDenied", 403);
    await main.send(new PutBucketAclCommand({ Bucket: bucket, GrantWriteACP: `id="${ALT.canonicalId}"`, GrantFullControl: `id="${MAIN.canonicalId}"` }));
    await alt.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
  });

  it("refuses an unknown email, an unknown id, an unknown group, a canned ACL with grants, a bad canned ACL", async () => {
    const bucket = await newBucket("acl-bad");
    await expectS3Error(main.send(new PutBucketAclCommand({ Bucket: bucket, GrantRead: 'emailAddress="nobody@example.com"' })), "UnresolvableGrantByEmailAddress", 400);
    await expectS3Error(main.send(new PutBucketAclCommand({ Bucket: bucket, GrantRead: 'id="no-such-user"' })), "InvalidArgument", 400);
    await expectS3Error(main.send(new PutBucketAclCommand({ Bucket: bucket, GrantRead: 'uri="http://acs.amazonaws.com/groups/global/Nobody"' })), "InvalidArgument", 400);
    await expectS3Error(main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read", GrantRead: `id="${ALT.canonicalId}"` })), "InvalidRequest", 400);
    const raw = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { acl: null }, headers: { "x-amz-acl": "public-everything", "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" }, credentials: MAIN_KEY });
    expect(raw.status).toBe(400);
    expect(raw.text).toContain("<Code>InvalidArgument</Code>");
    // nothing was changed by any of them
    expect(grantsOf((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual(["FULL_CONTROL main"]);
  });

  it("takes an AccessControlPolicy document (and an empty one revokes everything, the owner's access to the ACL excepted)", async () => {
    const bucket = await newBucket("acl-document");
    const owner = { ID: MAIN.canonicalId, DisplayName: "main" };
    await main.send(
      new PutBucketAclCommand({
        Bucket: bucket,
        AccessControlPolicy: {
          Owner: owner,
          Grants: [
            { Grantee: { Type: "CanonicalUser", ID: MAIN.canonicalId }, Permission: "FULL_CONTROL" },
            { Grantee: { Type: "AmazonCustomerByEmail", EmailAddress: ALT.email }, Permission: "READ" },
            { Grantee: { Type: "Group", URI: ALL_USERS }, Permission: "WRITE" },
          ],
        },
      }),
    );
    // a grant by email is kept as the user's canonical id, as S3 does
    const acl = await main.send(new GetBucketAclCommand({ Bucket: bucket }));
    expect(acl.Grants).toContainEqual({ Grantee: { Type: "CanonicalUser", ID: ALT.canonicalId, DisplayName: "alt" }, Permission: "READ" });
    await alt.send(new ListObjectsV2Command({ Bucket: bucket }));
    await anonymous.send(new PutObjectCommand({ Bucket: bucket, Key: "from-anyone", Body: "x" }));

    await main.send(new PutBucketAclCommand({ Bucket: bucket, AccessControlPolicy: { Owner: owner, Grants: [] } }));
    expect((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants ?? []).toEqual([]);
    await expectS3Error(alt.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);
  });

  it("goes with its bucket: a new bucket of the same name starts private, without ownership controls", async () => {
    const bucket = bucketName("acl-reborn");
    await main.send(new CreateBucketCommand({ Bucket: bucket, ACL: "public-read", ObjectOwnership: "BucketOwnerPreferred" }));
    await main.send(new DeleteBucketCommand({ Bucket: bucket }));
    await main.send(new CreateBucketCommand({ Bucket: bucket }));
    expect(grantsOf((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual(["FULL_CONTROL main"]);
    await expectS3Error(anonymous.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);
    await expectS3Error(main.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket })), "OwnershipControlsNotFoundError", 404);
  });

  it("gives an ACL at CreateBucket (x-amz-acl), and keeps private buckets private", async () => {
    const bucket = bucketName("acl-create");
    await main.send(new CreateBucketCommand({ Bucket: bucket, ACL: "public-read-write" }));
    expect(grantsOf((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual([`FULL_CONTROL main`, `READ Group ${ALL_USERS}`, `WRITE Group ${ALL_USERS}`]);
    await alt.send(new PutObjectCommand({ Bucket: bucket, Key: "alt-wrote", Body: "x" }));
  });
});

describe.skipIf(ON_OZONE)("object ACLs", () => {
  it("public-read makes one object of a private bucket readable by anyone; the default keeps the others private", async () => {
    const bucket = await newBucket("obj-acl");
    await main.send(new PutObjectCommand({ Bucket: bucket, Key: "public", Body: "for all", ACL: "public-read" }));
    await main.send(new PutObjectCommand({ Bucket: bucket, Key: "private", Body: "mine" }));
    expect(await (await anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "public" }))).Body!.transformToString()).toBe("for all");
    expect((await anonymous.send(new HeadObjectCommand({ Bucket: bucket, Key: "public" }))).ContentLength).toBe(7);
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "private" })), "AccessDenied", 403);
    await expectBodilessError(alt.send(new HeadObjectCommand({ Bucket: bucket, Key: "private" })), 403);
    // a missing key is told only to those who may list the bucket
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" })), "AccessDenied", 403);
    await main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" })), "NoSuchKey", 404);
    // reading an object is not writing it
    await expectS3Error(anonymous.send(new DeleteObjectCommand({ Bucket: bucket, Key: "public" })), "AccessDenied", 403);
    await expectS3Error(anonymous.send(new PutObjectAclCommand({ Bucket: bucket, Key: "public", ACL: "public-read-write" })), "AccessDenied", 403);
  });

  it("PutObjectAcl changes the ACL and nothing else; GetObjectAcl shows the object's owner", async () => {
    const bucket = await newBucket("obj-acl-put");
    await main.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v" }));
    const before = await main.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }));
    await main.send(new PutObjectAclCommand({ Bucket: bucket, Key: "k", GrantRead: `id="${ALT.canonicalId}"`, GrantFullControl: `id="${MAIN.canonicalId}"` }));
    const after = await main.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }));
    expect({ etag: after.ETag, modified: after.LastModified }).toEqual({ etag: before.ETag, modified: before.LastModified });
    const acl = await alt.send(new GetObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(await acl.Body!.transformToString()).toBe("v");
    // READ is not READ_ACP
    await expectS3Error(alt.send(new GetObjectAclCommand({ Bucket: bucket, Key: "k" })), "AccessDenied", 403);
    const shown = await main.send(new GetObjectAclCommand({ Bucket: bucket, Key: "k" }));
    expect(shown.Owner).toEqual({ ID: MAIN.canonicalId, DisplayName: "main" });
    expect(grantsOf(shown.Grants)).toEqual(["FULL_CONTROL main", "READ alt"]);
    await expectS3Error(main.send(new GetObjectAclCommand({ Bucket: bucket, Key: "missing" })), "NoSuchKey", 404);
  });

  it("an object another user writes into a bucket it may write to is that user's, with bucket-owner-* canned ACLs", async () => {
    const bucket = bucketName("obj-acl-writer");
    await main.send(new CreateBucketCommand({ Bucket: bucket, ACL: "public-read-write" }));
    await alt.send(new PutObjectCommand({ Bucket: bucket, Key: "alts", Body: "x", ACL: "bucket-owner-read" }));
    const acl = await alt.send(new GetObjectAclCommand({ Bucket: bucket, Key: "alts" }));
    expect(acl.Owner?.ID).toBe(ALT.canonicalId);
    expect(grantsOf(acl.Grants)).toEqual(["FULL_CONTROL alt", "READ main"]);
  });

  it("an anonymous write into a public-read-write bucket belongs to the bucket owner", async () => {
    const bucket = bucketName("obj-acl-anon");
    await main.send(new CreateBucketCommand({ Bucket: bucket, ACL: "public-read-write" }));
    await anonymous.send(new PutObjectCommand({ Bucket: bucket, Key: "anon", Body: "x" }));
    expect((await main.send(new GetObjectAclCommand({ Bucket: bucket, Key: "anon" }))).Owner?.ID).toBe(MAIN.canonicalId);
    await anonymous.send(new DeleteObjectCommand({ Bucket: bucket, Key: "anon" }));
  });

  it("a copy gets the request's ACL, never its source's, and reading the source needs READ on it", async () => {
    const source = await newBucket("copy-src");
    await main.send(new PutObjectCommand({ Bucket: source, Key: "public", Body: "p", ACL: "public-read" }));
    await main.send(new PutObjectCommand({ Bucket: source, Key: "private", Body: "q" }));
    await main.send(new CopyObjectCommand({ Bucket: source, Key: "copy", CopySource: `${source}/public` }));
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket: source, Key: "copy" })), "AccessDenied", 403);
    await main.send(new CopyObjectCommand({ Bucket: source, Key: "copy2", CopySource: `${source}/private`, ACL: "public-read" }));
    await anonymous.send(new GetObjectCommand({ Bucket: source, Key: "copy2" }));

    const target = await newBucket("copy-dst", alt);
    await alt.send(new CopyObjectCommand({ Bucket: target, Key: "got", CopySource: `${source}/public` }));
    await expectS3Error(alt.send(new CopyObjectCommand({ Bucket: target, Key: "not", CopySource: `${source}/private` })), "AccessDenied", 403);
  });

  it("an upload's ACL is the completed object's", async () => {
    const bucket = await newBucket("mpu-acl");
    const { UploadId } = await main.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "big", ACL: "public-read" }));
    const part = await main.send(new UploadPartCommand({ Bucket: bucket, Key: "big", UploadId, PartNumber: 1, Body: "only part" }));
    await main.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "big", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(await (await anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "big" }))).Body!.transformToString()).toBe("only part");
  });

  it("each version has its own ACL", async () => {
    const bucket = await newBucket("ver-acl");
    await main.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    const v1 = await main.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "one", ACL: "public-read" }));
    const v2 = await main.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "two" }));
    await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "k" })), "AccessDenied", 403);
    expect(await (await anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: v1.VersionId }))).Body!.transformToString()).toBe("one");
    await main.send(new PutObjectAclCommand({ Bucket: bucket, Key: "k", VersionId: v2.VersionId, ACL: "public-read" }));
    expect(await (await anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "k" }))).Body!.transformToString()).toBe("two");
  });
});

describe.skipIf(ON_OZONE)("ownership controls", () => {
  it("a bucket has none until they are set (OwnershipControlsNotFoundError), and can have them removed", async () => {
    const bucket = await newBucket("own-none");
    await expectS3Error(main.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket })), "OwnershipControlsNotFoundError", 404);
    await main.send(new PutBucketOwnershipControlsCommand({ Bucket: bucket, OwnershipControls: { Rules: [{ ObjectOwnership: "ObjectWriter" }] } }));
    expect((await main.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }))).OwnershipControls?.Rules).toEqual([{ ObjectOwnership: "ObjectWriter" }]);
    await main.send(new DeleteBucketOwnershipControlsCommand({ Bucket: bucket }));
    await expectS3Error(main.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket })), "OwnershipControlsNotFoundError", 404);
    await expectS3Error(alt.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket })), "AccessDenied", 403);
  });

  it("BucketOwnerEnforced disables ACLs: refuses to set them, ignores those set, owns every object", async () => {
    const bucket = bucketName("own-enforced");
    await main.send(new CreateBucketCommand({ Bucket: bucket, ObjectOwnership: "BucketOwnerEnforced" }));
    await expectS3Error(main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" })), "AccessControlListNotSupported", 400);
    await expectS3Error(main.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v", ACL: "public-read" })), "AccessControlListNotSupported", 400);
    await main.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v", ACL: "bucket-owner-full-control" }));
    // setting an ACL fails whatever it grants, the owner-only "private" too (S3 answers Terraform's
    // aws_s3_bucket_acl with acl = "private" so on such a bucket); reading one shows the owner's FULL_CONTROL
    await expectS3Error(main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "private" })), "AccessControlListNotSupported", 400);
    await expectS3Error(main.send(new PutObjectAclCommand({ Bucket: bucket, Key: "k", ACL: "private" })), "AccessControlListNotSupported", 400);
    await expectS3Error(main.send(new PutObjectAclCommand({ Bucket: bucket, Key: "k", ACL: "bucket-owner-full-control" })), "AccessControlListNotSupported", 400);
    expect((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants?.map((g) => g.Permission)).toEqual(["FULL_CONTROL"]);

    // ACLs set before the controls count for nothing under them, and block setting them
    const other = bucketName("own-enforced-late");
    await main.send(new CreateBucketCommand({ Bucket: other, ACL: "public-read" }));
    await expectS3Error(
      main.send(new PutBucketOwnershipControlsCommand({ Bucket: other, OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } })),
      "InvalidBucketAclWithObjectOwnership",
      400,
    );
    await expectS3Error(main.send(new CreateBucketCommand({ Bucket: bucketName("own-bad"), ACL: "public-read", ObjectOwnership: "BucketOwnerEnforced" })), "InvalidBucketAclWithObjectOwnership", 400);
  });

  it("BucketOwnerPreferred gives the bucket owner an object written with bucket-owner-full-control, and only that", async () => {
    const bucket = bucketName("own-preferred");
    await main.send(new CreateBucketCommand({ Bucket: bucket, GrantWrite: `id="${ALT.canonicalId}"`, GrantFullControl: `id="${MAIN.canonicalId}"`, ObjectOwnership: "BucketOwnerPreferred" }));
    await alt.send(new PutObjectCommand({ Bucket: bucket, Key: "given", Body: "x", ACL: "bucket-owner-full-control" }));
    await alt.send(new PutObjectCommand({ Bucket: bucket, Key: "kept", Body: "x" }));
    expect((await main.send(new GetObjectAclCommand({ Bucket: bucket, Key: "given" }))).Owner?.ID).toBe(MAIN.canonicalId);
    expect((await alt.send(new GetObjectAclCommand({ Bucket: bucket, Key: "kept" }))).Owner?.ID).toBe(ALT.canonicalId);
    // the bucket's ACL grants alt WRITE: ACLs cannot be disabled while it does
    await expectS3Error(
      main.send(new PutBucketOwnershipControlsCommand({ Bucket: bucket, OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } })),
      "InvalidBucketAclWithObjectOwnership",
      400,
    );
  });
});

// "Controlling ownership of objects and disabling ACLs" (Amazon S3 User Guide): under ObjectWriter
// the bucket owner "can't access objects owned by other accounts unless the object owner grants
// access"; it may still list them and delete them.
describe.skipIf(ON_OZONE)("another writer's objects", () => {
  /** A bucket of main's that alt may write to, holding alt's private "alts" and its "shared" (bucket-owner-read). */
  async function writtenByAlt(label: string, ownership?: "ObjectWriter" | "BucketOwnerPreferred"): Promise<string> {
    const bucket = bucketName(label);
    await main.send(
      new CreateBucketCommand({ Bucket: bucket, GrantWrite: `id="${ALT.canonicalId}"`, GrantFullControl: `id="${MAIN.canonicalId}"`, ...(ownership && { ObjectOwnership: ownership }) }),
    );
    await alt.send(new PutObjectCommand({ Bucket: bucket, Key: "alts", Body: "alt's" }));
    await alt.send(new PutObjectCommand({ Bucket: bucket, Key: "shared", Body: "for main", ACL: "bucket-owner-read" }));
    return bucket;
  }

  it("the bucket owner cannot read them or their ACL without the writer's grant, nor copy them", async () => {
    const bucket = await writtenByAlt("writer-own");
    await expectS3Error(main.send(new GetObjectCommand({ Bucket: bucket, Key: "alts" })), "AccessDenied", 403);
    await expectBodilessError(main.send(new HeadObjectCommand({ Bucket: bucket, Key: "alts" })), 403);
    await expectS3Error(main.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: "alts", ObjectAttributes: ["ETag"] })), "AccessDenied", 403);
    await expectS3Error(main.send(new GetObjectAclCommand({ Bucket: bucket, Key: "alts" })), "AccessDenied", 403);
    await expectS3Error(main.send(new PutObjectAclCommand({ Bucket: bucket, Key: "alts", ACL: "public-read" })), "AccessDenied", 403);
    await expectS3Error(main.send(new CopyObjectCommand({ Bucket: bucket, Key: "taken", CopySource: `${bucket}/alts` })), "AccessDenied", 403);
    // access is decided before conditions: a matching If-None-Match is no 304 to a refused caller
    const { ETag } = await alt.send(new HeadObjectCommand({ Bucket: bucket, Key: "alts" }));
    await expectS3Error(main.send(new GetObjectCommand({ Bucket: bucket, Key: "alts", IfNoneMatch: ETag })), "AccessDenied", 403);
    // the writer reads its own; the bucket owner reads what the writer's ACL grants it, and only that
    expect(await (await alt.send(new GetObjectCommand({ Bucket: bucket, Key: "alts" }))).Body!.transformToString()).toBe("alt's");
    expect(await (await main.send(new GetObjectCommand({ Bucket: bucket, Key: "shared" }))).Body!.transformToString()).toBe("for main");
    await main.send(new CopyObjectCommand({ Bucket: bucket, Key: "copied", CopySource: `${bucket}/shared` }));
    await expectS3Error(main.send(new GetObjectAclCommand({ Bucket: bucket, Key: "shared" })), "AccessDenied", 403);
    await alt.send(new PutObjectAclCommand({ Bucket: bucket, Key: "alts", GrantRead: `id="${MAIN.canonicalId}"`, GrantReadACP: `id="${MAIN.canonicalId}"` }));
    expect(await (await main.send(new GetObjectCommand({ Bucket: bucket, Key: "alts" }))).Body!.transformToString()).toBe("alt's");
    expect((await main.send(new GetObjectAclCommand({ Bucket: bucket, Key: "alts" }))).Owner?.ID).toBe(ALT.canonicalId);
  });

  it("costs the bucket owner no read more for its own objects; another writer's object one (its ownership controls)", async () => {
    const bucket = await writtenByAlt("writer-cost");
    await main.send(new PutObjectCommand({ Bucket: bucket, Key: "mains", Body: "m" }));
    const reads = async () => ({ access: await storageCalls("getBucketAccess"), head: await storageCalls("headObject") });
    const before = await reads();
    await (await main.send(new GetObjectCommand({ Bucket: bucket, Key: "mains" }))).Body!.transformToString();
    await main.send(new HeadObjectCommand({ Bucket: bucket, Key: "mains" }));
    await main.send(new GetObjectAclCommand({ Bucket: bucket, Key: "mains" }));
    const own = await reads();
    expect(own.access - before.access).toBe(0);
    expect(own.head - before.head).toBe(2); // HeadObject's and GetObjectAcl's own reads, nothing more
    await (await main.send(new GetObjectCommand({ Bucket: bucket, Key: "shared" }))).Body!.transformToString();
    const other = await reads();
    expect(other.access - own.access).toBe(1);
    expect(other.head - own.head).toBe(0);
  });

  it("the bucket owner still lists and deletes them", async () => {
    const bucket = await writtenByAlt("writer-del");
    const listed = await main.send(new ListObjectsV2Command({ Bucket: bucket, FetchOwner: true }));
    expect(listed.Contents?.map((o) => [o.Key, o.Owner?.ID])).toEqual([
      ["alts", ALT.canonicalId],
      ["shared", ALT.canonicalId],
    ]);
    await main.send(new DeleteObjectCommand({ Bucket: bucket, Key: "alts" }));
    expect((await main.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((o) => o.Key)).toEqual(["shared"]);
  });

  it("BucketOwnerPreferred: an object written without bucket-owner-full-control stays the writer's", async () => {
    const bucket = await writtenByAlt("writer-pref", "BucketOwnerPreferred");
    await alt.send(new PutObjectCommand({ Bucket: bucket, Key: "given", Body: "mine now", ACL: "bucket-owner-full-control" }));
    await expectS3Error(main.send(new GetObjectCommand({ Bucket: bucket, Key: "alts" })), "AccessDenied", 403);
    expect(await (await main.send(new GetObjectCommand({ Bucket: bucket, Key: "given" }))).Body!.transformToString()).toBe("mine now");
  });

  it("BucketOwnerEnforced gives the bucket owner every object, those written before too", async () => {
    const bucket = await writtenByAlt("writer-enf");
    await main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "private" }));
    await main.send(new PutBucketOwnershipControlsCommand({ Bucket: bucket, OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } }));
    expect(await (await main.send(new GetObjectCommand({ Bucket: bucket, Key: "alts" }))).Body!.transformToString()).toBe("alt's");
    await main.send(new GetObjectAclCommand({ Bucket: bucket, Key: "alts" }));
    await main.send(new CopyObjectCommand({ Bucket: bucket, Key: "taken", CopySource: `${bucket}/alts` }));
  });
});

describe.skipIf(ON_OZONE)("anonymous requests", () => {
  it("PostObject: an unsigned form uploads into a public-read-write bucket, with its acl field; not into a private one", async () => {
    const post = (bucket: string, key: string) => {
      const form = new FormData();
      form.append("key", key);
      form.append("acl", "public-read");
      form.append("file", new Blob(["posted"]), "f.txt");
      return fetch(`${gw.endpoint}/${bucket}`, { method: "POST", body: form });
    };
    const open = bucketName("post-anon");
    await main.send(new CreateBucketCommand({ Bucket: open, ACL: "public-read-write" }));
    expect((await post(open, "anon.txt")).status).toBe(204);
    expect(await (await anonymous.send(new GetObjectCommand({ Bucket: open, Key: "anon.txt" }))).Body!.transformToString()).toBe("posted");
    const closed = await newBucket("post-private");
    const refused = await post(closed, "anon.txt");
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("<Code>AccessDenied</Code>");
  });

  it("read a public object, but without response-* overrides: 400 InvalidRequest, as S3 takes those from signed requests only", async () => {
    const bucket = await newBucket("anon-overrides");
    await main.send(new PutObjectCommand({ Bucket: bucket, Key: "pub.txt", Body: "public", ContentType: "text/plain", ACL: "public-read" }));
    const read = await anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "pub.txt" }));
    expect(await read.Body!.transformToString()).toBe("public");
    for (const override of [{ ResponseContentType: "text/html" }, { ResponseContentDisposition: "attachment" }, { ResponseExpires: new Date(0) }]) {
      const err = await expectS3Error(anonymous.send(new GetObjectCommand({ Bucket: bucket, Key: "pub.txt", ...override })), "InvalidRequest", 400);
      expect(err.message).toBe("Request specific response headers cannot be used for anonymous GET requests.");
      await expectBodilessError(anonymous.send(new HeadObjectCommand({ Bucket: bucket, Key: "pub.txt", ...override })), 400);
    }
    // the owner's signed request may
    const signed = await main.send(new GetObjectCommand({ Bucket: bucket, Key: "pub.txt", ResponseContentType: "text/html" }));
    expect(signed.ContentType).toBe("text/html");
    await signed.Body!.transformToString();
  });

  it("never list buckets, and are told when a bucket does not exist", async () => {
    await expectS3Error(anonymous.send(new ListBucketsCommand({})), "AccessDenied", 403);
    await expectS3Error(anonymous.send(new ListObjectsV2Command({ Bucket: bucketName("absent") })), "NoSuchBucket", 404);
    await expectS3Error(anonymous.send(new CreateBucketCommand({ Bucket: bucketName("anon-made") })), "AccessDenied", 403);
  });
});
