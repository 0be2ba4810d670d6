/**
 * Versioning with the real AWS SDK: Put/GetBucketVersioning, version ids on every write, reads,
 * deletes, tags and copies by version id, delete markers, the "null" version of a suspended bucket,
 * DeleteObjects with versions and ListObjectVersions with every parameter. On Ozone (one version
 * per key) a bucket is never versioned and enabling versioning answers 501 NotImplemented.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectBodilessError, expectErrorXml, expectS3Error, md5Base64, rawRequest, xmlElements } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

const VERSION_ID = /^[A-Za-z0-9_-]{32}$/;

async function newBucket(label: string, status?: "Enabled" | "Suspended"): Promise<string> {
  const bucket = bucketName(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (status !== undefined) await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: status } }));
  return bucket;
}

async function put(bucket: string, key: string, body: string): Promise<string | undefined> {
  return (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).VersionId;
}

async function read(bucket: string, key: string, versionId?: string): Promise<{ body: string; versionId?: string }> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return { body: await r.Body!.transformToString(), versionId: r.VersionId };
}

/** Every page of ListObjectVersions, following NextKeyMarker / NextVersionIdMarker. */
async function allVersionPages(bucket: string, extra: { Prefix?: string; Delimiter?: string; MaxKeys?: number } = {}) {
  const pages: ListObjectVersionsCommandOutput[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker, ...extra }));
    pages.push(page);
    if (!page.IsTruncated) return pages;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
    expect(pages.length).toBeLessThan(100);
  }
}

/** A listing's entries in document order of the answer's kinds: (key, version id, latest, marker). */
function entriesOf(pages: ListObjectVersionsCommandOutput[]) {
  const out: Array<{ key: string; versionId: string; latest: boolean; marker: boolean }> = [];
  for (const p of pages) {
    const rows = [
      ...(p.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId!, latest: v.IsLatest!, marker: false, at: v.LastModified! })),
      ...(p.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, versionId: m.VersionId!, latest: m.IsLatest!, marker: true, at: m.LastModified! })),
    ];
    // one page's versions and markers interleave by key, newest first within a key
    rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || Number(b.latest) - Number(a.latest) || b.at.getTime() - a.at.getTime());
    out.push(...rows.map(({ at: _at, ...r }) => r));
  }
  return out;
}

describe("bucket versioning state", () => {
  it("a bucket never versioned answers an empty VersioningConfiguration", async () => {
    const bucket = await newBucket("vstate");
    const r = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(r.Status).toBeUndefined();
    expect(r.MFADelete).toBeUndefined();
    const raw = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { versioning: null } });
    expect(raw.status).toBe(200);
    expect(raw.text).toMatch(/<VersioningConfiguration[^>]*(\/>|><\/VersioningConfiguration>)\s*$/);
  });

  it("GetBucketVersioning of a missing bucket is NoSuchBucket", async () => {
    await expectS3Error(s3.send(new GetBucketVersioningCommand({ Bucket: bucketName("vmissing") })), "NoSuchBucket", 404);
    await expectS3Error(
      s3.send(new PutBucketVersioningCommand({ Bucket: bucketName("vmissing"), VersioningConfiguration: { Status: "Enabled" } })),
      "NoSuchBucket",
      404,
    );
  });

  it.skipIf(!ON_OZONE)("Ozone: enabling versioning is NotImplemented, naming the backend", async () => {
    const bucket = await newBucket("vozone");
    const e = await expectS3Error(
      s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } })),
      "NotImplemented",
      501,
    );
    expect(e.message).toMatch(/Ozone/);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined();
  });

  it.skipIf(ON_OZONE)("is Enabled, then Suspended, as set; MfaDelete Disabled is kept", async () => {
    const bucket = await newBucket("vstate", "Enabled");
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended", MFADelete: "Disabled" } }));
    const r = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect({ status: r.Status, mfa: r.MFADelete }).toEqual({ status: "Suspended", mfa: "Disabled" });
  });

  it.skipIf(ON_OZONE)("MFA delete: AccessDenied without x-amz-mfa, NotImplemented with one; nothing changes", async () => {
    const bucket = await newBucket("vmfa");
    const e = await expectS3Error(
      s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled", MFADelete: "Enabled" } })),
      "AccessDenied",
      403,
    );
    expect(e.message).toMatch(/Mfa Authentication must be used/);
    await expectS3Error(
      s3.send(
        new PutBucketVersioningCommand({ Bucket: bucket, MFA: "arn:aws:iam::1:mfa/dev 123456", VersioningConfiguration: { Status: "Enabled", MFADelete: "Enabled" } }),
      ),
      "NotImplemented",
      501,
    );
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined();
  });

  it.skipIf(ON_OZONE)("a configuration without a Status, or with an unknown one, is refused", async () => {
    const bucket = await newBucket("vbad");
    const ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
    for (const body of [`<VersioningConfiguration ${ns}></VersioningConfiguration>`, `<VersioningConfiguration ${ns}><Status>On</Status></VersioningConfiguration>`]) {
      const res = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { versioning: null }, body, headers: { "content-md5": md5Base64(Buffer.from(body)) } });
      expectErrorXml(res, "MalformedXML", 400);
    }
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined();
  });
});

