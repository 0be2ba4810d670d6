/**
 * The embedded store's metadata database: connection settings and schema.
 *
 * Tables (all WITHOUT ROWID: each is read through its primary key, so the table *is* the index):
 *
 *   buckets(name PK, owner, created)
 *   objects((bucket, key) PK, vid, size, etag, ...)   the current version of each key; listing walks
 *                                                     this primary key in UTF-8 byte order
 *   object_segments((vid, seq) PK, segment_id, size)  an object is the ordered list of its segments:
 *                                                     one for a PUT, the parts for a completed upload
 *   segments(id PK, size, md5, checksum, created)     every segment metadata references. A segment's
 *                                                     bytes are either a data file (id: 32 hex
 *                                                     digits; a file under objects/ without a row
 *                                                     here is garbage) or inline in SQLite (id: "i"
 *                                                     and the id of its inline_data row)
 *   inline_data(id INTEGER PK, data)                  the bytes of small segments (inline.ts); keyed
 *                                                     by rowid, so that a new row appends at the
 *                                                     right edge of one b-tree (a TEXT key would add
 *                                                     a random leaf of a second b-tree per write)
 *   uploads(upload_id PK, bucket, key, initiated ...) in-progress multipart uploads, with the index
 *                                                     uploads_by_key (bucket, key, upload_id) for
 *                                                     ListMultipartUploads
 *   parts((upload_id, part_number) PK, segment_id)    uploaded parts; a part's size/etag/checksum are
 *                                                     its segment's
 *   completed_uploads(upload_id PK, bucket, key, vid, parts_hash, completed)
 *                                                     uploads completed in the last 24 hours: the
 *                                                     version each made and a hash of its part list,
 *                                                     so that a retried completion gets the same
 *                                                     answer (store.ts completeMultipartUpload);
 *                                                     indexes by completion time (expiry) and bucket
 *   bucket_tags(bucket PK, tags)                      a bucket's tag set (JSON object), while it has
 *                                                     one; deleted with the bucket
 *   bucket_cors(bucket PK, rules)                     a bucket's CORS rules (JSON array, bucket-cors.ts),
 *                                                     while it has them; deleted with the bucket
 *   bucket_versioning(bucket PK, status, mfa_delete)  a bucket's versioning state, from its first
 *                                                     PutBucketVersioning on; deleted with the bucket
 *   versions((bucket, key, version_id) PK, vid, is_null, delete_marker, size, etag, ...)
 *                                                     the other versions of versioned buckets: every
 *                                                     noncurrent version and every delete marker
 *                                                     (versions.ts), with the partial index
 *                                                     versions_null (bucket, key) of "null" versions
 *   bucket_lifecycle(bucket PK, rules)                a bucket's lifecycle rules (JSON array,
 *                                                     bucket-lifecycle.ts), while it has them;
 *                                                     deleted with the bucket
 *   bucket_policy(bucket PK, policy)                  a bucket's policy document (the JSON text as put,
 *                                                     bucket-policy.ts), while it has one; deleted with
 *                                                     the bucket
 *   bucket_public_access_block(bucket PK, config)     a bucket's public access block (JSON object,
 *                                                     bucket-policy.ts); deleted with the bucket
 *   bucket_access(bucket PK, acl, ownership)          a bucket's ACL (JSON array) and ownership
 *                                                     controls, while either is set (acl.ts);
 *                                                     deleted with the bucket. Object ACLs live in
 *                                                     each version's meta
 *   bucket_object_lock(bucket PK, default_retention) the buckets with Object Lock enabled (object-lock.ts):
 *                                                     a row while it is, with the default retention
 *                                                     (JSON, or NULL: none); deleted with the bucket
 *   store_info(name PK, value)                        schema version bookkeeping, the open lease and
 *                                                     the lifecycle executor's cursor
 *
 * Invariant kept by every transaction in store.ts: a segments row exists exactly while one parts row
 * or one object_segments row references it, and an inline_data row exactly while its segments row
 * exists. `vid` (version id) ties an objects row to its object_segments rows; it is allocated from a
 * counter in the store, which starts above every vid an object_segments or completed_uploads row
 * holds, so a vid is never reused while anything names it (a completed upload's record must never
 * mistake a later version for the one it made).
 *
 * An upload's checksum type (COMPOSITE or FULL_OBJECT) is kept in its `meta` JSON (rows.ts); an
 * upload written before there was one has none there and gets its algorithm's default, which is
 * what such an upload always meant.
 *
 * Versioning (versions.ts). `objects` stays what it was: the current version of each key, unless
 * that is a delete marker. Every other version of a versioned bucket, and every delete marker, is a
 * `versions` row, moved there (its vid, and so its object_segments, unchanged) when a newer version
 * replaces it, and moved back when the version above it is deleted by id. So:
 * - ListObjects(V2), GET and HEAD of the latest read `objects` alone, exactly as before;
 * - a bucket never versioned has no `versions` rows and pays nothing (no extra write, no extra
 *   row); turning versioning on rewrites nothing: the objects already there are its "null"
 *   versions, which is what S3 makes of them;
 * - ListObjectVersions merges two primary-key walks, `objects` from (bucket, key) and `versions`
 *   from (bucket, key, version_id), both in key order: a page costs a seek into each and the rows
 *   it returns, whatever the number of versions in the bucket. (One table holding every version,
 *   current ones included, would make ListObjectVersions one walk but cost every versioned write a
 *   second copy of its row, and turning versioning on a copy of the whole bucket.)
 * A version id is 14 hex digits that count down as vids grow, then 18 random URL-safe characters:
 * byte order within a key is newest first, so `versions`' primary key is the listing order and a
 * version-id marker is a position by itself. A "null" version keeps such an id in version_id for
 * its place (is_null says it answers to "null"); in `objects` the version id lives in `meta`
 * (absent: the "null" version). Delete markers have a vid with no segments: the highest one given
 * is kept in store_info ('marker_vid') so that the vid counter starts above it too.
 *
 * Object Lock (object-lock.ts). The bucket's configuration is a table of its own, like CORS and
 * lifecycle rules: it is read by every write to the bucket (the default retention of the new
 * version) and by nothing else, one point lookup. A version's retention and legal hold are in its
 * `meta` JSON (StoredMeta.lock), not in columns: they belong to the version and must go wherever it
 * goes (`objects` while current, `versions` after), which `meta` already does; they are read only
 * where the row is read anyway (GET/HEAD, a delete by id, the lock requests), never queried by; and
 * a bucket without Object Lock pays nothing. A column pair in both tables would have cost every row
 * of every bucket two more fields and a second copy of the move logic.
 *
 * Keys are TEXT with the BINARY collation in a UTF-8 database: SQLite compares them with memcmp over
 * their UTF-8 bytes, which is S3's listing order.
 */
