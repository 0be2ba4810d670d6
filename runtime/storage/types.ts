/**
 * The storage client interface: what the gateway needs from a storage engine, in the project's own
 * domain types (no HTTP, no XML, no S3 error codes). Two implementations: the embedded local-disk
 * store (runtime/storage/embedded/) and Apache Ozone (volumes/buckets/keys reached over OM and
 * datanode gRPC). The shape follows what Ozone's client offers (docs/ozone-backend-notes.md):
 * buckets live in one namespace (Ozone's s3v volume), keys carry a metadata map and tags, multipart
 * uploads are initiated/committed per part/completed by part list.
 *
 * Failures are thrown as StorageError with a StorageErrorKind; runtime/storage/errors.ts is the one
 * place that maps them to S3 error codes.
 */
import type { Readable } from "node:stream";

import type { Acl, BucketAccess, BucketVersioning, CorsRule, LifecycleRule, ObjectLock, ObjectLockConfiguration, ObjectOwnership, ObjectRetention, PublicAccessBlock } from "./bucket-types.js";
import type { CompleteMultipartParams, ListPartsParams, ListPartsResult, ListUploadsParams, ListUploadsResult, MultipartUploadParams, PartInfo, UploadInfo } from "./multipart-types.js";
import type { DeleteCondition, DeleteObjectResult, DeleteOutcome, ListVersionsParams, ListVersionsResult, ObjectToDelete } from "./version-types.js";

export type * from "./bucket-types.js";
export * from "./multipart-types.js";
export type * from "./version-types.js";

/** Checksum algorithms S3 lets a client send (x-amz-checksum-*). Values are base64 of the digest. */
export type ChecksumAlgorithm =
  | "CRC32"
  | "CRC32C"
  | "CRC64NVME"
  | "SHA1"
  | "SHA256"
  | "SHA512"
  | "MD5"
  | "XXHASH64"
  | "XXHASH3"
  | "XXHASH128";

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  /** base64 of the big-endian digest, exactly as S3 shows it in x-amz-checksum-<alg> */
  value: string;
  /** FULL_OBJECT for a checksum over the whole body, COMPOSITE for a multipart checksum-of-checksums */
  type: "FULL_OBJECT" | "COMPOSITE";
}

/** The HTTP-visible system metadata S3 stores with an object and returns on GET/HEAD. */
export interface SystemMetadata {
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  /** kept as the exact string the client sent (S3 returns it verbatim) */
  expires?: string;
  /** x-amz-website-redirect-location: a path in the bucket or an http(s) URL */
  websiteRedirectLocation?: string;
}

export interface BucketInfo {
  name: string;
  creationDate: Date;
  /** the owner as stored: a user's canonical id (embedded) or Ozone user (ozone), or, from before users existed, an access key id (runtime/users.ts) */
  owner: string;
  /**
   * Whether the bucket's Object Lock gives a new version a default retention, when the engine
   * says so with the bucket (embedded: getBucket): a write then needs no second lookup to know
   * whether its body's integrity must be stated (handlers/object-lock.ts). undefined: not told.
   */
  defaultRetention?: boolean;
}

export interface ObjectInfo extends SystemMetadata {
  bucket: string;
  key: string;
  size: number;
  /** unquoted: lowercase hex MD5, or "<hex>-<N>" for a completed multipart upload */
  etag: string;
  lastModified: Date;
  storageClass: string;
  /** x-amz-meta-* without the prefix; names lowercase */
  userMetadata: Record<string, string>;
  tags: Record<string, string>;
  checksum?: Checksum;
  /** number of parts for an object made by CompleteMultipartUpload, absent otherwise */
  partsCount?: number;
  owner: string;
  /** the object's ACL as set when it was made or by putObjectAcl; absent: the default (owner only) */
  acl?: Acl;
  /**
   * The version's id in a bucket that has (ever had) versioning: a 32-character id, or "null" for
   * the version a suspended (or not yet versioned) bucket wrote. Absent in a bucket never versioned.
   */
  versionId?: string;
  /** the version's retention and legal hold, when it has either (Object Lock buckets only) */
  lock?: ObjectLock;
}

