/**
 * The embedded store's options, counters and worker settings (store.ts), apart from the store so
 * that it stays one file of operations.
 */
import type { StoreLogger } from "./store-core.js";

export interface EmbeddedStoreOptions {
  /** directory owned by the store; created if missing */
  dataDir: string;
  logger?: StoreLogger;
  /**
   * Bodies of at most this many bytes are stored inline in SQLite instead of in a file (inline.ts
   * says why 64 KiB, the default). 0 sends every non-empty body to a file.
   */
  inlineLimit?: number;
  /** false: every body is written through the page cache, none around it (segment-sinks.ts); default true */
  directWrites?: boolean;
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
  /** fdatasync calls on the log */
  walSyncs: number;
  /** checkpoints of the metadata log completed (checkpoint.ts) */
  checkpoints: number;
  /** reads answered from the object cache (object-cache.ts) and from SQLite */
  objectCache: { rowHits: number; rowMisses: number; segmentHits: number; segmentMisses: number };
}

/** What a worker process receives bodies with (attachWorker). */
export interface WorkerFiles {
  dataDir: string;
  /** the worker's own directory under tmp/ */
  tmpDir: string;
  chmodFiles: boolean;
  directWrites: boolean;
  inlineLimit: number;
}