import Database from "better-sqlite3";

/**
 * Versions, each upgraded in place at open from any earlier one (the DDL below creates the missing
 * tables empty, which is the whole migration; nothing existing is rewritten):
 * 2: inline_data and inline segment ids. A version 1 database has no inline segments. (A build that
 *    reads only version 1 refuses a version 2 database instead of taking inline segments for missing
 *    files.)
 * 3: completed_uploads. An older database has no record of completed uploads, so a retried
 *    completion of an upload completed before the upgrade answers NoSuchUpload, as it did then. (A
 *    build that reads only version 2 refuses a version 3 database: it would not count the records'
 *    vids when it picks new ones, and a record could then name a version it did not make.)
 * 4: bucket_tags. An older database has no bucket tags. (A build that reads only version 3 refuses a
 *    version 4 database: it would delete a bucket without its tags, and a new bucket of that name
 *    would then inherit them.)
 * 5: bucket_cors. An older database has no CORS rules. (A build that reads only version 4 refuses a
 *    version 5 database, for the reason of version 4: a bucket deleted by it would leave its rules
 *    to the next bucket of that name.)
 * 6: bucket_versioning and versions. An older database has no versioned bucket. (A build that reads
 *    only version 5 refuses a version 6 database: it would take a bucket holding only noncurrent
 *    versions for empty, and its vid counter could reuse a delete marker's vid.)
 * 7: bucket_lifecycle. An older database has no lifecycle rules. (A build that reads only version 6
 *    refuses a version 7 database, for the reason of version 4: a bucket deleted by it would leave
 *    its rules to the next bucket of that name, whose objects the executor would then expire.)
 * 8: bucket_policy and bucket_public_access_block. An older database has neither. (A build that
 *    reads only version 7 refuses a version 8 database, for the reason of version 4: a bucket
 *    deleted by it would leave its policy to the next bucket of that name, granting its access.)
 * 9: bucket_access. An older database has no ACLs. (A build that reads only version 8 refuses a
 *    version 9 database, for the reason of version 4: a bucket deleted by it would leave its ACL,
 *    public-read perhaps, to the next bucket of that name. It would also ignore the ACLs in objects'
 *    meta, which only makes them private again.)
 * 10: bucket_object_lock. An older database has no bucket with Object Lock, and so no version with a
 *    lock. (A build that reads only version 9 refuses a version 10 database: it would delete locked
 *    versions and suspend versioning of a locked bucket.)
 */