/** What a listing returns per object (no user metadata). */
export interface ObjectSummary {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
  storageClass: string;
  owner: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  /** how the checksum was made, with checksumAlgorithm */
  checksumType?: Checksum["type"];
}

/**
 * A request body on its way into storage. The runtime wraps the client's bytes in a verifying
 * stream (SigV4 payload hash or chunk signatures, Content-MD5, x-amz-checksum-*, length): when
 * anything does not verify, `stream` errors instead of ending, so the store must never commit
 * an object whose stream did not end cleanly. `digests()` may be called only after the stream ended.
 */
export interface IncomingBody {
  stream: Readable;
  digests(): BodyDigests;
  /**
   * The body's length as the request declared it (Content-Length, or x-amz-decoded-content-length
   * for aws-chunked), when it did: a hint for sizing storage up front. The stream still fails when
   * the bytes do not match it.
   */
  expectedSize?: number;
  /**
   * A part's body (UploadPart): which checksums to compute, known only once the handler has found
   * the upload. Called before the body is read; bytes that arrived before are hashed then. A body
   * read without a choice computes the client's checksum only.
   */
  chooseChecksums?(choice: ChecksumChoice): void;
}

/** What a part's body computes besides the checksum its client sent (IncomingBody.chooseChecksums). */
export interface ChecksumChoice {
  /** computed as the body's checksum when the client sent none: the upload's algorithm */
  fallback?: ChecksumAlgorithm;
  /**
   * S3's default checksum (CRC64NVME) too, as BodyDigests.defaultChecksum: the parts of an upload
   * created without an algorithm, whose object gets that checksum (FULL_OBJECT) at completion
   */
  withDefault?: boolean;
}

export interface BodyDigests {
  size: number;
  /** raw MD5 of the bytes (16 bytes): the single-part ETag */
  md5: Buffer;
  /** the checksum the client asked for (verified), or one the gateway computed by default */
  checksum?: Checksum;
  /**
   * S3's default checksum (CRC64NVME) of the bytes when it was asked for besides `checksum`
   * (ChecksumChoice.withDefault); `checksum` itself when that is of the same algorithm
   */
  defaultChecksum?: Checksum;
}

/** What a new object is created with, by a PUT, a copy or a multipart upload. */
export interface NewObjectParams extends SystemMetadata {
  bucket: string;
  key: string;
  userMetadata: Record<string, string>;
  tags: Record<string, string>;
  storageClass: string;
  owner: string;
  /** the new object's ACL; absent: the default (owner only). An engine that keeps no ACLs fails with NOT_SUPPORTED. */
  acl?: Acl;
  /**
   * The retention and legal hold the request states for the new version. An engine fails it with
   * INVALID_REQUEST in a bucket without Object Lock; in one with Object Lock, a version whose
   * request states no retention gets the bucket's default retention, if any.
   */
  lock?: ObjectLock;
}

export interface PutObjectParams extends NewObjectParams {
  /**
   * Conditional write, checked atomically with the commit: ifMatch fails with KEY_NOT_FOUND when
   * there is no object and PRECONDITION_FAILED when its ETag differs; ifNoneMatch "*" fails with
   * PRECONDITION_FAILED when there is one. A condition that held when the write started but not at
   * its commit (a concurrent write won) fails with CONFLICT.
   */
  ifMatch?: string;
  ifNoneMatch?: string;
}

export interface ByteRange {
  /** inclusive */
  start: number;
  /** inclusive */
  end: number;
}

export interface GetObjectParams {
  bucket: string;
  key: string;
  /** already resolved against the object's size by the caller; undefined = whole object (or part) */
  range?: (info: ObjectInfo) => ByteRange | undefined;
  /** read only this part of a multipart object (1-based) */
  partNumber?: number;
  /** read this version instead of the latest */
  versionId?: string;
}

