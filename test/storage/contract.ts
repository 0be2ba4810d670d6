/**
 * The storage contract: what every StorageClient implementation must do, as vitest suites. Runs
 * against the embedded store (embedded.test.ts) and the Apache Ozone client (test/ozone). Only the
 * StorageClient interface is used here; backend-specific checks (files on disk, recovery) live in
 * the backend's own test file.
 *
 * Every test works in buckets of its own, so tests do not depend on each other's leftovers. Parts
 * of it have files of their own: contract-multipart.ts (uploads), contract-object-parts.ts (an
 * object's parts), contract-helpers.ts (digests, listing order, the StorageError check).
 */
import { createHash, randomBytes } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  MIN_PART_SIZE,
  type GetObjectParams,
  type PartInfo,
  type ListObjectsResult,
  type PutObjectParams,
  type StorageClient,
  type StorageErrorKind,
} from "../../runtime/storage/types.js";
import { bodyFromBuffer, gatedBody, readAll } from "./body.js";
import { compareUtf8, crcBase64, expectStorageError, md5Hex, multipartEtag, OTHER_OWNER, OWNER } from "./contract-helpers.js";
import { multipartContract } from "./contract-multipart.js";
import { objectPartsContract } from "./contract-object-parts.js";

export { compareUtf8, crcBase64, expectStorageError, md5Hex, multipartEtag } from "./contract-helpers.js";

export interface StorageFixture {
  store: StorageClient;
  cleanup(): Promise<void>;
}


type ListEntry = { key: string } | { prefix: string };

/** The listing a bucket holding `keys` must produce: an independent model of S3 semantics. */
function modelListing(keys: readonly string[], prefix: string, delimiter: string | undefined, startAfter?: string): ListEntry[] {
  const entries: ListEntry[] = [];
  const seen = new Set<string>();
  for (const key of [...keys].sort(compareUtf8)) {
    if (!key.startsWith(prefix)) continue;
    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (at >= 0) {
      const commonPrefix = key.slice(0, at + delimiter!.length);
      if (!seen.has(commonPrefix)) {
        seen.add(commonPrefix);
        entries.push({ prefix: commonPrefix });
      }
    } else {
      entries.push({ key });
    }
  }
  if (startAfter === undefined) return entries;
  return entries.filter((e) => compareUtf8("key" in e ? e.key : e.prefix, startAfter) > 0);
}

/** Objects and common prefixes of a page merged back into one ordered list. */
function pageEntries(page: ListObjectsResult): ListEntry[] {
  const entries: ListEntry[] = [
    ...page.objects.map((o) => ({ key: o.key })),
    ...page.commonPrefixes.map((prefix) => ({ prefix })),
  ];
  return entries.sort((a, b) => compareUtf8("key" in a ? a.key : a.prefix, "key" in b ? b.key : b.prefix));
}


function entryName(e: ListEntry): string {
  return "key" in e ? e.key : e.prefix;
}

/**
 * Where a store may differ from the embedded one and still be right for its engine. Each
 * difference is a property of the engine (documented with the backend), not a test being lenient.
 */
export interface StorageTraits {
  /**
   * A completed upload's ETag from the parts the completion listed and every part the upload had
   * (default: AWS's, md5 of the listed parts' binary MD5s, "-N").
   */
  multipartEtag?: (listed: Buffer[], uploaded: Buffer[]) => string;
  /**
   * false: the store keeps no additional checksums for multipart objects: it takes an upload's
   * algorithm (and each part's checksum), but the object gets no checksum, and an object checksum
   * stated on completion is NOT_SUPPORTED.
   */
  multipartChecksums?: boolean;
  /**
   * How far the lastModified a write returns may be from the one reads show, in ms (0: the same
   * instant). An engine that stamps the time at commit without returning it can only estimate.
   */
  lastModifiedSlackMs?: number;
  /**
   * Listing order: "utf8" (S3's, the default) or "utf16" (Java String order, as Ozone's OM sorts
   * a page: differs only between supplementary characters and U+E000..U+FFFF).
   */
  keyOrder?: "utf8" | "utf16";
  /**
   * false: the engine keeps no link from an object to the upload that completed it, so a retried
   * completion is answered whenever the key holds what those parts make, even when a later upload
   * of the same parts made it.
   */
  completionKnowsUpload?: boolean;
  /**
   * How long a listing may still show a key deleted a moment ago, in ms (0: never). Ozone 2.2.0's
   * OM has such a window (see settled() in test/support/ozone.ts).
   */
  listingAfterDeleteSettlesMs?: number;
  /** false: the engine keeps no bucket tags; putBucketTags fails with NOT_SUPPORTED, every bucket reads as untagged */
  bucketTags?: boolean;
  /** false: the engine keeps no CORS rules; putBucketCors fails with NOT_SUPPORTED, every bucket reads as without rules */
  bucketCors?: boolean;
  /**
   * false: the engine keeps one version per key; every bucket is never versioned,
   * putBucketVersioning fails with NOT_SUPPORTED and only version "null" exists
   */
  versioning?: boolean;
  /** false: the engine keeps no lifecycle rules (putBucketLifecycle fails with NOT_SUPPORTED, every bucket reads as without rules) */
  bucketLifecycle?: boolean;
  /** false: the engine keeps no bucket policies or public access blocks (their puts fail with NOT_SUPPORTED, every bucket reads as without them) */
  bucketPolicy?: boolean;
}

