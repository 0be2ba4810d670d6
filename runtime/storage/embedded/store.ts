/**
 * The embedded local-disk store: object bytes in segments, metadata in SQLite (schema.ts). A
 * segment is a data file (files.ts) or, for a body of at most the inline limit, a BLOB in SQLite
 * (inline.ts). The zero-set-up default backend of the gateway.
 *
 * Write protocol (PutObject, UploadPart):
 *   1. cheap checks first (bucket, upload, precondition), so a doomed request does not read its body;
 *   2. the body is received: a small one into memory, a larger one into a segment file made durable
 *      (files.ts: temp file, fdatasync, rename). If the body stream errors, nothing else happens and
 *      its error is rethrown unchanged;
 *   3. the write joins a group commit (group-commit.ts): the directories of the batch's new files
 *      are fsynced, then one SQLite transaction runs every write of the batch, each in its own
 *      savepoint, re-checking everything and committing the rows (and inline bytes) that make its
 *      segment visible, replacing the previous version;
 *   4. the log is synced off the event loop (wal-sync.ts), and only then is the write acknowledged:
 *      bytes and metadata are both on disk, in that order, so a committed row never points at a
 *      file that could be lost;
 *   5. segment files the transaction dropped (the old version) are unlinked afterwards, or later
 *      when a reader still holds them (pins.ts). A crash before that leaves unreferenced files,
 *      removed at the next start (recovery.ts). Dropped inline bytes go with their rows.
 * Readers resolve an object in one synchronous read, so they see the old or the new version, never a
 * mixture and never a partial body (files become visible to metadata only when complete, inline
 * bytes only with their rows). Anything a read or a refused write saw is returned only once the log
 * holding it is synced (observe()), so no answer describes a state a power loss could take back.
 *
 * Blocking: better-sqlite3 runs statements on the event loop thread. Every statement here is an
 * indexed point lookup, a bounded range scan (listings read at most max+1 rows per seek) or a write
 * of a few rows (an inline body is at most the inline limit); the largest transaction is a batch of
 * writes or CompleteMultipartUpload, proportional to its part count. Commits do not fsync on the
 * event loop (schema.ts, wal-sync.ts); all file I/O uses fs/promises and streams.
 */
import { createHash, randomBytes } from "node:crypto";
import { open, rm, type FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

import type Database from "better-sqlite3";

import {
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  StorageError,
  type BucketInfo,
  type BucketVersioning,
  type ByteRange,
  type CorsRule,
  type LifecycleRule,
  type Checksum,
  type CompleteMultipartParams,
  type CompletedPart,
  type DeleteObjectResult,
  type DeleteOutcome,
  type GetObjectParams,
  type GetObjectResult,
  type IncomingBody,
  type ListObjectsParams,
  type ListObjectsResult,
  type ListVersionsParams,
  type ListVersionsResult,
  type ListPartsParams,
  type ListPartsResult,
  type ListUploadsParams,
  type ListUploadsResult,
  type MultipartUploadParams,
  type ObjectAttributesParams,
  type ObjectAttributesResult,
  type ObjectInfo,
  type ObjectLock,
  type ObjectLockConfiguration,
  type ObjectRetention,
  type ObjectTags,
  type ObjectToDelete,
  type ObjectPartInfo,
  type PartInfo,
  type PutObjectParams,
  type StorageClient,
  type UploadInfo,
} from "../types.js";
import { BucketCorsTable } from "./bucket-cors.js";
import { BucketLifecycleTable } from "./bucket-lifecycle.js";
import { checksumMatches, multipartChecksum, uploadChecksumType } from "./checksum.js";
import { DataFiles, fsyncDir, type ReceivedBody } from "./files.js";
import { GroupCommit } from "./group-commit.js";
import { DEFAULT_INLINE_LIMIT, MAX_INLINE_LIMIT, inlineRowId, inlineSegmentId, isInlineSegment } from "./inline.js";
import {
  immediateSuccessor,
  listEntries,
  lowerBound,
  type ListingCounters,
  type Position,
} from "./listing.js";
import { makeDir, prepareDataDir } from "./modes.js";
import { ObjectLockTable, checkRemovable, checkRetentionChange, lockOfNewVersion } from "./object-lock.js";
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
  uploadChecksumTypeOf,
  type StoredMeta,
} from "./rows.js";
import { partOf, readResult, type ResolvedObject } from "./read-plan.js";
import { objectPartsPage, prepareObjectPartStatements, storedPartChecksum, type ObjectPartStatements } from "./object-parts.js";
import {
  prepareStatements,
  type BucketRow,
  type ObjectRow,
  type SegmentRefRow,
  type Statements,
  type SummaryRow,
  type UploadRow,
} from "./statements.js";
import { Versions, versionIdOf, type VersioningStatus } from "./versions.js";
import { WalSync } from "./wal-sync.js";
import { normalizeEtag, validateKey } from "../keys.js";

/** The subset of a pino logger the store uses. */
export interface StoreLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

export interface EmbeddedStoreOptions {
  /** directory owned by the store; created if missing */
  dataDir: string;
  logger?: StoreLogger;
  /**
   * Bodies of at most this many bytes are stored inline in SQLite instead of in a file (inline.ts
   * says why 64 KiB, the default). 0 sends every non-empty body to a file.
   */
  inlineLimit?: number;
}

/** Internal counters, for tests and diagnostics (not part of StorageClient). */
export interface EmbeddedStoreStats {
  /** index seeks made by listings since open */
  listSeeks: number;
  /** index rows read by listings since open */
  listRowsVisited: number;
  /** segments currently pinned by readers */
  pinnedSegments: number;
  /** write transactions run by the group commit, and the writes they held */
  commitBatches: number;
  committedJobs: number;
  largestBatch: number;
  /** fdatasync calls on the log, and how many of them ran on the event loop (a writer alone) */
  walSyncs: number;
  walSyncsInline: number;
}

/** What a write transaction returns: its result and the segments it stopped referencing. */
/** What a worker process receives bodies with (attachWorker). */
export interface WorkerFiles {
  dataDir: string;
  /** the worker's own directory under tmp/ */
  tmpDir: string;
  chmodFiles: boolean;
  inlineLimit: number;
}

/**
 * The call number of a commit sent by a worker process: never "alone". A worker's PUT enters the
 * store only for its commit, so no other call would have started in that short window and the log
 * sync would run on the event loop (wal-sync.ts startSync), where it stalls every other worker's
 * calls meanwhile: PUT 4 KiB at c=4 with two workers ran at half the rate of one process.
 */
const FROM_A_WORKER = -1;

/** Which part an UploadPart writes. */
export interface PartTarget {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
}

interface Committed<T> {
  result: T;
  discard: string[];
}

const noopLogger: StoreLogger = { info() {}, warn() {} };

/**
 * How long a completed upload is remembered, so that a retried completion gets its answer
 * (completeMultipartUpload). A retry comes within seconds or minutes of the lost answer; a day
 * covers a client that retries after its own restart, and keeps the table small.
 */
