/**
 * The embedded local-disk store: object bytes in segments, metadata in SQLite (schema.ts). A
 * segment is a data file (files.ts) or, for a body of at most the inline limit, a BLOB in SQLite
 * (inline.ts). The zero-set-up default backend of the gateway.
 *
 * Modules: this file holds the store's life (open, close), buckets, objects and their reads and
 * deletes; store-core.ts the machinery every call runs on (call numbering, durable reads, the group
 * commit, segment and version rows); multipart.ts uploads and parts; bucket-config.ts a bucket's
 * tags, CORS and lifecycle documents; versions.ts versioning; object-lock.ts Object Lock (the
 * bucket's configuration, the lock operations, and the rules the deletes and writes here apply);
 * object-parts.ts per-part checksums.
 * A new feature gets its own module holding the StoreCore, with one-line delegations here.
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
import { open, rm, type FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

import type Database from "better-sqlite3";

import {
  StorageError,
  type Acl,
  type BucketAccess,
  type BucketInfo,
  type BucketVersioning,
  type ObjectOwnership,
  type CorsRule,
  type PublicAccessBlock,
  type LifecycleRule,
  type CompleteMultipartParams,
  type DeleteCondition,
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
  type NewBucketOptions,
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
import { BucketAcls } from "./acl.js";
import { BucketConfig } from "./bucket-config.js";
import { BucketPolicies } from "./bucket-policy.js";
import { DataFiles, fsyncDir, type ReceivedBody } from "./files.js";
import { DEFAULT_INLINE_LIMIT, MAX_INLINE_LIMIT, inlineRowId, isInlineSegment } from "./inline.js";
import { immediateSuccessor, listEntries, lowerBound } from "./listing.js";
import { makeDir, prepareDataDir } from "./modes.js";
import { COMPLETED_UPLOAD_RETENTION_MS, Multipart, type PartTarget } from "./multipart.js";
import { ObjectLocks, checkRemovable, lockOfNewVersion } from "./object-lock.js";
import { recoverDataDir } from "./recovery.js";
import { openDatabase } from "./schema.js";
import { toBucketInfo, toObjectInfo, toObjectSummary, type StoredMeta } from "./rows.js";
import { partOf, readResult, type ResolvedObject } from "./read-plan.js";
import { objectPartsPage, storedPartChecksum } from "./object-parts.js";
import type { SummaryRow } from "./statements.js";
import { FROM_A_WORKER, StoreCore, conditionFailure, deleteConditionFailure, validateMax, type StoreLogger } from "./store-core.js";
import type { VersioningStatus } from "./versions.js";
import { validateKey } from "../keys.js";

export { COMPLETED_UPLOAD_RETENTION_MS, type PartTarget } from "./multipart.js";
export type { StoreLogger } from "./store-core.js";

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

/** What a worker process receives bodies with (attachWorker). */
export interface WorkerFiles {
  dataDir: string;
  /** the worker's own directory under tmp/ */
  tmpDir: string;
  chmodFiles: boolean;
  inlineLimit: number;
}

const noopLogger: StoreLogger = { info() {}, warn() {} };

export class EmbeddedStore implements StorageClient {
  readonly name = "embedded";

  private readonly core: StoreCore;
  private readonly multipart: Multipart;
  private readonly config: BucketConfig;
  private readonly policies: BucketPolicies;
  private readonly acls: BucketAcls;
  private readonly locks: ObjectLocks;
  private closing: Promise<void> | undefined;
  /**
   * The commit that last changed the buckets table (set inside its transaction; a rollback only
   * makes getBucket wait for a sync it did not need): getBucket's answer is durable once it is.
   */
  private bucketsChangedIn = 0;

