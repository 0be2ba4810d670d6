/**
 * GetObject and HeadObject with the real AWS SDK at its default settings: ranges (and 416 for a
 * range past the end), partNumber of a single-part object, the If-* conditions (304 and 412 as S3
 * answers them, bodiless for HEAD) and the response-* overrides. The rest of the object operations:
 * objects.test.ts.
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, bytes, expectBodilessError, expectErrorXml, expectS3Error, getObjectBytes, rawRequest } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  bucket = bucketName("object-reads");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

const getBytes = (key: string, extra: Record<string, unknown> = {}) => getObjectBytes(s3, bucket, key, extra);

describe("GetObject ranges", () => {
  const data = bytes(1000, 3);
  beforeAll(async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "ranged", Body: data }));
  });

  it.each([
    ["bytes=0-9", 0, 9],
    ["bytes=990-", 990, 999],
    ["bytes=-25", 975, 999],
    ["bytes=500-5000", 500, 999],
    ["bytes=-5000", 0, 999],
    ["bytes=999-999", 999, 999],
  ])("serves %s as 206 with Content-Range", async (range, start, end) => {
    const { res, body } = await getBytes("ranged", { Range: range });
    expect(res.$metadata.httpStatusCode).toBe(206);
    expect(res.ContentRange).toBe(`bytes ${start}-${end}/1000`);
    expect(res.ContentLength).toBe(end - start + 1);
    expect(body.equals(data.subarray(start, end + 1))).toBe(true);
    // a checksum of the whole object must not be sent with part of it
    expect(res.ChecksumCRC32).toBeUndefined();
  });

  it("answers InvalidRange (416) for a range starting past the end", async () => {
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "ranged", Range: "bytes=1000-1001" })), "InvalidRange", 416);
    const raw = await rawRequest(gw, { method: "GET", path: `/${bucket}/ranged`, headers: { range: "bytes=5000-" } });
    expectErrorXml(raw, "InvalidRange", 416);
  });

  it("serves the whole object for a range it cannot satisfy as one range (several ranges, syntax errors)", async () => {
    // RFC 9110's ranges-specifier has no blank inside it ("bytes= -1" is not a range; S3 ignores it)
    for (const range of ["bytes=0-1,5-6", "bytes=9-3", "items=0-1", "bytes= -1", "bytes=0 -1", "bytes =0-1", "bytes=--1", "bytes=,"]) {
      const { res, body } = await getBytes("ranged", { Range: range });
      expect(res.$metadata.httpStatusCode, range).toBe(200);
      expect(body.equals(data)).toBe(true);
    }
    // the unit is case-insensitive
    expect((await getBytes("ranged", { Range: "Bytes=0-1" })).res.$metadata.httpStatusCode).toBe(206);
  });

  it("serves an empty object whole for a suffix range (RFC 9110: shorter than the suffix), InvalidRange for a first byte", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "empty-ranged", Body: new Uint8Array(0) }));
    const { res, body } = await getBytes("empty-ranged", { Range: "bytes=-1" });
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(res.ContentRange).toBeUndefined();
    expect(body.length).toBe(0);
    for (const range of ["bytes=0-0", "bytes=0-", "bytes=-0"]) {
      await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "empty-ranged", Range: range })), "InvalidRange", 416);
    }
  });

  it("applies Range to HeadObject too", async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "ranged", Range: "bytes=10-19" }));
    expect(head.$metadata.httpStatusCode).toBe(206);
    expect(head.ContentLength).toBe(10);
    expect(head.ContentRange).toBe("bytes 10-19/1000");
  });

  it("answers partNumber=1 of a single-part object with the whole object as a range, and InvalidPartNumber beyond", async () => {
    // S3 treats a part as a range (206, Content-Range); a single PUT makes one part, with no parts count
    const { res, body } = await getBytes("ranged", { PartNumber: 1 });
    expect(body.equals(data)).toBe(true);
    expect(res.$metadata.httpStatusCode).toBe(206);
    expect(res.ContentLength).toBe(1000);
    expect(res.ContentRange).toBe("bytes 0-999/1000");
    expect(res.PartsCount).toBeUndefined();
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "ranged", PartNumber: 1 }));
    expect(head.$metadata.httpStatusCode).toBe(206);
    expect(head.ContentRange).toBe("bytes 0-999/1000");
    // an empty object has no byte range to name
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "empty-part", Body: new Uint8Array(0) }));
    const empty = await getBytes("empty-part", { PartNumber: 1 });
    expect(empty.body.length).toBe(0);
    expect(empty.res.ContentRange).toBeUndefined();
    expect(empty.res.$metadata.httpStatusCode).toBe(200);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "ranged", PartNumber: 2 })), "InvalidPartNumber", 416);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "ranged", PartNumber: 1, Range: "bytes=0-1" })), "InvalidRequest", 400);
  });
});

describe("GetObject and HeadObject conditions", () => {
  let etag: string;
  let lastModified: Date;
  const past = new Date(Date.UTC(2000, 0, 1));
  const future = new Date(Date.now() + 24 * 3600 * 1000);

  beforeAll(async () => {
    etag = (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cond", Body: "conditional" }))).ETag!;
    lastModified = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "cond" }))).LastModified!;
  });

  it("If-Match: 200 on the ETag (quoted, unquoted or *), 412 otherwise", async () => {
    for (const ifMatch of [etag, etag.replace(/"/g, ""), "*", `"0123", ${etag}`]) {
      expect((await getBytes("cond", { IfMatch: ifMatch })).body.toString()).toBe("conditional");
    }
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "cond", IfMatch: '"0123456789abcdef0123456789abcdef"' })), "PreconditionFailed", 412);
    await expectBodilessError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "cond", IfMatch: '"0123456789abcdef0123456789abcdef"' })), 412);
  });

  it("If-None-Match: 304 on the ETag, 200 otherwise", async () => {
    await expectBodilessError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "cond", IfNoneMatch: etag })), 304);
    await expectBodilessError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "cond", IfNoneMatch: etag })), 304);
    const raw = await rawRequest(gw, { method: "GET", path: `/${bucket}/cond`, headers: { "if-none-match": etag } });
    expect(raw.status).toBe(304);
    expect(raw.body.length).toBe(0);
    // RFC 9110 15.4.5: a 304 carries the ETag a 200 would have; S3 adds Last-Modified
    expect(raw.headers.etag).toBe(etag);
    expect(raw.headers["last-modified"]).toBe(lastModified.toUTCString());
    expect(raw.headers["x-amz-request-id"]).toMatch(/\S/);
    expect((await getBytes("cond", { IfNoneMatch: '"0123456789abcdef0123456789abcdef"' })).body.toString()).toBe("conditional");
  });

  it("If-Modified-Since: 304 when not modified since, 200 when modified", async () => {
    await expectBodilessError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "cond", IfModifiedSince: future })), 304);
    await expectBodilessError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "cond", IfModifiedSince: lastModified })), 304);
    expect((await getBytes("cond", { IfModifiedSince: past })).res.$metadata.httpStatusCode).toBe(200);
  });

  it("If-Unmodified-Since: 412 when modified since, 200 otherwise", async () => {
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "cond", IfUnmodifiedSince: past })), "PreconditionFailed", 412);
    await expectBodilessError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "cond", IfUnmodifiedSince: past })), 412);
    expect((await getBytes("cond", { IfUnmodifiedSince: lastModified })).res.$metadata.httpStatusCode).toBe(200);
    expect((await getBytes("cond", { IfUnmodifiedSince: future })).res.$metadata.httpStatusCode).toBe(200);
  });

  it("combines them as S3 documents: If-Match true wins over If-Unmodified-Since false; If-None-Match false wins over If-Modified-Since true", async () => {
    expect((await getBytes("cond", { IfMatch: etag, IfUnmodifiedSince: past })).res.$metadata.httpStatusCode).toBe(200);
    await expectBodilessError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "cond", IfNoneMatch: etag, IfModifiedSince: past })), 304);
  });
});

describe("response-* overrides", () => {
  const overrides = {
    ResponseContentType: "application/x-override",
    ResponseContentDisposition: 'inline; filename="o.bin"',
    ResponseCacheControl: "no-store",
    ResponseContentLanguage: "fr",
    ResponseContentEncoding: "x-custom",
    ResponseExpires: new Date(Date.UTC(2031, 5, 6, 7, 8, 9)),
  };

  beforeAll(async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "override", Body: "override me", ContentType: "text/plain", CacheControl: "max-age=1" }));
  });

  it.each(["GetObject", "HeadObject"])("replaces the stored headers in the %s answer only", async (op) => {
    const res =
      op === "GetObject"
        ? (await getBytes("override", overrides)).res
        : await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "override", ...overrides }));
    expect(res.ContentType).toBe(overrides.ResponseContentType);
    expect(res.ContentDisposition).toBe(overrides.ResponseContentDisposition);
    expect(res.CacheControl).toBe(overrides.ResponseCacheControl);
    expect(res.ContentLanguage).toBe(overrides.ResponseContentLanguage);
    expect(res.ContentEncoding).toBe(overrides.ResponseContentEncoding);
    expect(res.Expires?.getTime()).toBe(overrides.ResponseExpires.getTime());
    const plain = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "override" }));
    expect(plain.ContentType).toBe("text/plain");
    expect(plain.CacheControl).toBe("max-age=1");
    expect(plain.ContentDisposition).toBeUndefined();
  });
});
