/**
 * Objects with the real AWS SDK at its default settings: PutObject (header checksums for in-memory
 * bodies, aws-chunked with a CRC32 trailer for streams), GetObject, HeadObject, DeleteObject,
 * DeleteObjects; metadata, system headers and checksums round trips, and every way a body can fail
 * to verify. GetObject's ranges, conditions, response-* overrides and partNumber:
 * object-reads.test.ts.
 */
import { createHash } from "node:crypto";
import { Crc64NvmeJs } from "@aws-sdk/checksums/crc";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { ON_OZONE } from "../support/ozone.js";
import {
  bucketName,
  bytes,
  checksumOf,
  expectErrorXml,
  expectS3Error,
  getObjectBytes,
  md5Base64,
  md5Hex,
  rawRequest,
  streamOf,
  xmlElements,
  type Algorithm,
} from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  bucket = bucketName("objects");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

const getBytes = (key: string, extra: Record<string, unknown> = {}) => getObjectBytes(s3, bucket, key, extra);

async function exists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

describe("PutObject and GetObject", () => {
  it("stores an in-memory body (checksum in a header) and reads it back byte for byte", async () => {
    const data = bytes(10_000, 7);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mem", Body: data }));
    expect(put.ETag).toBe(`"${md5Hex(data)}"`);
    // the SDK's default request checksum (CRC32) was verified and kept
    expect(put.ChecksumCRC32).toBe(checksumOf("CRC32", data));
    const { res, body } = await getBytes("mem");
    expect(body.equals(data)).toBe(true);
    expect(res.ContentLength).toBe(data.length);
    expect(res.ETag).toBe(put.ETag);
    expect(res.AcceptRanges).toBe("bytes");
    expect(res.LastModified).toBeInstanceOf(Date);
    expect(res.$metadata.httpStatusCode).toBe(200);
  });

  it("stores a stream body sent aws-chunked with a CRC32 trailer", async () => {
    const data = bytes(200_000, 8);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "streamed", Body: streamOf(data, 7), ContentLength: data.length }));
    expect(put.ETag).toBe(`"${md5Hex(data)}"`);
    expect(put.ChecksumCRC32).toBe(checksumOf("CRC32", data));
    const { body, res } = await getBytes("streamed");
    expect(body.equals(data)).toBe(true);
    // aws-chunked is a transfer coding of the request, not the object's Content-Encoding
    expect(res.ContentEncoding).toBeUndefined();
  });

  it("stores an empty object", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "empty", Body: new Uint8Array(0) }));
    expect(put.ETag).toBe(`"${md5Hex(new Uint8Array(0))}"`);
    const { body, res } = await getBytes("empty");
    expect(body.length).toBe(0);
    expect(res.ContentLength).toBe(0);
  });

  it("replaces an object of the same key", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "replace", Body: "first version", Metadata: { old: "1" } }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "replace", Body: "second" }));
    const { body, res } = await getBytes("replace");
    expect(body.toString()).toBe("second");
    expect(res.Metadata).toEqual({});
  });

  it.each([
    "dir/sub/file.txt",
    "with space and  two",
    "plus+sign",
    "percent%2Fliteral%",
    "ünïcödé/日本語/😀",
    "question?mark&amp=eq#hash",
    "a//double//slashes/",
    "./dot/../segments/.",
    "~tilde!*'()$,;:@[]",
  ])("round-trips the key %j", async (key) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `content of ${key}` }));
    const { body } = await getBytes(key);
    expect(body.toString()).toBe(`content of ${key}`);
    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
    expect(list.Contents!.map((o) => o.Key)).toContain(key);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    expect(await exists(key)).toBe(false);
  });

  it("refuses a key longer than 1024 bytes (KeyTooLongError)", async () => {
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k".repeat(1025), Body: "x" })), "KeyTooLongError", 400);
    // 1024 bytes of UTF-8 are fine (341 three-byte characters + 1 byte)
    const key = `${"日".repeat(341)}k`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    expect(await exists(key)).toBe(true);
  });

  it("answers NoSuchBucket for a missing bucket", async () => {
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucketName("missing"), Key: "k", Body: "x" })), "NoSuchBucket", 404);
  });

  it("answers NoSuchKey, naming the key, for a missing object", async () => {
    const err = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "no/such key" })), "NoSuchKey", 404);
    expect((err as unknown as { Key?: string }).Key).toBe("no/such key");
  });

  it("refuses a storage class S3 does not know (InvalidStorageClass), and keeps a known one", async () => {
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "sc", Body: "x", StorageClass: "FANCY" as "STANDARD" })),
      "InvalidStorageClass",
      400,
    );
    expect(await exists("sc")).toBe(false);
    // ONEZONE_IA: STANDARD_IA is erasure-coded on Ozone, which the three-datanode test cluster cannot hold
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "sc", Body: "x", StorageClass: "ONEZONE_IA" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "sc" }));
    expect(head.StorageClass).toBe("ONEZONE_IA");
  });

  it("counts the tags given in x-amz-tagging (x-amz-tagging-count)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "tagged", Body: "x", Tagging: "project=blue&empty=" }));
    const { res } = await getBytes("tagged");
    expect(res.TagCount).toBe(2);
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "badtag", Body: "x", Tagging: "aws:reserved=1" })),
      "InvalidTag",
      400,
    );
    expect(await exists("badtag")).toBe(false);
  });
});

