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
 *   segments(id PK, size, md5, checksum, created)     every data file metadata references; a file
 *                                                     under objects/ without a row here is garbage
 *   uploads(upload_id PK, bucket, key, initiated ...) in-progress multipart uploads, with the index
 *                                                     uploads_by_key (bucket, key, upload_id) for
 *                                                     ListMultipartUploads
 *   parts((upload_id, part_number) PK, segment_id)    uploaded parts; a part's size/etag/checksum are
 *                                                     its segment's
 *   store_info(name PK, value)                        schema version bookkeeping and the open lease
 *
 * Invariant kept by every transaction in store.ts: a segments row exists exactly while one parts row
 * or one object_segments row references it. `vid` (version id) ties an objects row to its
 * object_segments rows; it is allocated from a counter in the store (never reused while in use).
 *
 * Keys are TEXT with the BINARY collation in a UTF-8 database: SQLite compares them with memcmp over
 * their UTF-8 bytes, which is S3's listing order.
 */
import Database from "better-sqlite3";

export const SCHEMA_VERSION = 1;

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
`;

/**
 * Opens (creating if needed) the metadata database, owned exclusively by this process.
 *
 * - journal_mode=WAL: a commit appends to the write-ahead log instead of rewriting pages in place.
 * - synchronous=FULL: in WAL mode this fsyncs the log at every commit, so a transaction is on disk
 *   when commit returns, and an acknowledged write survives power loss, not only kill -9. NORMAL
 *   would fsync only at checkpoints: safe against a process crash (the OS holds the log) but a power
 *   loss could roll back the last commits. That would lose acknowledged writes and also break the
 *   store's consistency, because after a commit that replaced an object the old version's files are
 *   unlinked: a rolled-back commit would bring back rows whose files are gone. (better-sqlite3 is
 *   built with WAL's default at NORMAL, so FULL must be set explicitly.)
 * - locking_mode=EXCLUSIVE: the first write takes a lock that is kept until close. A second process
 *   opening the same data directory fails at once instead of sharing it; that matters because start-
 *   up recovery deletes files no row references, which would destroy another live process's
 *   uploads. The lock is an fcntl lock, released by the kernel when the process dies (kill -9).
 *   Exclusive mode also means the WAL index lives in heap memory, not a shared-memory file.
 */
export function openDatabase(path: string): Database.Database {
  // timeout 0: nobody else may hold the lock, so waiting for it would only delay the error
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal") throw new Error(`could not switch ${path} to WAL mode (got ${String(mode)})`);
    db.pragma("synchronous = FULL");
    // keep the log from growing without bound after a burst of writes
    db.pragma("journal_size_limit = 67108864");
    db.exec(DDL);
    const version = db.prepare("SELECT value FROM store_info WHERE name = 'schema_version'").pluck().get() as
      | string
      | undefined;
    if (version === undefined) {
      db.prepare("INSERT INTO store_info (name, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
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
