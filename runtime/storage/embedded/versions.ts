/**
 * S3 versioning on the embedded store ("Using versioning in S3 buckets", Amazon S3 User Guide):
 * the bucket's state, which version a request means, what a write or a delete does to the versions
 * of a key, and the version listing. The layout and its reasons are in schema.ts's header; in
 * short, `objects` holds the current version of each key unless that is a delete marker, and
 * `versions` every other version and every delete marker of versioned buckets.
 *
 * Every method here runs inside the store's transaction (store.ts commit) or read (observe), on
 * the event loop, with point lookups and bounded range scans only.
 *
 * S3's rules, as this file keeps them:
 * - A bucket is unversioned until its first PutBucketVersioning, then Enabled or Suspended for
 *   good. Objects written before versioning was enabled are "null" versions.
 * - Enabled: a write makes a new version with a new id, the previous current version becomes
 *   noncurrent; a delete without a version id adds a delete marker (new id) as the latest.
 * - Suspended: a write or a delete-without-id makes the "null" version (a delete marker in the
 *   latter case), replacing any earlier "null" version of the key; versions with ids are kept.
 * - A delete with a version id removes exactly that version (a delete marker too); when it was the
 *   latest, the next newest becomes the latest (current again if it is not a delete marker). A
 *   version that does not exist is deleted successfully (S3 is idempotent here).
 * - A delete marker has no data: GET/HEAD of a key whose latest version is one answer 404 with
 *   x-amz-delete-marker; naming it by id answers 405.
 */
import { randomBytes } from "node:crypto";

import type Database from "better-sqlite3";

import { compareUtf8 } from "../keys.js";
import { checkVersionIdForm, isVersionId } from "../version-ids.js";
import {
  StorageError,
  type BucketVersioning,
  type DeleteOutcome,
  type ListVersionsParams,
  type ListVersionsResult,
  type VersionSummary,
} from "../types.js";
import { immediateSuccessor, listEntries, lowerBound, type ListingCounters, type Position } from "./listing.js";
import { RowCache } from "./row-cache.js";
import type { StoredMeta } from "./rows.js";
import { CHECKSUM_TYPE_COLUMN, type ObjectRow, type Statements, type SummaryRow } from "./statements.js";

export type VersioningStatus = "Enabled" | "Suspended";

/** A `versions` row: an object row plus its place and kind. */
export interface VersionRow extends ObjectRow {
  version_id: string;
  is_null: number;
  delete_marker: number;
}

/** A version as a request names it, found in `objects` (current) or `versions`. */
export interface LocatedVersion {
  row: ObjectRow;
  /** the id as S3 shows it: "null" or a 32-character id */
  versionId: string;
  deleteMarker: boolean;
  current: boolean;
}

/** What the store lends this module inside a transaction. */
export interface VersionHooks {
  /** deletes the current version's rows (objects, object_segments, segments); returns its files */
  dropCurrent(row: ObjectRow): string[];
  /** deletes a version's segments and object_segments rows; its files go to `discard` */
  dropSegments(vid: number, discard: string[]): void;
  /** the next vid of the store's counter */
  nextVid(): number;
  /** the current row of a key (`objects`), through the store's object cache (object-cache.ts) */
  currentRow(bucket: string, key: string): Readonly<ObjectRow> | undefined;
}

/**
 * Vids count up from 1; 2^53 - vid counts down, so its 14 fixed-width hex digits sort newest first.
 * JavaScript integers are exact up to 2^53, far beyond any vid.
 */
const VID_SPACE = 2 ** 53;

/**
 * A new version id for `vid`: 32 URL-safe characters, as S3's are. The first 14 order versions newest
 * first (by the store's vid counter, never by the clock: two writes in one millisecond still order);
 * the random rest keeps ids of different stores or of a restored backup from meaning the same thing.
 */
export function versionIdOf(vid: number): string {
  return (VID_SPACE - vid).toString(16).padStart(14, "0") + randomBytes(14).toString("base64url").slice(0, 18);
}

function metaOf(row: ObjectRow): StoredMeta {
  return JSON.parse(row.meta) as StoredMeta;
}

/** The version id of a current (`objects`) row; undefined: it is the "null" version. */
function currentIdOf(row: ObjectRow): string | undefined {
  return metaOf(row).versionId;
}

