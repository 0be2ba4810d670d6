/**
 * S3's default checksum for multipart objects ("Checking object integrity": an object uploaded
 * without a checksum gets a CRC64NVME one), through the AWS SDK: the object of an upload created
 * without an algorithm has a FULL_OBJECT CRC64NVME of its bytes, made from the CRC64NVME each part
 * gets besides whatever its client sent (nothing, the SDK's CRC32, a copied part), which the SDK
 * itself verifies on GET; a checksum stated at completion of such an upload is not checked, as S3
 * does not (versitygw's suite: CompleteMultipartUpload_should_ignore_the_final_checksum). And a
 * part sent without a checksum into an upload whose checksum is FULL_OBJECT gets the upload's
 * algorithm computed, where a COMPOSITE upload refuses it (multipart.test.ts).
 *
 * The Ozone backend keeps no part checksums (ListParts and the object show none): skipped there.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, bytes, checksumOf, crc64nvmeOf, streamOf } from "./helpers.js";

let gw: RunningGateway;
/** the SDK at its defaults: a CRC32 with every part, and checksums of GETs verified */
let s3: S3Client;
/** an SDK that sends no checksum where none is required */
let plain: S3Client;
const bucket = bucketName("mp-default-checksum");
const MiB = 1024 * 1024;
const PARTS = [bytes(5 * MiB, 801), bytes(5 * MiB, 802), bytes(77_777, 803)];
const WHOLE = Buffer.concat(PARTS);

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

/** Uploads PARTS through `client` (the second one streamed, aws-chunked) into a new upload. */
async function uploadAll(client: S3Client, key: string, create: Record<string, unknown> = {}) {
  const id = (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...create }))).UploadId!;
  const answers = [];
  for (const [i, data] of PARTS.entries()) {
    const body = i === 1 ? streamOf(data, 4) : data;
    answers.push(await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: i + 1, Body: body, ContentLength: data.length })));
  }
  const parts: CompletedPart[] = answers.map((a, i) => ({ ETag: a.ETag, PartNumber: i + 1 }));
  return { id, answers, parts };
}

describe.skipIf(ON_OZONE)("the default checksum of a multipart object", () => {
  it("an upload without an algorithm, parts without checksums: the object's CRC64NVME (FULL_OBJECT), verified by the SDK on GET", async () => {
    const key = "plain";
    const { id, answers, parts } = await uploadAll(plain, key);
    // the parts show no checksum: the client sent none, the upload names none
    expect(answers.map((a) => a.ChecksumCRC64NVME)).toEqual([undefined, undefined, undefined]);
    const listed = await plain.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id }));
    expect(listed.Parts!.map((p) => p.ChecksumCRC64NVME)).toEqual([undefined, undefined, undefined]);
    expect(listed.ChecksumAlgorithm).toBeUndefined();

    const expected = await crc64nvmeOf(WHOLE);
    const done = await plain.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: parts } }));
    expect([done.ChecksumCRC64NVME, done.ChecksumType]).toEqual([expected, "FULL_OBJECT"]);
    const head = await plain.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect([head.ChecksumCRC64NVME, head.ChecksumType]).toEqual([expected, "FULL_OBJECT"]);
    const entry = (await plain.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }))).Contents![0];
    expect([entry.ChecksumAlgorithm, entry.ChecksumType]).toEqual([["CRC64NVME"], "FULL_OBJECT"]);
    // the SDK at its defaults checks a FULL_OBJECT checksum of what it reads: a wrong one fails the read
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect(got.ChecksumCRC64NVME).toBe(expected);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(WHOLE)).toBe(true);
  });

  it("an upload without an algorithm, parts with the SDK's CRC32: the parts keep theirs, the object gets CRC64NVME, and a stated checksum is not checked", async () => {
    const key = "crc32-parts";
    const { answers, parts, id } = await uploadAll(s3, key);
    expect(answers.map((a) => a.ChecksumCRC32)).toEqual(PARTS.map((p) => checksumOf("CRC32", p)));
    expect(answers.map((a) => a.ChecksumCRC64NVME)).toEqual([undefined, undefined, undefined]);
    // a wrong value: S3 does not check it for an upload created without an algorithm
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, ChecksumCRC64NVME: "vqf3hRLTlJw=", MultipartUpload: { Parts: parts } }),
    );
    const expected = await crc64nvmeOf(WHOLE);
    expect([done.ChecksumCRC64NVME, done.ChecksumCRC32, done.ChecksumType]).toEqual([expected, undefined, "FULL_OBJECT"]);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(WHOLE)).toBe(true);
  });

  it("a part copied into an upload without an algorithm: no checksum shown, the object's CRC64NVME made from it too", async () => {
    await plain.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: WHOLE }));
    const key = "copied";
    const id = (await plain.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))).UploadId!;
    const first = await plain.send(
      new UploadPartCopyCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: 1, CopySource: `${bucket}/src`, CopySourceRange: `bytes=0-${5 * MiB - 1}` }),
    );
    expect(first.CopyPartResult?.ChecksumCRC64NVME).toBeUndefined();
    const tail = Buffer.from("and a tail");
    const second = await plain.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: 2, Body: tail }));
    const done = await plain.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: id,
        MultipartUpload: { Parts: [{ ETag: first.CopyPartResult!.ETag, PartNumber: 1 }, { ETag: second.ETag, PartNumber: 2 }] },
      }),
    );
    expect(done.ChecksumCRC64NVME).toBe(await crc64nvmeOf(Buffer.concat([WHOLE.subarray(0, 5 * MiB), tail])));
  });

  it("an upload whose checksum is FULL_OBJECT takes parts sent without one and computes the upload's algorithm for them", async () => {
    const key = "full-crc32c";
    const created = await plain.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: "CRC32C", ChecksumType: "FULL_OBJECT" }));
    expect(created.ChecksumType).toBe("FULL_OBJECT");
    const id = created.UploadId!;
    const answers = [];
    for (const [i, data] of PARTS.entries()) {
      // the first part with its checksum, the others without
      const extra = i === 0 ? { ChecksumCRC32C: checksumOf("CRC32C", data) } : {};
      answers.push(await plain.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: i + 1, Body: data, ...extra })));
    }
    expect(answers.map((a) => a.ChecksumCRC32C)).toEqual(PARTS.map((p) => checksumOf("CRC32C", p)));
    const listed = await plain.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id }));
    expect(listed.Parts!.map((p) => p.ChecksumCRC32C)).toEqual(PARTS.map((p) => checksumOf("CRC32C", p)));
    const done = await plain.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: id,
        ChecksumType: "FULL_OBJECT",
        ChecksumCRC32C: checksumOf("CRC32C", WHOLE),
        MultipartUpload: { Parts: answers.map((a, i) => ({ ETag: a.ETag, PartNumber: i + 1 })) },
      }),
    );
    expect([done.ChecksumCRC32C, done.ChecksumType]).toEqual([checksumOf("CRC32C", WHOLE), "FULL_OBJECT"]);
  });
});
