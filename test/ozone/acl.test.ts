/**
 * Bucket ACLs on the Ozone backend, kept as Ozone ACLs the way Ozone's own S3 gateway keeps them
 * (runtime/storage/ozone/acl.ts), with two real users through the AWS SDK: what PutBucketAcl sets
 * is what `ozone sh bucket getacl` shows, what `ozone sh bucket addacl` adds is a grant
 * GetBucketAcl answers, and either decides who may do what (runtime/access/authorize.ts). What
 * Ozone's gateway refuses (grants to groups, object ACLs) answers 501 NotImplemented here too.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  S3Client,
  type Grant,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketName, expectS3Error, REGION } from "../integration/helpers.js";
import { createTestVolume, ozoneEndpoints, ozoneShell } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";

const ozone = ozoneEndpoints();

const MAIN = { canonicalId: "9434497ed4426e9411af63e61579b9b4a54b7621a86350432232725fb52d6b75", displayName: "main", email: "main@example.com" };
const ALT = { canonicalId: "6f380026c9a16ab428b4e93134b2f4916f5217ea650470eac9f482135cdadfa4", displayName: "alt", email: "alt@example.com" };
// each user's Ozone user is its first access key id (runtime/users.ts ozoneUser), as the OM names an S3 caller
const MAIN_KEY = { accessKeyId: "MAINOZACL00000000001", secretAccessKey: "main-ozone-acl-secret-0123456789" };
const ALT_KEY = { accessKeyId: "ALTOZACL000000000002", secretAccessKey: "alt-ozone-acl-secret-0123456789a" };

let dir: string;
let volume: string;
let gw: RunningGateway;
let main: S3Client;
let alt: S3Client;

/** Grants as comparable text, whatever their order: "READ alt", "FULL_CONTROL main". */
function grantsOf(grants: Grant[] | undefined): string[] {
  return (grants ?? []).map((g) => `${g.Permission} ${g.Grantee?.DisplayName ?? g.Grantee?.ID}`).sort();
}

/** The bucket's Ozone ACLs as `ozone sh bucket getacl` prints them: "USER:<name>:<RIGHTS,...>[SCOPE]". */
async function ozoneAcls(bucket: string): Promise<string[]> {
  const acls = JSON.parse(await ozoneShell(["bucket", "getacl", `/${volume}/${bucket}`])) as { type: string; name: string; aclScope: string; aclList: string[] }[];
  return acls.map((a) => `${a.type}:${a.name}:${[...a.aclList].sort().join(",")}[${a.aclScope}]`).sort();
}

