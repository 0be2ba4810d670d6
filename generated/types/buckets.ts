// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { CreateBucketConfiguration, ListAllMyBucketsResult, LocationConstraint } from "./shapes.js";

/** Input of CreateBucket (PUT /{Bucket}). */
export interface CreateBucketInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** A canned ACL for the new bucket; not with the grant headers. (header x-amz-acl) */
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
  /** (header x-amz-bucket-object-lock-enabled) */
  ObjectLockEnabledForBucket?: boolean;
  /** (header x-amz-object-ownership) */
  ObjectOwnership?: "BucketOwnerPreferred" | "ObjectWriter" | "BucketOwnerEnforced";
  /** (body) */
  CreateBucketConfiguration?: CreateBucketConfiguration;
}

/** Output of CreateBucket; default status 200. */
export interface CreateBucketOutput {
  /** (header location) */
  Location?: string;
}

/** Input of DeleteBucket (DELETE /{Bucket}). */
export interface DeleteBucketInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
}

/** Output of DeleteBucket; default status 204. */
export interface DeleteBucketOutput {

}

/** Input of GetBucketLocation (GET /{Bucket}?location). */
export interface GetBucketLocationInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
}

/** Output of GetBucketLocation; default status 200. */
export interface GetBucketLocationOutput {
  /** (body) */
  Body: LocationConstraint;
}

/** Input of HeadBucket (HEAD /{Bucket}). */
export interface HeadBucketInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
}

/** Output of HeadBucket; default status 200. */
export interface HeadBucketOutput {
  /** (header x-amz-bucket-region) */
  BucketRegion?: string;
}

/** Input of ListBuckets (GET /). */
export interface ListBucketsInput {
  /** (query x-id) */
  XId?: string;
  /** (query max-buckets) */
  MaxBuckets?: number;
  /** (query continuation-token) */
  ContinuationToken?: string;
  /** (query prefix) */
  Prefix?: string;
  /** (query bucket-region) */
  BucketRegion?: string;
}

/** Output of ListBuckets; default status 200. */
export interface ListBucketsOutput {
  /** (body) */
  Body: ListAllMyBucketsResult;
}
