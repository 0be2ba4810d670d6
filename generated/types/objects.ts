// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { Readable } from "node:stream";
import type { IncomingBody } from "../../runtime/storage/types.js";
import type { Delete, DeleteResult } from "./shapes.js";

/** Input of DeleteObject (DELETE /{Bucket}/{Key+}). */
export interface DeleteObjectInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (query versionId) */
  VersionId?: string;
  /** Deletes only if the current version has this ETag; `*` only if a current version exists. (header if-match) */
  IfMatch?: string;
  /** Deletes only if the current version was last modified at this time (an HTTP date, to the
 * second). Kept as text: a value that does not parse is refused (400 InvalidArgument), never
 * ignored as RFC 9110 lets a GET ignore an unparsable If-Modified-Since, since ignoring it
 * would turn a conditional delete into an unconditional one. (header x-amz-if-match-last-modified-time) */
  IfMatchLastModifiedTime?: string;
  /** Deletes only if the current version has this size in bytes. (header x-amz-if-match-size) */
  IfMatchSize?: number;
  /** (header x-amz-bypass-governance-retention) */
  BypassGovernanceRetention?: boolean;
}

/** Output of DeleteObject; default status 204. */
export interface DeleteObjectOutput {
  /** true when the request made a delete marker, or removed one by its version id (header x-amz-delete-marker) */
  DeleteMarker?: boolean;
  /** the delete marker made, or the version removed (header x-amz-version-id) */
  VersionId?: string;
}

/** Input of DeleteObjects (POST /{Bucket}?delete). */
export interface DeleteObjectsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** Content-MD5 (or an x-amz-checksum-*) protects the body; verified while it is read. (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (header x-amz-bypass-governance-retention) */
  BypassGovernanceRetention?: boolean;
  /** (body) */
  Delete: Delete;
}

/** Output of DeleteObjects; default status 200. */
export interface DeleteObjectsOutput {
  /** (body) */
  Body: DeleteResult;
}

/** Input of GetObject (GET /{Bucket}/{Key+}). */
export interface GetObjectInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (header if-match) */
  IfMatch?: string;
  /** (header if-modified-since) */
  IfModifiedSince?: Date;
  /** (header if-none-match) */
  IfNoneMatch?: string;
  /** (header if-unmodified-since) */
  IfUnmodifiedSince?: Date;
  /** (query response-cache-control) */
  ResponseCacheControl?: string;
  /** (query response-content-disposition) */
  ResponseContentDisposition?: string;
  /** (query response-content-encoding) */
  ResponseContentEncoding?: string;
  /** (query response-content-language) */
  ResponseContentLanguage?: string;
  /** (query response-content-type) */
  ResponseContentType?: string;
  /** (query response-expires) */
  ResponseExpires?: string;
  /** A single byte range, `bytes=first-last`, `bytes=first-` or `bytes=-suffix`. (header range) */
  Range?: string;
  /** Reads this version instead of the latest; a delete marker's id answers 405 MethodNotAllowed. (query versionId) */
  VersionId?: string;
  /** (query partNumber) */
  PartNumber?: number;
  /** (header x-amz-checksum-mode) */
  ChecksumMode?: "ENABLED";
  /** (header x-amz-server-side-encryption-customer-algorithm) */
  SSECustomerAlgorithm?: string;
  /** (header x-amz-server-side-encryption-customer-key) */
  SSECustomerKey?: string;
  /** (header x-amz-server-side-encryption-customer-key-md5) */
  SSECustomerKeyMD5?: string;
}

