// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { Tagging } from "./shapes.js";

/** Input of DeleteBucketTagging (DELETE /{Bucket}?tagging). */
export interface DeleteBucketTaggingInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of DeleteBucketTagging; default status 204. */
export interface DeleteBucketTaggingOutput {

}

/** Input of DeleteObjectTagging (DELETE /{Bucket}/{Key+}?tagging). */
export interface DeleteObjectTaggingInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (query versionId) */
  VersionId?: string;
}

/** Output of DeleteObjectTagging; default status 204. */
export interface DeleteObjectTaggingOutput {
  /** (header x-amz-version-id) */
  VersionId?: string;
}

/** Input of GetBucketTagging (GET /{Bucket}?tagging). */
export interface GetBucketTaggingInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketTagging; default status 200. */
export interface GetBucketTaggingOutput {
  /** (body) */
  Body: Tagging;
}

/** Input of GetObjectTagging (GET /{Bucket}/{Key+}?tagging). */
export interface GetObjectTaggingInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (query versionId) */
  VersionId?: string;
}

/** Output of GetObjectTagging; default status 200. */
export interface GetObjectTaggingOutput {
  /** (header x-amz-version-id) */
  VersionId?: string;
  /** (body) */
  Body: Tagging;
}

/** Input of PutBucketTagging (PUT /{Bucket}?tagging). */
export interface PutBucketTaggingInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** Content-MD5 (or an x-amz-checksum-*) protects the body; verified while it is read. (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (body) */
  Tagging: Tagging;
}

/** Output of PutBucketTagging; default status 204. */
export interface PutBucketTaggingOutput {

}

/** Input of PutObjectTagging (PUT /{Bucket}/{Key+}?tagging). */
export interface PutObjectTaggingInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (query versionId) */
  VersionId?: string;
  /** Content-MD5 (or an x-amz-checksum-*) protects the body; verified while it is read. (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (body) */
  Tagging: Tagging;
}

/** Output of PutObjectTagging; default status 200. */
export interface PutObjectTaggingOutput {
  /** (header x-amz-version-id) */
  VersionId?: string;
}