export function defineStorageContract(name: string, factory: () => Promise<StorageFixture>, traits: StorageTraits = {}): void {
  const etagOf = traits.multipartEtag ?? ((listed: Buffer[]) => multipartEtag(listed));
  const multipartChecksums = traits.multipartChecksums ?? true;
  const slack = traits.lastModifiedSlackMs ?? 0;
  /** `written` as reads show it: the same object, its lastModified within the engine's slack */
  const asRead = <T extends { lastModified: Date }>(written: T, read: { lastModified: Date }): T => {
    if (Math.abs(read.lastModified.getTime() - written.lastModified.getTime()) > slack) return written;
    return { ...written, lastModified: read.lastModified };
  };
  describe(`storage contract: ${name}`, () => {
    let fixture: StorageFixture | undefined;
    let store: StorageClient;
    /** two random 5 MiB parts, shared by the multipart tests (generated once) */
    let bigA: Buffer;
    let bigB: Buffer;
    let bucketCounter = 0;
    const runId = randomBytes(3).toString("hex");

    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
      bigA = randomBytes(MIN_PART_SIZE);
      bigB = randomBytes(MIN_PART_SIZE);
    });
    afterAll(async () => {
      await fixture?.cleanup();
    });

    /** a fresh bucket (S3-valid name) owned by OWNER */
    async function newBucket(): Promise<string> {
      const bucket = `contract-${runId}-${++bucketCounter}`;
      await store.createBucket(bucket, OWNER);
      return bucket;
    }

    function putParams(bucket: string, key: string, extra: Partial<PutObjectParams> = {}): PutObjectParams {
      return { bucket, key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: OWNER, ...extra };
    }

    function put(bucket: string, key: string, data: Buffer, extra: Partial<PutObjectParams> = {}) {
      return store.putObject(putParams(bucket, key, extra), bodyFromBuffer(data));
    }

    async function getBytes(params: GetObjectParams) {
      const result = await store.getObject(params);
      const bytes = await readAll(result.open());
      return { result, bytes };
    }

    async function content(bucket: string, key: string): Promise<Buffer> {
      return (await getBytes({ bucket, key })).bytes;
    }

    function createUpload(bucket: string, key: string, extra: Record<string, unknown> = {}) {
      return store.createMultipartUpload({
        bucket,
        key,
        userMetadata: {},
        tags: {},
        storageClass: "STANDARD",
        owner: OWNER,
        ...extra,
      });
    }

    async function uploadParts(bucket: string, key: string, uploadId: string, parts: Buffer[]) {
      const infos = [];
      for (let i = 0; i < parts.length; i++) {
        infos.push(await store.uploadPart(bucket, key, uploadId, i + 1, bodyFromBuffer(parts[i])));
      }
      return infos;
    }

    /** creates an object from `parts` by multipart upload and returns its info */
    async function multipartObject(bucket: string, key: string, parts: Buffer[]) {
      const upload = await createUpload(bucket, key);
      const infos = await uploadParts(bucket, key, upload.uploadId, parts);
      return store.completeMultipartUpload({
        bucket,
        key,
        uploadId: upload.uploadId,
        parts: infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      });
    }

    /** uploads `parts` with their `algorithm` checksums, computed here, independently of any store */
    async function uploadCrcParts(bucket: string, key: string, uploadId: string, parts: Buffer[], algorithm: "CRC32" | "CRC32C") {
      const infos: PartInfo[] = [];
      for (const [i, data] of parts.entries()) {
        const checksum = { algorithm, type: "FULL_OBJECT" as const, value: crcBase64(algorithm, data) };
        infos.push(await store.uploadPart(bucket, key, uploadId, i + 1, bodyFromBuffer(data, { checksum })));
        expect(infos[i].checksum).toEqual(checksum);
      }
      return infos;
    }

    // ------------------------------------------------------------------ buckets

    describe("buckets", () => {
      it("creates, gets and lists a bucket with its owner and creation date", async () => {
        const before = Date.now();
        const bucket = await newBucket();
        const info = await store.getBucket(bucket);
        expect(info.name).toBe(bucket);
        expect(info.owner).toBe(OWNER);
        expect(info.creationDate.getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(info.creationDate.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
        const listed = await store.listBuckets();
        // (getBucket may also tell the default retention, for the write that asks; a listing does not)
        const { defaultRetention, ...listable } = info;
        expect(defaultRetention === undefined || defaultRetention === false).toBe(true);
        expect(listed.find((b) => b.name === bucket)).toEqual(listable);
        const names = listed.map((b) => b.name);
        expect(names).toEqual([...names].sort(compareUtf8));
      });

      it("answers BUCKET_ALREADY_OWNED to the owner and BUCKET_ALREADY_EXISTS to anyone else", async () => {
        const bucket = await newBucket();
        await expectStorageError(store.createBucket(bucket, OWNER), "BUCKET_ALREADY_OWNED");
        await expectStorageError(store.createBucket(bucket, OTHER_OWNER), "BUCKET_ALREADY_EXISTS");
        expect((await store.getBucket(bucket)).owner).toBe(OWNER);
      });

      it("answers BUCKET_NOT_FOUND for a missing bucket", async () => {
        await expectStorageError(store.getBucket(`contract-${runId}-missing`), "BUCKET_NOT_FOUND");
        await expectStorageError(store.deleteBucket(`contract-${runId}-missing`), "BUCKET_NOT_FOUND");
      });

      it("refuses to delete a bucket holding an object, then deletes it once empty", async () => {
        const bucket = await newBucket();
        await put(bucket, "k", Buffer.from("x"));
        await expectStorageError(store.deleteBucket(bucket), "BUCKET_NOT_EMPTY");
        await store.deleteObject(bucket, "k");
        await store.deleteBucket(bucket);
        await expectStorageError(store.getBucket(bucket), "BUCKET_NOT_FOUND");
        expect((await store.listBuckets()).some((b) => b.name === bucket)).toBe(false);
      });

      it("deletes a bucket with in-progress uploads and aborts them", async () => {
        const bucket = await newBucket();
        const upload = await createUpload(bucket, "pending");
        await store.uploadPart(bucket, "pending", upload.uploadId, 1, bodyFromBuffer(Buffer.from("part")));
        await store.deleteBucket(bucket);
        await store.createBucket(bucket, OWNER);
        expect((await store.listMultipartUploads({ bucket, maxUploads: 100 })).uploads).toEqual([]);
        await expectStorageError(
          store.uploadPart(bucket, "pending", upload.uploadId, 2, bodyFromBuffer(Buffer.from("p"))),
          "UPLOAD_NOT_FOUND",
        );
        await store.deleteBucket(bucket);
      });

      it("answers BUCKET_NOT_FOUND for every object operation on a missing bucket", async () => {
        const missing = `contract-${runId}-nobucket`;
        const calls: Array<() => Promise<unknown>> = [
          () => put(missing, "k", Buffer.from("x")),
          () => store.headObject(missing, "k"),
          () => store.getObject({ bucket: missing, key: "k" }),
          () => store.deleteObject(missing, "k"),
          () => store.deleteObjects(missing, [{ key: "k" }]),
          () => store.listObjects({ bucket: missing, maxKeys: 10 }),
          () => createUpload(missing, "k"),
          () => store.uploadPart(missing, "k", "no-such-upload", 1, bodyFromBuffer(Buffer.from("x"))),
          () => store.completeMultipartUpload({ bucket: missing, key: "k", uploadId: "no-such-upload", parts: [{ partNumber: 1, etag: "x" }] }),
          () => store.abortMultipartUpload(missing, "k", "no-such-upload"),
          () => store.listParts({ bucket: missing, key: "k", uploadId: "no-such-upload", maxParts: 10 }),
          () => store.listMultipartUploads({ bucket: missing, maxUploads: 10 }),
        ];
        for (const call of calls) await expectStorageError(call(), "BUCKET_NOT_FOUND");
      });
    });

    // ------------------------------------------------------------------ objects

    describe("objects", () => {
      it("stores and returns bytes, ETag and every piece of metadata", async () => {
        const bucket = await newBucket();
        const data = randomBytes(200_000);
        const before = Date.now();
        const params = putParams(bucket, "dir/obj.bin", {
          contentType: "application/x-test",
          contentEncoding: "gzip",
          contentLanguage: "en",
          contentDisposition: 'attachment; filename="a.bin"',
          cacheControl: "no-cache",
          expires: "Wed, 21 Oct 2099 07:28:00 GMT",
          userMetadata: { color: "blue", "empty-value": "" },
          tags: { project: "s3gw", env: "" },
          storageClass: "STANDARD_IA",
        });
        const body = bodyFromBuffer(data, { checksumAlgorithm: "SHA256" });
        const put1 = await store.putObject(params, body);
        const expected = {
          bucket,
          key: "dir/obj.bin",
          size: data.length,
          etag: md5Hex(data),
          storageClass: "STANDARD_IA",
          owner: OWNER,
          contentType: "application/x-test",
          contentEncoding: "gzip",
          contentLanguage: "en",
          contentDisposition: 'attachment; filename="a.bin"',
          cacheControl: "no-cache",
          expires: "Wed, 21 Oct 2099 07:28:00 GMT",
          userMetadata: { color: "blue", "empty-value": "" },
          tags: { project: "s3gw", env: "" },
          checksum: {
            algorithm: "SHA256",
            type: "FULL_OBJECT",
            value: createHash("sha256").update(data).digest("base64"),
          },
        };
        expect(put1).toMatchObject(expected);
        expect(put1.partsCount).toBeUndefined();
        expect(put1.lastModified.getTime()).toBeGreaterThanOrEqual(before - 1000);

        const head = await store.headObject(bucket, "dir/obj.bin");
        expect(head.info).toEqual(asRead(put1, head.info));
        expect(head.part).toBeUndefined();
        const { result, bytes } = await getBytes({ bucket, key: "dir/obj.bin" });
        expect(result.info).toEqual(asRead(put1, result.info));
        expect(result.range).toBeUndefined();
        expect(result.part).toBeUndefined();
        expect(bytes.equals(data)).toBe(true);
      });

      it("stores an empty object", async () => {
        const bucket = await newBucket();
        const info = await put(bucket, "empty", Buffer.alloc(0));
        expect(info.size).toBe(0);
        expect(info.etag).toBe("d41d8cd98f00b204e9800998ecf8427e");
        expect((await content(bucket, "empty")).length).toBe(0);
        const listed = await store.listObjects({ bucket, maxKeys: 10 });
        expect(listed.objects.map((o) => [o.key, o.size])).toEqual([["empty", 0]]);
      });

      it("answers KEY_NOT_FOUND for a missing key", async () => {
        const bucket = await newBucket();
        await expectStorageError(store.headObject(bucket, "nope"), "KEY_NOT_FOUND");
        await expectStorageError(store.getObject({ bucket, key: "nope" }), "KEY_NOT_FOUND");
      });

      it("replaces an object on overwrite", async () => {
        const bucket = await newBucket();
        await put(bucket, "k", Buffer.from("first version"), { userMetadata: { v: "1" }, contentType: "text/a" });
        const second = await put(bucket, "k", Buffer.from("second"), { userMetadata: { v: "2" } });
        expect(second.etag).toBe(md5Hex(Buffer.from("second")));
        const head = await store.headObject(bucket, "k");
        expect(head.info.userMetadata).toEqual({ v: "2" });
        expect(head.info.contentType).toBeUndefined();
        expect((await content(bucket, "k")).toString()).toBe("second");
        const listed = await store.listObjects({ bucket, maxKeys: 10 });
        expect(listed.objects.map((o) => [o.key, o.etag, o.size])).toEqual([["k", second.etag, 6]]);
      });

      it("deletes objects; deleting a missing key succeeds", async () => {
        const bucket = await newBucket();
        await put(bucket, "a", Buffer.from("1"));
        await store.deleteObject(bucket, "a");
        await expectStorageError(store.headObject(bucket, "a"), "KEY_NOT_FOUND");
        await store.deleteObject(bucket, "a");
        await store.deleteObject(bucket, "never-existed");
        expect((await store.listObjects({ bucket, maxKeys: 10 })).objects).toEqual([]);
      });

      it("deletes a batch of keys, reporting each (missing keys are successes)", async () => {
        const bucket = await newBucket();
        for (const key of ["a", "b", "c"]) await put(bucket, key, Buffer.from(key));
        const results = await store.deleteObjects(bucket, [{ key: "a" }, { key: "missing" }, { key: "c" }]);
        expect(results).toEqual([{ key: "a" }, { key: "missing" }, { key: "c" }]);
        let listed = await store.listObjects({ bucket, maxKeys: 10 });
        for (const until = Date.now() + (traits.listingAfterDeleteSettlesMs ?? 0); listed.objects.length !== 1 && Date.now() < until; ) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          listed = await store.listObjects({ bucket, maxKeys: 10 });
        }
        expect(listed.objects.map((o) => o.key)).toEqual(["b"]);
      });

      it("serves byte ranges resolved by the caller", async () => {
        const bucket = await newBucket();
        const data = randomBytes(100_000);
        await put(bucket, "r", data);
        for (const [start, end] of [
          [0, 0],
          [0, 99_999],
          [99_999, 99_999],
          [65_530, 65_545],
          [1, 70_000],
        ]) {
          const { result, bytes } = await getBytes({
            bucket,
            key: "r",
            range: (info) => {
              expect(info.size).toBe(data.length);
              return { start, end };
            },
          });
          expect(result.range).toEqual({ start, end });
          expect(bytes.equals(data.subarray(start, end + 1))).toBe(true);
        }
        // a range callback answering undefined means the whole object
        const whole = await getBytes({ bucket, key: "r", range: () => undefined });
        expect(whole.result.range).toBeUndefined();
        expect(whole.bytes.equals(data)).toBe(true);
      });

      it("serves partNumber=1 of a non-multipart object as the whole object", async () => {
        const bucket = await newBucket();
        const data = randomBytes(1000);
        await put(bucket, "single", data);
        const { result, bytes } = await getBytes({ bucket, key: "single", partNumber: 1 });
        expect(result.part).toEqual({ partsCount: 1, range: { start: 0, end: 999 } });
        expect(bytes.equals(data)).toBe(true);
        expect((await store.headObject(bucket, "single", 1)).part).toEqual({ partsCount: 1, range: { start: 0, end: 999 } });
        await expectStorageError(store.getObject({ bucket, key: "single", partNumber: 2 }), "INVALID_PART_NUMBER");
        await expectStorageError(store.headObject(bucket, "single", 2), "INVALID_PART_NUMBER");
      });

      it("can release a getObject result without reading it, and the object stays usable", async () => {
        const bucket = await newBucket();
        await put(bucket, "k", Buffer.from("abc"));
        const result = await store.getObject({ bucket, key: "k" });
        result.release();
        result.release();
        await put(bucket, "k", Buffer.from("new"));
        expect((await content(bucket, "k")).toString()).toBe("new");
      });

      it("keeps a consumer that stops reading early from breaking later reads", async () => {
        const bucket = await newBucket();
        const data = randomBytes(2 * 1024 * 1024);
        await put(bucket, "k", data);
        const stream = (await store.getObject({ bucket, key: "k" })).open();
        for await (const _chunk of stream) break; // destroys the stream after one chunk
        expect((await content(bucket, "k")).equals(data)).toBe(true);
      });

      it("a body whose stream fails leaves no object and rethrows the body's error unchanged", async () => {
        const bucket = await newBucket();
        const failure = new Error("signature mismatch in chunk 3");
        const attempt = store.putObject(
          putParams(bucket, "broken"),
          bodyFromBuffer(randomBytes(300_000), { errorAt: 150_000, error: failure, chunkSize: 16 * 1024 }),
        );
        await expect(attempt).rejects.toBe(failure);
        await expectStorageError(store.headObject(bucket, "broken"), "KEY_NOT_FOUND");
        expect((await store.listObjects({ bucket, maxKeys: 10 })).objects).toEqual([]);
      });

      it("a failed overwrite keeps the previous version intact", async () => {
        const bucket = await newBucket();
        const original = randomBytes(50_000);
        const info = await put(bucket, "k", original);
        const failure = new Error("content-md5 mismatch");
        await expect(
          store.putObject(putParams(bucket, "k"), bodyFromBuffer(randomBytes(80_000), { errorAt: 40_000, error: failure })),
        ).rejects.toBe(failure);
        await expect(
          store.putObject(putParams(bucket, "k"), bodyFromBuffer(randomBytes(10), { errorAt: 0, error: failure })),
        ).rejects.toBe(failure);
        expect((await store.headObject(bucket, "k")).info.etag).toBe(info.etag);
        expect((await content(bucket, "k")).equals(original)).toBe(true);
      });

      it("a reader keeps streaming the complete old bytes while the object is overwritten and deleted", async () => {
        const bucket = await newBucket();
        const old = randomBytes(3 * 1024 * 1024);
        await put(bucket, "hot", old);
        const reading = await store.getObject({ bucket, key: "hot" });
        const iterator = reading.open()[Symbol.asyncIterator]();
        const first = await iterator.next();
        expect(first.done).toBe(false);
        await put(bucket, "hot", Buffer.from("replacement"));
        await store.deleteObject(bucket, "hot");
        const chunks: Buffer[] = [first.value as Buffer];
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks.push(next.value as Buffer);
        expect(Buffer.concat(chunks).equals(old)).toBe(true);
        expect(reading.info.etag).toBe(md5Hex(old));
      });

      it("a getObject snapshot taken before an overwrite opens the old bytes", async () => {
        const bucket = await newBucket();
        await put(bucket, "k", Buffer.from("old bytes"));
        const snapshot = await store.getObject({ bucket, key: "k" });
        await put(bucket, "k", Buffer.from("new bytes, longer"));
        expect((await readAll(snapshot.open())).toString()).toBe("old bytes");
        expect((await content(bucket, "k")).toString()).toBe("new bytes, longer");
      });

      it("rejects an empty key", async () => {
        const bucket = await newBucket();
        await expectStorageError(put(bucket, "", Buffer.from("x")), "INVALID_ARGUMENT");
      });
    });

    // ------------------------------------------------------------------ conditional writes

    describe("conditional writes", () => {
      it("If-None-Match: * creates a missing key and refuses an existing one", async () => {
        const bucket = await newBucket();
        await put(bucket, "k", Buffer.from("v1"), { ifNoneMatch: "*" });
        await expectStorageError(put(bucket, "k", Buffer.from("v2"), { ifNoneMatch: "*" }), "PRECONDITION_FAILED");
        expect((await content(bucket, "k")).toString()).toBe("v1");
      });

      it("If-Match replaces only the version with that ETag, compared unquoted and case-insensitively", async () => {
        const bucket = await newBucket();
        const v1 = await put(bucket, "k", Buffer.from("v1"));
        await expectStorageError(put(bucket, "k", Buffer.from("x"), { ifMatch: md5Hex(Buffer.from("other")) }), "PRECONDITION_FAILED");
        const v2 = await put(bucket, "k", Buffer.from("v2"), { ifMatch: v1.etag });
        await put(bucket, "k", Buffer.from("v3"), { ifMatch: `"${v2.etag.toUpperCase()}"` });
        expect((await content(bucket, "k")).toString()).toBe("v3");
      });

      it("If-Match on a missing key is KEY_NOT_FOUND (S3: 404 NoSuchKey), for PutObject and CompleteMultipartUpload", async () => {
        const bucket = await newBucket();
        await expectStorageError(put(bucket, "k", Buffer.from("x"), { ifMatch: md5Hex(Buffer.from("x")) }), "KEY_NOT_FOUND");
        await expectStorageError(put(bucket, "k", Buffer.from("x"), { ifMatch: "*" }), "KEY_NOT_FOUND");
        await expectStorageError(store.headObject(bucket, "k"), "KEY_NOT_FOUND");

        const upload = await createUpload(bucket, "k");
        const [part] = await uploadParts(bucket, "k", upload.uploadId, [Buffer.from("from upload")]);
        const parts = [{ partNumber: 1, etag: part.etag }];
        for (const ifMatch of [part.etag, "*"]) {
          await expectStorageError(
            store.completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts, ifMatch }),
            "KEY_NOT_FOUND",
          );
        }
        await expectStorageError(store.headObject(bucket, "k"), "KEY_NOT_FOUND");
        // the upload is untouched: the same completion without the condition goes through
        expect((await store.listParts({ bucket, key: "k", uploadId: upload.uploadId, maxParts: 10 })).parts.length).toBe(1);
        await store.completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts });
        expect((await content(bucket, "k")).toString()).toBe("from upload");
      });

      it("an If-Match that held when the write started but not at its commit is CONFLICT", async () => {
        const bucket = await newBucket();
        const v1 = await put(bucket, "k", Buffer.from("v1"));
        // overwritten while the conditional write's body streams
        const overwritten = gatedBody(Buffer.from("cond"), Buffer.from("itional"));
        const first = store.putObject(putParams(bucket, "k", { ifMatch: v1.etag }), overwritten.body);
        await overwritten.started;
        const v2 = await put(bucket, "k", Buffer.from("v2"));
        overwritten.release();
        await expectStorageError(first, "CONFLICT");
        expect((await store.headObject(bucket, "k")).info.etag).toBe(v2.etag);
        // deleted while it streams: still CONFLICT (the key existed when the write started)
        const deleted = gatedBody(Buffer.from("cond"), Buffer.from("itional"));
        const second = store.putObject(putParams(bucket, "k", { ifMatch: v2.etag }), deleted.body);
        await deleted.started;
        await store.deleteObject(bucket, "k");
        deleted.release();
        await expectStorageError(second, "CONFLICT");
        await expectStorageError(store.headObject(bucket, "k"), "KEY_NOT_FOUND");
      });

      it("of two racing If-None-Match: * writes exactly one wins", async () => {
        const bucket = await newBucket();
        const a = gatedBody(Buffer.from("aaaa"), Buffer.from("AAAA"));
        const b = gatedBody(Buffer.from("bbbb"), Buffer.from("BBBB"));
        const writeA = store.putObject(putParams(bucket, "race", { ifNoneMatch: "*" }), a.body);
        const writeB = store.putObject(putParams(bucket, "race", { ifNoneMatch: "*" }), b.body);
        await Promise.all([a.started, b.started]); // both passed any early check
        a.release();
        await writeA;
        b.release();
        await expectStorageError(writeB, ["PRECONDITION_FAILED", "CONFLICT"]);
        expect((await content(bucket, "race")).toString()).toBe("aaaaAAAA");
      });

      it("CompleteMultipartUpload honours If-None-Match and If-Match, keeping the upload on failure", async () => {
        const bucket = await newBucket();
        const existing = await put(bucket, "k", Buffer.from("existing"));
        const upload = await createUpload(bucket, "k");
        const [part] = await uploadParts(bucket, "k", upload.uploadId, [Buffer.from("from upload")]);
        const parts = [{ partNumber: 1, etag: part.etag }];
        await expectStorageError(
          store.completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts, ifNoneMatch: "*" }),
          "PRECONDITION_FAILED",
        );
        await expectStorageError(
          store.completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts, ifMatch: md5Hex(Buffer.from("no")) }),
          "PRECONDITION_FAILED",
        );
        expect((await content(bucket, "k")).toString()).toBe("existing");
        const done = await store.completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts, ifMatch: existing.etag });
        expect(done.etag).toBe(etagOf([Buffer.from("from upload")], [Buffer.from("from upload")]));
        expect((await content(bucket, "k")).toString()).toBe("from upload");
      });
    });

    // ------------------------------------------------------------------ tags

    describe("tags", () => {
      it("replaces an object's whole tag set, keeping its bytes, ETag, last-modified time and metadata", async () => {
        const bucket = await newBucket();
        const data = randomBytes(3000);
        await put(bucket, "k", data, { tags: { a: "1", b: "2" }, userMetadata: { m: "x" }, contentType: "text/x-tags" });
        expect((await store.getObjectTags(bucket, "k")).tags).toEqual({ a: "1", b: "2" });
        const before = (await store.headObject(bucket, "k")).info;
        await store.putObjectTags(bucket, "k", { b: "20", c: "", "é 東": "ü" });
        expect((await store.getObjectTags(bucket, "k")).tags).toEqual({ b: "20", c: "", "é 東": "ü" });
        const after = (await store.headObject(bucket, "k")).info;
        expect(after).toEqual({ ...before, tags: { b: "20", c: "", "é 東": "ü" } });
        expect((await content(bucket, "k")).equals(data)).toBe(true);
        await store.deleteObjectTags(bucket, "k");
        expect((await store.getObjectTags(bucket, "k")).tags).toEqual({});
        expect((await store.headObject(bucket, "k")).info).toEqual({ ...before, tags: {} });
      });

      it("retags a multipart object without changing its parts", async () => {
        const bucket = await newBucket();
        await multipartObject(bucket, "mp", [bigA, Buffer.from("tail")]);
        const before = await store.headObject(bucket, "mp", 2);
        await store.putObjectTags(bucket, "mp", { t: "1" });
        const after = await store.headObject(bucket, "mp", 2);
        expect(after).toEqual({ ...before, info: { ...before.info, tags: { t: "1" } } });
      });

      it("answers KEY_NOT_FOUND for a missing key and BUCKET_NOT_FOUND for a missing bucket", async () => {
        const bucket = await newBucket();
        await expectStorageError(store.getObjectTags(bucket, "nope"), "KEY_NOT_FOUND");
        await expectStorageError(store.putObjectTags(bucket, "nope", { a: "1" }), "KEY_NOT_FOUND");
        await expectStorageError(store.deleteObjectTags(bucket, "nope"), "KEY_NOT_FOUND");
        const missing = `contract-${runId}-notags`;
        await expectStorageError(store.getObjectTags(missing, "k"), "BUCKET_NOT_FOUND");
        await expectStorageError(store.putObjectTags(missing, "k", {}), "BUCKET_NOT_FOUND");
        await expectStorageError(store.deleteObjectTags(missing, "k"), "BUCKET_NOT_FOUND");
      });

      if (traits.versioning === false) {
        it("versioning: every bucket is never versioned and cannot be; only version \"null\" exists", async () => {
          const bucket = await newBucket();
          expect(await store.getBucketVersioning(bucket)).toEqual({});
          await expectStorageError(store.putBucketVersioning(bucket, "Enabled"), "NOT_SUPPORTED");
          await expectStorageError(store.getBucketVersioning(`contract-${runId}-nov`), "BUCKET_NOT_FOUND");
          await put(bucket, "k", Buffer.from("one"));
          expect((await store.headObject(bucket, "k", undefined, "null")).info.size).toBe(3);
          const wellFormed = "0000000000000aAAAAAAAAAAAAAAAAAA";
          await expectStorageError(store.headObject(bucket, "k", undefined, wellFormed), "VERSION_NOT_FOUND");
          await expectStorageError(store.getObjectTags(bucket, "k", wellFormed), "VERSION_NOT_FOUND");
          // an id the gateway cannot have made is refused before anything is looked up, as AWS does
          await expectStorageError(store.headObject(bucket, "k", undefined, "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrH"), "INVALID_ARGUMENT");
          await expectStorageError(store.deleteObject(bucket, "k", "invalid_versionId"), "INVALID_ARGUMENT");
          const listed = await store.listObjectVersions({ bucket, maxKeys: 10 });
          expect(listed.versions.map((v) => [v.key, v.versionId, v.isLatest, v.deleteMarker])).toEqual([["k", "null", true, false]]);
          const results = await store.deleteObjects(bucket, [{ key: "k", versionId: wellFormed }, { key: "k", versionId: "bad" }, { key: "k", versionId: "null" }]);
          expect(results.map((r) => [r.key, r.requestedVersionId, r.error?.kind])).toEqual([
            ["k", "null", undefined],
            ["k", wellFormed, "VERSION_NOT_FOUND"],
            ["k", "bad", "INVALID_ARGUMENT"],
          ]);
        });
      } else {
        it("versioning: state, versions, delete markers, the \"null\" version and the version listing", async () => {
          const bucket = await newBucket();
          expect(await store.getBucketVersioning(bucket)).toEqual({});
          const before = await put(bucket, "k", Buffer.from("before"));
          expect(before.versionId).toBeUndefined();
          // never versioned: only "null" exists, and an id the store cannot have made is refused first, as AWS does
          await expectStorageError(store.headObject(bucket, "k", undefined, "0000000000000aAAAAAAAAAAAAAAAAAA"), "VERSION_NOT_FOUND");
          await expectStorageError(store.headObject(bucket, "k", undefined, "invalid_versionId"), "INVALID_ARGUMENT");
          await expectStorageError(store.deleteObject(bucket, "k", "invalid_versionId"), "INVALID_ARGUMENT");
          await expectStorageError(store.getObjectTags(bucket, "k", "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrH"), "INVALID_ARGUMENT");
          await store.putBucketVersioning(bucket, "Enabled");
          expect(await store.getBucketVersioning(bucket)).toEqual({ status: "Enabled" });
          const v1 = (await put(bucket, "k", Buffer.from("v1"))).versionId!;
          const v2 = (await put(bucket, "k", Buffer.from("v2"))).versionId!;
          expect(v1).toMatch(/^[A-Za-z0-9_-]{32}$/);
          expect((await getBytes({ bucket, key: "k", versionId: v1 })).bytes.toString()).toBe("v1");
          expect((await getBytes({ bucket, key: "k", versionId: "null" })).bytes.toString()).toBe("before");
          expect((await store.headObject(bucket, "k")).info.versionId).toBe(v2);
          // a delete marker hides the key; its id is named by the failures
          const marker = await store.deleteObject(bucket, "k");
          expect(marker.deleteMarker).toBe(true);
          const hidden = await expectStorageError(store.headObject(bucket, "k"), "KEY_NOT_FOUND");
          expect(hidden.detail).toEqual({ versionId: marker.versionId, deleteMarker: true });
          const byId = await expectStorageError(store.getObject({ bucket, key: "k", versionId: marker.versionId }), "METHOD_NOT_ALLOWED");
          expect(byId.detail).toEqual({ versionId: marker.versionId, deleteMarker: true, lastModified: expect.any(Number) });
          await expectStorageError(store.headObject(bucket, "k", undefined, "0000000000000aAAAAAAAAAAAAAAAAAA"), "VERSION_NOT_FOUND");
          expect((await store.listObjects({ bucket, maxKeys: 10 })).objects).toEqual([]);
          await expectStorageError(store.deleteBucket(bucket), "BUCKET_NOT_EMPTY");
          const listed = await store.listObjectVersions({ bucket, maxKeys: 10 });
          expect(listed.versions.map((v) => [v.versionId, v.isLatest, v.deleteMarker])).toEqual([
            [marker.versionId, true, true],
            [v2, false, false],
            [v1, false, false],
            ["null", false, false],
          ]);
          // page by page, resuming from the markers each page gives
          const paged: string[] = [];
          let keyMarker: string | undefined;
          let versionIdMarker: string | undefined;
          for (let i = 0; i < 10; i++) {
            const page = await store.listObjectVersions({ bucket, maxKeys: 1, keyMarker, versionIdMarker });
            paged.push(...page.versions.map((v) => v.versionId));
            if (!page.isTruncated) break;
            keyMarker = page.nextKeyMarker;
            versionIdMarker = page.nextVersionIdMarker;
          }
          expect(paged).toEqual([marker.versionId, v2, v1, "null"]);
          // removing the marker by id brings v2 back; tags per version
          expect(await store.deleteObject(bucket, "k", marker.versionId)).toEqual({ versionId: marker.versionId, deleteMarker: true });
          expect((await store.headObject(bucket, "k")).info.versionId).toBe(v2);
          expect(await store.putObjectTags(bucket, "k", { old: "1" }, v1)).toEqual({ versionId: v1 });
          expect(await store.getObjectTags(bucket, "k", v1)).toEqual({ tags: { old: "1" }, versionId: v1 });
          expect(await store.getObjectTags(bucket, "k")).toEqual({ tags: {}, versionId: v2 });
          // suspended: the "null" version is replaced, the others stay
          await store.putBucketVersioning(bucket, "Suspended");
          expect((await put(bucket, "k", Buffer.from("s"))).versionId).toBe("null");
          const after = await store.listObjectVersions({ bucket, maxKeys: 10 });
          expect(after.versions.map((v) => v.versionId)).toEqual(["null", v2, v1]);
          // deleteObjects by version, then the bucket is empty and can go
          const results = await store.deleteObjects(bucket, ["null", v2, v1].map((versionId) => ({ key: "k", versionId })));
          expect(results.map((r) => [r.versionId, r.error])).toEqual([["null", undefined], [v2, undefined], [v1, undefined]]);
          expect((await store.listObjectVersions({ bucket, maxKeys: 10 })).versions).toEqual([]);
          await store.deleteBucket(bucket);
        });
      }

      if (traits.bucketTags === false) {
        it("refuses to set bucket tags (NOT_SUPPORTED) and reads every bucket as untagged", async () => {
          const bucket = await newBucket();
          await expectStorageError(store.putBucketTags(bucket, { a: "1" }), "NOT_SUPPORTED");
          expect(await store.getBucketTags(bucket)).toBeUndefined();
          await store.deleteBucketTags(bucket);
          const missing = `contract-${runId}-nobuckettags`;
          await expectStorageError(store.getBucketTags(missing), "BUCKET_NOT_FOUND");
          await expectStorageError(store.deleteBucketTags(missing), "BUCKET_NOT_FOUND");
        });
      } else {
        it("keeps a bucket's tag set until it is deleted, emptied, or the bucket goes", async () => {
          const bucket = await newBucket();
          expect(await store.getBucketTags(bucket)).toBeUndefined();
          await store.putBucketTags(bucket, { team: "storage", empty: "" });
          expect(await store.getBucketTags(bucket)).toEqual({ team: "storage", empty: "" });
          await store.putBucketTags(bucket, { other: "1" });
          expect(await store.getBucketTags(bucket)).toEqual({ other: "1" });
          await store.putBucketTags(bucket, {});
          expect(await store.getBucketTags(bucket)).toBeUndefined();
          await store.putBucketTags(bucket, { again: "1" });
          await store.deleteBucketTags(bucket);
          expect(await store.getBucketTags(bucket)).toBeUndefined();
          await store.putBucketTags(bucket, { gone: "with the bucket" });
          await store.deleteBucket(bucket);
          await store.createBucket(bucket, OWNER);
          expect(await store.getBucketTags(bucket)).toBeUndefined();
          const missing = `contract-${runId}-nobuckettags`;
          await expectStorageError(store.getBucketTags(missing), "BUCKET_NOT_FOUND");
          await expectStorageError(store.putBucketTags(missing, { a: "1" }), "BUCKET_NOT_FOUND");
          await expectStorageError(store.deleteBucketTags(missing), "BUCKET_NOT_FOUND");
        });
      }

      if (traits.bucketCors === false) {
        it("refuses to set CORS rules (NOT_SUPPORTED) and reads every bucket as without rules", async () => {
          const bucket = await newBucket();
          await expectStorageError(store.putBucketCors(bucket, [{ allowedMethods: ["GET"], allowedOrigins: ["*"] }]), "NOT_SUPPORTED");
          expect(await store.getBucketCors(bucket)).toBeUndefined();
          await store.deleteBucketCors(bucket);
          await expectStorageError(store.getBucketCors(`contract-${runId}-nocors`), "BUCKET_NOT_FOUND");
        });
      } else {
        it("keeps a bucket's CORS rules, in order and as given, until deleted or the bucket goes", async () => {
          const bucket = await newBucket();
          expect(await store.getBucketCors(bucket)).toBeUndefined();
          await store.deleteBucketCors(bucket);
          const rules = [
            { id: "r1", allowedMethods: ["GET", "PUT"], allowedOrigins: ["https://*.example", ""], allowedHeaders: ["X-Amz-*"], exposeHeaders: ["ETag"], maxAgeSeconds: 0 },
            { allowedMethods: ["HEAD"], allowedOrigins: ["*"] },
          ];
          await store.putBucketCors(bucket, rules);
          expect(await store.getBucketCors(bucket)).toEqual(rules);
          await store.putBucketCors(bucket, [rules[1]]);
          expect(await store.getBucketCors(bucket)).toEqual([rules[1]]);
          await store.deleteBucketCors(bucket);
          expect(await store.getBucketCors(bucket)).toBeUndefined();
          await store.putBucketCors(bucket, rules);
          await store.deleteBucket(bucket);
          await store.createBucket(bucket, OWNER);
          expect(await store.getBucketCors(bucket)).toBeUndefined();
          const missing = `contract-${runId}-nocors`;
          await expectStorageError(store.getBucketCors(missing), "BUCKET_NOT_FOUND");
          await expectStorageError(store.putBucketCors(missing, rules), "BUCKET_NOT_FOUND");
          await expectStorageError(store.deleteBucketCors(missing), "BUCKET_NOT_FOUND");
        });
      }

      if (traits.bucketPolicy === false) {
        it("refuses to set bucket policies and public access blocks (NOT_SUPPORTED) and reads every bucket as without them", async () => {
          const bucket = await newBucket();
          await expectStorageError(store.putBucketPolicy(bucket, "{}"), "NOT_SUPPORTED");
          await expectStorageError(store.putPublicAccessBlock(bucket, { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false }), "NOT_SUPPORTED");
          expect(await store.getBucketPolicy(bucket)).toBeUndefined();
          expect(await store.getPublicAccessBlock(bucket)).toBeUndefined();
          await store.deleteBucketPolicy(bucket);
          await store.deletePublicAccessBlock(bucket);
          await expectStorageError(store.getBucketPolicy(`contract-${runId}-nopolicy`), "BUCKET_NOT_FOUND");
        });
      } else {
        it("keeps a bucket's policy text and public access block until deleted or the bucket goes", async () => {
          const bucket = await newBucket();
          expect(await store.getBucketPolicy(bucket)).toBeUndefined();
          expect(await store.getPublicAccessBlock(bucket)).toBeUndefined();
          await store.deleteBucketPolicy(bucket);
          await store.deletePublicAccessBlock(bucket);
          // the text exactly as given: spacing, key order, non-ASCII
          const text = '{ "Version":"2012-10-17",\n  "Statement": [{"Sid": "é", "Effect":"Allow"}] }';
          await store.putBucketPolicy(bucket, text);
          expect(await store.getBucketPolicy(bucket)).toBe(text);
          const block = { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: false };
          await store.putPublicAccessBlock(bucket, block);
          expect(await store.getPublicAccessBlock(bucket)).toEqual(block);
          await store.deleteBucketPolicy(bucket);
          expect(await store.getBucketPolicy(bucket)).toBeUndefined();
          expect(await store.getPublicAccessBlock(bucket)).toEqual(block);
          await store.deletePublicAccessBlock(bucket);
          expect(await store.getPublicAccessBlock(bucket)).toBeUndefined();
          await store.putBucketPolicy(bucket, text);
          await store.putPublicAccessBlock(bucket, block);
          await store.deleteBucket(bucket);
          await store.createBucket(bucket, OWNER);
          expect(await store.getBucketPolicy(bucket)).toBeUndefined();
          expect(await store.getPublicAccessBlock(bucket)).toBeUndefined();
          const missing = `contract-${runId}-nopolicy`;
          await expectStorageError(store.getBucketPolicy(missing), "BUCKET_NOT_FOUND");
          await expectStorageError(store.putBucketPolicy(missing, text), "BUCKET_NOT_FOUND");
          await expectStorageError(store.deleteBucketPolicy(missing), "BUCKET_NOT_FOUND");
          await expectStorageError(store.getPublicAccessBlock(missing), "BUCKET_NOT_FOUND");
          await expectStorageError(store.putPublicAccessBlock(missing, block), "BUCKET_NOT_FOUND");
          await expectStorageError(store.deletePublicAccessBlock(missing), "BUCKET_NOT_FOUND");
        });
      }

      const lifecycleRules = [
        { id: "r1", enabled: true, filter: { form: "And" as const, prefix: "logs/", tags: { a: "1" }, objectSizeGreaterThan: 10 }, expiration: { days: 30 } },
        { id: "r2", enabled: false, filter: { form: "Prefix" as const, prefix: "" }, abortIncompleteUploadDays: 7 },
      ];
      if (traits.bucketLifecycle === false) {
        it("refuses to set lifecycle rules (NOT_SUPPORTED) and reads every bucket as without rules", async () => {
          const bucket = await newBucket();
          await expectStorageError(store.putBucketLifecycle(bucket, lifecycleRules), "NOT_SUPPORTED");
          expect(await store.getBucketLifecycle(bucket)).toBeUndefined();
          await store.deleteBucketLifecycle(bucket);
          await expectStorageError(store.getBucketLifecycle(`contract-${runId}-nolifecycle`), "BUCKET_NOT_FOUND");
        });
      } else {
        it("keeps a bucket's lifecycle rules, in order and as given, until deleted or the bucket goes", async () => {
          const bucket = await newBucket();
          expect(await store.getBucketLifecycle(bucket)).toBeUndefined();
          await store.deleteBucketLifecycle(bucket);
          await store.putBucketLifecycle(bucket, lifecycleRules);
          expect(await store.getBucketLifecycle(bucket)).toEqual(lifecycleRules);
          await store.putBucketLifecycle(bucket, [lifecycleRules[1]!]);
          expect(await store.getBucketLifecycle(bucket)).toEqual([lifecycleRules[1]]);
          await store.deleteBucketLifecycle(bucket);
          expect(await store.getBucketLifecycle(bucket)).toBeUndefined();
          await store.putBucketLifecycle(bucket, lifecycleRules);
          await store.deleteBucket(bucket);
          await store.createBucket(bucket, OWNER);
          expect(await store.getBucketLifecycle(bucket)).toBeUndefined();
          const missing = `contract-${runId}-nolifecycle`;
          await expectStorageError(store.getBucketLifecycle(missing), "BUCKET_NOT_FOUND");
          await expectStorageError(store.putBucketLifecycle(missing, lifecycleRules), "BUCKET_NOT_FOUND");
          await expectStorageError(store.deleteBucketLifecycle(missing), "BUCKET_NOT_FOUND");
        });
      }
    });

    // ------------------------------------------------------------------ listing

    describe("listing", () => {
      const keys = [
        "a",
        "a/",
        "a/1",
        "a/2",
        "a/b/c",
        "a/b/d",
        "a//x",
        "ab",
        "b",
        "b/deep/er/key",
        "c--d--e",
        "c--f",
        "../../etc/passwd",
        "../x",
        "/leading/slash",
        "//double",
        "./dot",
        "sp ace",
        "Z-upper",
        "~tilde",
        "é",
        "e\u0301",
        "\uFFFD",
        "\u{1F600}",
        "\u{1F600}/inside",
        "日本/語",
        "k".repeat(1024),
        "é".repeat(511) + "zz",
      ];
      let bucket: string;

      beforeAll(async () => {
        bucket = await newBucket();
        for (const key of keys) await put(bucket, key, Buffer.from(`body of ${key.slice(0, 20)}`));
      });

      async function listAll(prefix: string | undefined, delimiter: string | undefined, maxKeys: number) {
        const pages: ListObjectsResult[] = [];
        let startAfter: string | undefined;
        for (;;) {
          const page = await store.listObjects({ bucket, prefix, delimiter, startAfter, maxKeys });
          pages.push(page);
          if (!page.isTruncated) break;
          expect(page.nextMarker).toBeDefined();
          startAfter = page.nextMarker;
          if (pages.length > 1000) throw new Error("pagination does not terminate");
        }
        return pages;
      }

      it("lists every key in UTF-8 byte order with summaries", async () => {
        const page = await store.listObjects({ bucket, maxKeys: 1000 });
        expect(page.isTruncated).toBe(false);
        expect(page.nextMarker).toBeUndefined();
        expect(page.commonPrefixes).toEqual([]);
        expect(page.objects.map((o) => o.key)).toEqual([...keys].sort(compareUtf8));
        // U+FFFD sorts before U+1F600 in UTF-8, although JavaScript's UTF-16 order says otherwise
        const order = page.objects.map((o) => o.key);
        expect(order.indexOf("\uFFFD")).toBeLessThan(order.indexOf("\u{1F600}"));
        const sample = page.objects.find((o) => o.key === "a/1")!;
        expect(sample).toMatchObject({ size: Buffer.byteLength("body of a/1"), etag: md5Hex(Buffer.from("body of a/1")), storageClass: "STANDARD", owner: OWNER });
        expect(sample.lastModified).toBeInstanceOf(Date);
      });

      it("keeps keys with dots, slashes and 1024 bytes intact", async () => {
        for (const key of ["../../etc/passwd", "/leading/slash", "//double", "k".repeat(1024), "é".repeat(511) + "zz"]) {
          expect((await content(bucket, key)).toString()).toBe(`body of ${key.slice(0, 20)}`);
          expect((await store.headObject(bucket, key)).info.key).toBe(key);
        }
        expect(Buffer.byteLength("é".repeat(511) + "zz")).toBe(1024);
      });

      it("matches the S3 model for prefixes, delimiters and start-after", async () => {
        const cases: Array<[string | undefined, string | undefined, string | undefined]> = [
          [undefined, "/", undefined],
          ["a", "/", undefined],
          ["a/", "/", undefined],
          ["a/b", "/", undefined],
          ["a/b/", "/", undefined],
          ["c", "--", undefined],
          ["", "/", "a/"],
          ["", "/", "a/1"],
          ["", "/", "a/b/c"],
          ["a/", undefined, "a/2"],
          ["a/", "/", "a/b/"],
          ["zzz", "/", undefined],
          ["é", undefined, undefined],
          [undefined, "/", "\u{1F600}"],
          [undefined, undefined, "\uFFFD"],
          ["a", undefined, "b"],
          ["b", "/", "a"],
          ["/", "/", undefined],
          ["/", undefined, undefined],
          ["//", undefined, undefined],
          ["/l", "/", undefined],
        ];
        for (const [prefix, delimiter, startAfter] of cases) {
          const page = await store.listObjects({ bucket, prefix, delimiter, startAfter, maxKeys: 1000 });
          const label = JSON.stringify({ prefix, delimiter, startAfter });
          expect(pageEntries(page), label).toEqual(modelListing(keys, prefix ?? "", delimiter, startAfter));
          expect(page.isTruncated, label).toBe(false);
        }
      });

      it("matches the S3 model on a tree of plain paths, \"/\"-delimited, page by page", async () => {
        // paths without empty components, the shape a store may list by "directories"
        const tree = [
          "a/",
          "a/1",
          "a/2",
          "a/b/c",
          "a/b/d",
          "a/x//",
          "a/x/y",
          "ab",
          "b/deep/er/key",
          "c",
          "d/e/",
          "d/e/f",
          "é/1",
          "\uFFFD",
          "\u{1F600}/x",
          ...Array.from({ length: 30 }, (_, i) => `m/${String(i).padStart(2, "0")}/k`),
        ];
        const treeBucket = await newBucket();
        for (const key of tree) await put(treeBucket, key, Buffer.from(key));
        for (const prefix of ["", "a/", "a/b/", "a/x/", "d/", "m/", "nope/"]) {
          for (const startAfter of [undefined, "a", "a/1", "a/b", "a/b/c", "a/x/", "m/10/k", "zzz"]) {
            const expected = modelListing(tree, prefix, "/", startAfter);
            for (const maxKeys of [1, 2, 3, 1000]) {
              const label = JSON.stringify({ prefix, startAfter, maxKeys });
              const entries: ListEntry[] = [];
              let after = startAfter;
              for (let pages = 0; ; pages++) {
                const page = await store.listObjects({ bucket: treeBucket, prefix, delimiter: "/", startAfter: after, maxKeys });
                entries.push(...pageEntries(page));
                expect(pageEntries(page).length, label).toBeLessThanOrEqual(maxKeys);
                if (!page.isTruncated) break;
                expect(pageEntries(page).length, label).toBe(maxKeys);
                after = page.nextMarker;
                expect(pages, label).toBeLessThan(100);
              }
              expect(entries, label).toEqual(expected);
            }
          }
        }
      });

      it("paginates to exactly the full listing, with exact truncation and markers", async () => {
        for (const [prefix, delimiter] of [
          [undefined, undefined],
          [undefined, "/"],
          ["a", "/"],
          ["a/", undefined],
          ["c", "--"],
        ] as Array<[string | undefined, string | undefined]>) {
          const expected = modelListing(keys, prefix ?? "", delimiter);
          for (const maxKeys of [1, 2, 3, 7, expected.length, expected.length + 1]) {
            const label = JSON.stringify({ prefix, delimiter, maxKeys });
            const pages = await listAll(prefix, delimiter, maxKeys);
            expect(pages.flatMap(pageEntries), label).toEqual(expected);
            for (const page of pages.slice(0, -1)) {
              const entries = pageEntries(page);
              expect(entries.length, label).toBe(maxKeys);
              expect(page.nextMarker, label).toBe(entryName(entries[entries.length - 1]));
            }
            const last = pages[pages.length - 1];
            expect(last.isTruncated, label).toBe(false);
            expect(last.nextMarker, label).toBeUndefined();
            // exact: a page that ends exactly at the last entry is not truncated
            if (maxKeys === expected.length) expect(pages.length, label).toBe(1);
          }
        }
      });

      it("returns an empty, untruncated page for maxKeys=0", async () => {
        const page = await store.listObjects({ bucket, maxKeys: 0 });
        expect(page).toMatchObject({ objects: [], commonPrefixes: [], isTruncated: false });
      });

      it("lists an empty bucket", async () => {
        const empty = await newBucket();
        expect(await store.listObjects({ bucket: empty, delimiter: "/", maxKeys: 5 })).toMatchObject({
          objects: [],
          commonPrefixes: [],
          isTruncated: false,
        });
      });
    });

    multipartContract({
      store: () => store,
      newBucket,
      put,
      getBytes,
      content,
      createUpload,
      uploadParts,
      uploadCrcParts,
      multipartObject,
      bigParts: () => [bigA, bigB],
      etagOf,
      multipartChecksums,
      completionKnowsUpload: traits.completionKnowsUpload ?? true,
      asRead,
    });

    objectPartsContract({
      store: () => store,
      newBucket,
      put,
      createUpload,
      uploadCrcParts,
      multipartObject,
      bigParts: () => [bigA, bigB],
      partChecksums: multipartChecksums,
      expectStorageError: (promise, kind) => expectStorageError(promise, kind as StorageErrorKind),
    });
  });
}
