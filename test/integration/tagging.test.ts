/**
 * Tagging with the real AWS SDK: Put/Get/DeleteObjectTagging, Put/Get/DeleteBucketTagging, the tag
 * rules shared by the XML and the x-amz-tagging header forms, and tags carried by CopyObject and
 * multipart uploads. On Ozone, object tags are the key's own (OM tagging requests) and bucket
 * tagging answers 501 NotImplemented (Ozone keeps no bucket tags).
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type S3Client,
  type Tag,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { backendLimits } from "../../runtime/storage/backend-support.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectErrorXml, expectS3Error, rawRequest, xmlElements } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  bucket = bucketName("tagging");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

/** Tags as a map (the order of a tag set carries no meaning; Ozone's OM keeps a map too). */
function asMap(tagSet: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tagSet ?? []).map((t) => [t.Key!, t.Value ?? ""]));
}

async function objectTags(key: string, b = bucket): Promise<Record<string, string>> {
  return asMap((await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: key }))).TagSet);
}

function tagSet(map: Record<string, string>): Tag[] {
  return Object.entries(map).map(([Key, Value]) => ({ Key, Value }));
}

function numbered(n: number, prefix = "k"): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `v${i}`]));
}

describe("object tagging", () => {
  it("round-trips a tag set without changing the object's ETag, Last-Modified or bytes", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "round", Body: "tagged bytes" }));
    const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "round" }));
    // Last-Modified has one-second precision: a rewrite of the object would show in the next second.
    await new Promise((r) => setTimeout(r, 1100));
    const tags = { project: "blue", "Name with space": "é ü 名前", empty: "", "a.b_c:d/e=f+g-h@i": "0123456789" };
    const res = await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "round", Tagging: { TagSet: tagSet(tags) } }));
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(await objectTags("round")).toEqual(tags);
    const after = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "round" }));
    expect(after.TagCount).toBe(4);
    expect(after.ETag).toBe(put.ETag);
    expect(after.LastModified?.getTime()).toBe(before.LastModified?.getTime());
    expect(await after.Body!.transformToString()).toBe("tagged bytes");
  });

  it("replaces the whole set: tags not in the new set are gone, an empty TagSet removes all", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "replace", Body: "x", Tagging: "a=1&b=2&c=3" }));
    // "__proto__" as a computed key: an own property (a tag), not the object's prototype
    const next = { b: "20", d: "4", ["__proto__"]: "a tag like any other" };
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "replace", Tagging: { TagSet: tagSet(next) } }));
    expect(await objectTags("replace")).toEqual(next);
    expect(Object.keys(await objectTags("replace")).sort()).toEqual(["__proto__", "b", "d"]);
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "replace", Tagging: { TagSet: [] } }));
    expect(await objectTags("replace")).toEqual({});
    expect((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "replace" }))).TagCount).toBeUndefined();
  });

  it("DeleteObjectTagging answers 204 and leaves an empty tag set", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "delete", Body: "x", Tagging: "a=1" }));
    const res = await s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: "delete" }));
    expect(res.$metadata.httpStatusCode).toBe(204);
    expect(await objectTags("delete")).toEqual({});
    const raw = await rawRequest(gw, { method: "GET", path: `/${bucket}/delete`, query: { tagging: null } });
    expect(raw.status).toBe(200);
    expect(raw.text).toContain('<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet></TagSet></Tagging>');
    expect((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "delete" }))).Body).toBeDefined();
  });

  it("reads the tags given in x-amz-tagging (URL-encoded) back as a tag set", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "header", Body: "x", Tagging: "k%201=v%2B1&solo&empty=&caf%C3%A9=cr%C3%A8me" }));
    expect(await objectTags("header")).toEqual({ "k 1": "v+1", solo: "", empty: "", café: "crème" });
  });

  it("answers a tag set ordered by key (UTF-8 bytes), whatever order it was given in", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "ordered", Body: "x", Tagging: "foo=bar&bar&Zed=1&%C3%A9=2" }));
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "ordered" }));
    expect(got.TagSet!.map((t) => t.Key)).toEqual(["Zed", "bar", "foo", "é"]);
  });

  it("keeps the tags of an object made by a multipart upload", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mpu", Tagging: "from=upload" }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mpu", UploadId, PartNumber: 1, Body: "only part" }));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mpu", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expect(await objectTags("mpu")).toEqual({ from: "upload" });
  });

  it('accepts versionId "null" (the version of every object here), answers NoSuchVersion for any other, InvalidArgument for one of another form', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "version", Body: "x", Tagging: "a=1" }));
    expect(asMap((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "version", VersionId: "null" }))).TagSet)).toEqual({ a: "1" });
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "version", VersionId: "null", Tagging: { TagSet: tagSet({ b: "2" }) } }));
    expect(await objectTags("version")).toEqual({ b: "2" });
    const versionId = "0000000000000aAAAAAAAAAAAAAAAAAA";
    await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "version", VersionId: versionId })), "NoSuchVersion", 404);
    await expectS3Error(
      s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "version", VersionId: versionId, Tagging: { TagSet: [] } })),
      "NoSuchVersion",
      404,
    );
    await expectS3Error(s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: "version", VersionId: versionId })), "NoSuchVersion", 404);
    // an id the gateway cannot have made: InvalidArgument, as AWS answers it
    await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "version", VersionId: "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd" })), "InvalidArgument", 400);
    await expectS3Error(s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: "version", VersionId: "invalid_versionId" })), "InvalidArgument", 400);
    expect(await objectTags("version")).toEqual({ b: "2" });
  });

  it("answers NoSuchKey and NoSuchBucket", async () => {
    await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "missing" })), "NoSuchKey", 404);
    await expectS3Error(s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "missing", Tagging: { TagSet: tagSet({ a: "1" }) } })), "NoSuchKey", 404);
    await expectS3Error(s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: "missing" })), "NoSuchKey", 404);
    const nobucket = bucketName("no-such");
    await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: nobucket, Key: "k" })), "NoSuchBucket", 404);
    await expectS3Error(s3.send(new PutObjectTaggingCommand({ Bucket: nobucket, Key: "k", Tagging: { TagSet: [] } })), "NoSuchBucket", 404);
    await expectS3Error(s3.send(new DeleteObjectTaggingCommand({ Bucket: nobucket, Key: "k" })), "NoSuchBucket", 404);
  });
});

