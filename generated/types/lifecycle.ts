// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { BucketLifecycleConfiguration } from "./shapes.js";

/** Input of DeleteBucketLifecycle (DELETE /{Bucket}?lifecycle). */
export interface DeleteBucketLifecycleInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of DeleteBucketLifecycle; default status 204. */
export interface DeleteBucketLifecycleOutput {

}

/** Input of GetBucketLifecycleConfiguration (GET /{Bucket}?lifecycle). */
export interface GetBucketLifecycleConfigurationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketLifecycleConfiguration; default status 200. */
export interface GetBucketLifecycleConfigurationOutput {
  /** The rules as they were put, in their order. (body) */
  Body: BucketLifecycleConfiguration;
}

/** Input of PutBucketLifecycleConfiguration (PUT /{Bucket}?lifecycle). */
export interface PutBucketLifecycleConfigurationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** The algorithm of the body's x-amz-checksum-* header or trailer, verified while the body is read. (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (body) */
  LifecycleConfiguration: BucketLifecycleConfiguration;
}

/** Output of PutBucketLifecycleConfiguration; default status 200. */
export interface PutBucketLifecycleConfigurationOutput {

}
