/**
 * Server-side copies with the real AWS SDK: CopyObject (metadata directive COPY/REPLACE, tagging
 * directive, copy-source conditions, checksums) and UploadPartCopy (copy-source ranges).
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, bytes, checksumOf, expectErrorXml, expectS3Error, md5Hex, multipartEtag, rawRequest } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
let bucket: string;
let other: string;

const MiB = 1024 * 1024;

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  bucket = bucketName("copy");
  other = bucketName("copy-dest");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new CreateBucketCommand({ Bucket: other }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

async function read(b: string, key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

/** x-amz-copy-source as the SDK expects it: bucket/key, the key URL-encoded. */
function source(b: string, key: string): string {
  return `${b}/${encodeURIComponent(key)}`;
}

const stored = {
  ContentType: "text/x-source",
  CacheControl: "private, max-age=60",
  ContentDisposition: 'attachment; filename="src.txt"',
  ContentEncoding: "identity",
  ContentLanguage: "it",
  Expires: new Date(Date.UTC(2035, 4, 5, 6, 7, 8)),
  Metadata: { origin: "source", "two-words": "a b" },
};

describe("CopyObject", () => {
  it("copies the bytes and, by default (COPY), every stored header and the metadata", async () => {
    const data = bytes(50_000, 11);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src/one", Body: data, ...stored, Tagging: "t=1" }));
    const res = await s3.send(new CopyObjectCommand({ Bucket: other, Key: "dst/one", CopySource: source(bucket, "src/one") }));
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(res.CopyObjectResult?.ETag).toBe(`"${md5Hex(data)}"`);
    expect(res.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    expect((await read(other, "dst/one")).equals(data)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: other, Key: "dst/one" }));
    expect(head.ContentType).toBe(stored.ContentType);
    expect(head.CacheControl).toBe(stored.CacheControl);
    expect(head.ContentDisposition).toBe(stored.ContentDisposition);
    expect(head.ContentEncoding).toBe(stored.ContentEncoding);
    expect(head.ContentLanguage).toBe(stored.ContentLanguage);
    expect(head.ExpiresString).toBe(stored.Expires.toUTCString());
    expect(head.Metadata).toEqual(stored.Metadata);
    const get = await s3.send(new GetObjectCommand({ Bucket: other, Key: "dst/one" }));
    expect(get.TagCount).toBe(1);
    await get.Body!.transformToByteArray();
  });

  it("replaces the stored headers and the metadata with REPLACE (nothing of the source's is kept)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src/two", Body: "replace me", ...stored }));
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "dst/two",
        CopySource: source(bucket, "src/two"),
        MetadataDirective: "REPLACE",
        ContentType: "application/x-new",
        Metadata: { fresh: "yes" },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dst/two" }));
    expect(head.ContentType).toBe("application/x-new");
    expect(head.Metadata).toEqual({ fresh: "yes" });
    expect(head.CacheControl).toBeUndefined();
    expect(head.ContentDisposition).toBeUndefined();
    expect(head.ContentLanguage).toBeUndefined();
    expect(head.ExpiresString).toBeUndefined();
    expect((await read(bucket, "dst/two")).toString()).toBe("replace me");
  });

  it("ignores headers given with COPY: the source's metadata wins", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src/three", Body: "x", ...stored }));
    await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "dst/three", CopySource: source(bucket, "src/three"), ContentType: "ignored/type", Metadata: { ignored: "1" } }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dst/three" }));
    expect(head.ContentType).toBe(stored.ContentType);
    expect(head.Metadata).toEqual(stored.Metadata);
  });

  it("never copies the source's website redirect: a copy has the one its request states (with either directive), else none", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src/redirect", Body: "r", WebsiteRedirectLocation: "/from-source.html" }));
    const redirectOf = async (key: string) => (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).WebsiteRedirectLocation;
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst/redirect-copy", CopySource: source(bucket, "src/redirect") }));
    expect(await redirectOf("dst/redirect-copy")).toBeUndefined();
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst/redirect-given", CopySource: source(bucket, "src/redirect"), WebsiteRedirectLocation: "/given.html" }));
    expect(await redirectOf("dst/redirect-given")).toBe("/given.html");
    await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "dst/redirect-replace", CopySource: source(bucket, "src/redirect"), MetadataDirective: "REPLACE", WebsiteRedirectLocation: "https://example.com/" }),
    );
    expect(await redirectOf("dst/redirect-replace")).toBe("https://example.com/");
    // a new redirect is a change: the object may be copied onto itself with it
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "src/redirect", CopySource: source(bucket, "src/redirect"), WebsiteRedirectLocation: "/moved.html" }));
    expect(await redirectOf("src/redirect")).toBe("/moved.html");
    await expectS3Error(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst/redirect-bad", CopySource: source(bucket, "src/redirect"), WebsiteRedirectLocation: "nowhere" })),
      "InvalidRedirectLocation",
      400,
    );
  });

  it("replaces the tags with tagging directive REPLACE", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src/tags", Body: "x", Tagging: "a=1&b=2" }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst/tags", CopySource: source(bucket, "src/tags"), TaggingDirective: "REPLACE", Tagging: "c=3" }));
    const get = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dst/tags" }));
    expect(get.TagCount).toBe(1);
    await get.Body!.transformToByteArray();
  });

  it("refuses to copy an object onto itself unchanged (InvalidRequest), but allows it with REPLACE", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "self", Body: "self copy", Metadata: { v: "1" } }));
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "self", CopySource: source(bucket, "self") })), "InvalidRequest", 400);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "self", CopySource: source(bucket, "self"), MetadataDirective: "REPLACE", Metadata: { v: "2" } }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "self" }));
    expect(head.Metadata).toEqual({ v: "2" });
    expect((await read(bucket, "self")).toString()).toBe("self copy");
  });

  it.each(["with space", "ünïcödé/日本", "plus+and%percent", "q?x=1&y"])("copies a source whose key is %j (URL-encoded in x-amz-copy-source)", async (key) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `copy of ${key}` }));
    await s3.send(new CopyObjectCommand({ Bucket: other, Key: `copied/${key}`, CopySource: source(bucket, key) }));
    expect((await read(other, `copied/${key}`)).toString()).toBe(`copy of ${key}`);
  });

  it("accepts a leading slash and ?versionId=null in x-amz-copy-source", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src/ver", Body: "versioned source" }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst/ver", CopySource: `/${bucket}/src/ver?versionId=null` }));
    expect((await read(bucket, "dst/ver")).toString()).toBe("versioned source");
  });

  it("keeps the source's checksum, or computes the one asked for with x-amz-checksum-algorithm", async () => {
    const data = Buffer.from("checksummed source");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src/ck", Body: data, ChecksumAlgorithm: "SHA1" }));
    const kept = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst/ck-kept", CopySource: source(bucket, "src/ck") }));
    expect(kept.CopyObjectResult?.ChecksumSHA1).toBe(checksumOf("SHA1", data));
    const asked = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst/ck-new", CopySource: source(bucket, "src/ck"), ChecksumAlgorithm: "CRC32C" }));
    expect(asked.CopyObjectResult?.ChecksumCRC32C).toBe(checksumOf("CRC32C", data));
    expect(asked.CopyObjectResult?.ChecksumSHA1).toBeUndefined();
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dst/ck-new", ChecksumMode: "ENABLED" }));
    expect(head.ChecksumCRC32C).toBe(checksumOf("CRC32C", data));
  });

  it("refuses REPLACE metadata over 2 KB (MetadataTooLarge)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src/big", Body: "x" }));
    await expectS3Error(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst/big", CopySource: source(bucket, "src/big"), MetadataDirective: "REPLACE", Metadata: { k: "v".repeat(2048) } })),
      "MetadataTooLarge",
      400,
    );
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dst/big" })), "NotFound", 404);
  });

  it("answers NoSuchKey for a missing source, NoSuchBucket for a missing source or destination bucket", async () => {
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "d", CopySource: source(bucket, "no-such-source") })), "NoSuchKey", 404);
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "d", CopySource: source(bucketName("nobucket"), "k") })), "NoSuchBucket", 404);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src/exists", Body: "x" }));
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: bucketName("nobucket"), Key: "d", CopySource: source(bucket, "src/exists") })), "NoSuchBucket", 404);
  });

  it("refuses a copy source that names no key, and an unknown metadata directive (InvalidArgument)", async () => {
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "d", CopySource: bucket })), "InvalidArgument", 400);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src/directive", Body: "x" }));
    await expectS3Error(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "d", CopySource: source(bucket, "src/directive"), MetadataDirective: "MOVE" as "COPY" })),
      "InvalidArgument",
      400,
    );
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "d" })), "NotFound", 404);
  });

  it("answers S3 XML for a copy error", async () => {
    const res = await rawRequest(gw, { method: "PUT", path: `/${bucket}/raw-dst`, headers: { "x-amz-copy-source": `/${bucket}/missing-src` } });
    expectErrorXml(res, "NoSuchKey", 404);
  });
});

