/**
 * FILE_SYSTEM_OPTIMIZED buckets on the Ozone backend (runtime/storage/ozone/fso.ts,
 * fso-listing.ts), made as operators make them (`ozone sh bucket create -l
 * FILE_SYSTEM_OPTIMIZED`). The listings are checked against an OBJECT_STORE bucket of the same
 * cluster holding the same objects (the OM's key listing, whose S3 semantics the other suites
 * check): every prefix, delimiter, start-after and page size below must give the same pages.
 * Then what the tree changes: names it cannot keep refused, directories read as "d/" only,
 * deletes that never remove more than the key named (the OM's batch delete removes a whole
 * directory), multipart and copies, and DeleteBucket once no file is left.
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
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytes, expectS3Error, md5Hex } from "../integration/helpers.js";
import { createTestVolume, ozoneEndpoints, ozoneShell } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";

const ozone = ozoneEndpoints();

const USER = { canonicalId: "7c3e5bd2a4c1d9f2e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0", displayName: "treeuser", email: "tree@example.com" };
const KEY = { accessKeyId: "FSOUSER0000000000001", secretAccessKey: "fso-user-secret-0123456789abcdef" };

/**
 * The objects both buckets hold: names around "/" in S3's byte order ("a b/", "a!x", "a-b",
 * "a.txt" sort before "a/", which the OM lists first), nested directories, non-ASCII names, and
 * two empty "folders" (an empty directory in the tree, an empty "d/" object in the other).
 */
const FILES = [
  "a-b",
  "a.txt",
  "a!x",
  "a b/c",
  "a/b.txt",
  "a/b!x",
  "a/b/c.txt",
  "a/b/c/d",
  "a/b/c/e.f",
  "a/bb",
  "dir.with.dots/f",
  "é/x",
  "z/y/x/w",
  "top",
];
const FOLDERS = ["empty/", "a/b/e/"];
const PREFIXES = ["", "a", "a/", "a/b", "a/b/", "a/b/c/", "a/b/e/", "é", "zz", "a//", "/", "/a", "empty/"];
const DELIMITERS = [undefined, "/", "b", "."];
const START_AFTER = ["a.txt", "a/", "a", "a/b/c", "a/b.txt", "a/b/c/d", "empty/", "b"];

let dir: string;
let volume: string;
let gw: RunningGateway;
let s3: S3Client;
const FSO = "tree";
const OBS = "flat";

interface Page {
  keys: string[];
  prefixes: string[];
  truncated: boolean;
}

/** Every page of a ListObjectsV2, as keys (with size and ETag) and common prefixes. */
async function pagesV2(bucket: string, q: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys: number }): Promise<Page[]> {
  const pages: Page[] = [];
  let token: string | undefined;
  do {
    const r = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: q.prefix, Delimiter: q.delimiter, StartAfter: q.startAfter, MaxKeys: q.maxKeys, ContinuationToken: token }),
    );
    pages.push({
      keys: (r.Contents ?? []).map((o) => `${o.Key}\t${o.Size}\t${o.ETag}`),
      prefixes: (r.CommonPrefixes ?? []).map((p) => p.Prefix!),
      truncated: r.IsTruncated === true,
    });
    token = r.NextContinuationToken;
    if (pages.length > 100) throw new Error("listing does not end");
  } while (token !== undefined);
  return pages;
}

