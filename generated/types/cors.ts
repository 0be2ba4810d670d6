// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { CORSConfiguration } from "./shapes.js";

/** Input of DeleteBucketCors (DELETE /{Bucket}?cors). */
export interface DeleteBucketCorsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of DeleteBucketCors; default status 204. */
export interface DeleteBucketCorsOutput {

}

/** Input of GetBucketCors (GET /{Bucket}?cors). */
export interface GetBucketCorsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketCors; default status 200. */
export interface GetBucketCorsOutput {
  /** The configuration as it was put (rules, their order and every value kept). (body) */
  Body: CORSConfiguration;
}

/** Input of PutBucketCors (PUT /{Bucket}?cors). */
export interface PutBucketCorsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** The body's MD5 (base64), verified while the body is read. (header content-md5) */
  ContentMD5?: string;
  /** The algorithm of the body's x-amz-checksum-* header or trailer, verified while the body is read. (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (body) */
  CORSConfiguration: CORSConfiguration;
}

/** Output of PutBucketCors; default status 200. */
export interface PutBucketCorsOutput {

}