export interface ObjectPartInfo {
  partsCount: number;
  /** byte range of the part within the object */
  range: ByteRange;
  /**
   * The checksum a part of a multipart object was uploaded with, when the engine keeps part
   * checksums (whatever its algorithm: the runtime decides whether to show it). Not set for the one
   * part of a single PUT, whose checksum is the object's.
   */
  checksum?: Checksum;
}

/** One part of a multipart object, as GetObjectAttributes lists it. */
export interface ObjectPartEntry {
  /** 1-based position in the completed object: the partNumber a GET of this part takes */
  partNumber: number;
  size: number;
  /** as in ObjectPartInfo */
  checksum?: Checksum;
}

export interface ObjectAttributesParams {
  bucket: string;
  key: string;
  /** the version asked for (absent: the current one) */
  versionId?: string;
  /**
   * A page of the parts of a multipart object: those after `partNumberMarker`, at most `maxParts`
   * of them. Absent: the parts are not wanted (an engine may then skip reading them).
   */
  parts?: { partNumberMarker: number; maxParts: number };
}

export interface ObjectAttributesResult {
  info: ObjectInfo;
  /** set when params.parts was given and the object was made by CompleteMultipartUpload (info.partsCount) */
  parts?: {
    parts: ObjectPartEntry[];
    isTruncated: boolean;
    /** the last part number returned, when truncated; resume with it as partNumberMarker */
    nextPartNumberMarker?: number;
  };
}

export interface GetObjectResult {
  info: ObjectInfo;
  /** the range actually served (undefined: whole object) */
  range?: ByteRange;
  /** set when params.partNumber was given */
  part?: ObjectPartInfo;
  /**
   * Opens the bytes of the snapshot `info` describes (a concurrent overwrite does not change them).
   * Call at most once; not calling it (e.g. a failed precondition, HEAD) must leak nothing, and
   * `release()` must be called in that case.
   */
  open(): Readable;
  release(): void;
}

export interface ListObjectsParams {
  bucket: string;
  prefix?: string;
  delimiter?: string;
  /** exclusive: list keys (and common prefixes) strictly after this one */
  startAfter?: string;
  maxKeys: number;
}

export interface ListObjectsResult {
  objects: ObjectSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** the last key or common prefix returned, when truncated; resume with it as startAfter */
  nextMarker?: string;
}

/** An object's tag set and the version it belongs to. */
export interface ObjectTags {
  tags: Record<string, string>;
  versionId?: string;
}

/**
 * Who a request is from, as its signature proved it. A storage engine that checks access itself
 * (Ozone's OM on a secure cluster re-verifies the SigV4 signature) gets it through forRequest.
 */
export interface RequestIdentity {
  accessKeyId: string;
  /** the SigV4 string to sign and the signature over it (hex) */
  stringToSign: string;
  signature: string;
}

/** What a new bucket is made with besides its name and owner (createBucket). */
export interface NewBucketOptions {
  access?: BucketAccess;
  objectLock?: boolean;
}

/** The storage engine. Every method may throw StorageError; anything else is an internal error. */
export interface StorageClient {
  /** Human name for logs and metrics: "embedded", "ozone". */
  readonly name: string;

  /**
   * A view of this client that acts for one request's caller. Optional: an engine that trusts the
   * gateway's own authentication (the embedded store) does not implement it.
   */
  forRequest?(identity: RequestIdentity): StorageClient;

  /**
   * false when the engine keeps no per-part checksums (listParts shows none): then the part
   * checksums a CompleteMultipartUpload lists cannot be compared with anything.
   */
  readonly partChecksums?: boolean;

  /**
   * false when the engine has no Object Lock (its lock calls answer NOT_SUPPORTED once the bucket
   * is found): no bucket has a default retention, so a write need not ask for one.
   */
  readonly objectLockSupported?: boolean;

