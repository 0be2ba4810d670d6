/**
 * The embedded local-disk store: the zero-set-up default storage backend.
 *
 *   store.ts           StorageClient implementation; the write protocol; buckets
 *   puts.ts            PutObject (and its two halves for worker processes)
 *   reads.ts           HeadObject, GetObject, GetObjectAttributes, ListObjects
 *   deletes.ts         DeleteObject, DeleteObjects
 *   object-meta.ts     object tags and object ACLs (rewrites of a version's meta)
 *   bucket-versioning.ts  Get/PutBucketVersioning, ListObjectVersions (versions.ts: the rules)
 *   schema.ts          SQLite settings (WAL, synchronous=NORMAL, exclusive lock) and tables
 *   wal-sync.ts        commits made durable off the event loop; the durability argument
 *   group-commit.ts    concurrent writes share one transaction, directory fsyncs and log sync
 *   statements.ts      prepared statements and row shapes; rows.ts maps rows to domain types
 *   files.ts           receiving a body: in memory up to the inline limit, else a segment file
 *                      (layout, durable write: temp, fsync, rename, dir fsync)
 *   inline.ts          small bodies stored in SQLite: the limit and why, inline segment ids
 *   recovery.ts        start-up cleanup of what a crash leaves
 *   modes.ts           0600 files, 0700 directories, whatever the umask; older data dirs narrowed
 *   pins.ts            keeps a reader's segments alive across overwrite/delete
 *   segment-stream.ts  streams a byte range across segments, one file descriptor at a time
 *   read-plan.ts       a read as resolve-and-pin (where the database is) then plan-and-stream
 *   listing.ts         prefix/delimiter/marker listing by index seeks in UTF-8 byte order
 *   acl.ts             a bucket's ACL and ownership controls (object ACLs are in each version's meta)
 *   checksum.ts        multipart object checksums from part checksums (COMPOSITE, or FULL_OBJECT
 *                      CRCs combined), checksum types, expected-checksum comparison
 */
import { EmbeddedStore, type EmbeddedStoreOptions } from "./store.js";

export { EmbeddedStore, type EmbeddedStoreOptions, type EmbeddedStoreStats, type PartTarget, type StoreLogger, type WorkerFiles } from "./store.js";

/**
 * Opens the store in `dataDir` (created if missing), after recovering from any crash: leftovers of
 * interrupted writes are removed before the first request is served. Only one process at a time can
 * open a data directory.
 */
export function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  return EmbeddedStore.open(options);
}
