/**
 * The embedded store's prepared statements (created once per open) and the row shapes they return.
 * Every statement is a point lookup or a range scan on a primary key or index (see schema.ts).
 */
import type Database from "better-sqlite3";

import type { Checksum, ChecksumAlgorithm } from "../types.js";

export interface BucketRow {
  name: string;
  owner: string;
  created: number;
}

export interface ObjectRow {
  bucket: string;
  key: string;
  vid: number;
  size: number;
  etag: string;
  last_modified: number;
  storage_class: string;
  owner: string;
  checksum_algorithm: ChecksumAlgorithm | null;
  parts_count: number | null;
  meta: string;
}

export type SummaryRow = Pick<
  ObjectRow,
  "key" | "size" | "etag" | "last_modified" | "storage_class" | "owner" | "checksum_algorithm"
> & { checksum_type: Checksum["type"] | null };

/**
 * A listed object's checksum type, for rows of `objects` and `versions`: none without a checksum;
 * FULL_OBJECT for an object written whole (PutObject, CopyObject); a multipart object's from its
 * meta (COMPOSITE or FULL_OBJECT, as its upload chose), so the JSON is read for those rows only.
 */
export const CHECKSUM_TYPE_COLUMN = `CASE WHEN checksum_algorithm IS NULL THEN NULL WHEN parts_count IS NULL THEN 'FULL_OBJECT'
  ELSE json_extract(meta, '$.checksum.type') END AS checksum_type`;

export interface SegmentRefRow {
  segment_id: string;
  size: number;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated: number;
  storage_class: string;
  owner: string;
  checksum_algorithm: ChecksumAlgorithm | null;
  meta: string;
}

export interface PartRow {
  part_number: number;
  segment_id: string;
  size: number;
  md5: Buffer;
  checksum: string | null;
  created: number;
}

export interface CompletedUploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  vid: number;
  parts_hash: Buffer;
  completed: number;
}