describe("errors answered before the body is read", () => {
  // The SDK sends bodies of 2 MB and more with Expect: 100-continue, and streams aws-chunked with
  // Transfer-Encoding: chunked. An error decided before the body is read must reach the client as
  // the S3 error, not as EPIPE/ECONNRESET while it is still sending; and the connection must stay
  // usable for the next request. Repeated, because a broken connection shows up on reuse.
  const big = bytes(3 * 1024 * 1024, 99);

  it("answers NoSuchBucket, BadDigest and NoSuchUpload to large and streamed uploads, then serves the next request", async () => {
    for (let i = 0; i < 4; i++) {
      await expectS3Error(
        s3.send(new PutObjectCommand({ Bucket: bucketName("missing"), Key: "k", Body: streamOf(big, 40), ContentLength: big.length })),
        "NoSuchBucket",
        404,
      );
      await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucketName("missing"), Key: "k", Body: big })), "NoSuchBucket", 404);
      await expectS3Error(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: "early", Body: big, ChecksumAlgorithm: "SHA256", ChecksumSHA256: checksumOf("SHA256", Buffer.from("x")) })),
        "BadDigest",
        400,
      );
      await expectS3Error(
        s3.send(new UploadPartCommand({ Bucket: bucket, Key: "early", UploadId: "no-such-upload", PartNumber: 1, Body: streamOf(big, 40), ContentLength: big.length })),
        "NoSuchUpload",
        404,
      );
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "early", Body: streamOf(big, 40), ContentLength: big.length }));
      expect(put.ETag).toBe(`"${md5Hex(big)}"`);
    }
    expect((await getBytes("early")).body.equals(big)).toBe(true);
  });
});

