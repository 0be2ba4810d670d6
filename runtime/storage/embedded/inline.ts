/**
 * Inline segments: a body of at most `inlineLimit` bytes is kept in memory while it streams and
 * stored as a BLOB in the inline_data table, in the same transaction that commits the rows which
 * reference it. Such a write costs no file, no rename, no directory fsync: only its share of one
 * log sync (group-commit.ts, wal-sync.ts), against a file's fdatasync + rename + directory fsync +
 * log sync.
 *
 * Why 64 KiB by default:
 * - Disk: on these machines a durable sequential write runs at ~387 MB/s and one fsync of a small
 *   file costs ~0.3 ms (measured: ~3,200 fdatasync'ed 4 KiB files/s through node:fs). An inline
 *   body is written twice (log, then database file at the next checkpoint, in bulk with the sync
 *   shared by the whole checkpoint): 2 x 64 KiB is ~0.34 ms of bandwidth, about the cost of the
 *   two syncs (file and directory) it saves. Beyond that the file wins, and more so as size grows.
 * - Event loop: SQLite runs on the event loop thread; storing or reading 64 KiB is 16 overflow
 *   pages copied in memory (tens of microseconds), and a GET reads the blob at once.
 * - Memory: a write buffers at most the limit before it spills to a file, so 1,000 concurrent
 *   small writes hold at most 64 MiB.
 * - Multipart: every part but the last is at least 5 MiB (MIN_PART_SIZE), far above the limit, so an
 *   object has at most one inline segment (its last part) and a reader copies at most 64 KiB.
 * The limit only decides where new bodies go; reads go by segment id, so changing it never affects
 * stored data.
 *
 * Segment ids say where the bytes are: a data file's id is 32 hex digits (files.ts); an inline
 * segment's id is "i" and the integer key of its inline_data row. The key is a rowid, so a new row
 * appends at the right edge of the table's b-tree; SQLite may hand out the rowid of a deleted last
 * row again, which is harmless: nothing keeps an inline segment's id once its rows are gone (inline
 * segments are never pinned, their bytes are copied by the reader, see reads.ts resolveRead).
 */
import { MIN_PART_SIZE } from "../types.js";

export const DEFAULT_INLINE_LIMIT = 64 * 1024;

/** The largest inline limit accepted: it must stay below the minimum part size (see above). */
export const MAX_INLINE_LIMIT = 1024 * 1024;
if (MAX_INLINE_LIMIT >= MIN_PART_SIZE) throw new Error("MAX_INLINE_LIMIT must stay below MIN_PART_SIZE");

export const INLINE_ID_PATTERN = /^i[1-9][0-9]*$/;

export function isInlineSegment(id: string): boolean {
  return id.charCodeAt(0) === 0x69; // "i": file ids are hex digits, never "i"
}

export function inlineSegmentId(rowid: number | bigint): string {
  return `i${rowid}`;
}

export function inlineRowId(id: string): number {
  if (!INLINE_ID_PATTERN.test(id)) throw new Error(`not an inline segment id: ${JSON.stringify(id)}`);
  return Number(id.slice(1));
}
