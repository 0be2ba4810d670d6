/**
 * The storage contract of multipart uploads (part of defineStorageContract, contract.ts): creating,
 * uploading, listing, completing (the ETag, the checksums, retried completions) and aborting
 * uploads, on both engines.
 */
import { createHash, randomBytes } from "node:crypto";

import { describe, expect, it } from "vitest";

import type { Checksum, ChecksumAlgorithm, CompleteMultipartParams, GetObjectParams, ListUploadsResult, ObjectInfo, PartInfo, PutObjectParams, StorageClient, UploadInfo } from "../../runtime/storage/types.js";
import { bodyFromBuffer } from "./body.js";
import { crcBase64, expectStorageError, md5Hex, OWNER } from "./contract-helpers.js";
import { crc64nvmeOf } from "../integration/helpers.js";

type ChecksumType = Checksum["type"];

export interface MultipartContractContext {
  store(): StorageClient;
  newBucket(): Promise<string>;
  put(bucket: string, key: string, data: Buffer, extra?: Partial<PutObjectParams>): Promise<ObjectInfo>;
  getBytes(params: GetObjectParams): Promise<{ result: Awaited<ReturnType<StorageClient["getObject"]>>; bytes: Buffer }>;
  content(bucket: string, key: string): Promise<Buffer>;
  createUpload(bucket: string, key: string, extra?: Record<string, unknown>): Promise<UploadInfo>;
  uploadParts(bucket: string, key: string, uploadId: string, parts: Buffer[]): Promise<PartInfo[]>;
  uploadCrcParts(bucket: string, key: string, uploadId: string, parts: Buffer[], algorithm: "CRC32" | "CRC32C"): Promise<PartInfo[]>;
  multipartObject(bucket: string, key: string, parts: Buffer[]): Promise<ObjectInfo>;
  /** the two shared random 5 MiB parts (made in the contract's beforeAll) */
  bigParts(): [Buffer, Buffer];
  /** a completed upload's ETag (StorageTraits.multipartEtag) */
  etagOf(listed: Buffer[], uploaded: Buffer[]): string;
  /** StorageTraits.multipartChecksums */
  multipartChecksums: boolean;
  /** StorageTraits.completionKnowsUpload */
  completionKnowsUpload: boolean;
  /** `written` as reads show it (within the engine's lastModified slack) */
  asRead<T extends { lastModified: Date }>(written: T, read: { lastModified: Date }): T;
}

