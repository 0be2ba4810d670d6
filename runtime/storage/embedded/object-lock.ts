/**
 * Object Lock on the embedded store ("Locking objects with Object Lock", Amazon S3 User Guide):
 * the bucket_object_lock table (schema.ts) and the rules that decide what a lock allows. A
 * version's retention and legal hold live in its `meta` JSON (rows.ts StoredMeta.lock), so they
 * move with the version between `objects` and `versions` (versions.ts demote/promote) without a
 * write of their own.
 *
 * S3's rules, as this file keeps them:
 * - A bucket has Object Lock from its creation (x-amz-bucket-object-lock-enabled, which also
 *   enables versioning) or from a PutObjectLockConfiguration while its versioning is Enabled. It is
 *   never turned off, and its versioning can no longer be suspended.
 * - A new version gets the retention its request states, else the bucket's default retention
 *   (Days or Years from its creation), and the legal hold its request states.
 * - A version can be removed by id only when no legal hold is ON and its retention date has
 *   passed, or, under GOVERNANCE, with the bypass. A delete without a version id is a delete marker
 *   on top and removes nothing: it is always allowed.
 * - A retention in force can be extended in its mode; shortening or removing it, or changing its
 *   mode, needs the bypass under GOVERNANCE and is never allowed under COMPLIANCE.
 *
 * ObjectLocks serves the lock operations (store.ts delegates to it); ObjectLockTable and the rule
 * functions are also used inside other modules' transactions (store-core.ts insertVersion,
 * deletes.ts, multipart.ts), on the event loop: one point lookup by primary key.
 */
import { s3Message } from "../../errors.js";
import type Database from "better-sqlite3";

import { validateKey } from "../keys.js";
import { StorageError, type ObjectLock, type ObjectLockConfiguration, type ObjectRetention } from "../types.js";
import { RowCache } from "./row-cache.js";
import type { StoreCore } from "./store-core.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** AWS's message for a request a lock refuses (403 AccessDenied). */
const LOCKED = "Access Denied because object protected by object lock.";

export class ObjectLockTable {
  /** the bucket_object_lock rows, read by every request's bucket check (row-cache.ts) */
  private readonly rows: RowCache<{ default_retention: string | null }>;
  private readonly put: Database.Statement<[string, string | null]>;
  private readonly remove: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    const get = db.prepare<[string], { default_retention: string | null }>("SELECT default_retention FROM bucket_object_lock WHERE bucket = ?");
    this.rows = new RowCache(db, "bucket_object_lock", (bucket) => get.get(bucket));
    this.put = db.prepare<[string, string | null]>("INSERT OR REPLACE INTO bucket_object_lock (bucket, default_retention) VALUES (?, ?)");
    this.remove = db.prepare<[string]>("DELETE FROM bucket_object_lock WHERE bucket = ?");
  }

  /** The bucket's configuration; undefined: Object Lock is not enabled on it. */
  read(bucket: string): ObjectLockConfiguration | undefined {
    const row = this.rows.get(bucket);
    if (row === undefined) return undefined;
    return row.default_retention === null ? {} : { defaultRetention: JSON.parse(row.default_retention) as ObjectLockConfiguration["defaultRetention"] };
  }

  /** Enables Object Lock on the bucket (if it was not), with this default retention. */
  write(bucket: string, config: ObjectLockConfiguration): void {
    this.put.run(bucket, config.defaultRetention === undefined ? null : JSON.stringify(config.defaultRetention));
  }

  /** with the bucket: a new bucket of the same name starts without Object Lock */
  delete(bucket: string): void {
    this.remove.run(bucket);
  }
}

/**
 * The lock of a new version: what the request states (INVALID_REQUEST in a bucket without Object
 * Lock, as AWS answers), its retention defaulting to the bucket's default retention. undefined:
 * the version has no lock.
 */
export function lockOfNewVersion(config: ObjectLockConfiguration | undefined, requested: ObjectLock | undefined, now: number): ObjectLock | undefined {
  const stated = requested !== undefined && (requested.retention !== undefined || requested.legalHold !== undefined);
  if (config === undefined) {
    if (stated) throw new StorageError("INVALID_REQUEST", "object lock headers on a bucket without Object Lock", s3Message("InvalidRequest", "NoObjectLockConfigurationForNewObject"));
    return undefined;
  }
  const retention = requested?.retention ?? defaultRetentionFrom(config, now);
  const legalHold = requested?.legalHold;
  if (retention === undefined && legalHold === undefined) return undefined;
  return { ...(retention !== undefined && { retention }), ...(legalHold !== undefined && { legalHold }) };
}

/**
 * The bucket's default retention for a version made at `now`. Years are calendar years in UTC
 * (AWS documents a year as 365 days in its limits, and a calendar year here never ends sooner).
 */
function defaultRetentionFrom(config: ObjectLockConfiguration, now: number): ObjectRetention | undefined {
  const d = config.defaultRetention;
  if (d === undefined) return undefined;
  let until: Date;
  if (d.years !== undefined) {
    until = new Date(now);
    until.setUTCFullYear(until.getUTCFullYear() + d.years);
  } else {
    until = new Date(now + (d.days ?? 0) * DAY_MS);
  }
  return { mode: d.mode, retainUntil: until.toISOString() };
}

