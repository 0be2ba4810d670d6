/**
 * The embedded local-disk store: object bytes in segment files (files.ts), metadata in SQLite
 * (schema.ts). The zero-set-up default backend of the gateway.
 *
 * Write protocol (PutObject, UploadPart):
 *   1. cheap checks first (bucket, upload, precondition), so a doomed request does not read its body;
 *   2. the body becomes a durable segment file (files.ts: temp file, fdatasync, rename, directory
 *      fsync). If the body stream errors, nothing else happens and its error is rethrown unchanged;
 *   3. one SQLite transaction re-checks everything and commits the rows that make the segment
 *      visible, replacing the previous version in the same transaction. synchronous=FULL makes the
 *      commit durable before it returns, so the write is acknowledged only once bytes and metadata
 *      are both on disk, in that order: a committed row never points at a file that could be lost;
 *   4. segments the transaction dropped (the old version) are unlinked afterwards, or later when a
 *      reader still holds them (pins.ts). A crash before that leaves unreferenced files, removed at
 *      the next start (recovery.ts).
 * Readers resolve an object in one synchronous read, so they see the old or the new version, never a
 * mixture and never a partial file (files become visible to metadata only when complete).
 *
 * Blocking: better-sqlite3 runs statements on the event loop thread. Every statement here is an
 * indexed point lookup, a bounded range scan (listings read at most max+1 rows per seek) or a write
 * of a few rows; the largest transaction is CompleteMultipartUpload, proportional to its part count.
 * All file I/O uses fs/promises and streams.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

import type Database from "better-sqlite3";

import {
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  StorageError,
  type BucketInfo,
  type ByteRange,
  type Checksum,
  type CompleteMultipartParams,
  type DeleteObjectResult,
  type GetObjectParams,
  type GetObjectResult,
  type IncomingBody,
  type ListObjectsParams,
  type ListObjectsResult,
  type ListPartsParams,
  type ListPartsResult,
  type ListUploadsParams,
  type ListUploadsResult,
  type MultipartUploadParams,
  type ObjectInfo,
  type ObjectPartInfo,
  type PartInfo,
  type PutObjectParams,
  type StorageClient,
  type UploadInfo,
} from "../types.js";
import { multipartChecksum } from "./checksum.js";
import { DataFiles, fsyncDir } from "./files.js";
import {
  hasLoneSurrogate,
  immediateSuccessor,
  listEntries,
  lowerBound,
  type ListingCounters,
  type Position,
} from "./listing.js";
import { SegmentPins } from "./pins.js";
import { recoverDataDir } from "./recovery.js";
import { openDatabase } from "./schema.js";
import {
  parseChecksum,
  pickSystemMetadata,
  toBucketInfo,
  toObjectInfo,
  toObjectSummary,
  toPartInfo,
  toUploadInfo,
  type StoredMeta,
} from "./rows.js";
import { concatSlices, planSlices, type SegmentSpan } from "./segment-stream.js";
import {
  prepareStatements,
  type BucketRow,
  type ObjectRow,
  type SegmentRefRow,
  type Statements,
  type SummaryRow,
  type UploadRow,
} from "./statements.js";

/** The subset of a pino logger the store uses. */
export interface StoreLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

export interface EmbeddedStoreOptions {
  /** directory owned by the store; created if missing */
  dataDir: string;
  logger?: StoreLogger;
}

/** Internal counters, for tests and diagnostics (not part of StorageClient). */
export interface EmbeddedStoreStats {
  /** index seeks made by listings since open */
  listSeeks: number;
  /** index rows read by listings since open */
  listRowsVisited: number;
  /** segments currently pinned by readers */
  pinnedSegments: number;
}

/** What a write transaction returns: its result and the segments it stopped referencing. */
interface Committed<T> {
  result: T;
  discard: string[];
}

const noopLogger: StoreLogger = { info() {}, warn() {} };

export class EmbeddedStore implements StorageClient {
  readonly name = "embedded";