describe("the tag rules (one validator for XML and x-amz-tagging)", () => {
  beforeAll(async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "rules", Body: "x", Tagging: "keep=me" }));
  });

  const cases: [string, Record<string, string> | [string, string][]][] = [
    ["11 tags", numbered(11)],
    ["a key of 129 characters", { ["k".repeat(129)]: "v" }],
    ["a value of 257 characters", { k: "é".repeat(257) }],
    ["an empty key", { "": "v" }],
    ["the aws: prefix", { "aws:cloudformation:stack-name": "v" }],
    ["a key with a character outside AWS's set", { "a#b": "v" }],
    ["a value with a character outside AWS's set", { k: "50%" }],
    ["a key twice", [["dup", "1"], ["dup", "2"]]],
  ];

  it.each(cases)("refuses %s with InvalidTag, in XML and in x-amz-tagging, and changes nothing", async (_name, tags) => {
    const pairs = Array.isArray(tags) ? tags : Object.entries(tags);
    await expectS3Error(
      s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "rules", Tagging: { TagSet: pairs.map(([Key, Value]) => ({ Key, Value })) } })),
      "InvalidTag",
      400,
    );
    const header = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "rules-header", Body: "x", Tagging: header })), "InvalidTag", 400);
    expect(await objectTags("rules")).toEqual({ keep: "me" });
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "rules-header" })), "NotFound", 404);
  });

  it("accepts the limits themselves: 10 tags, keys of 128 and values of 256 characters (not bytes)", async () => {
    const limits = { ...numbered(8), ["ü".repeat(128)]: "v", k: "名".repeat(256) };
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "rules", Tagging: { TagSet: tagSet(limits) } }));
    expect(await objectTags("rules")).toEqual(limits);
    const header = Object.entries(limits).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "rules-limits", Body: "x", Tagging: header }));
    expect(await objectTags("rules-limits")).toEqual(limits);
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "rules", Tagging: { TagSet: tagSet({ keep: "me" }) } }));
  });

  it("answers MalformedXML for a body that is not a tag set", async () => {
    const bodies = [
      "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag>", // cut short
      "<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>", // Value is required
      "<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>", // Key is required
      "<Tagging></Tagging>", // TagSet is required
      "<Tags><TagSet></TagSet></Tags>",
      "",
    ];
    for (const body of bodies) {
      const res = await rawRequest(gw, { method: "PUT", path: `/${bucket}/rules`, query: { tagging: null }, body });
      expectErrorXml(res, "MalformedXML", 400);
    }
    expect(await objectTags("rules")).toEqual({ keep: "me" });
  });
});