describe("conditional writes", () => {
  it("If-None-Match: * creates only when the key is free", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-new", Body: "one", IfNoneMatch: "*" }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-new", Body: "two", IfNoneMatch: "*" })), "PreconditionFailed", 412);
    expect((await getBytes("cw-new")).body.toString()).toBe("one");
  });

  it("If-Match replaces only the version with that ETag", async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-match", Body: "one" }));
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-match", Body: "two", IfMatch: `"${md5Hex(Buffer.from("other"))}"` })),
      "PreconditionFailed",
      412,
    );
    expect((await getBytes("cw-match")).body.toString()).toBe("one");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-match", Body: "two", IfMatch: first.ETag }));
    expect((await getBytes("cw-match")).body.toString()).toBe("two");
  });

  it("If-None-Match and If-Match with ETags and lists compare them with the key's ETag (HTTP's rules, as s3-tests' test_put_object_if_match expects)", async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-etags", Body: "one" }));
    const other = `"${md5Hex(Buffer.from("other"))}"`;
    // the key's ETag, alone or in a list: 412, nothing written
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-etags", Body: "x", IfNoneMatch: first.ETag })), "PreconditionFailed", 412);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-etags", Body: "x", IfNoneMatch: `${other}, ${first.ETag}` })), "PreconditionFailed", 412);
    expect((await getBytes("cw-etags")).body.toString()).toBe("one");
    // another ETag: the write goes ahead over the key
    const second = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-etags", Body: "two", IfNoneMatch: other }));
    expect((await getBytes("cw-etags")).body.toString()).toBe("two");
    // If-Match with a list holding the key's ETag, and *
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-etags", Body: "three", IfMatch: `${other}, ${second.ETag}` }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-etags", Body: "x", IfMatch: `${other}, ${first.ETag}` })), "PreconditionFailed", 412);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-etags", Body: "four", IfMatch: "*" }));
    expect((await getBytes("cw-etags")).body.toString()).toBe("four");
    // a key that is not there matches no ETag: created; If-Match * on it is 404
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-etags-new", Body: "new", IfNoneMatch: other }));
    expect((await getBytes("cw-etags-new")).body.toString()).toBe("new");
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cw-etags-none", Body: "x", IfMatch: "*" })), "NoSuchKey", 404);
  });
});

describe("metadata and stored headers", () => {
  const system = {
    ContentType: "text/plain; charset=utf-8",
    CacheControl: "max-age=3600, must-revalidate",
    ContentDisposition: 'attachment; filename="report 2024.txt"',
    ContentEncoding: "identity",
    ContentLanguage: "de-CH, en",
  };
  const expires = new Date(Date.UTC(2037, 0, 2, 3, 4, 5));

  it.each([
    ["an in-memory body", false],
    ["an aws-chunked body", true],
  ])("round-trips user metadata and system headers exactly (%s)", async (_what, streamed) => {
    const key = `meta-${streamed}`;
    const data = Buffer.from("metadata carrier");
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: streamed ? streamOf(data) : data,
        ContentLength: data.length,
        ...system,
        Expires: expires,
        Metadata: { color: "blue", "Mixed-Case": "Value With  Spaces", empty: "", "x-dashed-name": "a=b;c" },
      }),
    );
    for (const res of [await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), (await getBytes(key)).res]) {
      expect(res.ContentType).toBe(system.ContentType);
      expect(res.CacheControl).toBe(system.CacheControl);
      expect(res.ContentDisposition).toBe(system.ContentDisposition);
      expect(res.ContentEncoding).toBe(system.ContentEncoding);
      expect(res.ContentLanguage).toBe(system.ContentLanguage);
      expect(res.ExpiresString).toBe(expires.toUTCString());
      expect(res.Expires?.getTime()).toBe(expires.getTime());
      // names come back lower-case, values verbatim
      expect(res.Metadata).toEqual({ color: "blue", "mixed-case": "Value With  Spaces", empty: "", "x-dashed-name": "a=b;c" });
    }
  });

  it("keeps x-amz-website-redirect-location (a path or an http(s) URL) and answers it on GET and HEAD; refuses anything else (InvalidRedirectLocation), storing nothing", async () => {
    const cases = [
      ["redirect-path", "/other/page.html"],
      ["redirect-url", "https://example.com/elsewhere?x=1"],
    ];
    for (const [key, location] of cases) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: new Uint8Array(0), WebsiteRedirectLocation: location }));
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).WebsiteRedirectLocation).toBe(location);
      expect((await getBytes(key)).res.WebsiteRedirectLocation).toBe(location);
    }
    // an upload's redirect is the completed object's
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "redirect-mpu", WebsiteRedirectLocation: "http://example.org/" }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "redirect-mpu", UploadId: upload.UploadId, PartNumber: 1, Body: "one part" }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "redirect-mpu",
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "redirect-mpu" }))).WebsiteRedirectLocation).toBe("http://example.org/");
    for (const location of ["page.html", "ftp://example.com/", "example.com/x"]) {
      await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "redirect-bad", Body: "x", WebsiteRedirectLocation: location })), "InvalidRedirectLocation", 400);
      await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "redirect-bad", WebsiteRedirectLocation: location })), "InvalidRedirectLocation", 400);
    }
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "redirect-bad" })), "NotFound", 404);
    // an object without one answers none
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "redirect-none", Body: "x" }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "redirect-none" }))).WebsiteRedirectLocation).toBeUndefined();
  });

  it("keeps user metadata named like an object's built-ins (x-amz-meta-__proto__, -constructor) as metadata", async () => {
    // raw HTTP both ways: the AWS SDK itself builds its Metadata map by plain assignment
    const key = "meta-proto";
    const path = `/${bucket}/${key}`;
    const put = await rawRequest(gw, {
      method: "PUT",
      path,
      headers: { "x-amz-meta-__proto__": "polluted?", "x-amz-meta-constructor": "c", "x-amz-meta-plain": "p" },
      body: "x",
    });
    expect(put.status).toBe(200);
    for (const method of ["HEAD", "GET"]) {
      const res = await rawRequest(gw, { method, path });
      expect(res.status).toBe(200);
      expect(res.headers["x-amz-meta-__proto__"]).toBe("polluted?");
      expect(res.headers["x-amz-meta-constructor"]).toBe("c");
      expect(res.headers["x-amz-meta-plain"]).toBe("p");
      expect(res.headers["x-amz-missing-meta"]).toBeUndefined();
    }
  });

  it("keeps a Content-Encoding given next to aws-chunked, without aws-chunked", async () => {
    const data = Buffer.from("pretend this is gzip");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "gz", Body: streamOf(data), ContentLength: data.length, ContentEncoding: "gzip" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "gz" }));
    expect(head.ContentEncoding).toBe("gzip");
  });

  it("accepts 2 KB of user metadata and refuses one byte more (MetadataTooLarge), storing nothing", async () => {
    // the size is the UTF-8 bytes of every name and value ("Working with object metadata")
    const fits = { k: "v".repeat(2047) };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "meta-2k", Body: "x", Metadata: fits }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "meta-2k" }))).Metadata).toEqual(fits);
    const err = await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "meta-too-big", Body: "x", Metadata: { k: "v".repeat(2048) } })),
      "MetadataTooLarge",
      400,
    );
    expect(err.message).toMatch(/metadata/i);
    expect(await exists("meta-too-big")).toBe(false);
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`name${String(i).padStart(2, "0")}`, "v".repeat(64)]));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "meta-too-big", Body: "x", Metadata: many })), "MetadataTooLarge", 400);
    expect(await exists("meta-too-big")).toBe(false);
  });
});

