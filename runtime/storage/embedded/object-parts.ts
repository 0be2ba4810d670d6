/**
 * The parts of a completed multipart object, for GetObjectAttributes (a page of them, with sizes and
 * checksums) and for a GET or HEAD of one part (its checksum). An object's parts are its
 * object_segments rows (schema.ts): `seq` is the part's 0-based position in the completed object, so
 * part number N is seq N - 1, the numbering GET ?partNumber= uses (read-plan.ts partOf). A part's
 * checksum is its segment's, kept since its UploadPart.
 *
 * Every statement is a range scan or a point lookup on object_segments' primary key (vid, seq), each
 * row joined to its segments row by primary key: a page costs its own size, whatever the part count.
 */
import type Database from "better-sqlite3";

import { StorageError, type Checksum, type ObjectAttributesResult, type ObjectPartEntry } from "../types.js";
import { parseChecksum } from "./rows.js";
import type { ObjectRow } from "./statements.js";

interface PartRow {
  seq: number;
  size: number;
  checksum: string | null;
}

export function prepareObjectPartStatements(db: Database.Database) {
  const joined = "FROM object_segments os JOIN segments s ON s.id = os.segment_id";
  return {
    /** parts from 0-based position `seq` on, at most `limit` */
    partsFrom: db.prepare<[number, number, number], PartRow>(
      `SELECT os.seq, os.size, s.checksum ${joined} WHERE os.vid = ? AND os.seq >= ? ORDER BY os.seq LIMIT ?`,
    ),
    partChecksum: db.prepare<[number, number], string | null>(`SELECT s.checksum ${joined} WHERE os.vid = ? AND os.seq = ?`).pluck(),
  };
}

export type ObjectPartStatements = ReturnType<typeof prepareObjectPartStatements>;

function toEntry(row: PartRow): ObjectPartEntry {
  const checksum = parseChecksum(row.checksum);
  return { partNumber: row.seq + 1, size: row.size, ...(checksum !== undefined && { checksum }) };
}

/** The parts after `partNumberMarker`, at most `maxParts`; undefined for an object of a single PUT. */
export function objectPartsPage(
  st: ObjectPartStatements,
  row: ObjectRow,
  partNumberMarker: number,
  maxParts: number,
): ObjectAttributesResult["parts"] {
  for (const [name, value] of [["partNumberMarker", partNumberMarker], ["maxParts", maxParts]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new StorageError("INVALID_ARGUMENT", `${name} must be a non-negative integer`);
  }
  if (row.parts_count === null) return undefined;
  // one row more than asked for tells whether the page is the last
  const rows = st.partsFrom.all(row.vid, partNumberMarker, maxParts + 1);
  const isTruncated = rows.length > maxParts;
  const parts = rows.slice(0, maxParts).map(toEntry);
  const last = parts[parts.length - 1];
  return { parts, isTruncated, ...(isTruncated && last !== undefined && { nextPartNumberMarker: last.partNumber }) };
}

/** The stored checksum of part `partNumber` of a multipart object (none for a single PUT's object or a part out of range). */
export function storedPartChecksum(st: ObjectPartStatements, row: ObjectRow, partNumber: number): Checksum | undefined {
  if (row.parts_count === null || !Number.isInteger(partNumber) || partNumber < 1 || partNumber > row.parts_count) return undefined;
  return parseChecksum(st.partChecksum.get(row.vid, partNumber - 1) ?? null);
}
