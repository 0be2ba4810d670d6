/**
 * The storage contract: what every StorageClient implementation must do, as vitest suites. Runs
 * against the embedded store (embedded.test.ts) and, later, the Apache Ozone client. Only the
 * StorageClient interface is used here; backend-specific checks (files on disk, recovery) live in
 * the backend's own test file.
 *
 * Every test works in buckets of its own, so tests do not depend on each other's leftovers.
 */
import { createHash, randomBytes } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  MIN_PART_SIZE,
  StorageError,
  type Checksum,
  type ChecksumAlgorithm,
  type CompleteMultipartParams,
  type GetObjectParams,
  type PartInfo,
  type ListObjectsResult,
  type ListUploadsResult,
  type PutObjectParams,
  type StorageClient,
  type StorageErrorKind,
} from "../../runtime/storage/types.js";
import { bodyFromBuffer, gatedBody, readAll } from "./body.js";
import { objectPartsContract } from "./contract-object-parts.js";

export interface StorageFixture {
  store: StorageClient;
  cleanup(): Promise<void>;
}

const OWNER = "AKIDCONTRACTOWNER";
const OTHER_OWNER = "AKIDSOMEONEELSE";

export function md5Hex(data: Buffer): string {
  return createHash("md5").update(data).digest("hex");
}

/** The AWS multipart ETag, computed independently of any store: md5(md5(p1) || md5(p2) ...)-N. */
export function multipartEtag(parts: Buffer[]): string {
  const digests = parts.map((p) => createHash("md5").update(p).digest());
  return `${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${parts.length}`;
}