  private constructor(db: Database.Database, walFile: FileHandle, files: DataFiles, logger: StoreLogger, inlineLimit: number) {
    this.core = new StoreCore(db, walFile, files, logger, inlineLimit);
    this.multipart = new Multipart(this.core);
    this.config = new BucketConfig(this.core, db);
    this.policies = new BucketPolicies(this.core, db);
    this.acls = new BucketAcls(this.core, db);
    this.locks = new ObjectLocks(this.core);
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
      listSeeks: this.core.counters.seeks,
      listRowsVisited: this.core.counters.rowsVisited,
      pinnedSegments: this.core.pins.pinnedCount,
      commitBatches: this.core.groupCommit.stats.batches,
      committedJobs: this.core.groupCommit.stats.jobs,
      largestBatch: this.core.groupCommit.stats.largestBatch,
      walSyncs: this.core.wal.syncs,
      walSyncsInline: this.core.wal.syncsInline,
    };
  }

  // ---------------------------------------------------------------- buckets

  async listBuckets(): Promise<BucketInfo[]> {
    this.core.enter();
    return this.core.observe(() => this.core.st.listBuckets.all().map(toBucketInfo));
  }

  async createBucket(name: string, owner: string, options?: NewBucketOptions): Promise<void> {
    const call = this.core.enter();
    await this.core.commit(call, () => {
      const existing = this.core.st.getBucket.get(name);
      if (existing !== undefined) {
        throw new StorageError(existing.owner === owner ? "BUCKET_ALREADY_OWNED" : "BUCKET_ALREADY_EXISTS");
      }
      this.core.st.insertBucket.run(name, owner, Date.now());
      if (options?.access !== undefined) this.acls.table.write(name, options.access);
      // Object Lock needs versions: S3 enables versioning with it ("Object Lock considerations").
      if (options?.objectLock === true) {
        this.core.objectLocks.write(name, {});
        this.core.versions.setStatus(name, "Enabled", undefined);
      }
      this.bucketsChangedIn = this.core.wal.nextCommit;
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
    this.core.enter();
    let info: BucketInfo;
    try {
      info = toBucketInfo(this.core.requireBucket(name));
    } catch (err) {
      await this.core.wal.waitFor(this.bucketsChangedIn);
      throw err;
    }
    await this.core.wal.waitFor(this.bucketsChangedIn);
    return info;
  }

  async deleteBucket(name: string): Promise<void> {
    const call = this.core.enter();
    await this.core.commit(call, () => {
      this.core.requireBucket(name);
      // noncurrent versions and delete markers count: S3 deletes only a bucket without any version
      if (this.core.st.anyObjectInBucket.get(name) !== undefined || this.core.versions.hasVersions(name)) {
        throw new StorageError("BUCKET_NOT_EMPTY");
      }
      // S3 refuses only while objects exist; in-progress uploads go with the bucket, and so do the
      // records of completed ones (a new bucket of that name must not know them)
      const discard: string[] = [];
      for (const uploadId of this.core.st.uploadIdsOfBucket.all(name)) discard.push(...this.core.dropUpload(uploadId));
      this.core.st.deleteCompletedUploadsOfBucket.run(name);
      this.config.forgetBucket(name);
      this.policies.forgetBucket(name);
      this.acls.table.delete(name);
      this.core.versions.forgetBucket(name);
      this.core.objectLocks.delete(name);
      this.core.st.deleteBucket.run(name);
      this.bucketsChangedIn = this.core.wal.nextCommit;
      return { result: undefined, discard };
    });
  }

  // ---------------------------------------------------------------- versioning (versions.ts)

  async getBucketVersioning(bucket: string): Promise<BucketVersioning> {
    this.core.enter();
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      return this.core.versions.configuration(bucket);
    });
  }

  async putBucketVersioning(bucket: string, status: VersioningStatus, mfaDelete?: "Disabled"): Promise<void> {
    const call = this.core.enter();
    await this.core.commit(call, () => {
      this.core.requireBucket(bucket);
      // versions under Object Lock must stay versions ("Object Lock considerations")
      if (status === "Suspended" && this.core.objectLocks.read(bucket) !== undefined) {
        throw new StorageError(
          "INVALID_BUCKET_STATE",
          "versioning cannot be suspended on a bucket with Object Lock",
          "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
        );
      }
      this.core.versions.setStatus(bucket, status, mfaDelete);
      return { result: undefined, discard: [] };
    });
  }

  async listObjectVersions(params: ListVersionsParams): Promise<ListVersionsResult> {
    this.core.enter();
    validateMax(params.maxKeys, "maxKeys");
    return this.core.observe(() => {
      this.core.requireBucket(params.bucket);
      return this.core.versions.list(params, this.core.counters);
    });
  }

  // ---------------------------------------------------------------- objects

  async putObject(params: PutObjectParams, body: IncomingBody): Promise<ObjectInfo> {
    const call = this.core.enter();
    await this.checkPutNow(params);
    const received = await this.core.files.receive(body, this.core.inlineLimit);
    return this.commitPut(call, params, received, this.core.files.tmpDir);
  }

  /**
   * The checks of a PUT before its body is read (bucket, precondition), for a worker process that
   * receives the body itself (runtime/workers/); putObject runs the same.
   */
  async checkPut(params: PutObjectParams): Promise<void> {
    this.core.enter();
    return this.checkPutNow(params);
  }

  private async checkPutNow(params: PutObjectParams): Promise<void> {
    validateKey(params.key);
    const conditional = params.ifMatch !== undefined || params.ifNoneMatch !== undefined;
    await this.core.check(() => {
      this.core.requireBucket(params.bucket);
      // lock headers on a bucket without Object Lock: refused before the body is read
      if (params.lock !== undefined) lockOfNewVersion(this.core.objectLocks.read(params.bucket), params.lock, Date.now());
      const failure = conditional ? conditionFailure(this.core.st.getObject.get(params.bucket, params.key), params) : undefined;
      if (failure !== undefined) throw new StorageError(failure);
    });
  }

  /**
   * Commits a PUT whose body a worker received into `tmpDir` (a directory under the store's tmp/,
   * see DataFiles). Whatever happens, the received file is either committed or removed.
   */
  async putReceived(params: PutObjectParams, received: ReceivedBody, tmpDir: string): Promise<ObjectInfo> {
    this.core.enterWith(received, tmpDir);
    try {
      validateKey(params.key);
    } catch (err) {
      await this.core.dropReceived(received, tmpDir);
      throw err;
    }
    return this.commitPut(FROM_A_WORKER, params, received, tmpDir);
  }

  private async commitPut(call: number, params: PutObjectParams, received: ReceivedBody, tmpDir: string): Promise<ObjectInfo> {
    const conditional = params.ifMatch !== undefined || params.ifNoneMatch !== undefined;
    const { size, md5, checksum } = received.digests;
    const dir = await this.core.place(received, tmpDir);
    return this.core.commit(call, () => {
      this.core.requireBucket(params.bucket);
      const current = this.core.st.getObject.get(params.bucket, params.key);
      // The condition held before the body was received; another write committed meanwhile.
      if (conditional && conditionFailure(current, params) !== undefined) throw new StorageError("CONFLICT");
      const { state, discard } = this.core.makeRoom(params.bucket, params.key, current);
      const now = Date.now();
      const segmentId = this.core.insertSegment(received, now);
      const row = this.core.insertVersion(
        params,
        { size, etag: md5.toString("hex"), checksum, partsCount: null, lastModified: now },
        [{ segment_id: segmentId, size }],
        state === "Enabled",
      );
      return { result: this.core.infoOf(row, state), discard };
    }, received, dir);
  }

  async headObject(
    bucket: string,
    key: string,
    partNumber?: number,
    versionId?: string,
  ): Promise<{ info: ObjectInfo; part?: ObjectPartInfo }> {
    this.core.enter();
    validateKey(key);
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      const { row, info } = this.core.readable(bucket, key, versionId);
      if (partNumber === undefined) return { info };
      const segments = this.core.st.segmentsOfVersion.all(row.vid);
      const part = partOf(row.size, row.parts_count, segments, partNumber);
      const checksum = storedPartChecksum(this.core.partSt, row, partNumber);
      return { info, part: checksum === undefined ? part : { ...part, checksum } };
    });
  }

  /** The object and a page of its parts (object-parts.ts), in one synchronous read. */
  async getObjectAttributes(params: ObjectAttributesParams): Promise<ObjectAttributesResult> {
    this.core.enter();
    validateKey(params.key);
    return this.core.observe(() => {
      this.core.requireBucket(params.bucket);
      const { row, info } = this.core.readable(params.bucket, params.key, params.versionId);
      if (params.parts === undefined) return { info };
      const parts = objectPartsPage(this.core.partSt, row, params.parts.partNumberMarker, params.parts.maxParts);
      return parts === undefined ? { info } : { info, parts };
    });
  }

  /**
   * A snapshot read (read-plan.ts): the object is resolved and its segment files pinned in one
   * synchronous run; the stream opens one segment file at a time and unpins when it closes.
   */
  async getObject(params: GetObjectParams): Promise<GetObjectResult> {
    const resolved = await this.resolveRead(params.bucket, params.key, params.partNumber, params.versionId);
    return readResult(resolved, params, (id, start, end) => this.core.files.openRange(id, start, end), (ids) => this.core.pins.unpin(ids));
  }

  /**
   * Step 1 of a read (read-plan.ts), also for a worker process that streams the files itself: the
   * object, its segments (an inline segment's bytes copied out: a later overwrite deletes the row,
   * not the copy), and a pin on each segment file, which the caller must give back to unpin().
   * With `partNumber`, also that part's stored checksum.
   */
  async resolveRead(bucket: string, key: string, partNumber?: number, versionId?: string): Promise<ResolvedObject> {
    this.core.enter();
    validateKey(key);
    return this.core.observe(
      () => {
        this.core.requireBucket(bucket);
        const { row, info } = this.core.readable(bucket, key, versionId);
        const segments: ResolvedObject["segments"] = [];
        const pinned = new Set<string>();
        for (const s of this.core.st.segmentsOfVersion.all(row.vid)) {
          if (!isInlineSegment(s.segment_id)) {
            pinned.add(s.segment_id);
            segments.push({ id: s.segment_id, size: s.size });
            continue;
          }
          // (SQLite's substr of zero bytes is NULL, not an empty blob)
          const data = s.size === 0 ? Buffer.alloc(0) : this.core.st.inlineSlice.get(0, s.size, inlineRowId(s.segment_id));
          if (data === undefined || data.length !== s.size) {
            throw new Error(`inline segment ${s.segment_id} is missing or shorter than its row says`);
          }
          segments.push({ id: s.segment_id, size: s.size, data });
        }
        const resolved: ResolvedObject = { info, partsCount: row.parts_count, segments, pinned: [...pinned] };
        const partChecksum = partNumber === undefined ? undefined : storedPartChecksum(this.core.partSt, row, partNumber);
        if (partChecksum !== undefined) resolved.partChecksum = partChecksum;
        this.core.pins.pin(resolved.pinned);
        return resolved;
      },
      (unread) => this.core.pins.unpin(unread.pinned),
    );
  }

  /**
   * A receiving directory of its own for a worker process (tmp/<name>, created empty), and what
   * the worker needs to receive bodies and read files as this store does (runtime/workers/).
   */
  async attachWorker(name: string): Promise<WorkerFiles> {
    this.core.enter();
    if (!/^w[0-9]+$/.test(name)) throw new Error(`not a worker directory name: ${name}`);
    const tmpDir = join(this.core.files.tmpDir, name);
    await rm(tmpDir, { recursive: true, force: true });
    await makeDir(tmpDir);
    return { dataDir: this.core.files.dataDir, tmpDir, chmodFiles: this.core.files.chmodFiles, inlineLimit: this.core.inlineLimit };
  }

  /** Removes a worker's receiving directory once the worker is gone (its bodies were never committed). */
  async detachWorker(files: WorkerFiles): Promise<void> {
    await rm(files.tmpDir, { recursive: true, force: true });
  }

  /** Gives back pins of resolveRead (each pin it took exactly once; read-plan.ts may return them in parts). */
  unpin(ids: readonly string[]): void {
    this.core.pins.unpin(ids);
  }

  async deleteObject(bucket: string, key: string, versionId?: string, condition?: DeleteCondition, bypassGovernance = false): Promise<DeleteOutcome> {
    const call = this.core.enter();
    validateKey(key);
    return this.core.commit(call, () => {
      const owner = this.core.requireBucket(bucket).owner;
      const { outcome, discard } = this.deleteOne(bucket, owner, key, versionId, condition, bypassGovernance);
      return { result: outcome, discard };
    });
  }

  /**
   * One transaction (one log fsync) for the whole batch; a missing key (or version) is a success.
   * Each entry runs in a savepoint of its own, so one that fails changes nothing and the others
   * still happen.
   */
  async deleteObjects(bucket: string, objects: ObjectToDelete[]): Promise<DeleteObjectResult[]> {
    const call = this.core.enter();
    return this.core.commit(call, () => {
      const owner = this.core.requireBucket(bucket).owner;
      const discard: string[] = [];
      const one = this.core.db.transaction((o: ObjectToDelete) => this.deleteOne(bucket, owner, o.key, o.versionId, o.condition, o.bypassGovernance === true));
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
    condition: DeleteCondition | undefined,
    bypassGovernance: boolean,
  ): { outcome: DeleteOutcome; discard: string[] } {
    const state = this.core.versions.status(bucket);
    const current = this.core.st.getObject.get(bucket, key);
    // a conditional delete is judged on the current version, whichever version it deletes (S3)
    const failure = condition === undefined ? undefined : deleteConditionFailure(current, condition);
    if (failure !== undefined) throw new StorageError(failure);
    if (state === undefined) {
      // a bucket never versioned has one version of a key, "null"
      if (versionId !== undefined && versionId !== "null") {
        throw new StorageError("VERSION_NOT_FOUND", undefined, undefined, undefined, { versionId });
      }
      return { outcome: {}, discard: current === undefined ? [] : this.core.dropVersion(current) };
    }
    if (versionId === undefined) return this.core.versions.deleteLatest(state, bucket, key, owner, current);
    // a removal for good: refused while the version's lock holds (object-lock.ts)
    const found = this.core.versions.locate(bucket, key, versionId, current);
    if (found !== undefined) checkRemovable(toObjectInfo(found.row).lock, bypassGovernance, Date.now());
    return this.core.versions.deleteVersion(bucket, key, versionId, current);
  }

  async listObjects(params: ListObjectsParams): Promise<ListObjectsResult> {
    this.core.enter();
    validateMax(params.maxKeys, "maxKeys");
    return this.core.observe(() => this.listObjectsNow(params));
  }

  private listObjectsNow(params: ListObjectsParams): ListObjectsResult {
    this.core.requireBucket(params.bucket);
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
            ? this.core.st.listObjects.iterate(params.bucket, lower.key, limit)
            : this.core.st.listObjectsBounded.iterate(params.bucket, lower.key, upperKey, limit),
      },
      this.core.counters,
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
    this.core.enter();
    validateKey(key);
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      const { info } = this.core.readable(bucket, key, versionId);
      return { tags: info.tags, ...(info.versionId !== undefined && { versionId: info.versionId }) };
    });
  }

  /**
   * Rewrites the tags in the current version's `meta` in one transaction: the row keeps its vid,
   * ETag, last-modified time and segments, so readers of the bytes are not disturbed and a retried
   * completion still recognises the version it made.
   */
  async putObjectTags(bucket: string, key: string, tags: Record<string, string>, versionId?: string): Promise<{ versionId?: string }> {
    return this.rewriteMeta(bucket, key, versionId, { tags: { ...tags } });
  }

  /** As putObjectTags: the version's meta is rewritten, nothing else (acl.ts). */
  async putObjectAcl(bucket: string, key: string, acl: Acl, versionId?: string): Promise<{ versionId?: string }> {
    return this.rewriteMeta(bucket, key, versionId, { acl: [...acl] });
  }

  /** Replaces fields of one version's `meta` (its tags or its ACL) in one transaction. */
  private async rewriteMeta(bucket: string, key: string, versionId: string | undefined, change: Partial<StoredMeta>): Promise<{ versionId?: string }> {
    const call = this.core.enter();
    validateKey(key);
    return this.core.commit<{ versionId?: string }>(call, () => {
      this.core.requireBucket(bucket);
      const state = this.core.versions.status(bucket);
      const { row, info } = this.core.readable(bucket, key, versionId);
      if (state === undefined) {
        const meta = JSON.parse(row.meta) as StoredMeta;
        this.core.st.updateObjectMeta.run(JSON.stringify({ ...meta, ...change } satisfies StoredMeta), bucket, key);
        return { result: {}, discard: [] };
      }
      const shown = info.versionId!;
      const current = this.core.st.getObject.get(bucket, key);
      this.core.versions.setMeta(this.core.versions.locate(bucket, key, shown, current)!, change);
      return { result: { versionId: shown }, discard: [] };
    });
  }

  deleteObjectTags(bucket: string, key: string, versionId?: string): Promise<{ versionId?: string }> {
    return this.putObjectTags(bucket, key, {}, versionId);
  }

  // ---------------------------------------------------------------- ACLs and ownership controls (acl.ts)

  getBucketAccess(bucket: string): Promise<BucketAccess> {
    return this.acls.getBucketAccess(bucket);
  }

  putBucketAcl(bucket: string, acl: Acl): Promise<void> {
    return this.acls.putBucketAcl(bucket, acl);
  }

  putBucketOwnership(bucket: string, ownership: ObjectOwnership | undefined): Promise<void> {
    return this.acls.putBucketOwnership(bucket, ownership);
  }

  // ---------------------------------------------------------------- bucket configuration (bucket-config.ts)

  getBucketTags(bucket: string): Promise<Record<string, string> | undefined> {
    return this.config.getBucketTags(bucket);
  }

  putBucketTags(bucket: string, tags: Record<string, string>): Promise<void> {
    return this.config.putBucketTags(bucket, tags);
  }

  deleteBucketTags(bucket: string): Promise<void> {
    return this.config.deleteBucketTags(bucket);
  }

  getBucketPolicy(bucket: string): Promise<string | undefined> {
    return this.policies.getBucketPolicy(bucket);
  }

  putBucketPolicy(bucket: string, policy: string): Promise<void> {
    return this.policies.putBucketPolicy(bucket, policy);
  }

  deleteBucketPolicy(bucket: string): Promise<void> {
    return this.policies.deleteBucketPolicy(bucket);
  }

  getPublicAccessBlock(bucket: string): Promise<PublicAccessBlock | undefined> {
    return this.policies.getPublicAccessBlock(bucket);
  }

  putPublicAccessBlock(bucket: string, config: PublicAccessBlock): Promise<void> {
    return this.policies.putPublicAccessBlock(bucket, config);
  }

  deletePublicAccessBlock(bucket: string): Promise<void> {
    return this.policies.deletePublicAccessBlock(bucket);
  }

  getBucketCors(bucket: string): Promise<CorsRule[] | undefined> {
    return this.config.getBucketCors(bucket);
  }

  putBucketCors(bucket: string, rules: CorsRule[]): Promise<void> {
    return this.config.putBucketCors(bucket, rules);
  }

  deleteBucketCors(bucket: string): Promise<void> {
    return this.config.deleteBucketCors(bucket);
  }

  getBucketLifecycle(bucket: string): Promise<LifecycleRule[] | undefined> {
    return this.config.getBucketLifecycle(bucket);
  }

  putBucketLifecycle(bucket: string, rules: LifecycleRule[]): Promise<void> {
    return this.config.putBucketLifecycle(bucket, rules);
  }

  deleteBucketLifecycle(bucket: string): Promise<void> {
    return this.config.deleteBucketLifecycle(bucket);
  }

  lifecycleBuckets(after: string, limit: number): Promise<string[]> {
    return this.config.lifecycleBuckets(after, limit);
  }

  getLifecycleCursor(): Promise<string | undefined> {
    return this.config.getLifecycleCursor();
  }

  putLifecycleCursor(cursor: string | undefined): Promise<void> {
    return this.config.putLifecycleCursor(cursor);
  }

  // ---------------------------------------------------------------- object lock (object-lock.ts)

  getObjectLockConfiguration(bucket: string): Promise<ObjectLockConfiguration | undefined> {
    return this.locks.getObjectLockConfiguration(bucket);
  }

  putObjectLockConfiguration(bucket: string, config: ObjectLockConfiguration): Promise<void> {
    return this.locks.putObjectLockConfiguration(bucket, config);
  }

  getObjectLock(bucket: string, key: string, versionId?: string): Promise<ObjectLock> {
    return this.locks.getObjectLock(bucket, key, versionId);
  }

  putObjectRetention(bucket: string, key: string, retention: ObjectRetention | undefined, versionId?: string, bypassGovernance?: boolean): Promise<void> {
    return this.locks.putObjectRetention(bucket, key, retention, versionId, bypassGovernance);
  }

  putObjectLegalHold(bucket: string, key: string, on: boolean, versionId?: string): Promise<void> {
    return this.locks.putObjectLegalHold(bucket, key, on, versionId);
  }

  // ---------------------------------------------------------------- multipart (multipart.ts)

  createMultipartUpload(params: MultipartUploadParams): Promise<UploadInfo> {
    return this.multipart.createMultipartUpload(params);
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: IncomingBody): Promise<PartInfo> {
    return this.multipart.uploadPart(bucket, key, uploadId, partNumber, body);
  }

  /** The checks of an UploadPart before its body is read, for a worker process (see checkPut). */
  checkPart(bucket: string, key: string, uploadId: string, partNumber: number): Promise<void> {
    return this.multipart.checkPart(bucket, key, uploadId, partNumber);
  }

  /** Commits an UploadPart whose body a worker received into `tmpDir` (see putReceived). */
  partReceived(target: PartTarget, received: ReceivedBody, tmpDir: string): Promise<PartInfo> {
    return this.multipart.partReceived(target, received, tmpDir);
  }

  completeMultipartUpload(params: CompleteMultipartParams): Promise<ObjectInfo> {
    return this.multipart.completeMultipartUpload(params);
  }

  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    return this.multipart.abortMultipartUpload(bucket, key, uploadId);
  }

  listParts(params: ListPartsParams): Promise<ListPartsResult> {
    return this.multipart.listParts(params);
  }

  listMultipartUploads(params: ListUploadsParams): Promise<ListUploadsResult> {
    return this.multipart.listMultipartUploads(params);
  }

  // ---------------------------------------------------------------- life

  /**
   * Ready while open and while its metadata log can be synced (after a failed fdatasync every write
   * fails until a restart, see enter()). Reads two fields: no I/O, no call numbering.
   */
  async checkReady(_timeoutMs: number): Promise<void> {
    if (this.core.closed) throw new Error("the embedded store is closed");
    if (this.core.wal.failed !== undefined) throw new Error(`the embedded store's metadata log could not be synced: ${String(this.core.wal.failed)}; restart the gateway`);
  }

  /**
   * Closes the database. Later calls fail with an Error; a write whose body is still streaming fails
   * at its commit and removes its file; writes already waiting for a group commit are committed
   * first. Pinned segments are still unlinked when their readers finish.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.core.closed = true;
    this.closing = (async () => {
      await this.core.groupCommit.close(new Error("the embedded store is closed"));
      // every writer has been answered, so only an unanswered read can still wait for this
      await this.core.wal.settled().catch(() => undefined);
      await this.core.walFile.close().catch(() => undefined);
      this.core.db.close();
      this.core.logger.info({}, "embedded store: closed");
    })();
    return this.closing;
  }

}
