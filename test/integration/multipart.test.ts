/**
 * Multipart uploads with the real AWS SDK: CreateMultipartUpload, UploadPart (in-memory and
 * aws-chunked parts), ListParts, ListMultipartUploads, CompleteMultipartUpload (the ETag computed
 * here, independently), AbortMultipartUpload, and reading the result whole, by range and by part.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type ListMultipartUploadsCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { ON_OZONE } from "../support/ozone.js";
import {
  bucketName,
  bytes,
  checksumOf,
  digest,
  expectErrorXml,
  expectS3Error,
  md5Base64,
  md5Hex,
  multipartEtag,
  rawRequest,
  streamOf,
  xmlElements,
  type Algorithm,
} from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
let bucket: string;

const MiB = 1024 * 1024;
/** Two 5 MiB parts and a short last one, made once for the whole file. */
const PART1 = bytes(5 * MiB, 101);
const PART2 = bytes(5 * MiB, 102);
const LAST = bytes(123_457, 103);

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  bucket = bucketName("multipart");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

async function create(key: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...extra }));
  expect(res.Bucket).toBe(bucket);
  expect(res.Key).toBe(key);
  expect(res.UploadId).toMatch(/\S/);
  return res.UploadId!;
}

async function upload(key: string, uploadId: string, partNumber: number, data: Buffer, streamed = false, extra: Record<string, unknown> = {}) {
  return s3.send(
    new UploadPartCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      Body: streamed ? streamOf(data, 5) : data,
      ContentLength: data.length,
      ...extra,
    }),
  );
}

async function read(key: string, extra: Record<string, unknown> = {}) {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return { res, body: Buffer.from(await res.Body!.transformToByteArray()) };
}