describe("checksums", () => {
  const algorithms: Algorithm[] = ["CRC32", "CRC32C", "SHA1", "SHA256"];

  it.each(algorithms.flatMap((a) => [[a, "header"] as const, [a, "trailer"] as const]))(
    "verifies, stores and returns %s sent in a %s",
    async (algorithm, where) => {
      const data = bytes(70_000, algorithm.length + where.length);
      const key = `ck-${algorithm}-${where}`;
      const expected = checksumOf(algorithm, data);
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: where === "trailer" ? streamOf(data, 4) : data,
          ContentLength: data.length,
          ChecksumAlgorithm: algorithm,
        }),
      );
      expect(put[`Checksum${algorithm}`]).toBe(expected);
      expect(put.ChecksumType).toBe("FULL_OBJECT");

      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
      expect(head[`Checksum${algorithm}`]).toBe(expected);
      expect(head.ChecksumType).toBe("FULL_OBJECT");
      for (const other of algorithms.filter((a) => a !== algorithm)) expect(head[`Checksum${other}`]).toBeUndefined();

      // the SDK validates the body against the returned checksum (responseChecksumValidation WHEN_SUPPORTED)
      const { res, body } = await getBytes(key, { ChecksumMode: "ENABLED" });
      expect(res[`Checksum${algorithm}`]).toBe(expected);
      expect(body.equals(data)).toBe(true);

      // Ozone's light key listing carries no metadata: no ChecksumAlgorithm in listings there
      const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
      expect(list.Contents![0].ChecksumAlgorithm).toEqual(ON_OZONE ? undefined : [algorithm]);
      expect(list.Contents![0].ChecksumType).toBe(ON_OZONE ? undefined : "FULL_OBJECT");
    },
  );

  it("gives an object sent without a checksum S3's default one, CRC64NVME, and none beside a client's", async () => {
    const data = bytes(100_000, 64);
    const crc = new Crc64NvmeJs();
    crc.update(data);
    const expected = Buffer.from(await crc.digest()).toString("base64");
    // a raw request, as curl or an older SDK sends it: Content-MD5 at most, no x-amz-checksum-*
    const put = await rawRequest(gw, { method: "PUT", path: `/${bucket}/ck-default`, headers: { "content-md5": md5Base64(data) }, body: data });
    expect(put.status).toBe(200);
    expect([put.headers["x-amz-checksum-crc64nvme"], put.headers["x-amz-checksum-type"]]).toEqual([expected, "FULL_OBJECT"]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "ck-default", ChecksumMode: "ENABLED" }));
    expect([head.ChecksumCRC64NVME, head.ChecksumType]).toEqual([expected, "FULL_OBJECT"]);
    // the SDK validates the body against it (CRC64NVME is one it computes)
    const { res, body } = await getBytes("ck-default", { ChecksumMode: "ENABLED" });
    expect([res.ChecksumCRC64NVME, body.equals(data)]).toEqual([expected, true]);
    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "ck-default" }));
    expect(list.Contents![0].ChecksumAlgorithm).toEqual(ON_OZONE ? undefined : ["CRC64NVME"]);
    // a client's checksum is the object's only one
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "ck-client", Body: data, ChecksumAlgorithm: "CRC32" }));
    const own = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "ck-client", ChecksumMode: "ENABLED" }));
    expect([own.ChecksumCRC32, own.ChecksumCRC64NVME]).toEqual([checksumOf("CRC32", data), undefined]);
  });

  it("returns checksums only when asked (x-amz-checksum-mode)", async () => {
    const data = Buffer.from("checksum mode");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "ck-mode", Body: data, ChecksumAlgorithm: "SHA256" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "ck-mode" }));
    expect(head.ChecksumSHA256).toBeUndefined();
    const raw = await rawRequest(gw, { method: "GET", path: `/${bucket}/ck-mode` });
    expect(raw.headers["x-amz-checksum-sha256"]).toBeUndefined();
    const asked = await rawRequest(gw, { method: "GET", path: `/${bucket}/ck-mode`, headers: { "x-amz-checksum-mode": "ENABLED" } });
    expect(asked.headers["x-amz-checksum-sha256"]).toBe(checksumOf("SHA256", data));
  });

  it.each(algorithms)("refuses a wrong %s (BadDigest) and keeps the previous object", async (algorithm) => {
    const key = `ck-wrong-${algorithm}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "original" }));
    const wrong = checksumOf(algorithm, Buffer.from("something else"));
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "replacement", ChecksumAlgorithm: algorithm, [`Checksum${algorithm}`]: wrong })),
      "BadDigest",
      400,
    );
    expect((await getBytes(key)).body.toString()).toBe("original");
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${key}-new`, Body: "replacement", ChecksumAlgorithm: algorithm, [`Checksum${algorithm}`]: wrong })),
      "BadDigest",
      400,
    );
    expect(await exists(`${key}-new`)).toBe(false);
  });

  it("refuses a wrong checksum in an aws-chunked trailer (BadDigest), storing nothing", async () => {
    const payload = "hello trailer";
    const body = `${payload.length.toString(16)}\r\n${payload}\r\n0\r\nx-amz-checksum-crc32:${checksumOf("CRC32", Buffer.from("not it"))}\r\n\r\n`;
    const headers = {
      "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": String(payload.length),
      "x-amz-trailer": "x-amz-checksum-crc32",
      "x-amz-sdk-checksum-algorithm": "CRC32",
    };
    const bad = await rawRequest(gw, { method: "PUT", path: `/${bucket}/trailer-wrong`, headers, body });
    expectErrorXml(bad, "BadDigest", 400);
    expect(await exists("trailer-wrong")).toBe(false);
    // the same request with the right trailer is stored
    const good = await rawRequest(gw, {
      method: "PUT",
      path: `/${bucket}/trailer-wrong`,
      headers,
      body: body.replace(checksumOf("CRC32", Buffer.from("not it")), checksumOf("CRC32", Buffer.from(payload))),
    });
    expect(good.status).toBe(200);
    expect((await getBytes("trailer-wrong")).body.toString()).toBe(payload);
  });

  it("refuses a body that does not hash to the signed x-amz-content-sha256 (XAmzContentSHA256Mismatch)", async () => {
    const res = await rawRequest(gw, {
      method: "PUT",
      path: `/${bucket}/sha-mismatch`,
      headers: { "x-amz-content-sha256": createHash("sha256").update("another body").digest("hex") },
      body: "the body sent",
    });
    expectErrorXml(res, "XAmzContentSHA256Mismatch", 400);
    expect(await exists("sha-mismatch")).toBe(false);
  });

  it("verifies Content-MD5: right is stored, wrong is BadDigest, malformed is InvalidDigest", async () => {
    const data = Buffer.from("content md5 body");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "md5-ok", Body: data, ContentMD5: md5Base64(data) }));
    expect((await getBytes("md5-ok")).body.equals(data)).toBe(true);
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "md5-bad", Body: data, ContentMD5: md5Base64(Buffer.from("other")) })),
      "BadDigest",
      400,
    );
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "md5-bad", Body: streamOf(data), ContentLength: data.length, ContentMD5: md5Base64(Buffer.from("other")) })),
      "BadDigest",
      400,
    );
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "md5-bad", Body: data, ContentMD5: "not-base64-md5" })), "InvalidDigest", 400);
    expect(await exists("md5-bad")).toBe(false);
  });
});

