// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { ServerSideEncryptionConfiguration } from "./shapes.js";

/** Input of DeleteBucketEncryption (DELETE /{Bucket}?encryption). */
export interface DeleteBucketEncryptionInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of DeleteBucketEncryption; default status 204. */
export interface DeleteBucketEncryptionOutput {

}

/** Input of GetBucketEncryption (GET /{Bucket}?encryption). */
export interface GetBucketEncryptionInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketEncryption; default status 200. */
export interface GetBucketEncryptionOutput {
  /** (body) */
  Body: ServerSideEncryptionConfiguration;
}

/** Input of PutBucketEncryption (PUT /{Bucket}?encryption). */
export interface PutBucketEncryptionInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** The body's MD5 (base64), verified while the body is read. (header content-md5) */
  ContentMD5?: string;
  /** The algorithm of the body's x-amz-checksum-* header or trailer, verified while the body is read. (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (body) */
  ServerSideEncryptionConfiguration: ServerSideEncryptionConfiguration;
}

/** Output of PutBucketEncryption; default status 200. */
export interface PutBucketEncryptionOutput {

}
