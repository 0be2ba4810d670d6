/**
 * Multipart uploads in the storage interface (runtime/storage/types.ts re-exports them): starting
 * an upload, its parts, their listings and the completion, and S3's part limits.
 */
import type { ObjectLock } from "./bucket-types.js";
import { StorageError, type Checksum, type ChecksumAlgorithm, type NewObjectParams } from "./types.js";

export interface MultipartUploadParams extends NewObjectParams {
  checksumAlgorithm?: ChecksumAlgorithm;
  /**
   * How the object's checksum is made from the parts': COMPOSITE (a checksum of the part checksums,
   * "-N") or FULL_OBJECT (the checksum of the whole object, combined from the part CRCs; CRC32,
   * CRC32C and CRC64NVME only). Default: FULL_OBJECT for CRC64NVME, COMPOSITE otherwise.
   */
  checksumType?: "COMPOSITE" | "FULL_OBJECT";
}

export interface UploadInfo {
  bucket: string;
  key: string;
  uploadId: string;
  initiated: Date;
  storageClass: string;
  owner: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  /** set when checksumAlgorithm is */
  checksumType?: "COMPOSITE" | "FULL_OBJECT";
  /** the retention and legal hold CreateMultipartUpload stated, for the version its completion makes; absent: none */
  lock?: ObjectLock;
}

export interface PartInfo {
  partNumber: number;
  size: number;
  /** unquoted hex MD5 of the part */
  etag: string;
  lastModified: Date;
  checksum?: Checksum;
}

export interface ListPartsParams {
  bucket: string;
  key: string;
  uploadId: string;
  /** exclusive */
  partNumberMarker?: number;
  maxParts: number;
}

export interface ListPartsResult {
  upload: UploadInfo;
  parts: PartInfo[];
  isTruncated: boolean;
  nextPartNumberMarker?: number;
}

export interface ListUploadsParams {
  bucket: string;
  prefix?: string;
  delimiter?: string;
  /** exclusive with uploadIdMarker: uploads of keys after keyMarker, or of keyMarker itself after uploadIdMarker */
  keyMarker?: string;
  uploadIdMarker?: string;
  maxUploads: number;
}

export interface ListUploadsResult {
  uploads: UploadInfo[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

export interface CompletedPart {
  partNumber: number;
  /** unquoted */
  etag: string;
}

/**
 * Completing makes the object from the listed parts. Completing an upload that was already
 * completed, with the same parts, answers the object it made as long as that object is still the
 * key's current version (S3 lets a client retry a completion whose answer it lost).
 */
export interface CompleteMultipartParams {
  bucket: string;
  key: string;
  uploadId: string;
  parts: CompletedPart[];
  ifMatch?: string;
  ifNoneMatch?: string;
  /**
   * The object checksum the client expects (x-amz-checksum-* on CompleteMultipartUpload): compared
   * with the one computed from the parts before anything commits; BAD_DIGEST when it differs, or
   * when the upload has no checksum of that algorithm. A COMPOSITE value may carry its "-N" suffix.
   */
  expectedChecksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** The object size the client expects: INVALID_REQUEST, before anything commits, when the listed parts make another. */
  expectedSize?: number;
}

/** INVALID_REQUEST when the listed parts make an object of another size than the one the client stated. */
export function checkExpectedSize(expected: number | undefined, size: number): void {
  if (expected !== undefined && expected !== size) {
    throw new StorageError("INVALID_REQUEST", `the parts listed make ${size} bytes, not ${expected}`, `The provided 'x-amz-mp-object-size' header value ${expected} does not match what was computed: ${size}`);
  }
}

/** Minimum size of every part but the last (S3 and Ozone agree: 5 MiB). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10000;