export const SCHEMA_VERSION = 10;

const DDL = `
CREATE TABLE IF NOT EXISTS store_info (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS buckets (
  name    TEXT    NOT NULL COLLATE BINARY PRIMARY KEY,
  owner   TEXT    NOT NULL,
  created INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS objects (
  bucket             TEXT    NOT NULL COLLATE BINARY,
  key                TEXT    NOT NULL COLLATE BINARY,
  vid                INTEGER NOT NULL,
  size               INTEGER NOT NULL,
  etag               TEXT    NOT NULL,
  last_modified      INTEGER NOT NULL,
  storage_class      TEXT    NOT NULL,
  owner              TEXT    NOT NULL,
  checksum_algorithm TEXT,
  parts_count        INTEGER,
  meta               TEXT    NOT NULL,
  PRIMARY KEY (bucket, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS object_segments (
  vid        INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  segment_id TEXT    NOT NULL,
  size       INTEGER NOT NULL,
  PRIMARY KEY (vid, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS segments (
  id       TEXT    NOT NULL PRIMARY KEY,
  size     INTEGER NOT NULL,
  md5      BLOB    NOT NULL,
  checksum TEXT,
  created  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS inline_data (
  id    INTEGER PRIMARY KEY,
  data  BLOB    NOT NULL
);

CREATE TABLE IF NOT EXISTS uploads (
  upload_id          TEXT    NOT NULL PRIMARY KEY,
  bucket             TEXT    NOT NULL COLLATE BINARY,
  key                TEXT    NOT NULL COLLATE BINARY,
  initiated          INTEGER NOT NULL,
  storage_class      TEXT    NOT NULL,
  owner              TEXT    NOT NULL,
  checksum_algorithm TEXT,
  meta               TEXT    NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, upload_id);

CREATE TABLE IF NOT EXISTS parts (
  upload_id   TEXT    NOT NULL,
  part_number INTEGER NOT NULL,
  segment_id  TEXT    NOT NULL,
  PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS completed_uploads (
  upload_id  TEXT    NOT NULL PRIMARY KEY,
  bucket     TEXT    NOT NULL COLLATE BINARY,
  key        TEXT    NOT NULL COLLATE BINARY,
  vid        INTEGER NOT NULL,
  parts_hash BLOB    NOT NULL,
  completed  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS completed_uploads_by_time ON completed_uploads (completed);
CREATE INDEX IF NOT EXISTS completed_uploads_by_bucket ON completed_uploads (bucket);

CREATE TABLE IF NOT EXISTS bucket_tags (
  bucket TEXT NOT NULL COLLATE BINARY PRIMARY KEY,
  tags   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bucket_cors (
  bucket TEXT NOT NULL COLLATE BINARY PRIMARY KEY,
  rules  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bucket_versioning (
  bucket     TEXT NOT NULL COLLATE BINARY PRIMARY KEY,
  status     TEXT NOT NULL,
  mfa_delete TEXT
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS versions (
  bucket             TEXT    NOT NULL COLLATE BINARY,
  key                TEXT    NOT NULL COLLATE BINARY,
  version_id         TEXT    NOT NULL COLLATE BINARY,
  vid                INTEGER NOT NULL,
  is_null            INTEGER NOT NULL,
  delete_marker      INTEGER NOT NULL,
  size               INTEGER NOT NULL,
  etag               TEXT    NOT NULL,
  last_modified      INTEGER NOT NULL,
  storage_class      TEXT    NOT NULL,
  owner              TEXT    NOT NULL,
  checksum_algorithm TEXT,
  parts_count        INTEGER,
  meta               TEXT    NOT NULL,
  PRIMARY KEY (bucket, key, version_id)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS versions_null ON versions (bucket, key) WHERE is_null = 1;

CREATE TABLE IF NOT EXISTS bucket_lifecycle (
  bucket TEXT NOT NULL COLLATE BINARY PRIMARY KEY,
  rules  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bucket_policy (
  bucket TEXT NOT NULL COLLATE BINARY PRIMARY KEY,
  policy TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bucket_public_access_block (
  bucket TEXT NOT NULL COLLATE BINARY PRIMARY KEY,
  config TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bucket_access (
  bucket    TEXT NOT NULL COLLATE BINARY PRIMARY KEY,
  acl       TEXT,
  ownership TEXT
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bucket_object_lock (
  bucket            TEXT NOT NULL COLLATE BINARY PRIMARY KEY,
  default_retention TEXT
) WITHOUT ROWID;
`;