/** true while the retention keeps its version (its date not yet passed). */
function inForce(retention: ObjectRetention | undefined, now: number): retention is ObjectRetention {
  return retention !== undefined && Date.parse(retention.retainUntil) > now;
}

/** Fails with ACCESS_DENIED unless the version with this lock may be removed for good. */
export function checkRemovable(lock: ObjectLock | undefined, bypassGovernance: boolean, now: number): void {
  if (lock === undefined) return;
  if (lock.legalHold === true) throw new StorageError("ACCESS_DENIED", "the version is under legal hold", LOCKED);
  const r = lock.retention;
  if (!inForce(r, now)) return;
  if (r.mode === "GOVERNANCE" && bypassGovernance) return;
  throw new StorageError("ACCESS_DENIED", `the version is retained (${r.mode}) until ${r.retainUntil}`, LOCKED);
}

/**
 * Fails with ACCESS_DENIED unless a version's retention may go from `old` to `next` (undefined:
 * removed). Extending in the same mode is always allowed; anything else needs the retention no
 * longer in force, or GOVERNANCE and the bypass.
 */
export function checkRetentionChange(old: ObjectRetention | undefined, next: ObjectRetention | undefined, bypassGovernance: boolean, now: number): void {
  if (!inForce(old, now)) return;
  const extends_ = next !== undefined && next.mode === old.mode && Date.parse(next.retainUntil) >= Date.parse(old.retainUntil);
  if (extends_) return;
  if (old.mode === "GOVERNANCE" && bypassGovernance) return;
  throw new StorageError(
    "ACCESS_DENIED",
    `a ${old.mode} retention until ${old.retainUntil} can only be extended`,
    LOCKED,
  );
}

/** The lock operations of the StorageClient, each one read or one transaction. */
export class ObjectLocks {
  constructor(private readonly core: StoreCore) {}

  async getObjectLockConfiguration(bucket: string): Promise<ObjectLockConfiguration | undefined> {
    this.core.enter();
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      return this.core.objectLocks.read(bucket);
    });
  }

  async putObjectLockConfiguration(bucket: string, config: ObjectLockConfiguration): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.core.requireBucket(bucket);
      // S3 enables Object Lock on an existing bucket only while its versioning is Enabled
      // ("Enabling Object Lock on an existing bucket", Amazon S3 User Guide).
      if (this.core.objectLocks.read(bucket) === undefined && this.core.versions.status(bucket) !== "Enabled") {
        throw new StorageError("INVALID_BUCKET_STATE", "Object Lock needs versioning Enabled", "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration");
      }
      this.core.objectLocks.write(bucket, config);
      // getBucket tells whether the bucket has a default retention (store.ts)
      this.core.bucketsChangedIn = this.core.wal.nextCommit;
      return { result: undefined, discard: [] };
    });
  }

  async getObjectLock(bucket: string, key: string, versionId?: string): Promise<ObjectLock> {
    this.core.enter();
    validateKey(key);
    return this.core.observe(() => {
      this.requireLockBucket(bucket);
      return this.core.readable(bucket, key, versionId).info.lock ?? {};
    });
  }

  putObjectRetention(bucket: string, key: string, retention: ObjectRetention | undefined, versionId?: string, bypassGovernance = false): Promise<void> {
    return this.changeLock(bucket, key, versionId, (lock) => {
      checkRetentionChange(lock.retention, retention, bypassGovernance, Date.now());
      const { retention: _old, ...rest } = lock;
      return retention === undefined ? rest : { ...rest, retention };
    });
  }

  putObjectLegalHold(bucket: string, key: string, on: boolean, versionId?: string): Promise<void> {
    return this.changeLock(bucket, key, versionId, (lock) => ({ ...lock, legalHold: on }));
  }

  /** Rewrites the lock in a version's `meta` (it keeps its vid, ETag and segments), in one transaction. */
  private async changeLock(bucket: string, key: string, versionId: string | undefined, change: (lock: ObjectLock) => ObjectLock): Promise<void> {
    this.core.enter();
    validateKey(key);
    await this.core.commit(() => {
      this.requireLockBucket(bucket);
      // the errors of a read first: no key, no such version, a delete marker
      const { info } = this.core.readable(bucket, key, versionId);
      const current = this.core.st.getObject.get(bucket, key);
      // a bucket with Object Lock is versioned: every version read has an id
      const found = this.core.versions.locate(bucket, key, info.versionId ?? "null", current)!;
      this.core.versions.rewriteMeta(found, (meta) => {
        const lock = change(meta.lock ?? {});
        const { lock: _old, ...rest } = meta;
        return lock.retention === undefined && lock.legalHold === undefined ? rest : { ...rest, lock };
      });
      return { result: undefined, discard: [] };
    });
  }

  /** The bucket, which must have Object Lock: AWS answers InvalidRequest for a lock request to one without. */
  private requireLockBucket(bucket: string): void {
    this.core.requireBucket(bucket);
    if (this.core.objectLocks.read(bucket) === undefined) {
      throw new StorageError("INVALID_REQUEST", "the bucket has no Object Lock", s3Message("InvalidRequest", "NoObjectLockConfiguration"));
    }
  }
}
