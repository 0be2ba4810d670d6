// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { IncomingBody } from "../../runtime/storage/types.js";
import type { PostResponse } from "./shapes.js";

/** Input of PostObject (POST /{Bucket}). */
export interface PostObjectInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** `multipart/form-data; boundary=...`; anything else is refused (412 PreconditionFailed). (header content-type) */
  ContentType?: string;
  /** The form, read as it streams. (body) */
  Body: IncomingBody;
}

/** Output of PostObject; default status 200. */
export interface PostObjectOutput {
  /** (status) */
  Status: 200 | 201 | 204 | 303;
  /** The new object's URL (200, 201, 204); the redirect's target (303). (header location) */
  Location?: string;
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
  /** (header x-amz-checksum-type) */
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
  /** (header x-amz-server-side-encryption) */
  ServerSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  /** (body) */
  Body?: PostResponse;
}