  private readonly st: Statements;
  private readonly pins: SegmentPins;
  private readonly counters: ListingCounters = { seeks: 0, rowsVisited: 0 };
  /** runs a function in one SQLite transaction (BEGIN ... COMMIT, ROLLBACK on throw) */
  private readonly inTransaction: <T>(fn: () => T) => T;
  /** next object version id; this process owns the database, so a counter suffices */
  private nextVersionId: number;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly files: DataFiles,
    private readonly logger: StoreLogger,
  ) {
    this.st = prepareStatements(db);
    const transaction = db.transaction((fn: () => unknown) => fn());
    this.inTransaction = <T>(fn: () => T) => transaction(fn) as T;
    this.pins = new SegmentPins((id) => this.removeFile(id));
    this.nextVersionId = (this.st.maxVersionId.get() ?? 0) + 1;
  }

  static async open(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const logger = options.logger ?? noopLogger;
    const files = new DataFiles(options.dataDir);
    await mkdir(files.objectsDir, { recursive: true });
    await mkdir(files.tmpDir, { recursive: true });
    const db = openDatabase(join(options.dataDir, "meta.sqlite"));
    try {
      // the directory entries of objects/, tmp/, a newly created database and a newly created
      // data directory must be durable before anything written into them is acknowledged
      await fsyncDir(options.dataDir);
      await fsyncDir(dirname(resolve(options.dataDir)));
      await recoverDataDir(db, files, logger);
      const store = new EmbeddedStore(db, files, logger);
      logger.info({ dataDir: options.dataDir }, "embedded store: open");
      return store;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  stats(): EmbeddedStoreStats {
    return {
      listSeeks: this.counters.seeks,
      listRowsVisited: this.counters.rowsVisited,
      pinnedSegments: this.pins.pinnedCount,
    };
  }

  // ---------------------------------------------------------------- buckets

  async listBuckets(): Promise<BucketInfo[]> {
    this.assertOpen();
    return this.st.listBuckets.all().map(toBucketInfo);
  }

  async createBucket(name: string, owner: string): Promise<void> {
    this.assertOpen();
    this.inTransaction(() => {
      const existing = this.st.getBucket.get(name);
      if (existing !== undefined) {
        throw new StorageError(existing.owner === owner ? "BUCKET_ALREADY_OWNED" : "BUCKET_ALREADY_EXISTS");
      }
      this.st.insertBucket.run(name, owner, Date.now());
    });
  }

  async getBucket(name: string): Promise<BucketInfo> {
    this.assertOpen();
    return toBucketInfo(this.requireBucket(name));
  }

  async deleteBucket(name: string): Promise<void> {
    this.assertOpen();
    this.commit(() => {
      this.requireBucket(name);
      if (this.st.anyObjectInBucket.get(name) !== undefined) throw new StorageError("BUCKET_NOT_EMPTY");
      // S3 refuses only while objects exist; in-progress uploads go with the bucket
      const discard: string[] = [];
      for (const uploadId of this.st.uploadIdsOfBucket.all(name)) discard.push(...this.dropUpload(uploadId));
      this.st.deleteBucket.run(name);
      return { result: undefined, discard };
    });
  }

  // ---------------------------------------------------------------- objects

  async putObject(params: PutObjectParams, body: IncomingBody): Promise<ObjectInfo> {
    this.assertOpen();
    validateKey(params.key);
    this.requireBucket(params.bucket);
    const conditional = params.ifMatch !== undefined || params.ifNoneMatch !== undefined;
    if (conditional && failsCondition(this.st.getObject.get(params.bucket, params.key), params)) {
      throw new StorageError("PRECONDITION_FAILED");
    }

    const segment = await this.files.writeSegment(body);
    const { size, md5, checksum } = segment.digests;
    return this.commit(() => {
      this.requireBucket(params.bucket);
      const current = this.st.getObject.get(params.bucket, params.key);
      // The condition held before the body was received; another write committed meanwhile.
      if (conditional && failsCondition(current, params)) throw new StorageError("CONFLICT");
      const discard = current === undefined ? [] : this.dropVersion(current);
      const now = Date.now();
      this.st.insertSegment.run(segment.id, size, md5, checksum ? JSON.stringify(checksum) : null, now);
      const row = this.insertVersion(
        params,
        { size, etag: md5.toString("hex"), checksum, partsCount: null, lastModified: now },
        [{ segment_id: segment.id, size }],
      );
      return { result: toObjectInfo(row), discard };
    }, [segment.id]);
  }

  async headObject(
    bucket: string,
    key: string,
    partNumber?: number,
  ): Promise<{ info: ObjectInfo; part?: ObjectPartInfo }> {
    this.assertOpen();
    validateKey(key);
    this.requireBucket(bucket);
    const row = this.requireObject(bucket, key);
    const info = toObjectInfo(row);
    if (partNumber === undefined) return { info };
    const segments = this.st.segmentsOfVersion.all(row.vid);
    return { info, part: partOf(row, segments, partNumber) };
  }

  /**
   * Resolves the object and its segments and pins the segments (pins.ts) in one synchronous run (no
   * await in this method), so the snapshot cannot change between the lookup and the pin. The stream
   * opens one segment file at a time. Once open() was called, the stream owns the pins and releases
   * them when it closes; release() is then a no-op.
   */
  async getObject(params: GetObjectParams): Promise<GetObjectResult> {
    this.assertOpen();
    validateKey(params.key);
    this.requireBucket(params.bucket);
    const row = this.requireObject(params.bucket, params.key);
    const info = toObjectInfo(row);
    const segments = this.st.segmentsOfVersion.all(row.vid);

    let range: ByteRange | undefined;
    let part: ObjectPartInfo | undefined;
    if (params.partNumber !== undefined) {
      part = partOf(row, segments, params.partNumber);
      // S3 rejects Range together with partNumber; the runtime should never ask for both
      if (params.range?.(info) !== undefined) {
        throw new StorageError("INVALID_ARGUMENT", "a byte range and a part number cannot be combined");
      }
      range = part.range.end >= part.range.start ? part.range : undefined;
    } else {
      range = params.range?.(info);
      if (range !== undefined && !isRangeWithin(range, info.size)) {
        throw new StorageError("INVALID_ARGUMENT", `range ${range.start}-${range.end} is not within ${info.size} bytes`);
      }
    }

    const slices = planSlices(
      segments.map((s): SegmentSpan => ({ id: s.segment_id, size: s.size })),
      range?.start ?? 0,
      range?.end ?? info.size - 1,
    );
    const pinned = [...new Set(slices.map((s) => s.id))];
    this.pins.pin(pinned);
    let state: "ready" | "opened" | "released" = "ready";
    const unpin = () => this.pins.unpin(pinned);
    return {
      info,
      ...(range !== undefined && { range }),
      ...(part !== undefined && { part }),
      open: () => {
        if (state !== "ready") throw new Error(`getObject result already ${state}`);
        state = "opened";
        return concatSlices(slices, (s) => this.files.openRange(s.id, s.start, s.end), unpin);
      },
      release: () => {
        if (state !== "ready") return;
        state = "released";
        unpin();
      },
    };
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    this.assertOpen();
    validateKey(key);
    this.commit(() => {
      this.requireBucket(bucket);
      const current = this.st.getObject.get(bucket, key);
      return { result: undefined, discard: current === undefined ? [] : this.dropVersion(current) };
    });
  }

  /** One transaction (one log fsync) for the whole batch; a missing key is a success. */
  async deleteObjects(bucket: string, keys: string[]): Promise<DeleteObjectResult[]> {
    this.assertOpen();
    return this.commit(() => {
      this.requireBucket(bucket);
      const discard: string[] = [];
      const results = keys.map((key): DeleteObjectResult => {
        try {
          validateKey(key);
        } catch (err) {
          return { key, error: err as StorageError };
        }
        const current = this.st.getObject.get(bucket, key);
        if (current !== undefined) discard.push(...this.dropVersion(current));
        return { key };
      });
      return { result: results, discard };
    });
  }

  async listObjects(params: ListObjectsParams): Promise<ListObjectsResult> {
    this.assertOpen();
    validateMax(params.maxKeys, "maxKeys");
    this.requireBucket(params.bucket);
    const prefix = params.prefix ?? "";
    const fromMarker =
      params.startAfter === undefined ? undefined : { key: immediateSuccessor(params.startAfter), id: "" };
    const page = listEntries<SummaryRow>(
      {
        prefix,
        delimiter: params.delimiter,
        lower: lowerBound(prefix, fromMarker),
        markerKey: params.startAfter,
        max: params.maxKeys,
        scan: (lower, upperKey, limit) =>
          upperKey === undefined
            ? this.st.listObjects.iterate(params.bucket, lower.key, limit)
            : this.st.listObjectsBounded.iterate(params.bucket, lower.key, upperKey, limit),
      },
      this.counters,
    );
    const result: ListObjectsResult = { objects: [], commonPrefixes: [], isTruncated: page.truncated };
    for (const entry of page.entries) {
      if (entry.prefix !== undefined) result.commonPrefixes.push(entry.prefix);
      else result.objects.push(toObjectSummary(entry.row));
    }
    if (page.truncated) {
      const last = page.entries[page.entries.length - 1];
      result.nextMarker = last.prefix ?? last.row!.key;
    }
    return result;
  }

  // ---------------------------------------------------------------- multipart

  async createMultipartUpload(params: MultipartUploadParams): Promise<UploadInfo> {
    this.assertOpen();
    validateKey(params.key);
    const initiated = Date.now();
    const uploadId = newUploadId(initiated);
    this.inTransaction(() => {
      this.requireBucket(params.bucket);
      this.st.insertUpload.run(
        uploadId,
        params.bucket,
        params.key,
        initiated,
        params.storageClass,
        params.owner,
        params.checksumAlgorithm ?? null,
        JSON.stringify({
          system: pickSystemMetadata(params),
          user: params.userMetadata,
          tags: params.tags,
        } satisfies StoredMeta),
      );
    });
    return {
      bucket: params.bucket,
      key: params.key,
      uploadId,
      initiated: new Date(initiated),
      storageClass: params.storageClass,
      owner: params.owner,
      ...(params.checksumAlgorithm !== undefined && { checksumAlgorithm: params.checksumAlgorithm }),
    };
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: IncomingBody,
  ): Promise<PartInfo> {
    this.assertOpen();
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new StorageError("INVALID_ARGUMENT", `part number must be an integer from 1 to ${MAX_PART_NUMBER}`);
    }
    this.requireBucket(bucket);
    this.requireUpload(uploadId, bucket, key);

    const segment = await this.files.writeSegment(body);
    const { size, md5, checksum } = segment.digests;
    return this.commit(() => {
      this.requireBucket(bucket);
      this.requireUpload(uploadId, bucket, key); // aborted or completed while the body streamed?
      const previous = this.st.getPart.get(uploadId, partNumber);
      if (previous !== undefined) this.st.deleteSegment.run(previous.segment_id);
      const now = Date.now();
      this.st.insertSegment.run(segment.id, size, md5, checksum ? JSON.stringify(checksum) : null, now);
      this.st.upsertPart.run(uploadId, partNumber, segment.id);
      const info: PartInfo = {
        partNumber,
        size,
        etag: md5.toString("hex"),
        lastModified: new Date(now),
        ...(checksum !== undefined && { checksum }),
      };
      return { result: info, discard: previous === undefined ? [] : [previous.segment_id] };
    }, [segment.id]);
  }

  /**
   * Makes the object from the listed parts without copying bytes: its segments are the parts'
   * segment files, in the listed order. Validation follows S3 (order, then each part, then sizes).
   */
  async completeMultipartUpload(params: CompleteMultipartParams): Promise<ObjectInfo> {
    this.assertOpen();
    validateKey(params.key);
    return this.commit(() => {
      this.requireBucket(params.bucket);
      const upload = this.requireUpload(params.uploadId, params.bucket, params.key);
      if (params.parts.length === 0) {
        throw new StorageError("INVALID_ARGUMENT", "a multipart upload is completed with at least one part");
      }
      for (let i = 1; i < params.parts.length; i++) {
        if (params.parts[i].partNumber <= params.parts[i - 1].partNumber) throw new StorageError("INVALID_PART_ORDER");
      }
      const uploaded = new Map(this.st.partsOfUpload.all(params.uploadId).map((p) => [p.part_number, p]));
      const chosen = params.parts.map((listed) => {
        const part = uploaded.get(listed.partNumber);
        if (part === undefined || normalizeEtag(listed.etag) !== part.md5.toString("hex")) {
          throw new StorageError("INVALID_PART", `part ${listed.partNumber} was not uploaded with that ETag`);
        }
        return part;
      });
      for (let i = 0; i < chosen.length - 1; i++) {
        if (chosen[i].size < MIN_PART_SIZE) {
          throw new StorageError("ENTITY_TOO_SMALL", `part ${chosen[i].part_number} is smaller than ${MIN_PART_SIZE} bytes`);
        }
      }
      const current = this.st.getObject.get(params.bucket, params.key);
      if (failsCondition(current, params)) throw new StorageError("PRECONDITION_FAILED");

      // ETag as AWS computes it: MD5 over the concatenated binary MD5s of the parts, then "-N".
      const etag = `${createHash("md5").update(Buffer.concat(chosen.map((p) => p.md5))).digest("hex")}-${chosen.length}`;
      const uploadMeta = JSON.parse(upload.meta) as StoredMeta;
      const checksum = multipartChecksum(
        upload.checksum_algorithm ?? undefined,
        chosen.map((p) => ({ size: p.size, checksum: parseChecksum(p.checksum) })),
      );

      const discard = current === undefined ? [] : this.dropVersion(current);
      // parts not listed are dropped with the upload; the chosen ones now belong to the object
      const chosenIds = new Set(chosen.map((p) => p.segment_id));
      for (const part of uploaded.values()) {
        if (!chosenIds.has(part.segment_id)) {
          this.st.deleteSegment.run(part.segment_id);
          discard.push(part.segment_id);
        }
      }
      this.st.deletePartsOfUpload.run(params.uploadId);
      this.st.deleteUpload.run(params.uploadId);
      const row = this.insertVersion(
        {
          bucket: params.bucket,
          key: params.key,
          storageClass: upload.storage_class,
          owner: upload.owner,
          userMetadata: uploadMeta.user,
          tags: uploadMeta.tags,
          ...uploadMeta.system,
        },
        {
          size: chosen.reduce((n, p) => n + p.size, 0),
          etag,
          checksum,
          partsCount: chosen.length,
          lastModified: Date.now(),
        },
        chosen,
      );
      return { result: toObjectInfo(row), discard };
    });
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    this.assertOpen();
    this.commit(() => {
      this.requireBucket(bucket);
      this.requireUpload(uploadId, bucket, key);
      return { result: undefined, discard: this.dropUpload(uploadId) };
    });
  }

  async listParts(params: ListPartsParams): Promise<ListPartsResult> {
    this.assertOpen();
    validateMax(params.maxParts, "maxParts");
    this.requireBucket(params.bucket);
    const upload = this.requireUpload(params.uploadId, params.bucket, params.key);
    const rows =
      params.maxParts === 0 ? [] : this.st.partsPage.all(params.uploadId, params.partNumberMarker ?? 0, params.maxParts + 1);
    const isTruncated = rows.length > params.maxParts;
    if (isTruncated) rows.length = params.maxParts;
    return {
      upload: toUploadInfo(upload),
      parts: rows.map(toPartInfo),
      isTruncated,
      ...(isTruncated && { nextPartNumberMarker: rows[rows.length - 1].part_number }),
    };
  }

  /**
   * Uploads in (key, upload id) order. Upload ids begin with the initiation time in fixed-width hex
   * (newUploadId), so that order is "by key, then initiation time, then id", and a marker upload id
   * keeps its place even after that upload is gone.
   */
  async listMultipartUploads(params: ListUploadsParams): Promise<ListUploadsResult> {
    this.assertOpen();
    validateMax(params.maxUploads, "maxUploads");
    this.requireBucket(params.bucket);
    const prefix = params.prefix ?? "";
    // AWS: without key-marker, upload-id-marker is ignored
    let fromMarker: Position | undefined;
    if (params.keyMarker !== undefined) {
      fromMarker =
        params.uploadIdMarker !== undefined && params.uploadIdMarker !== ""
          ? { key: params.keyMarker, id: immediateSuccessor(params.uploadIdMarker) }
          : { key: immediateSuccessor(params.keyMarker), id: "" };
    }
    const page = listEntries<UploadRow>(
      {
        prefix,
        delimiter: params.delimiter,
        lower: lowerBound(prefix, fromMarker),
        markerKey: params.keyMarker,
        max: params.maxUploads,
        scan: (lower, upperKey, limit) =>
          upperKey === undefined
            ? this.st.listUploads.iterate(params.bucket, lower.key, lower.id, limit)
            : this.st.listUploadsBounded.iterate(params.bucket, lower.key, lower.id, upperKey, limit),
      },
      this.counters,
    );
    const result: ListUploadsResult = { uploads: [], commonPrefixes: [], isTruncated: page.truncated };
    for (const entry of page.entries) {
      if (entry.prefix !== undefined) result.commonPrefixes.push(entry.prefix);
      else result.uploads.push(toUploadInfo(entry.row));
    }
    if (page.truncated) {
      const last = page.entries[page.entries.length - 1];
      if (last.prefix !== undefined) {
        result.nextKeyMarker = last.prefix;
      } else {
        result.nextKeyMarker = last.row.key;
        result.nextUploadIdMarker = last.row.upload_id;
      }
    }
    return result;
  }

  /**
   * Closes the database. Later calls fail with an Error; a write whose body is still streaming fails
   * at its commit and removes its file. Pinned segments are still unlinked when their readers finish.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    this.logger.info({}, "embedded store: closed");
  }

  // ---------------------------------------------------------------- internals

  private assertOpen(): void {
    if (this.closed) throw new Error("the embedded store is closed");
  }

  private requireBucket(name: string): BucketRow {
    const row = this.st.getBucket.get(name);
    if (row === undefined) throw new StorageError("BUCKET_NOT_FOUND");
    return row;
  }

  private requireObject(bucket: string, key: string): ObjectRow {
    const row = this.st.getObject.get(bucket, key);
    if (row === undefined) throw new StorageError("KEY_NOT_FOUND");
    return row;
  }

  /** The upload, if it exists and was started for this bucket and key (S3: NoSuchUpload otherwise). */
  private requireUpload(uploadId: string, bucket: string, key: string): UploadRow {
    const row = this.st.getUpload.get(uploadId);
    if (row === undefined || row.bucket !== bucket || row.key !== key) throw new StorageError("UPLOAD_NOT_FOUND");
    return row;
  }

  /**
   * Runs a write transaction, then hands the segments it dropped to the pins (unlink now or when the
   * last reader is done) in the same synchronous run, see pins.ts. `ownFiles` are segment files
   * written for this transaction: when it is rolled back they are removed. That is done only when
   * the transaction certainly did not commit (our own StorageError, or the store closed under it);
   * after an SQLite failure at COMMIT the outcome is not known here, and the file is left for the
   * orphan scan at the next start, which decides by the rows actually on disk.
   */
  private commit<T>(fn: () => Committed<T>, ownFiles: readonly string[] = []): T {
    let committed: Committed<T>;
    try {
      this.assertOpen();
      committed = this.inTransaction(fn);
    } catch (err) {
      if (err instanceof StorageError || this.closed) for (const id of ownFiles) this.removeFile(id);
      throw err;
    }
    this.pins.discard(committed.discard);
    return committed.result;
  }

  /** Deletes an object's current version rows; returns its segments (to discard after commit). */
  private dropVersion(row: ObjectRow): string[] {
    const segments = this.st.segmentsOfVersion.all(row.vid).map((s) => s.segment_id);
    this.st.deleteObjectSegments.run(row.vid);
    for (const id of segments) this.st.deleteSegment.run(id);
    this.st.deleteObject.run(row.bucket, row.key);
    return segments;
  }

  /** Deletes an upload and its parts' rows; returns the parts' segments (to discard after commit). */
  private dropUpload(uploadId: string): string[] {
    const segments = this.st.segmentIdsOfUpload.all(uploadId);
    for (const id of segments) this.st.deleteSegment.run(id);
    this.st.deletePartsOfUpload.run(uploadId);
    this.st.deleteUpload.run(uploadId);
    return segments;
  }

  /** Inserts a new current version (the caller has dropped the previous one) and returns its row. */
  private insertVersion(
    params: Omit<PutObjectParams, "ifMatch" | "ifNoneMatch">,
    facts: { size: number; etag: string; checksum?: Checksum; partsCount: number | null; lastModified: number },
    segments: readonly SegmentRefRow[],
  ): ObjectRow {
    const vid = this.nextVersionId++;
    segments.forEach((s, seq) => this.st.insertObjectSegment.run(vid, seq, s.segment_id, s.size));
    const meta: StoredMeta = {
      system: pickSystemMetadata(params),
      user: params.userMetadata,
      tags: params.tags,
      ...(facts.checksum !== undefined && { checksum: facts.checksum }),
    };
    const row: ObjectRow = {
      bucket: params.bucket,
      key: params.key,
      vid,
      size: facts.size,
      etag: facts.etag,
      last_modified: facts.lastModified,
      storage_class: params.storageClass,
      owner: params.owner,
      checksum_algorithm: facts.checksum?.algorithm ?? null,
      parts_count: facts.partsCount,
      meta: JSON.stringify(meta),
    };
    this.st.insertObject.run(
      row.bucket,
      row.key,
      row.vid,
      row.size,
      row.etag,
      row.last_modified,
      row.storage_class,
      row.owner,
      row.checksum_algorithm,
      row.parts_count,
      row.meta,
    );
    return row;
  }

  /** Best-effort unlink of a segment file no row references; failures leave it to the next start. */
  private removeFile(id: string): void {
    this.files.remove(id).catch((err: unknown) => {
      this.logger.warn({ segment: id, err }, "embedded store: could not remove a data file; recovery will retry at start");
    });
  }
}

