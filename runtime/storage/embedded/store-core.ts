/**
 * The embedded store's shared machinery (store.ts's header describes the write protocol): the
 * database and its prepared statements, the group commit and log sync, segment files and their
 * pins, and the steps every feature module builds its calls from: enter() admits a call,
 * observe()/check() answer reads durably, commit() runs a write transaction in the next group
 * commit, and the row helpers insert and drop segments and versions.
 *
 * One StoreCore per open store. The feature modules (store.ts for buckets and objects,
 * multipart.ts, bucket-config.ts, ...) each hold it; its members are public to them, not to the
 * rest of the gateway, which sees only EmbeddedStore (index.ts exports nothing from here).
 */
import type { FileHandle } from "node:fs/promises";

import type Database from "better-sqlite3";

import { StorageError, type Checksum, type DeleteCondition, type ObjectInfo, type PutObjectParams } from "../types.js";
import { DataFiles, fsyncDir, type ReceivedBody } from "./files.js";
import { Checkpointer } from "./checkpoint.js";
import { GroupCommit } from "./group-commit.js";
import { inlineRowId, inlineSegmentId, isInlineSegment } from "./inline.js";
import type { ListingCounters } from "./listing.js";
import { ObjectLockTable, lockOfNewVersion } from "./object-lock.js";
import { prepareObjectPartStatements, type ObjectPartStatements } from "./object-parts.js";
import { ObjectCache, type CachedSegment } from "./object-cache.js";
import { SegmentPins } from "./pins.js";
import { ReadLeases } from "./read-leases.js";
import { RowCache } from "./row-cache.js";
import { pickSystemMetadata, segmentChecksumJson, toObjectInfo, type StoredMeta } from "./rows.js";
import { prepareStatements, type BucketRow, type ObjectRow, type SegmentRefRow, type Statements, type UploadRow } from "./statements.js";
import { Versions, versionIdOf, type VersioningStatus } from "./versions.js";
import { WalSync } from "./wal-sync.js";
import { etagHeaderMatches, normalizeEtag, objectKeyId } from "../keys.js";

/** The one object key a commit changes (StoreCore.commit). */
export interface ObjectKeyRef {
  bucket: string;
  key: string;
}

/** The subset of a pino logger the store uses. */
export interface StoreLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

/** What a write transaction returns: its result and the segments it stopped referencing. */
export interface Committed<T> {
  result: T;
  discard: string[];
}

export class StoreCore {
  readonly st: Statements;
  readonly partSt: ObjectPartStatements;
  readonly versions: Versions;
  /** which buckets have Object Lock, and their default retention (object-lock.ts) */
  readonly objectLocks: ObjectLockTable;
  readonly pins: SegmentPins;
  readonly counters: ListingCounters = { seeks: 0, rowsVisited: 0 };
  /** the buckets table's rows, read on every request (row-cache.ts) */
  readonly buckets: RowCache<BucketRow>;
  /** current rows and versions' segments that GET and HEAD read (object-cache.ts) */
  readonly objectCache: ObjectCache;
  /** which workers keep which objects, taken back by every change (read-leases.ts) */
  readonly leases: ReadLeases;
  readonly wal: WalSync;
  /** checkpoints with their fsyncs off the event loop (checkpoint.ts) */
  readonly checkpoints: Checkpointer;
  readonly groupCommit: GroupCommit;
  /** next object version id; this process owns the database, so a counter suffices */
  nextVersionId: number;
  closed = false;
  /**
   * The commit that last changed the buckets table or a bucket's Object Lock configuration (set
   * inside its transaction; a rollback only makes getBucket wait for a sync it did not need):
   * getBucket's answer, which reads those two tables, is durable once it is.
   */
  bucketsChangedIn = 0;
  /**
   * What an object read (observeObject) waits for. A commit that names the one object key it
   * changes (commit()'s `key`: PutObject, DeleteObject) is recorded under that key; any other commit
   * may change what every object read sees (a bucket's versioning, a multipart completion, tags,
   * a batch delete...) and is recorded in `unkeyedChangedIn`. Set inside the transaction, like
   * bucketsChangedIn: a rollback only makes a read wait for a sync it did not need.
   */
  private unkeyedChangedIn = 0;
  /** `bucket\0key` -> the last keyed commit to that key, oldest first; durable ones are dropped */
  private readonly keysChangedIn = new Map<string, number>();

