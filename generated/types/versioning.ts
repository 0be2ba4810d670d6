// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { VersioningConfiguration } from "./shapes.js";

/** Input of GetBucketVersioning (GET /{Bucket}?versioning). */
export interface GetBucketVersioningInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketVersioning; default status 200. */
export interface GetBucketVersioningOutput {
  /** (body) */
  Body: VersioningConfiguration;
}

/** Input of PutBucketVersioning (PUT /{Bucket}?versioning). */
export interface PutBucketVersioningInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** Content-MD5 (or an x-amz-checksum-*) protects the body; verified while it is read. (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** The serial number of an MFA device, a space and the code it shows. (header x-amz-mfa) */
  MFA?: string;
  /** (body) */
  VersioningConfiguration: VersioningConfiguration;
}

/** Output of PutBucketVersioning; default status 200. */
export interface PutBucketVersioningOutput {

}