// ---------------------------------------------------------------- helpers

/**
 * An upload id: the initiation time in milliseconds as 12 hex digits (fixed width until the year
 * 10889, so string order is time order), then 96 random bits. URL-safe, unguessable.
 */
function newUploadId(initiated: number): string {
  return initiated.toString(16).padStart(12, "0") + randomBytes(12).toString("hex");
}

function validateKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) throw new StorageError("INVALID_ARGUMENT", "an object key must not be empty");
  // a lone surrogate has no UTF-8 form: SQLite would store U+FFFD and the key would silently change
  if (hasLoneSurrogate(key)) throw new StorageError("INVALID_ARGUMENT", "an object key must be valid Unicode");
}

function validateMax(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new StorageError("INVALID_ARGUMENT", `${name} must be a non-negative integer`);
}

function isRangeWithin(range: ByteRange, size: number): boolean {
  return (
    Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 0 && range.start <= range.end && range.end < size
  );
}

/**
 * The byte range of part `partNumber` (1-based position in the completed part list). An object made
 * by a single PUT has exactly one part, the whole object, as in S3 (GET ?partNumber=1 works on it).
 */
function partOf(row: ObjectRow, segments: readonly SegmentRefRow[], partNumber: number): ObjectPartInfo {
  if (!Number.isInteger(partNumber) || partNumber < 1) {
    throw new StorageError("INVALID_ARGUMENT", "a part number is a positive integer");
  }
  const partsCount = row.parts_count ?? 1;
  if (partNumber > partsCount) throw new StorageError("INVALID_PART_NUMBER");
  if (row.parts_count === null) return { partsCount, range: { start: 0, end: row.size - 1 } };
  let start = 0;
  for (let i = 0; i < partNumber - 1; i++) start += segments[i].size;
  return { partsCount, range: { start, end: start + segments[partNumber - 1].size - 1 } };
}

/** ETags compare without quotes (and a weak W/ marker) and case-insensitively. */
function normalizeEtag(etag: string): string {
  let e = etag.trim();
  if (e.startsWith("W/")) e = e.slice(2);
  if (e.length >= 2 && e.startsWith('"') && e.endsWith('"')) e = e.slice(1, -1);
  return e.toLowerCase();
}

/** true when an If-Match / If-None-Match header value (a list of ETags or "*") matches `etag` */
function etagHeaderMatches(header: string, etag: string): boolean {
  return header.split(",").some((candidate) => {
    const c = normalizeEtag(candidate);
    return c === "*" || c === etag;
  });
}

/**
 * Conditional write check (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html):
 * If-None-Match: * fails when the key exists; If-Match fails when the key is missing or its ETag differs.
 */
function failsCondition(current: ObjectRow | undefined, cond: { ifMatch?: string; ifNoneMatch?: string }): boolean {
  if (cond.ifMatch !== undefined && (current === undefined || !etagHeaderMatches(cond.ifMatch, current.etag))) return true;
  if (cond.ifNoneMatch !== undefined && current !== undefined && etagHeaderMatches(cond.ifNoneMatch, current.etag)) return true;
  return false;
}

