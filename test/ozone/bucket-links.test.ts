/**
 * Bucket links on the Ozone backend (runtime/storage/ozone/bucket-links.ts): what Ozone's
 * documentation tells operators to do to show an existing bucket of another volume to S3 clients,
 * `ozone sh bucket link /vol/bucket /s3v/name`. Through the link: the source's keys listed, read
 * and written (they land in the source bucket, where Ozone's own shell sees them); the access
 * decision by the source's owner and ACLs (`ozone sh bucket addacl` on a link changes the
 * source's); DeleteBucket refused while the source holds objects, then removing the link alone;
 * a link to an FSO bucket served as the tree it is (fso-bucket.test.ts has the rest); links to
 * nothing and in a loop answered as absent and not listed.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketAclCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectS3Error } from "../integration/helpers.js";
import { createTestVolume, ozoneEndpoints, ozoneShell } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";

const ozone = ozoneEndpoints();

const USER = { canonicalId: "5b2f4ad1a3b0c8e1f6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9", displayName: "linker", email: "linker@example.com" };
// the user's Ozone user is its first access key id (runtime/users.ts ozoneUser)
const KEY = { accessKeyId: "LINKUSER000000000001", secretAccessKey: "link-user-secret-0123456789abcdef" };

let dir: string;
let volume: string;
let source: string;
let gw: RunningGateway;
let s3: S3Client;

async function listed(): Promise<string[]> {
  return ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!);
}

describe.skipIf(ozone === undefined)("bucket links on Ozone", () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-ozone-links-"));
    const config = path.join(dir, "config.json");
    await writeFile(config, JSON.stringify({ users: [{ ...USER, accessKeys: [KEY] }] }));
    [volume, source] = await Promise.all([createTestVolume(ozone!.omGrpc, KEY.accessKeyId), createTestVolume(ozone!.omGrpc, KEY.accessKeyId)]);
    // the source buckets, as an operator makes them: one the user owns, one root owns, one FSO
    await Promise.all([
      ozoneShell(["bucket", "create", "-l", "OBJECT_STORE", "-u", KEY.accessKeyId, `/${source}/data`]),
      ozoneShell(["bucket", "create", "-l", "OBJECT_STORE", "-u", "root", `/${source}/others`]),
      ozoneShell(["bucket", "create", "-l", "FILE_SYSTEM_OPTIMIZED", "-u", KEY.accessKeyId, `/${source}/fso`]),
    ]);
    await Promise.all([
      ozoneShell(["bucket", "link", `/${source}/data`, `/${volume}/ln-data`]),
      ozoneShell(["bucket", "link", `/${source}/others`, `/${volume}/ln-others`]),
      ozoneShell(["bucket", "link", `/${source}/fso`, `/${volume}/ln-fso`]),
      ozoneShell(["bucket", "link", `/${source}/missing`, `/${volume}/ln-gone`]),
      // a link to a link: followed to the end
      ozoneShell(["bucket", "link", `/${volume}/ln-data`, `/${volume}/ln-chain`]),
    ]);
    // a loop: each link's source is the other (Ozone makes links to what does not exist yet)
    await ozoneShell(["bucket", "link", `/${volume}/ln-loop-b`, `/${volume}/ln-loop-a`]);
    await ozoneShell(["bucket", "link", `/${volume}/ln-loop-a`, `/${volume}/ln-loop-b`]);
    gw = await startGateway({ args: ["--config", config, "--backend", "ozone", "--ozone-om-address", ozone!.omGrpc, "--ozone-volume", volume] });
    s3 = gw.client(KEY);
  }, 240_000);

  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("lists the links whose source the user owns, by the link's name; broken and looping links not at all", async () => {
    expect((await listed()).sort()).toEqual(["ln-chain", "ln-data", "ln-fso"]);
    for (const name of ["ln-gone", "ln-loop-a", "ln-loop-b"]) {
      await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: name })), "NotFound", 404);
      await expectS3Error(s3.send(new ListObjectsV2Command({ Bucket: name })), "NoSuchBucket", 404);
    }
  });

  it("writes, lists and reads keys through a link, and they are the source bucket's keys", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "ln-data", Key: "dir/one.txt", Body: "through the link\n" }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "ln-data", Key: "dir/one.txt" }))).Body!.transformToString()).toBe("through the link\n");
    // the same key through the link of the link, and in the source as Ozone's shell sees it
    const viaChain = await s3.send(new ListObjectsV2Command({ Bucket: "ln-chain" }));
    expect(viaChain.Contents?.map((o) => o.Key)).toEqual(["dir/one.txt"]);
    const info = JSON.parse(await ozoneShell(["key", "info", `/${source}/data/dir/one.txt`])) as { dataSize: number };
    expect(info.dataSize).toBe("through the link\n".length);
  });

  it("serves a link to an FSO bucket: keys land in the source's tree and are listed from it", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "ln-fso", Key: "dir/sub/one.txt", Body: "in the tree\n" }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: "ln-fso", Key: "dir/sub/one.txt" }))).Body!.transformToString()).toBe("in the tree\n");
    const listing = await s3.send(new ListObjectsV2Command({ Bucket: "ln-fso" }));
    expect(listing.Contents?.map((o) => o.Key)).toEqual(["dir/sub/one.txt"]);
    const shallow = await s3.send(new ListObjectsV2Command({ Bucket: "ln-fso", Delimiter: "/" }));
    expect(shallow.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["dir/"]);
    const info = JSON.parse(await ozoneShell(["key", "info", `/${source}/fso/dir/sub/one.txt`])) as { dataSize: number };
    expect(info.dataSize).toBe("in the tree\n".length);
  });

  it("decides access by the source's owner and ACLs: denied on root's bucket until `ozone sh bucket addacl` on the link grants it", async () => {
    await expectS3Error(s3.send(new ListObjectsV2Command({ Bucket: "ln-others" })), "AccessDenied", 403);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: "ln-others", Key: "k", Body: "x" })), "AccessDenied", 403);
    // Ozone applies an ACL change on a link to its source
    await ozoneShell(["bucket", "addacl", "-a", `user:${KEY.accessKeyId}:a[ACCESS]`, `/${volume}/ln-others`]);
    const granted = await s3.send(new GetBucketAclCommand({ Bucket: "ln-others" }));
    expect(granted.Grants?.some((g) => g.Grantee?.ID === USER.canonicalId && g.Permission === "FULL_CONTROL")).toBe(true);
    await s3.send(new PutObjectCommand({ Bucket: "ln-others", Key: "k", Body: "x" }));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: "ln-others" }))).KeyCount).toBe(1);
    // not its owner: still not listed as the user's bucket, nor deletable by it
    expect(await listed()).not.toContain("ln-others");
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: "ln-others" })), "AccessDenied", 403);
  });

  it("refuses to delete a link while its source holds objects, then deletes the link alone", async () => {
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: "ln-chain" })), "BucketNotEmpty", 409);
    await s3.send(new DeleteObjectCommand({ Bucket: "ln-data", Key: "dir/one.txt" }));
    await s3.send(new DeleteBucketCommand({ Bucket: "ln-chain" }));
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: "ln-chain" })), "NotFound", 404);
    // the link it pointed through and the source bucket are still there
    await s3.send(new HeadBucketCommand({ Bucket: "ln-data" }));
    const src = JSON.parse(await ozoneShell(["bucket", "info", `/${source}/data`])) as { name: string };
    expect(src.name).toBe("data");
  });
});
