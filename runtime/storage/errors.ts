/**
 * The one place where storage failures become S3 errors. Both engines (embedded, Ozone) speak
 * StorageErrorKind; the S3 vocabulary stays out of them.
 */
import { operations } from "../../generated/operations.js";
import { S3Error, type S3ErrorCode } from "../errors.js";
import { StorageError, type StorageErrorKind } from "./types.js";

/** A header of a read's answer, as the spec binds HeadObject's output (GetObject's is the same). */
function readAnswerHeader(member: string): string {
  const m = operations.HeadObject.output.find((o) => o.name === member && o.location === "header");
  if (m === undefined) throw new Error(`HeadObject's output binds no header ${member}`);
  return m.wireName;
}

/** The headers of an error answer about a delete marker (spec/objects.tsp ObjectHeaders). */
const DELETE_MARKER_HEADER = readAnswerHeader("DeleteMarker");
const VERSION_ID_HEADER = readAnswerHeader("VersionId");
const LAST_MODIFIED_HEADER = readAnswerHeader("LastModified");

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
        headers[DELETE_MARKER_HEADER] = "true";
        headers[VERSION_ID_HEADER] = detail.versionId;
        if (err.kind === "METHOD_NOT_ALLOWED") headers.allow = "DELETE";
        if (detail.lastModified !== undefined) headers[LAST_MODIFIED_HEADER] = new Date(detail.lastModified).toUTCString();
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