describe.skipIf(ozone === undefined)("bucket ACLs on Ozone", () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-ozone-acl-"));
    const config = path.join(dir, "config.json");
    await writeFile(config, JSON.stringify({ users: [{ ...MAIN, accessKeys: [MAIN_KEY] }, { ...ALT, accessKeys: [ALT_KEY] }] }));
    volume = await createTestVolume(ozone!.omGrpc, MAIN_KEY.accessKeyId);
    gw = await startGateway({ args: ["--config", config, "--backend", "ozone", "--ozone-om-address", ozone!.omGrpc, "--ozone-volume", volume] });
    main = gw.client(MAIN_KEY);
    alt = gw.client(ALT_KEY);
  });

  afterAll(async () => {
    await gw?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a new bucket shows its owner's FULL_CONTROL, and nobody else may list it", async () => {
    const bucket = bucketName("oz-acl-new");
    await main.send(new CreateBucketCommand({ Bucket: bucket }));
    const acl = await main.send(new GetBucketAclCommand({ Bucket: bucket }));
    expect(acl.Owner?.ID).toBe(MAIN.canonicalId);
    expect(grantsOf(acl.Grants)).toEqual(["FULL_CONTROL main"]);
    await expectS3Error(alt.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);
    await expectS3Error(alt.send(new GetBucketAclCommand({ Bucket: bucket })), "AccessDenied", 403);
  });

  it("PutBucketAcl stores Ozone ACLs (ozone sh bucket getacl shows them) and they decide access", async () => {
    const bucket = bucketName("oz-acl-put");
    await main.send(new CreateBucketCommand({ Bucket: bucket }));
    await main.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v" }));
    await main.send(new PutBucketAclCommand({ Bucket: bucket, GrantFullControl: `id="${MAIN.canonicalId}"`, GrantRead: `id="${ALT.canonicalId}"` }));

    expect(grantsOf((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual(["FULL_CONTROL main", "READ alt"]);
    expect(await ozoneAcls(bucket)).toEqual([
      `USER:${ALT_KEY.accessKeyId}:LIST,READ[ACCESS]`,
      `USER:${ALT_KEY.accessKeyId}:LIST,READ[DEFAULT]`,
      `USER:${MAIN_KEY.accessKeyId}:ALL[ACCESS]`,
      `USER:${MAIN_KEY.accessKeyId}:ALL[DEFAULT]`,
    ]);
    // READ on the bucket lists it; it neither writes nor reads its ACL
    expect((await alt.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((o) => o.Key)).toEqual(["k"]);
    await expectS3Error(alt.send(new PutObjectCommand({ Bucket: bucket, Key: "alts", Body: "x" })), "AccessDenied", 403);
    await expectS3Error(alt.send(new GetBucketAclCommand({ Bucket: bucket })), "AccessDenied", 403);

    // an AccessControlPolicy document (grants by email too) replaces them whole
    await main.send(
      new PutBucketAclCommand({
        Bucket: bucket,
        AccessControlPolicy: {
          Owner: { ID: MAIN.canonicalId },
          Grants: [
            { Grantee: { Type: "CanonicalUser", ID: MAIN.canonicalId }, Permission: "FULL_CONTROL" },
            { Grantee: { Type: "AmazonCustomerByEmail", EmailAddress: ALT.email }, Permission: "WRITE" },
            { Grantee: { Type: "CanonicalUser", ID: ALT.canonicalId }, Permission: "READ_ACP" },
          ],
        },
      }),
    );
    expect(grantsOf((await alt.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual(["FULL_CONTROL main", "READ_ACP alt", "WRITE alt"]);
    expect(await ozoneAcls(bucket)).toContain(`USER:${ALT_KEY.accessKeyId}:CREATE,DELETE,READ_ACL,WRITE[ACCESS]`);
    await expectS3Error(alt.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);
    // WRITE: alt writes an object of its own and may delete others'
    await alt.send(new PutObjectCommand({ Bucket: bucket, Key: "alts", Body: "alt's" }));
    expect(await (await alt.send(new GetObjectCommand({ Bucket: bucket, Key: "alts" }))).Body!.transformToString()).toBe("alt's");
    await alt.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    // ObjectWriter, as every bucket without ownership controls: the bucket owner lists and deletes alt's object, but may not read it
    expect((await main.send(new ListObjectsV2Command({ Bucket: bucket, FetchOwner: true }))).Contents?.map((o) => [o.Key, o.Owner?.ID])).toEqual([["alts", ALT.canonicalId]]);
    await expectS3Error(main.send(new GetObjectCommand({ Bucket: bucket, Key: "alts" })), "AccessDenied", 403);
    await main.send(new DeleteObjectCommand({ Bucket: bucket, Key: "alts" }));

    // private puts the owner's FULL_CONTROL back alone
    await main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "private" }));
    expect(await ozoneAcls(bucket)).toEqual([`USER:${MAIN_KEY.accessKeyId}:ALL[ACCESS]`, `USER:${MAIN_KEY.accessKeyId}:ALL[DEFAULT]`]);
    await expectS3Error(alt.send(new PutObjectCommand({ Bucket: bucket, Key: "alts", Body: "x" })), "AccessDenied", 403);
  });

  it("an ACL added with ozone sh bucket addacl is a grant GetBucketAcl answers and the access decision applies", async () => {
    const bucket = bucketName("oz-acl-sh");
    await main.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(alt.send(new ListObjectsV2Command({ Bucket: bucket })), "AccessDenied", 403);
    await ozoneShell(["bucket", "addacl", "-a", `user:${ALT_KEY.accessKeyId}:rl[ACCESS]`, `/${volume}/${bucket}`]);
    expect(grantsOf((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toContain("READ alt");
    expect((await alt.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
    // an Ozone user that is none of ours is shown by its name
    await ozoneShell(["bucket", "addacl", "-a", "user:somebody:a[ACCESS]", `/${volume}/${bucket}`]);
    expect(grantsOf((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toContain("FULL_CONTROL somebody");
  });

  it("a key written by Ozone's own shell (an owner none of our users is) is the bucket owner's to read; another user's is not", async () => {
    const bucket = bucketName("oz-acl-foreign");
    await main.send(new CreateBucketCommand({ Bucket: bucket }));
    const file = path.join(dir, "foreign.txt");
    await writeFile(file, "written by ozone sh");
    await ozoneShell(["key", "put", `/${volume}/${bucket}/foreign`, file]);
    // the shell's key is owned by the OS user that ran it, which no S3 user is
    const owner = (await main.send(new GetObjectAclCommand({ Bucket: bucket, Key: "foreign" }))).Owner;
    expect([owner?.ID, owner?.DisplayName]).not.toContain(MAIN.canonicalId);
    expect(await (await main.send(new GetObjectCommand({ Bucket: bucket, Key: "foreign" }))).Body!.transformToString()).toBe("written by ozone sh");
    // other users still need the bucket owner's grant (a bucket ACL alone does not reach objects)
    await main.send(new PutBucketAclCommand({ Bucket: bucket, GrantFullControl: `id="${MAIN.canonicalId}"`, GrantRead: `id="${ALT.canonicalId}"` }));
    await expectS3Error(alt.send(new GetObjectCommand({ Bucket: bucket, Key: "foreign" })), "AccessDenied", 403);
  });

  it("refuses what Ozone's gateway refuses: grants to groups, object ACLs (501 NotImplemented)", async () => {
    const bucket = bucketName("oz-acl-refused");
    await main.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(main.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" })), "NotImplemented", 501);
    await expectS3Error(main.send(new PutBucketAclCommand({ Bucket: bucket, GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"' })), "NotImplemented", 501);
    expect(grantsOf((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual(["FULL_CONTROL main"]);
    await main.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v" }));
    await expectS3Error(main.send(new PutObjectAclCommand({ Bucket: bucket, Key: "k", ACL: "private" })), "NotImplemented", 501);
    expect(grantsOf((await main.send(new GetObjectAclCommand({ Bucket: bucket, Key: "k" }))).Grants)).toEqual(["FULL_CONTROL main"]);
    // unknown ids are refused as on the embedded backend, before Ozone is asked
    await expectS3Error(main.send(new PutBucketAclCommand({ Bucket: bucket, GrantRead: 'id="nobody"' })), "InvalidArgument", 400);
  });

  // Ozone's own gateway on the same cluster reads and writes the same ACLs (its volume: s3v; security
  // is off on the test cluster, so it takes any key, and names grantees by their Ozone user)
  describe("with Ozone's own gateway", () => {
    let ours: RunningGateway;
    let java: S3Client;

    beforeAll(async () => {
      ours = await startGateway({ args: ["--config", path.join(dir, "config.json"), "--backend", "ozone", "--ozone-om-address", ozone!.omGrpc] });
      java = new S3Client({ endpoint: ozone!.s3g, region: REGION, forcePathStyle: true, credentials: MAIN_KEY, maxAttempts: 1 });
    });

    afterAll(async () => {
      java?.destroy();
      await ours?.stop();
    });

    it("what one gateway sets, the other answers", async () => {
      const main = ours.client(MAIN_KEY);
      const bucket = bucketName("oz-acl-java");
      await main.send(new CreateBucketCommand({ Bucket: bucket }));
      await main.send(new PutBucketAclCommand({ Bucket: bucket, GrantFullControl: `id="${MAIN.canonicalId}"`, GrantWrite: `id="${ALT.canonicalId}"` }));
      const seen = await java.send(new GetBucketAclCommand({ Bucket: bucket }));
      expect((seen.Grants ?? []).map((g) => `${g.Permission} ${g.Grantee?.ID}`).sort()).toEqual([`FULL_CONTROL ${MAIN_KEY.accessKeyId}`, `WRITE ${ALT_KEY.accessKeyId}`]);

      // Ozone's gateway takes grant headers naming Ozone users
      await java.send(new PutBucketAclCommand({ Bucket: bucket, GrantFullControl: `id=${MAIN_KEY.accessKeyId}`, GrantRead: `id=${ALT_KEY.accessKeyId}` }));
      expect(grantsOf((await main.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants)).toEqual(["FULL_CONTROL main", "READ alt"]);
      expect((await ours.client(ALT_KEY).send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
      await main.send(new DeleteBucketCommand({ Bucket: bucket }));
    });
  });
});
