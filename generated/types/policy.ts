// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { Readable } from "node:stream";
import type { IncomingBody } from "../../runtime/storage/types.js";
import type { PolicyStatus, PublicAccessBlockConfiguration } from "./shapes.js";

/** Input of DeleteBucketPolicy (DELETE /{Bucket}?policy). */
export interface DeleteBucketPolicyInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (header x-amz-expected-bucket-owner) */
  ExpectedBucketOwner?: string;
}

/** Output of DeleteBucketPolicy; default status 204. */
export interface DeleteBucketPolicyOutput {

}

/** Input of DeletePublicAccessBlock (DELETE /{Bucket}?publicAccessBlock). */
export interface DeletePublicAccessBlockInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (header x-amz-expected-bucket-owner) */
  ExpectedBucketOwner?: string;
}

/** Output of DeletePublicAccessBlock; default status 204. */
export interface DeletePublicAccessBlockOutput {

}

/** Input of GetBucketPolicy (GET /{Bucket}?policy). */
export interface GetBucketPolicyInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (header x-amz-expected-bucket-owner) */
  ExpectedBucketOwner?: string;
}

/** Output of GetBucketPolicy; default status 200. */
export interface GetBucketPolicyOutput {
  /** The policy document exactly as it was put. (body) */
  Policy: Readable;
}

/** Input of GetBucketPolicyStatus (GET /{Bucket}?policyStatus). */
export interface GetBucketPolicyStatusInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (header x-amz-expected-bucket-owner) */
  ExpectedBucketOwner?: string;
}

/** Output of GetBucketPolicyStatus; default status 200. */
export interface GetBucketPolicyStatusOutput {
  /** (body) */
  Body: PolicyStatus;
}

/** Input of GetPublicAccessBlock (GET /{Bucket}?publicAccessBlock). */
export interface GetPublicAccessBlockInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (header x-amz-expected-bucket-owner) */
  ExpectedBucketOwner?: string;
}

/** Output of GetPublicAccessBlock; default status 200. */
export interface GetPublicAccessBlockOutput {
  /** (body) */
  Body: PublicAccessBlockConfiguration;
}

/** Input of PutBucketPolicy (PUT /{Bucket}?policy). */
export interface PutBucketPolicyInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** The body's MD5 (base64), verified while the body is read. (header content-md5) */
  ContentMD5?: string;
  /** The algorithm of the body's x-amz-checksum-* header or trailer, verified while the body is read. (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** Lets a policy deny its own caller further policy changes. Accepted and without effect here:
 * the bucket owner's users can always read, change and delete the bucket's policy, as the AWS
 * account root can in S3. (header x-amz-confirm-remove-self-bucket-access) */
  ConfirmRemoveSelfBucketAccess?: boolean;
  /** The account the caller expects to own the bucket. (header x-amz-expected-bucket-owner) */
  ExpectedBucketOwner?: string;
  /** The policy document, JSON. (body) */
  Policy: IncomingBody;
}

/** Output of PutBucketPolicy; default status 204. */
export interface PutBucketPolicyOutput {

}

/** Input of PutPublicAccessBlock (PUT /{Bucket}?publicAccessBlock). */
export interface PutPublicAccessBlockInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** The body's MD5 (base64), verified while the body is read. (header content-md5) */
  ContentMD5?: string;
  /** The algorithm of the body's x-amz-checksum-* header or trailer, verified while the body is read. (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (header x-amz-expected-bucket-owner) */
  ExpectedBucketOwner?: string;
  /** (body) */
  PublicAccessBlockConfiguration: PublicAccessBlockConfiguration;
}

/** Output of PutPublicAccessBlock; default status 200. */
export interface PutPublicAccessBlockOutput {

}