  listBuckets(): Promise<BucketInfo[]>;
  /**
   * Makes the bucket. `access`: its ACL and ownership controls in the same step (an engine that
   * keeps no ACLs fails a non-empty one with NOT_SUPPORTED). `objectLock`: the bucket is made with
   * Object Lock enabled, and so with versioning Enabled.
   */
  createBucket(name: string, owner: string, options?: NewBucketOptions): Promise<void>;
  getBucket(name: string): Promise<BucketInfo>;
  /**
   * Another process of the gateway created or deleted the bucket (runtime/workers/): an engine
   * that keeps getBucket answers drops this one.
   */
  forgetBucket?(name: string): void;
  /** fails with BUCKET_NOT_EMPTY while the bucket holds an object */
  deleteBucket(name: string): Promise<void>;

  /**
   * Versioning (S3's "Using versioning in S3 buckets"). An engine that cannot keep versions
   * answers every bucket as never versioned, fails putBucketVersioning with NOT_SUPPORTED, and
   * knows only the version id "null" (VERSION_NOT_FOUND for any other).
   *
   * Every method taking a `versionId` reads or changes that version instead of the latest; a
   * missing version is VERSION_NOT_FOUND, a delete marker named by its id METHOD_NOT_ALLOWED, and
   * a key whose latest version is a delete marker KEY_NOT_FOUND (both with the marker's id in
   * StorageError.detail).
   */
  getBucketVersioning(bucket: string): Promise<BucketVersioning>;
  putBucketVersioning(bucket: string, status: "Enabled" | "Suspended", mfaDelete?: "Disabled"): Promise<void>;

  putObject(params: PutObjectParams, body: IncomingBody): Promise<ObjectInfo>;
  headObject(
    bucket: string,
    key: string,
    partNumber?: number,
    versionId?: string,
  ): Promise<{ info: ObjectInfo; part?: ObjectPartInfo }>;
  getObject(params: GetObjectParams): Promise<GetObjectResult>;
  /**
   * The object as headObject describes it and, when asked for, a page of its parts, both from the
   * same version of the object.
   */
  getObjectAttributes(params: ObjectAttributesParams): Promise<ObjectAttributesResult>;
  /**
   * idempotent: deleting a missing key (or a missing version of a versioned bucket) succeeds (S3
   * semantics); a missing bucket fails. In a versioned bucket, without a version id it adds a delete
   * marker; with one it removes that version for good.
   */
  /**
   * With a condition, deletes only if the current version meets it (DeleteCondition). A removal by
   * version id of a version under Object Lock fails with ACCESS_DENIED unless `bypassGovernance`
   * and its lock is GOVERNANCE retention alone (see getObjectLockConfiguration).
   */
  deleteObject(bucket: string, key: string, versionId?: string, condition?: DeleteCondition, bypassGovernance?: boolean): Promise<DeleteOutcome>;
  /** Each entry as deleteObject deletes it (its own condition and bypassGovernance). */
  deleteObjects(bucket: string, objects: ObjectToDelete[]): Promise<DeleteObjectResult[]>;
  listObjects(params: ListObjectsParams): Promise<ListObjectsResult>;
  /** Every version and delete marker, by key in listing order, newest first within a key. */
  listObjectVersions(params: ListVersionsParams): Promise<ListVersionsResult>;

  /** The object's tag set (empty when it has none). */
  getObjectTags(bucket: string, key: string, versionId?: string): Promise<ObjectTags>;
  /**
   * Replaces the object's whole tag set in one step. The object's bytes, ETag and last-modified
   * time stay as they are (S3 keeps them: tags are a sub-resource, not a new version).
   */
  putObjectTags(bucket: string, key: string, tags: Record<string, string>, versionId?: string): Promise<{ versionId?: string }>;
  /** Removes every tag of the object; like putObjectTags, changes nothing else. */
  deleteObjectTags(bucket: string, key: string, versionId?: string): Promise<{ versionId?: string }>;

  /**
   * The bucket's tag set; undefined when it has none. An engine that cannot keep bucket tags fails
   * the three bucket-tag methods with NOT_SUPPORTED.
   */
  getBucketTags(bucket: string): Promise<Record<string, string> | undefined>;
  /** Replaces the bucket's tag set; an empty set removes it. */
  putBucketTags(bucket: string, tags: Record<string, string>): Promise<void>;
  deleteBucketTags(bucket: string): Promise<void>;