const MARKER_META = JSON.stringify({ system: {}, user: {}, tags: {} } satisfies StoredMeta);

/** A listed row, from either table; `id` is its position within the key ("" for the current row). */
interface ListedRow {
  key: string;
  id: string;
  shown: string;
  marker: boolean;
  size: number;
  etag: string;
  last_modified: number;
  storage_class: string;
  owner: string;
  checksum_algorithm: ObjectRow["checksum_algorithm"];
  checksum_type: SummaryRow["checksum_type"];
}

/** Rows fetched per seek of a merged listing at first; doubled while a walk goes on. */
const FIRST_CHUNK = 16;

export class Versions {
  private readonly q;
  /** the bucket_versioning rows, read by every object read and write (row-cache.ts) */
  private readonly statuses: RowCache<{ status: VersioningStatus; mfa_delete: "Enabled" | "Disabled" | null }>;

  constructor(
    db: Database.Database,
    private readonly st: Statements,
    private readonly hooks: VersionHooks,
  ) {
    const versionColumns = `bucket, key, version_id, vid, is_null, delete_marker, size, etag, last_modified,
                            storage_class, owner, checksum_algorithm, parts_count, meta`;
    const listColumns = `key, version_id, is_null, delete_marker, size, etag, last_modified, storage_class, owner, checksum_algorithm,
                         ${CHECKSUM_TYPE_COLUMN}`;
    const currentColumns = `key, size, etag, last_modified, storage_class, owner, checksum_algorithm, ${CHECKSUM_TYPE_COLUMN},
                            json_extract(meta, '$.versionId') AS version_id`;
    this.q = {
      getStatus: db.prepare<[string], { status: VersioningStatus; mfa_delete: "Enabled" | "Disabled" | null }>(
        "SELECT status, mfa_delete FROM bucket_versioning WHERE bucket = ?",
      ),
      putStatus: db.prepare<[string, string, string | null]>(
        "INSERT OR REPLACE INTO bucket_versioning (bucket, status, mfa_delete) VALUES (?, ?, ?)",
      ),
      deleteStatus: db.prepare<[string]>("DELETE FROM bucket_versioning WHERE bucket = ?"),
      anyVersion: db.prepare<[string], 1>("SELECT 1 FROM versions WHERE bucket = ? LIMIT 1").pluck(),
      byId: db.prepare<[string, string, string], VersionRow>(`SELECT ${versionColumns} FROM versions WHERE bucket = ? AND key = ? AND version_id = ?`),
      nullOf: db.prepare<[string, string], VersionRow>(`SELECT ${versionColumns} FROM versions WHERE bucket = ? AND key = ? AND is_null = 1`),
      newest: db.prepare<[string, string], VersionRow>(
        `SELECT ${versionColumns} FROM versions WHERE bucket = ? AND key = ? ORDER BY version_id LIMIT 1`,
      ),
      newerThan: db.prepare<[string, string, string], 1>(
        "SELECT 1 FROM versions WHERE bucket = ? AND key = ? AND version_id < ? LIMIT 1",
      ).pluck(),
      insert: db.prepare<[string, string, string, number, number, number, number, string, number, string, string, string | null, number | null, string]>(
        `INSERT INTO versions (${versionColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      remove: db.prepare<[string, string, string]>("DELETE FROM versions WHERE bucket = ? AND key = ? AND version_id = ?"),
      updateMeta: db.prepare<[string, string, string, string]>("UPDATE versions SET meta = ? WHERE bucket = ? AND key = ? AND version_id = ?"),
      noteMarkerVid: db.prepare<[string]>("INSERT OR REPLACE INTO store_info (name, value) VALUES ('marker_vid', ?)"),
      page: db.prepare<[string, string, string, number], VersionListRow>(
        `SELECT ${listColumns} FROM versions WHERE bucket = ? AND (key, version_id) >= (?, ?) ORDER BY key, version_id LIMIT ?`,
      ),
      pageBounded: db.prepare<[string, string, string, string, number], VersionListRow>(
        `SELECT ${listColumns} FROM versions WHERE bucket = ? AND (key, version_id) >= (?, ?) AND key < ?
         ORDER BY key, version_id LIMIT ?`,
      ),
      currentPage: db.prepare<[string, string, number], CurrentListRow>(
        `SELECT ${currentColumns} FROM objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT ?`,
      ),
      currentPageBounded: db.prepare<[string, string, string, number], CurrentListRow>(
        `SELECT ${currentColumns} FROM objects WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`,
      ),
    };
    this.statuses = new RowCache(db, "bucket_versioning", (bucket) => this.q.getStatus.get(bucket));
  }

  // ------------------------------------------------------------ bucket state

  status(bucket: string): VersioningStatus | undefined {
    return this.statuses.get(bucket)?.status;
  }

  configuration(bucket: string): BucketVersioning {
    const row = this.statuses.get(bucket);
    if (row === undefined) return {};
    return { status: row.status, ...(row.mfa_delete !== null && { mfaDelete: row.mfa_delete }) };
  }

  setStatus(bucket: string, status: VersioningStatus, mfaDelete: "Disabled" | undefined): void {
    // An MFA-delete setting stays as it was unless the request states one.
    const mfa = mfaDelete ?? this.q.getStatus.get(bucket)?.mfa_delete ?? null;
    this.q.putStatus.run(bucket, status, mfa);
  }

  /** true while the bucket holds any noncurrent version or delete marker (it is not empty then). */
  hasVersions(bucket: string): boolean {
    return this.q.anyVersion.get(bucket) !== undefined;
  }

  forgetBucket(bucket: string): void {
    this.q.deleteStatus.run(bucket);
  }

  /** The id S3 shows for a current row in a bucket in `state` (none in a bucket never versioned). */
  shownId(state: VersioningStatus | undefined, row: ObjectRow): string | undefined {
    return state === undefined ? undefined : (currentIdOf(row) ?? "null");
  }

  // ------------------------------------------------------------ which version

  /**
   * The version a read means: the current one without an id (KEY_NOT_FOUND, with the marker's id
   * when the latest is a delete marker), else the one named (VERSION_NOT_FOUND, or
   * METHOD_NOT_ALLOWED for a delete marker). In a bucket never versioned only "null" exists.
   */
  readable(bucket: string, key: string, versionId: string | undefined): { row: ObjectRow; versionId?: string } {
    const state = this.status(bucket);
    const current = this.hooks.currentRow(bucket, key);
    if (versionId === undefined) {
      if (current !== undefined) return { row: current, versionId: this.shownId(state, current) };
      const newest = state === undefined ? undefined : this.q.newest.get(bucket, key);
      if (newest !== undefined && newest.delete_marker === 1) {
        throw new StorageError("KEY_NOT_FOUND", undefined, undefined, undefined, { versionId: shownOf(newest), deleteMarker: true });
      }
      throw new StorageError("KEY_NOT_FOUND");
    }
    if (state === undefined) {
      checkVersionIdForm(versionId);
      if (versionId !== "null") throw new StorageError("VERSION_NOT_FOUND", undefined, undefined, undefined, { versionId });
      if (current === undefined) throw new StorageError("KEY_NOT_FOUND");
      return { row: current };
    }
    const found = this.locate(bucket, key, versionId, current);
    if (found === undefined) throw new StorageError("VERSION_NOT_FOUND", undefined, undefined, undefined, { versionId });
    if (found.deleteMarker) {
      const lastModified = found.row.last_modified;
      throw new StorageError("METHOD_NOT_ALLOWED", undefined, undefined, undefined, { versionId, deleteMarker: true, lastModified });
    }
    return { row: found.row, versionId };
  }

  /** The version named `versionId` ("null" included), current or not; undefined when there is none. */
  locate(bucket: string, key: string, versionId: string, current: ObjectRow | undefined): LocatedVersion | undefined {
    checkVersionIdForm(versionId);
    const currentId = current === undefined ? undefined : (currentIdOf(current) ?? "null");
    if (current !== undefined && currentId === versionId) return { row: current, versionId, deleteMarker: false, current: true };
    const row = versionId === "null" ? this.q.nullOf.get(bucket, key) : this.q.byId.get(bucket, key, versionId);
    if (row === undefined) return undefined;
    return { row, versionId, deleteMarker: row.delete_marker === 1, current: false };
  }

  /** Replaces the tag set (in `meta`) of a located version. */
  /** Replaces fields of a version's meta (its tags, its ACL): nothing else of the version changes. */
  setMeta(found: LocatedVersion, change: Partial<StoredMeta>): void {
    this.rewriteMeta(found, (meta) => ({ ...meta, ...change }));
  }

  /** Rewrites the `meta` of a located version (tags, ACL, lock: what a version carries but is not its data). */
  rewriteMeta(found: LocatedVersion, change: (meta: StoredMeta) => StoredMeta): void {
    const meta = JSON.stringify(change(metaOf(found.row)));
    if (found.current) this.st.updateObjectMeta.run(meta, found.row.bucket, found.row.key);
    else this.q.updateMeta.run(meta, found.row.bucket, found.row.key, (found.row as VersionRow).version_id);
  }

  // ------------------------------------------------------------ writes

  /**
   * Makes room for a new current version of `key` (PUT, copy, completed upload) in a bucket in
   * `state`; the caller then inserts it (a versioned one, with an id, when Enabled). Returns the
   * files of versions it dropped (the "null" version a suspended bucket's write replaces).
   */
  beforeWrite(state: VersioningStatus, bucket: string, key: string, current: ObjectRow | undefined): string[] {
    const discard: string[] = [];
    if (state === "Enabled") {
      if (current !== undefined) this.demote(current);
      return discard;
    }
    if (current !== undefined) {
      if (currentIdOf(current) === undefined) discard.push(...this.hooks.dropCurrent(current));
      else this.demote(current);
    }
    this.dropNoncurrentNull(bucket, key, discard);
    return discard;
  }

  /**
   * DeleteObject without a version id in a versioned bucket: a delete marker becomes the latest
   * version, whether or not the key had any (S3 adds one all the same).
   */
  deleteLatest(
    state: VersioningStatus,
    bucket: string,
    key: string,
    owner: string,
    current: ObjectRow | undefined,
  ): { outcome: DeleteOutcome; discard: string[] } {
    // the same room as a write makes: the marker is the new latest version
    const discard = this.beforeWrite(state, bucket, key, current);
    const vid = this.hooks.nextVid();
    const id = versionIdOf(vid);
    const isNull = state === "Suspended";
    this.q.insert.run(bucket, key, id, vid, isNull ? 1 : 0, 1, 0, "", Date.now(), "STANDARD", owner, null, null, MARKER_META);
    // A marker has no segments: the vid counter must still start above it after a restart (schema.ts).
    this.q.noteMarkerVid.run(String(vid));
    return { outcome: { versionId: isNull ? "null" : id, deleteMarker: true }, discard };
  }

  /**
   * DeleteObject with a version id in a versioned bucket: removes that version for good; if it was
   * the latest, the next newest becomes the latest. A version that does not exist: nothing to do.
   */
  deleteVersion(bucket: string, key: string, versionId: string, current: ObjectRow | undefined): { outcome: DeleteOutcome; discard: string[] } {
    const found = this.locate(bucket, key, versionId, current);
    const discard: string[] = [];
    if (found === undefined) return { outcome: { versionId }, discard };
    if (found.current) {
      discard.push(...this.hooks.dropCurrent(found.row));
    } else {
      const row = found.row as VersionRow;
      this.q.remove.run(bucket, key, row.version_id);
      if (row.delete_marker === 0) this.hooks.dropSegments(row.vid, discard);
    }
    if (found.current || current === undefined) this.promoteNewest(bucket, key);
    return { outcome: { versionId, ...(found.deleteMarker && { deleteMarker: true }) }, discard };
  }

  /** Moves the current row into `versions` (its vid and segments unchanged). */
  private demote(current: ObjectRow): void {
    const id = currentIdOf(current);
    const r = current;
    this.q.insert.run(
      r.bucket, r.key, id ?? versionIdOf(r.vid), r.vid, id === undefined ? 1 : 0, 0,
      r.size, r.etag, r.last_modified, r.storage_class, r.owner, r.checksum_algorithm, r.parts_count, r.meta,
    );
    this.st.deleteObject.run(r.bucket, r.key);
  }

  /** The key has no current row: its newest version becomes current unless it is a delete marker. */
  private promoteNewest(bucket: string, key: string): void {
    const newest = this.q.newest.get(bucket, key);
    if (newest === undefined || newest.delete_marker === 1) return;
    this.q.remove.run(bucket, key, newest.version_id);
    const meta = metaOf(newest);
    if (newest.is_null === 1) delete meta.versionId;
    else meta.versionId = newest.version_id;
    const r = newest;
    this.st.insertObject.run(
      r.bucket, r.key, r.vid, r.size, r.etag, r.last_modified, r.storage_class, r.owner, r.checksum_algorithm, r.parts_count, JSON.stringify(meta),
    );
  }

  private dropNoncurrentNull(bucket: string, key: string, discard: string[]): void {
    const old = this.q.nullOf.get(bucket, key);
    if (old === undefined) return;
    this.q.remove.run(bucket, key, old.version_id);
    if (old.delete_marker === 0) this.hooks.dropSegments(old.vid, discard);
  }

  // ------------------------------------------------------------ listing

  /**
   * ListObjectVersions: the current rows and the `versions` rows of the bucket merged by (key,
   * position), the current row first within its key (it is the newest). listing.ts does prefix,
   * delimiter (one seek past each common prefix) and max-keys; each seek here reads a small chunk
   * of each table and more only as the page needs it.
   */
  list(params: ListVersionsParams, counters: ListingCounters): ListVersionsResult {
    const { bucket } = params;
    const prefix = params.prefix ?? "";
    const fromMarker = this.markerPosition(bucket, params.keyMarker, params.versionIdMarker);
    const lower = lowerBound(prefix, fromMarker);
    const page = listEntries<ListedRow>(
      {
        prefix,
        delimiter: params.delimiter,
        lower,
        markerKey: params.keyMarker,
        max: params.maxKeys,
        scan: (from, upperKey, limit) => this.merged(bucket, from, upperKey, limit),
      },
      counters,
    );
    const result: ListVersionsResult = { versions: [], commonPrefixes: [], isTruncated: page.truncated };
    // IsLatest: the first row of a key is its latest, unless the page starts inside that key after
    // a version-id marker (then a newer row came before it, unless the marker's versions are gone).
    let previousKey: string | undefined;
    for (const entry of page.entries) {
      if (entry.prefix !== undefined) {
        result.commonPrefixes.push(entry.prefix);
        previousKey = undefined;
        continue;
      }
      const row = entry.row;
      let isLatest = row.key !== previousKey;
      if (isLatest && row.id !== "" && row.key === lower.key && lower.id !== "") {
        isLatest = this.st.getObject.get(bucket, row.key) === undefined && this.q.newerThan.get(bucket, row.key, row.id) === undefined;
      }
      previousKey = row.key;
      result.versions.push(summaryOf(row, isLatest));
    }
    if (page.truncated) {
      const last = page.entries[page.entries.length - 1];
      if (last.prefix !== undefined) {
        result.nextKeyMarker = last.prefix;
      } else {
        result.nextKeyMarker = last.row.key;
        result.nextVersionIdMarker = last.row.shown;
      }
    }
    return result;
  }

  /**
   * The first position after (keyMarker, versionIdMarker). A version id of this store is a position
   * by itself (its order within the key is in its characters), even when that version is gone;
   * "null" is looked up. Without a version-id marker, or with one this store cannot have made or a
   * "null" the key does not have, the listing goes on after the whole key.
   */
  private markerPosition(bucket: string, keyMarker: string | undefined, versionIdMarker: string | undefined): Position | undefined {
    if (keyMarker === undefined) return undefined;
    const afterKey: Position = { key: immediateSuccessor(keyMarker), id: "" };
    if (versionIdMarker === undefined || versionIdMarker === "") return afterKey;
    if (isVersionId(versionIdMarker)) return { key: keyMarker, id: immediateSuccessor(versionIdMarker) };
    if (versionIdMarker !== "null") return afterKey;
    const current = this.st.getObject.get(bucket, keyMarker);
    if (current !== undefined && currentIdOf(current) === undefined) return { key: keyMarker, id: immediateSuccessor("") };
    const old = this.q.nullOf.get(bucket, keyMarker);
    return old === undefined ? afterKey : { key: keyMarker, id: immediateSuccessor(old.version_id) };
  }

  /** Rows of both tables at or after `from` (and before `upperKey`), in (key, position) order. */
  private *merged(bucket: string, from: Position, upperKey: string | undefined, limit: number): Generator<ListedRow> {
    // the current row of a key sits at position "" of that key
    const currents = chunks<CurrentListRow>(
      from.id === "" ? from.key : immediateSuccessor(from.key),
      "",
      limit,
      (key, _id, n) =>
        upperKey === undefined ? this.q.currentPage.all(bucket, key, n) : this.q.currentPageBounded.all(bucket, key, upperKey, n),
      (row) => ({ key: immediateSuccessor(row.key), id: "" }),
    );
    const others = chunks<VersionListRow>(
      from.key,
      from.id,
      limit,
      (key, id, n) => (upperKey === undefined ? this.q.page.all(bucket, key, id, n) : this.q.pageBounded.all(bucket, key, id, upperKey, n)),
      (row) => ({ key: row.key, id: immediateSuccessor(row.version_id) }),
    );
    let a = currents.next();
    let b = others.next();
    for (let n = 0; n < limit && !(a.done && b.done); n++) {
      if (!a.done && (b.done || compareUtf8(a.value.key, b.value.key) <= 0)) {
        yield fromCurrent(a.value);
        a = currents.next();
      } else if (!b.done) {
        yield fromVersion(b.value);
        b = others.next();
      }
    }
  }
}

type VersionListRow = Pick<
  VersionRow,
  "key" | "version_id" | "is_null" | "delete_marker" | "size" | "etag" | "last_modified" | "storage_class" | "owner" | "checksum_algorithm"
> & { checksum_type: SummaryRow["checksum_type"] };

type CurrentListRow = Omit<VersionListRow, "version_id" | "is_null" | "delete_marker"> & { version_id: string | null };

/**
 * Rows of one table from (key, id) on, fetched `FIRST_CHUNK` at a time at first and twice as many
 * each time after, never more than `limit` in all: a listing that stops early (a common prefix, a
 * full page) has read little, one that goes on pays one seek per chunk.
 */
function* chunks<Row>(
  key: string,
  id: string,
  limit: number,
  fetch: (key: string, id: string, n: number) => Row[],
  after: (row: Row) => Position,
): Generator<Row> {
  let at: Position = { key, id };
  let size = Math.min(FIRST_CHUNK, limit);
  let left = limit;
  while (left > 0) {
    const rows = fetch(at.key, at.id, Math.min(size, left));
    yield* rows;
    if (rows.length < Math.min(size, left)) return;
    left -= rows.length;
    at = after(rows[rows.length - 1]);
    size *= 2;
  }
}

function shownOf(row: Pick<VersionRow, "is_null" | "version_id">): string {
  return row.is_null === 1 ? "null" : row.version_id;
}

// Both build the same object shape field by field: a spread of the row costs several times more
// per row (a page is up to 1001 of them).
function fromCurrent(row: CurrentListRow): ListedRow {
  return {
    key: row.key,
    id: "",
    shown: row.version_id ?? "null",
    marker: false,
    size: row.size,
    etag: row.etag,
    last_modified: row.last_modified,
    storage_class: row.storage_class,
    owner: row.owner,
    checksum_algorithm: row.checksum_algorithm,
    checksum_type: row.checksum_type,
  };
}

function fromVersion(row: VersionListRow): ListedRow {
  return {
    key: row.key,
    id: row.version_id,
    shown: shownOf(row),
    marker: row.delete_marker === 1,
    size: row.size,
    etag: row.etag,
    last_modified: row.last_modified,
    storage_class: row.storage_class,
    owner: row.owner,
    checksum_algorithm: row.checksum_algorithm,
    checksum_type: row.checksum_type,
  };
}

function summaryOf(row: ListedRow, isLatest: boolean): VersionSummary {
  return {
    key: row.key,
    versionId: row.shown,
    isLatest,
    deleteMarker: row.marker,
    size: row.size,
    etag: row.etag,
    lastModified: new Date(row.last_modified),
    storageClass: row.storage_class,
    owner: row.owner,
    ...(row.checksum_algorithm !== null && { checksumAlgorithm: row.checksum_algorithm }),
    ...(row.checksum_type !== null && { checksumType: row.checksum_type }),
  };
}
