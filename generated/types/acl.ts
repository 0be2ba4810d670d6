// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { AccessControlPolicy, OwnershipControls } from "./shapes.js";

/** Input of DeleteBucketOwnershipControls (DELETE /{Bucket}?ownershipControls). */
export interface DeleteBucketOwnershipControlsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of DeleteBucketOwnershipControls; default status 204. */
export interface DeleteBucketOwnershipControlsOutput {

}

/** Input of GetBucketAcl (GET /{Bucket}?acl). */
export interface GetBucketAclInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketAcl; default status 200. */
export interface GetBucketAclOutput {
  /** (body) */
  Body: AccessControlPolicy;
}

/** Input of GetBucketOwnershipControls (GET /{Bucket}?ownershipControls). */
export interface GetBucketOwnershipControlsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketOwnershipControls; default status 200. */
export interface GetBucketOwnershipControlsOutput {
  /** (body) */
  Body: OwnershipControls;
}

/** Input of GetObjectAcl (GET /{Bucket}/{Key+}?acl). */
export interface GetObjectAclInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (query versionId) */
  VersionId?: string;
}

/** Output of GetObjectAcl; default status 200. */
export interface GetObjectAclOutput {
  /** (body) */
  Body: AccessControlPolicy;
}

/** Input of PutBucketAcl (PUT /{Bucket}?acl). */
export interface PutBucketAclInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (header x-amz-acl) */
  ACL?: "private" | "public-read" | "public-read-write" | "authenticated-read";
  /** (header x-amz-grant-full-control) */
  GrantFullControl?: string;
  /** (header x-amz-grant-read) */
  GrantRead?: string;
  /** (header x-amz-grant-read-acp) */
  GrantReadACP?: string;
  /** (header x-amz-grant-write) */
  GrantWrite?: string;
  /** (header x-amz-grant-write-acp) */
  GrantWriteACP?: string;
  /** The body's MD5 (base64), verified while the body is read. (header content-md5) */
  ContentMD5?: string;
  /** (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (body) */
  AccessControlPolicy?: AccessControlPolicy;
}

/** Output of PutBucketAcl; default status 200. */
export interface PutBucketAclOutput {

}

/** Input of PutBucketOwnershipControls (PUT /{Bucket}?ownershipControls). */
export interface PutBucketOwnershipControlsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** The body's MD5 (base64), verified while the body is read. (header content-md5) */
  ContentMD5?: string;
  /** (body) */
  OwnershipControls: OwnershipControls;
}

/** Output of PutBucketOwnershipControls; default status 200. */
export interface PutBucketOwnershipControlsOutput {

}

/** Input of PutObjectAcl (PUT /{Bucket}/{Key+}?acl). */
export interface PutObjectAclInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (query versionId) */
  VersionId?: string;
  /** (header x-amz-acl) */
  ACL?: "private" | "public-read" | "public-read-write" | "authenticated-read" | "aws-exec-read" | "bucket-owner-read" | "bucket-owner-full-control";
  /** (header x-amz-grant-full-control) */
  GrantFullControl?: string;
  /** (header x-amz-grant-read) */
  GrantRead?: string;
  /** (header x-amz-grant-read-acp) */
  GrantReadACP?: string;
  /** (header x-amz-grant-write) */
  GrantWrite?: string;
  /** (header x-amz-grant-write-acp) */
  GrantWriteACP?: string;
  /** The body's MD5 (base64), verified while the body is read. (header content-md5) */
  ContentMD5?: string;
  /** (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (body) */
  AccessControlPolicy?: AccessControlPolicy;
}

/** Output of PutObjectAcl; default status 200. */
export interface PutObjectAclOutput {

}
