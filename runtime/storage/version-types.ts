/**
 * Deletes and version listings in the storage interface (runtime/storage/types.ts re-exports them):
 * what a delete did, its conditions, the entries of a batch delete, and ListObjectVersions' pages.
 */
import type { ObjectSummary, StorageError } from "./types.js";

/** What a delete did, in a versioned bucket (nothing to say in a bucket never versioned). */
export interface DeleteOutcome {
  /** the version removed (a delete by version id), or the delete marker made */
  versionId?: string;
  /** a delete marker was made, or the version removed was one */
  deleteMarker?: boolean;
}

/**
 * A conditional delete's conditions (S3's If-Match, x-amz-if-match-last-modified-time,
 * x-amz-if-match-size): all given must hold for the key's current version, checked in the same
 * transaction as the delete. No current version: KEY_NOT_FOUND; one not matching:
 * PRECONDITION_FAILED.
 */
export interface DeleteCondition {
  /** an ETag (quoted or not), or `*` (any current version) */
  ifMatch?: string;
  /** compared to the second, as an HTTP date carries it */
  lastModified?: Date;
  size?: number;
}

/** One entry of deleteObjects: a key, or one version of it. */
export interface ObjectToDelete {
  key: string;
  versionId?: string;
  condition?: DeleteCondition;
  /** as deleteObject's `bypassGovernance`, for this entry: the caller's permission is decided per object */
  bypassGovernance?: boolean;
}

export interface DeleteObjectResult extends DeleteOutcome {
  key: string;
  /** the version id the entry named */
  requestedVersionId?: string;
  error?: StorageError;
}

export interface ListVersionsParams {
  bucket: string;
  prefix?: string;
  delimiter?: string;
  /** without versionIdMarker: versions of keys after this one */
  keyMarker?: string;
  /** with keyMarker: versions of keyMarker older than this one, then of the keys after it */
  versionIdMarker?: string;
  maxKeys: number;
}

/** One version (or delete marker) in a version listing. */
export interface VersionSummary extends ObjectSummary {
  versionId: string;
  isLatest: boolean;
  /** a delete marker: size, etag and storage class mean nothing */
  deleteMarker: boolean;
}

export interface ListVersionsResult {
  versions: VersionSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** when truncated: resume with these as keyMarker and versionIdMarker */
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}