/**
 * Opens (creating if needed) the metadata database, owned exclusively by this process.
 *
 * - journal_mode=WAL: a commit appends to the write-ahead log instead of rewriting pages in place.
 * - synchronous=NORMAL, with the commit made durable by the store, off the event loop (wal-sync.ts):
 *   in WAL mode NORMAL means that SQLite does not fsync the log at commit; it fsyncs the log before
 *   every checkpoint copies log frames into the database file, fsyncs the database file after the
 *   checkpoint, and fsyncs a new log header when the log starts over. So NORMAL alone is consistent
 *   after a power loss but not durable: the last commits may be rolled back. The store closes that
 *   gap itself: after each commit it fdatasyncs the -wal file through a descriptor of its own (on
 *   the libuv thread pool, so the event loop keeps serving while the disk works), and it
 *   acknowledges the commit's writers, unlinks the files the commit dropped and returns anything a
 *   reader saw only after that fdatasync, begun after the commit's writes returned, has completed.
 *   That is the very sync FULL would issue inside COMMIT (same file, same frames; SQLite pads
 *   nothing here either, the unix VFS declares powersafe overwrite), only issued by us and shared by
 *   every commit made before it started. See wal-sync.ts for the full argument.
 *   Under FULL, better-sqlite3's COMMIT would block the event loop for one fsync per transaction.
 *   SQLite's own checkpoints (about one per 1000 log pages) would still sync inside a COMMIT, so
 *   they are off (wal_autocheckpoint=0) and the store runs them itself (checkpoint.ts).
 * - locking_mode=EXCLUSIVE: the first write takes a lock that is kept until close. A second process
 *   opening the same data directory fails at once instead of sharing it; that matters because start-
 *   up recovery deletes files no row references, which would destroy another live process's
 *   uploads. The lock is an fcntl lock, released by the kernel when the process dies (kill -9).
 *   Exclusive mode also means the WAL index lives in heap memory, not a shared-memory file, and that
 *   the -wal file is never deleted or replaced while the connection is open (SQLite unlinks it only
 *   when the last connection closes or the journal mode changes), so the store's descriptor on it
 *   stays valid until close.
 */
export function openDatabase(path: string): Database.Database {
  // timeout 0: nobody else may hold the lock, so waiting for it would only delay the error
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal") throw new Error(`could not switch ${path} to WAL mode (got ${String(mode)})`);
    db.pragma("synchronous = NORMAL");
    // keep the log from growing without bound after a burst of writes
    db.pragma("journal_size_limit = 67108864");
    // no checkpoint inside a COMMIT: the store runs them, with their fsyncs off the event loop
    // (checkpoint.ts)
    db.pragma("wal_autocheckpoint = 0");
    db.exec(DDL);
    const version = db.prepare("SELECT value FROM store_info WHERE name = 'schema_version'").pluck().get() as
      | string
      | undefined;
    if (version === undefined) {
      db.prepare("INSERT INTO store_info (name, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    } else if (Number(version) >= 1 && Number(version) < SCHEMA_VERSION) {
      // the DDL above created the missing tables (inline_data, completed_uploads, bucket_tags,
      // bucket_cors, bucket_versioning, versions, bucket_lifecycle, bucket_policy,
      // bucket_public_access_block, bucket_access, bucket_object_lock), empty: that is the whole upgrade
      db.prepare("UPDATE store_info SET value = ? WHERE name = 'schema_version'").run(String(SCHEMA_VERSION));
    } else if (Number(version) !== SCHEMA_VERSION) {
      throw new Error(`${path} has schema version ${version}; this build reads version ${SCHEMA_VERSION}`);
    }
    // A write in every open, so the exclusive lock is taken now, before recovery touches any file.
    db.prepare("INSERT OR REPLACE INTO store_info (name, value) VALUES ('last_open', ?)").run(
      new Date().toISOString(),
    );
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === "SQLITE_BUSY") {
      throw new Error(`the data directory's database ${path} is in use by another process`, { cause: err });
    }
    throw err;
  }
}