  /**
   * The bucket's CORS rules as they were put; undefined when it has none. An engine that cannot
   * keep them fails the three bucket-CORS methods with NOT_SUPPORTED.
   */
  getBucketCors(bucket: string): Promise<CorsRule[] | undefined>;
  /** Replaces the bucket's CORS rules (a non-empty list, validated by the caller). */
  putBucketCors(bucket: string, rules: CorsRule[]): Promise<void>;
  /** Removes the bucket's CORS rules; succeeds when there are none. */
  deleteBucketCors(bucket: string): Promise<void>;

  /**
   * The bucket's lifecycle rules as they were put; undefined when it has none. An engine that
   * cannot keep them fails the three methods with NOT_SUPPORTED.
   */
  getBucketLifecycle(bucket: string): Promise<LifecycleRule[] | undefined>;
  /** Replaces the bucket's lifecycle rules (a non-empty list, validated by the caller). */
  putBucketLifecycle(bucket: string, rules: LifecycleRule[]): Promise<void>;
  /** Removes the bucket's lifecycle rules; succeeds when there are none. */
  deleteBucketLifecycle(bucket: string): Promise<void>;

  /**
   * The bucket's policy document, as PutBucketPolicy gave it (checked by the caller:
   * runtime/access/policy/); undefined when it has none. An engine that cannot keep policies fails
   * the bucket-policy and public-access-block methods with NOT_SUPPORTED.
   */
  getBucketPolicy(bucket: string): Promise<string | undefined>;
  putBucketPolicy(bucket: string, policy: string): Promise<void>;
  /** Removes the bucket's policy; succeeds when there is none. */
  deleteBucketPolicy(bucket: string): Promise<void>;
  /** The bucket's public access block; undefined when it has none. */
  getPublicAccessBlock(bucket: string): Promise<PublicAccessBlock | undefined>;
  putPublicAccessBlock(bucket: string, config: PublicAccessBlock): Promise<void>;
  /** Removes the bucket's public access block; succeeds when there is none. */
  deletePublicAccessBlock(bucket: string): Promise<void>;
  /**
   * Object Lock. An engine that cannot keep versions fails these with NOT_SUPPORTED (and
   * createBucket with objectLock). A removal by version id (deleteObject, deleteObjects) of a
   * version under legal hold, under COMPLIANCE retention, or under GOVERNANCE retention without
   * `bypassGovernance` fails with ACCESS_DENIED; a delete without a version id is not refused.
   *
   * The bucket's configuration; undefined when Object Lock is not enabled on it.
   */
  getObjectLockConfiguration(bucket: string): Promise<ObjectLockConfiguration | undefined>;
  /**
   * Sets the default retention (none: removes it). A bucket without Object Lock gets it enabled
   * when its versioning is Enabled; otherwise INVALID_BUCKET_STATE.
   */
  putObjectLockConfiguration(bucket: string, config: ObjectLockConfiguration): Promise<void>;
  /** A version's lock (INVALID_REQUEST in a bucket without Object Lock). */
  getObjectLock(bucket: string, key: string, versionId?: string): Promise<ObjectLock>;
  /**
   * Replaces a version's retention (undefined: removes it). Moving a COMPLIANCE date earlier,
   * changing its mode or removing it fails with ACCESS_DENIED while it holds; the same for
   * GOVERNANCE unless `bypassGovernance`.
   */
  putObjectRetention(bucket: string, key: string, retention: ObjectRetention | undefined, versionId?: string, bypassGovernance?: boolean): Promise<void>;
  putObjectLegalHold(bucket: string, key: string, on: boolean, versionId?: string): Promise<void>;

