// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { IncomingBody } from "../../runtime/storage/types.js";
import type { CompleteMultipartUploadResult, CompletedMultipartUpload, InitiateMultipartUploadResult, ListMultipartUploadsResult, ListPartsResult } from "./shapes.js";

/** Input of AbortMultipartUpload (DELETE /{Bucket}/{Key+}?uploadId). */
export interface AbortMultipartUploadInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (query uploadId) */
  UploadId: string;
}

/** Output of AbortMultipartUpload; default status 204. */
export interface AbortMultipartUploadOutput {

}

/** Input of CompleteMultipartUpload (POST /{Bucket}/{Key+}?uploadId). */
export interface CompleteMultipartUploadInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (query uploadId) */
  UploadId: string;
  /** (header if-none-match) */
  IfNoneMatch?: string;
  /** (header if-match) */
  IfMatch?: string;
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
  /** The size the client expects the object to have: the listed parts' sizes must add up to it,
 * else 400 InvalidRequest and nothing is completed (AWS's model). (header x-amz-mp-object-size) */
  MpuObjectSize?: number;
  /** (header x-amz-server-side-encryption-customer-algorithm) */
  SSECustomerAlgorithm?: string;
  /** (header x-amz-server-side-encryption-customer-key) */
  SSECustomerKey?: string;
  /** (header x-amz-server-side-encryption-customer-key-md5) */
  SSECustomerKeyMD5?: string;
  /** (body) */
  MultipartUpload: CompletedMultipartUpload;
}

/** Output of CompleteMultipartUpload; default status 200. */
export interface CompleteMultipartUploadOutput {
  /** the version the completion made (versioned buckets) (header x-amz-version-id) */
  VersionId?: string;
  /** (header x-amz-server-side-encryption) */
  ServerSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  /** (body) */
  Body: CompleteMultipartUploadResult;
}

/** Input of CreateMultipartUpload (POST /{Bucket}/{Key+}?uploads). */
export interface CreateMultipartUploadInput {
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
  /** An unknown algorithm: S3's InvalidRequest listing the ones it takes. (header x-amz-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (header x-amz-checksum-type) */
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
}

/** Output of CreateMultipartUpload; default status 200. */
export interface CreateMultipartUploadOutput {
  /** (header x-amz-checksum-algorithm) */
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  /** (header x-amz-checksum-type) */
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
  /** (header x-amz-server-side-encryption) */
  ServerSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  /** (body) */
  Body: InitiateMultipartUploadResult;
}

/** Input of ListMultipartUploads (GET /{Bucket}?uploads). */
export interface ListMultipartUploadsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
  /** (query delimiter) */
  Delimiter?: string;
  /** (query encoding-type) */
  EncodingType?: "url";
  /** (query key-marker) */
  KeyMarker?: string;
  /** (query max-uploads) */
  MaxUploads?: number;
  /** (query prefix) */
  Prefix?: string;
  /** (query upload-id-marker) */
  UploadIdMarker?: string;
}

/** Output of ListMultipartUploads; default status 200. */
export interface ListMultipartUploadsOutput {
  /** (body) */
  Body: ListMultipartUploadsResult;
}

/** Input of ListParts (GET /{Bucket}/{Key+}?uploadId). */
export interface ListPartsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (query uploadId) */
  UploadId: string;
  /** (query max-parts) */
  MaxParts?: number;
  /** (query part-number-marker) */
  PartNumberMarker?: number;
  /** (header x-amz-server-side-encryption-customer-algorithm) */
  SSECustomerAlgorithm?: string;
  /** (header x-amz-server-side-encryption-customer-key) */
  SSECustomerKey?: string;
  /** (header x-amz-server-side-encryption-customer-key-md5) */
  SSECustomerKeyMD5?: string;
}

/** Output of ListParts; default status 200. */
export interface ListPartsOutput {
  /** (body) */
  Body: ListPartsResult;
}

/** Input of UploadPart (PUT /{Bucket}/{Key+}?partNumber&uploadId). */
export interface UploadPartInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
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
  /** (body) */
  Body: IncomingBody;
}

/** Output of UploadPart; default status 200. */
export interface UploadPartOutput {
  /** (header etag) */
  ETag?: string;
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
  /** (header x-amz-server-side-encryption) */
  ServerSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
}