describe("HeadObject", () => {
  it("answers the metadata GetObject would, without a body", async () => {
    const data = Buffer.from("head me");
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "head", Body: data, ContentType: "text/x-head", Metadata: { a: "b" } }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "head" }));
    expect(head.ContentLength).toBe(data.length);
    expect(head.ETag).toBe(put.ETag);
    expect(head.ContentType).toBe("text/x-head");
    expect(head.Metadata).toEqual({ a: "b" });
    expect(head.AcceptRanges).toBe("bytes");
    const raw = await rawRequest(gw, { method: "HEAD", path: `/${bucket}/head` });
    expect(raw.status).toBe(200);
    expect(raw.body.length).toBe(0);
    expect(raw.headers["content-length"]).toBe(String(data.length));
  });

  it("answers 404 (NotFound, no body) for a missing key", async () => {
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "no-such-head" })), "NotFound", 404);
  });

  it("accepts versionId=null, the one version of an unversioned object, answers NoSuchVersion for others, and InvalidArgument for an id the gateway cannot have made", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "v", Body: "versioned?" }));
    expect((await getBytes("v", { VersionId: "null" })).body.toString()).toBe("versioned?");
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "v", VersionId: "null" }));
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "v", VersionId: "0000000000000aAAAAAAAAAAAAAAAAAA" })), "NoSuchVersion", 404);
    // as AWS answers `--version-id foo` in any bucket: the id's form is checked first
    const bad = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "v", VersionId: "invalid_versionId" })), "InvalidArgument", 400);
    expect(bad.message).toBe("Invalid version id specified");
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "v", VersionId: "invalid_versionId" })), "InvalidArgument", 400);
    expect((await getBytes("v")).body.toString()).toBe("versioned?");
  });
});

