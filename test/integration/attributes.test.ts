/**
 * GetObjectAttributes with the real AWS SDK (and raw signed requests for what the SDK cannot send
 * or show), and the part checksums GET and HEAD ?partNumber= answer with x-amz-checksum-mode:
 * single-part and multipart objects, with and without checksums (COMPOSITE and FULL_OBJECT), part
 * pages, the errors. On Ozone, multipart objects have no checksums (see the README), so the tests
 * of multipart checksums run on the embedded backend only; the rest runs on both.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  type ChecksumAlgorithm,
  type ObjectAttributes,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, bytes, checksumOf, crc64nvmeOf, digest, expectErrorXml, expectS3Error, multipartEtag, rawRequest, xmlElements } from "./helpers.js";


let gw: RunningGateway;
/** the SDK at its defaults: a CRC32 checksum with every upload */
let s3: S3Client;
/** an SDK that sends checksums only when an operation requires one: uploads without checksums */
let plain: S3Client;
const bucket = bucketName("attributes");
const MiB = 1024 * 1024;
const PARTS = [bytes(5 * MiB, 401), bytes(5 * MiB, 402), bytes(100_003, 403)];
const WHOLE = Buffer.concat(PARTS);
const ALL: ObjectAttributes[] = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"];

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  plain = gw.client({ checksums: "required" });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  s3?.destroy();
  plain?.destroy();
  await gw?.stop();
});

function attributes(key: string, extra: Partial<ConstructorParameters<typeof GetObjectAttributesCommand>[0]> = {}) {
  return s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: key, ObjectAttributes: ALL, ...extra }));
}

/** Uploads PARTS as `key`, with each part's checksum of `algorithm` when given; returns the completion's answer. */
async function multipart(client: S3Client, key: string, algorithm?: ChecksumAlgorithm, type?: "COMPOSITE" | "FULL_OBJECT") {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: algorithm, ChecksumType: type }));
  const parts = [];
  for (const [i, body] of PARTS.entries()) {
    const r = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: algorithm }));
    parts.push({ PartNumber: i + 1, ETag: r.ETag!, ...(algorithm && { [`Checksum${algorithm}`]: (r as unknown as Record<string, string>)[`Checksum${algorithm}`] }) });
  }
  return client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
}

const field = (o: object | undefined, name: string) => (o as Record<string, unknown> | undefined)?.[name];

describe("GetObjectAttributes of an object of a single PUT", () => {
  it("answers its ETag (unquoted), checksum, storage class and size, and no parts", async () => {
    const body = Buffer.from("attributes of a small object");
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "single", Body: body }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "single" }));
    const res = await attributes("single");
    expect(res.ETag).toBe(put.ETag!.replace(/"/g, ""));
    expect(res.ETag).toBe(createHash("md5").update(body).digest("hex"));
    // the SDK's default CRC32, stored with the object
    expect(res.Checksum).toEqual({ ChecksumCRC32: checksumOf("CRC32", body), ChecksumType: "FULL_OBJECT" });
    expect(res.StorageClass).toBe("STANDARD");
    expect(res.ObjectSize).toBe(body.length);
    expect(res.ObjectParts).toBeUndefined();
    expect(res.LastModified?.getTime()).toBe(head.LastModified?.getTime());
    expect(res.VersionId).toBeUndefined();
  });

  it("gives an object sent without a checksum S3's default one (CRC64NVME), and leaves out every attribute not asked for", async () => {
    const body = Buffer.from("no checksum here");
    await plain.send(new PutObjectCommand({ Bucket: bucket, Key: "plain", Body: body }));
    const all = await attributes("plain");
    expect(all.Checksum).toEqual({ ChecksumCRC64NVME: await crc64nvmeOf(body), ChecksumType: "FULL_OBJECT" });
    expect(all.ObjectSize).toBe(body.length);
    const some = await attributes("plain", { ObjectAttributes: ["ObjectSize"] });
    expect({ ETag: some.ETag, Checksum: some.Checksum, StorageClass: some.StorageClass, ObjectParts: some.ObjectParts, ObjectSize: some.ObjectSize }).toEqual({
      ETag: undefined,
      Checksum: undefined,
      StorageClass: undefined,
      ObjectParts: undefined,
      ObjectSize: body.length,
    });
  });

  it("takes the comma-separated header list with spaces and repeats (raw request), and the XML is AWS's", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "raw", Body: "raw" }));
    const res = await rawRequest(gw, {
      method: "GET",
      path: `/${bucket}/raw`,
      query: { attributes: null },
      headers: { "x-amz-object-attributes": " ObjectSize ,StorageClass,ETag" },
    });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<GetObjectAttributesResponse xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/">/);
    expect(xmlElements(res.text, "ObjectSize")).toEqual(["3"]);
    expect(xmlElements(res.text, "StorageClass")).toEqual(["STANDARD"]);
    expect(xmlElements(res.text, "ETag")).toEqual([createHash("md5").update("raw").digest("hex")]);
    expect(res.headers["last-modified"]).toMatch(/GMT$/);
  });

  it("accepts versionId=null, the version every object has while buckets are unversioned", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "versioned", Body: "v" }));
    expect((await attributes("versioned", { VersionId: "null" })).ObjectSize).toBe(1);
    await expectS3Error(attributes("versioned", { VersionId: "0000000000000aAAAAAAAAAAAAAAAAAA" }), "NoSuchVersion", 404);
    await expectS3Error(attributes("versioned", { VersionId: "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd" }), "InvalidArgument", 400);
  });
});

