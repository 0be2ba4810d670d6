/**
 * The embedded local-disk store: the zero-set-up default storage backend.
 *
 *   store.ts           StorageClient implementation; the write protocol and durability argument
 *   schema.ts          SQLite settings (WAL, synchronous=FULL, exclusive lock) and tables
 *   statements.ts      prepared statements and row shapes; rows.ts maps rows to domain types
 *   files.ts           segment files: layout, durable write (temp, fsync, rename, dir fsync)
 *   recovery.ts        start-up cleanup of what a crash leaves
 *   pins.ts            keeps a reader's segments alive across overwrite/delete
 *   segment-stream.ts  streams a byte range across segments, one file descriptor at a time
 *   listing.ts         prefix/delimiter/marker listing by index seeks in UTF-8 byte order
 *   checksum.ts        multipart object checksums from part checksums
 */
import { EmbeddedStore, type EmbeddedStoreOptions } from "./store.js";

export { EmbeddedStore, type EmbeddedStoreOptions, type EmbeddedStoreStats, type StoreLogger } from "./store.js";

/**
 * Opens the store in `dataDir` (created if missing), after recovering from any crash: leftovers of
 * interrupted writes are removed before the first request is served. Only one process at a time can
 * open a data directory.
 */
export function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  return EmbeddedStore.open(options);
}