export const COMPLETED_UPLOAD_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Expired completion records removed by each completion, at most: bounded work per transaction. */
const EXPIRED_RECORDS_PER_COMPLETION = 100;

export class EmbeddedStore implements StorageClient {
  readonly name = "embedded";

  private readonly st: Statements;
  private readonly cors: BucketCorsTable;
  private readonly lifecycle: BucketLifecycleTable;
  private readonly objectLocks: ObjectLockTable;
  private readonly partSt: ObjectPartStatements;
  private readonly versions: Versions;
  private readonly pins: SegmentPins;
  private readonly counters: ListingCounters = { seeks: 0, rowsVisited: 0 };
  private readonly wal: WalSync;
  private readonly groupCommit: GroupCommit;
  /** next object version id; this process owns the database, so a counter suffices */
  private nextVersionId: number;
  private closed = false;
  private closing: Promise<void> | undefined;
  /**
   * The commit that last changed the buckets table (set inside its transaction; a rollback only
   * makes getBucket wait for a sync it did not need): getBucket's answer is durable once it is.
   */
  private bucketsChangedIn = 0;
  /** calls of public methods so far (enter()) */
  private calls = 0;

  private constructor(
    private readonly db: Database.Database,
    private readonly walFile: FileHandle,
    private readonly files: DataFiles,
    private readonly logger: StoreLogger,
    private readonly inlineLimit: number,
  ) {
    this.st = prepareStatements(db);
    this.cors = new BucketCorsTable(db);
    this.lifecycle = new BucketLifecycleTable(db);
    this.objectLocks = new ObjectLockTable(db);
    this.partSt = prepareObjectPartStatements(db);
    this.versions = new Versions(db, this.st, {
      dropCurrent: (row) => this.dropVersion(row),
      dropSegments: (vid, discard) => this.dropSegments(vid, discard),
      nextVid: () => this.nextVersionId++,
    });
    this.wal = new WalSync(walFile, (err) =>
      logger.warn({ err }, "embedded store: the metadata log could not be synced; refusing all requests until reopened"),
    );
    this.groupCommit = new GroupCommit(db, this.wal, fsyncDir);
    this.pins = new SegmentPins((id) => this.removeFile(id));
    this.nextVersionId = (this.st.maxVersionId.get() ?? 0) + 1;
  }

  static async open(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const logger = options.logger ?? noopLogger;
    const inlineLimit = options.inlineLimit ?? DEFAULT_INLINE_LIMIT;
    if (!Number.isInteger(inlineLimit) || inlineLimit < 0 || inlineLimit > MAX_INLINE_LIMIT) {
      throw new Error(`inlineLimit must be an integer from 0 to ${MAX_INLINE_LIMIT}, not ${inlineLimit}`);
    }
    const dbPath = join(options.dataDir, "meta.sqlite");
    // 0600 files and 0700 directories, an older data directory narrowed (modes.ts)
    const { ownerBitsMasked } = await prepareDataDir(options.dataDir, DataFiles.layout(options.dataDir), dbPath, logger);
    const files = new DataFiles(options.dataDir, { chmodFiles: ownerBitsMasked });
    const db = openDatabase(dbPath);
    let walFile: FileHandle | undefined;
    try {
      // Forget expired completions at once (completions clean up only a bounded share each); the
      // log sync below makes this durable with everything else.
      db.prepare("DELETE FROM completed_uploads WHERE completed < ?").run(Date.now() - COMPLETED_UPLOAD_RETENTION_MS);
      // openDatabase wrote, so the log exists; SQLite keeps this very file until close (schema.ts)
      walFile = await open(`${dbPath}-wal`, "r");
      // What the database says now may include commits of a killed process that were never
      // synced; make them durable before recovery deletes files on their word (wal-sync.ts, 5).
      await walFile.datasync();
      // the directory entries of objects/, tmp/, a newly created database and log and a newly
      // created data directory must be durable before anything written into them is acknowledged
      await fsyncDir(options.dataDir);
      await fsyncDir(dirname(resolve(options.dataDir)));
      await recoverDataDir(db, files, logger);
      const store = new EmbeddedStore(db, walFile, files, logger, inlineLimit);
      logger.info({ dataDir: options.dataDir, inlineLimit }, "embedded store: open");
      return store;
    } catch (err) {
      await walFile?.close().catch(() => undefined);
      db.close();
      throw err;
    }
  }

  stats(): EmbeddedStoreStats {
    return {
      listSeeks: this.counters.seeks,
      listRowsVisited: this.counters.rowsVisited,
      pinnedSegments: this.pins.pinnedCount,
      commitBatches: this.groupCommit.stats.batches,
      committedJobs: this.groupCommit.stats.jobs,
      largestBatch: this.groupCommit.stats.largestBatch,
      walSyncs: this.wal.syncs,
      walSyncsInline: this.wal.syncsInline,
    };
  }

  // ---------------------------------------------------------------- buckets

  async listBuckets(): Promise<BucketInfo[]> {
    this.enter();
    return this.observe(() => this.st.listBuckets.all().map(toBucketInfo));
  }

  async createBucket(name: string, owner: string, objectLock = false): Promise<void> {
    const call = this.enter();
    await this.commit(call, () => {
      const existing = this.st.getBucket.get(name);
      if (existing !== undefined) {
        throw new StorageError(existing.owner === owner ? "BUCKET_ALREADY_OWNED" : "BUCKET_ALREADY_EXISTS");
      }
      this.st.insertBucket.run(name, owner, Date.now());
      // Object Lock needs versions: S3 enables versioning with it ("Object Lock considerations").
      if (objectLock) {
        this.objectLocks.write(name, {});
        this.versions.setStatus(name, "Enabled", undefined);
      }
      this.bucketsChangedIn = this.wal.nextCommit;
      return { result: undefined, discard: [] };
    });
  }

  /**
   * Every request checks its bucket first, so this read is on every request's path. It depends on
   * the buckets table alone, so it waits only for the log sync of the last commit that changed that
   * table, not (as observe() does) for every commit before it: under a stream of object writes the
   * log is nearly always being synced, and each bucket check waited a sync (~2 ms per PUT at c=4).
   */
  async getBucket(name: string): Promise<BucketInfo> {
    this.enter();
    let info: BucketInfo;
    try {
      info = toBucketInfo(this.requireBucket(name));
    } catch (err) {
      await this.wal.waitFor(this.bucketsChangedIn);
      throw err;
    }
    await this.wal.waitFor(this.bucketsChangedIn);
    return info;
  }

