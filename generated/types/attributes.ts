// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { GetObjectAttributesResponse } from "./shapes.js";

/** Input of GetObjectAttributes (GET /{Bucket}/{Key+}?attributes). */
export interface GetObjectAttributesInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** The object key: everything after the bucket, slashes included. (path Key) */
  Key: string;
  /** (query x-id) */
  XId?: string;
  /** (query versionId) */
  VersionId?: string;
  /** (header x-amz-max-parts) */
  MaxParts?: number;
  /** (header x-amz-part-number-marker) */
  PartNumberMarker?: number;
  /** The attributes to return, comma-separated. Required by S3; optional here only so that a request
 * without it still reaches this operation and gets S3's InvalidRequest (a required header would
 * be a routing constraint). (header x-amz-object-attributes) */
  ObjectAttributes?: ("ETag" | "Checksum" | "ObjectParts" | "StorageClass" | "ObjectSize")[];
  /** (header x-amz-server-side-encryption-customer-algorithm) */
  SSECustomerAlgorithm?: string;
  /** (header x-amz-server-side-encryption-customer-key) */
  SSECustomerKey?: string;
  /** (header x-amz-server-side-encryption-customer-key-md5) */
  SSECustomerKeyMD5?: string;
}

/** Output of GetObjectAttributes; default status 200. */
export interface GetObjectAttributesOutput {
  /** (header last-modified) */
  LastModified?: Date;
  /** The version described; absent while buckets are unversioned (the only version is "null"). (header x-amz-version-id) */
  VersionId?: string;
  /** (body) */
  Body: GetObjectAttributesResponse;
}
