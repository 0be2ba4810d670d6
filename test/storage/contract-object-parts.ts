/**
 * The storage contract of an object's parts (part of defineStorageContract, contract.ts):
 * getObjectAttributes (the object and a page of its parts, ListParts' paging over part positions)
 * and the stored part checksum a read of one part carries (headObject and getObject with a
 * partNumber). Both engines; an engine without part checksums (Ozone) skips those tests.
 */
import { randomBytes } from "node:crypto";

import { describe, expect, it } from "vitest";

import type { ObjectInfo, PartInfo, PutObjectParams, StorageClient, UploadInfo } from "../../runtime/storage/types.js";
import { bodyFromBuffer, readAll } from "./body.js";

export interface ObjectPartsContractContext {
  store(): StorageClient;
  newBucket(): Promise<string>;
  put(bucket: string, key: string, data: Buffer, extra?: Partial<PutObjectParams>): Promise<ObjectInfo>;
  createUpload(bucket: string, key: string, extra?: Record<string, unknown>): Promise<UploadInfo>;
  uploadCrcParts(bucket: string, key: string, uploadId: string, parts: Buffer[], algorithm: "CRC32" | "CRC32C"): Promise<PartInfo[]>;
  multipartObject(bucket: string, key: string, parts: Buffer[]): Promise<ObjectInfo>;
  /** the two shared random 5 MiB parts */
  bigParts(): [Buffer, Buffer];
  /** as StorageTraits.multipartChecksums: false when the engine keeps no part checksums */
  partChecksums: boolean;
  expectStorageError(promise: Promise<unknown>, kind: string): Promise<unknown>;
}