  async deleteBucket(name: string): Promise<void> {
    const call = this.enter();
    await this.commit(call, () => {
      this.requireBucket(name);
      // noncurrent versions and delete markers count: S3 deletes only a bucket without any version
      if (this.st.anyObjectInBucket.get(name) !== undefined || this.versions.hasVersions(name)) {
        throw new StorageError("BUCKET_NOT_EMPTY");
      }
      // S3 refuses only while objects exist; in-progress uploads go with the bucket, and so do the
      // records of completed ones (a new bucket of that name must not know them)
      const discard: string[] = [];
      for (const uploadId of this.st.uploadIdsOfBucket.all(name)) discard.push(...this.dropUpload(uploadId));
      this.st.deleteCompletedUploadsOfBucket.run(name);
      this.st.deleteBucketTags.run(name);
      this.cors.delete(name);
      this.versions.forgetBucket(name);
      this.lifecycle.delete(name);
      this.objectLocks.delete(name);
      this.st.deleteBucket.run(name);
      this.bucketsChangedIn = this.wal.nextCommit;
      return { result: undefined, discard };
    });
  }

  // ---------------------------------------------------------------- versioning (versions.ts)

  async getBucketVersioning(bucket: string): Promise<BucketVersioning> {
    this.enter();
    return this.observe(() => {
      this.requireBucket(bucket);
      return this.versions.configuration(bucket);
    });
  }

  async putBucketVersioning(bucket: string, status: VersioningStatus, mfaDelete?: "Disabled"): Promise<void> {
    const call = this.enter();
    await this.commit(call, () => {
      this.requireBucket(bucket);
      // versions under Object Lock must stay versions ("Object Lock considerations")
      if (status === "Suspended" && this.objectLocks.read(bucket) !== undefined) {
        throw new StorageError("INVALID_BUCKET_STATE", "versioning cannot be suspended on a bucket with Object Lock", "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.");
      }
      this.versions.setStatus(bucket, status, mfaDelete);
      return { result: undefined, discard: [] };
    });
  }

  async listObjectVersions(params: ListVersionsParams): Promise<ListVersionsResult> {
    this.enter();
    validateMax(params.maxKeys, "maxKeys");
    return this.observe(() => {
      this.requireBucket(params.bucket);
      return this.versions.list(params, this.counters);
    });
  }

  // ---------------------------------------------------------------- objects

  async putObject(params: PutObjectParams, body: IncomingBody): Promise<ObjectInfo> {
    const call = this.enter();
    await this.checkPutNow(params);
    const received = await this.files.receive(body, this.inlineLimit);
    return this.commitPut(call, params, received, this.files.tmpDir);
  }

  /**
   * The checks of a PUT before its body is read (bucket, precondition), for a worker process that
   * receives the body itself (runtime/workers/); putObject runs the same.
   */
  async checkPut(params: PutObjectParams): Promise<void> {
    this.enter();
    return this.checkPutNow(params);
  }

  private async checkPutNow(params: PutObjectParams): Promise<void> {
    validateKey(params.key);
    const conditional = params.ifMatch !== undefined || params.ifNoneMatch !== undefined;
    await this.check(() => {
      this.requireBucket(params.bucket);
      if (params.lock !== undefined) lockOfNewVersion(this.objectLocks.read(params.bucket), params.lock, Date.now());
      const failure = conditional ? conditionFailure(this.st.getObject.get(params.bucket, params.key), params) : undefined;
      if (failure !== undefined) throw new StorageError(failure);
    });
  }

  /**
   * Commits a PUT whose body a worker received into `tmpDir` (a directory under the store's tmp/,
   * see DataFiles). Whatever happens, the received file is either committed or removed.
   */
  async putReceived(params: PutObjectParams, received: ReceivedBody, tmpDir: string): Promise<ObjectInfo> {
    this.enterWith(received, tmpDir);
    try {
      validateKey(params.key);
    } catch (err) {
      await this.dropReceived(received, tmpDir);
      throw err;
    }
    return this.commitPut(FROM_A_WORKER, params, received, tmpDir);
  }

  private async commitPut(call: number, params: PutObjectParams, received: ReceivedBody, tmpDir: string): Promise<ObjectInfo> {
    const conditional = params.ifMatch !== undefined || params.ifNoneMatch !== undefined;
    const { size, md5, checksum } = received.digests;
    const dir = await this.place(received, tmpDir);
    return this.commit(call, () => {
      this.requireBucket(params.bucket);
      const current = this.st.getObject.get(params.bucket, params.key);
      // The condition held before the body was received; another write committed meanwhile.
      if (conditional && conditionFailure(current, params) !== undefined) throw new StorageError("CONFLICT");
      const { state, discard } = this.makeRoom(params.bucket, params.key, current);
      const now = Date.now();
      const segmentId = this.insertSegment(received, now);
      const row = this.insertVersion(
        params,
        { size, etag: md5.toString("hex"), checksum, partsCount: null, lastModified: now },
        [{ segment_id: segmentId, size }],
        state === "Enabled",
      );
      return { result: this.infoOf(row, state), discard };
    }, received, dir);
  }

  async headObject(
    bucket: string,
    key: string,
    partNumber?: number,
    versionId?: string,
  ): Promise<{ info: ObjectInfo; part?: ObjectPartInfo }> {
    this.enter();
    validateKey(key);
    return this.observe(() => {
      this.requireBucket(bucket);
      const { row, info } = this.readable(bucket, key, versionId);
      if (partNumber === undefined) return { info };
      const segments = this.st.segmentsOfVersion.all(row.vid);
      const part = partOf(row.size, row.parts_count, segments, partNumber);
      const checksum = storedPartChecksum(this.partSt, row, partNumber);
      return { info, part: checksum === undefined ? part : { ...part, checksum } };
    });
  }

  /** The object and a page of its parts (object-parts.ts), in one synchronous read. */
  async getObjectAttributes(params: ObjectAttributesParams): Promise<ObjectAttributesResult> {
    this.enter();
    validateKey(params.key);
    return this.observe(() => {
      this.requireBucket(params.bucket);
      const { row, info } = this.readable(params.bucket, params.key, params.versionId);
      if (params.parts === undefined) return { info };
      const parts = objectPartsPage(this.partSt, row, params.parts.partNumberMarker, params.parts.maxParts);
      return parts === undefined ? { info } : { info, parts };
    });
  }

  /**
   * A snapshot read (read-plan.ts): the object is resolved and its segment files pinned in one
   * synchronous run; the stream opens one segment file at a time and unpins when it closes.
   */
  async getObject(params: GetObjectParams): Promise<GetObjectResult> {
    const resolved = await this.resolveRead(params.bucket, params.key, params.partNumber, params.versionId);
    return readResult(resolved, params, (id, start, end) => this.files.openRange(id, start, end), (ids) => this.pins.unpin(ids));
  }

