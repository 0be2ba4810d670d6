/**
 * Conversions between metadata rows and the storage domain types of ../types.ts.
 */
import type {
  Acl,
  BodyDigests,
  BucketInfo,
  Checksum,
  ChecksumAlgorithm,
  ObjectLock,
  ObjectInfo,
  ObjectSummary,
  PartInfo,
  SystemMetadata,
  UploadInfo,
} from "../types.js";
import { defaultChecksumType, type ChecksumType } from "./checksum.js";
import type { BucketRow, ObjectRow, PartRow, SummaryRow, UploadRow } from "./statements.js";

const SYSTEM_METADATA_FIELDS = [
  "contentType",
  "contentEncoding",
  "contentLanguage",
  "contentDisposition",
  "cacheControl",
  "expires",
  "websiteRedirectLocation",
] as const satisfies readonly (keyof SystemMetadata)[];

/** JSON in the `meta` column of objects and uploads: what is returned but never queried. */
export interface StoredMeta {
  system: SystemMetadata;
  user: Record<string, string>;
  tags: Record<string, string>;
  /** objects: the object's checksum */
  checksum?: Checksum;
  /**
   * objects made by a multipart upload created without a checksum algorithm: `checksum` is S3's
   * default (CRC64NVME, FULL_OBJECT), which a completion's stated checksum is not checked against
   */
  checksumByDefault?: true;
  /**
   * uploads with a checksum algorithm: how the object's checksum is made. Absent in uploads created
   * before the type could be chosen: those have their algorithm's default (uploadChecksumTypeOf).
   */
  checksumType?: ChecksumType;
  /**
   * objects: the version id of a version written while its bucket's versioning was Enabled
   * (versions.ts); absent: the "null" version (or a bucket never versioned).
   */
  versionId?: string;
  /** objects and uploads: the ACL given at creation or by PutObjectAcl; absent: the default (owner only) */
  acl?: Acl;
  /**
   * objects: the version's retention and legal hold (object-lock.ts); uploads: the ones the
   * CreateMultipartUpload stated, for the version its completion makes. Absent: none.
   */
  lock?: ObjectLock;
}