  constructor(
    readonly db: Database.Database,
    readonly walFile: FileHandle,
    readonly dbFile: FileHandle,
    readonly files: DataFiles,
    readonly logger: StoreLogger,
    readonly inlineLimit: number,
  ) {
    this.st = prepareStatements(db);
    this.buckets = new RowCache(db, "buckets", (name) => this.st.getBucket.get(name));
    this.partSt = prepareObjectPartStatements(db);
    this.objectCache = new ObjectCache(db);
    this.leases = new ReadLeases(db);
    this.objectCache.onRowChanged = (id) => this.leases.changed(id);
    this.versions = new Versions(db, this.st, {
      dropCurrent: (row) => this.dropVersion(row),
      dropSegments: (vid, discard) => this.dropSegments(vid, discard),
      nextVid: () => this.nextVersionId++,
      currentRow: (bucket, key) => this.objectCache.current(bucket, key, () => this.st.getObject.get(bucket, key)),
    });
    this.objectLocks = new ObjectLockTable(db);
    this.wal = new WalSync(walFile, (err) =>
      logger.warn({ err }, "embedded store: the metadata (its log or its database file) could not be synced; refusing all requests until reopened"),
    );
    this.checkpoints = new Checkpointer(db, this.wal, dbFile, (err) =>
      logger.warn({ err }, "embedded store: a checkpoint of the metadata log failed; trying again later"),
    );
    this.groupCommit = new GroupCommit(db, this.wal, fsyncDir, this.checkpoints);
    this.pins = new SegmentPins((id) => this.removeFile(id));
    this.nextVersionId = (this.st.maxVersionId.get() ?? 0) + 1;
  }

  /** Every public method starts here: refuses calls after close and after a failed log sync. */
  enter(): void {
    if (this.closed) throw new Error("the embedded store is closed");
    // After a failed fdatasync nothing can be promised durable (wal-sync.ts); reopening runs
    // recovery on what really is on disk.
    const failed = this.wal.failed;
    if (failed !== undefined) {
      throw new Error("the embedded store's metadata (its log or database file) could not be synced; reopen the store", { cause: failed });
    }
  }

  requireBucket(name: string): Readonly<BucketRow> {
    const row = this.buckets.get(name);
    if (row === undefined) throw new StorageError("BUCKET_NOT_FOUND");
    return row;
  }