  /**
   * Step 1 of a read (read-plan.ts), also for a worker process that streams the files itself: the
   * object, its segments (an inline segment's bytes copied out: a later overwrite deletes the row,
   * not the copy), and a pin on each segment file, which the caller must give back to unpin().
   * With `partNumber`, also that part's stored checksum.
   */
  async resolveRead(bucket: string, key: string, partNumber?: number, versionId?: string): Promise<ResolvedObject> {
    this.enter();
    validateKey(key);
    return this.observe(
      () => {
        this.requireBucket(bucket);
        const { row, info } = this.readable(bucket, key, versionId);
        const segments: ResolvedObject["segments"] = [];
        const pinned = new Set<string>();
        for (const s of this.st.segmentsOfVersion.all(row.vid)) {
          if (!isInlineSegment(s.segment_id)) {
            pinned.add(s.segment_id);
            segments.push({ id: s.segment_id, size: s.size });
            continue;
          }
          // (SQLite's substr of zero bytes is NULL, not an empty blob)
          const data = s.size === 0 ? Buffer.alloc(0) : this.st.inlineSlice.get(0, s.size, inlineRowId(s.segment_id));
          if (data === undefined || data.length !== s.size) {
            throw new Error(`inline segment ${s.segment_id} is missing or shorter than its row says`);
          }
          segments.push({ id: s.segment_id, size: s.size, data });
        }
        const resolved: ResolvedObject = { info, partsCount: row.parts_count, segments, pinned: [...pinned] };
        const partChecksum = partNumber === undefined ? undefined : storedPartChecksum(this.partSt, row, partNumber);
        if (partChecksum !== undefined) resolved.partChecksum = partChecksum;
        this.pins.pin(resolved.pinned);
        return resolved;
      },
      (unread) => this.pins.unpin(unread.pinned),
    );
  }

  /**
   * A receiving directory of its own for a worker process (tmp/<name>, created empty), and what
   * the worker needs to receive bodies and read files as this store does (runtime/workers/).
   */
  async attachWorker(name: string): Promise<WorkerFiles> {
    this.enter();
    if (!/^w[0-9]+$/.test(name)) throw new Error(`not a worker directory name: ${name}`);
    const tmpDir = join(this.files.tmpDir, name);
    await rm(tmpDir, { recursive: true, force: true });
    await makeDir(tmpDir);
    return { dataDir: this.files.dataDir, tmpDir, chmodFiles: this.files.chmodFiles, inlineLimit: this.inlineLimit };
  }

  /** Removes a worker's receiving directory once the worker is gone (its bodies were never committed). */
  async detachWorker(files: WorkerFiles): Promise<void> {
    await rm(files.tmpDir, { recursive: true, force: true });
  }

  /** Gives back pins of resolveRead (each pin it took exactly once; read-plan.ts may return them in parts). */
  unpin(ids: readonly string[]): void {
    this.pins.unpin(ids);
  }

  async deleteObject(bucket: string, key: string, versionId?: string, bypassGovernance = false): Promise<DeleteOutcome> {
    const call = this.enter();
    validateKey(key);
    return this.commit(call, () => {
      const owner = this.requireBucket(bucket).owner;
      const { outcome, discard } = this.deleteOne(bucket, owner, key, versionId, bypassGovernance);
      return { result: outcome, discard };
    });
  }

  /**
   * One transaction (one log fsync) for the whole batch; a missing key (or version) is a success.
   * Each entry runs in a savepoint of its own, so one that fails changes nothing and the others
   * still happen.
   */
  async deleteObjects(bucket: string, objects: ObjectToDelete[], bypassGovernance = false): Promise<DeleteObjectResult[]> {
    const call = this.enter();
    return this.commit(call, () => {
      const owner = this.requireBucket(bucket).owner;
      const discard: string[] = [];
      const one = this.db.transaction((o: ObjectToDelete) => this.deleteOne(bucket, owner, o.key, o.versionId, bypassGovernance));
      const results = objects.map((o): DeleteObjectResult => {
        const asked = o.versionId === undefined ? {} : { requestedVersionId: o.versionId };
        try {
          validateKey(o.key);
          const done = one(o);
          discard.push(...done.discard);
          return { key: o.key, ...asked, ...done.outcome };
        } catch (err) {
          if (!(err instanceof StorageError)) throw err;
          return { key: o.key, ...asked, error: err };
        }
      });
      return { result: results, discard };
    });
  }

  /** A delete of the latest version or of one version, as the bucket's versioning state has it. */
  private deleteOne(
    bucket: string,
    owner: string,
    key: string,
    versionId: string | undefined,
    bypassGovernance: boolean,
  ): { outcome: DeleteOutcome; discard: string[] } {
    const state = this.versions.status(bucket);
    const current = this.st.getObject.get(bucket, key);
    if (state === undefined) {
      // a bucket never versioned has one version of a key, "null"
      if (versionId !== undefined && versionId !== "null") {
        throw new StorageError("VERSION_NOT_FOUND", undefined, undefined, undefined, { versionId });
      }
      return { outcome: {}, discard: current === undefined ? [] : this.dropVersion(current) };
    }
    if (versionId === undefined) return this.versions.deleteLatest(state, bucket, key, owner, current);
    // a removal for good: refused while the version's lock holds (object-lock.ts)
    const found = this.versions.locate(bucket, key, versionId, current);
    if (found !== undefined) checkRemovable(toObjectInfo(found.row).lock, bypassGovernance, Date.now());
    return this.versions.deleteVersion(bucket, key, versionId, current);
  }

  async listObjects(params: ListObjectsParams): Promise<ListObjectsResult> {
    this.enter();
    validateMax(params.maxKeys, "maxKeys");
    return this.observe(() => this.listObjectsNow(params));
  }