export function prepareStatements(db: Database.Database) {
  const objectSummaryColumns = `key, size, etag, last_modified, storage_class, owner, checksum_algorithm, ${CHECKSUM_TYPE_COLUMN}`;
  const uploadColumns = "upload_id, bucket, key, initiated, storage_class, owner, checksum_algorithm, meta";
  const partColumns = "p.part_number, p.segment_id, s.size, s.md5, s.checksum, s.created";
  return {
    getBucket: db.prepare<[string], BucketRow>("SELECT name, owner, created FROM buckets WHERE name = ?"),
    listBuckets: db.prepare<[], BucketRow>("SELECT name, owner, created FROM buckets ORDER BY name"),
    insertBucket: db.prepare<[string, string, number]>("INSERT INTO buckets (name, owner, created) VALUES (?, ?, ?)"),
    deleteBucket: db.prepare<[string]>("DELETE FROM buckets WHERE name = ?"),
    anyObjectInBucket: db.prepare<[string], 1>("SELECT 1 FROM objects WHERE bucket = ? LIMIT 1").pluck(),
    uploadIdsOfBucket: db.prepare<[string], string>("SELECT upload_id FROM uploads WHERE bucket = ?").pluck(),

    getBucketTags: db.prepare<[string], string>("SELECT tags FROM bucket_tags WHERE bucket = ?").pluck(),
    putBucketTags: db.prepare<[string, string]>("INSERT OR REPLACE INTO bucket_tags (bucket, tags) VALUES (?, ?)"),
    deleteBucketTags: db.prepare<[string]>("DELETE FROM bucket_tags WHERE bucket = ?"),

    getObject: db.prepare<[string, string], ObjectRow>("SELECT * FROM objects WHERE bucket = ? AND key = ?"),
    /** the `meta` JSON of the current version (tags live there), nothing else of the row changes */
    updateObjectMeta: db.prepare<[string, string, string]>("UPDATE objects SET meta = ? WHERE bucket = ? AND key = ?"),
    insertObject: db.prepare<
      [string, string, number, number, string, number, string, string, string | null, number | null, string]
    >(
      `INSERT INTO objects (bucket, key, vid, size, etag, last_modified, storage_class, owner,
                            checksum_algorithm, parts_count, meta)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteObject: db.prepare<[string, string]>("DELETE FROM objects WHERE bucket = ? AND key = ?"),
    listObjects: db.prepare<[string, string, number], SummaryRow>(
      `SELECT ${objectSummaryColumns} FROM objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT ?`,
    ),
    listObjectsBounded: db.prepare<[string, string, string, number], SummaryRow>(
      `SELECT ${objectSummaryColumns} FROM objects WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`,
    ),

    segmentsOfVersion: db.prepare<[number], SegmentRefRow>(
      "SELECT segment_id, size FROM object_segments WHERE vid = ? ORDER BY seq",
    ),
    insertObjectSegment: db.prepare<[number, number, string, number]>(
      "INSERT INTO object_segments (vid, seq, segment_id, size) VALUES (?, ?, ?, ?)",
    ),
    deleteObjectSegments: db.prepare<[number]>("DELETE FROM object_segments WHERE vid = ?"),
    /**
     * the highest vid anything names: a version's segments, a completed upload's record, or a
     * delete marker (which has no segments; versions.ts notes the last one given in store_info)
     */
    maxVersionId: db.prepare<[], number | null>(
      `SELECT max(coalesce((SELECT max(vid) FROM object_segments), 0),
                  coalesce((SELECT max(vid) FROM completed_uploads), 0),
                  coalesce((SELECT CAST(value AS INTEGER) FROM store_info WHERE name = 'marker_vid'), 0))`,
    ).pluck(),

    insertSegment: db.prepare<[string, number, Buffer, string | null, number]>(
      "INSERT INTO segments (id, size, md5, checksum, created) VALUES (?, ?, ?, ?, ?)",
    ),
    deleteSegment: db.prepare<[string]>("DELETE FROM segments WHERE id = ?"),

    insertInlineData: db.prepare<[Buffer]>("INSERT INTO inline_data (data) VALUES (?)"),
    deleteInlineData: db.prepare<[number]>("DELETE FROM inline_data WHERE id = ?"),
    /** bytes [start, start + length) of an inline segment (substr counts BLOB bytes from 1) */
    inlineSlice: db.prepare<[number, number, number], Buffer>(
      "SELECT substr(data, ? + 1, ?) FROM inline_data WHERE id = ?",
    ).pluck(),

    getUpload: db.prepare<[string], UploadRow>(`SELECT ${uploadColumns} FROM uploads WHERE upload_id = ?`),
    insertUpload: db.prepare<[string, string, string, number, string, string, string | null, string]>(
      `INSERT INTO uploads (upload_id, bucket, key, initiated, storage_class, owner, checksum_algorithm, meta)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteUpload: db.prepare<[string]>("DELETE FROM uploads WHERE upload_id = ?"),
    listUploads: db.prepare<[string, string, string, number], UploadRow>(
      `SELECT ${uploadColumns} FROM uploads
       WHERE bucket = ? AND (key, upload_id) >= (?, ?) ORDER BY key, upload_id LIMIT ?`,
    ),
    listUploadsBounded: db.prepare<[string, string, string, string, number], UploadRow>(
      `SELECT ${uploadColumns} FROM uploads
       WHERE bucket = ? AND (key, upload_id) >= (?, ?) AND key < ? ORDER BY key, upload_id LIMIT ?`,
    ),

    getPart: db.prepare<[string, number], PartRow>(
      `SELECT ${partColumns} FROM parts p JOIN segments s ON s.id = p.segment_id
       WHERE p.upload_id = ? AND p.part_number = ?`,
    ),
    partsOfUpload: db.prepare<[string], PartRow>(
      `SELECT ${partColumns} FROM parts p JOIN segments s ON s.id = p.segment_id
       WHERE p.upload_id = ? ORDER BY p.part_number`,
    ),
    partsPage: db.prepare<[string, number, number], PartRow>(
      `SELECT ${partColumns} FROM parts p JOIN segments s ON s.id = p.segment_id
       WHERE p.upload_id = ? AND p.part_number > ? ORDER BY p.part_number LIMIT ?`,
    ),
    segmentIdsOfUpload: db.prepare<[string], string>("SELECT segment_id FROM parts WHERE upload_id = ?").pluck(),
    upsertPart: db.prepare<[string, number, string]>(
      "INSERT OR REPLACE INTO parts (upload_id, part_number, segment_id) VALUES (?, ?, ?)",
    ),
    deletePartsOfUpload: db.prepare<[string]>("DELETE FROM parts WHERE upload_id = ?"),

    getCompletedUpload: db.prepare<[string], CompletedUploadRow>(
      "SELECT upload_id, bucket, key, vid, parts_hash, completed FROM completed_uploads WHERE upload_id = ?",
    ),
    insertCompletedUpload: db.prepare<[string, string, string, number, Buffer, number]>(
      `INSERT INTO completed_uploads (upload_id, bucket, key, vid, parts_hash, completed)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    deleteCompletedUploadsOfBucket: db.prepare<[string]>("DELETE FROM completed_uploads WHERE bucket = ?"),
    /** at most `limit` records completed before the cutoff, oldest first (a bounded share of work) */
    deleteExpiredCompletedUploads: db.prepare<[number, number]>(
      `DELETE FROM completed_uploads WHERE upload_id IN
         (SELECT upload_id FROM completed_uploads WHERE completed < ? ORDER BY completed LIMIT ?)`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

