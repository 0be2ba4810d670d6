/**
 * Listing with prefix / delimiter / marker over an index ordered by key, the way S3 lists.
 *
 * Order: S3 lists keys in UTF-8 binary order. The metadata keeps keys as TEXT in a UTF-8 database
 * with the BINARY collation, which SQLite compares with memcmp over the UTF-8 bytes: exactly S3's
 * order, and the (bucket, key) primary key serves it directly. JavaScript's own string order (UTF-16
 * code units) differs for characters above U+FFFF against U+E000..U+FFFF, so every comparison made
 * here goes through compareUtf8.
 *
 * Delimiter: when a key rolls up into a common prefix, the prefix is returned once and the scan
 * jumps past every key that starts with it with one index seek to the prefix's successor (the
 * smallest string greater than all strings with that prefix). A bucket of a million keys under
 * three "directories" is listed in a handful of seeks, not a million row visits.
 */
import { compareUtf8 } from "../keys.js";

/**
 * The smallest string greater than every string that starts with `prefix`, in code point order
 * (which UTF-8 byte order preserves): the prefix with its last code point incremented, skipping the
 * surrogate range (no valid key contains a surrogate). Trailing U+10FFFF code points cannot be
 * incremented and are dropped first. Undefined when no such string exists (the prefix is empty or
 * all U+10FFFF): the range then extends to the end of the key space.
 */
export function prefixSuccessor(prefix: string): string | undefined {
  const cps = Array.from(prefix);
  while (cps.length > 0) {
    const last = cps.pop()!.codePointAt(0)!;
    if (last === 0x10ffff) continue;
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return cps.join("") + String.fromCodePoint(next);
  }
  return undefined;
}

/** The smallest string strictly greater than `s` in byte order: `s` followed by U+0000. */
export function immediateSuccessor(s: string): string {
  return s + "\u0000";
}

/** A position in an index ordered by (key, id): id orders entries of the same key (upload ids). */
export interface Position {
  key: string;
  id: string;
}

export function comparePositions(a: Position, b: Position): number {
  return compareUtf8(a.key, b.key) || compareUtf8(a.id, b.id);
}

export interface ListingRequest<Row extends { key: string }> {
  prefix: string;
  /** empty or undefined: no grouping */
  delimiter?: string;
  /**
   * Inclusive lower bound of the scan (already derived from the marker). Entries before it are not
   * returned, nor is a common prefix that sorts at or before `markerKey`.
   */
  lower: Position;
  /** the marker key: a common prefix <= it was returned on an earlier page (or lies before it) */
  markerKey?: string;
  /** how many entries (rows + common prefixes) to return */
  max: number;
  /**
   * Rows in (key, id) order with position >= lower and key < upperKey (when given), at most
   * `limit` of them. The iterator may be abandoned early (return() is called).
   */
  scan(lower: Position, upperKey: string | undefined, limit: number): Iterable<Row>;
}

export type ListingEntry<Row> = { row: Row; prefix?: undefined } | { row?: undefined; prefix: string };

export interface ListingPage<Row> {
  entries: ListingEntry<Row>[];
  /** exact: true only when at least one more entry exists after the returned ones */
  truncated: boolean;
}

export interface ListingCounters {
  /** index seeks (scan calls) */
  seeks: number;
  /** rows read from the index */
  rowsVisited: number;
}

export function listEntries<Row extends { key: string }>(
  req: ListingRequest<Row>,
  counters: ListingCounters,
): ListingPage<Row> {
  // S3 answers max-keys=0 with an empty, untruncated page (ceph s3-tests
  // test_bucket_list_maxkeys_zero, which also passes against AWS).
  if (req.max <= 0) return { entries: [], truncated: false };
  const delimiter = req.delimiter ? req.delimiter : undefined;
  const upperKey = req.prefix === "" ? undefined : prefixSuccessor(req.prefix);
  const want = req.max + 1; // one more than asked, to know whether the page is truncated
  const entries: ListingEntry<Row>[] = [];
  let lower: Position | undefined = req.lower;
  // A marker inside a common prefix (a key "a/b/c" or the prefix "a/" itself, as returned for
  // NextMarker): every key under that prefix rolls up into it, and it sorts at or before the
  // marker, so it was already returned. Start after all of it instead of visiting its keys.
  if (delimiter !== undefined && req.markerKey !== undefined && req.markerKey.startsWith(req.prefix)) {
    const at = req.markerKey.indexOf(delimiter, req.prefix.length);
    if (at >= 0) {
      const successor = prefixSuccessor(req.markerKey.slice(0, at + delimiter.length));
      if (successor === undefined) return { entries: [], truncated: false };
      const pastMarkerPrefix: Position = { key: successor, id: "" };
      if (comparePositions(pastMarkerPrefix, lower) > 0) lower = pastMarkerPrefix;
    }
  }

  while (lower !== undefined && entries.length < want) {
    let restartAt: Position | undefined;
    let exhausted = true;
    counters.seeks++;
    for (const row of req.scan(lower, upperKey, want - entries.length)) {
      counters.rowsVisited++;
      if (delimiter !== undefined) {
        const at = row.key.indexOf(delimiter, req.prefix.length);
        if (at >= 0) {
          const commonPrefix = row.key.slice(0, at + delimiter.length);
          if (req.markerKey === undefined || compareUtf8(commonPrefix, req.markerKey) > 0) {
            entries.push({ prefix: commonPrefix });
          }
          const successor = prefixSuccessor(commonPrefix);
          restartAt = successor === undefined ? undefined : { key: successor, id: "" };
          exhausted = successor === undefined;
          break;
        }
      }
      entries.push({ row });
      if (entries.length >= want) {
        exhausted = false;
        break;
      }
    }
    if (exhausted || restartAt === undefined) break;
    lower = restartAt;
  }

  const truncated = entries.length > req.max;
  if (truncated) entries.length = req.max;
  return { entries, truncated };
}

/**
 * The inclusive scan start: the later of the prefix itself and `fromMarker`, the first position
 * after the marker (derived by the caller, e.g. the marker key followed by U+0000).
 */
export function lowerBound(prefix: string, fromMarker: Position | undefined): Position {
  const fromPrefix: Position = { key: prefix, id: "" };
  if (fromMarker === undefined) return fromPrefix;
  return comparePositions(fromMarker, fromPrefix) >= 0 ? fromMarker : fromPrefix;
}