/** Output of GetObject; default status 200. */
export interface GetObjectOutput {
  /** (status) */
  Status: 200 | 206;
  /** The version written or read: a 32-character id, or "null" (a suspended bucket's version). (header x-amz-version-id) */
  VersionId?: string;
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
  /** The number of user metadata entries left out because they cannot be sent as header values. (header x-amz-missing-meta) */
  MissingMeta?: number;
  /** (header x-amz-checksum-crc32) */
  ChecksumCRC32?: string;
  /** (header x-amz-checksum-crc32c) */
  ChecksumCRC32C?: string;
  /** (header x-amz-checksum-crc64nvme) */
  ChecksumCRC64NVME?: string;
  /** (header x-amz-checksum-sha1) */
  ChecksumSHA1?: string;
  /** (header x-amz-checksum-sha256) */
  ChecksumSHA256?: string;
  /** (header x-amz-checksum-sha512) */
  ChecksumSHA512?: string;
  /** (header x-amz-checksum-md5) */
  ChecksumMD5?: string;
  /** (header x-amz-checksum-xxhash64) */
  ChecksumXXHASH64?: string;
  /** (header x-amz-checksum-xxhash3) */
  ChecksumXXHASH3?: string;
  /** (header x-amz-checksum-xxhash128) */
  ChecksumXXHASH128?: string;
  /** (header x-amz-checksum-type) */
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
  /** (header last-modified) */
  LastModified?: Date;
  /** (header content-length) */
  ContentLength?: number;
  /** (header etag) */
  ETag?: string;
  /** (header accept-ranges) */
  AcceptRanges?: string;
  /** (header content-range) */
  ContentRange?: string;
  /** (header x-amz-storage-class) */
  StorageClass?: "STANDARD" | "REDUCED_REDUNDANCY" | "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER" | "DEEP_ARCHIVE" | "GLACIER_IR" | "OUTPOSTS" | "SNOW" | "EXPRESS_ONEZONE";
  /** (header x-amz-mp-parts-count) */
  PartsCount?: number;
  /** (header x-amz-object-lock-mode) */
  ObjectLockMode?: "GOVERNANCE" | "COMPLIANCE";
  /** ISO 8601 (AWS answers this header in ISO 8601, not in the HTTP date format). (header x-amz-object-lock-retain-until-date) */
  ObjectLockRetainUntilDate?: string;
  /** (header x-amz-object-lock-legal-hold) */
  ObjectLockLegalHoldStatus?: "ON" | "OFF";
  /** (header x-amz-server-side-encryption) */
  ServerSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  /** Only on the error answers about a delete marker ("GetObject", "HeadObject"): a 404 NoSuchKey
 * whose latest version is one, or a 405 MethodNotAllowed for one read by its id, each with the
 * marker's x-amz-version-id (runtime/storage/errors.ts). AWS's model has it in these outputs. (header x-amz-delete-marker) */
  DeleteMarker?: boolean;
  /** Only GET reports the number of tags (HEAD does not, as in S3). (header x-amz-tagging-count) */
  TagCount?: number;
  /** (body) */
  Body: Readable;
}

/** Input of HeadObject (HEAD /{Bucket}/{Key+}). */
export interface HeadObjectInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (header if-match) */
  IfMatch?: string;
  /** (header if-modified-since) */
  IfModifiedSince?: Date;
  /** (header if-none-match) */
  IfNoneMatch?: string;
  /** (header if-unmodified-since) */
  IfUnmodifiedSince?: Date;
  /** (query response-cache-control) */
  ResponseCacheControl?: string;
  /** (query response-content-disposition) */
  ResponseContentDisposition?: string;
  /** (query response-content-encoding) */
  ResponseContentEncoding?: string;
  /** (query response-content-language) */
  ResponseContentLanguage?: string;
  /** (query response-content-type) */
  ResponseContentType?: string;
  /** (query response-expires) */
  ResponseExpires?: string;
  /** A single byte range, `bytes=first-last`, `bytes=first-` or `bytes=-suffix`. (header range) */
  Range?: string;
  /** Reads this version instead of the latest; a delete marker's id answers 405 MethodNotAllowed. (query versionId) */
  VersionId?: string;
  /** (query partNumber) */
  PartNumber?: number;
  /** (header x-amz-checksum-mode) */
  ChecksumMode?: "ENABLED";
  /** (header x-amz-server-side-encryption-customer-algorithm) */
  SSECustomerAlgorithm?: string;
  /** (header x-amz-server-side-encryption-customer-key) */
  SSECustomerKey?: string;
  /** (header x-amz-server-side-encryption-customer-key-md5) */
  SSECustomerKeyMD5?: string;
}

