/**
 * The objects a GET or HEAD reads most, kept in memory: the current row of recently read keys
 * (`objects`, absent ones too) and the segment list of recently read versions, with the bytes of
 * their inline segments. With both kept, a GET of a small object runs no SQLite statement.
 *
 * Why: three statements (the row, its segments, the inline bytes) cost 40-50 µs of a 4 KiB GET's
 * ~255 µs of CPU in the gateway, more than in a tight loop: between two requests the HTTP work
 * evicts SQLite's code and pages from the CPU caches, and SQLite reads an inline body's overflow
 * page with a pread(2) of its own, past its page cache. Measured (`bench/cpu put4k get4k`, one
 * process, three interleaved pairs): 250-258 µs of CPU per GET before, 206-218 with this cache;
 * warp GET 4 KiB through one process +8-10% at c=32, +8-17% at c=4.
 *
 * Exactness, as row-cache.ts (one connection, locking_mode=EXCLUSIVE, schema.ts), but per key:
 * - temporary triggers on `objects` tell this cache of every INSERT, UPDATE or DELETE of a row,
 *   whatever statement made it, and the row's key is forgotten; those on `object_segments` forget
 *   the version (vid) whose segments changed;
 * - an entry is only ever added outside a transaction, so it is committed state, and it stays until
 *   a change to its rows drops it, before any later read; a change inside a transaction that then
 *   rolls back only leaves a miss behind;
 * - a version's segments are written once, in the transaction that creates the version (vids are
 *   never given twice while the store is open, store-core.ts), and its inline bytes are deleted
 *   only with its `object_segments` rows (store-core.ts dropSegments), whose trigger drops the entry.
 * The store's durability rule is kept by its callers: a hit is returned through the same
 * observeObject() wait as a read from SQLite (store-core.ts).
 *
 * Bounded: at most MAX_ROWS keys and MAX_VERSIONS versions holding at most MAX_INLINE_BYTES of
 * inline bytes, none more than MAX_VERSION_INLINE_BYTES; beyond, the entries kept longest are
 * dropped first. Entries are frozen: callers
 * share them (a cached inline Buffer goes to the socket as it is; nothing writes into it).
 */
import type Database from "better-sqlite3";

import { objectKeyId } from "../keys.js";
import type { ObjectRow } from "./statements.js";

/** A version's segment, in object order; `data` holds an inline segment's bytes. */
export interface CachedSegment {
  readonly id: string;
  readonly size: number;
  readonly data?: Buffer;
}

/** keys whose current row (or its absence) is kept at most */
export const MAX_ROWS = 20_000;
/** versions whose segment list is kept at most */
export const MAX_VERSIONS = 20_000;
/** inline bytes kept at most, over all versions */
export const MAX_INLINE_BYTES = 16 * 1024 * 1024;
/**
 * A version with more inline bytes than this is read from SQLite every time: for a larger body the
 * statements weigh less against the rest of its GET, and holding many large buffers made the
 * primary slower (warp mixed, 64 KiB objects, two workers: -5 to -9% with versions of up to 64 KiB
 * kept, par with this bound).
 */
export const MAX_VERSION_INLINE_BYTES = 16 * 1024;

/** caches made in this process, for unique function and trigger names */
let caches = 0;

export class ObjectCache {
  /** `bucket\0key` -> the current row, or null: no current row */
  private readonly rows = new Map<string, Readonly<ObjectRow> | null>();
  /** vid -> its segments */
  private readonly versions = new Map<number, ReadonlyArray<CachedSegment>>();
  /** inline bytes held by `versions` */
  private inlineBytes = 0;
  /** hits and misses, for tests */
  readonly stats = { rowHits: 0, rowMisses: 0, segmentHits: 0, segmentMisses: 0 };
  /** hears of every change of a key's row (`bucket\0key`), inside its transaction (read-leases.ts) */
  onRowChanged: (id: string) => void = () => {};