  /** The upload, if it exists and was started for this bucket and key (S3: NoSuchUpload otherwise). */
  requireUpload(uploadId: string, bucket: string, key: string): UploadRow {
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
  observe<T>(read: () => T, undo?: (unreturned: T) => void): Promise<T> {
    return this.readDurable(read, () => this.wal.nextCommit - 1, undo, () => this.leases.allPending());
  }

  /**
   * observe() for a read of one object key (HeadObject, GetObject, GetObjectAttributes), whose
   * answer depends on that key's rows and on what only unkeyed commits change (the bucket, its
   * versioning; see unkeyedChangedIn). It waits for the log sync of the last commit that changed
   * either, not for every commit before it: under a stream of writes to other keys the log is
   * nearly always being synced, and every read waited a sync (warp mixed, c=8: more than half the
   * reads). Errors wait for everything, as in observe(): an absence may be a delete not yet durable.
   */
  observeObject<T>(bucket: string, key: string, read: () => T, undo?: (unreturned: T) => void): Promise<T> {
    const id = objectKeyId(bucket, key);
    return this.readDurable(
      read,
      () => {
        const keyed = this.keysChangedIn.get(id) ?? 0;
        return keyed > this.unkeyedChangedIn ? keyed : this.unkeyedChangedIn;
      },
      undo,
      () => this.leases.pending(id),
    );
  }

  /**
   * observe()'s steps: `read` now; its result once commit `needed()` (asked after the read) is
   * durable and the leases its changes took back are returned (`revoked()`, asked after that: see
   * read-leases.ts); its error once every commit is.
   */
  private async readDurable<T>(
    read: () => T,
    needed: () => number,
    undo: ((unreturned: T) => void) | undefined,
    revoked: () => Promise<void> | undefined,
  ): Promise<T> {
    let value: T;
    try {
      value = read();
    } catch (err) {
      await this.wal.settled();
      await revoked();
      throw err;
    }
    const n = needed();
    if (!this.wal.isDurable(n)) {
      try {
        await this.wal.waitFor(n);
      } catch (err) {
        undo?.(value);
        throw err;
      }
    }
    const revoking = revoked();
    if (revoking !== undefined) await revoking;
    return value;
  }

  /** Records, inside a commit's transaction, what it changes (see unkeyedChangedIn). */
  private noteChange(key: ObjectKeyRef | undefined): void {
    const n = this.wal.nextCommit;
    if (key === undefined) {
      this.unkeyedChangedIn = n;
      return;
    }
    const id = objectKeyId(key.bucket, key.key);
    // delete, then set: the map stays in commit order, so the durable entries are at its front
    this.keysChangedIn.delete(id);
    this.keysChangedIn.set(id, n);
    for (const [old, m] of this.keysChangedIn) {
      if (!this.wal.isDurable(m)) break;
      this.keysChangedIn.delete(old);
    }
  }

  /** Like observe() for the checks before a write receives its body: only a refusal waits. */
  async check(read: () => void): Promise<void> {
    try {
      read();
    } catch (err) {
      await this.wal.settled();
      await this.leases.allPending();
      throw err;
    }
  }

  /**
   * Runs a write transaction in the next group commit (group-commit.ts) and resolves once it is
   * durable, then hands the segment files it dropped to the pins (unlink now or when the last reader
   * is done, see pins.ts): only after the log sync, since a commit that a power loss could still
   * roll back must not lose the files its old rows point at. `received` is the body written for
   * this transaction: if it is a file, its directory is fsynced before the commit, and the file is
   * removed when the transaction certainly did not commit. After a failure at COMMIT the outcome
   * is not known here, and the file is left for the orphan scan at the next start, which decides by
   * the rows actually on disk. `key`: the one object key the transaction changes, for a
   * transaction that changes nothing else (observeObject).
   */
  async commit<T>(apply: () => Committed<T>, received?: ReceivedBody, dir?: string, key?: ObjectKeyRef): Promise<T> {
    const file = received !== undefined && !received.inline && dir !== undefined ? received : undefined;
    let revoked: Promise<void> | undefined;
    const committed = await this.submitted(this.groupCommit.submit({
      apply: () => {
        this.noteChange(key);
        const during = this.leases.during(apply);
        revoked = during.revoked;
        return during.result;
      },
      ...(file !== undefined && { dirs: [dir!], notCommitted: () => this.removeFile(file.id) }),
    }));
    // no worker may still answer from what this write changed once it is acknowledged (read-leases.ts)
    if (revoked !== undefined) await revoked;
    this.pins.discard(committed.discard);
    return committed.result;
  }

  /** A write's outcome; a failure, which may describe what another write changed, once no worker can contradict it. */
  private async submitted<T>(outcome: Promise<T>): Promise<T> {
    try {
      return await outcome;
    } catch (err) {
      await this.leases.allPending();
      throw err;
    }
  }

  /**
   * Moves a received file from `tmpDir` into objects/ (files.ts steps 4-5) and returns its
   * directory, for the group commit to fsync; undefined for an inline body. On failure the temp
   * file is removed.
   */
  async place(received: ReceivedBody, tmpDir: string): Promise<string | undefined> {
    if (received.inline) return undefined;
    try {
      return await this.files.place(received.id, tmpDir);
    } catch (err) {
      await this.dropReceived(received, tmpDir);
      throw err;
    }
  }

  /** Removes the temp file of a received body that will not be committed (best effort). */
  async dropReceived(received: ReceivedBody, tmpDir: string): Promise<void> {
    if (!received.inline) await this.files.discardTemp(received.id, tmpDir);
  }

  /** enter() for a call that brings a received body: a refused call removes its temp file. */
  enterWith(received: ReceivedBody, tmpDir: string): void {
    try {
      this.enter();
    } catch (err) {
      void this.dropReceived(received, tmpDir);
      throw err;
    }
  }

  /** Inserts the segments row (and the inline bytes) for a received body; returns the segment id. */
  insertSegment(received: ReceivedBody, now: number): string {
    const { size, md5 } = received.digests;
    const id = received.inline
      ? inlineSegmentId(this.st.insertInlineData.run(received.data).lastInsertRowid)
      : received.id;
    this.st.insertSegment.run(id, size, md5, segmentChecksumJson(received.digests), now);
    return id;
  }

  /** Deletes a segment's rows (with its inline bytes); a file's id goes to `discard`. */
  deleteSegment(id: string, discard: string[]): void {
    this.st.deleteSegment.run(id);
    if (isInlineSegment(id)) this.st.deleteInlineData.run(inlineRowId(id));
    else discard.push(id);
  }

  /** Deletes an object's current version rows; returns its segment files (to discard after commit). */
  dropVersion(row: ObjectRow): string[] {
    const discard: string[] = [];
    this.dropSegments(row.vid, discard);
    this.st.deleteObject.run(row.bucket, row.key);
    return discard;
  }

  /**
   * A version's segments in object order, an inline one with its bytes (copied out of SQLite: a
   * later overwrite deletes the row, not the copy), kept in the object cache (object-cache.ts).
   */
  segmentsOf(vid: number): ReadonlyArray<CachedSegment> {
    return this.objectCache.segments(vid, () =>
      this.st.segmentsOfVersion.all(vid).map((s): CachedSegment => {
        if (!isInlineSegment(s.segment_id)) return { id: s.segment_id, size: s.size };
        // (SQLite's substr of zero bytes is NULL, not an empty blob)
        const data = s.size === 0 ? Buffer.alloc(0) : this.st.inlineSlice.get(0, s.size, inlineRowId(s.segment_id));
        if (data === undefined || data.length !== s.size) {
          throw new Error(`inline segment ${s.segment_id} is missing or shorter than its row says`);
        }
        return { id: s.segment_id, size: s.size, data };
      }),
    );
  }

  /** Deletes a version's segments (object_segments and segments rows); files go to `discard`. */
  dropSegments(vid: number, discard: string[]): void {
    for (const s of this.st.segmentsOfVersion.all(vid)) this.deleteSegment(s.segment_id, discard);
    this.st.deleteObjectSegments.run(vid);
  }

  /**
   * Before a new current version of a key is inserted: drops the current one (a bucket never
   * versioned), or lets versions.ts keep it as a noncurrent version.
   */
  makeRoom(bucket: string, key: string, current: ObjectRow | undefined): { state: VersioningStatus | undefined; discard: string[] } {
    const state = this.versions.status(bucket);
    if (state !== undefined) return { state, discard: this.versions.beforeWrite(state, bucket, key, current) };
    return { state, discard: current === undefined ? [] : this.dropVersion(current) };
  }

  /** The version a read means (versions.ts readable) and its ObjectInfo. */
  readable(bucket: string, key: string, versionId: string | undefined): { row: ObjectRow; info: ObjectInfo } {
    const { row, versionId: shown } = this.versions.readable(bucket, key, versionId);
    const info = toObjectInfo(row);
    if (shown !== undefined) info.versionId = shown;
    return { row, info };
  }

  /** A current row's ObjectInfo, with its version id in a bucket that has versioning. */
  infoOf(row: ObjectRow, state: VersioningStatus | undefined): ObjectInfo {
    const info = toObjectInfo(row);
    const shown = this.versions.shownId(state, row);
    if (shown !== undefined) info.versionId = shown;
    return info;
  }

  /** Deletes an upload and its parts' rows; returns the parts' segment files (to discard after commit). */
  dropUpload(uploadId: string): string[] {
    const discard: string[] = [];
    for (const id of this.st.segmentIdsOfUpload.all(uploadId)) this.deleteSegment(id, discard);
    this.st.deletePartsOfUpload.run(uploadId);
    this.st.deleteUpload.run(uploadId);
    return discard;
  }

  /** Inserts a new current version (the caller has dropped the previous one) and returns its row. */
  insertVersion(
    params: Omit<PutObjectParams, "ifMatch" | "ifNoneMatch">,
    facts: { size: number; etag: string; checksum?: Checksum; checksumByDefault?: boolean; partsCount: number | null; lastModified: number },
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
      ...(params.acl !== undefined && { acl: params.acl }),
      ...(facts.checksum !== undefined && { checksum: facts.checksum }),
      ...(facts.checksum !== undefined && facts.checksumByDefault === true && { checksumByDefault: true }),
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
  removeFile(id: string): void {
    this.files.remove(id).catch((err: unknown) => {
      this.logger.warn({ segment: id, err }, "embedded store: could not remove a data file; recovery will retry at start");
    });
  }
}

// ---------------------------------------------------------------- helpers

export function validateMax(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new StorageError("INVALID_ARGUMENT", `${name} must be a non-negative integer`);
}

/**
 * Conditional write check (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html):
 * If-Match fails with KEY_NOT_FOUND when the key is missing (S3 answers 404 NoSuchKey, not 412) and
 * with PRECONDITION_FAILED when its ETag differs; If-None-Match: * fails with PRECONDITION_FAILED
 * when the key exists. Undefined: the condition holds.
 */
export function conditionFailure(
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
 * Conditional delete check (DeleteCondition): KEY_NOT_FOUND without a current version (S3 answers
 * 404 NoSuchKey to a conditional delete of a missing key, or of one whose latest version is a
 * delete marker), PRECONDITION_FAILED when a condition does not hold. Times compare to the second:
 * an HTTP date carries no more.
 */
export function deleteConditionFailure(current: ObjectRow | undefined, cond: DeleteCondition): "KEY_NOT_FOUND" | "PRECONDITION_FAILED" | undefined {
  if (current === undefined) return "KEY_NOT_FOUND";
  if (cond.ifMatch !== undefined && !etagHeaderMatches(cond.ifMatch, current.etag)) return "PRECONDITION_FAILED";
  if (cond.size !== undefined && cond.size !== current.size) return "PRECONDITION_FAILED";
  if (cond.lastModified !== undefined && Math.floor(cond.lastModified.getTime() / 1000) !== Math.floor(current.last_modified / 1000)) {
    return "PRECONDITION_FAILED";
  }
  return undefined;
}