describe("a complete upload", () => {
  const key = "mp/complete object";
  let uploadId: string;
  let etags: string[];

  beforeAll(async () => {
    uploadId = await create(key, {
      ContentType: "video/x-test",
      CacheControl: "no-cache",
      ContentDisposition: "inline",
      ContentLanguage: "nl",
      Expires: new Date(Date.UTC(2040, 1, 2)),
      Metadata: { origin: "multipart", Upper: "Case" },
    });
    // one part in memory (checksum in a header), two streamed aws-chunked with a CRC32 trailer
    const r1 = await upload(key, uploadId, 1, PART1);
    const r2 = await upload(key, uploadId, 2, PART2, true);
    const r3 = await upload(key, uploadId, 3, LAST, true);
    etags = [r1.ETag!, r2.ETag!, r3.ETag!];
  });

  it("answers each part's MD5 as its ETag", () => {
    expect(etags).toEqual([PART1, PART2, LAST].map((p) => `"${md5Hex(p)}"`));
  });

  it("lists the parts with their sizes and ETags, paging with max-parts and part-number-marker", async () => {
    const all = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    expect(all.Bucket).toBe(bucket);
    expect(all.Key).toBe(key);
    expect(all.UploadId).toBe(uploadId);
    expect(all.IsTruncated).toBe(false);
    expect(all.Parts!.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, PART1.length, etags[0]],
      [2, PART2.length, etags[1]],
      [3, LAST.length, etags[2]],
    ]);
    for (const p of all.Parts!) expect(p.LastModified).toBeInstanceOf(Date);
    expect(all.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(all.Initiator?.ID).toBe(all.Owner?.ID);
    expect(all.StorageClass).toBe("STANDARD");

    const page1 = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MaxParts: 2 }));
    expect(page1.Parts!.map((p) => p.PartNumber)).toEqual([1, 2]);
    expect(page1.IsTruncated).toBe(true);
    expect(page1.NextPartNumberMarker).toBe("2");
    expect(page1.MaxParts).toBe(2);
    const page2 = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MaxParts: 2, PartNumberMarker: page1.NextPartNumberMarker }));
    expect(page2.Parts!.map((p) => p.PartNumber)).toEqual([3]);
    expect(page2.IsTruncated).toBe(false);
    expect(page2.PartNumberMarker).toBe("2");
  });

  it("lists the upload among those in progress", async () => {
    const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "mp/complete" }));
    expect(res.Uploads!.map((u) => [u.Key, u.UploadId])).toEqual([[key, uploadId]]);
    expect(res.Uploads![0].Initiated).toBeInstanceOf(Date);
    expect(res.Uploads![0].Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
  });

  it("completes into one object whose ETag is the MD5 of the parts' MD5s, -N", async () => {
    const res = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(res.ETag).toBe(multipartEtag([PART1, PART2, LAST]));
    expect(res.Bucket).toBe(bucket);
    expect(res.Key).toBe(key);
    // the object's URL, absolute as S3's (apps keep it as the object's address: lib-storage's Upload gives it)
    expect(res.Location).toBe(`${gw.endpoint}/${bucket}/mp/complete%20object`);

    const { res: got, body } = await read(key);
    expect(body.equals(Buffer.concat([PART1, PART2, LAST]))).toBe(true);
    expect(got.ETag).toBe(res.ETag);
    expect(got.ContentLength).toBe(PART1.length + PART2.length + LAST.length);
    // the metadata given when the upload was created is the object's
    expect(got.ContentType).toBe("video/x-test");
    expect(got.CacheControl).toBe("no-cache");
    expect(got.ContentDisposition).toBe("inline");
    expect(got.ContentLanguage).toBe("nl");
    expect(got.ExpiresString).toBe(new Date(Date.UTC(2040, 1, 2)).toUTCString());
    expect(got.Metadata).toEqual({ origin: "multipart", upper: "Case" });
  });

  it("is gone from the uploads in progress, and its id answers NoSuchUpload", async () => {
    const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "mp/complete" }));
    expect(res.Uploads ?? []).toEqual([]);
    await expectS3Error(s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId })), "NoSuchUpload", 404);
    await expectS3Error(upload(key, uploadId, 4, Buffer.from("late")), "NoSuchUpload", 404);
  });

  it("serves each part with partNumber (206, Content-Range, x-amz-mp-parts-count)", async () => {
    const offsets = [0, PART1.length, PART1.length + PART2.length];
    const total = offsets[2] + LAST.length;
    for (const [i, part] of [PART1, PART2, LAST].entries()) {
      const { res, body } = await read(key, { PartNumber: i + 1 });
      expect(res.$metadata.httpStatusCode).toBe(206);
      expect(body.equals(part)).toBe(true);
      expect(res.PartsCount).toBe(3);
      expect(res.ContentLength).toBe(part.length);
      expect(res.ContentRange).toBe(`bytes ${offsets[i]}-${offsets[i] + part.length - 1}/${total}`);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: i + 1 }));
      expect(head.PartsCount).toBe(3);
      expect(head.ContentLength).toBe(part.length);
    }
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, PartNumber: 4 })), "InvalidPartNumber", 416);
    // the whole object: no parts count
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).PartsCount).toBeUndefined();
  });

  it("serves byte ranges across part boundaries", async () => {
    const whole = Buffer.concat([PART1, PART2, LAST]);
    const start = PART1.length - 10;
    const end = PART1.length + PART2.length + 9;
    const { res, body } = await read(key, { Range: `bytes=${start}-${end}` });
    expect(res.$metadata.httpStatusCode).toBe(206);
    expect(body.equals(whole.subarray(start, end + 1))).toBe(true);
  });
});