describe("GetObjectAttributes of a multipart object", () => {
  it("lists the parts (number, size) of an upload without checksums, with S3's default checksum of the whole (CRC64NVME, FULL_OBJECT)", async () => {
    const done = await multipart(plain, "mp/plain");
    const res = await attributes("mp/plain");
    expect(res.ETag).toBe(done.ETag!.replace(/"/g, ""));
    expect(`"${res.ETag}"`).toBe(multipartEtag(PARTS));
    expect(res.ObjectSize).toBe(WHOLE.length);
    expect(res.StorageClass).toBe("STANDARD");
    // Ozone keeps no part checksums to make it from
    expect(res.Checksum).toEqual(ON_OZONE ? undefined : { ChecksumCRC64NVME: await crc64nvmeOf(WHOLE), ChecksumType: "FULL_OBJECT" });
    expect(res.ObjectParts).toEqual({
      TotalPartsCount: 3,
      PartNumberMarker: "0",
      // the last part listed, also when the list is complete (MinIO's answer; minio-go checks it)
      NextPartNumberMarker: "3",
      MaxParts: 1000,
      IsTruncated: false,
      Parts: PARTS.map((p, i) => ({ PartNumber: i + 1, Size: p.length })),
    });
  });

  it("pages the parts with MaxParts and PartNumberMarker, as ListParts does", async () => {
    const first = await attributes("mp/plain", { ObjectAttributes: ["ObjectParts"], MaxParts: 1, PartNumberMarker: "1" });
    expect(first.ObjectParts).toEqual({
      TotalPartsCount: 3,
      PartNumberMarker: "1",
      NextPartNumberMarker: "2",
      MaxParts: 1,
      IsTruncated: true,
      Parts: [{ PartNumber: 2, Size: PARTS[1].length }],
    });
    const rest = await attributes("mp/plain", { ObjectAttributes: ["ObjectParts"], MaxParts: 10, PartNumberMarker: first.ObjectParts!.NextPartNumberMarker });
    expect(rest.ObjectParts).toEqual({
      TotalPartsCount: 3,
      PartNumberMarker: "2",
      NextPartNumberMarker: "3",
      MaxParts: 10,
      IsTruncated: false,
      Parts: [{ PartNumber: 3, Size: PARTS[2].length }],
    });
    const past = await attributes("mp/plain", { ObjectAttributes: ["ObjectParts"], PartNumberMarker: "3" });
    expect(past.ObjectParts?.Parts).toBeUndefined();
    expect(past.ObjectParts?.IsTruncated).toBe(false);
  });

  // The Ozone backend keeps no checksums of multipart objects or their parts.
  describe.skipIf(ON_OZONE)("with checksums", () => {
    it("COMPOSITE SHA256: the checksum of the part checksums (without the -N of HEAD) and each part's SHA256", async () => {
      const done = await multipart(s3, "mp/sha256", "SHA256");
      const composite = createHash("sha256").update(Buffer.concat(PARTS.map((p) => digest("SHA256", p)))).digest("base64");
      expect(done.ChecksumSHA256).toBe(`${composite}-3`);
      const res = await attributes("mp/sha256");
      expect(res.Checksum).toEqual({ ChecksumSHA256: composite, ChecksumType: "COMPOSITE" });
      expect(res.ObjectParts?.Parts).toEqual(PARTS.map((p, i) => ({ PartNumber: i + 1, Size: p.length, ChecksumSHA256: checksumOf("SHA256", p) })));
    });

    it("FULL_OBJECT CRC32: the CRC of the whole object and each part's CRC32", async () => {
      await multipart(s3, "mp/crc32", "CRC32", "FULL_OBJECT");
      const res = await attributes("mp/crc32", { MaxParts: 2 });
      expect(res.Checksum).toEqual({ ChecksumCRC32: checksumOf("CRC32", WHOLE), ChecksumType: "FULL_OBJECT" });
      expect(res.ObjectParts?.Parts).toEqual(PARTS.slice(0, 2).map((p, i) => ({ PartNumber: i + 1, Size: p.length, ChecksumCRC32: checksumOf("CRC32", p) })));
      expect(res.ObjectParts?.IsTruncated).toBe(true);
    });

    it("shows no part checksum of another algorithm than the upload's (the SDK's CRC32 on parts of an upload without one)", async () => {
      // `s3` sends its default CRC32 with each part; the upload itself names no algorithm, so the
      // object has S3's default checksum, made besides the parts' CRC32
      await multipart(s3, "mp/mixed");
      const res = await attributes("mp/mixed");
      expect(res.Checksum).toEqual({ ChecksumCRC64NVME: await crc64nvmeOf(WHOLE), ChecksumType: "FULL_OBJECT" });
      expect(res.ObjectParts?.Parts).toEqual(PARTS.map((p, i) => ({ PartNumber: i + 1, Size: p.length })));
    });
  });
});

describe("GetObjectAttributes errors", () => {
  it("NoSuchBucket and NoSuchKey", async () => {
    await expectS3Error(s3.send(new GetObjectAttributesCommand({ Bucket: bucketName("missing"), Key: "k", ObjectAttributes: ["ETag"] })), "NoSuchBucket", 404);
    await expectS3Error(attributes("no/such/key"), "NoSuchKey", 404);
  });

  it("an attribute name S3 does not know: InvalidArgument with AWS's message, naming the argument", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "named", Body: "n" }));
    const e = await expectS3Error(attributes("named", { ObjectAttributes: ["ETag", "Colour" as ObjectAttributes] }), "InvalidArgument", 400);
    expect(e.message).toBe("Invalid attribute name specified.");
    const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/named`, query: { attributes: null }, headers: { "x-amz-object-attributes": "ETag,etag" } });
    expectErrorXml(res, "InvalidArgument", 400);
    expect(xmlElements(res.text, "ArgumentName")).toEqual(["x-amz-object-attributes"]);
    expect(xmlElements(res.text, "ArgumentValue")).toEqual(["etag"]);
  });

  it("no attribute at all (header missing or empty): InvalidRequest, after the bucket's own errors", async () => {
    await expectS3Error(attributes("named", { ObjectAttributes: [] }), "InvalidRequest", 400);
    for (const headers of [{}, { "x-amz-object-attributes": "" }] as Record<string, string>[]) {
      const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/named`, query: { attributes: null }, headers });
      expectErrorXml(res, "InvalidRequest", 400);
    }
    await expectS3Error(s3.send(new GetObjectAttributesCommand({ Bucket: bucketName("missing"), Key: "k", ObjectAttributes: [] })), "NoSuchBucket", 404);
  });

  it("a negative x-amz-max-parts or a part-number marker that is no number: InvalidArgument", async () => {
    for (const headers of [{ "x-amz-max-parts": "-1" }, { "x-amz-part-number-marker": "two" }] as Record<string, string>[]) {
      const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/named`, query: { attributes: null }, headers: { "x-amz-object-attributes": "ObjectParts", ...headers } });
      expectErrorXml(res, "InvalidArgument", 400);
    }
  });

  it("SSE-C headers over plain HTTP: InvalidRequest, as S3 refuses every SSE-C request without TLS", async () => {
    const e = await expectS3Error(
      attributes("named", { SSECustomerAlgorithm: "AES256", SSECustomerKey: "pO3upElrwuEXSoFwCfnZPdSsmt/xWeFa0N9KgDijwVs=", SSECustomerKeyMD5: "DWygnHRtgiJ77HCm+1rvHw==" }),
      "InvalidRequest",
      400,
    );
    expect(e.message).toBe("Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.");
  });
});

describe("GET and HEAD ?partNumber= with x-amz-checksum-mode: ENABLED", () => {
  async function part(key: string, partNumber: number) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, PartNumber: partNumber, ChecksumMode: "ENABLED" }));
    // the SDK validates the bytes against a checksum it is sent: reading them all proves it matched
    const body = Buffer.from(await got.Body!.transformToByteArray());
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: partNumber, ChecksumMode: "ENABLED" }));
    return { got, body, head };
  }

  it("the one part of an object of a single PUT: the object's checksum", async () => {
    const body = bytes(70_000, 404);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "p/single", Body: body, ChecksumAlgorithm: "SHA1" }));
    const { got, body: read, head } = await part("p/single", 1);
    expect(read.equals(body)).toBe(true);
    for (const r of [got, head]) expect({ sha1: r.ChecksumSHA1, type: r.ChecksumType }).toEqual({ sha1: checksumOf("SHA1", body), type: "FULL_OBJECT" });
  });

  describe.skipIf(ON_OZONE)("parts of multipart objects", () => {
    it.each([
      ["SHA256", "COMPOSITE"],
      ["CRC32", "FULL_OBJECT"],
    ] as const)("%s %s: each part's own checksum, with the object's checksum type", async (algorithm, type) => {
      const key = `p/${algorithm}`;
      await multipart(s3, key, algorithm, type);
      for (const [i, data] of PARTS.entries()) {
        const { got, body, head } = await part(key, i + 1);
        expect(body.equals(data)).toBe(true);
        for (const r of [got, head]) {
          expect({ value: field(r, `Checksum${algorithm}`), type: r.ChecksumType }).toEqual({ value: checksumOf(algorithm, data), type });
        }
      }
      // without checksum mode, no checksum
      const bare = await plain.send(new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: 2 }));
      expect(field(bare, `Checksum${algorithm}`)).toBeUndefined();
    });

    it("no checksum for a part of an object without one", async () => {
      await multipart(s3, "p/none");
      const { head, got } = await part("p/none", 2);
      for (const r of [got, head]) expect([r.ChecksumCRC32, r.ChecksumType]).toEqual([undefined, undefined]);
    });
  });
});
