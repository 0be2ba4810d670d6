/**
 * The one place where storage failures become S3 errors. Both engines (embedded, Ozone) speak
 * StorageErrorKind; the S3 vocabulary stays out of them.
 */
import { S3Error, type S3ErrorCode } from "../errors.js";
import { StorageError, type StorageErrorKind } from "./types.js";

const S3_CODE_OF: Record<StorageErrorKind, S3ErrorCode> = {
  BUCKET_NOT_FOUND: "NoSuchBucket",
  BUCKET_NOT_EMPTY: "BucketNotEmpty",
  BUCKET_ALREADY_EXISTS: "BucketAlreadyExists",
  BUCKET_ALREADY_OWNED: "BucketAlreadyOwnedByYou",
  KEY_NOT_FOUND: "NoSuchKey",
  VERSION_NOT_FOUND: "NoSuchVersion",
  METHOD_NOT_ALLOWED: "MethodNotAllowed",
  UPLOAD_NOT_FOUND: "NoSuchUpload",
  INVALID_PART: "InvalidPart",
  INVALID_PART_ORDER: "InvalidPartOrder",
  ENTITY_TOO_SMALL: "EntityTooSmall",
  INVALID_PART_NUMBER: "InvalidPartNumber",
  PRECONDITION_FAILED: "PreconditionFailed",
  BAD_DIGEST: "BadDigest",
  CONFLICT: "ConditionalRequestConflict",
  INVALID_ARGUMENT: "InvalidArgument",
  INVALID_REQUEST: "InvalidRequest",
  INVALID_BUCKET_STATE: "InvalidBucketState",
  NOT_SUPPORTED: "NotImplemented",
  QUOTA_EXCEEDED: "QuotaExceeded",
  ACCESS_DENIED: "AccessDenied",
  UNAVAILABLE: "ServiceUnavailable",
};

/**
 * The S3 error for a storage failure; other errors pass through unchanged. A part-list failure names
 * the part as AWS's InvalidPart does (<PartNumber> and <ETag> after <UploadId>).
 */
export function toS3Error(err: unknown): unknown {
  if (err instanceof StorageError) {
    const fields: Record<string, string | number> = err.part ? { PartNumber: err.part.partNumber, ETag: err.part.etag } : {};
    const headers: Record<string, string> = {};
    const detail = err.detail;
    if (detail !== undefined) {
      // AWS names the version asked for in <VersionId> of NoSuchVersion; a delete marker (the
      // latest version of a key, or one read by its id) is named in headers ("GetObject",
      // "HeadObject": x-amz-delete-marker, x-amz-version-id; a marker read by its id, 405, with
      // its Last-Modified). A 405 must also say what the resource allows (RFC 9110 section
      // 15.5.6): a delete marker can only be deleted.
      if (err.kind === "VERSION_NOT_FOUND") fields.VersionId = detail.versionId;
      if (detail.deleteMarker === true) {
        headers["x-amz-delete-marker"] = "true";
        headers["x-amz-version-id"] = detail.versionId;
        if (err.kind === "METHOD_NOT_ALLOWED") headers.allow = "DELETE";
        if (detail.lastModified !== undefined) headers["last-modified"] = new Date(detail.lastModified).toUTCString();
      }
    }
    return new S3Error(S3_CODE_OF[err.kind], err.clientMessage, fields, headers);
  }
  return err;
}

/** Runs a storage call and rethrows its failure as the S3 error it means. */
export async function storageCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toS3Error(err);
  }
}
