// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { ObjectLockConfiguration, ObjectLockLegalHold, ObjectLockRetention } from "./shapes.js";

/** Input of GetObjectLegalHold (GET /{Bucket}/{Key+}?legal-hold). */
export interface GetObjectLegalHoldInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** The version (the latest without it); a delete marker has no lock (405 MethodNotAllowed). (query versionId) */
  VersionId?: string;
}

/** Output of GetObjectLegalHold; default status 200. */
export interface GetObjectLegalHoldOutput {
  /** (body) */
  Body: ObjectLockLegalHold;
}

/** Input of GetObjectLockConfiguration (GET /{Bucket}?object-lock). */
export interface GetObjectLockConfigurationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetObjectLockConfiguration; default status 200. */
export interface GetObjectLockConfigurationOutput {
  /** (body) */
  Body: ObjectLockConfiguration;
}

/** Input of GetObjectRetention (GET /{Bucket}/{Key+}?retention). */
export interface GetObjectRetentionInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** The version (the latest without it); a delete marker has no lock (405 MethodNotAllowed). (query versionId) */
  VersionId?: string;
}

/** Output of GetObjectRetention; default status 200. */
export interface GetObjectRetentionOutput {
  /** (body) */
  Body: ObjectLockRetention;
}

/** Input of PutObjectLegalHold (PUT /{Bucket}/{Key+}?legal-hold). */
export interface PutObjectLegalHoldInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** The version (the latest without it); a delete marker has no lock (405 MethodNotAllowed). (query versionId) */
  VersionId?: string;
  /** (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (body) */
  LegalHold: ObjectLockLegalHold;
}

/** Output of PutObjectLegalHold; default status 200. */
export interface PutObjectLegalHoldOutput {

}

/** Input of PutObjectLockConfiguration (PUT /{Bucket}?object-lock). */
export interface PutObjectLockConfigurationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** A token AWS Support hands out for enabling Object Lock on an old bucket: accepted, not needed. (header x-amz-bucket-object-lock-token) */
  Token?: string;
  /** (body) */
  ObjectLockConfiguration: ObjectLockConfiguration;
}

/** Output of PutObjectLockConfiguration; default status 200. */
export interface PutObjectLockConfigurationOutput {

}

/** Input of PutObjectRetention (PUT /{Bucket}/{Key+}?retention). */
export interface PutObjectRetentionInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** The version (the latest without it); a delete marker has no lock (405 MethodNotAllowed). (query versionId) */
  VersionId?: string;
  /** (header x-amz-bypass-governance-retention) */
  BypassGovernanceRetention?: boolean;
  /** (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (body) */
  Retention: ObjectLockRetention;
}

/** Output of PutObjectRetention; default status 200. */
export interface PutObjectRetentionOutput {

}