describe("tags through CopyObject (x-amz-tagging-directive)", () => {
  it("copies the source's tags by default (COPY) and replaces them with REPLACE", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "copy-src", Body: "x", Tagging: "a=1&b=two%20words" }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy-default", CopySource: `${bucket}/copy-src` }));
    expect(await objectTags("copy-default")).toEqual({ a: "1", b: "two words" });
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy-copy", CopySource: `${bucket}/copy-src`, TaggingDirective: "COPY", Tagging: "ignored=1" }));
    expect(await objectTags("copy-copy")).toEqual({ a: "1", b: "two words" });
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy-replace", CopySource: `${bucket}/copy-src`, TaggingDirective: "REPLACE", Tagging: "c=3" }));
    expect(await objectTags("copy-replace")).toEqual({ c: "3" });
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy-none", CopySource: `${bucket}/copy-src`, TaggingDirective: "REPLACE" }));
    expect(await objectTags("copy-none")).toEqual({});
  });

  it("refuses invalid tags with REPLACE, and a directive other than COPY or REPLACE", async () => {
    await expectS3Error(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy-bad", CopySource: `${bucket}/copy-src`, TaggingDirective: "REPLACE", Tagging: "aws:x=1" })),
      "InvalidTag",
      400,
    );
    const res = await rawRequest(gw, {
      method: "PUT",
      path: `/${bucket}/copy-bad`,
      headers: { "x-amz-copy-source": `/${bucket}/copy-src`, "x-amz-tagging-directive": "MERGE" },
    });
    expectErrorXml(res, "InvalidArgument", 400);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "copy-bad" })), "NotFound", 404);
  });
});

describe.skipIf(ON_OZONE)("bucket tagging", () => {
  it("answers NoSuchTagSet (404, with the bucket's name) while a bucket has no tags", async () => {
    const b = bucketName("untagged");
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), "NoSuchTagSet", 404);
    const raw = await rawRequest(gw, { method: "GET", path: `/${b}`, query: { tagging: null } });
    expectErrorXml(raw, "NoSuchTagSet", 404);
    expect(xmlElements(raw.text, "BucketName")).toEqual([b]);
  });

  it("round-trips up to 50 tags, replaces the set, and deletes it (204)", async () => {
    const b = bucketName("tagged");
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    const fifty = numbered(50);
    const put = await s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: tagSet(fifty) } }));
    expect(put.$metadata.httpStatusCode).toBe(204);
    expect(asMap((await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet)).toEqual(fifty);
    await s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: tagSet({ team: "storage", cost: "" }) } }));
    expect(asMap((await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet)).toEqual({ team: "storage", cost: "" });
    const del = await s3.send(new DeleteBucketTaggingCommand({ Bucket: b }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), "NoSuchTagSet", 404);
    // deleting again is not an error
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: b }));
  });

  it("applies the tag rules with a limit of 50, and keeps the old set on a refusal", async () => {
    const b = bucketName("rules");
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: tagSet({ keep: "me" }) } }));
    for (const bad of [numbered(51), { ["k".repeat(129)]: "v" }, { k: "v".repeat(257) }, { "aws:x": "v" }, { "a#b": "v" }]) {
      await expectS3Error(s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: tagSet(bad) } })), "InvalidTag", 400);
    }
    await expectS3Error(
      s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: [{ Key: "d", Value: "1" }, { Key: "d", Value: "2" }] } })),
      "InvalidTag",
      400,
    );
    const malformed = await rawRequest(gw, { method: "PUT", path: `/${b}`, query: { tagging: null }, body: "<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>" });
    expectErrorXml(malformed, "MalformedXML", 400);
    expect(asMap((await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet)).toEqual({ keep: "me" });
  });

  it("forgets a deleted bucket's tags: a new bucket of that name has none", async () => {
    const b = bucketName("reborn");
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: tagSet({ old: "1" }) } }));
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), "NoSuchTagSet", 404);
  });

  it("answers NoSuchBucket", async () => {
    const b = bucketName("no-such");
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), "NoSuchBucket", 404);
    await expectS3Error(s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: [] } })), "NoSuchBucket", 404);
    await expectS3Error(s3.send(new DeleteBucketTaggingCommand({ Bucket: b })), "NoSuchBucket", 404);
  });
});

describe.runIf(ON_OZONE)("bucket tagging on Ozone", () => {
  it("answers PutBucketTagging 501 NotImplemented (Ozone keeps no tags on buckets) and reads every bucket as untagged", async () => {
    await expectS3Error(s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tagSet({ a: "1" }) } })), "NotImplemented", 501);
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: bucket })), "NoSuchTagSet", 404);
    expect((await s3.send(new DeleteBucketTaggingCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(204);
  });

  it("is what the API reference says of Ozone (runtime/storage/backend-support.ts)", () => {
    const unsupported = Object.entries(backendLimits.ozone)
      .filter(([name, limit]) => !limit.supported && name.includes("Tagging"))
      .map(([name]) => name);
    expect(unsupported.sort()).toEqual(["PutBucketTagging"]);
  });
});