export function objectPartsContract(c: ObjectPartsContractContext): void {
  describe("object parts (getObjectAttributes, part checksums)", () => {
    it("describes an object of a single PUT as headObject does, without parts", async () => {
      const bucket = await c.newBucket();
      await c.put(bucket, "single", Buffer.from("one piece"));
      const head = await c.store().headObject(bucket, "single");
      const plain = await c.store().getObjectAttributes({ bucket, key: "single" });
      expect(plain).toEqual({ info: head.info });
      const asked = await c.store().getObjectAttributes({ bucket, key: "single", parts: { partNumberMarker: 0, maxParts: 1000 } });
      expect(asked).toEqual({ info: head.info });
    });

    it("pages the parts of a multipart object by position, as ListParts pages an upload's", async () => {
      const bucket = await c.newBucket();
      const [a, b] = c.bigParts();
      const tail = randomBytes(70_001);
      await c.multipartObject(bucket, "mp", [a, b, tail]);
      const page = (partNumberMarker: number, maxParts: number) =>
        c.store().getObjectAttributes({ bucket, key: "mp", parts: { partNumberMarker, maxParts } });
      const all = await page(0, 1000);
      expect(all.info).toEqual((await c.store().headObject(bucket, "mp")).info);
      expect(all.info.partsCount).toBe(3);
      expect(all.parts).toEqual({
        parts: [
          { partNumber: 1, size: a.length },
          { partNumber: 2, size: b.length },
          { partNumber: 3, size: tail.length },
        ],
        isTruncated: false,
      });
      expect((await page(1, 1)).parts).toEqual({ parts: [{ partNumber: 2, size: b.length }], isTruncated: true, nextPartNumberMarker: 2 });
      expect((await page(2, 1)).parts).toEqual({ parts: [{ partNumber: 3, size: tail.length }], isTruncated: false });
      expect((await page(3, 10)).parts).toEqual({ parts: [], isTruncated: false });
      expect((await page(99, 10)).parts).toEqual({ parts: [], isTruncated: false });
      expect((await page(0, 0)).parts).toEqual({ parts: [], isTruncated: true });
      // not asked for: no parts
      expect((await c.store().getObjectAttributes({ bucket, key: "mp" })).parts).toBeUndefined();
    });

    it("numbers the parts of an upload completed with a gap by their position (GET ?partNumber= counts so)", async () => {
      const bucket = await c.newBucket();
      const [a] = c.bigParts();
      const tail = Buffer.from("the third part uploaded, the second listed");
      const upload = await c.createUpload(bucket, "gap");
      const store = c.store();
      const p1 = await store.uploadPart(bucket, "gap", upload.uploadId, 1, bodyFromBuffer(a));
      await store.uploadPart(bucket, "gap", upload.uploadId, 2, bodyFromBuffer(Buffer.from("left out")));
      const p3 = await store.uploadPart(bucket, "gap", upload.uploadId, 3, bodyFromBuffer(tail));
      await store.completeMultipartUpload({
        bucket,
        key: "gap",
        uploadId: upload.uploadId,
        parts: [p1, p3].map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      });
      const { parts } = await store.getObjectAttributes({ bucket, key: "gap", parts: { partNumberMarker: 0, maxParts: 10 } });
      expect(parts?.parts).toEqual([
        { partNumber: 1, size: a.length },
        { partNumber: 2, size: tail.length },
      ]);
      const second = await store.getObject({ bucket, key: "gap", partNumber: 2 });
      expect((await readAll(second.open())).equals(tail)).toBe(true);
    });

    it("fails as headObject does: a missing bucket or key, a bad page", async () => {
      const bucket = await c.newBucket();
      await c.expectStorageError(c.store().getObjectAttributes({ bucket: `${bucket}-gone`, key: "k" }), "BUCKET_NOT_FOUND");
      await c.expectStorageError(c.store().getObjectAttributes({ bucket, key: "k" }), "KEY_NOT_FOUND");
      await c.multipartObject(bucket, "mp", [Buffer.from("only part")]);
      for (const parts of [
        { partNumberMarker: -1, maxParts: 10 },
        { partNumberMarker: 0, maxParts: -1 },
        { partNumberMarker: 0.5, maxParts: 10 },
      ]) {
        await c.expectStorageError(c.store().getObjectAttributes({ bucket, key: "mp", parts }), "INVALID_ARGUMENT");
      }
    });

    it.skipIf(!c.partChecksums)("keeps each part's checksum: in the page of parts, and with a read or head of that part", async () => {
      const bucket = await c.newBucket();
      const [a, b] = c.bigParts();
      const tail = randomBytes(1000);
      const upload = await c.createUpload(bucket, "crc", { checksumAlgorithm: "CRC32C", checksumType: "FULL_OBJECT" });
      const infos = await c.uploadCrcParts(bucket, "crc", upload.uploadId, [a, b, tail], "CRC32C");
      await c.store().completeMultipartUpload({
        bucket,
        key: "crc",
        uploadId: upload.uploadId,
        parts: infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      });
      const { parts } = await c.store().getObjectAttributes({ bucket, key: "crc", parts: { partNumberMarker: 1, maxParts: 5 } });
      expect(parts?.parts).toEqual([
        { partNumber: 2, size: b.length, checksum: infos[1].checksum },
        { partNumber: 3, size: tail.length, checksum: infos[2].checksum },
      ]);
      for (const [i, info] of infos.entries()) {
        const head = await c.store().headObject(bucket, "crc", i + 1);
        expect(head.part?.checksum).toEqual(info.checksum);
        const read = await c.store().getObject({ bucket, key: "crc", partNumber: i + 1 });
        read.release();
        expect(read.part?.checksum).toEqual(info.checksum);
      }
      // a whole-object read carries no part checksum; neither does the one part of a single PUT
      const whole = await c.store().getObject({ bucket, key: "crc" });
      whole.release();
      expect(whole.part).toBeUndefined();
      const single = await c.store().putObject(
        { bucket, key: "single", userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "AKIDCONTRACTOWNER" },
        bodyFromBuffer(Buffer.from("x"), { checksumAlgorithm: "SHA256" }),
      );
      expect(single.checksum?.algorithm).toBe("SHA256");
      expect((await c.store().headObject(bucket, "single", 1)).part?.checksum).toBeUndefined();
    });
  });
}