  constructor(
    private readonly db: Database.Database,
    private readonly limits = { rows: MAX_ROWS, versions: MAX_VERSIONS, inlineBytes: MAX_INLINE_BYTES, versionBytes: MAX_VERSION_INLINE_BYTES },
  ) {
    const n = ++caches;
    const rowFn = `s3g_objcache${n}_row`;
    const vidFn = `s3g_objcache${n}_vid`;
    db.function(rowFn, { deterministic: false }, (bucket: unknown, key: unknown) => {
      const id = objectKeyId(String(bucket), String(key));
      this.rows.delete(id);
      this.onRowChanged(id);
      return null;
    });
    db.function(vidFn, { deterministic: false }, (vid: unknown) => {
      this.forgetVersion(Number(vid));
      return null;
    });
    const watch = (table: string, fn: string, columns: string[]): void => {
      const args = (row: "NEW" | "OLD") => columns.map((c) => `${row}.${c}`).join(", ");
      db.exec(`CREATE TEMP TRIGGER ${fn}_insert AFTER INSERT ON main.${table} BEGIN SELECT ${fn}(${args("NEW")}); END`);
      db.exec(`CREATE TEMP TRIGGER ${fn}_delete AFTER DELETE ON main.${table} BEGIN SELECT ${fn}(${args("OLD")}); END`);
      db.exec(
        `CREATE TEMP TRIGGER ${fn}_update AFTER UPDATE ON main.${table} BEGIN SELECT ${fn}(${args("OLD")}), ${fn}(${args("NEW")}); END`,
      );
    };
    watch("objects", rowFn, ["bucket", "key"]);
    watch("object_segments", vidFn, ["vid"]);
  }

  /** The current row of `bucket`/`key`, from memory or from `load` (which then is kept). */
  current(bucket: string, key: string, load: () => ObjectRow | undefined): Readonly<ObjectRow> | undefined {
    const k = objectKeyId(bucket, key);
    const hit = this.rows.get(k);
    if (hit !== undefined) {
      this.stats.rowHits++;
      return hit ?? undefined;
    }
    this.stats.rowMisses++;
    const row = load();
    const frozen = row === undefined ? null : Object.freeze(row);
    if (!this.db.inTransaction) {
      if (this.rows.size >= this.limits.rows) this.rows.delete(this.rows.keys().next().value!);
      this.rows.set(k, frozen);
    }
    return frozen ?? undefined;
  }

  /** The segments of version `vid`, from memory or from `load` (kept unless too large). */
  segments(vid: number, load: () => CachedSegment[]): ReadonlyArray<CachedSegment> {
    const hit = this.versions.get(vid);
    if (hit !== undefined) {
      this.stats.segmentHits++;
      return hit;
    }
    this.stats.segmentMisses++;
    const segments = load();
    for (const s of segments) Object.freeze(s);
    Object.freeze(segments);
    if (!this.db.inTransaction) {
      const bytes = inlineBytesOf(segments);
      if (bytes <= this.limits.versionBytes && bytes <= this.limits.inlineBytes) {
        while (this.versions.size > 0 && (this.versions.size >= this.limits.versions || this.inlineBytes + bytes > this.limits.inlineBytes)) {
          this.forgetVersion(this.versions.keys().next().value!);
        }
        this.versions.set(vid, segments);
        this.inlineBytes += bytes;
      }
    }
    return segments;
  }

  /** entries held now (tests) */
  get size(): { rows: number; versions: number; inlineBytes: number } {
    return { rows: this.rows.size, versions: this.versions.size, inlineBytes: this.inlineBytes };
  }

  private forgetVersion(vid: number): void {
    const kept = this.versions.get(vid);
    if (kept === undefined) return;
    this.versions.delete(vid);
    this.inlineBytes -= inlineBytesOf(kept);
  }
}

function inlineBytesOf(segments: ReadonlyArray<CachedSegment>): number {
  let bytes = 0;
  for (const s of segments) if (s.data !== undefined) bytes += s.data.length;
  return bytes;
}