describe("a bucket never versioned", () => {
  it("answers without version ids; only version \"null\" exists", async () => {
    const bucket = await newBucket("vnever");
    expect(await put(bucket, "k", "one")).toBeUndefined();
    expect((await read(bucket, "k")).versionId).toBeUndefined();
    expect((await read(bucket, "k", "null")).body).toBe("one");
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: "0000000000000aAAAAAAAAAAAAAAAAAA" })), "NoSuchVersion", 404);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrH" })), "InvalidArgument", 400);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([["k", "null", true]]);
    expect(listed.DeleteMarkers).toBeUndefined();
    const d = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    expect({ marker: d.DeleteMarker, id: d.VersionId }).toEqual({ marker: undefined, id: undefined });
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  });
});

describe.skipIf(ON_OZONE)("versions", () => {
  it("every PUT makes a version; GET and HEAD read the latest or the one named", async () => {
    const bucket = await newBucket("vput", "Enabled");
    const v1 = await put(bucket, "k", "one");
    const v2 = await put(bucket, "k", "two");
    expect(v1).toMatch(VERSION_ID);
    expect(v2).toMatch(VERSION_ID);
    expect(v2).not.toBe(v1);
    expect(await read(bucket, "k")).toEqual({ body: "two", versionId: v2 });
    expect(await read(bucket, "k", v1)).toEqual({ body: "one", versionId: v1 });
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k", VersionId: v1 }));
    expect({ id: head.VersionId, length: head.ContentLength }).toEqual({ id: v1, length: 3 });
    // ListObjectsV2 sees the current version only
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([["k", 3]]);
  });

  it("a version id that names nothing is NoSuchVersion, one that cannot be an id InvalidArgument", async () => {
    const bucket = await newBucket("vnosuch", "Enabled");
    await put(bucket, "k", "one");
    const e = await expectS3Error(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: "0000000000000aAAAAAAAAAAAAAAAAAA" })),
      "NoSuchVersion",
      404,
    );
    expect(e.message).toMatch(/version/i);
    await expectBodilessError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k", VersionId: "0000000000000aAAAAAAAAAAAAAAAAAA" })), 404);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: "not-an-id" })), "InvalidArgument", 400);
    const raw = await rawRequest(gw, { method: "GET", path: `/${bucket}/k`, query: { versionId: "0000000000000aAAAAAAAAAAAAAAAAAA" } });
    expectErrorXml(raw, "NoSuchVersion", 404);
    expect(xmlElements(raw.text, "VersionId")).toEqual(["0000000000000aAAAAAAAAAAAAAAAAAA"]);
  });

  it("a delete makes a delete marker: GET is 404 with x-amz-delete-marker, the marker by id 405; deleting the marker brings the object back", async () => {
    const bucket = await newBucket("vmarker", "Enabled");
    const v1 = await put(bucket, "k", "one");
    const d = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(d.DeleteMarker).toBe(true);
    expect(d.VersionId).toMatch(VERSION_ID);
    const marker = d.VersionId!;

    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k" })), "NoSuchKey", 404);
    const raw = await rawRequest(gw, { method: "GET", path: `/${bucket}/k` });
    expectErrorXml(raw, "NoSuchKey", 404);
    expect({ marker: raw.headers["x-amz-delete-marker"], id: raw.headers["x-amz-version-id"] }).toEqual({ marker: "true", id: marker });
    const head = await rawRequest(gw, { method: "HEAD", path: `/${bucket}/k` });
    expect({ status: head.status, marker: head.headers["x-amz-delete-marker"] }).toEqual({ status: 404, marker: "true" });

    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: marker })), "MethodNotAllowed", 405);
    const byId = await rawRequest(gw, { method: "GET", path: `/${bucket}/k`, query: { versionId: marker } });
    expectErrorXml(byId, "MethodNotAllowed", 405);
    expect({ marker: byId.headers["x-amz-delete-marker"], id: byId.headers["x-amz-version-id"] }).toEqual({ marker: "true", id: marker });
    // AWS ("HeadObject"): a 405 for a delete marker carries the marker's Last-Modified
    const made = Date.parse(String(byId.headers["last-modified"]));
    expect(Math.abs(made - Date.now())).toBeLessThan(60_000);
    const headById = await rawRequest(gw, { method: "HEAD", path: `/${bucket}/k`, query: { versionId: marker } });
    expect({ status: headById.status, marker: headById.headers["x-amz-delete-marker"], modified: headById.headers["last-modified"] }).toEqual({
      status: 405,
      marker: "true",
      modified: byId.headers["last-modified"],
    });
    await expectBodilessError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k", VersionId: marker })), 405);
    await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "k", VersionId: marker })), "MethodNotAllowed", 405);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
    // the old version is still there
    expect((await read(bucket, "k", v1)).body).toBe("one");

    const undo = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: marker }));
    expect({ marker: undo.DeleteMarker, id: undo.VersionId }).toEqual({ marker: true, id: marker });
    expect(await read(bucket, "k")).toEqual({ body: "one", versionId: v1 });
  });

  it("deleting the current version by id makes the previous one current; deleting it again succeeds", async () => {
    const bucket = await newBucket("vdelid", "Enabled");
    const v1 = await put(bucket, "k", "one");
    const v2 = await put(bucket, "k", "two");
    const d = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: v2 }));
    expect({ marker: d.DeleteMarker, id: d.VersionId }).toEqual({ marker: undefined, id: v2 });
    expect(await read(bucket, "k")).toEqual({ body: "one", versionId: v1 });
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: v2 })), "NoSuchVersion", 404);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: v2 }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: v1 }));
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k" })), "NoSuchKey", 404);
    // nothing left: the bucket can go
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  });

  it("a bucket holding only noncurrent versions or delete markers is not empty", async () => {
    const bucket = await newBucket("vnotempty", "Enabled");
    const v1 = await put(bucket, "k", "one");
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }))).VersionId;
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: bucket })), "BucketNotEmpty", 409);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: v1 }));
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: bucket })), "BucketNotEmpty", 409);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: marker }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    // a new bucket of that name starts never versioned
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined();
    expect(await put(bucket, "k", "again")).toBeUndefined();
  });

  it("objects from before versioning are the \"null\" version; a suspended bucket writes and deletes the \"null\" version", async () => {
    const bucket = await newBucket("vnull");
    await put(bucket, "k", "before");
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    expect((await read(bucket, "k")).versionId).toBe("null");
    const v1 = await put(bucket, "k", "enabled");
    expect((await read(bucket, "k", "null")).body).toBe("before");

    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }));
    // a write to a suspended bucket names no version (ceph/s3-tests, not failing on AWS); reads name "null"
    expect(await put(bucket, "k", "suspended-1")).toBeUndefined();
    expect(await put(bucket, "k", "suspended-2")).toBeUndefined();
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "m" }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "m", UploadId: upload.UploadId, PartNumber: 1, Body: "part" }));
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "m", UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expect(completed.VersionId).toBeUndefined();
    const copied = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "c", CopySource: `${bucket}/m` }));
    expect(copied.VersionId).toBeUndefined();
    expect((await read(bucket, "m")).versionId).toBe("null");
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "m", VersionId: "null" }, { Key: "c", VersionId: "null" }] } }));
    // the "null" version was replaced each time; the versioned one stays
    expect(await read(bucket, "k")).toEqual({ body: "suspended-2", versionId: "null" });
    expect((await read(bucket, "k", v1)).body).toBe("enabled");
    let listed = entriesOf(await allVersionPages(bucket));
    expect(listed).toEqual([
      { key: "k", versionId: "null", latest: true, marker: false },
      { key: "k", versionId: v1, latest: false, marker: false },
    ]);

    const d = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    expect({ marker: d.DeleteMarker, id: d.VersionId }).toEqual({ marker: true, id: "null" });
    listed = entriesOf(await allVersionPages(bucket));
    expect(listed).toEqual([
      { key: "k", versionId: "null", latest: true, marker: true },
      { key: "k", versionId: v1, latest: false, marker: false },
    ]);
    // deleting the "null" marker by its id brings back the versioned object
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: "null" }));
    expect(await read(bucket, "k")).toEqual({ body: "enabled", versionId: v1 });
  });

  it("CompleteMultipartUpload and CopyObject answer the version they made; a copy names its source version", async () => {
    const bucket = await newBucket("vmpu", "Enabled");
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "m" }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "m", UploadId: upload.UploadId, PartNumber: 1, Body: "part" }));
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "m", UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expect(done.VersionId).toMatch(VERSION_ID);
    expect(await read(bucket, "m")).toEqual({ body: "part", versionId: done.VersionId });

    const v1 = await put(bucket, "k", "one");
    await put(bucket, "k", "two");
    const copy = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "c", CopySource: `${bucket}/k?versionId=${v1}` }));
    expect(copy.CopySourceVersionId).toBe(v1);
    expect(copy.VersionId).toMatch(VERSION_ID);
    expect(await read(bucket, "c")).toEqual({ body: "one", versionId: copy.VersionId });
    // copying an earlier version onto its own key restores it (no metadata change needed)
    const restored = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "k", CopySource: `${bucket}/k?versionId=${v1}` }));
    expect(await read(bucket, "k")).toEqual({ body: "one", versionId: restored.VersionId });
    // a source version that does not exist
    await expectS3Error(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "c", CopySource: `${bucket}/k?versionId=0000000000000aAAAAAAAAAAAAAAAAAA` })),
      "NoSuchVersion",
      404,
    );
    // the latest of the source, without a version id
    const latest = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "c2", CopySource: `${bucket}/k` }));
    expect(latest.CopySourceVersionId).toBe(restored.VersionId);
  });

  it("UploadPartCopy copies the source version named, and says which", async () => {
    const bucket = await newBucket("vpartcopy", "Enabled");
    const v1 = await put(bucket, "src", "first body");
    await put(bucket, "src", "second body");
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "dst" }));
    const part = await s3.send(
      new UploadPartCopyCommand({ Bucket: bucket, Key: "dst", UploadId: upload.UploadId, PartNumber: 1, CopySource: `${bucket}/src?versionId=${v1}` }),
    );
    expect(part.CopySourceVersionId).toBe(v1);
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "dst", UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult!.ETag }] } }),
    );
    expect((await read(bucket, "dst")).body).toBe("first body");
    await expectS3Error(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: "dst",
          UploadId: (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "dst" }))).UploadId,
          PartNumber: 1,
          CopySource: `${bucket}/src?versionId=0000000000000aAAAAAAAAAAAAAAAAAA`,
        }),
      ),
      "NoSuchVersion",
      404,
    );
  });

  it("tags by version id: each version has its own tag set", async () => {
    const bucket = await newBucket("vtags", "Enabled");
    const v1 = await put(bucket, "k", "one");
    const v2 = await put(bucket, "k", "two");
    const t = await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "k", VersionId: v1, Tagging: { TagSet: [{ Key: "old", Value: "1" }] } }));
    expect(t.VersionId).toBe(v1);
    const latest = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "k" }));
    expect({ id: latest.VersionId, tags: latest.TagSet }).toEqual({ id: v2, tags: [] });
    const old = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "k", VersionId: v1 }));
    expect({ id: old.VersionId, tags: old.TagSet }).toEqual({ id: v1, tags: [{ Key: "old", Value: "1" }] });
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "k", Tagging: { TagSet: [{ Key: "new", Value: "2" }] } }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "k", VersionId: v2 }))).TagSet).toEqual([{ Key: "new", Value: "2" }]);
    const del = await s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: "k", VersionId: v1 }));
    expect(del.VersionId).toBe(v1);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "k", VersionId: v1 }))).TagSet).toEqual([]);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "k" }))).TagSet).toEqual([{ Key: "new", Value: "2" }]);
    await expectS3Error(
      s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "k", VersionId: "0000000000000aAAAAAAAAAAAAAAAAAA" })),
      "NoSuchVersion",
      404,
    );
  });

  it("DeleteObjects: markers for keys, versions by id, idempotent", async () => {
    const bucket = await newBucket("vdelmany", "Enabled");
    const a1 = await put(bucket, "a", "a1");
    const b1 = await put(bucket, "b", "b1");
    const b2 = await put(bucket, "b", "b2");
    const r = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "a" }, { Key: "b", VersionId: b2 }, { Key: "c", VersionId: "bad" }] } }),
    );
    const byKey = Object.fromEntries((r.Deleted ?? []).map((d) => [d.Key!, d]));
    expect(byKey.a.DeleteMarker).toBe(true);
    expect(byKey.a.DeleteMarkerVersionId).toMatch(VERSION_ID);
    expect(byKey.a.VersionId).toBeUndefined();
    expect({ id: byKey.b.VersionId, marker: byKey.b.DeleteMarker }).toEqual({ id: b2, marker: undefined });
    expect(r.Errors?.map((e) => [e.Key, e.VersionId, e.Code])).toEqual([["c", "bad", "InvalidArgument"]]);
    expect(await read(bucket, "b")).toEqual({ body: "b1", versionId: b1 });
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a" })), "NoSuchKey", 404);

    // the versions again, and the marker by id: all succeed
    const marker = byKey.a.DeleteMarkerVersionId!;
    const again = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "b", VersionId: b2 }, { Key: "a", VersionId: marker }] } }),
    );
    expect(again.Errors).toBeUndefined();
    const markerGone = again.Deleted?.find((d) => d.Key === "a");
    expect({ id: markerGone?.VersionId, marker: markerGone?.DeleteMarker, markerId: markerGone?.DeleteMarkerVersionId }).toEqual({
      id: marker,
      marker: true,
      markerId: marker,
    });
    expect(await read(bucket, "a")).toEqual({ body: "a1", versionId: a1 });
  });
});