describe("CopyObject source conditions", () => {
  let etag: string;
  let lastModified: Date;
  const past = new Date(Date.UTC(2000, 0, 1));
  const future = new Date(Date.now() + 24 * 3600 * 1000);
  const otherEtag = '"0123456789abcdef0123456789abcdef"';

  beforeAll(async () => {
    etag = (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cond-src", Body: "conditional source" }))).ETag!;
    lastModified = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "cond-src" }))).LastModified!;
  });

  function copy(key: string, conditions: Record<string, unknown>) {
    return s3.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: source(bucket, "cond-src"), ...conditions }));
  }

  it.each([
    ["if-match on the ETag", { CopySourceIfMatch: "ETAG" }],
    ["if-none-match on another ETag", { CopySourceIfNoneMatch: otherEtag }],
    ["if-modified-since a past date", { CopySourceIfModifiedSince: past }],
    ["if-unmodified-since a future date", { CopySourceIfUnmodifiedSince: future }],
    ["if-match true with if-unmodified-since false", { CopySourceIfMatch: "ETAG", CopySourceIfUnmodifiedSince: past }],
  ])("copies when %s", async (what, conditions) => {
    const c = Object.fromEntries(Object.entries(conditions).map(([k, v]) => [k, v === "ETAG" ? etag : v]));
    const key = `cond-ok/${what}`;
    await copy(key, c);
    expect((await read(bucket, key)).toString()).toBe("conditional source");
  });

  it.each([
    ["if-match on another ETag", { CopySourceIfMatch: otherEtag }],
    ["if-none-match on the ETag", { CopySourceIfNoneMatch: "ETAG" }],
    ["if-modified-since a future date", { CopySourceIfModifiedSince: future }],
    ["if-modified-since its own date", { CopySourceIfModifiedSince: "LASTMODIFIED" }],
    ["if-unmodified-since a past date", { CopySourceIfUnmodifiedSince: past }],
    ["if-none-match false with if-modified-since true", { CopySourceIfNoneMatch: "ETAG", CopySourceIfModifiedSince: past }],
  ])("answers PreconditionFailed (412), copying nothing, when %s", async (what, conditions) => {
    const c = Object.fromEntries(Object.entries(conditions).map(([k, v]) => [k, v === "ETAG" ? etag : v === "LASTMODIFIED" ? lastModified : v]));
    const key = `cond-fail/${what}`;
    await expectS3Error(copy(key, c), "PreconditionFailed", 412);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), "NotFound", 404);
  });
});