export function multipartContract(ctx: MultipartContractContext): void {
  const { newBucket, put, getBytes, content, createUpload, uploadParts, uploadCrcParts, multipartObject, etagOf, multipartChecksums, completionKnowsUpload, asRead } = ctx;
  const bigA = () => ctx.bigParts()[0];
  const bigB = () => ctx.bigParts()[1];

  describe("multipart uploads", () => {
    it("completes an upload into one object with the AWS ETag, without changing bytes", async () => {
      const bucket = await newBucket();
      const small = randomBytes(1234);
      const upload = await createUpload(bucket, "big", {
        contentType: "video/mp4",
        cacheControl: "max-age=60",
        userMetadata: { origin: "camera" },
        tags: { kind: "raw" },
        storageClass: "STANDARD_IA",
      });
      expect(upload.uploadId).toMatch(/^[A-Za-z0-9._~-]+$/);
      expect(upload).toMatchObject({ bucket, key: "big", storageClass: "STANDARD_IA", owner: OWNER });
      const infos = await uploadParts(bucket, "big", upload.uploadId, [bigA(), bigB(), small]);
      expect(infos.map((p) => p.etag)).toEqual([md5Hex(bigA()), md5Hex(bigB()), md5Hex(small)]);
      expect(infos.map((p) => p.size)).toEqual([bigA().length, bigB().length, small.length]);

      const info = await ctx.store().completeMultipartUpload({
        bucket,
        key: "big",
        uploadId: upload.uploadId,
        parts: infos.map((p) => ({ partNumber: p.partNumber, etag: `"${p.etag}"` })),
      });
      const whole = Buffer.concat([bigA(), bigB(), small]);
      expect(info).toMatchObject({
        bucket,
        key: "big",
        size: whole.length,
        etag: etagOf([bigA(), bigB(), small], [bigA(), bigB(), small]),
        partsCount: 3,
        contentType: "video/mp4",
        cacheControl: "max-age=60",
        userMetadata: { origin: "camera" },
        tags: { kind: "raw" },
        storageClass: "STANDARD_IA",
        owner: OWNER,
      });
      const head = (await ctx.store().headObject(bucket, "big")).info;
      expect(head).toEqual(asRead(info, head));
      expect((await content(bucket, "big")).equals(whole)).toBe(true);

      expect((await ctx.store().listMultipartUploads({ bucket, maxUploads: 10 })).uploads).toEqual([]);
      await expectStorageError(ctx.store().listParts({ bucket, key: "big", uploadId: upload.uploadId, maxParts: 10 }), "UPLOAD_NOT_FOUND");
      await expectStorageError(
        ctx.store().completeMultipartUpload({ bucket, key: "big", uploadId: upload.uploadId, parts: [{ partNumber: 1, etag: infos[0].etag }] }),
        "UPLOAD_NOT_FOUND",
      );
    });

    it("serves ranges across part boundaries and single parts by number", async () => {
      const bucket = await newBucket();
      const tail = randomBytes(777);
      const whole = Buffer.concat([bigA(), bigB(), tail]);
      await multipartObject(bucket, "obj", [bigA(), bigB(), tail]);
      const A = bigA().length;
      const B = bigB().length;
      for (const [start, end] of [
        [A - 10, A + 9],
        [A - 1, A],
        [A, A],
        [A + 100, A + B - 1],
        [A + B - 5, A + B + 5],
        [0, whole.length - 1],
        [whole.length - 1, whole.length - 1],
        [10, A + B + 100],
      ]) {
        const { result, bytes } = await getBytes({ bucket, key: "obj", range: () => ({ start, end }) });
        expect(result.range).toEqual({ start, end });
        expect(bytes.equals(whole.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
      }
      const expectedParts = [
        { start: 0, end: A - 1, data: bigA() },
        { start: A, end: A + B - 1, data: bigB() },
        { start: A + B, end: A + B + tail.length - 1, data: tail },
      ];
      for (const [i, p] of expectedParts.entries()) {
        const { result, bytes } = await getBytes({ bucket, key: "obj", partNumber: i + 1 });
        expect(result.part).toEqual({ partsCount: 3, range: { start: p.start, end: p.end } });
        expect(result.info.size).toBe(whole.length);
        expect(bytes.equals(p.data)).toBe(true);
        expect((await ctx.store().headObject(bucket, "obj", i + 1)).part).toEqual(result.part);
      }
      await expectStorageError(ctx.store().getObject({ bucket, key: "obj", partNumber: 4 }), "INVALID_PART_NUMBER");
      await expectStorageError(ctx.store().headObject(bucket, "obj", 4), "INVALID_PART_NUMBER");
    });

    it("replaces a part uploaded again under the same number", async () => {
      const bucket = await newBucket();
      const upload = await createUpload(bucket, "k");
      const first = await ctx.store().uploadPart(bucket, "k", upload.uploadId, 1, bodyFromBuffer(Buffer.from("first try")));
      const second = await ctx.store().uploadPart(bucket, "k", upload.uploadId, 1, bodyFromBuffer(Buffer.from("second try!")));
      const listed = await ctx.store().listParts({ bucket, key: "k", uploadId: upload.uploadId, maxParts: 10 });
      expect(listed.parts.map((p) => [p.partNumber, p.etag, p.size])).toEqual([[1, second.etag, 11]]);
      await expectStorageError(
        ctx.store().completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts: [{ partNumber: 1, etag: first.etag }] }),
        "INVALID_PART",
      );
      await ctx.store().completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts: [{ partNumber: 1, etag: second.etag }] });
      expect((await content(bucket, "k")).toString()).toBe("second try!");
    });

    it("validates the part list: order, existence, ETags, sizes, emptiness", async () => {
      const bucket = await newBucket();
      const upload = await createUpload(bucket, "k");
      const id = upload.uploadId;
      const [p1, p2] = await uploadParts(bucket, "k", id, [Buffer.from("one"), Buffer.from("two")]);
      const complete = (parts: Array<{ partNumber: number; etag: string }>) =>
        ctx.store().completeMultipartUpload({ bucket, key: "k", uploadId: id, parts });
      await expectStorageError(complete([{ partNumber: 2, etag: p2.etag }, { partNumber: 1, etag: p1.etag }]), "INVALID_PART_ORDER");
      await expectStorageError(complete([{ partNumber: 1, etag: p1.etag }, { partNumber: 1, etag: p1.etag }]), "INVALID_PART_ORDER");
      // an INVALID_PART names the listed part and ETag that failed (S3's <PartNumber> and <ETag>, and the log)
      const unknown = await expectStorageError(complete([{ partNumber: 1, etag: p1.etag }, { partNumber: 3, etag: p2.etag }]), "INVALID_PART");
      expect(unknown.part).toEqual({ partNumber: 3, etag: p2.etag });
      expect(unknown.message).toBe(`part 3 was not uploaded, not with ETag ${p2.etag}`);
      const wrong = await expectStorageError(complete([{ partNumber: 1, etag: p2.etag }]), "INVALID_PART");
      expect(wrong.part).toEqual({ partNumber: 1, etag: p2.etag });
      expect(wrong.message).toBe(`part 1 was uploaded with ETag ${p1.etag}, not with ETag ${p2.etag}`);
      await expectStorageError(complete([{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]), "ENTITY_TOO_SMALL");
      await expectStorageError(complete([]), "INVALID_ARGUMENT");
      // nothing of the above consumed the upload
      expect((await ctx.store().listParts({ bucket, key: "k", uploadId: id, maxParts: 10 })).parts.length).toBe(2);
      // ETags match unquoted and case-insensitively; a small part is fine as the last one
      const info = await complete([{ partNumber: 2, etag: `"${p2.etag.toUpperCase()}"` }]);
      expect(info.etag).toBe(etagOf([Buffer.from("two")], [Buffer.from("one"), Buffer.from("two")]));
      expect(info.partsCount).toBe(1);
      expect((await content(bucket, "k")).toString()).toBe("two");
    });

    it("drops the parts left out of the completion", async () => {
      const bucket = await newBucket();
      const upload = await createUpload(bucket, "k");
      const p2 = Buffer.from("left out");
      const p3 = Buffer.from("last part");
      const infos = await uploadParts(bucket, "k", upload.uploadId, [bigA(), p2, p3]);
      const info = await ctx.store().completeMultipartUpload({
        bucket,
        key: "k",
        uploadId: upload.uploadId,
        parts: [infos[0], infos[2]].map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      });
      expect(info.etag).toBe(etagOf([bigA(), p3], [bigA(), p2, p3]));
      expect(info.partsCount).toBe(2);
      expect((await content(bucket, "k")).equals(Buffer.concat([bigA(), p3]))).toBe(true);
      expect((await getBytes({ bucket, key: "k", partNumber: 2 })).bytes.toString()).toBe("last part");
    });

    it.skipIf(multipartChecksums)("without multipart checksums: takes the upload's algorithm and parts' checksums, the object gets none", async () => {
      const bucket = await newBucket();
      const upload = await createUpload(bucket, "k", { checksumAlgorithm: "CRC32" });
      expect(upload).toMatchObject({ checksumAlgorithm: "CRC32", checksumType: "COMPOSITE" });
      const tail = Buffer.from("tail");
      const infos = await uploadCrcParts(bucket, "k", upload.uploadId, [bigA(), tail], "CRC32");
      const parts = infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
      await expectStorageError(
        ctx.store().completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts, expectedChecksum: { algorithm: "CRC32", value: crcBase64("CRC32", tail) } }),
        "NOT_SUPPORTED",
      );
      const info = await ctx.store().completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts });
      expect(info.checksum).toBeUndefined();
      expect((await content(bucket, "k")).equals(Buffer.concat([bigA(), tail]))).toBe(true);
    });

    it.skipIf(!multipartChecksums)("the upload's checksum algorithm gives the object a composite checksum of the parts'", async () => {
      const bucket = await newBucket();
      const upload = await createUpload(bucket, "k", { checksumAlgorithm: "SHA256" });
      expect(upload.checksumAlgorithm).toBe("SHA256");
      const tail = Buffer.from("tail part");
      const parts = [bigA(), tail];
      const infos = [];
      for (const [i, data] of parts.entries()) {
        infos.push(await ctx.store().uploadPart(bucket, "k", upload.uploadId, i + 1, bodyFromBuffer(data, { checksumAlgorithm: "SHA256" })));
      }
      expect(infos[1].checksum).toEqual({ algorithm: "SHA256", type: "FULL_OBJECT", value: createHash("sha256").update(tail).digest("base64") });
      const listedUploads = await ctx.store().listMultipartUploads({ bucket, maxUploads: 10 });
      expect(listedUploads.uploads[0].checksumAlgorithm).toBe("SHA256");
      const info = await ctx.store().completeMultipartUpload({
        bucket,
        key: "k",
        uploadId: upload.uploadId,
        parts: infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      });
      const composite = createHash("sha256")
        .update(Buffer.concat(parts.map((p) => createHash("sha256").update(p).digest())))
        .digest("base64");
      expect(info.checksum?.algorithm).toBe("SHA256");
      expect(info.checksum?.type).toBe("COMPOSITE");
      expect(info.checksum?.value.replace(/-\d+$/, "")).toBe(composite);
      const summary = (await ctx.store().listObjects({ bucket, maxKeys: 1 })).objects[0];
      expect(summary.checksumAlgorithm).toBe("SHA256");
    });

    it.skipIf(!multipartChecksums)("gives an upload its checksum type: the one asked for, else FULL_OBJECT for CRC64NVME and COMPOSITE otherwise", async () => {
      const bucket = await newBucket();
      const cases: Array<[ChecksumAlgorithm | undefined, ChecksumType | undefined, ChecksumType | undefined]> = [
        [undefined, undefined, undefined],
        ["CRC32", undefined, "COMPOSITE"],
        ["CRC32C", undefined, "COMPOSITE"],
        ["SHA1", undefined, "COMPOSITE"],
        ["SHA256", undefined, "COMPOSITE"],
        ["CRC64NVME", undefined, "FULL_OBJECT"],
        ["CRC32", "FULL_OBJECT", "FULL_OBJECT"],
        ["CRC32C", "FULL_OBJECT", "FULL_OBJECT"],
        ["CRC64NVME", "FULL_OBJECT", "FULL_OBJECT"],
        ["CRC32", "COMPOSITE", "COMPOSITE"],
        ["SHA256", "COMPOSITE", "COMPOSITE"],
      ];
      const created = [];
      for (const [i, [checksumAlgorithm, checksumType, expected]] of cases.entries()) {
        const label = `${checksumAlgorithm} ${checksumType}`;
        const key = `k${String(i).padStart(2, "0")}`;
        const upload = await createUpload(bucket, key, { checksumAlgorithm, checksumType });
        expect(upload.checksumAlgorithm, label).toBe(checksumAlgorithm);
        expect(upload.checksumType, label).toBe(expected);
        const listed = await ctx.store().listParts({ bucket, key, uploadId: upload.uploadId, maxParts: 1 });
        expect(listed.upload.checksumAlgorithm, label).toBe(checksumAlgorithm);
        expect(listed.upload.checksumType, label).toBe(expected);
        created.push(upload);
      }
      const uploads = (await ctx.store().listMultipartUploads({ bucket, maxUploads: 100 })).uploads;
      expect(uploads.map((u) => [u.key, u.checksumAlgorithm, u.checksumType])).toEqual(
        created.map((u) => [u.key, u.checksumAlgorithm, u.checksumType]),
      );
    });

    it("refuses the checksum types S3 does not offer, creating nothing", async () => {
      const bucket = await newBucket();
      for (const [checksumAlgorithm, checksumType] of [
        ["SHA1", "FULL_OBJECT"],
        ["SHA256", "FULL_OBJECT"],
        ["CRC64NVME", "COMPOSITE"],
        [undefined, "COMPOSITE"],
        [undefined, "FULL_OBJECT"],
      ] as const) {
        await expectStorageError(createUpload(bucket, "k", { checksumAlgorithm, checksumType }), "INVALID_ARGUMENT");
      }
      expect((await ctx.store().listMultipartUploads({ bucket, maxUploads: 10 })).uploads).toEqual([]);
    });

    for (const algorithm of ["CRC32", "CRC32C"] as const) {
      it.skipIf(!multipartChecksums)(`a FULL_OBJECT ${algorithm} upload gets the ${algorithm} of the whole object, combined from the parts'`, async () => {
        const bucket = await newBucket();
        const tail = randomBytes(70_001);
        const parts = [bigA(), bigB(), tail];
        const upload = await createUpload(bucket, "k", { checksumAlgorithm: algorithm, checksumType: "FULL_OBJECT" });
        const infos = await uploadCrcParts(bucket, "k", upload.uploadId, parts, algorithm);
        const whole = crcBase64(algorithm, Buffer.concat(parts));
        const expected = { algorithm, type: "FULL_OBJECT", value: whole };
        const info = await ctx.store().completeMultipartUpload({
          bucket,
          key: "k",
          uploadId: upload.uploadId,
          parts: infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
          expectedChecksum: { algorithm, value: whole },
        });
        expect(info.checksum).toEqual(expected);
        expect(info.etag).toBe(etagOf(parts, parts));
        expect((await ctx.store().headObject(bucket, "k")).info.checksum).toEqual(expected);
        expect((await ctx.store().listObjects({ bucket, maxKeys: 1 })).objects[0].checksumAlgorithm).toBe(algorithm);
      });
    }

    it.skipIf(!multipartChecksums)("a COMPOSITE CRC32 upload gets the CRC32 of the part CRC32s, with -N", async () => {
      const bucket = await newBucket();
      const tail = Buffer.from("the last part");
      const parts = [bigA(), tail];
      const upload = await createUpload(bucket, "k", { checksumAlgorithm: "CRC32" });
      const infos = await uploadCrcParts(bucket, "k", upload.uploadId, parts, "CRC32");
      const ofParts = Buffer.concat(parts.map((p) => Buffer.from(crcBase64("CRC32", p), "base64")));
      const info = await ctx.store().completeMultipartUpload({
        bucket,
        key: "k",
        uploadId: upload.uploadId,
        parts: infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      });
      expect(info.checksum).toEqual({ algorithm: "CRC32", type: "COMPOSITE", value: `${crcBase64("CRC32", ofParts)}-2` });
    });

    it.skipIf(!multipartChecksums)("compares the expected checksum before completing: BAD_DIGEST changes nothing; -N is optional for COMPOSITE", async () => {
      const bucket = await newBucket();
      const tail = Buffer.from("tail part");
      const parts = [bigA(), tail];
      const composite = createHash("sha256")
        .update(Buffer.concat(parts.map((p) => createHash("sha256").update(p).digest())))
        .digest("base64");
      const start = async (key: string) => {
        const upload = await createUpload(bucket, key, { checksumAlgorithm: "SHA256" });
        const infos: PartInfo[] = [];
        for (const [i, data] of parts.entries()) {
          infos.push(await ctx.store().uploadPart(bucket, key, upload.uploadId, i + 1, bodyFromBuffer(data, { checksumAlgorithm: "SHA256" })));
        }
        const complete = (expectedChecksum?: { algorithm: ChecksumAlgorithm; value: string }) =>
          ctx.store().completeMultipartUpload({
            bucket,
            key,
            uploadId: upload.uploadId,
            parts: infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
            ...(expectedChecksum !== undefined && { expectedChecksum }),
          });
        return { upload, complete };
      };

      const a = await start("a");
      for (const wrong of [
        { algorithm: "SHA1", value: composite }, // not the upload's algorithm
        { algorithm: "SHA256", value: createHash("sha256").update(Buffer.concat(parts)).digest("base64") },
        { algorithm: "SHA256", value: `${composite}-3` }, // N is not the part count
        { algorithm: "SHA256", value: `${composite}-1` },
      ] as const) {
        await expectStorageError(a.complete(wrong), "BAD_DIGEST");
      }
      // nothing changed: no object, the upload and both parts are still there
      await expectStorageError(ctx.store().headObject(bucket, "a"), "KEY_NOT_FOUND");
      const listed = await ctx.store().listParts({ bucket, key: "a", uploadId: a.upload.uploadId, maxParts: 10 });
      expect(listed.parts.map((p) => p.partNumber)).toEqual([1, 2]);
      const info = await a.complete({ algorithm: "SHA256", value: composite });
      expect(info.checksum).toEqual({ algorithm: "SHA256", type: "COMPOSITE", value: `${composite}-2` });
      expect((await content(bucket, "a")).equals(Buffer.concat(parts))).toBe(true);

      const b = await start("b");
      expect((await b.complete({ algorithm: "SHA256", value: `${composite}-2` })).checksum?.value).toBe(`${composite}-2`);
    });

    it.skipIf(!multipartChecksums)("gives the object of an upload without an algorithm S3's default checksum from its parts', and checks no stated one", async () => {
      const bucket = await newBucket();
      const tail = Buffer.from("tail");
      const whole = Buffer.concat([bigA(), tail]);
      const crc64 = async (data: Buffer): Promise<Checksum> => ({ algorithm: "CRC64NVME", value: await crc64nvmeOf(data), type: "FULL_OBJECT" });
      const bogus = { algorithm: "CRC64NVME" as const, value: "vqf3hRLTlJw=" };

      // parts with the default CRC64NVME, one of them with a client's CRC32 as its checksum
      const upload = await createUpload(bucket, "k");
      const first = await ctx.store().uploadPart(bucket, "k", upload.uploadId, 1, bodyFromBuffer(bigA(), { defaultChecksum: await crc64(bigA()) }));
      const crc32 = { algorithm: "CRC32" as const, value: crcBase64("CRC32", tail), type: "FULL_OBJECT" as const };
      const second = await ctx.store().uploadPart(bucket, "k", upload.uploadId, 2, bodyFromBuffer(tail, { checksum: crc32, defaultChecksum: await crc64(tail) }));
      expect([first.checksum, second.checksum]).toEqual([undefined, crc32]);
      const completion = { bucket, key: "k", uploadId: upload.uploadId, parts: [first, second].map((p) => ({ partNumber: p.partNumber, etag: p.etag })) };
      const made = await ctx.store().completeMultipartUpload({ ...completion, expectedChecksum: bogus });
      const expected = await crc64(whole);
      expect(made.checksum).toEqual(expected);
      expect((await ctx.store().headObject(bucket, "k")).info.checksum).toEqual(expected);
      // a retry is answered as the completion was
      expect((await ctx.store().completeMultipartUpload({ ...completion, expectedChecksum: bogus })).checksum).toEqual(expected);

      // parts without it (stored before the default existed): no checksum, and still none checked
      const plain = await createUpload(bucket, "plain");
      const plainParts = await uploadParts(bucket, "plain", plain.uploadId, [bigA(), tail]);
      const plainMade = await ctx.store().completeMultipartUpload({
        bucket,
        key: "plain",
        uploadId: plain.uploadId,
        parts: plainParts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
        expectedChecksum: { algorithm: "CRC32", value: crcBase64("CRC32", whole) },
      });
      expect(plainMade.checksum).toBeUndefined();
    });

    it.skipIf(!multipartChecksums)("answers BAD_DIGEST to an expected checksum when a part lacks one of the upload's algorithm", async () => {
      const bucket = await newBucket();
      const tail = Buffer.from("tail");
      const crc = crcBase64("CRC32", Buffer.concat([bigA(), tail]));

      const upload = await createUpload(bucket, "k", { checksumAlgorithm: "CRC32", checksumType: "FULL_OBJECT" });
      const [first] = await uploadCrcParts(bucket, "k", upload.uploadId, [bigA()], "CRC32");
      const second = await ctx.store().uploadPart(bucket, "k", upload.uploadId, 2, bodyFromBuffer(tail)); // no checksum
      await expectStorageError(
        ctx.store().completeMultipartUpload({
          bucket,
          key: "k",
          uploadId: upload.uploadId,
          parts: [first, second].map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
          expectedChecksum: { algorithm: "CRC32", value: crc },
        }),
        "BAD_DIGEST",
      );
      expect((await ctx.store().listParts({ bucket, key: "k", uploadId: upload.uploadId, maxParts: 10 })).parts.length).toBe(2);
      await expectStorageError(ctx.store().headObject(bucket, "k"), "KEY_NOT_FOUND");
    });

    it("answers a retried completion (same upload, same parts) with the same object, changing nothing", async () => {
      const bucket = await newBucket();
      const previous = await put(bucket, "k", Buffer.from("previous"));
      const tail = randomBytes(3000);
      const sha = multipartChecksums ? ({ checksumAlgorithm: "SHA256" } as const) : {};
      const upload = await createUpload(bucket, "k", { ...sha, userMetadata: { m: "1" } });
      const infos = [];
      for (const [i, data] of [bigA(), tail].entries()) {
        infos.push(await ctx.store().uploadPart(bucket, "k", upload.uploadId, i + 1, bodyFromBuffer(data, sha)));
      }
      const parts = infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
      const first = await ctx.store().completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts, ifMatch: previous.etag });
      expect(first.etag).toBe(etagOf([bigA(), tail], [bigA(), tail]));
      await new Promise((resolve) => setTimeout(resolve, 5)); // a later lastModified would show

      const retry = (extra: Partial<CompleteMultipartParams> = {}) =>
        ctx.store().completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts, ...extra });
      expect(await retry()).toEqual(first);
      // ETags compare as in a first completion; a precondition is not evaluated again (the object
      // the first attempt made fails the very condition that attempt passed); an expected
      // checksum still has to match
      const quoted = parts.map((p) => ({ partNumber: p.partNumber, etag: `"${p.etag.toUpperCase()}"` }));
      expect(await retry({ parts: quoted })).toEqual(first);
      expect(await retry({ ifMatch: previous.etag })).toEqual(first);
      expect(await retry({ ifNoneMatch: "*" })).toEqual(first);
      if (multipartChecksums) {
        expect(await retry({ expectedChecksum: { algorithm: "SHA256", value: first.checksum!.value } })).toEqual(first);
        await expectStorageError(retry({ expectedChecksum: { algorithm: "SHA256", value: "AAAA" } }), "BAD_DIGEST");
      }

      expect((await ctx.store().headObject(bucket, "k")).info).toEqual(first);
      expect((await content(bucket, "k")).equals(Buffer.concat([bigA(), tail]))).toBe(true);
      expect((await ctx.store().listMultipartUploads({ bucket, maxUploads: 10 })).uploads).toEqual([]);
      // the upload itself is gone for everything but the retry
      const id = upload.uploadId;
      await expectStorageError(ctx.store().uploadPart(bucket, "k", id, 3, bodyFromBuffer(Buffer.from("x"))), "UPLOAD_NOT_FOUND");
      await expectStorageError(ctx.store().listParts({ bucket, key: "k", uploadId: id, maxParts: 10 }), "UPLOAD_NOT_FOUND");
      await expectStorageError(ctx.store().abortMultipartUpload(bucket, "k", id), "UPLOAD_NOT_FOUND");
      expect(await retry()).toEqual(first);
    });

    it("answers UPLOAD_NOT_FOUND to a completed upload with another part list, key or bucket, or once its object changed", async () => {
      const bucket = await newBucket();
      const tail = Buffer.from("tail");
      const complete = async (key: string) => {
        const upload = await createUpload(bucket, key);
        const infos = await uploadParts(bucket, key, upload.uploadId, [bigA(), tail]);
        const parts = infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
        const info = await ctx.store().completeMultipartUpload({ bucket, key, uploadId: upload.uploadId, parts });
        const retry = (extra: Partial<CompleteMultipartParams> = {}) =>
          ctx.store().completeMultipartUpload({ bucket, key, uploadId: upload.uploadId, parts, ...extra });
        return { info, parts, retry };
      };

      const a = await complete("a");
      await expectStorageError(a.retry({ parts: a.parts.slice(0, 1) }), "UPLOAD_NOT_FOUND");
      await expectStorageError(a.retry({ parts: [a.parts[0], { partNumber: 3, etag: a.parts[1].etag }] }), "UPLOAD_NOT_FOUND");
      await expectStorageError(a.retry({ parts: [a.parts[0], { partNumber: 2, etag: md5Hex(Buffer.from("no")) }] }), "UPLOAD_NOT_FOUND");
      await expectStorageError(a.retry({ key: "b" }), "UPLOAD_NOT_FOUND");
      await expectStorageError(a.retry({ bucket: await newBucket() }), "UPLOAD_NOT_FOUND");
      expect(await a.retry()).toEqual(a.info);
      await put(bucket, "a", Buffer.from("overwritten"));
      await expectStorageError(a.retry(), "UPLOAD_NOT_FOUND");
      expect((await content(bucket, "a")).toString()).toBe("overwritten");

      const b = await complete("b");
      await ctx.store().deleteObject(bucket, "b");
      await expectStorageError(b.retry(), "UPLOAD_NOT_FOUND");
      await expectStorageError(ctx.store().headObject(bucket, "b"), "KEY_NOT_FOUND");

      // replaced by another completion: only the newer one is answered
      const c1 = await complete("c");
      const c2 = await complete("c");
      // (an engine that cannot tell which upload made an object answers both: identical results)
      if (completionKnowsUpload) await expectStorageError(c1.retry(), "UPLOAD_NOT_FOUND");
      expect(await c2.retry()).toEqual(c2.info);
    });

    it("forgets completed uploads with their bucket", async () => {
      const bucket = await newBucket();
      const upload = await createUpload(bucket, "k");
      const [part] = await uploadParts(bucket, "k", upload.uploadId, [Buffer.from("only part")]);
      const params = { bucket, key: "k", uploadId: upload.uploadId, parts: [{ partNumber: 1, etag: part.etag }] };
      await ctx.store().completeMultipartUpload(params);
      await ctx.store().deleteObject(bucket, "k");
      await ctx.store().deleteBucket(bucket);
      await expectStorageError(ctx.store().completeMultipartUpload(params), "BUCKET_NOT_FOUND");
      await ctx.store().createBucket(bucket, OWNER);
      await put(bucket, "k", Buffer.from("only part"));
      await expectStorageError(ctx.store().completeMultipartUpload(params), "UPLOAD_NOT_FOUND");
    });

    it("aborts an upload: its parts are gone and the id is unknown afterwards", async () => {
      const bucket = await newBucket();
      const upload = await createUpload(bucket, "k");
      const [p1] = await uploadParts(bucket, "k", upload.uploadId, [Buffer.from("part")]);
      await ctx.store().abortMultipartUpload(bucket, "k", upload.uploadId);
      const id = upload.uploadId;
      await expectStorageError(ctx.store().listParts({ bucket, key: "k", uploadId: id, maxParts: 10 }), "UPLOAD_NOT_FOUND");
      await expectStorageError(ctx.store().uploadPart(bucket, "k", id, 2, bodyFromBuffer(Buffer.from("x"))), "UPLOAD_NOT_FOUND");
      await expectStorageError(
        ctx.store().completeMultipartUpload({ bucket, key: "k", uploadId: id, parts: [{ partNumber: 1, etag: p1.etag }] }),
        "UPLOAD_NOT_FOUND",
      );
      await expectStorageError(ctx.store().abortMultipartUpload(bucket, "k", id), "UPLOAD_NOT_FOUND");
      expect((await ctx.store().listMultipartUploads({ bucket, maxUploads: 10 })).uploads).toEqual([]);
      await expectStorageError(ctx.store().headObject(bucket, "k"), "KEY_NOT_FOUND");
    });

    it("answers UPLOAD_NOT_FOUND for an unknown upload id or another key's upload", async () => {
      const bucket = await newBucket();
      const upload = await createUpload(bucket, "mine");
      await expectStorageError(ctx.store().uploadPart(bucket, "other", upload.uploadId, 1, bodyFromBuffer(Buffer.from("x"))), "UPLOAD_NOT_FOUND");
      await expectStorageError(ctx.store().uploadPart(bucket, "mine", "no-such-upload", 1, bodyFromBuffer(Buffer.from("x"))), "UPLOAD_NOT_FOUND");
      await expectStorageError(ctx.store().listParts({ bucket, key: "other", uploadId: upload.uploadId, maxParts: 1 }), "UPLOAD_NOT_FOUND");
      await expectStorageError(ctx.store().abortMultipartUpload(bucket, "other", upload.uploadId), "UPLOAD_NOT_FOUND");
      const otherBucket = await newBucket();
      await expectStorageError(ctx.store().listParts({ bucket: otherBucket, key: "mine", uploadId: upload.uploadId, maxParts: 1 }), "UPLOAD_NOT_FOUND");
    });

    it("rejects part numbers outside 1..10000", async () => {
      const bucket = await newBucket();
      const upload = await createUpload(bucket, "k");
      for (const n of [0, -1, 10001, 1.5]) {
        await expectStorageError(ctx.store().uploadPart(bucket, "k", upload.uploadId, n, bodyFromBuffer(Buffer.from("x"))), "INVALID_ARGUMENT");
      }
    });

    it("a part whose body fails is not recorded", async () => {
      const bucket = await newBucket();
      const upload = await createUpload(bucket, "k");
      const failure = new Error("bad chunk signature");
      await expect(
        ctx.store().uploadPart(bucket, "k", upload.uploadId, 1, bodyFromBuffer(randomBytes(100_000), { errorAt: 30_000, error: failure })),
      ).rejects.toBe(failure);
      expect((await ctx.store().listParts({ bucket, key: "k", uploadId: upload.uploadId, maxParts: 10 })).parts).toEqual([]);
    });

    it("lists parts in pages", async () => {
      const bucket = await newBucket();
      const upload = await createUpload(bucket, "k");
      const datas = [1, 2, 3, 4, 5].map((n) => Buffer.from(`part number ${n}`));
      await uploadParts(bucket, "k", upload.uploadId, datas);
      const page1 = await ctx.store().listParts({ bucket, key: "k", uploadId: upload.uploadId, maxParts: 2 });
      expect(page1.upload).toMatchObject({ bucket, key: "k", uploadId: upload.uploadId, owner: OWNER, storageClass: "STANDARD" });
      expect(page1.parts.map((p) => p.partNumber)).toEqual([1, 2]);
      expect(page1.parts[1]).toMatchObject({ etag: md5Hex(datas[1]), size: datas[1].length });
      expect(page1.parts[1].lastModified).toBeInstanceOf(Date);
      expect(page1).toMatchObject({ isTruncated: true, nextPartNumberMarker: 2 });
      const page2 = await ctx.store().listParts({ bucket, key: "k", uploadId: upload.uploadId, partNumberMarker: 2, maxParts: 2 });
      expect(page2.parts.map((p) => p.partNumber)).toEqual([3, 4]);
      expect(page2).toMatchObject({ isTruncated: true, nextPartNumberMarker: 4 });
      const page3 = await ctx.store().listParts({ bucket, key: "k", uploadId: upload.uploadId, partNumberMarker: 4, maxParts: 2 });
      expect(page3.parts.map((p) => p.partNumber)).toEqual([5]);
      expect(page3.isTruncated).toBe(false);
      expect(page3.nextPartNumberMarker).toBeUndefined();
      const exact = await ctx.store().listParts({ bucket, key: "k", uploadId: upload.uploadId, maxParts: 5 });
      expect(exact.parts.length).toBe(5);
      expect(exact.isTruncated).toBe(false);
    });

    it("lists uploads by key, then initiation time, with prefix, delimiter and markers", async () => {
      const bucket = await newBucket();
      const created = [];
      for (const key of ["b/2", "a", "c", "b/1", "a"]) {
        created.push(await createUpload(bucket, key));
        await new Promise((resolve) => setTimeout(resolve, 3)); // distinct initiation times
      }
      const [b2, a1, c, b1, a2] = created;
      const full = await ctx.store().listMultipartUploads({ bucket, maxUploads: 100 });
      expect(full.uploads.map((u) => u.uploadId)).toEqual([a1, a2, b1, b2, c].map((u) => u.uploadId));
      expect(full.isTruncated).toBe(false);
      expect(full.uploads[0]).toMatchObject({ bucket, key: "a", owner: OWNER, storageClass: "STANDARD" });
      expect(full.uploads[0].initiated.getTime()).toBeLessThanOrEqual(full.uploads[1].initiated.getTime());

      const grouped = await ctx.store().listMultipartUploads({ bucket, delimiter: "/", maxUploads: 100 });
      expect(grouped.uploads.map((u) => u.key)).toEqual(["a", "a", "c"]);
      expect(grouped.commonPrefixes).toEqual(["b/"]);

      const prefixed = await ctx.store().listMultipartUploads({ bucket, prefix: "b/", maxUploads: 100 });
      expect(prefixed.uploads.map((u) => u.uploadId)).toEqual([b1.uploadId, b2.uploadId]);

      const afterKey = await ctx.store().listMultipartUploads({ bucket, keyMarker: "a", maxUploads: 100 });
      expect(afterKey.uploads.map((u) => u.key)).toEqual(["b/1", "b/2", "c"]);
      const afterUpload = await ctx.store().listMultipartUploads({ bucket, keyMarker: "a", uploadIdMarker: a1.uploadId, maxUploads: 100 });
      expect(afterUpload.uploads.map((u) => u.uploadId)).toEqual([a2, b1, b2, c].map((u) => u.uploadId));

      for (const delimiter of [undefined, "/"]) {
        for (const maxUploads of [1, 2, 3]) {
          const label = JSON.stringify({ delimiter, maxUploads });
          const pages: ListUploadsResult[] = [];
          let keyMarker: string | undefined;
          let uploadIdMarker: string | undefined;
          for (;;) {
            const page = await ctx.store().listMultipartUploads({ bucket, delimiter, keyMarker, uploadIdMarker, maxUploads });
            pages.push(page);
            expect(page.uploads.length + page.commonPrefixes.length, label).toBeLessThanOrEqual(maxUploads);
            if (!page.isTruncated) break;
            keyMarker = page.nextKeyMarker;
            uploadIdMarker = page.nextUploadIdMarker;
            if (pages.length > 100) throw new Error("pagination does not terminate");
          }
          const reference = delimiter === undefined ? full : grouped;
          expect(pages.flatMap((p) => p.uploads.map((u) => u.uploadId)), label).toEqual(reference.uploads.map((u) => u.uploadId));
          expect(pages.flatMap((p) => p.commonPrefixes), label).toEqual(reference.commonPrefixes);
        }
      }
    });

    it("a simple PUT replaces a multipart object", async () => {
      const bucket = await newBucket();
      await multipartObject(bucket, "k", [bigB(), Buffer.from("end")]);
      const info = await put(bucket, "k", Buffer.from("plain"));
      expect(info.partsCount).toBeUndefined();
      const head = await ctx.store().headObject(bucket, "k");
      expect(head.info.partsCount).toBeUndefined();
      expect((await content(bucket, "k")).toString()).toBe("plain");
    });

    it("a reader of a multipart object gets all its parts although it is overwritten mid-read", async () => {
      const bucket = await newBucket();
      const tail = randomBytes(100_000);
      await multipartObject(bucket, "k", [bigA(), tail]);
      const reading = await ctx.store().getObject({ bucket, key: "k" });
      const iterator = reading.open()[Symbol.asyncIterator]();
      const first = await iterator.next();
      await put(bucket, "k", Buffer.from("new"));
      await ctx.store().deleteObject(bucket, "k");
      const chunks: Buffer[] = [first.value as Buffer];
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks.push(next.value as Buffer);
      expect(Buffer.concat(chunks).equals(Buffer.concat([bigA(), tail]))).toBe(true);
    });
  });
}