describe.skipIf(ON_OZONE)("ListObjectVersions", () => {
  let bucket: string;
  /** what the bucket holds, in listing order */
  let expected: Array<{ key: string; versionId: string; latest: boolean; marker: boolean }>;

  beforeAll(async () => {
    bucket = await newBucket("vlist");
    await put(bucket, "a/1", "pre"); // a "null" version, from before versioning
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    const a1 = [await put(bucket, "a/1", "x"), await put(bucket, "a/1", "y")];
    const a2 = await put(bucket, "a/2", "z");
    const a2marker = (await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a/2" }))).VersionId!;
    const b = [await put(bucket, "b", "1"), await put(bucket, "b", "2"), await put(bucket, "b", "3")];
    const sp = await put(bucket, "c d+é", "s");
    expected = [
      { key: "a/1", versionId: a1[1]!, latest: true, marker: false },
      { key: "a/1", versionId: a1[0]!, latest: false, marker: false },
      { key: "a/1", versionId: "null", latest: false, marker: false },
      { key: "a/2", versionId: a2marker, latest: true, marker: true },
      { key: "a/2", versionId: a2!, latest: false, marker: false },
      { key: "b", versionId: b[2]!, latest: true, marker: false },
      { key: "b", versionId: b[1]!, latest: false, marker: false },
      { key: "b", versionId: b[0]!, latest: false, marker: false },
      { key: "c d+é", versionId: sp!, latest: true, marker: false },
    ];
  });

  it("lists every version and delete marker, by key, newest first", async () => {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(page.IsTruncated).toBe(false);
    expect(entriesOf([page])).toEqual(expected);
    expect(page.DeleteMarkers?.[0].Owner?.DisplayName).toBe(gw.accessKeyId);
    expect(page.Versions?.find((v) => v.VersionId === expected[0].versionId)).toMatchObject({ Size: 1, ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
  });

  it("writes <Version> and <DeleteMarker> elements interleaved in listing order, as S3 does (minio-go reads them as one list)", async () => {
    const raw = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { versions: null } });
    expect(raw.status).toBe(200);
    const inDocument = [...raw.text.matchAll(/<(Version|DeleteMarker)>.*?<VersionId>([^<]*)<\/VersionId>/g)].map((m) => [m[1] === "DeleteMarker", m[2]]);
    expect(inDocument).toEqual(expected.map((e) => [e.marker, e.versionId]));
  });

  it("pages through with key and version-id markers, whatever max-keys", async () => {
    for (const maxKeys of [1, 2, 4]) {
      const pages = await allVersionPages(bucket, { MaxKeys: maxKeys });
      expect(entriesOf(pages)).toEqual(expected);
      expect(pages.every((p) => (p.Versions?.length ?? 0) + (p.DeleteMarkers?.length ?? 0) <= maxKeys)).toBe(true);
      for (const p of pages.slice(0, -1)) expect(p.NextVersionIdMarker).toBeDefined();
    }
  });

  it("resumes after the version a marker names, the \"null\" one included", async () => {
    const afterNull = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: "a/1", VersionIdMarker: "null" }));
    expect(entriesOf([afterNull])).toEqual(expected.slice(3));
    const mid = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: "b", VersionIdMarker: expected[5].versionId }));
    expect(entriesOf([mid])).toEqual(expected.slice(6));
    const afterKey = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: "a/2" }));
    expect(entriesOf([afterKey])).toEqual(expected.slice(5));
    await expectS3Error(
      s3.send(new ListObjectVersionsCommand({ Bucket: bucket, VersionIdMarker: expected[0].versionId })),
      "InvalidArgument",
      400,
    );
  });

  it("prefix, delimiter and encoding-type", async () => {
    const prefixed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "a/" }));
    expect(entriesOf([prefixed])).toEqual(expected.slice(0, 5));
    const grouped = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Delimiter: "/" }));
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/"]);
    expect(entriesOf([grouped])).toEqual(expected.slice(5));
    const pages = await allVersionPages(bucket, { Delimiter: "/", MaxKeys: 1 });
    expect(pages.flatMap((p) => p.CommonPrefixes?.map((c) => c.Prefix) ?? [])).toEqual(["a/"]);
    expect(entriesOf(pages)).toEqual(expected.slice(5));
    const raw = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { versions: null, "encoding-type": "url", prefix: "c" } });
    expect(raw.status).toBe(200);
    expect(xmlElements(raw.text, "Key")).toEqual(["c%20d%2B%C3%A9"]);
    expect(xmlElements(raw.text, "EncodingType")).toEqual(["url"]);
  });

  it("max-keys=0 answers an empty, untruncated page", async () => {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 0 }));
    expect({ truncated: page.IsTruncated, versions: page.Versions, markers: page.DeleteMarkers }).toEqual({ truncated: false, versions: undefined, markers: undefined });
  });
});

describe.skipIf(ON_OZONE)("GetObjectAttributes by version id", () => {
  it("describes the version asked for, names it, and answers a delete marker as GET does", async () => {
    const bucket = await newBucket("vattrs", "Enabled");
    const v1 = await put(bucket, "k", "first");
    const v2 = await put(bucket, "k", "second!");
    const attrs = (versionId?: string) =>
      s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: "k", VersionId: versionId, ObjectAttributes: ["ObjectSize", "ETag"] }));
    const old = await attrs(v1);
    expect(old.ObjectSize).toBe(5);
    expect(old.VersionId).toBe(v1);
    const current = await attrs();
    expect(current.ObjectSize).toBe(7);
    expect(current.VersionId).toBe(v2);
    await expectS3Error(attrs("0".repeat(32)), "NoSuchVersion", 404);
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }))).VersionId!;
    await expectS3Error(attrs(), "NoSuchKey", 404);
    await expectS3Error(attrs(marker), "MethodNotAllowed", 405);
    expect((await attrs(v1)).ObjectSize).toBe(5);
  });
});