  /**
   * ACLs and ownership controls ("Access control list (ACL) overview", "Controlling ownership of
   * objects", Amazon S3 User Guide). The bucket's: read on the access decision's path, but only for
   * a request that is not the bucket owner's (runtime/access/authorize.ts). An object's ACL is
   * ObjectInfo.acl. An engine that keeps no ACLs answers {} here and fails the writes with
   * NOT_SUPPORTED.
   */
  getBucketAccess(bucket: string): Promise<BucketAccess>;
  /** Replaces the bucket's ACL. */
  putBucketAcl(bucket: string, acl: Acl): Promise<void>;
  /** Sets the bucket's ownership controls; undefined removes them. */
  putBucketOwnership(bucket: string, ownership: ObjectOwnership | undefined): Promise<void>;
  /**
   * Replaces the ACL of the object's current version (or of `versionId`); like putObjectTags it
   * changes nothing else (ETag, Last-Modified, data).
   */
  putObjectAcl(bucket: string, key: string, acl: Acl, versionId?: string): Promise<{ versionId?: string }>;

  createMultipartUpload(params: MultipartUploadParams): Promise<UploadInfo>;
  uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: IncomingBody,
  ): Promise<PartInfo>;
  completeMultipartUpload(params: CompleteMultipartParams): Promise<ObjectInfo>;
  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void>;
  listParts(params: ListPartsParams): Promise<ListPartsResult>;
  listMultipartUploads(params: ListUploadsParams): Promise<ListUploadsResult>;

  /**
   * Resolves when the engine can serve requests now; rejects with the reason otherwise. Cheap (it
   * backs the readiness probe, asked every few seconds) and bounded by `timeoutMs`.
   */
  checkReady(timeoutMs: number): Promise<void>;

  /** Flush and release everything (close databases, stop timers). */
  close(): Promise<void>;
}

/** Storage-level failure kinds: the vocabulary both engines speak (Ozone's OM result codes map onto it). */
export type StorageErrorKind =
  | "BUCKET_NOT_FOUND"
  | "BUCKET_NOT_EMPTY"
  /** bucket exists and belongs to someone else */
  | "BUCKET_ALREADY_EXISTS"
  /** bucket exists and belongs to the caller */
  | "BUCKET_ALREADY_OWNED"
  | "KEY_NOT_FOUND"
  /** a version id that names no version of the key */
  | "VERSION_NOT_FOUND"
  /** a delete marker addressed by its version id (it has no data, metadata or tags) */
  | "METHOD_NOT_ALLOWED"
  | "UPLOAD_NOT_FOUND"
  /** CompleteMultipartUpload named a part that was not uploaded, or with another ETag */
  | "INVALID_PART"
  | "INVALID_PART_ORDER"
  /** a part other than the last is smaller than the minimum part size */
  | "ENTITY_TOO_SMALL"
  /** requested part number does not exist in the object */
  | "INVALID_PART_NUMBER"
  | "PRECONDITION_FAILED"
  /** a checksum the client gave does not match the data */
  | "BAD_DIGEST"
  /** a concurrent conditional write won */
  | "CONFLICT"
  | "INVALID_ARGUMENT"
  /** the request does not fit the bucket (an Object Lock request to a bucket without Object Lock) */
  | "INVALID_REQUEST"
  /** the bucket's state forbids it (suspending versioning under Object Lock, enabling Object Lock without versioning) */
  | "INVALID_BUCKET_STATE"
  | "NOT_SUPPORTED"
  | "QUOTA_EXCEEDED"
  | "ACCESS_DENIED"
  /** the storage engine cannot be reached or is not ready (retry later) */
  | "UNAVAILABLE";

export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    message?: string,
    /** a message safe to show the client (it replaces the S3 error's default message) */
    readonly clientMessage?: string,
    /** the listed part a part-list failure (INVALID_PART) is about: its number and the ETag given for it */
    readonly part?: { partNumber: number; etag: string },
    /**
     * the version a failure is about: the id asked for, whether it is a delete marker, and (a
     * marker read by its id) when it was made, in ms since the epoch
     */
    readonly detail?: { versionId: string; deleteMarker?: boolean; lastModified?: number },
  ) {
    super(message ?? clientMessage ?? kind);
    this.name = "StorageError";
  }
}
