/**
 * The embedded store's inline bodies: small bodies kept in SQLite instead of files, and how they
 * move between the two (runtime/storage/embedded/inline.ts).
 */
import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";

import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";

import { openEmbeddedStore } from "../../runtime/storage/embedded/index.js";
import { SCHEMA_VERSION } from "../../runtime/storage/embedded/schema.js";
import { DEFAULT_INLINE_LIMIT } from "../../runtime/storage/embedded/inline.js";
import { MIN_PART_SIZE, type GetObjectParams } from "../../runtime/storage/types.js";
import { bodyFromBuffer, readAll } from "./body.js";
import { expectStorageError, md5Hex } from "./contract.js";
import { checkMetadataInvariants, eventually, FILES_ONLY, params, scratchStores, segmentFiles } from "./embedded-fixture.js";

describe("embedded store", () => {
  const { cleanups, freshStore } = scratchStores();

  describe("inline bodies", () => {
    const LIMIT = DEFAULT_INLINE_LIMIT;

    it("keeps bodies of up to the limit in SQLite and spills longer ones to a file (limit-1, limit, limit+1)", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      const sizes = [0, 1, LIMIT - 1, LIMIT, LIMIT + 1, 3 * LIMIT + 5];
      // one chunk; chunks that fill the buffer exactly before the limit; odd small chunks; a chunk
      // that crosses the limit in its middle
      const chunkings = [LIMIT + 1, 1024, 1000, 7];
      let files = 0;
      for (const size of sizes) {
        for (const chunkSize of chunkings) {
          const data = randomBytes(size);
          const key = `k-${size}-${chunkSize}`;
          const info = await store.putObject(params("b", key), bodyFromBuffer(data, { chunkSize }));
          expect(info.etag).toBe(md5Hex(data));
          if (size > LIMIT) files++;
          expect((await segmentFiles(dataDir)).length, `${size} bytes in chunks of ${chunkSize}`).toBe(files);
          const got = await store.getObject({ bucket: "b", key });
          expect(store.stats().pinnedSegments).toBe(size > LIMIT ? 1 : 0);
          expect((await readAll(got.open())).equals(data), key).toBe(true);
          expect((await store.headObject("b", key)).info.size).toBe(size);
        }
      }
      expect(await readdir(join(dataDir, "tmp"))).toEqual([]);
      await store.close();
      const counts = await checkMetadataInvariants(dataDir);
      expect(counts).toEqual({ fileSegments: 2 * chunkings.length, inlineSegments: 4 * chunkings.length });
    });

    it("moves a key between inline and file versions, and leaves no bytes of dropped versions or parts", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      const versions = [randomBytes(LIMIT + 1), randomBytes(10), randomBytes(LIMIT), randomBytes(200_000), randomBytes(0)];
      for (const data of versions) {
        await store.putObject(params("b", "k"), bodyFromBuffer(data));
        const got = await store.getObject({ bucket: "b", key: "k" });
        expect((await readAll(got.open())).equals(data)).toBe(true);
      }
      await eventually(async () => expect(await segmentFiles(dataDir)).toEqual([]));

      // parts: inline replaced by inline, by a file, by inline again; one left out; one aborted
      const upload = await store.createMultipartUpload(params("b", "m"));
      const big = randomBytes(MIN_PART_SIZE);
      const p1 = await store.uploadPart("b", "m", upload.uploadId, 1, bodyFromBuffer(Buffer.from("small first")));
      expect(p1.size).toBe(11);
      await store.uploadPart("b", "m", upload.uploadId, 1, bodyFromBuffer(Buffer.from("small again")));
      const first = await store.uploadPart("b", "m", upload.uploadId, 1, bodyFromBuffer(big));
      await store.uploadPart("b", "m", upload.uploadId, 2, bodyFromBuffer(randomBytes(LIMIT + 1)));
      const last = await store.uploadPart("b", "m", upload.uploadId, 2, bodyFromBuffer(Buffer.from("inline tail")));
      await store.uploadPart("b", "m", upload.uploadId, 3, bodyFromBuffer(Buffer.from("left out")));
      const listed = await store.listParts({ bucket: "b", key: "m", uploadId: upload.uploadId, maxParts: 10 });
      expect(listed.parts.map((p) => p.size)).toEqual([MIN_PART_SIZE, 11, 8]);
      await store.completeMultipartUpload({
        bucket: "b",
        key: "m",
        uploadId: upload.uploadId,
        parts: [first, last].map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      });
      const got = await store.getObject({ bucket: "b", key: "m" });
      expect((await readAll(got.open())).equals(Buffer.concat([big, Buffer.from("inline tail")]))).toBe(true);
      const aborted = await store.createMultipartUpload(params("b", "a"));
      await store.uploadPart("b", "a", aborted.uploadId, 1, bodyFromBuffer(Buffer.from("gone")));
      await store.abortMultipartUpload("b", "a", aborted.uploadId);
      await eventually(async () => expect((await segmentFiles(dataDir)).length).toBe(1));
      await store.close();
      // k (empty, inline) and m's inline tail; m's first part is the one file
      expect(await checkMetadataInvariants(dataDir)).toEqual({ fileSegments: 1, inlineSegments: 2 });
    });

    it("serves ranges and part numbers of inline data, alone and after a file part", async () => {
      const { store } = await freshStore();
      await store.createBucket("b", "owner");
      const small = randomBytes(10_000);
      await store.putObject(params("b", "small"), bodyFromBuffer(small, { chunkSize: 999 }));
      const read = async (p: Omit<GetObjectParams, "bucket">) => {
        const result = await store.getObject({ bucket: "b", ...p });
        const pins = store.stats().pinnedSegments;
        return { result, pins, bytes: await readAll(result.open()) };
      };
      for (const [start, end] of [[0, 0], [100, 199], [9_999, 9_999], [0, 9_999], [4_321, 8_765]]) {
        const { result, pins, bytes } = await read({ key: "small", range: () => ({ start, end }) });
        expect(result.range).toEqual({ start, end });
        expect(pins).toBe(0);
        expect(bytes.equals(small.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
      }
      const whole = await read({ key: "small", partNumber: 1 });
      expect(whole.result.part).toEqual({ partsCount: 1, range: { start: 0, end: 9_999 } });
      expect(whole.bytes.equals(small)).toBe(true);
      await expectStorageError(store.getObject({ bucket: "b", key: "small", partNumber: 2 }), "INVALID_PART_NUMBER");

      // a multipart object: a file part, then an inline last part
      const big = randomBytes(MIN_PART_SIZE);
      const tail = randomBytes(5_000);
      const upload = await store.createMultipartUpload(params("b", "m"));
      const parts = [];
      for (const [i, data] of [big, tail].entries()) {
        parts.push(await store.uploadPart("b", "m", upload.uploadId, i + 1, bodyFromBuffer(data)));
      }
      await store.completeMultipartUpload({
        bucket: "b",
        key: "m",
        uploadId: upload.uploadId,
        parts: parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      });
      const all = Buffer.concat([big, tail]);
      const second = await read({ key: "m", partNumber: 2 });
      expect(second.result.part).toEqual({ partsCount: 2, range: { start: MIN_PART_SIZE, end: all.length - 1 } });
      expect(second.pins).toBe(0);
      expect(second.bytes.equals(tail)).toBe(true);
      const firstPart = await read({ key: "m", partNumber: 1 });
      expect(firstPart.pins).toBe(1);
      expect(firstPart.bytes.equals(big)).toBe(true);
      const across = await read({ key: "m", range: () => ({ start: MIN_PART_SIZE - 3, end: MIN_PART_SIZE + 2 }) });
      expect(across.pins).toBe(1);
      expect(across.bytes.equals(all.subarray(MIN_PART_SIZE - 3, MIN_PART_SIZE + 3))).toBe(true);
      const inTail = await read({ key: "m", range: (info) => ({ start: info.size - 10, end: info.size - 1 }) });
      expect(inTail.pins).toBe(0);
      expect(inTail.bytes.equals(tail.subarray(-10))).toBe(true);
      await eventually(async () => expect(store.stats().pinnedSegments).toBe(0));
    });

    it("a reader of an inline object keeps its bytes while the object is overwritten and deleted", async () => {
      const { store } = await freshStore();
      await store.createBucket("b", "owner");
      const old = randomBytes(LIMIT);
      await store.putObject(params("b", "k"), bodyFromBuffer(old));
      // one snapshot opened and read partway, one not opened yet
      const streaming = await store.getObject({ bucket: "b", key: "k", range: () => ({ start: 0, end: LIMIT - 1 }) });
      const stream = streaming.open();
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done).toBe(false);
      const unopened = await store.getObject({ bucket: "b", key: "k" });
      // inline -> inline -> file -> deleted, and the rowids of the dropped rows reused meanwhile
      await store.putObject(params("b", "k"), bodyFromBuffer(randomBytes(100)));
      await store.putObject(params("b", "other"), bodyFromBuffer(randomBytes(LIMIT)));
      await store.putObject(params("b", "k"), bodyFromBuffer(randomBytes(LIMIT + 1)));
      await store.deleteObject("b", "k");
      const chunks: Buffer[] = [first.value as Buffer];
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks.push(next.value as Buffer);
      expect(Buffer.concat(chunks).equals(old)).toBe(true);
      expect((await readAll(unopened.open())).equals(old)).toBe(true);
      expect(unopened.info.etag).toBe(md5Hex(old));
      await expectStorageError(store.headObject("b", "k"), "KEY_NOT_FOUND");
    });

    it("upgrades a version 1 database, which has no inline data, in place", async () => {
      const { store, dataDir } = await freshStore(FILES_ONLY);
      await store.createBucket("b", "owner");
      const data = randomBytes(1000);
      await store.putObject(params("b", "k"), bodyFromBuffer(data));
      await store.close();
      const db = new Database(join(dataDir, "meta.sqlite"));
      db.exec(
        "DROP TABLE inline_data; DROP TABLE completed_uploads; DROP TABLE bucket_tags; DROP TABLE bucket_cors; DROP TABLE bucket_versioning; DROP TABLE versions; DROP TABLE bucket_lifecycle; DROP TABLE bucket_policy; DROP TABLE bucket_public_access_block; UPDATE store_info SET value = '1' WHERE name = 'schema_version'",
      );
      db.close();
      const reopened = await openEmbeddedStore({ dataDir });
      cleanups.push(() => reopened.close());
      expect((await readAll((await reopened.getObject({ bucket: "b", key: "k" })).open())).equals(data)).toBe(true);
      await reopened.putObject(params("b", "new"), bodyFromBuffer(Buffer.from("inline now")));
      expect((await readAll((await reopened.getObject({ bucket: "b", key: "new" })).open())).toString()).toBe("inline now");
      await reopened.close();
      const check = new Database(join(dataDir, "meta.sqlite"), { readonly: true });
      expect(check.prepare("SELECT value FROM store_info WHERE name = 'schema_version'").pluck().get()).toBe(String(SCHEMA_VERSION));
      check.close();
    });

    it("upgrades a version 4 database, which has no CORS rules, in place", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      await store.putBucketTags("b", { kept: "yes" });
      await store.close();
      const db = new Database(join(dataDir, "meta.sqlite"));
      db.exec("DROP TABLE bucket_cors; DROP TABLE bucket_versioning; DROP TABLE versions; DROP TABLE bucket_lifecycle; DROP TABLE bucket_policy; DROP TABLE bucket_public_access_block; UPDATE store_info SET value = '4' WHERE name = 'schema_version'");
      db.close();
      const reopened = await openEmbeddedStore({ dataDir });
      cleanups.push(() => reopened.close());
      expect(await reopened.getBucketTags("b")).toEqual({ kept: "yes" });
      expect(await reopened.getBucketCors("b")).toBeUndefined();
      await reopened.putBucketCors("b", [{ allowedMethods: ["GET"], allowedOrigins: ["*"] }]);
      expect(await reopened.getBucketCors("b")).toEqual([{ allowedMethods: ["GET"], allowedOrigins: ["*"] }]);
      await reopened.close();
      const check = new Database(join(dataDir, "meta.sqlite"), { readonly: true });
      expect(check.prepare("SELECT value FROM store_info WHERE name = 'schema_version'").pluck().get()).toBe(String(SCHEMA_VERSION));
      check.close();
    });

    it("upgrades a version 6 database, which has no lifecycle rules, in place", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      await store.putBucketCors("b", [{ allowedMethods: ["GET"], allowedOrigins: ["*"] }]);
      await store.close();
      const db = new Database(join(dataDir, "meta.sqlite"));
      db.exec("DROP TABLE bucket_lifecycle; DROP TABLE bucket_policy; DROP TABLE bucket_public_access_block; UPDATE store_info SET value = '6' WHERE name = 'schema_version'");
      db.close();
      const reopened = await openEmbeddedStore({ dataDir });
      cleanups.push(() => reopened.close());
      expect(await reopened.getBucketCors("b")).toEqual([{ allowedMethods: ["GET"], allowedOrigins: ["*"] }]);
      expect(await reopened.getBucketLifecycle("b")).toBeUndefined();
      const rules = [{ id: "r", enabled: true, filter: { form: "Filter" as const }, expiration: { days: 1 } }];
      await reopened.putBucketLifecycle("b", rules);
      expect(await reopened.getBucketLifecycle("b")).toEqual(rules);
      expect(await reopened.lifecycleBuckets("", 10)).toEqual(["b"]);
      await reopened.close();
      const check = new Database(join(dataDir, "meta.sqlite"), { readonly: true });
      expect(check.prepare("SELECT value FROM store_info WHERE name = 'schema_version'").pluck().get()).toBe(String(SCHEMA_VERSION));
      check.close();
    });

    it("upgrades a version 7 database, which has no bucket policies, in place", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      await store.putBucketCors("b", [{ allowedMethods: ["GET"], allowedOrigins: ["*"] }]);
      await store.close();
      const db = new Database(join(dataDir, "meta.sqlite"));
      db.exec("DROP TABLE bucket_policy; DROP TABLE bucket_public_access_block; UPDATE store_info SET value = '7' WHERE name = 'schema_version'");
      db.close();
      const reopened = await openEmbeddedStore({ dataDir });
      cleanups.push(() => reopened.close());
      expect(await reopened.getBucketCors("b")).toEqual([{ allowedMethods: ["GET"], allowedOrigins: ["*"] }]);
      expect(await reopened.getBucketPolicy("b")).toBeUndefined();
      expect(await reopened.getPublicAccessBlock("b")).toBeUndefined();
      await reopened.putBucketPolicy("b", '{"Statement": []}');
      expect(await reopened.getBucketPolicy("b")).toBe('{"Statement": []}');
      await reopened.close();
      const check = new Database(join(dataDir, "meta.sqlite"), { readonly: true });
      expect(check.prepare("SELECT value FROM store_info WHERE name = 'schema_version'").pluck().get()).toBe(String(SCHEMA_VERSION));
      check.close();
    });
  });
});