describe("UploadPartCopy", () => {
  it("builds a multipart object from byte ranges of other objects", async () => {
    const big = bytes(6 * MiB, 21);
    const small = bytes(1000, 22);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "upc/big", Body: big }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "upc/small", Body: small }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: other, Key: "upc/result" }));

    const part1 = await s3.send(
      new UploadPartCopyCommand({ Bucket: other, Key: "upc/result", UploadId, PartNumber: 1, CopySource: source(bucket, "upc/big"), CopySourceRange: `bytes=0-${5 * MiB - 1}` }),
    );
    const first = big.subarray(0, 5 * MiB);
    expect(part1.CopyPartResult?.ETag).toBe(`"${md5Hex(first)}"`);
    expect(part1.CopyPartResult?.LastModified).toBeInstanceOf(Date);
    // a whole object, no range
    const part2 = await s3.send(new UploadPartCopyCommand({ Bucket: other, Key: "upc/result", UploadId, PartNumber: 2, CopySource: source(bucket, "upc/small") }));
    expect(part2.CopyPartResult?.ETag).toBe(`"${md5Hex(small)}"`);

    const parts = await s3.send(new ListPartsCommand({ Bucket: other, Key: "upc/result", UploadId }));
    expect(parts.Parts!.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, 5 * MiB, part1.CopyPartResult!.ETag],
      [2, small.length, part2.CopyPartResult!.ETag],
    ]);

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: other,
        Key: "upc/result",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part1.CopyPartResult!.ETag }, { PartNumber: 2, ETag: part2.CopyPartResult!.ETag }] },
      }),
    );
    expect(done.ETag).toBe(multipartEtag([first, small]));
    expect((await read(other, "upc/result")).equals(Buffer.concat([first, small]))).toBe(true);
  });

  it("mixes copied parts with uploaded ones", async () => {
    const src = bytes(5 * MiB, 23);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "upc/mix-src", Body: src }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "upc/mix" }));
    const p1 = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: "upc/mix", UploadId, PartNumber: 1, CopySource: source(bucket, "upc/mix-src") }));
    const tail = Buffer.from("uploaded tail");
    const p2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "upc/mix", UploadId, PartNumber: 2, Body: tail }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "upc/mix",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult!.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
      }),
    );
    expect((await read(bucket, "upc/mix")).equals(Buffer.concat([src, tail]))).toBe(true);
  });

  it("refuses ranges outside the source (InvalidRange) and malformed ones (InvalidArgument)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "upc/r", Body: bytes(100) }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "upc/r-dst" }));
    const base = { Bucket: bucket, Key: "upc/r-dst", UploadId, PartNumber: 1, CopySource: source(bucket, "upc/r") };
    await expectS3Error(s3.send(new UploadPartCopyCommand({ ...base, CopySourceRange: "bytes=50-100" })), "InvalidRange", 416);
    await expectS3Error(s3.send(new UploadPartCopyCommand({ ...base, CopySourceRange: "bytes=60-50" })), "InvalidRange", 416);
    await expectS3Error(s3.send(new UploadPartCopyCommand({ ...base, CopySourceRange: "bytes=10-" })), "InvalidArgument", 400);
    await expectS3Error(s3.send(new UploadPartCopyCommand({ ...base, CopySourceRange: "10-20" })), "InvalidArgument", 400);
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: "upc/r-dst", UploadId }));
    expect(parts.Parts ?? []).toEqual([]);
    const ok = await s3.send(new UploadPartCopyCommand({ ...base, CopySourceRange: "bytes=0-99" }));
    expect(ok.CopyPartResult?.ETag).toBe(`"${md5Hex(bytes(100))}"`);
  });

  it("refuses a copy source of no form (InvalidArgument) before it looks for the upload", async () => {
    for (const CopySource of [`${bucket}/%ZZ`, bucket, `${bucket}/`]) {
      await expectS3Error(s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: "upc/none", UploadId: "no-such-upload", PartNumber: 1, CopySource })), "InvalidArgument", 400);
    }
  });

  it("applies the copy-source conditions (412)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "upc/c", Body: "cond" }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "upc/c-dst" }));
    const base = { Bucket: bucket, Key: "upc/c-dst", UploadId, PartNumber: 1, CopySource: source(bucket, "upc/c") };
    await expectS3Error(s3.send(new UploadPartCopyCommand({ ...base, CopySourceIfMatch: '"0123456789abcdef0123456789abcdef"' })), "PreconditionFailed", 412);
    await expectS3Error(s3.send(new UploadPartCopyCommand({ ...base, CopySourceIfUnmodifiedSince: new Date(Date.UTC(2000, 0, 1)) })), "PreconditionFailed", 412);
    await s3.send(new UploadPartCopyCommand({ ...base, CopySourceIfMatch: `"${md5Hex(Buffer.from("cond"))}"` }));
  });

  it("answers NoSuchUpload for an unknown upload and NoSuchKey for a missing source", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "upc/s", Body: "x" }));
    await expectS3Error(
      s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: "upc/s-dst", UploadId: "no-such-upload", PartNumber: 1, CopySource: source(bucket, "upc/s") })),
      "NoSuchUpload",
      404,
    );
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "upc/s-dst" }));
    await expectS3Error(
      s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: "upc/s-dst", UploadId, PartNumber: 1, CopySource: source(bucket, "upc/none") })),
      "NoSuchKey",
      404,
    );
  });
});