describe("DeleteObject", () => {
  it("deletes an object (204)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "del", Body: "x" }));
    const res = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "del" }));
    expect(res.$metadata.httpStatusCode).toBe(204);
    expect(await exists("del")).toBe(false);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "del" })), "NoSuchKey", 404);
  });

  it("succeeds for a key that does not exist, as S3 does", async () => {
    const res = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "never-was" }));
    expect(res.$metadata.httpStatusCode).toBe(204);
  });

  it("accepts versionId=null", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "del-null", Body: "x" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "del-null", VersionId: "null" }));
    expect(await exists("del-null")).toBe(false);
  });

  it("answers NoSuchBucket for a missing bucket", async () => {
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucketName("missing"), Key: "k" })), "NoSuchBucket", 404);
  });
});

describe("DeleteObjects", () => {
  async function putKeys(keys: string[]) {
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  }

  it("deletes the keys listed, reporting each (a missing key counts as deleted)", async () => {
    const keys = ["multi/a", "multi/b c", "multi/ü&<>"];
    await putKeys(keys);
    const res = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [...keys, "multi/never-was"].map((Key) => ({ Key })) } }),
    );
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(res.Errors ?? []).toEqual([]);
    expect(res.Deleted!.map((d) => d.Key).sort()).toEqual([...keys, "multi/never-was"].sort());
    for (const key of keys) expect(await exists(key)).toBe(false);
  });

  it("answers nothing but errors when Quiet", async () => {
    const keys = ["quiet/a", "quiet/b"];
    await putKeys(keys);
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Quiet: true, Objects: keys.map((Key) => ({ Key })) } }));
    expect(res.Deleted ?? []).toEqual([]);
    expect(res.Errors ?? []).toEqual([]);
    for (const key of keys) expect(await exists(key)).toBe(false);
  });

  it("accepts VersionId null and echoes it", async () => {
    await putKeys(["ver/a"]);
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "ver/a", VersionId: "null" }] } }));
    expect(res.Deleted).toEqual([{ Key: "ver/a", VersionId: "null" }]);
    expect(await exists("ver/a")).toBe(false);
  });

  it("refuses more than 1000 keys and an empty list (MalformedXML)", async () => {
    await putKeys(["over/keep"]);
    const objects = Array.from({ length: 1001 }, (_, i) => ({ Key: i === 0 ? "over/keep" : `over/${i}` }));
    await expectS3Error(s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } })), "MalformedXML", 400);
    expect(await exists("over/keep")).toBe(true);
    await expectS3Error(s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [] } })), "MalformedXML", 400);
  });

  it("refuses a body that is not the Delete document (MalformedXML) or does not match its Content-MD5 (BadDigest)", async () => {
    await putKeys(["raw/keep"]);
    const xml = '<?xml version="1.0" encoding="UTF-8"?><Delete><Object><Key>raw/keep</Key></Object></Delete>';
    const bad = await rawRequest(gw, {
      method: "POST",
      path: `/${bucket}`,
      query: { delete: "" },
      headers: { "content-md5": md5Base64(Buffer.from(xml + " ")) },
      body: xml,
    });
    expectErrorXml(bad, "BadDigest", 400);
    expect(await exists("raw/keep")).toBe(true);
    for (const body of ["<Delete><Object><Key>raw/keep</Key></Object>", "<NotDelete><Object><Key>raw/keep</Key></Object></NotDelete>", "plain text"]) {
      const res = await rawRequest(gw, { method: "POST", path: `/${bucket}`, query: { delete: "" }, headers: { "content-md5": md5Base64(Buffer.from(body)) }, body });
      expectErrorXml(res, "MalformedXML", 400);
    }
    expect(await exists("raw/keep")).toBe(true);
    const ok = await rawRequest(gw, { method: "POST", path: `/${bucket}`, query: { delete: "" }, headers: { "content-md5": md5Base64(Buffer.from(xml)) }, body: xml });
    expect(ok.status).toBe(200);
    expect(xmlElements(ok.text, "Key")).toEqual(["raw/keep"]);
    expect(await exists("raw/keep")).toBe(false);
  });

  it("answers NoSuchBucket for a missing bucket", async () => {
    await expectS3Error(s3.send(new DeleteObjectsCommand({ Bucket: bucketName("missing"), Delete: { Objects: [{ Key: "k" }] } })), "NoSuchBucket", 404);
  });
});