/** CRC-32C (Castagnoli), bit by bit: slow and obviously right, independent of the stores' code. */
function crc32cBitwise(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const crcCache = new Map<string, Map<Buffer, string>>();

/** x-amz-checksum-crc32 / -crc32c of `data`: base64 of the big-endian CRC (zlib's CRC-32, the bitwise CRC-32C) */
export function crcBase64(algorithm: "CRC32" | "CRC32C", data: Buffer): string {
  let cache = crcCache.get(algorithm);
  if (cache === undefined) crcCache.set(algorithm, (cache = new Map()));
  let value = cache.get(data);
  if (value === undefined) {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(algorithm === "CRC32" ? zlibCrc32(data) : crc32cBitwise(data));
    value = out.toString("base64");
    cache.set(data, value);
  }
  return value;
}

/** S3 listing order: UTF-8 bytes. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export async function expectStorageError(
  promise: Promise<unknown>,
  kind: StorageErrorKind | StorageErrorKind[],
): Promise<StorageError> {
  const outcome = await promise.then(
    () => ({ ok: true as const }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  const kinds = Array.isArray(kind) ? kind : [kind];
  if (outcome.ok) throw new Error(`expected StorageError ${kinds.join(" or ")}, but the call succeeded`);
  expect(outcome.err, `expected StorageError ${kinds.join(" or ")}`).toBeInstanceOf(StorageError);
  expect(kinds).toContain((outcome.err as StorageError).kind);
  return outcome.err as StorageError;
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

type ChecksumType = Checksum["type"];

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
  /** false: the engine keeps no bucket tags; the bucket-tag methods fail with NOT_SUPPORTED */
  bucketTags?: boolean;
  /** false: the engine keeps no CORS rules; the bucket-CORS methods fail with NOT_SUPPORTED */
  bucketCors?: boolean;
  /**
   * false: the engine keeps one version per key; every bucket is never versioned,
   * putBucketVersioning fails with NOT_SUPPORTED and only version "null" exists
   */
  versioning?: boolean;
  /** false: the engine keeps no lifecycle rules (the three methods fail with NOT_SUPPORTED) */
  bucketLifecycle?: boolean;
  /** false: the engine keeps no bucket policies or public access blocks (their methods fail with NOT_SUPPORTED) */
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
          await expectStorageError(store.headObject(bucket, "k", undefined, "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrH"), "VERSION_NOT_FOUND");
          await expectStorageError(store.getObjectTags(bucket, "k", "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrH"), "VERSION_NOT_FOUND");
          const listed = await store.listObjectVersions({ bucket, maxKeys: 10 });
          expect(listed.versions.map((v) => [v.key, v.versionId, v.isLatest, v.deleteMarker])).toEqual([["k", "null", true, false]]);
          const results = await store.deleteObjects(bucket, [{ key: "k", versionId: "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrH" }, { key: "k", versionId: "null" }]);
          expect(results.map((r) => [r.key, r.requestedVersionId, r.error?.kind])).toEqual([
            ["k", "null", undefined],
            ["k", "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrH", "VERSION_NOT_FOUND"],
          ]);
        });
      } else {
        it("versioning: state, versions, delete markers, the \"null\" version and the version listing", async () => {
          const bucket = await newBucket();
          expect(await store.getBucketVersioning(bucket)).toEqual({});
          const before = await put(bucket, "k", Buffer.from("before"));
          expect(before.versionId).toBeUndefined();
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
        it("refuses bucket tags (NOT_SUPPORTED)", async () => {
          const bucket = await newBucket();
          await expectStorageError(store.getBucketTags(bucket), "NOT_SUPPORTED");
          await expectStorageError(store.putBucketTags(bucket, { a: "1" }), "NOT_SUPPORTED");
          await expectStorageError(store.deleteBucketTags(bucket), "NOT_SUPPORTED");
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
        it("refuses CORS rules (NOT_SUPPORTED)", async () => {
          const bucket = await newBucket();
          await expectStorageError(store.getBucketCors(bucket), "NOT_SUPPORTED");
          await expectStorageError(store.putBucketCors(bucket, [{ allowedMethods: ["GET"], allowedOrigins: ["*"] }]), "NOT_SUPPORTED");
          await expectStorageError(store.deleteBucketCors(bucket), "NOT_SUPPORTED");
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
        it("refuses bucket policies and public access blocks (NOT_SUPPORTED)", async () => {
          const bucket = await newBucket();
          await expectStorageError(store.getBucketPolicy(bucket), "NOT_SUPPORTED");
          await expectStorageError(store.putBucketPolicy(bucket, "{}"), "NOT_SUPPORTED");
          await expectStorageError(store.deleteBucketPolicy(bucket), "NOT_SUPPORTED");
          await expectStorageError(store.getPublicAccessBlock(bucket), "NOT_SUPPORTED");
          await expectStorageError(store.putPublicAccessBlock(bucket, { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false }), "NOT_SUPPORTED");
          await expectStorageError(store.deletePublicAccessBlock(bucket), "NOT_SUPPORTED");
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
        it("refuses lifecycle rules (NOT_SUPPORTED)", async () => {
          const bucket = await newBucket();
          await expectStorageError(store.getBucketLifecycle(bucket), "NOT_SUPPORTED");
          await expectStorageError(store.putBucketLifecycle(bucket, lifecycleRules), "NOT_SUPPORTED");
          await expectStorageError(store.deleteBucketLifecycle(bucket), "NOT_SUPPORTED");
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

    // ------------------------------------------------------------------ multipart

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
        const infos = await uploadParts(bucket, "big", upload.uploadId, [bigA, bigB, small]);
        expect(infos.map((p) => p.etag)).toEqual([md5Hex(bigA), md5Hex(bigB), md5Hex(small)]);
        expect(infos.map((p) => p.size)).toEqual([bigA.length, bigB.length, small.length]);

        const info = await store.completeMultipartUpload({
          bucket,
          key: "big",
          uploadId: upload.uploadId,
          parts: infos.map((p) => ({ partNumber: p.partNumber, etag: `"${p.etag}"` })),
        });
        const whole = Buffer.concat([bigA, bigB, small]);
        expect(info).toMatchObject({
          bucket,
          key: "big",
          size: whole.length,
          etag: etagOf([bigA, bigB, small], [bigA, bigB, small]),
          partsCount: 3,
          contentType: "video/mp4",
          cacheControl: "max-age=60",
          userMetadata: { origin: "camera" },
          tags: { kind: "raw" },
          storageClass: "STANDARD_IA",
          owner: OWNER,
        });
        const head = (await store.headObject(bucket, "big")).info;
        expect(head).toEqual(asRead(info, head));
        expect((await content(bucket, "big")).equals(whole)).toBe(true);

        expect((await store.listMultipartUploads({ bucket, maxUploads: 10 })).uploads).toEqual([]);
        await expectStorageError(store.listParts({ bucket, key: "big", uploadId: upload.uploadId, maxParts: 10 }), "UPLOAD_NOT_FOUND");
        await expectStorageError(
          store.completeMultipartUpload({ bucket, key: "big", uploadId: upload.uploadId, parts: [{ partNumber: 1, etag: infos[0].etag }] }),
          "UPLOAD_NOT_FOUND",
        );
      });

      it("serves ranges across part boundaries and single parts by number", async () => {
        const bucket = await newBucket();
        const tail = randomBytes(777);
        const whole = Buffer.concat([bigA, bigB, tail]);
        await multipartObject(bucket, "obj", [bigA, bigB, tail]);
        const A = bigA.length;
        const B = bigB.length;
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
          { start: 0, end: A - 1, data: bigA },
          { start: A, end: A + B - 1, data: bigB },
          { start: A + B, end: A + B + tail.length - 1, data: tail },
        ];
        for (const [i, p] of expectedParts.entries()) {
          const { result, bytes } = await getBytes({ bucket, key: "obj", partNumber: i + 1 });
          expect(result.part).toEqual({ partsCount: 3, range: { start: p.start, end: p.end } });
          expect(result.info.size).toBe(whole.length);
          expect(bytes.equals(p.data)).toBe(true);
          expect((await store.headObject(bucket, "obj", i + 1)).part).toEqual(result.part);
        }
        await expectStorageError(store.getObject({ bucket, key: "obj", partNumber: 4 }), "INVALID_PART_NUMBER");
        await expectStorageError(store.headObject(bucket, "obj", 4), "INVALID_PART_NUMBER");
      });

      it("replaces a part uploaded again under the same number", async () => {
        const bucket = await newBucket();
        const upload = await createUpload(bucket, "k");
        const first = await store.uploadPart(bucket, "k", upload.uploadId, 1, bodyFromBuffer(Buffer.from("first try")));
        const second = await store.uploadPart(bucket, "k", upload.uploadId, 1, bodyFromBuffer(Buffer.from("second try!")));
        const listed = await store.listParts({ bucket, key: "k", uploadId: upload.uploadId, maxParts: 10 });
        expect(listed.parts.map((p) => [p.partNumber, p.etag, p.size])).toEqual([[1, second.etag, 11]]);
        await expectStorageError(
          store.completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts: [{ partNumber: 1, etag: first.etag }] }),
          "INVALID_PART",
        );
        await store.completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts: [{ partNumber: 1, etag: second.etag }] });
        expect((await content(bucket, "k")).toString()).toBe("second try!");
      });

      it("validates the part list: order, existence, ETags, sizes, emptiness", async () => {
        const bucket = await newBucket();
        const upload = await createUpload(bucket, "k");
        const id = upload.uploadId;
        const [p1, p2] = await uploadParts(bucket, "k", id, [Buffer.from("one"), Buffer.from("two")]);
        const complete = (parts: Array<{ partNumber: number; etag: string }>) =>
          store.completeMultipartUpload({ bucket, key: "k", uploadId: id, parts });
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
        expect((await store.listParts({ bucket, key: "k", uploadId: id, maxParts: 10 })).parts.length).toBe(2);
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
        const infos = await uploadParts(bucket, "k", upload.uploadId, [bigA, p2, p3]);
        const info = await store.completeMultipartUpload({
          bucket,
          key: "k",
          uploadId: upload.uploadId,
          parts: [infos[0], infos[2]].map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
        });
        expect(info.etag).toBe(etagOf([bigA, p3], [bigA, p2, p3]));
        expect(info.partsCount).toBe(2);
        expect((await content(bucket, "k")).equals(Buffer.concat([bigA, p3]))).toBe(true);
        expect((await getBytes({ bucket, key: "k", partNumber: 2 })).bytes.toString()).toBe("last part");
      });

      it.skipIf(multipartChecksums)("without multipart checksums: takes the upload's algorithm and parts' checksums, the object gets none", async () => {
        const bucket = await newBucket();
        const upload = await createUpload(bucket, "k", { checksumAlgorithm: "CRC32" });
        expect(upload).toMatchObject({ checksumAlgorithm: "CRC32", checksumType: "COMPOSITE" });
        const tail = Buffer.from("tail");
        const infos = await uploadCrcParts(bucket, "k", upload.uploadId, [bigA, tail], "CRC32");
        const parts = infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
        await expectStorageError(
          store.completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts, expectedChecksum: { algorithm: "CRC32", value: crcBase64("CRC32", tail) } }),
          "NOT_SUPPORTED",
        );
        const info = await store.completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts });
        expect(info.checksum).toBeUndefined();
        expect((await content(bucket, "k")).equals(Buffer.concat([bigA, tail]))).toBe(true);
      });

      it.skipIf(!multipartChecksums)("the upload's checksum algorithm gives the object a composite checksum of the parts'", async () => {
        const bucket = await newBucket();
        const upload = await createUpload(bucket, "k", { checksumAlgorithm: "SHA256" });
        expect(upload.checksumAlgorithm).toBe("SHA256");
        const tail = Buffer.from("tail part");
        const parts = [bigA, tail];
        const infos = [];
        for (const [i, data] of parts.entries()) {
          infos.push(await store.uploadPart(bucket, "k", upload.uploadId, i + 1, bodyFromBuffer(data, { checksumAlgorithm: "SHA256" })));
        }
        expect(infos[1].checksum).toEqual({ algorithm: "SHA256", type: "FULL_OBJECT", value: createHash("sha256").update(tail).digest("base64") });
        const listedUploads = await store.listMultipartUploads({ bucket, maxUploads: 10 });
        expect(listedUploads.uploads[0].checksumAlgorithm).toBe("SHA256");
        const info = await store.completeMultipartUpload({
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
        const summary = (await store.listObjects({ bucket, maxKeys: 1 })).objects[0];
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
          const listed = await store.listParts({ bucket, key, uploadId: upload.uploadId, maxParts: 1 });
          expect(listed.upload.checksumAlgorithm, label).toBe(checksumAlgorithm);
          expect(listed.upload.checksumType, label).toBe(expected);
          created.push(upload);
        }
        const uploads = (await store.listMultipartUploads({ bucket, maxUploads: 100 })).uploads;
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
        expect((await store.listMultipartUploads({ bucket, maxUploads: 10 })).uploads).toEqual([]);
      });

      for (const algorithm of ["CRC32", "CRC32C"] as const) {
        it.skipIf(!multipartChecksums)(`a FULL_OBJECT ${algorithm} upload gets the ${algorithm} of the whole object, combined from the parts'`, async () => {
          const bucket = await newBucket();
          const tail = randomBytes(70_001);
          const parts = [bigA, bigB, tail];
          const upload = await createUpload(bucket, "k", { checksumAlgorithm: algorithm, checksumType: "FULL_OBJECT" });
          const infos = await uploadCrcParts(bucket, "k", upload.uploadId, parts, algorithm);
          const whole = crcBase64(algorithm, Buffer.concat(parts));
          const expected = { algorithm, type: "FULL_OBJECT", value: whole };
          const info = await store.completeMultipartUpload({
            bucket,
            key: "k",
            uploadId: upload.uploadId,
            parts: infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
            expectedChecksum: { algorithm, value: whole },
          });
          expect(info.checksum).toEqual(expected);
          expect(info.etag).toBe(etagOf(parts, parts));
          expect((await store.headObject(bucket, "k")).info.checksum).toEqual(expected);
          expect((await store.listObjects({ bucket, maxKeys: 1 })).objects[0].checksumAlgorithm).toBe(algorithm);
        });
      }

      it.skipIf(!multipartChecksums)("a COMPOSITE CRC32 upload gets the CRC32 of the part CRC32s, with -N", async () => {
        const bucket = await newBucket();
        const tail = Buffer.from("the last part");
        const parts = [bigA, tail];
        const upload = await createUpload(bucket, "k", { checksumAlgorithm: "CRC32" });
        const infos = await uploadCrcParts(bucket, "k", upload.uploadId, parts, "CRC32");
        const ofParts = Buffer.concat(parts.map((p) => Buffer.from(crcBase64("CRC32", p), "base64")));
        const info = await store.completeMultipartUpload({
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
        const parts = [bigA, tail];
        const composite = createHash("sha256")
          .update(Buffer.concat(parts.map((p) => createHash("sha256").update(p).digest())))
          .digest("base64");
        const start = async (key: string) => {
          const upload = await createUpload(bucket, key, { checksumAlgorithm: "SHA256" });
          const infos: PartInfo[] = [];
          for (const [i, data] of parts.entries()) {
            infos.push(await store.uploadPart(bucket, key, upload.uploadId, i + 1, bodyFromBuffer(data, { checksumAlgorithm: "SHA256" })));
          }
          const complete = (expectedChecksum?: { algorithm: ChecksumAlgorithm; value: string }) =>
            store.completeMultipartUpload({
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
        await expectStorageError(store.headObject(bucket, "a"), "KEY_NOT_FOUND");
        const listed = await store.listParts({ bucket, key: "a", uploadId: a.upload.uploadId, maxParts: 10 });
        expect(listed.parts.map((p) => p.partNumber)).toEqual([1, 2]);
        const info = await a.complete({ algorithm: "SHA256", value: composite });
        expect(info.checksum).toEqual({ algorithm: "SHA256", type: "COMPOSITE", value: `${composite}-2` });
        expect((await content(bucket, "a")).equals(Buffer.concat(parts))).toBe(true);

        const b = await start("b");
        expect((await b.complete({ algorithm: "SHA256", value: `${composite}-2` })).checksum?.value).toBe(`${composite}-2`);
      });

      it.skipIf(!multipartChecksums)("answers BAD_DIGEST to an expected checksum when the upload has none, or a part lacks one", async () => {
        const bucket = await newBucket();
        const tail = Buffer.from("tail");
        const crc = crcBase64("CRC32", Buffer.concat([bigA, tail]));

        const plain = await createUpload(bucket, "plain");
        const plainParts = await uploadParts(bucket, "plain", plain.uploadId, [bigA, tail]);
        await expectStorageError(
          store.completeMultipartUpload({
            bucket,
            key: "plain",
            uploadId: plain.uploadId,
            parts: plainParts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
            expectedChecksum: { algorithm: "CRC32", value: crc },
          }),
          "BAD_DIGEST",
        );
        expect((await store.listParts({ bucket, key: "plain", uploadId: plain.uploadId, maxParts: 10 })).parts.length).toBe(2);

        const upload = await createUpload(bucket, "k", { checksumAlgorithm: "CRC32", checksumType: "FULL_OBJECT" });
        const [first] = await uploadCrcParts(bucket, "k", upload.uploadId, [bigA], "CRC32");
        const second = await store.uploadPart(bucket, "k", upload.uploadId, 2, bodyFromBuffer(tail)); // no checksum
        await expectStorageError(
          store.completeMultipartUpload({
            bucket,
            key: "k",
            uploadId: upload.uploadId,
            parts: [first, second].map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
            expectedChecksum: { algorithm: "CRC32", value: crc },
          }),
          "BAD_DIGEST",
        );
        expect((await store.listParts({ bucket, key: "k", uploadId: upload.uploadId, maxParts: 10 })).parts.length).toBe(2);
        await expectStorageError(store.headObject(bucket, "k"), "KEY_NOT_FOUND");
      });

      it("answers a retried completion (same upload, same parts) with the same object, changing nothing", async () => {
        const bucket = await newBucket();
        const previous = await put(bucket, "k", Buffer.from("previous"));
        const tail = randomBytes(3000);
        const sha = multipartChecksums ? ({ checksumAlgorithm: "SHA256" } as const) : {};
        const upload = await createUpload(bucket, "k", { ...sha, userMetadata: { m: "1" } });
        const infos = [];
        for (const [i, data] of [bigA, tail].entries()) {
          infos.push(await store.uploadPart(bucket, "k", upload.uploadId, i + 1, bodyFromBuffer(data, sha)));
        }
        const parts = infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
        const first = await store.completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts, ifMatch: previous.etag });
        expect(first.etag).toBe(etagOf([bigA, tail], [bigA, tail]));
        await new Promise((resolve) => setTimeout(resolve, 5)); // a later lastModified would show

        const retry = (extra: Partial<CompleteMultipartParams> = {}) =>
          store.completeMultipartUpload({ bucket, key: "k", uploadId: upload.uploadId, parts, ...extra });
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

        expect((await store.headObject(bucket, "k")).info).toEqual(first);
        expect((await content(bucket, "k")).equals(Buffer.concat([bigA, tail]))).toBe(true);
        expect((await store.listMultipartUploads({ bucket, maxUploads: 10 })).uploads).toEqual([]);
        // the upload itself is gone for everything but the retry
        const id = upload.uploadId;
        await expectStorageError(store.uploadPart(bucket, "k", id, 3, bodyFromBuffer(Buffer.from("x"))), "UPLOAD_NOT_FOUND");
        await expectStorageError(store.listParts({ bucket, key: "k", uploadId: id, maxParts: 10 }), "UPLOAD_NOT_FOUND");
        await expectStorageError(store.abortMultipartUpload(bucket, "k", id), "UPLOAD_NOT_FOUND");
        expect(await retry()).toEqual(first);
      });

      it("answers UPLOAD_NOT_FOUND to a completed upload with another part list, key or bucket, or once its object changed", async () => {
        const bucket = await newBucket();
        const tail = Buffer.from("tail");
        const complete = async (key: string) => {
          const upload = await createUpload(bucket, key);
          const infos = await uploadParts(bucket, key, upload.uploadId, [bigA, tail]);
          const parts = infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag }));
          const info = await store.completeMultipartUpload({ bucket, key, uploadId: upload.uploadId, parts });
          const retry = (extra: Partial<CompleteMultipartParams> = {}) =>
            store.completeMultipartUpload({ bucket, key, uploadId: upload.uploadId, parts, ...extra });
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
        await store.deleteObject(bucket, "b");
        await expectStorageError(b.retry(), "UPLOAD_NOT_FOUND");
        await expectStorageError(store.headObject(bucket, "b"), "KEY_NOT_FOUND");

        // replaced by another completion: only the newer one is answered
        const c1 = await complete("c");
        const c2 = await complete("c");
        // (an engine that cannot tell which upload made an object answers both: identical results)
        if (traits.completionKnowsUpload ?? true) await expectStorageError(c1.retry(), "UPLOAD_NOT_FOUND");
        expect(await c2.retry()).toEqual(c2.info);
      });

      it("forgets completed uploads with their bucket", async () => {
        const bucket = await newBucket();
        const upload = await createUpload(bucket, "k");
        const [part] = await uploadParts(bucket, "k", upload.uploadId, [Buffer.from("only part")]);
        const params = { bucket, key: "k", uploadId: upload.uploadId, parts: [{ partNumber: 1, etag: part.etag }] };
        await store.completeMultipartUpload(params);
        await store.deleteObject(bucket, "k");
        await store.deleteBucket(bucket);
        await expectStorageError(store.completeMultipartUpload(params), "BUCKET_NOT_FOUND");
        await store.createBucket(bucket, OWNER);
        await put(bucket, "k", Buffer.from("only part"));
        await expectStorageError(store.completeMultipartUpload(params), "UPLOAD_NOT_FOUND");
      });

      it("aborts an upload: its parts are gone and the id is unknown afterwards", async () => {
        const bucket = await newBucket();
        const upload = await createUpload(bucket, "k");
        const [p1] = await uploadParts(bucket, "k", upload.uploadId, [Buffer.from("part")]);
        await store.abortMultipartUpload(bucket, "k", upload.uploadId);
        const id = upload.uploadId;
        await expectStorageError(store.listParts({ bucket, key: "k", uploadId: id, maxParts: 10 }), "UPLOAD_NOT_FOUND");
        await expectStorageError(store.uploadPart(bucket, "k", id, 2, bodyFromBuffer(Buffer.from("x"))), "UPLOAD_NOT_FOUND");
        await expectStorageError(
          store.completeMultipartUpload({ bucket, key: "k", uploadId: id, parts: [{ partNumber: 1, etag: p1.etag }] }),
          "UPLOAD_NOT_FOUND",
        );
        await expectStorageError(store.abortMultipartUpload(bucket, "k", id), "UPLOAD_NOT_FOUND");
        expect((await store.listMultipartUploads({ bucket, maxUploads: 10 })).uploads).toEqual([]);
        await expectStorageError(store.headObject(bucket, "k"), "KEY_NOT_FOUND");
      });

      it("answers UPLOAD_NOT_FOUND for an unknown upload id or another key's upload", async () => {
        const bucket = await newBucket();
        const upload = await createUpload(bucket, "mine");
        await expectStorageError(store.uploadPart(bucket, "other", upload.uploadId, 1, bodyFromBuffer(Buffer.from("x"))), "UPLOAD_NOT_FOUND");
        await expectStorageError(store.uploadPart(bucket, "mine", "no-such-upload", 1, bodyFromBuffer(Buffer.from("x"))), "UPLOAD_NOT_FOUND");
        await expectStorageError(store.listParts({ bucket, key: "other", uploadId: upload.uploadId, maxParts: 1 }), "UPLOAD_NOT_FOUND");
        await expectStorageError(store.abortMultipartUpload(bucket, "other", upload.uploadId), "UPLOAD_NOT_FOUND");
        const otherBucket = await newBucket();
        await expectStorageError(store.listParts({ bucket: otherBucket, key: "mine", uploadId: upload.uploadId, maxParts: 1 }), "UPLOAD_NOT_FOUND");
      });

      it("rejects part numbers outside 1..10000", async () => {
        const bucket = await newBucket();
        const upload = await createUpload(bucket, "k");
        for (const n of [0, -1, 10001, 1.5]) {
          await expectStorageError(store.uploadPart(bucket, "k", upload.uploadId, n, bodyFromBuffer(Buffer.from("x"))), "INVALID_ARGUMENT");
        }
      });

      it("a part whose body fails is not recorded", async () => {
        const bucket = await newBucket();
        const upload = await createUpload(bucket, "k");
        const failure = new Error("bad chunk signature");
        await expect(
          store.uploadPart(bucket, "k", upload.uploadId, 1, bodyFromBuffer(randomBytes(100_000), { errorAt: 30_000, error: failure })),
        ).rejects.toBe(failure);
        expect((await store.listParts({ bucket, key: "k", uploadId: upload.uploadId, maxParts: 10 })).parts).toEqual([]);
      });

      it("lists parts in pages", async () => {
        const bucket = await newBucket();
        const upload = await createUpload(bucket, "k");
        const datas = [1, 2, 3, 4, 5].map((n) => Buffer.from(`part number ${n}`));
        await uploadParts(bucket, "k", upload.uploadId, datas);
        const page1 = await store.listParts({ bucket, key: "k", uploadId: upload.uploadId, maxParts: 2 });
        expect(page1.upload).toMatchObject({ bucket, key: "k", uploadId: upload.uploadId, owner: OWNER, storageClass: "STANDARD" });
        expect(page1.parts.map((p) => p.partNumber)).toEqual([1, 2]);
        expect(page1.parts[1]).toMatchObject({ etag: md5Hex(datas[1]), size: datas[1].length });
        expect(page1.parts[1].lastModified).toBeInstanceOf(Date);
        expect(page1).toMatchObject({ isTruncated: true, nextPartNumberMarker: 2 });
        const page2 = await store.listParts({ bucket, key: "k", uploadId: upload.uploadId, partNumberMarker: 2, maxParts: 2 });
        expect(page2.parts.map((p) => p.partNumber)).toEqual([3, 4]);
        expect(page2).toMatchObject({ isTruncated: true, nextPartNumberMarker: 4 });
        const page3 = await store.listParts({ bucket, key: "k", uploadId: upload.uploadId, partNumberMarker: 4, maxParts: 2 });
        expect(page3.parts.map((p) => p.partNumber)).toEqual([5]);
        expect(page3.isTruncated).toBe(false);
        expect(page3.nextPartNumberMarker).toBeUndefined();
        const exact = await store.listParts({ bucket, key: "k", uploadId: upload.uploadId, maxParts: 5 });
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
        const full = await store.listMultipartUploads({ bucket, maxUploads: 100 });
        expect(full.uploads.map((u) => u.uploadId)).toEqual([a1, a2, b1, b2, c].map((u) => u.uploadId));
        expect(full.isTruncated).toBe(false);
        expect(full.uploads[0]).toMatchObject({ bucket, key: "a", owner: OWNER, storageClass: "STANDARD" });
        expect(full.uploads[0].initiated.getTime()).toBeLessThanOrEqual(full.uploads[1].initiated.getTime());

        const grouped = await store.listMultipartUploads({ bucket, delimiter: "/", maxUploads: 100 });
        expect(grouped.uploads.map((u) => u.key)).toEqual(["a", "a", "c"]);
        expect(grouped.commonPrefixes).toEqual(["b/"]);

        const prefixed = await store.listMultipartUploads({ bucket, prefix: "b/", maxUploads: 100 });
        expect(prefixed.uploads.map((u) => u.uploadId)).toEqual([b1.uploadId, b2.uploadId]);

        const afterKey = await store.listMultipartUploads({ bucket, keyMarker: "a", maxUploads: 100 });
        expect(afterKey.uploads.map((u) => u.key)).toEqual(["b/1", "b/2", "c"]);
        const afterUpload = await store.listMultipartUploads({ bucket, keyMarker: "a", uploadIdMarker: a1.uploadId, maxUploads: 100 });
        expect(afterUpload.uploads.map((u) => u.uploadId)).toEqual([a2, b1, b2, c].map((u) => u.uploadId));

        for (const delimiter of [undefined, "/"]) {
          for (const maxUploads of [1, 2, 3]) {
            const label = JSON.stringify({ delimiter, maxUploads });
            const pages: ListUploadsResult[] = [];
            let keyMarker: string | undefined;
            let uploadIdMarker: string | undefined;
            for (;;) {
              const page = await store.listMultipartUploads({ bucket, delimiter, keyMarker, uploadIdMarker, maxUploads });
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
        await multipartObject(bucket, "k", [bigB, Buffer.from("end")]);
        const info = await put(bucket, "k", Buffer.from("plain"));
        expect(info.partsCount).toBeUndefined();
        const head = await store.headObject(bucket, "k");
        expect(head.info.partsCount).toBeUndefined();
        expect((await content(bucket, "k")).toString()).toBe("plain");
      });

      it("a reader of a multipart object gets all its parts although it is overwritten mid-read", async () => {
        const bucket = await newBucket();
        const tail = randomBytes(100_000);
        await multipartObject(bucket, "k", [bigA, tail]);
        const reading = await store.getObject({ bucket, key: "k" });
        const iterator = reading.open()[Symbol.asyncIterator]();
        const first = await iterator.next();
        await put(bucket, "k", Buffer.from("new"));
        await store.deleteObject(bucket, "k");
        const chunks: Buffer[] = [first.value as Buffer];
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks.push(next.value as Buffer);
        expect(Buffer.concat(chunks).equals(Buffer.concat([bigA, tail]))).toBe(true);
      });
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
