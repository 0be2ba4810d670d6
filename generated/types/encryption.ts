// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { ServerSideEncryptionConfiguration } from "./shapes.js";

/** Input of GetBucketEncryption (GET /{Bucket}?encryption). */
export interface GetBucketEncryptionInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query x-id) */
  XId?: string;
}

/** Output of GetBucketEncryption; default status 200. */
export interface GetBucketEncryptionOutput {
  /** (body) */
  Body: ServerSideEncryptionConfiguration;
}
