// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { CopyObjectResult, CopyPartResult } from "./shapes.js";

/** Input of CopyObject (PUT /{Bucket}/{Key+} + header x-amz-copy-source). */
export interface CopyObjectInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** `/bucket/key` or `bucket/key`, URL-encoded, optionally `?versionId=`. (header x-amz-copy-source) */
  CopySource: string;
  /** (header x-amz-copy-source-if-match) */
  CopySourceIfMatch?: string;
  /** (header x-amz-copy-source-if-modified-since) */
  CopySourceIfModifiedSince?: Date;
  /** (header x-amz-copy-source-if-none-match) */
  CopySourceIfNoneMatch?: string;
  /** (header x-amz-copy-source-if-unmodified-since) */
  CopySourceIfUnmodifiedSince?: Date;
  /** (header x-amz-copy-source-server-side-encryption-customer-algorithm) */
  CopySourceSSECustomerAlgorithm?: string;
  /** (header x-amz-copy-source-server-side-encryption-customer-key) */
  CopySourceSSECustomerKey?: string;
  /** (header x-amz-copy-source-server-side-encryption-customer-key-md5) */
  CopySourceSSECustomerKeyMD5?: string;
  /** (header cache-control) */
  CacheControl?: string;
  /** (header content-disposition) */
  ContentDisposition?: string;
  /** (header content-encoding) */
  ContentEncoding?: string;
  /** (header content-language) */
  ContentLanguage?: string;
  /** (header content-type) */
  ContentType?: string;
  /** Stored and returned verbatim, as S3 does. (header expires) */
  Expires?: string;
  /** Where a website endpoint redirects requests for this object: a path in the bucket (`/other.html`)
 * or an `http://` / `https://` URL (anything else: InvalidRedirectLocation). Stored and returned on
 * GET and HEAD; a copy takes the request's, never the source's (S3's CopyObject documentation). (header x-amz-website-redirect-location) */
  WebsiteRedirectLocation?: string;
  /** (headerPrefix x-amz-meta-) */
  Metadata?: Record<string, string>;
  /** (header x-amz-storage-class) */
  StorageClass?: "STANDARD" | "REDUCED_REDUNDANCY" | "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER" | "DEEP_ARCHIVE" | "GLACIER_IR" | "OUTPOSTS" | "SNOW" | "EXPRESS_ONEZONE";
  /** Tags as a URL query string: `k1=v1&k2=v2`. (header x-amz-tagging) */
  Tagging?: string;
  /** A canned ACL for the new object (runtime/access/acl.ts); not with the grant headers. (header x-amz-acl) */
  ACL?: "private" | "public-read" | "public-read-write" | "authenticated-read" | "aws-exec-read" | "bucket-owner-read" | "bucket-owner-full-control";
  /** (header x-amz-grant-full-control) */
  GrantFullControl?: string;
  /** (header x-amz-grant-read) */
  GrantRead?: string;
  /** (header x-amz-grant-read-acp) */
  GrantReadACP?: string;
  /** (header x-amz-grant-write-acp) */
  GrantWriteACP?: string;
  /** With x-amz-object-lock-retain-until-date: both or neither. (header x-amz-object-lock-mode) */
  ObjectLockMode?: "GOVERNANCE" | "COMPLIANCE";
  /** ISO 8601, in the future. (header x-amz-object-lock-retain-until-date) */
  ObjectLockRetainUntilDate?: string;
  /** (header x-amz-object-lock-legal-hold) */
  ObjectLockLegalHoldStatus?: "ON" | "OFF";
  /** AES256 with s3.encryptedAtRest; otherwise, and aws:kms / aws:kms:dsse always, 501 NotImplemented. (header x-amz-server-side-encryption) */
  ServerSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  /** Only with aws:kms or aws:kms:dsse (400 InvalidArgument otherwise, as S3). (header x-amz-server-side-encryption-aws-kms-key-id) */
  SSEKMSKeyId?: string;
  /** Only with aws:kms or aws:kms:dsse (400 InvalidArgument otherwise, as S3). (header x-amz-server-side-encryption-context) */
  SSEKMSEncryptionContext?: string;
  /** An S3 Bucket Key for SSE-KMS; S3 ignores it for SSE-S3, and so does the gateway. (header x-amz-server-side-encryption-bucket-key-enabled) */
  BucketKeyEnabled?: boolean;
  /** (header x-amz-server-side-encryption-customer-algorithm) */
  SSECustomerAlgorithm?: string;
  /** (header x-amz-server-side-encryption-customer-key) */
  SSECustomerKey?: string;
  /** (header x-amz-server-side-encryption-customer-key-md5) */
  SSECustomerKeyMD5?: string;
  /** (header x-amz-metadata-directive) */
  MetadataDirective?: "COPY" | "REPLACE";
  /** (header x-amz-tagging-directive) */
  TaggingDirective?: "COPY" | "REPLACE";
  /** An unknown algorithm: S3's InvalidRequest listing the ones it takes. (header x-amz-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
}

/** Output of CopyObject; default status 200. */
export interface CopyObjectOutput {
  /** the version the copy made (versioned buckets) (header x-amz-version-id) */
  VersionId?: string;
  /** the version of the source that was copied (versioned source buckets) (header x-amz-copy-source-version-id) */
  CopySourceVersionId?: string;
  /** (header x-amz-server-side-encryption) */
  ServerSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  /** (body) */
  Body: CopyObjectResult;
}

/** Input of UploadPartCopy (PUT /{Bucket}/{Key+}?partNumber&uploadId + header x-amz-copy-source). */
export interface UploadPartCopyInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** `/bucket/key` or `bucket/key`, URL-encoded, optionally `?versionId=`. (header x-amz-copy-source) */
  CopySource: string;
  /** (header x-amz-copy-source-if-match) */
  CopySourceIfMatch?: string;
  /** (header x-amz-copy-source-if-modified-since) */
  CopySourceIfModifiedSince?: Date;
  /** (header x-amz-copy-source-if-none-match) */
  CopySourceIfNoneMatch?: string;
  /** (header x-amz-copy-source-if-unmodified-since) */
  CopySourceIfUnmodifiedSince?: Date;
  /** (header x-amz-copy-source-server-side-encryption-customer-algorithm) */
  CopySourceSSECustomerAlgorithm?: string;
  /** (header x-amz-copy-source-server-side-encryption-customer-key) */
  CopySourceSSECustomerKey?: string;
  /** (header x-amz-copy-source-server-side-encryption-customer-key-md5) */
  CopySourceSSECustomerKeyMD5?: string;
  /** `bytes=first-last` of the source (both inclusive). (header x-amz-copy-source-range) */
  CopySourceRange?: string;
  /** (query partNumber) */
  PartNumber: number;
  /** (query uploadId) */
  UploadId: string;
  /** (header x-amz-server-side-encryption-customer-algorithm) */
  SSECustomerAlgorithm?: string;
  /** (header x-amz-server-side-encryption-customer-key) */
  SSECustomerKey?: string;
  /** (header x-amz-server-side-encryption-customer-key-md5) */
  SSECustomerKeyMD5?: string;
}

/** Output of UploadPartCopy; default status 200. */
export interface UploadPartCopyOutput {
  /** the version of the source that was copied (versioned source buckets) (header x-amz-copy-source-version-id) */
  CopySourceVersionId?: string;
  /** (header x-amz-server-side-encryption) */
  ServerSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  /** (body) */
  Body: CopyPartResult;
}
