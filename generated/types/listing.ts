// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { ListBucketResult, ListBucketV2Result, ListVersionsResult } from "./shapes.js";

/** Input of ListObjectVersions (GET /{Bucket}?versions). */
export interface ListObjectVersionsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query delimiter) */
  Delimiter?: string;
  /** (query encoding-type) */
  EncodingType?: "url";
  /** (query prefix) */
  Prefix?: string;
  /** (query max-keys) */
  MaxKeys?: number;
  /** (query key-marker) */
  KeyMarker?: string;
  /** (query version-id-marker) */
  VersionIdMarker?: string;
}

/** Output of ListObjectVersions; default status 200. */
export interface ListObjectVersionsOutput {
  /** (body) */
  Body: ListVersionsResult;
}

/** Input of ListObjects (GET /{Bucket}). */
export interface ListObjectsInput {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query delimiter) */
  Delimiter?: string;
  /** (query encoding-type) */
  EncodingType?: "url";
  /** (query prefix) */
  Prefix?: string;
  /** (query max-keys) */
  MaxKeys?: number;
  /** (query marker) */
  Marker?: string;
}

/** Output of ListObjects; default status 200. */
export interface ListObjectsOutput {
  /** (body) */
  Body: ListBucketResult;
}

/** Input of ListObjectsV2 (GET /{Bucket}?list-type=2). */
export interface ListObjectsV2Input {
  /** The bucket, from the path (path-style) or the Host header (virtual-hosted-style). (path Bucket) */
  Bucket: string;
  /** (query delimiter) */
  Delimiter?: string;
  /** (query encoding-type) */
  EncodingType?: "url";
  /** (query prefix) */
  Prefix?: string;
  /** (query max-keys) */
  MaxKeys?: number;
  /** (query list-type) */
  ListType: "2";
  /** (query continuation-token) */
  ContinuationToken?: string;
  /** (query fetch-owner) */
  FetchOwner?: boolean;
  /** (query start-after) */
  StartAfter?: string;
}

/** Output of ListObjectsV2; default status 200. */
export interface ListObjectsV2Output {
  /** (body) */
  Body: ListBucketV2Result;
}