/** Output of HeadObject; default status 200. */
export interface HeadObjectOutput {
  /** (status) */
  Status: 200 | 206;
  /** The version written or read: a 32-character id, or "null" (a suspended bucket's version). (header x-amz-version-id) */
  VersionId?: string;
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
  /** The number of user metadata entries left out because they cannot be sent as header values. (header x-amz-missing-meta) */
  MissingMeta?: number;
  /** (header x-amz-checksum-crc32) */
  ChecksumCRC32?: string;
  /** (header x-amz-checksum-crc32c) */
  ChecksumCRC32C?: string;
  /** (header x-amz-checksum-crc64nvme) */
  ChecksumCRC64NVME?: string;
  /** (header x-amz-checksum-sha1) */
  ChecksumSHA1?: string;
  /** (header x-amz-checksum-sha256) */
  ChecksumSHA256?: string;
  /** (header x-amz-checksum-sha512) */
  ChecksumSHA512?: string;
  /** (header x-amz-checksum-md5) */
  ChecksumMD5?: string;
  /** (header x-amz-checksum-xxhash64) */
  ChecksumXXHASH64?: string;
  /** (header x-amz-checksum-xxhash3) */
  ChecksumXXHASH3?: string;
  /** (header x-amz-checksum-xxhash128) */
  ChecksumXXHASH128?: string;
  /** (header x-amz-checksum-type) */
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
  /** (header last-modified) */
  LastModified?: Date;
  /** (header content-length) */
  ContentLength?: number;
  /** (header etag) */
  ETag?: string;
  /** (header accept-ranges) */
  AcceptRanges?: string;
  /** (header content-range) */
  ContentRange?: string;
  /** (header x-amz-storage-class) */
  StorageClass?: "STANDARD" | "REDUCED_REDUNDANCY" | "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER" | "DEEP_ARCHIVE" | "GLACIER_IR" | "OUTPOSTS" | "SNOW" | "EXPRESS_ONEZONE";
  /** (header x-amz-mp-parts-count) */
  PartsCount?: number;
  /** (header x-amz-object-lock-mode) */
  ObjectLockMode?: "GOVERNANCE" | "COMPLIANCE";
  /** ISO 8601 (AWS answers this header in ISO 8601, not in the HTTP date format). (header x-amz-object-lock-retain-until-date) */
  ObjectLockRetainUntilDate?: string;
  /** (header x-amz-object-lock-legal-hold) */
  ObjectLockLegalHoldStatus?: "ON" | "OFF";
  /** (header x-amz-server-side-encryption) */
  ServerSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  /** Only on the error answers about a delete marker ("GetObject", "HeadObject"): a 404 NoSuchKey
 * whose latest version is one, or a 405 MethodNotAllowed for one read by its id, each with the
 * marker's x-amz-version-id (runtime/storage/errors.ts). AWS's model has it in these outputs. (header x-amz-delete-marker) */
  DeleteMarker?: boolean;
}

/** Input of PutObject (PUT /{Bucket}/{Key+}). */
export interface PutObjectInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
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
  /** (header content-length) */
  ContentLength?: number;
  /** (header content-md5) */
  ContentMD5?: string;
  /** (header x-amz-sdk-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (header x-amz-checksum-crc32) */
  ChecksumCRC32?: string;
  /** (header x-amz-checksum-crc32c) */
  ChecksumCRC32C?: string;
  /** (header x-amz-checksum-crc64nvme) */
  ChecksumCRC64NVME?: string;
  /** (header x-amz-checksum-sha1) */
  ChecksumSHA1?: string;
  /** (header x-amz-checksum-sha256) */
  ChecksumSHA256?: string;
  /** (header x-amz-checksum-sha512) */
  ChecksumSHA512?: string;
  /** (header x-amz-checksum-md5) */
  ChecksumMD5?: string;
  /** (header x-amz-checksum-xxhash64) */
  ChecksumXXHASH64?: string;
  /** (header x-amz-checksum-xxhash3) */
  ChecksumXXHASH3?: string;
  /** (header x-amz-checksum-xxhash128) */
  ChecksumXXHASH128?: string;
  /** Conditional write: `*` fails when the key exists. (header if-none-match) */
  IfNoneMatch?: string;
  /** Conditional write: fails unless the current object has this ETag. (header if-match) */
  IfMatch?: string;
  /** (body) */
  Body: IncomingBody;
}

/** Output of PutObject; default status 200. */
export interface PutObjectOutput {
  /** (header etag) */
  ETag?: string;
  /** The version written or read: a 32-character id, or "null" (a suspended bucket's version). (header x-amz-version-id) */
  VersionId?: string;
  /** (header x-amz-server-side-encryption) */
  ServerSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  /** (header x-amz-checksum-crc32) */
  ChecksumCRC32?: string;
  /** (header x-amz-checksum-crc32c) */
  ChecksumCRC32C?: string;
  /** (header x-amz-checksum-crc64nvme) */
  ChecksumCRC64NVME?: string;
  /** (header x-amz-checksum-sha1) */
  ChecksumSHA1?: string;
  /** (header x-amz-checksum-sha256) */
  ChecksumSHA256?: string;
  /** (header x-amz-checksum-sha512) */
  ChecksumSHA512?: string;
  /** (header x-amz-checksum-md5) */
  ChecksumMD5?: string;
  /** (header x-amz-checksum-xxhash64) */
  ChecksumXXHASH64?: string;
  /** (header x-amz-checksum-xxhash3) */
  ChecksumXXHASH3?: string;
  /** (header x-amz-checksum-xxhash128) */
  ChecksumXXHASH128?: string;
  /** (header x-amz-checksum-type) */
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
}