  private listObjectsNow(params: ListObjectsParams): ListObjectsResult {
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

  // ---------------------------------------------------------------- tags

  async getObjectTags(bucket: string, key: string, versionId?: string): Promise<ObjectTags> {
    this.enter();
    validateKey(key);
    return this.observe(() => {
      this.requireBucket(bucket);
      const { info } = this.readable(bucket, key, versionId);
      return { tags: info.tags, ...(info.versionId !== undefined && { versionId: info.versionId }) };
    });
  }

  /**
   * Rewrites the tags in the current version's `meta` in one transaction: the row keeps its vid,
   * ETag, last-modified time and segments, so readers of the bytes are not disturbed and a retried
   * completion still recognises the version it made.
   */
  async putObjectTags(bucket: string, key: string, tags: Record<string, string>, versionId?: string): Promise<{ versionId?: string }> {
    const call = this.enter();
    validateKey(key);
    return this.commit<{ versionId?: string }>(call, () => {
      this.requireBucket(bucket);
      const state = this.versions.status(bucket);
      const { row, info } = this.readable(bucket, key, versionId);
      if (state === undefined) {
        const meta = JSON.parse(row.meta) as StoredMeta;
        this.st.updateObjectMeta.run(JSON.stringify({ ...meta, tags: { ...tags } } satisfies StoredMeta), bucket, key);
        return { result: {}, discard: [] };
      }
      const shown = info.versionId!;
      const current = this.st.getObject.get(bucket, key);
      this.versions.setTags(this.versions.locate(bucket, key, shown, current)!, tags);
      return { result: { versionId: shown }, discard: [] };
    });
  }

  deleteObjectTags(bucket: string, key: string, versionId?: string): Promise<{ versionId?: string }> {
    return this.putObjectTags(bucket, key, {}, versionId);
  }

  async getBucketTags(bucket: string): Promise<Record<string, string> | undefined> {
    this.enter();
    return this.observe(() => {
      this.requireBucket(bucket);
      const json = this.st.getBucketTags.get(bucket);
      return json === undefined ? undefined : (JSON.parse(json) as Record<string, string>);
    });
  }

  async putBucketTags(bucket: string, tags: Record<string, string>): Promise<void> {
    const call = this.enter();
    await this.commit(call, () => {
      this.requireBucket(bucket);
      if (Object.keys(tags).length === 0) this.st.deleteBucketTags.run(bucket);
      else this.st.putBucketTags.run(bucket, JSON.stringify(tags));
      return { result: undefined, discard: [] };
    });
  }

  deleteBucketTags(bucket: string): Promise<void> {
    return this.putBucketTags(bucket, {});
  }

  // CORS rules: bucket-cors.ts holds the table; here they are read and written like bucket tags.

  async getBucketCors(bucket: string): Promise<CorsRule[] | undefined> {
    this.enter();
    return this.observe(() => {
      this.requireBucket(bucket);
      return this.cors.read(bucket);
    });
  }

  async putBucketCors(bucket: string, rules: CorsRule[]): Promise<void> {
    const call = this.enter();
    await this.commit(call, () => {
      this.requireBucket(bucket);
      this.cors.write(bucket, rules);
      return { result: undefined, discard: [] };
    });
  }

  async deleteBucketCors(bucket: string): Promise<void> {
    const call = this.enter();
    await this.commit(call, () => {
      this.requireBucket(bucket);
      this.cors.delete(bucket);
      return { result: undefined, discard: [] };
    });
  }

  // Lifecycle rules and the executor's cursor: bucket-lifecycle.ts holds them; read and written here
  // like CORS rules (runtime/lifecycle/ applies them).

  async getBucketLifecycle(bucket: string): Promise<LifecycleRule[] | undefined> {
    this.enter();
    return this.observe(() => {
      this.requireBucket(bucket);
      return this.lifecycle.read(bucket);
    });
  }

  async putBucketLifecycle(bucket: string, rules: LifecycleRule[]): Promise<void> {
    const call = this.enter();
    await this.commit(call, () => {
      this.requireBucket(bucket);
      this.lifecycle.write(bucket, rules);
      return { result: undefined, discard: [] };
    });
  }

  async deleteBucketLifecycle(bucket: string): Promise<void> {
    const call = this.enter();
    await this.commit(call, () => {
      this.requireBucket(bucket);
      this.lifecycle.delete(bucket);
      return { result: undefined, discard: [] };
    });
  }

  /** buckets that have lifecycle rules, after `after` (exclusive), at most `limit` (LifecycleState) */
  async lifecycleBuckets(after: string, limit: number): Promise<string[]> {
    this.enter();
    return this.observe(() => this.lifecycle.bucketsWithRules(after, limit));
  }

  async getLifecycleCursor(): Promise<string | undefined> {
    this.enter();
    return this.observe(() => this.lifecycle.readCursor());
  }

  async putLifecycleCursor(cursor: string | undefined): Promise<void> {
    const call = this.enter();
    await this.commit(call, () => {
      this.lifecycle.writeCursor(cursor);
      return { result: undefined, discard: [] };
    });
  }

  // ---------------------------------------------------------------- object lock (object-lock.ts)

  async getObjectLockConfiguration(bucket: string): Promise<ObjectLockConfiguration | undefined> {
    this.enter();
    return this.observe(() => {
      this.requireBucket(bucket);
      return this.objectLocks.read(bucket);
    });
  }

  async putObjectLockConfiguration(bucket: string, config: ObjectLockConfiguration): Promise<void> {
    const call = this.enter();
    await this.commit(call, () => {
      this.requireBucket(bucket);
      // S3 enables Object Lock on an existing bucket only while its versioning is Enabled
      // ("Enabling Object Lock on an existing bucket", Amazon S3 User Guide).
      if (this.objectLocks.read(bucket) === undefined && this.versions.status(bucket) !== "Enabled") {
        throw new StorageError("INVALID_BUCKET_STATE", "Object Lock needs versioning Enabled", "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration");
      }
      this.objectLocks.write(bucket, config);
      return { result: undefined, discard: [] };
    });
  }

  async getObjectLock(bucket: string, key: string, versionId?: string): Promise<ObjectLock> {
    this.enter();
    validateKey(key);
    return this.observe(() => {
      this.requireLockBucket(bucket);
      return this.readable(bucket, key, versionId).info.lock ?? {};
    });
  }

  async putObjectRetention(bucket: string, key: string, retention: ObjectRetention | undefined, versionId?: string, bypassGovernance = false): Promise<void> {
    await this.changeLock(bucket, key, versionId, (lock) => {
      checkRetentionChange(lock.retention, retention, bypassGovernance, Date.now());
      const { retention: _old, ...rest } = lock;
      return retention === undefined ? rest : { ...rest, retention };
    });
  }

  async putObjectLegalHold(bucket: string, key: string, on: boolean, versionId?: string): Promise<void> {
    await this.changeLock(bucket, key, versionId, (lock) => ({ ...lock, legalHold: on }));
  }

  /** Rewrites the lock in a version's `meta` (which keeps its vid, ETag and segments), in one transaction. */
  private async changeLock(bucket: string, key: string, versionId: string | undefined, change: (lock: ObjectLock) => ObjectLock): Promise<void> {
    const call = this.enter();
    validateKey(key);
    await this.commit(call, () => {
      this.requireLockBucket(bucket);
      const { info } = this.readable(bucket, key, versionId); // the errors of a read: no key, no version, a marker
      const current = this.st.getObject.get(bucket, key);
      const found = this.versions.locate(bucket, key, info.versionId ?? "null", current)!;
      this.versions.rewriteMeta(found, (meta) => {
        const lock = change(meta.lock ?? {});
        const { lock: _old, ...rest } = meta;
        return lock.retention === undefined && lock.legalHold === undefined ? rest : { ...rest, lock };
      });
      return { result: undefined, discard: [] };
    });
  }

  /** The bucket, which must have Object Lock: AWS answers InvalidRequest for a lock request to one without. */
  private requireLockBucket(bucket: string): void {
    this.requireBucket(bucket);
    if (this.objectLocks.read(bucket) === undefined) {
      throw new StorageError("INVALID_REQUEST", "the bucket has no Object Lock", "Bucket is missing Object Lock Configuration");
    }
  }

  // ---------------------------------------------------------------- multipart

  async createMultipartUpload(params: MultipartUploadParams): Promise<UploadInfo> {
    const call = this.enter();
    validateKey(params.key);
    const checksumType = uploadChecksumType(params.checksumAlgorithm, params.checksumType);
    const initiated = Date.now();
    const uploadId = newUploadId(initiated);
    await this.commit(call, () => {
      this.requireBucket(params.bucket);
      // refused now if the bucket has no Object Lock; the bucket's default applies at completion
      lockOfNewVersion(this.objectLocks.read(params.bucket), params.lock, initiated);
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
          ...(checksumType !== undefined && { checksumType }),
          ...(params.lock !== undefined && { lock: params.lock }),
        } satisfies StoredMeta),
      );
      return { result: undefined, discard: [] };
    });
    return {
      bucket: params.bucket,
      key: params.key,
      uploadId,
      initiated: new Date(initiated),
      storageClass: params.storageClass,
      owner: params.owner,
      ...(params.checksumAlgorithm !== undefined && { checksumAlgorithm: params.checksumAlgorithm, checksumType }),
    };
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: IncomingBody,
  ): Promise<PartInfo> {
    const call = this.enter();
    await this.checkPartNow(bucket, key, uploadId, partNumber);
    const received = await this.files.receive(body, this.inlineLimit);
    return this.commitPart(call, { bucket, key, uploadId, partNumber }, received, this.files.tmpDir);
  }

  /** The checks of an UploadPart before its body is read, for a worker process (see checkPut). */
  async checkPart(bucket: string, key: string, uploadId: string, partNumber: number): Promise<void> {
    this.enter();
    return this.checkPartNow(bucket, key, uploadId, partNumber);
  }

  private async checkPartNow(bucket: string, key: string, uploadId: string, partNumber: number): Promise<void> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new StorageError("INVALID_ARGUMENT", `part number must be an integer from 1 to ${MAX_PART_NUMBER}`);
    }
    await this.check(() => {
      this.requireBucket(bucket);
      this.requireUpload(uploadId, bucket, key);
    });
  }

  /** Commits an UploadPart whose body a worker received into `tmpDir` (see putReceived). */
  async partReceived(target: PartTarget, received: ReceivedBody, tmpDir: string): Promise<PartInfo> {
    this.enterWith(received, tmpDir);
    const { partNumber } = target;
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      await this.dropReceived(received, tmpDir);
      throw new StorageError("INVALID_ARGUMENT", `part number must be an integer from 1 to ${MAX_PART_NUMBER}`);
    }
    return this.commitPart(FROM_A_WORKER, target, received, tmpDir);
  }

  private async commitPart(call: number, target: PartTarget, received: ReceivedBody, tmpDir: string): Promise<PartInfo> {
    const { bucket, key, uploadId, partNumber } = target;
    const { size, md5, checksum } = received.digests;
    const dir = await this.place(received, tmpDir);
    return this.commit(call, () => {
      this.requireBucket(bucket);
      this.requireUpload(uploadId, bucket, key); // aborted or completed while the body streamed?
      const previous = this.st.getPart.get(uploadId, partNumber);
      const discard: string[] = [];
      if (previous !== undefined) this.deleteSegment(previous.segment_id, discard);
      const now = Date.now();
      const segmentId = this.insertSegment(received, now);
      this.st.upsertPart.run(uploadId, partNumber, segmentId);
      const info: PartInfo = {
        partNumber,
        size,
        etag: md5.toString("hex"),
        lastModified: new Date(now),
        ...(checksum !== undefined && { checksum }),
      };
      return { result: info, discard };
    }, received, dir);
  }

  /**
   * Makes the object from the listed parts without copying bytes: its segments are the parts'
   * segment files, in the listed order. Checks follow S3: the part list (order, then each part,
   * then sizes), then the preconditions, then the checksum the client expects; all of them run in
   * the transaction that commits, before it changes anything, so a refusal leaves the upload and
   * its parts as they were.
   *
   * Retries: S3 lets a client repeat a completion whose answer it lost (a timeout, a dropped
   * connection). The transaction that completes an upload also records it in completed_uploads
   * (upload id -> bucket, key, the version made, a hash of the part list), so a crash never keeps
   * one without the other. Completing that upload id again with the same part list answers the
   * object it made, unchanged, as long as that version is still the key's current one; the retry
   * changes nothing and re-checks no precondition (If-None-Match: * would refuse the very object
   * the first attempt made), but an expected checksum must still match the object's. Anything else
   * about a completed upload (another part list, the object since overwritten or deleted, another
   * key, a record older than COMPLETED_UPLOAD_RETENTION_MS) is UPLOAD_NOT_FOUND, as S3 answers
   * NoSuchUpload.
   */
  async completeMultipartUpload(params: CompleteMultipartParams): Promise<ObjectInfo> {
    const call = this.enter();
    validateKey(params.key);
    if (this.st.getUpload.get(params.uploadId) === undefined) {
      // not in progress: a retry, answered by a read, or an unknown upload
      return this.observe(() => {
        this.requireBucket(params.bucket);
        return this.completedObject(params);
      });
    }
    return this.commit(call, () => {
      this.requireBucket(params.bucket);
      // a concurrent completion of the same upload may have committed since the check above
      if (this.st.getUpload.get(params.uploadId) === undefined) return { result: this.completedObject(params), discard: [] };
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
          const why = part === undefined ? "was not uploaded" : `was uploaded with ETag ${part.md5.toString("hex")}`;
          throw new StorageError("INVALID_PART", `part ${listed.partNumber} ${why}, not with ETag ${listed.etag}`, undefined, { partNumber: listed.partNumber, etag: listed.etag });
        }
        return part;
      });
      for (let i = 0; i < chosen.length - 1; i++) {
        if (chosen[i].size < MIN_PART_SIZE) {
          throw new StorageError("ENTITY_TOO_SMALL", `part ${chosen[i].part_number} is smaller than ${MIN_PART_SIZE} bytes`);
        }
      }
      const current = this.st.getObject.get(params.bucket, params.key);
      const failure = conditionFailure(current, params);
      if (failure !== undefined) throw new StorageError(failure);

      // ETag as AWS computes it: MD5 over the concatenated binary MD5s of the parts, then "-N".
      const etag = `${createHash("md5").update(Buffer.concat(chosen.map((p) => p.md5))).digest("hex")}-${chosen.length}`;
      const uploadMeta = JSON.parse(upload.meta) as StoredMeta;
      const checksum = multipartChecksum(
        upload.checksum_algorithm ?? undefined,
        uploadChecksumTypeOf(upload),
        chosen.map((p) => ({ size: p.size, checksum: parseChecksum(p.checksum) })),
      );
      verifyExpectedChecksum(params.expectedChecksum, checksum, chosen.length);

      const { state, discard } = this.makeRoom(params.bucket, params.key, current);
      // parts not listed are dropped with the upload; the chosen ones now belong to the object
      const chosenIds = new Set(chosen.map((p) => p.segment_id));
      for (const part of uploaded.values()) {
        if (!chosenIds.has(part.segment_id)) this.deleteSegment(part.segment_id, discard);
      }
      this.st.deletePartsOfUpload.run(params.uploadId);
      this.st.deleteUpload.run(params.uploadId);
      const now = Date.now();
      const row = this.insertVersion(
        {
          bucket: params.bucket,
          key: params.key,
          storageClass: upload.storage_class,
          owner: upload.owner,
          userMetadata: uploadMeta.user,
          tags: uploadMeta.tags,
          ...uploadMeta.system,
          ...(uploadMeta.lock !== undefined && { lock: uploadMeta.lock }),
        },
        {
          size: chosen.reduce((n, p) => n + p.size, 0),
          etag,
          checksum,
          partsCount: chosen.length,
          lastModified: now,
        },
        chosen,
        state === "Enabled",
      );
      this.st.deleteExpiredCompletedUploads.run(now - COMPLETED_UPLOAD_RETENTION_MS, EXPIRED_RECORDS_PER_COMPLETION);
      this.st.insertCompletedUpload.run(params.uploadId, params.bucket, params.key, row.vid, partsHash(params.parts), now);
      return { result: this.infoOf(row, state), discard };
    });
  }

  /**
   * The answer to a retried completion of an upload that is no longer in progress: the object its
   * completion made, if the record says so (see completeMultipartUpload); UPLOAD_NOT_FOUND otherwise.
   */
  private completedObject(params: CompleteMultipartParams): ObjectInfo {
    const record = this.st.getCompletedUpload.get(params.uploadId);
    const current = record === undefined ? undefined : this.st.getObject.get(params.bucket, params.key);
    if (
      record === undefined ||
      record.bucket !== params.bucket ||
      record.key !== params.key ||
      record.completed < Date.now() - COMPLETED_UPLOAD_RETENTION_MS ||
      !record.parts_hash.equals(partsHash(params.parts)) ||
      current === undefined ||
      current.vid !== record.vid
    ) {
      throw new StorageError("UPLOAD_NOT_FOUND");
    }
    const info = this.infoOf(current, this.versions.status(params.bucket));
    verifyExpectedChecksum(params.expectedChecksum, info.checksum, current.parts_count ?? 1);
    return info;
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    const call = this.enter();
    await this.commit(call, () => {
      this.requireBucket(bucket);
      this.requireUpload(uploadId, bucket, key);
      return { result: undefined, discard: this.dropUpload(uploadId) };
    });
  }

  async listParts(params: ListPartsParams): Promise<ListPartsResult> {
    this.enter();
    validateMax(params.maxParts, "maxParts");
    return this.observe(() => this.listPartsNow(params));
  }

  private listPartsNow(params: ListPartsParams): ListPartsResult {
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
    this.enter();
    validateMax(params.maxUploads, "maxUploads");
    return this.observe(() => this.listMultipartUploadsNow(params));
  }

  private listMultipartUploadsNow(params: ListUploadsParams): ListUploadsResult {
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
   * Ready while open and while its metadata log can be synced (after a failed fdatasync every write
   * fails until a restart, see enter()). Reads two fields: no I/O, no call numbering.
   */
  async checkReady(_timeoutMs: number): Promise<void> {
    if (this.closed) throw new Error("the embedded store is closed");
    if (this.wal.failed !== undefined) throw new Error(`the embedded store's metadata log could not be synced: ${String(this.wal.failed)}; restart the gateway`);
  }

  /**
   * Closes the database. Later calls fail with an Error; a write whose body is still streaming fails
   * at its commit and removes its file; writes already waiting for a group commit are committed
   * first. Pinned segments are still unlinked when their readers finish.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      await this.groupCommit.close(new Error("the embedded store is closed"));
      // every writer has been answered, so only an unanswered read can still wait for this
      await this.wal.settled().catch(() => undefined);
      await this.walFile.close().catch(() => undefined);
      this.db.close();
      this.logger.info({}, "embedded store: closed");
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------- internals

  /**
   * Every public method starts here: refuses calls after close, and numbers the call (a write whose
   * number is still the latest when it commits had the store to itself, see commit()).
   */
  private enter(): number {
    if (this.closed) throw new Error("the embedded store is closed");
    // After a failed fdatasync nothing can be promised durable (wal-sync.ts); reopening runs
    // recovery on what really is on disk.
    const failed = this.wal.failed;
    if (failed !== undefined) {
      throw new Error("the embedded store's metadata log could not be synced; reopen the store", { cause: failed });
    }
    return ++this.calls;
  }

  private requireBucket(name: string): BucketRow {
    const row = this.st.getBucket.get(name);
    if (row === undefined) throw new StorageError("BUCKET_NOT_FOUND");
    return row;
  }

  /** The upload, if it exists and was started for this bucket and key (S3: NoSuchUpload otherwise). */
  private requireUpload(uploadId: string, bucket: string, key: string): UploadRow {
    const row = this.st.getUpload.get(uploadId);
    if (row === undefined || row.bucket !== bucket || row.key !== key) throw new StorageError("UPLOAD_NOT_FOUND");
    return row;
  }

  /**
   * Runs the synchronous lookups `read` and returns their result once everything they may have seen
   * is durable (wal-sync.ts): a commit becomes visible to reads before its log sync ends, and an
   * answer must not describe a state that a power loss could still take back. Errors wait too. If
   * that wait fails (the log could not be synced), its error is thrown instead, and `undo` gets the
   * unreturned result (to release what it holds).
   */
  private async observe<T>(read: () => T, undo?: (unreturned: T) => void): Promise<T> {
    let value: T;
    try {
      value = read();
    } catch (err) {
      await this.wal.settled();
      throw err;
    }
    if (this.wal.pending) {
      try {
        await this.wal.settled();
      } catch (err) {
        undo?.(value);
        throw err;
      }
    }
    return value;
  }

  /** Like observe() for the checks before a write receives its body: only a refusal waits. */
  private async check(read: () => void): Promise<void> {
    try {
      read();
    } catch (err) {
      await this.wal.settled();
      throw err;
    }
  }

  /**
   * Runs a write transaction in the next group commit (group-commit.ts) and resolves once it is
   * durable, then hands the segment files it dropped to the pins (unlink now or when the last reader
   * is done, see pins.ts): only after the log sync, since a commit that a power loss could still
   * roll back must not lose the files its old rows point at. `call` is the write's number from
   * enter(). `received` is the body written for this transaction: if it is a file, its directory is
   * fsynced before the commit, and the file is removed when the transaction certainly did not
   * commit. After a failure at COMMIT the outcome is not known here, and the file is left for the
   * orphan scan at the next start, which decides by the rows actually on disk.
   */
  private async commit<T>(call: number, apply: () => Committed<T>, received?: ReceivedBody, dir?: string): Promise<T> {
    const file = received !== undefined && !received.inline && dir !== undefined ? received : undefined;
    const committed = await this.groupCommit.submit({
      apply,
      alone: () => this.calls === call,
      ...(file !== undefined && { dirs: [dir!], notCommitted: () => this.removeFile(file.id) }),
    });
    this.pins.discard(committed.discard);
    return committed.result;
  }

  /**
   * Moves a received file from `tmpDir` into objects/ (files.ts steps 4-5) and returns its
   * directory, for the group commit to fsync; undefined for an inline body. On failure the temp
   * file is removed.
   */
  private async place(received: ReceivedBody, tmpDir: string): Promise<string | undefined> {
    if (received.inline) return undefined;
    try {
      return await this.files.place(received.id, tmpDir);
    } catch (err) {
      await this.dropReceived(received, tmpDir);
      throw err;
    }
  }

  /** Removes the temp file of a received body that will not be committed (best effort). */
  private async dropReceived(received: ReceivedBody, tmpDir: string): Promise<void> {
    if (!received.inline) await this.files.discardTemp(received.id, tmpDir);
  }

  /** enter() for a call that brings a received body: a refused call removes its temp file. */
  private enterWith(received: ReceivedBody, tmpDir: string): number {
    try {
      return this.enter();
    } catch (err) {
      void this.dropReceived(received, tmpDir);
      throw err;
    }
  }

  /** Inserts the segments row (and the inline bytes) for a received body; returns the segment id. */
  private insertSegment(received: ReceivedBody, now: number): string {
    const { size, md5, checksum } = received.digests;
    const id = received.inline
      ? inlineSegmentId(this.st.insertInlineData.run(received.data).lastInsertRowid)
      : received.id;
    this.st.insertSegment.run(id, size, md5, checksum ? JSON.stringify(checksum) : null, now);
    return id;
  }

  /** Deletes a segment's rows (with its inline bytes); a file's id goes to `discard`. */
  private deleteSegment(id: string, discard: string[]): void {
    this.st.deleteSegment.run(id);
    if (isInlineSegment(id)) this.st.deleteInlineData.run(inlineRowId(id));
    else discard.push(id);
  }

  /** Deletes an object's current version rows; returns its segment files (to discard after commit). */
  private dropVersion(row: ObjectRow): string[] {
    const discard: string[] = [];
    this.dropSegments(row.vid, discard);
    this.st.deleteObject.run(row.bucket, row.key);
    return discard;
  }

  /** Deletes a version's segments (object_segments and segments rows); files go to `discard`. */
  private dropSegments(vid: number, discard: string[]): void {
    for (const s of this.st.segmentsOfVersion.all(vid)) this.deleteSegment(s.segment_id, discard);
    this.st.deleteObjectSegments.run(vid);
  }

  /**
   * Before a new current version of a key is inserted: drops the current one (a bucket never
   * versioned), or lets versions.ts keep it as a noncurrent version.
   */
  private makeRoom(bucket: string, key: string, current: ObjectRow | undefined): { state: VersioningStatus | undefined; discard: string[] } {
    const state = this.versions.status(bucket);
    if (state !== undefined) return { state, discard: this.versions.beforeWrite(state, bucket, key, current) };
    return { state, discard: current === undefined ? [] : this.dropVersion(current) };
  }

  /** The version a read means (versions.ts readable) and its ObjectInfo. */
  private readable(bucket: string, key: string, versionId: string | undefined): { row: ObjectRow; info: ObjectInfo } {
    const { row, versionId: shown } = this.versions.readable(bucket, key, versionId);
    const info = toObjectInfo(row);
    if (shown !== undefined) info.versionId = shown;
    return { row, info };
  }

  /** A current row's ObjectInfo, with its version id in a bucket that has versioning. */
  private infoOf(row: ObjectRow, state: VersioningStatus | undefined): ObjectInfo {
    const info = toObjectInfo(row);
    const shown = this.versions.shownId(state, row);
    if (shown !== undefined) info.versionId = shown;
    return info;
  }

  /** Deletes an upload and its parts' rows; returns the parts' segment files (to discard after commit). */
  private dropUpload(uploadId: string): string[] {
    const discard: string[] = [];
    for (const id of this.st.segmentIdsOfUpload.all(uploadId)) this.deleteSegment(id, discard);
    this.st.deletePartsOfUpload.run(uploadId);
    this.st.deleteUpload.run(uploadId);
    return discard;
  }

  /** Inserts a new current version (the caller has dropped the previous one) and returns its row. */
  private insertVersion(
    params: Omit<PutObjectParams, "ifMatch" | "ifNoneMatch">,
    facts: { size: number; etag: string; checksum?: Checksum; partsCount: number | null; lastModified: number },
    segments: readonly SegmentRefRow[],
    versioned = false,
  ): ObjectRow {
    // checked (and the bucket's default retention applied) before anything is written
    const lock = lockOfNewVersion(this.objectLocks.read(params.bucket), params.lock, facts.lastModified);
    const vid = this.nextVersionId++;
    segments.forEach((s, seq) => this.st.insertObjectSegment.run(vid, seq, s.segment_id, s.size));
    const meta: StoredMeta = {
      system: pickSystemMetadata(params),
      user: params.userMetadata,
      tags: params.tags,
      ...(facts.checksum !== undefined && { checksum: facts.checksum }),
      ...(versioned && { versionId: versionIdOf(vid) }),
      ...(lock !== undefined && { lock }),
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

function validateMax(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new StorageError("INVALID_ARGUMENT", `${name} must be a non-negative integer`);
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
 * If-Match fails with KEY_NOT_FOUND when the key is missing (S3 answers 404 NoSuchKey, not 412) and
 * with PRECONDITION_FAILED when its ETag differs; If-None-Match: * fails with PRECONDITION_FAILED
 * when the key exists. Undefined: the condition holds.
 */
function conditionFailure(
  current: ObjectRow | undefined,
  cond: { ifMatch?: string; ifNoneMatch?: string },
): "KEY_NOT_FOUND" | "PRECONDITION_FAILED" | undefined {
  if (cond.ifMatch !== undefined) {
    if (current === undefined) return "KEY_NOT_FOUND";
    if (!etagHeaderMatches(cond.ifMatch, current.etag)) return "PRECONDITION_FAILED";
  }
  if (cond.ifNoneMatch !== undefined && current !== undefined && etagHeaderMatches(cond.ifNoneMatch, current.etag)) {
    return "PRECONDITION_FAILED";
  }
  return undefined;
}

/**
 * BAD_DIGEST unless the object checksum the client expects is `computed`. Without a computed
 * checksum (the upload has no algorithm, or some part has no checksum of it) nothing can match.
 */
function verifyExpectedChecksum(
  expected: CompleteMultipartParams["expectedChecksum"],
  computed: Checksum | undefined,
  partsCount: number,
): void {
  if (expected === undefined) return;
  if (computed === undefined) {
    throw new StorageError("BAD_DIGEST", `the object has no ${expected.algorithm} checksum to compare with`);
  }
  if (!checksumMatches(computed, expected, partsCount)) {
    throw new StorageError("BAD_DIGEST", `the ${expected.algorithm} checksum of the object is not the one expected`);
  }
}

/**
 * Identifies a completion's part list (numbers and ETags as compared, see normalizeEtag), so that a
 * retry can be told from a different completion of the same upload.
 */
function partsHash(parts: readonly CompletedPart[]): Buffer {
  const hash = createHash("sha256");
  for (const p of parts) hash.update(`${p.partNumber} ${normalizeEtag(p.etag)}\n`);
  return hash.digest();
}