export function pickSystemMetadata(source: SystemMetadata): SystemMetadata {
  const out: SystemMetadata = {};
  for (const field of SYSTEM_METADATA_FIELDS) {
    const value = source[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/**
 * JSON in the `checksum` column of segments: the body's checksum (a Checksum's fields, absent when
 * it has none) and `crc64nvme`, S3's default checksum of the bytes when it was computed besides
 * one of another algorithm (BodyDigests.defaultChecksum: the parts of an upload created without an
 * algorithm). A column of segments made before `crc64nvme` existed holds a Checksum only.
 */
interface SegmentChecksum extends Partial<Checksum> {
  crc64nvme?: string;
}

export function segmentChecksumJson(digests: BodyDigests): string | null {
  const { checksum, defaultChecksum } = digests;
  const stored: SegmentChecksum = { ...checksum };
  if (defaultChecksum !== undefined && defaultChecksum.algorithm !== checksum?.algorithm) stored.crc64nvme = defaultChecksum.value;
  return stored.algorithm === undefined && stored.crc64nvme === undefined ? null : JSON.stringify(stored);
}

/** A segment's checksum (its body's), from its `checksum` column. */
export function parseChecksum(json: string | null): Checksum | undefined {
  if (json === null) return undefined;
  const { crc64nvme: _, ...checksum } = JSON.parse(json) as SegmentChecksum;
  return checksum.algorithm === undefined ? undefined : (checksum as Checksum);
}

/** A segment's CRC64NVME, S3's default checksum, when it has one (as its checksum or besides). */
export function parseDefaultChecksum(json: string | null): Checksum | undefined {
  if (json === null) return undefined;
  const stored = JSON.parse(json) as SegmentChecksum;
  if (stored.crc64nvme !== undefined) return { algorithm: "CRC64NVME", value: stored.crc64nvme, type: "FULL_OBJECT" };
  return stored.algorithm === "CRC64NVME" ? (stored as Checksum) : undefined;
}

export function toBucketInfo(row: BucketRow): BucketInfo {
  return { name: row.name, owner: row.owner, creationDate: new Date(row.created) };
}

/**
 * The ObjectInfo of each frozen row, made once: the object cache (object-cache.ts) keeps rows
 * frozen and hands the same row to every read of its key, and parsing `meta` again for each GET or
 * HEAD was ~5% of a 4 KiB GET's CPU (warp GET 4 KiB, c=32, one process). What is kept is frozen
 * all the way down; each caller gets a shallow copy, whose own fields it may set, with a Date of
 * its own (freezing a Date does not stop its setters).
 */
const infoOfFrozenRow = new WeakMap<ObjectRow, ObjectInfo>();

export function toObjectInfo(row: ObjectRow): ObjectInfo {
  if (!Object.isFrozen(row)) return buildObjectInfo(row);
  let info = infoOfFrozenRow.get(row);
  if (info === undefined) {
    info = deepFreeze(buildObjectInfo(row));
    infoOfFrozenRow.set(row, info);
  }
  return { ...info, lastModified: new Date(info.lastModified.getTime()) };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !(value instanceof Date) && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * One literal, then the members a row may lack assigned to it. Not a literal that starts with a
 * spread of the stored system metadata: V8 builds such an object member by member through its
 * runtime, ~7 µs here against ~0.3 µs (a microbenchmark of this function on this machine, the JSON
 * parse aside), on every PUT's answer and every read of a row the object cache does not hold yet.
 */
function buildObjectInfo(row: ObjectRow): ObjectInfo {
  const meta = JSON.parse(row.meta) as StoredMeta;
  const info: ObjectInfo = {
    bucket: row.bucket,
    key: row.key,
    size: row.size,
    etag: row.etag,
    lastModified: new Date(row.last_modified),
    storageClass: row.storage_class,
    userMetadata: meta.user,
    tags: meta.tags,
    owner: row.owner,
  };
  // the stored system metadata holds only these fields (pickSystemMetadata made it)
  const system = meta.system;
  for (const field of SYSTEM_METADATA_FIELDS) {
    const value = system[field];
    if (value !== undefined) info[field] = value;
  }
  if (meta.checksum !== undefined) info.checksum = meta.checksum;
  if (meta.acl !== undefined) info.acl = meta.acl;
  if (row.parts_count !== null) info.partsCount = row.parts_count;
  if (meta.lock !== undefined) info.lock = meta.lock;
  return info;
}

export function toObjectSummary(row: SummaryRow): ObjectSummary {
  return {
    key: row.key,
    size: row.size,
    etag: row.etag,
    lastModified: new Date(row.last_modified),
    storageClass: row.storage_class,
    owner: row.owner,
    ...(row.checksum_algorithm !== null && { checksumAlgorithm: row.checksum_algorithm }),
    ...(row.checksum_type !== null && { checksumType: row.checksum_type }),
  };
}

/** The checksum type of an upload's object; undefined when the upload has no checksum algorithm. */
export function uploadChecksumTypeOf(row: UploadRow): ChecksumType | undefined {
  if (row.checksum_algorithm === null) return undefined;
  return checksumTypeOf(row.checksum_algorithm, JSON.parse(row.meta) as StoredMeta);
}

function checksumTypeOf(algorithm: ChecksumAlgorithm, meta: StoredMeta): ChecksumType {
  return meta.checksumType ?? defaultChecksumType(algorithm);
}

export function toUploadInfo(row: UploadRow): UploadInfo {
  const meta = JSON.parse(row.meta) as StoredMeta;
  return {
    bucket: row.bucket,
    key: row.key,
    uploadId: row.upload_id,
    initiated: new Date(row.initiated),
    storageClass: row.storage_class,
    owner: row.owner,
    ...(row.checksum_algorithm !== null && {
      checksumAlgorithm: row.checksum_algorithm,
      checksumType: checksumTypeOf(row.checksum_algorithm, meta),
    }),
    ...(meta.lock !== undefined && { lock: meta.lock }),
  };
}

export function toPartInfo(row: PartRow): PartInfo {
  const checksum = parseChecksum(row.checksum);
  return {
    partNumber: row.part_number,
    size: row.size,
    etag: row.md5.toString("hex"),
    lastModified: new Date(row.created),
    ...(checksum !== undefined && { checksum }),
  };
}