describe("completing", () => {
  it("uses only the parts listed, and the last upload of a part number", async () => {
    const key = "mp/choose";
    const id = await create(key);
    await upload(key, id, 1, bytes(5 * MiB, 7));
    const p1 = await upload(key, id, 1, PART1);
    await upload(key, id, 2, Buffer.from("not listed"));
    const p5 = await upload(key, id, 5, LAST);
    const res = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [{ ETag: p1.ETag, PartNumber: 1 }, { ETag: p5.ETag, PartNumber: 5 }] } }),
    );
    expect(res.ETag).toBe(multipartEtag([PART1, LAST], [PART1, Buffer.from("not listed"), LAST]));
    expect((await read(key)).body.equals(Buffer.concat([PART1, LAST]))).toBe(true);
  });

  it("accepts a single small part (the last part has no minimum)", async () => {
    const key = "mp/single";
    const id = await create(key);
    const data = Buffer.from("tiny");
    const p = await upload(key, id, 1, data);
    const res = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [{ ETag: p.ETag, PartNumber: 1 }] } }));
    expect(res.ETag).toBe(multipartEtag([data]));
    expect((await read(key)).body.toString()).toBe("tiny");
  });

  it("checks x-amz-mp-object-size: another size than the parts make is 400 InvalidRequest, nothing completed; the right one completes", async () => {
    const key = "mp/sized";
    const id = await create(key);
    const p1 = await upload(key, id, 1, PART1);
    const p2 = await upload(key, id, 2, LAST);
    const parts = [{ ETag: p1.ETag, PartNumber: 1 }, { ETag: p2.ETag, PartNumber: 2 }];
    const size = PART1.length + LAST.length;
    const complete = (MpuObjectSize: number) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MpuObjectSize, MultipartUpload: { Parts: parts } }));
    for (const wrong of [size - 1, size + 1, 0]) {
      const e = await expectS3Error(complete(wrong), "InvalidRequest", 400);
      expect(e.message).toBe(`The provided 'x-amz-mp-object-size' header value ${wrong} does not match what was computed: ${size}`);
    }
    const negative = await expectS3Error(complete(-1), "InvalidRequest", 400);
    expect(negative.message).toBe("Value for x-amz-mp-object-size header is less than zero: '-1'");
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), "NotFound", 404);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MpuObjectSize: size, MultipartUpload: { Parts: parts } }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength).toBe(size);
  });

  it("replaces an existing object of the key", async () => {
    const key = "mp/replace";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "old", Metadata: { old: "yes" } }));
    const id = await create(key);
    const p = await upload(key, id, 1, Buffer.from("new"));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [{ ETag: p.ETag, PartNumber: 1 }] } }));
    const { body, res } = await read(key);
    expect(body.toString()).toBe("new");
    expect(res.Metadata).toEqual({});
  });

  it("refuses a part below 5 MiB that is not the last (EntityTooSmall), leaving the upload usable", async () => {
    const key = "mp/small";
    const id = await create(key);
    const p1 = await upload(key, id, 1, Buffer.from("too small"));
    const p2 = await upload(key, id, 2, LAST);
    const parts: CompletedPart[] = [{ ETag: p1.ETag, PartNumber: 1 }, { ETag: p2.ETag, PartNumber: 2 }];
    await expectS3Error(s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: parts } })), "EntityTooSmall", 400);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), "NotFound", 404);
    const big = await upload(key, id, 1, PART1);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [{ ETag: big.ETag, PartNumber: 1 }, parts[1]] } }));
    expect((await read(key)).body.equals(Buffer.concat([PART1, LAST]))).toBe(true);
  });

  it("refuses an unknown part or a wrong ETag (InvalidPart), parts out of order (InvalidPartOrder), no parts (MalformedXML)", async () => {
    const key = "mp/invalid";
    const id = await create(key);
    const p1 = await upload(key, id, 1, PART1);
    const p2 = await upload(key, id, 2, LAST);
    const complete = (Parts: CompletedPart[]) => s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts } }));
    await expectS3Error(complete([{ ETag: p1.ETag, PartNumber: 1 }, { ETag: p2.ETag, PartNumber: 3 }]), "InvalidPart", 400);
    await expectS3Error(complete([{ ETag: p1.ETag, PartNumber: 1 }, { ETag: `"${md5Hex(Buffer.from("x"))}"`, PartNumber: 2 }]), "InvalidPart", 400);
    await expectS3Error(complete([{ ETag: p2.ETag, PartNumber: 2 }, { ETag: p1.ETag, PartNumber: 1 }]), "InvalidPartOrder", 400);
    await expectS3Error(complete([]), "MalformedXML", 400);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), "NotFound", 404);
    // ETags are accepted without quotes as well
    await complete([{ ETag: p1.ETag!.replace(/"/g, ""), PartNumber: 1 }, { ETag: p2.ETag, PartNumber: 2 }]);
    expect((await read(key)).body.equals(Buffer.concat([PART1, LAST]))).toBe(true);
  });

  it("answers NoSuchUpload for an unknown upload id, or an upload of another key", async () => {
    const parts = { Parts: [{ ETag: `"${md5Hex(Buffer.from("x"))}"`, PartNumber: 1 }] };
    const err = await expectS3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mp/none", UploadId: "no-such-upload-id", MultipartUpload: parts })),
      "NoSuchUpload",
      404,
    );
    expect((err as unknown as { UploadId?: string }).UploadId).toBe("no-such-upload-id");
    const id = await create("mp/owner-key");
    await expectS3Error(upload("mp/other-key", id, 1, Buffer.from("x")), "NoSuchUpload", 404);
    await expectS3Error(s3.send(new ListPartsCommand({ Bucket: bucket, Key: "mp/other-key", UploadId: id })), "NoSuchUpload", 404);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "mp/owner-key", UploadId: id }));
  });

  it("answers a malformed Complete document with MalformedXML as S3 XML", async () => {
    const id = await create("mp/raw");
    const res = await rawRequest(gw, { method: "POST", path: `/${bucket}/mp/raw`, query: { uploadId: id }, body: "<CompleteMultipartUpload><Part>" });
    expectErrorXml(res, "MalformedXML", 400);
    const good = await upload("mp/raw", id, 1, Buffer.from("raw"));
    const xml = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>1</PartNumber><ETag>${good.ETag}</ETag></Part></CompleteMultipartUpload>`;
    const ok = await rawRequest(gw, { method: "POST", path: `/${bucket}/mp/raw`, query: { uploadId: id }, body: xml });
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/<CompleteMultipartUploadResult xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/">/);
    expect(xmlElements(ok.text, "ETag")).toEqual([multipartEtag([Buffer.from("raw")])]);
  });
});

describe("uploading parts", () => {
  it("refuses part numbers outside 1..10000 (InvalidArgument, S3's message naming the argument)", async () => {
    const id = await create("mp/numbers");
    for (const n of [0, 10001]) {
      const e = await expectS3Error(upload("mp/numbers", id, n, Buffer.from("x")), "InvalidArgument", 400);
      expect(e.message).toBe("Part number must be an integer between 1 and 10000, inclusive.");
    }
    const raw = await rawRequest(gw, { method: "PUT", path: `/${bucket}/mp/numbers`, query: { partNumber: "one", uploadId: id }, body: "x" });
    expectErrorXml(raw, "InvalidArgument", 400);
    expect([xmlElements(raw.text, "ArgumentName"), xmlElements(raw.text, "ArgumentValue")]).toEqual([["partNumber"], ["one"]]);
    expect(xmlElements(raw.text, "Message")).toEqual(["Part number must be an integer between 1 and 10000, inclusive."]);
    await upload("mp/numbers", id, 10000, Buffer.from("x"));
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: "mp/numbers", UploadId: id }));
    expect(parts.Parts!.map((p) => p.PartNumber)).toEqual([10000]);
  });

  it("refuses a part whose Content-MD5 or checksum does not match (BadDigest), storing nothing", async () => {
    const key = "mp/digest";
    const id = await create(key);
    const data = Buffer.from("part body");
    await expectS3Error(upload(key, id, 1, data, false, { ContentMD5: md5Base64(Buffer.from("other")) }), "BadDigest", 400);
    await expectS3Error(upload(key, id, 2, data, false, { ChecksumAlgorithm: "SHA256", ChecksumSHA256: checksumOf("SHA256", Buffer.from("other")) }), "BadDigest", 400);
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id }));
    expect(parts.Parts ?? []).toEqual([]);
    const ok = await upload(key, id, 1, data, false, { ContentMD5: md5Base64(data) });
    expect(ok.ETag).toBe(`"${md5Hex(data)}"`);
  });

  it("answers NoSuchUpload for an unknown upload and NoSuchBucket for a missing bucket", async () => {
    await expectS3Error(upload("mp/x", "no-such-upload", 1, Buffer.from("x")), "NoSuchUpload", 404);
    await expectS3Error(
      s3.send(new UploadPartCommand({ Bucket: bucketName("missing"), Key: "k", UploadId: "u", PartNumber: 1, Body: "x" })),
      "NoSuchBucket",
      404,
    );
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: bucketName("missing"), Key: "k" })), "NoSuchBucket", 404);
  });

  it("refuses metadata over 2 KB when the upload is created (MetadataTooLarge)", async () => {
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp/meta", Metadata: { k: "v".repeat(2048) } })), "MetadataTooLarge", 400);
    const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "mp/meta" }));
    expect(res.Uploads ?? []).toEqual([]);
  });
});

describe("checksums of multipart objects", () => {
  const algorithms: Algorithm[] = ["CRC32", "CRC32C", "SHA1", "SHA256"];

  // The Ozone backend keeps no multipart checksums (an upload takes an algorithm, the object gets no checksum).
  it.skipIf(ON_OZONE).each(algorithms)("verifies each part's %s and gives the object the composite checksum", async (algorithm) => {
    const key = `mp/ck-${algorithm}`;
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: algorithm }));
    expect(created.ChecksumAlgorithm).toBe(algorithm);
    const id = created.UploadId!;
    const parts = [PART1, LAST];
    const done: CompletedPart[] = [];
    for (const [i, data] of parts.entries()) {
      const res = await upload(key, id, i + 1, data, i === 1, { ChecksumAlgorithm: algorithm });
      expect(res[`Checksum${algorithm}`]).toBe(checksumOf(algorithm, data));
      done.push({ ETag: res.ETag, PartNumber: i + 1, [`Checksum${algorithm}`]: res[`Checksum${algorithm}`] });
    }
    const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id }));
    expect(listed.ChecksumAlgorithm).toBe(algorithm);
    expect(listed.Parts!.map((p) => p[`Checksum${algorithm}`])).toEqual(parts.map((p) => checksumOf(algorithm, p)));

    // "checksum of checksums": the algorithm over the concatenated binary part digests, "-N"
    const composite = `${digest(algorithm, Buffer.concat(parts.map((p) => digest(algorithm, p)))).toString("base64")}-${parts.length}`;
    const res = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: done } }));
    expect(res[`Checksum${algorithm}`]).toBe(composite);
    expect(res.ChecksumType).toBe("COMPOSITE");
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect(head[`Checksum${algorithm}`]).toBe(composite);
    expect(head.ChecksumType).toBe("COMPOSITE");
    // listed with its algorithm and type
    const entry = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }))).Contents![0];
    expect([entry.ChecksumAlgorithm, entry.ChecksumType]).toEqual([[algorithm], "COMPOSITE"]);
    const version = (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }))).Versions![0];
    expect([version.ChecksumAlgorithm, version.ChecksumType]).toEqual([[algorithm], "COMPOSITE"]);
    expect((await read(key, { ChecksumMode: "ENABLED" })).body.equals(Buffer.concat(parts))).toBe(true);
  });

  it.skipIf(ON_OZONE)("refuses a part whose checksum algorithm is not the upload's, as S3 does (InvalidRequest)", async () => {
    const key = "mp/ck-mismatch";
    const id = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: "SHA256" }))).UploadId!;
    const data = Buffer.from("mismatched part");
    // the SDK's default CRC32, in a header and in a trailer, and another explicit algorithm
    const e1 = await expectS3Error(upload(key, id, 1, data), "InvalidRequest", 400);
    expect(e1.message).toBe("Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32");
    await expectS3Error(upload(key, id, 1, data, true), "InvalidRequest", 400);
    await expectS3Error(upload(key, id, 1, data, false, { ChecksumAlgorithm: "CRC32C" }), "InvalidRequest", 400);
    // no checksum at all (a raw request): "null"
    const raw = await rawRequest(gw, { method: "PUT", path: `/${bucket}/${key}`, query: { partNumber: "1", uploadId: id }, body: data });
    expectErrorXml(raw, "InvalidRequest", 400);
    expect(xmlElements(raw.text, "Message")).toEqual(["Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: null"]);
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id }));
    expect(parts.Parts ?? []).toEqual([]);
    const ok = await upload(key, id, 1, data, true, { ChecksumAlgorithm: "SHA256" });
    expect(ok.ChecksumSHA256).toBe(checksumOf("SHA256", data));
  });

  it.skipIf(ON_OZONE)("needs every part's checksum in the Complete request (InvalidRequest), and the right one (InvalidPart)", async () => {
    const key = "mp/ck-complete";
    const id = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: "CRC32C" }))).UploadId!;
    const p1 = await upload(key, id, 1, PART1, false, { ChecksumAlgorithm: "CRC32C" });
    const p2 = await upload(key, id, 2, LAST, false, { ChecksumAlgorithm: "CRC32C" });
    const complete = (Parts: CompletedPart[]) => s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts } }));
    const missing = await expectS3Error(complete([{ ETag: p1.ETag, PartNumber: 1, ChecksumCRC32C: p1.ChecksumCRC32C }, { ETag: p2.ETag, PartNumber: 2 }]), "InvalidRequest", 400);
    expect(missing.message).toBe("The upload was created using a crc32c checksum. The complete request must include the checksum for each part. It was missing for part 2 in the request.");
    await expectS3Error(
      complete([{ ETag: p1.ETag, PartNumber: 1, ChecksumCRC32C: p2.ChecksumCRC32C }, { ETag: p2.ETag, PartNumber: 2, ChecksumCRC32C: p2.ChecksumCRC32C }]),
      "InvalidPart",
      400,
    );
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), "NotFound", 404);
    const res = await complete([{ ETag: p1.ETag, PartNumber: 1, ChecksumCRC32C: p1.ChecksumCRC32C }, { ETag: p2.ETag, PartNumber: 2, ChecksumCRC32C: p2.ChecksumCRC32C }]);
    expect(res.ChecksumCRC32C).toMatch(/-2$/);
  });

  it("refuses an object checksum of no valid form (InvalidRequest) and a part number below 1 (InvalidArgument), before the parts are looked at", async () => {
    const key = "mp/ck-final-form";
    const id = await create(key);
    const p = await upload(key, id, 1, LAST);
    const complete = (extra: Record<string, unknown>, Parts: CompletedPart[] = [{ ETag: p.ETag, PartNumber: 1 }]) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts }, ...extra }));
    for (const [member, value, header] of [
      ["ChecksumCRC32", "invalid_crc32", "x-amz-checksum-crc32"],
      ["ChecksumSHA256", "x==-smth", "x-amz-checksum-sha256"],
      ["ChecksumCRC64NVME", checksumOf("CRC32", LAST), "x-amz-checksum-crc64nvme"],
    ]) {
      const e = await expectS3Error(complete({ [member]: value }), "InvalidRequest", 400);
      expect(e.message).toBe(`Value for ${header} header is invalid.`);
    }
    const e = await expectS3Error(complete({}, [{ ETag: p.ETag, PartNumber: -4 }]), "InvalidArgument", 400);
    expect(e.message).toBe("PartNumber must be >= 1");
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), "NotFound", 404);
    // the upload is intact
    expect((await complete({})).ETag).toBe(multipartEtag([LAST]));
  });

  it.skipIf(ON_OZONE)("answers a listed part checksum of another algorithm than the upload's with BadDigest, naming the part", async () => {
    const key = "mp/ck-other-algorithm";
    const id = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: "CRC32C" }))).UploadId!;
    const p = await upload(key, id, 1, LAST, false, { ChecksumAlgorithm: "CRC32C" });
    const e = await expectS3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: id,
          MultipartUpload: { Parts: [{ ETag: p.ETag, PartNumber: 1, ChecksumSHA256: checksumOf("SHA256", LAST) }] },
        }),
      ),
      "BadDigest",
      400,
    );
    expect(e.message).toBe("The sha256 you specified for part 1 did not match what we received.");
  });

  it("refuses a listed part with a checksum that is not base64 of its digest, or with two (InvalidArgument), before anything else", async () => {
    const key = "mp/ck-form";
    const id = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))).UploadId!;
    const p1 = await upload(key, id, 1, LAST, false);
    const complete = (part: CompletedPart) => s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [part] } }));
    const crc = checksumOf("CRC32", LAST);
    const sha1 = checksumOf("SHA1", LAST);
    for (const [part, value] of [
      [{ ETag: p1.ETag, PartNumber: 1, ChecksumCRC32: "invalid_checksum" }, "invalid_checksum"],
      [{ ETag: p1.ETag, PartNumber: 1, ChecksumCRC32: sha1 }, sha1],
      [{ ETag: p1.ETag, PartNumber: 1, ChecksumCRC32: crc, ChecksumSHA1: sha1 }, `CRC32:${crc};SHA1:${sha1};`],
    ] as const) {
      const err = await expectS3Error(complete(part), "InvalidArgument", 400);
      expect(err.message).toBe("Invalid Base64 or multiple checksums present in request");
      expect([(err as unknown as Record<string, unknown>).ArgumentName, (err as unknown as Record<string, unknown>).ArgumentValue]).toEqual(["Checksum", value]);
    }
    // the upload is untouched: the right list completes it
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [{ ETag: p1.ETag, PartNumber: 1 }] } }));
  });

  it.skipIf(ON_OZONE)("checks x-amz-checksum-type against the algorithm", async () => {
    const ok = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp/ck-type", ChecksumAlgorithm: "CRC32", ChecksumType: "COMPOSITE" }));
    expect(ok.ChecksumType).toBe("COMPOSITE");
    await expectS3Error(
      s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp/ck-type", ChecksumAlgorithm: "SHA256", ChecksumType: "FULL_OBJECT" })),
      "InvalidRequest",
      400,
    );
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp/ck-type", ChecksumType: "COMPOSITE" })), "InvalidRequest", 400);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "mp/ck-type" }));
    expect(uploads.Uploads!.map((u) => [u.UploadId, u.ChecksumAlgorithm, u.ChecksumType])).toEqual([[ok.UploadId, "CRC32", "COMPOSITE"]]);
    // the completion's x-amz-checksum-type, when given, must be the upload's
    const part = await upload("mp/ck-type", ok.UploadId!, 1, LAST, false, { ChecksumAlgorithm: "CRC32" });
    const parts = [{ ETag: part.ETag, PartNumber: 1, ChecksumCRC32: part.ChecksumCRC32 }];
    const complete = (ChecksumType: "COMPOSITE" | "FULL_OBJECT") =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mp/ck-type", UploadId: ok.UploadId, ChecksumType, MultipartUpload: { Parts: parts } }));
    const mismatch = await expectS3Error(complete("FULL_OBJECT"), "InvalidRequest", 400);
    expect(mismatch.message).toBe("The upload was created using the COMPOSITE checksum mode. The complete request must use the same checksum mode.");
    expect((await complete("COMPOSITE")).ChecksumType).toBe("COMPOSITE");
  });

  it("accepts the SDK's default part checksums (CRC32) for an upload created without an algorithm", async () => {
    const key = "mp/ck-default";
    const id = await create(key);
    const p = await upload(key, id, 1, LAST, true);
    expect(p.ChecksumCRC32).toBe(checksumOf("CRC32", LAST));
    // the checksums may be listed in Complete, and are checked (not on Ozone: it keeps no part checksums to check them against)
    if (!ON_OZONE) {
      await expectS3Error(
        s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [{ ETag: p.ETag, PartNumber: 1, ChecksumCRC32: checksumOf("CRC32", PART1) }] } })),
        "InvalidPart",
        400,
      );
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [{ ETag: p.ETag, PartNumber: 1, ChecksumCRC32: p.ChecksumCRC32 }] } }));
    expect((await read(key)).body.equals(LAST)).toBe(true);
  });

  it.skipIf(ON_OZONE)("gives each copied part the upload's checksum algorithm (UploadPartCopy)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mp/ck-src", Body: LAST }));
    const id = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp/ck-copy", ChecksumAlgorithm: "SHA256" }))).UploadId!;
    const { UploadPartCopyCommand } = await import("@aws-sdk/client-s3");
    const part = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: "mp/ck-copy", UploadId: id, PartNumber: 1, CopySource: `${bucket}/mp/ck-src`, CopySourceRange: "bytes=0-999" }));
    expect(part.CopyPartResult?.ChecksumSHA256).toBe(checksumOf("SHA256", LAST.subarray(0, 1000)));
    const res = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "mp/ck-copy",
        UploadId: id,
        MultipartUpload: { Parts: [{ ETag: part.CopyPartResult!.ETag, PartNumber: 1, ChecksumSHA256: part.CopyPartResult!.ChecksumSHA256 }] },
      }),
    );
    expect(res.ChecksumSHA256).toBe(`${digest("SHA256", digest("SHA256", LAST.subarray(0, 1000))).toString("base64")}-1`);
  });

  it("gives a part copied whole into an upload without an algorithm no checksum, whatever the source's (S3's CopyPartResult)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mp/ck-src-sha1", Body: LAST, ChecksumAlgorithm: "SHA1" }));
    const id = await create("mp/ck-copy-none");
    const { UploadPartCopyCommand } = await import("@aws-sdk/client-s3");
    const part = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: "mp/ck-copy-none", UploadId: id, PartNumber: 1, CopySource: `${bucket}/mp/ck-src-sha1` }));
    expect(part.CopyPartResult?.ChecksumSHA1).toBeUndefined();
    expect(part.CopyPartResult?.ETag).toBe(`"${md5Hex(LAST)}"`);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mp/ck-copy-none", UploadId: id, MultipartUpload: { Parts: [{ ETag: part.CopyPartResult!.ETag, PartNumber: 1 }] } }));
    expect((await read("mp/ck-copy-none")).body.equals(LAST)).toBe(true);
  });
});

describe("AbortMultipartUpload", () => {
  it("aborts (204): the upload and its parts are gone, and no object appears", async () => {
    const key = "mp/abort";
    const id = await create(key);
    await upload(key, id, 1, Buffer.from("discarded"));
    const res = await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id }));
    expect(res.$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id })), "NoSuchUpload", 404);
    await expectS3Error(upload(key, id, 2, Buffer.from("late")), "NoSuchUpload", 404);
    await expectS3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [{ ETag: `"${md5Hex(Buffer.from("discarded"))}"`, PartNumber: 1 }] } })),
      "NoSuchUpload",
      404,
    );
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), "NotFound", 404);
  });

  it("answers NoSuchUpload for an unknown or already aborted upload", async () => {
    await expectS3Error(s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "mp/x", UploadId: "no-such-upload" })), "NoSuchUpload", 404);
    const id = await create("mp/twice");
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "mp/twice", UploadId: id }));
    await expectS3Error(s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "mp/twice", UploadId: id })), "NoSuchUpload", 404);
  });
});

describe("ListMultipartUploads", () => {
  const prefix = "lmu/";
  const keys = ["lmu/a", "lmu/a", "lmu/b/1", "lmu/b/2", "lmu/c d", "lmu/ü"];
  const ids: string[] = [];

  beforeAll(async () => {
    for (const key of keys) ids.push(await create(key));
  });

  it("lists uploads in key order, several uploads of one key each", async () => {
    const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    expect(res.Bucket).toBe(bucket);
    expect(res.IsTruncated).toBe(false);
    expect(res.Uploads!.map((u) => u.Key)).toEqual(keys);
    expect(new Set(res.Uploads!.map((u) => u.UploadId))).toEqual(new Set(ids));
    for (const u of res.Uploads!) {
      expect(u.StorageClass).toBe("STANDARD");
      expect(u.Initiator?.ID).toBe(u.Owner?.ID);
    }
  });

  it("groups by delimiter", async () => {
    const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, Delimiter: "/" }));
    expect(res.Uploads!.map((u) => u.Key)).toEqual(["lmu/a", "lmu/a", "lmu/c d", "lmu/ü"]);
    expect(res.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["lmu/b/"]);
  });

  it("pages with max-uploads, key-marker and upload-id-marker", async () => {
    const seen: [string, string][] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (let i = 0; i < 20; i++) {
      const res: ListMultipartUploadsCommandOutput = await s3.send(
        new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, MaxUploads: 2, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      expect(res.MaxUploads).toBe(2);
      expect((res.Uploads ?? []).length).toBeLessThanOrEqual(2);
      seen.push(...(res.Uploads ?? []).map((u): [string, string] => [u.Key!, u.UploadId!]));
      if (!res.IsTruncated) break;
      keyMarker = res.NextKeyMarker;
      uploadIdMarker = res.NextUploadIdMarker;
    }
    expect(seen.map((s) => s[0])).toEqual(keys);
    expect(new Set(seen.map((s) => s[1]))).toEqual(new Set(ids));
  });

  it("percent-encodes keys with encoding-type=url", async () => {
    const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "lmu/c", EncodingType: "url" }));
    expect(res.Uploads!.map((u) => decodeURIComponent(u.Key!.replace(/\+/g, " ")))).toEqual(["lmu/c d"]);
    expect(res.Uploads![0].Key).not.toContain(" ");
  });

  it("answers NoSuchBucket for a missing bucket", async () => {
    await expectS3Error(s3.send(new ListMultipartUploadsCommand({ Bucket: bucketName("missing") })), "NoSuchBucket", 404);
  });
});
