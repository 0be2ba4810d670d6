/**
 * The embedded local-disk store: object bytes in segments, metadata in SQLite (schema.ts). A
 * segment is a data file (files.ts) or, for a body of at most the inline limit, a BLOB in SQLite
 * (inline.ts). The zero-set-up default backend of the gateway.
 *
 * Modules: this file holds the store's life (open, close), buckets and worker processes'
 * directories; store-core.ts the machinery every call runs on (call numbering, durable reads, the
 * group commit, segment and version rows), with group-commit.ts, wal-sync.ts and checkpoint.ts
 * under it; puts.ts PutObject; reads.ts HeadObject, GetObject,
 * GetObjectAttributes and ListObjects; deletes.ts DeleteObject(s); object-meta.ts object tags and
 * ACLs; multipart.ts uploads and parts; bucket-config.ts a bucket's tags, CORS and lifecycle
 * documents; bucket-versioning.ts the versioning operations, versions.ts the versions' rules;
 * object-lock.ts Object Lock (the bucket's configuration, the lock operations, and the rules the
 * deletes and writes apply); object-parts.ts per-part checksums.
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
 * holding it is synced (observe()), so no answer describes a state a power loss could take back;
 * a read of one object waits only for the syncs of the commits that could have changed what it read
 * (observeObject(): the writes of that key, and every commit that names no key).
 *
 * Blocking: better-sqlite3 runs statements on the event loop thread. Every statement here is an
 * indexed point lookup, a bounded range scan (listings read at most max+1 rows per seek) or a write
 * of a few rows (an inline body is at most the inline limit); the largest transaction is a batch of
 * writes or CompleteMultipartUpload, proportional to its part count. Commits and checkpoints do not
 * fsync on the event loop (schema.ts, wal-sync.ts, checkpoint.ts); all file I/O uses fs/promises
 * and streams.
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
import { VersioningOps } from "./bucket-versioning.js";
import { ObjectDeletes } from "./deletes.js";
import { DataFiles, fsyncDir, type ReceivedBody } from "./files.js";
import { DEFAULT_INLINE_LIMIT, MAX_INLINE_LIMIT } from "./inline.js";
import { makeDir, prepareDataDir } from "./modes.js";
import { COMPLETED_UPLOAD_RETENTION_MS, Multipart, type PartTarget } from "./multipart.js";
import { ObjectLocks } from "./object-lock.js";
import { ObjectMeta } from "./object-meta.js";
import { ObjectPuts } from "./puts.js";
import type { ResolvedObject } from "./read-plan.js";
import { ObjectReads } from "./reads.js";
import { recoverDataDir } from "./recovery.js";
import { openDatabase } from "./schema.js";
import { toBucketInfo } from "./rows.js";
import type { LeaseHolders } from "./read-leases.js";
import { StoreCore, type StoreLogger } from "./store-core.js";
import type { EmbeddedStoreOptions, EmbeddedStoreStats, WorkerFiles } from "./store-types.js";
import type { VersioningStatus } from "./versions.js";

export { COMPLETED_UPLOAD_RETENTION_MS, type PartTarget } from "./multipart.js";
export type { StoreLogger } from "./store-core.js";
export type { EmbeddedStoreOptions, EmbeddedStoreStats, WorkerFiles } from "./store-types.js";

const noopLogger: StoreLogger = { info() {}, warn() {} };

export class EmbeddedStore implements StorageClient {
  readonly name = "embedded";

  private readonly core: StoreCore;
  private readonly puts: ObjectPuts;
  private readonly reads: ObjectReads;
  private readonly deletes: ObjectDeletes;
  private readonly meta: ObjectMeta;
  private readonly versioning: VersioningOps;
  private readonly multipart: Multipart;
  private readonly config: BucketConfig;
  private readonly policies: BucketPolicies;
  private readonly acls: BucketAcls;
  private readonly locks: ObjectLocks;
  private closing: Promise<void> | undefined;

  private constructor(db: Database.Database, walFile: FileHandle, dbFile: FileHandle, files: DataFiles, logger: StoreLogger, inlineLimit: number) {
    this.core = new StoreCore(db, walFile, dbFile, files, logger, inlineLimit);
    this.puts = new ObjectPuts(this.core);
    this.reads = new ObjectReads(this.core);
    this.deletes = new ObjectDeletes(this.core);
    this.meta = new ObjectMeta(this.core);
    this.versioning = new VersioningOps(this.core);
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
    const files = new DataFiles(options.dataDir, { chmodFiles: ownerBitsMasked, directWrites: options.directWrites });
    const db = openDatabase(dbPath);
    let walFile: FileHandle | undefined;
    let dbFile: FileHandle | undefined;
    try {
      // Forget expired completions at once (completions clean up only a bounded share each); the
      // log sync below makes this durable with everything else.
      db.prepare("DELETE FROM completed_uploads WHERE completed < ?").run(Date.now() - COMPLETED_UPLOAD_RETENTION_MS);
      // openDatabase wrote, so the log exists; SQLite keeps this very file until close (schema.ts)
      walFile = await open(`${dbPath}-wal`, "r");
      // for the checkpoints' fdatasync (checkpoint.ts); closed only after the database, since closing
      // any descriptor of the file drops SQLite's fcntl lock on it
      dbFile = await open(dbPath, "r");
      // What the database says now may include commits of a killed process that were never
      // synced; make them durable before recovery deletes files on their word (wal-sync.ts, 5).
      await walFile.datasync();
      // the directory entries of objects/, tmp/, a newly created database and log and a newly
      // created data directory must be durable before anything written into them is acknowledged
      await fsyncDir(options.dataDir);
      await fsyncDir(dirname(resolve(options.dataDir)));
      await recoverDataDir(db, files, logger);
      const store = new EmbeddedStore(db, walFile, dbFile, files, logger, inlineLimit);
      logger.info({ dataDir: options.dataDir, inlineLimit }, "embedded store: open");
      return store;
    } catch (err) {
      await walFile?.close().catch(() => undefined);
      db.close();
      await dbFile?.close().catch(() => undefined);
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
      checkpoints: this.core.checkpoints.checkpoints,
      objectCache: { ...this.core.objectCache.stats },
    };
  }

  // ---------------------------------------------------------------- buckets

  async listBuckets(): Promise<BucketInfo[]> {
    this.core.enter();
    return this.core.observe(() => this.core.st.listBuckets.all().map(toBucketInfo));
  }

  async createBucket(name: string, owner: string, options?: NewBucketOptions): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
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
      this.core.bucketsChangedIn = this.core.wal.nextCommit;
      return { result: undefined, discard: [] };
    });
  }

  /**
   * Every request checks its bucket first, so this read is on every request's path. It depends on
   * the buckets and Object Lock tables alone, so it waits only for the log sync of the last commit
   * that changed them (core.bucketsChangedIn), not (as observe() does) for every commit before it:
   * under a stream of object writes the log is nearly always being synced, and each bucket check
   * waited a sync (~2 ms per PUT at c=4). It tells whether the bucket has a default retention, so
   * that a PUT without Content-MD5 or checksum need not ask again (a round trip to the primary for
   * a worker, and a wait for the log sync, since getObjectLockConfiguration waits like observe()).
   */
  async getBucket(name: string): Promise<BucketInfo> {
    this.core.enter();
    let info: BucketInfo;
    try {
      info = toBucketInfo(this.core.requireBucket(name));
      info.defaultRetention = this.core.objectLocks.read(name)?.defaultRetention !== undefined;
    } catch (err) {
      await this.core.wal.waitFor(this.core.bucketsChangedIn);
      throw err;
    }
    await this.core.wal.waitFor(this.core.bucketsChangedIn);
    return info;
  }

  async deleteBucket(name: string): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
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
      this.core.bucketsChangedIn = this.core.wal.nextCommit;
      return { result: undefined, discard };
    });
  }

  // ---------------------------------------------------------------- versioning (bucket-versioning.ts)

  getBucketVersioning(bucket: string): Promise<BucketVersioning> {
    return this.versioning.getBucketVersioning(bucket);
  }

  putBucketVersioning(bucket: string, status: VersioningStatus, mfaDelete?: "Disabled"): Promise<void> {
    return this.versioning.putBucketVersioning(bucket, status, mfaDelete);
  }

  listObjectVersions(params: ListVersionsParams): Promise<ListVersionsResult> {
    return this.versioning.listObjectVersions(params);
  }

  // ---------------------------------------------------------------- objects: PutObject (puts.ts)

  putObject(params: PutObjectParams, body: IncomingBody): Promise<ObjectInfo> {
    return this.puts.putObject(params, body);
  }

  /** The checks of a PUT before its body is read, for a worker process (runtime/workers/). */
  checkPut(params: PutObjectParams): Promise<void> {
    return this.puts.checkPut(params);
  }

  /** Commits a PUT whose body a worker received into `tmpDir`. */
  putReceived(params: PutObjectParams, received: ReceivedBody, tmpDir: string): Promise<ObjectInfo> {
    return this.puts.putReceived(params, received, tmpDir);
  }

  // ---------------------------------------------------------------- objects: reads and ListObjects (reads.ts)

  headObject(bucket: string, key: string, partNumber?: number, versionId?: string): Promise<{ info: ObjectInfo; part?: ObjectPartInfo }> {
    return this.reads.headObject(bucket, key, partNumber, versionId);
  }

  getObjectAttributes(params: ObjectAttributesParams): Promise<ObjectAttributesResult> {
    return this.reads.getObjectAttributes(params);
  }

  getObject(params: GetObjectParams): Promise<GetObjectResult> {
    return this.reads.getObject(params);
  }

  /**
   * Step 1 of a read, also for a worker process (`holder`, which may get a lease to keep the
   * answer, read-leases.ts): the caller gives the pins back to unpin().
   */
  resolveRead(bucket: string, key: string, partNumber?: number, versionId?: string, holder?: string): Promise<ResolvedObject> {
    return this.reads.resolveRead(bucket, key, partNumber, versionId, holder);
  }

  listObjects(params: ListObjectsParams): Promise<ListObjectsResult> {
    return this.reads.listObjects(params);
  }

  // ---------------------------------------------------------------- objects: deletes (deletes.ts)

  deleteObject(bucket: string, key: string, versionId?: string, condition?: DeleteCondition, bypassGovernance?: boolean): Promise<DeleteOutcome> {
    return this.deletes.deleteObject(bucket, key, versionId, condition, bypassGovernance);
  }

  deleteObjects(bucket: string, objects: ObjectToDelete[]): Promise<DeleteObjectResult[]> {
    return this.deletes.deleteObjects(bucket, objects);
  }

  // ---------------------------------------------------------------- object tags and ACLs (object-meta.ts)

  getObjectTags(bucket: string, key: string, versionId?: string): Promise<ObjectTags> {
    return this.meta.getObjectTags(bucket, key, versionId);
  }

  putObjectTags(bucket: string, key: string, tags: Record<string, string>, versionId?: string): Promise<{ versionId?: string }> {
    return this.meta.putObjectTags(bucket, key, tags, versionId);
  }

  deleteObjectTags(bucket: string, key: string, versionId?: string): Promise<{ versionId?: string }> {
    return this.meta.deleteObjectTags(bucket, key, versionId);
  }

  putObjectAcl(bucket: string, key: string, acl: Acl, versionId?: string): Promise<{ versionId?: string }> {
    return this.meta.putObjectAcl(bucket, key, acl, versionId);
  }

  // ---------------------------------------------------------------- worker processes (runtime/workers/)

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
    return { dataDir: this.core.files.dataDir, tmpDir, chmodFiles: this.core.files.chmodFiles, directWrites: this.core.files.directWrites, inlineLimit: this.core.inlineLimit };
  }

  /** Removes a worker's receiving directory once the worker is gone (its bodies were never committed). */
  async detachWorker(files: WorkerFiles): Promise<void> {
    await rm(files.tmpDir, { recursive: true, force: true });
  }

  /** `listener` hears of each segment file removed, before its unlink (workers' descriptors, segment-fds.ts) */
  onSegmentRemoved(listener: (id: string) => void): void {
    this.core.files.onRemove = listener;
  }

  /** How leases are taken back from workers (read-leases.ts): none is granted before this. */
  attachLeaseHolders(holders: LeaseHolders): void {
    this.core.leases.attach(holders);
  }

  /** A worker keeps nothing of these keys from these grants on (read-leases.ts release). */
  releaseLeases(holder: string, released: ReadonlyArray<readonly [id: string, grant: number]>): void {
    for (const [id, n] of released) this.core.leases.release(holder, id, n);
  }

  /** A worker is gone, and its leases with it. */
  forgetLeaseHolder(name: string): void {
    this.core.leases.forget(name);
  }

  /** Gives back pins of resolveRead (each pin it took exactly once; read-plan.ts may return them in parts). */
  unpin(ids: readonly string[]): void {
    this.core.pins.unpin(ids);
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
    if (this.core.wal.failed !== undefined) throw new Error(`the embedded store's metadata (its log or database file) could not be synced: ${String(this.core.wal.failed)}; restart the gateway`);
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
      await this.core.checkpoints.idle();
      await this.core.walFile.close().catch(() => undefined);
      this.core.db.close();
      await this.core.dbFile.close().catch(() => undefined);
      this.core.files.closeDescriptors();
      this.core.logger.info({}, "embedded store: closed");
    })();
    return this.closing;
  }

}