describe.skipIf(ozone === undefined)("FSO buckets on Ozone", () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-ozone-fso-"));
    const config = path.join(dir, "config.json");
    await writeFile(config, JSON.stringify({ users: [{ ...USER, accessKeys: [KEY] }] }));
    volume = await createTestVolume(ozone!.omGrpc, KEY.accessKeyId);
    await ozoneShell(["bucket", "create", "-l", "FILE_SYSTEM_OPTIMIZED", "-u", KEY.accessKeyId, `/${volume}/${FSO}`]);
    gw = await startGateway({ args: ["--config", config, "--backend", "ozone", "--ozone-om-address", ozone!.omGrpc, "--ozone-volume", volume] });
    s3 = gw.client(KEY);
    await s3.send(new CreateBucketCommand({ Bucket: OBS }));
    for (const bucket of [FSO, OBS]) {
      await Promise.all([
        ...FILES.map((key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${key}\n` }))),
        ...FOLDERS.map((key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "" }))),
      ]);
    }
  }, 240_000);

  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is listed among the user's buckets and answers HeadBucket", async () => {
    const names = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);
    expect(names).toContain(FSO);
    await s3.send(new HeadBucketCommand({ Bucket: FSO }));
  });

  it("lists every key in S3's order, an empty directory as the object \"d/\"", async () => {
    const [page] = await pagesV2(FSO, { maxKeys: 1000 });
    const expected = [...FILES, ...FOLDERS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(page.keys.map((k) => k.split("\t")[0])).toEqual(expected);
    expect(page.keys).toContain(`empty/\t0\t"${md5Hex(new Uint8Array())}"`);
  });

  it("gives the pages an OBJECT_STORE bucket with the same objects gives, for every prefix, delimiter, start-after and page size", async () => {
    let compared = 0;
    for (const prefix of PREFIXES) {
      for (const delimiter of DELIMITERS) {
        for (const maxKeys of [1, 2, 1000]) {
          const q = { prefix, delimiter, maxKeys };
          expect(await pagesV2(FSO, q), JSON.stringify(q)).toEqual(await pagesV2(OBS, q));
          compared++;
        }
        for (const startAfter of START_AFTER) {
          const q = { prefix, delimiter, startAfter, maxKeys: 3 };
          expect(await pagesV2(FSO, q), JSON.stringify(q)).toEqual(await pagesV2(OBS, q));
          compared++;
        }
      }
    }
    expect(compared).toBe(PREFIXES.length * DELIMITERS.length * (3 + START_AFTER.length));
  }, 240_000);

  it("pages ListObjects (V1) by marker as the other bucket does", async () => {
    const v1 = async (bucket: string) => {
      const seen: string[] = [];
      let marker: string | undefined;
      for (;;) {
        const r = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: "/", Prefix: "a/", MaxKeys: 2, Marker: marker }));
        seen.push(...(r.Contents ?? []).map((o) => o.Key!), ...(r.CommonPrefixes ?? []).map((p) => `P ${p.Prefix}`));
        if (!r.IsTruncated) return seen;
        marker = r.NextMarker;
      }
    };
    expect(await v1(FSO)).toEqual(await v1(OBS));
  });

  it("reads a directory only as \"d/\", an empty object, and a name the OM would read as another key not at all", async () => {
    const marker = await s3.send(new HeadObjectCommand({ Bucket: FSO, Key: "a/b/" }));
    expect(marker.ContentLength).toBe(0);
    expect(marker.ETag).toBe(`"${md5Hex(new Uint8Array())}"`);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: FSO, Key: "empty/" }))).Body!.transformToString()).toBe("");
    // the directory without its "/", a file with one, and names the OM normalizes to "a/b.txt"
    for (const key of ["a", "a/b", "a.txt/", "a//b.txt", "a/./b.txt"]) {
      await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: FSO, Key: key })), "NotFound", 404);
      await expectS3Error(s3.send(new GetObjectCommand({ Bucket: FSO, Key: key })), "NoSuchKey", 404);
    }
    expect(await (await s3.send(new GetObjectCommand({ Bucket: FSO, Key: "a/b.txt" }))).Body!.transformToString()).toBe("a/b.txt\n");
    // nor are the tags of the key such a name would reach
    await expectS3Error(s3.send(new PutObjectTaggingCommand({ Bucket: FSO, Key: "a.txt/", Tagging: { TagSet: [{ Key: "k", Value: "v" }] } })), "NoSuchKey", 404);
    await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: FSO, Key: "a//b.txt" })), "NoSuchKey", 404);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: FSO, Key: "a.txt" }))).TagSet).toEqual([]);
  });

  it("refuses names the tree cannot keep as they are, and paths that run into a file or a directory", async () => {
    for (const key of ["x//y", "x/./y", "x/../y", "data/"]) {
      const body = key === "data/" ? "content" : "x";
      const e = await expectS3Error(s3.send(new PutObjectCommand({ Bucket: FSO, Key: key, Body: body })), "InvalidRequest", 400);
      expect(e.message).toMatch(/FILE_SYSTEM_OPTIMIZED/);
    }
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: FSO, Key: "m//p" })), "InvalidRequest", 400);
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: FSO, Key: "m/p/" })), "InvalidRequest", 400);
    // a file named as a directory, and a key below a file
    for (const key of ["a/b", "a.txt/inside"]) {
      const e = await expectS3Error(s3.send(new PutObjectCommand({ Bucket: FSO, Key: key, Body: "x" })), "InvalidRequest", 400);
      expect(e.message).toMatch(/both a file and a directory/);
    }
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: FSO, Key: "a.txt/", Body: "" })), "InvalidRequest", 400);
    // nothing of that landed anywhere
    const [page] = await pagesV2(FSO, { maxKeys: 1000 });
    expect(page.keys.map((k) => k.split("\t")[0]).filter((k) => /^(x|m|data)\b/.test(k))).toEqual([]);
    // a folder that exists: PutObject again succeeds, unless If-None-Match: * says create only
    await s3.send(new PutObjectCommand({ Bucket: FSO, Key: "empty/", Body: "" }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: FSO, Key: "empty/", Body: "", IfNoneMatch: "*" })), "PreconditionFailed", 412);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: FSO, Key: "empty/", Body: "", IfNoneMatch: `"${md5Hex(new Uint8Array())}"` })), "PreconditionFailed", 412);
    await s3.send(new PutObjectCommand({ Bucket: FSO, Key: "empty/", Body: "", IfNoneMatch: '"0123456789abcdef0123456789abcdef"' }));
  });

  it("deletes only the key named: a directory with keys below it stays, whatever DeleteObject or DeleteObjects says", async () => {
    // the OM's batch delete would remove a/ with the nine keys below it
    const batch = await s3.send(new DeleteObjectsCommand({ Bucket: FSO, Delete: { Objects: [{ Key: "a/" }, { Key: "a/b/" }, { Key: "a.txt/" }, { Key: "a//b.txt" }, { Key: "nothing" }] } }));
    expect(batch.Errors ?? []).toEqual([]);
    expect((batch.Deleted ?? []).map((d) => d.Key).sort()).toEqual(["a.txt/", "a/", "a//b.txt", "a/b/", "nothing"].sort());
    for (const key of ["a/", "a/b/", "a.txt/", "a//b.txt"]) await s3.send(new DeleteObjectCommand({ Bucket: FSO, Key: key }));
    const [page] = await pagesV2(FSO, { maxKeys: 1000 });
    const [other] = await pagesV2(OBS, { maxKeys: 1000 });
    expect(page.keys).toEqual(other.keys);
    // an empty directory goes
    await s3.send(new DeleteObjectsCommand({ Bucket: FSO, Delete: { Objects: [{ Key: "a/b/e/" }] } }));
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: FSO, Key: "a/b/e/" })), "NotFound", 404);
  });

  it("takes multipart uploads and copies in and out, under new directories", async () => {
    const parts = [bytes(5 * 1024 * 1024, 3), bytes(1024, 4)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: FSO, Key: "mp/deep/object" }));
    const uploaded = [];
    for (const [i, body] of parts.entries()) {
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket: FSO, Key: "mp/deep/object", UploadId, PartNumber: i + 1, Body: body }));
      uploaded.push({ ETag, PartNumber: i + 1 });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: FSO, Key: "mp/deep/object", UploadId, MultipartUpload: { Parts: uploaded } }));
    const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: FSO, Key: "mp/deep/object" }))).Body!.transformToByteArray());
    expect(got.equals(Buffer.concat(parts))).toBe(true);
    await s3.send(new CopyObjectCommand({ Bucket: FSO, Key: "copies/one", CopySource: `${OBS}/a/b.txt` }));
    await s3.send(new CopyObjectCommand({ Bucket: OBS, Key: "copied-out", CopySource: `${FSO}/mp/deep/object` }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: FSO, Key: "copies/one" }))).Body!.transformToString()).toBe("a/b.txt\n");
    expect((await s3.send(new HeadObjectCommand({ Bucket: OBS, Key: "copied-out" }))).ContentLength).toBe(got.length);
    const shallow = await s3.send(new ListObjectsV2Command({ Bucket: FSO, Delimiter: "/", Prefix: "mp/" }));
    expect(shallow.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["mp/deep/"]);
  });

  it("makes FSO buckets on CreateBucket when told so (--ozone-bucket-layout, Ozone's ozone.s3g.default.bucket.layout)", async () => {
    const other = await startGateway({ args: ["--config", path.join(dir, "config.json"), "--backend", "ozone", "--ozone-om-address", ozone!.omGrpc, "--ozone-volume", volume, "--ozone-bucket-layout", "FILE_SYSTEM_OPTIMIZED"] });
    const client = other.client(KEY);
    try {
      await client.send(new CreateBucketCommand({ Bucket: "made-as-tree" }));
      const info = JSON.parse(await ozoneShell(["bucket", "info", `/${volume}/made-as-tree`])) as { bucketLayout: string };
      expect(info.bucketLayout).toBe("FILE_SYSTEM_OPTIMIZED");
      await client.send(new PutObjectCommand({ Bucket: "made-as-tree", Key: "x/y/z", Body: "z" }));
      const r = await client.send(new ListObjectsV2Command({ Bucket: "made-as-tree", Delimiter: "/" }));
      expect(r.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["x/"]);
      await client.send(new DeleteObjectCommand({ Bucket: "made-as-tree", Key: "x/y/z" }));
      await client.send(new DeleteBucketCommand({ Bucket: "made-as-tree" }));
    } finally {
      client.destroy();
      await other.stop();
    }
  });

  it("deletes the bucket once no file is left, the directories the files were in with it", async () => {
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: FSO })), "BucketNotEmpty", 409);
    const [page] = await pagesV2(FSO, { maxKeys: 1000 });
    // every listed file, not the folders: directories stay behind in the tree
    const files = page.keys.map((k) => k.split("\t")[0]).filter((k) => !k.endsWith("/"));
    await s3.send(new DeleteObjectsCommand({ Bucket: FSO, Delete: { Objects: files.map((Key) => ({ Key })) } }));
    const tree = await ozoneShell(["key", "list", `/${volume}/${FSO}`]);
    expect(tree).toMatch(/"a\/b\/c\/"/);
    await s3.send(new DeleteBucketCommand({ Bucket: FSO }));
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: FSO })), "NotFound", 404);
  });
});
