// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
import type { DeleteBucketOwnershipControlsInput, DeleteBucketOwnershipControlsOutput, GetBucketAclInput, GetBucketAclOutput, GetBucketOwnershipControlsInput, GetBucketOwnershipControlsOutput, GetObjectAclInput, GetObjectAclOutput, PutBucketAclInput, PutBucketAclOutput, PutBucketOwnershipControlsInput, PutBucketOwnershipControlsOutput, PutObjectAclInput, PutObjectAclOutput } from "./types/acl.js";
import type { GetObjectAttributesInput, GetObjectAttributesOutput } from "./types/attributes.js";
import type { CreateBucketInput, CreateBucketOutput, DeleteBucketInput, DeleteBucketOutput, GetBucketLocationInput, GetBucketLocationOutput, HeadBucketInput, HeadBucketOutput, ListBucketsInput, ListBucketsOutput } from "./types/buckets.js";
import type { CopyObjectInput, CopyObjectOutput, UploadPartCopyInput, UploadPartCopyOutput } from "./types/copy.js";
import type { DeleteBucketCorsInput, DeleteBucketCorsOutput, GetBucketCorsInput, GetBucketCorsOutput, PutBucketCorsInput, PutBucketCorsOutput } from "./types/cors.js";
import type { DeleteBucketEncryptionInput, DeleteBucketEncryptionOutput, GetBucketEncryptionInput, GetBucketEncryptionOutput, PutBucketEncryptionInput, PutBucketEncryptionOutput } from "./types/encryption.js";
import type { DeleteBucketLifecycleInput, DeleteBucketLifecycleOutput, GetBucketLifecycleConfigurationInput, GetBucketLifecycleConfigurationOutput, PutBucketLifecycleConfigurationInput, PutBucketLifecycleConfigurationOutput } from "./types/lifecycle.js";
import type { ListObjectVersionsInput, ListObjectVersionsOutput, ListObjectsInput, ListObjectsOutput, ListObjectsV2Input, ListObjectsV2Output } from "./types/listing.js";
import type { AbortMultipartUploadInput, AbortMultipartUploadOutput, CompleteMultipartUploadInput, CompleteMultipartUploadOutput, CreateMultipartUploadInput, CreateMultipartUploadOutput, ListMultipartUploadsInput, ListMultipartUploadsOutput, ListPartsInput, ListPartsOutput, UploadPartInput, UploadPartOutput } from "./types/multipart.js";
import type { GetObjectLegalHoldInput, GetObjectLegalHoldOutput, GetObjectLockConfigurationInput, GetObjectLockConfigurationOutput, GetObjectRetentionInput, GetObjectRetentionOutput, PutObjectLegalHoldInput, PutObjectLegalHoldOutput, PutObjectLockConfigurationInput, PutObjectLockConfigurationOutput, PutObjectRetentionInput, PutObjectRetentionOutput } from "./types/object-lock.js";
import type { DeleteObjectInput, DeleteObjectOutput, DeleteObjectsInput, DeleteObjectsOutput, GetObjectInput, GetObjectOutput, HeadObjectInput, HeadObjectOutput, PutObjectInput, PutObjectOutput } from "./types/objects.js";
import type { DeleteBucketPolicyInput, DeleteBucketPolicyOutput, DeletePublicAccessBlockInput, DeletePublicAccessBlockOutput, GetBucketPolicyInput, GetBucketPolicyOutput, GetBucketPolicyStatusInput, GetBucketPolicyStatusOutput, GetPublicAccessBlockInput, GetPublicAccessBlockOutput, PutBucketPolicyInput, PutBucketPolicyOutput, PutPublicAccessBlockInput, PutPublicAccessBlockOutput } from "./types/policy.js";
import type { PostObjectInput, PostObjectOutput } from "./types/post-object.js";
import type { DeleteBucketTaggingInput, DeleteBucketTaggingOutput, DeleteObjectTaggingInput, DeleteObjectTaggingOutput, GetBucketTaggingInput, GetBucketTaggingOutput, GetObjectTaggingInput, GetObjectTaggingOutput, PutBucketTaggingInput, PutBucketTaggingOutput, PutObjectTaggingInput, PutObjectTaggingOutput } from "./types/tagging.js";
import type { GetBucketAccelerateConfigurationInput, GetBucketAccelerateConfigurationOutput, GetBucketAnalyticsConfigurationInput, GetBucketAnalyticsConfigurationOutput, GetBucketIntelligentTieringConfigurationInput, GetBucketIntelligentTieringConfigurationOutput, GetBucketInventoryConfigurationInput, GetBucketInventoryConfigurationOutput, GetBucketLoggingInput, GetBucketLoggingOutput, GetBucketMetricsConfigurationInput, GetBucketMetricsConfigurationOutput, GetBucketNotificationConfigurationInput, GetBucketNotificationConfigurationOutput, GetBucketReplicationInput, GetBucketReplicationOutput, GetBucketRequestPaymentInput, GetBucketRequestPaymentOutput, GetBucketWebsiteInput, GetBucketWebsiteOutput, ListBucketAnalyticsConfigurationsInput, ListBucketAnalyticsConfigurationsOutput, ListBucketIntelligentTieringConfigurationsInput, ListBucketIntelligentTieringConfigurationsOutput, ListBucketInventoryConfigurationsInput, ListBucketInventoryConfigurationsOutput, ListBucketMetricsConfigurationsInput, ListBucketMetricsConfigurationsOutput } from "./types/unconfigured.js";
import type { GetBucketVersioningInput, GetBucketVersioningOutput, PutBucketVersioningInput, PutBucketVersioningOutput } from "./types/versioning.js";

/** Operations of spec/acl.tsp; implemented by runtime/handlers/acl.ts. */
export interface AclHandlers<Ctx> {
  /** Removes the bucket's ownership controls: it then behaves as ObjectWriter, with ACLs in force. */
  DeleteBucketOwnershipControls(input: DeleteBucketOwnershipControlsInput, ctx: Ctx): Promise<DeleteBucketOwnershipControlsOutput>;
  /** The bucket's ACL (the owner's FULL_CONTROL grant when none was set). */
  GetBucketAcl(input: GetBucketAclInput, ctx: Ctx): Promise<GetBucketAclOutput>;
  /** The bucket's ownership controls; OwnershipControlsNotFoundError (404) when it has none. */
  GetBucketOwnershipControls(input: GetBucketOwnershipControlsInput, ctx: Ctx): Promise<GetBucketOwnershipControlsOutput>;
  /** The object's ACL (its owner's FULL_CONTROL grant when none was set). */
  GetObjectAcl(input: GetObjectAclInput, ctx: Ctx): Promise<GetObjectAclOutput>;
  /** Replaces the bucket's ACL: a canned ACL, grant headers or an AccessControlPolicy document, one
   * of the three. Refused with AccessControlListNotSupported while the bucket's ownership is
   * BucketOwnerEnforced, unless the ACL is the owner's FULL_CONTROL alone.
   * 
   * AWS's model asks SDKs to send a checksum of the body, but S3 takes the request without one
   * (s3cmd's setacl, and its cp, mv and modify, which set the copy's ACL, send a document with no
   * Content-MD5, which s3cmd adds to its other configuration requests): a Content-MD5 or
   * x-amz-checksum-* that is sent is verified. */
  PutBucketAcl(input: PutBucketAclInput, ctx: Ctx): Promise<PutBucketAclOutput>;
  /** Sets the bucket's ownership controls. BucketOwnerEnforced is refused with
   * InvalidBucketAclWithObjectOwnership while the bucket's ACL grants anything beyond the owner. */
  PutBucketOwnershipControls(input: PutBucketOwnershipControlsInput, ctx: Ctx): Promise<PutBucketOwnershipControlsOutput>;
  /** Replaces the object's ACL, as PutBucketAcl does the bucket's. Its data and Last-Modified stay.
   * No checksum of the body is required, as for PutBucketAcl; one that is sent is verified. */
  PutObjectAcl(input: PutObjectAclInput, ctx: Ctx): Promise<PutObjectAclOutput>;
}

/** Operations of spec/attributes.tsp; implemented by runtime/handlers/attributes.ts. */
export interface AttributesHandlers<Ctx> {
  /** Some or all of an object's attributes, without its bytes. At least one attribute must be named
   * (400 InvalidRequest otherwise). ObjectParts pages the parts of a multipart object like ListParts:
   * at most x-amz-max-parts of them (1000 at most, the default), after x-amz-part-number-marker. */
  GetObjectAttributes(input: GetObjectAttributesInput, ctx: Ctx): Promise<GetObjectAttributesOutput>;
}

/** Operations of spec/buckets.tsp; implemented by runtime/handlers/buckets.ts. */
export interface BucketsHandlers<Ctx> {
  /** Creates a bucket owned by the caller. */
  CreateBucket(input: CreateBucketInput, ctx: Ctx): Promise<CreateBucketOutput>;
  /** Deletes an empty bucket. */
  DeleteBucket(input: DeleteBucketInput, ctx: Ctx): Promise<DeleteBucketOutput>;
  /** The region the bucket lives in. */
  GetBucketLocation(input: GetBucketLocationInput, ctx: Ctx): Promise<GetBucketLocationOutput>;
  /** Tells whether the bucket exists and the caller may access it. */
  HeadBucket(input: HeadBucketInput, ctx: Ctx): Promise<HeadBucketOutput>;
  /** Lists the buckets owned by the caller. */
  ListBuckets(input: ListBucketsInput, ctx: Ctx): Promise<ListBucketsOutput>;
}

/** Operations of spec/copy.tsp; implemented by runtime/handlers/copy.ts. */
export interface CopyHandlers<Ctx> {
  /** Copies an object, keeping (COPY) or replacing (REPLACE) its metadata. */
  CopyObject(input: CopyObjectInput, ctx: Ctx): Promise<CopyObjectOutput>;
  /** Uploads a part by copying a byte range of an existing object. */
  UploadPartCopy(input: UploadPartCopyInput, ctx: Ctx): Promise<UploadPartCopyOutput>;
}

/** Operations of spec/cors.tsp; implemented by runtime/handlers/cors.ts. */
export interface CorsHandlers<Ctx> {
  /** Removes the bucket's CORS configuration. AWS checks the s3:PutBucketCORS permission for it ("DeleteBucketCors"). */
  DeleteBucketCors(input: DeleteBucketCorsInput, ctx: Ctx): Promise<DeleteBucketCorsOutput>;
  /** The bucket's CORS configuration; NoSuchCORSConfiguration (404) when it has none. */
  GetBucketCors(input: GetBucketCorsInput, ctx: Ctx): Promise<GetBucketCorsOutput>;
  /** Replaces the bucket's CORS configuration. S3 requires the body to be protected by Content-MD5 or
   * an x-amz-checksum-* (the model's requestChecksumRequired): without either the request is refused. */
  PutBucketCors(input: PutBucketCorsInput, ctx: Ctx): Promise<PutBucketCorsOutput>;
}

/** Operations of spec/encryption.tsp; implemented by runtime/handlers/encryption.ts. */
export interface EncryptionHandlers<Ctx> {
  /** Resets the bucket's default encryption to S3's default, SSE-S3: here that changes nothing (with
   * s3.encryptedAtRest the default was SSE-S3 all along; without it the bucket has none), so the
   * answer is 204 for any bucket the caller may configure. */
  DeleteBucketEncryption(input: DeleteBucketEncryptionInput, ctx: Ctx): Promise<DeleteBucketEncryptionOutput>;
  /** The bucket's default encryption. With s3.encryptedAtRest, SSE-S3 (AES256, no bucket key), as S3
   * answers for a bucket whose default was never changed; otherwise the bucket has no default
   * encryption: 404 ServerSideEncryptionConfigurationNotFoundError, S3's answer for such a bucket
   * before every bucket had one (Terraform's AWS provider and the AWS CLI take it as "none"). */
  GetBucketEncryption(input: GetBucketEncryptionInput, ctx: Ctx): Promise<GetBucketEncryptionOutput>;
  /** Sets the bucket's default encryption. Every object here is stored as the storage stores it, so
   * the only default that can be true is SSE-S3 on storage stated encrypted at rest
   * (s3.encryptedAtRest): a configuration of AES256 rules is then taken (and GetBucketEncryption
   * answers it, as it did before); an aws:kms or aws:kms:dsse rule, or an S3 Bucket Key (an SSE-KMS
   * feature), answers 501 NotImplemented, as AES256 does on storage not stated encrypted. A
   * KMSMasterKeyID in an AES256 rule is S3's 400 InvalidArgument. As the model asks, the body must
   * come with a Content-MD5 or x-amz-checksum-*. */
  PutBucketEncryption(input: PutBucketEncryptionInput, ctx: Ctx): Promise<PutBucketEncryptionOutput>;
}

/** Operations of spec/lifecycle.tsp; implemented by runtime/handlers/lifecycle.ts. */
export interface LifecycleHandlers<Ctx> {
  /** Removes the bucket's lifecycle configuration (AWS checks s3:PutLifecycleConfiguration for it). */
  DeleteBucketLifecycle(input: DeleteBucketLifecycleInput, ctx: Ctx): Promise<DeleteBucketLifecycleOutput>;
  /** The bucket's lifecycle configuration; NoSuchLifecycleConfiguration (404) when it has none. */
  GetBucketLifecycleConfiguration(input: GetBucketLifecycleConfigurationInput, ctx: Ctx): Promise<GetBucketLifecycleConfigurationOutput>;
  /** Replaces the bucket's lifecycle configuration. S3 requires the body to be protected by
   * Content-MD5 or an x-amz-checksum-* (the model's requestChecksumRequired). */
  PutBucketLifecycleConfiguration(input: PutBucketLifecycleConfigurationInput, ctx: Ctx): Promise<PutBucketLifecycleConfigurationOutput>;
}

/** Operations of spec/listing.tsp; implemented by runtime/handlers/listing.ts. */
export interface ListingHandlers<Ctx> {
  /** Lists object versions and delete markers, by key, newest first within a key. In a bucket never
   * versioned every object has one version, "null", as S3 reports for unversioned buckets. */
  ListObjectVersions(input: ListObjectVersionsInput, ctx: Ctx): Promise<ListObjectVersionsOutput>;
  /** Lists objects (version 1: marker-based pagination). */
  ListObjects(input: ListObjectsInput, ctx: Ctx): Promise<ListObjectsOutput>;
  /** Lists objects (version 2: opaque continuation tokens). */
  ListObjectsV2(input: ListObjectsV2Input, ctx: Ctx): Promise<ListObjectsV2Output>;
}

/** Operations of spec/multipart.tsp; implemented by runtime/handlers/multipart.ts. */
export interface MultipartHandlers<Ctx> {
  /** Aborts a multipart upload and frees its parts. */
  AbortMultipartUpload(input: AbortMultipartUploadInput, ctx: Ctx): Promise<AbortMultipartUploadOutput>;
  /** Makes the object from the listed parts, without copying their bytes. */
  CompleteMultipartUpload(input: CompleteMultipartUploadInput, ctx: Ctx): Promise<CompleteMultipartUploadOutput>;
  /** Starts a multipart upload; the metadata given here becomes the object's. */
  CreateMultipartUpload(input: CreateMultipartUploadInput, ctx: Ctx): Promise<CreateMultipartUploadOutput>;
  /** Lists the multipart uploads in progress in a bucket. */
  ListMultipartUploads(input: ListMultipartUploadsInput, ctx: Ctx): Promise<ListMultipartUploadsOutput>;
  /** Lists the parts uploaded so far. */
  ListParts(input: ListPartsInput, ctx: Ctx): Promise<ListPartsOutput>;
  /** Uploads one part (1..10000) of a multipart upload. */
  UploadPart(input: UploadPartInput, ctx: Ctx): Promise<UploadPartOutput>;
}

/** Operations of spec/object-lock.tsp; implemented by runtime/handlers/object-lock.ts. */
export interface ObjectLockHandlers<Ctx> {
  /** A version's legal hold; NoSuchObjectLockConfiguration when it never had one. */
  GetObjectLegalHold(input: GetObjectLegalHoldInput, ctx: Ctx): Promise<GetObjectLegalHoldOutput>;
  /** The bucket's lock configuration; ObjectLockConfigurationNotFoundError for a bucket without Object Lock. */
  GetObjectLockConfiguration(input: GetObjectLockConfigurationInput, ctx: Ctx): Promise<GetObjectLockConfigurationOutput>;
  /** A version's retention; NoSuchObjectLockConfiguration when it has none. */
  GetObjectRetention(input: GetObjectRetentionInput, ctx: Ctx): Promise<GetObjectRetentionOutput>;
  /** Turns a version's legal hold ON or OFF. InvalidRequest in a bucket without Object Lock. */
  PutObjectLegalHold(input: PutObjectLegalHoldInput, ctx: Ctx): Promise<PutObjectLegalHoldOutput>;
  /** Sets the bucket's default retention, or enables Object Lock on a bucket whose versioning is
   * Enabled (InvalidBucketState otherwise). The body must be protected by Content-MD5 or a checksum.
   * The Ozone backend cannot keep versions: 501. */
  PutObjectLockConfiguration(input: PutObjectLockConfigurationInput, ctx: Ctx): Promise<PutObjectLockConfigurationOutput>;
  /** Sets a version's retention. A COMPLIANCE retention can only be extended; a GOVERNANCE one can be
   * shortened, removed or changed to COMPLIANCE only with x-amz-bypass-governance-retention (403
   * AccessDenied otherwise). InvalidRequest in a bucket without Object Lock. */
  PutObjectRetention(input: PutObjectRetentionInput, ctx: Ctx): Promise<PutObjectRetentionOutput>;
}

/** Operations of spec/objects.tsp; implemented by runtime/handlers/objects.ts. */
export interface ObjectsHandlers<Ctx> {
  /** Deletes an object. Deleting a key that does not exist succeeds, as in S3. In a versioned bucket
   * a delete without a version id adds a delete marker (a suspended bucket's is the "null" version);
   * with one it removes that version for good.
   * 
   * Conditional deletes ("How to perform conditional deletes", Amazon S3 User Guide): with any of
   * the three conditions, the key's current version must exist (404 NoSuchKey otherwise, also when
   * the latest version is a delete marker) and match each condition given (412 PreconditionFailed
   * otherwise); they are evaluated against the current version even when a version id is given,
   * as S3 does. AWS documents the last-modified-time and size conditions for directory buckets
   * only; they are honoured here on every bucket, as Ceph RGW does. */
  DeleteObject(input: DeleteObjectInput, ctx: Ctx): Promise<DeleteObjectOutput>;
  /** Deletes up to 1000 objects in one request. */
  DeleteObjects(input: DeleteObjectsInput, ctx: Ctx): Promise<DeleteObjectsOutput>;
  /** Reads an object, a byte range of it, or one part of a multipart object. */
  GetObject(input: GetObjectInput, ctx: Ctx): Promise<GetObjectOutput>;
  /** An object's metadata, as GetObject would answer without the body. */
  HeadObject(input: HeadObjectInput, ctx: Ctx): Promise<HeadObjectOutput>;
  /** Stores an object, replacing any object of the same key. */
  PutObject(input: PutObjectInput, ctx: Ctx): Promise<PutObjectOutput>;
}

/** Operations of spec/policy.tsp; implemented by runtime/handlers/policy.ts. */
export interface PolicyHandlers<Ctx> {
  /** Removes the bucket's policy; succeeds when there is none. */
  DeleteBucketPolicy(input: DeleteBucketPolicyInput, ctx: Ctx): Promise<DeleteBucketPolicyOutput>;
  /** Removes the bucket's public access block (AWS checks s3:PutBucketPublicAccessBlock for it); succeeds when there is none. */
  DeletePublicAccessBlock(input: DeletePublicAccessBlockInput, ctx: Ctx): Promise<DeletePublicAccessBlockOutput>;
  /** The bucket's policy as it was put; NoSuchBucketPolicy (404) when it has none. */
  GetBucketPolicy(input: GetBucketPolicyInput, ctx: Ctx): Promise<GetBucketPolicyOutput>;
  /** Whether the bucket is public by its policy. A bucket without a policy is not public (AWS
   * answers NoSuchBucketPolicy then; ceph/s3-tests' test_get_bucket_policy_status expects
   * IsPublic false, which is what this answers). */
  GetBucketPolicyStatus(input: GetBucketPolicyStatusInput, ctx: Ctx): Promise<GetBucketPolicyStatusOutput>;
  /** The bucket's public access block; NoSuchPublicAccessBlockConfiguration (404) when it has none. */
  GetPublicAccessBlock(input: GetPublicAccessBlockInput, ctx: Ctx): Promise<GetPublicAccessBlockOutput>;
  /** Replaces the bucket's policy. The body is the policy document (JSON, at most 20 KB), refused
   * with MalformedPolicy as S3 refuses it; a public policy is refused with AccessDenied while the
   * bucket's BlockPublicPolicy is on. AWS's model asks SDKs to send a checksum of the body, but S3
   * takes the request without one (minio-go and minio-js, used against S3, send none): a Content-MD5
   * or x-amz-checksum-* that is sent is verified. */
  PutBucketPolicy(input: PutBucketPolicyInput, ctx: Ctx): Promise<PutBucketPolicyOutput>;
  /** Replaces the bucket's public access block. AWS's model asks SDKs to send a checksum of the body,
   * but S3 takes the request without one (aws-sdk-js issue 2818): a Content-MD5 or x-amz-checksum-*
   * that is sent is verified. */
  PutPublicAccessBlock(input: PutPublicAccessBlockInput, ctx: Ctx): Promise<PutPublicAccessBlockOutput>;
}

/** Operations of spec/post-object.tsp; implemented by runtime/handlers/post-object.ts. */
export interface PostObjectHandlers<Ctx> {
  /** Uploads an object from an HTML form: `POST /{Bucket}` with a `multipart/form-data` body and no
   * Authorization header. The form's fields come before the `file` field (S3 ignores any after it;
   * names are case-insensitive; at most 20 KB of fields):
   * 
   * - `key` (required): the object's key; `${filename}` in it is replaced by the file's name;
   * - `policy`: the POST policy, the base64 of a policy document `{"expiration": ..., "conditions": [...]}`; every form
   * field except `policy`, the signature fields, `file` and `x-ignore-*` must be allowed by one of its
   * conditions (`{"field": "value"}`, `["eq", "$field", "value"]`,
   * `["starts-with", "$field", "prefix"]`, `["content-length-range", min, max]`), and it must name
   * the bucket;
   * - SigV4: `x-amz-algorithm` (`AWS4-HMAC-SHA256`), `x-amz-credential`, `x-amz-date` and
   * `x-amz-signature`, the hex HMAC-SHA256 of the policy with the signing key of the credential's
   * date, region and `s3`; SigV2: `AWSAccessKeyId` and `signature`, the base64 HMAC-SHA1 of the policy;
   * - `success_action_redirect` (or `redirect`), `success_action_status` (200, 201 or 204);
   * - `Content-Type`, `Cache-Control`, `Content-Disposition`, `Content-Encoding`, `Expires`,
   * `x-amz-website-redirect-location`, `x-amz-meta-*`, `x-amz-storage-class`, `x-amz-checksum-*`, `tagging` (a `<Tagging>` document),
   * `acl` (a canned ACL): stored as PutObject stores their headers;
   * - `x-amz-server-side-encryption`, `x-amz-server-side-encryption-aws-kms-key-id`,
   * `x-amz-server-side-encryption-context` and `x-amz-server-side-encryption-customer-*`: checked
   * and answered as PutObject's headers (encryption.tsp);
   * - `file`: the object's bytes, streamed to storage.
   * 
   * A form without policy and signature is an anonymous request: refused (AccessDenied), as this
   * gateway has no anonymous access. */
  PostObject(input: PostObjectInput, ctx: Ctx): Promise<PostObjectOutput>;
}

/** Operations of spec/tagging.tsp; implemented by runtime/handlers/tagging.ts. */
export interface TaggingHandlers<Ctx> {
  /** Removes the bucket's tag set. AWS checks the s3:PutBucketTagging permission for it ("DeleteBucketTagging"). */
  DeleteBucketTagging(input: DeleteBucketTaggingInput, ctx: Ctx): Promise<DeleteBucketTaggingOutput>;
  /** Removes every tag of the object. */
  DeleteObjectTagging(input: DeleteObjectTaggingInput, ctx: Ctx): Promise<DeleteObjectTaggingOutput>;
  /** The bucket's tag set; NoSuchTagSet (404) when it has none. */
  GetBucketTagging(input: GetBucketTaggingInput, ctx: Ctx): Promise<GetBucketTaggingOutput>;
  /** The object's tag set (an empty TagSet when it has none). */
  GetObjectTagging(input: GetObjectTaggingInput, ctx: Ctx): Promise<GetObjectTaggingOutput>;
  /** Replaces the bucket's tag set (an empty TagSet removes it). */
  PutBucketTagging(input: PutBucketTaggingInput, ctx: Ctx): Promise<PutBucketTaggingOutput>;
  /** Replaces the object's whole tag set at once (an empty TagSet removes every tag). The object's
   * ETag and Last-Modified stay as they are, as in S3.
   * 
   * AWS's model asks SDKs to send a checksum of the body, but S3 takes the request without one
   * (versitygw issue 1662, checked against S3): a Content-MD5 or x-amz-checksum-* that is sent is
   * verified. PutBucketTagging, below, does require one. */
  PutObjectTagging(input: PutObjectTaggingInput, ctx: Ctx): Promise<PutObjectTaggingOutput>;
}

/** Operations of spec/unconfigured.tsp; implemented by runtime/handlers/unconfigured.ts. */
export interface UnconfiguredHandlers<Ctx> {
  /** Transfer acceleration is never enabled here: a configuration without a Status. */
  GetBucketAccelerateConfiguration(input: GetBucketAccelerateConfigurationInput, ctx: Ctx): Promise<GetBucketAccelerateConfigurationOutput>;
  /** No analytics configuration exists here: 404 NoSuchConfiguration for any id. */
  GetBucketAnalyticsConfiguration(input: GetBucketAnalyticsConfigurationInput, ctx: Ctx): Promise<GetBucketAnalyticsConfigurationOutput>;
  /** No Intelligent-Tiering configuration exists here: 404 NoSuchConfiguration for any id. */
  GetBucketIntelligentTieringConfiguration(input: GetBucketIntelligentTieringConfigurationInput, ctx: Ctx): Promise<GetBucketIntelligentTieringConfigurationOutput>;
  /** No inventory configuration exists here: 404 NoSuchConfiguration for any id. */
  GetBucketInventoryConfiguration(input: GetBucketInventoryConfigurationInput, ctx: Ctx): Promise<GetBucketInventoryConfigurationOutput>;
  /** S3 server access logging is never on here (the gateway's own audit log is the operator's, not a
   * bucket's): an empty BucketLoggingStatus. */
  GetBucketLogging(input: GetBucketLoggingInput, ctx: Ctx): Promise<GetBucketLoggingOutput>;
  /** No metrics configuration exists here: 404 NoSuchConfiguration for any id. */
  GetBucketMetricsConfiguration(input: GetBucketMetricsConfigurationInput, ctx: Ctx): Promise<GetBucketMetricsConfigurationOutput>;
  /** No bucket sends event notifications here: an empty NotificationConfiguration. */
  GetBucketNotificationConfiguration(input: GetBucketNotificationConfigurationInput, ctx: Ctx): Promise<GetBucketNotificationConfigurationOutput>;
  /** No bucket replicates here: 404 ReplicationConfigurationNotFoundError, S3's answer for a bucket that does not. */
  GetBucketReplication(input: GetBucketReplicationInput, ctx: Ctx): Promise<GetBucketReplicationOutput>;
  /** Requester pays is never on here: the bucket owner pays (BucketOwner). */
  GetBucketRequestPayment(input: GetBucketRequestPaymentInput, ctx: Ctx): Promise<GetBucketRequestPaymentOutput>;
  /** No bucket is a website here: 404 NoSuchWebsiteConfiguration, S3's answer for a bucket that is not. */
  GetBucketWebsite(input: GetBucketWebsiteInput, ctx: Ctx): Promise<GetBucketWebsiteOutput>;
  /** Storage class analysis is never configured here: an empty list. */
  ListBucketAnalyticsConfigurations(input: ListBucketAnalyticsConfigurationsInput, ctx: Ctx): Promise<ListBucketAnalyticsConfigurationsOutput>;
  /** The gateway has one storage class: no Intelligent-Tiering configuration, an empty list. */
  ListBucketIntelligentTieringConfigurations(input: ListBucketIntelligentTieringConfigurationsInput, ctx: Ctx): Promise<ListBucketIntelligentTieringConfigurationsOutput>;
  /** Inventory reports are never configured here: an empty list. */
  ListBucketInventoryConfigurations(input: ListBucketInventoryConfigurationsInput, ctx: Ctx): Promise<ListBucketInventoryConfigurationsOutput>;
  /** CloudWatch request metrics are never configured here: an empty list. */
  ListBucketMetricsConfigurations(input: ListBucketMetricsConfigurationsInput, ctx: Ctx): Promise<ListBucketMetricsConfigurationsOutput>;
}

/** Operations of spec/versioning.tsp; implemented by runtime/handlers/versioning.ts. */
export interface VersioningHandlers<Ctx> {
  /** The bucket's versioning state (an empty configuration for a bucket never versioned). */
  GetBucketVersioning(input: GetBucketVersioningInput, ctx: Ctx): Promise<GetBucketVersioningOutput>;
  /** Enables or suspends versioning. MFA delete cannot be enabled: the gateway has no MFA devices, so
   * a request that asks for it without `x-amz-mfa` is refused as S3 refuses it (403 AccessDenied),
   * and one that brings a token is 501 NotImplemented. A bucket with Object Lock cannot be Suspended
   * (409 InvalidBucketState). The Ozone backend cannot keep versions: 501.
   * 
   * AWS's model asks SDKs to send a checksum of the body, but S3 takes the request without one (the
   * AWS SDK for Java v1 and minio-js send none; MinIO dropped the requirement for that reason, its
   * pull request 9852): a Content-MD5 or x-amz-checksum-* that is sent is verified. */
  PutBucketVersioning(input: PutBucketVersioningInput, ctx: Ctx): Promise<PutBucketVersioningOutput>;
}

/** Every implemented operation: what runtime/handlers/ must provide. */
export interface S3Handlers<Ctx> extends AclHandlers<Ctx>, AttributesHandlers<Ctx>, BucketsHandlers<Ctx>, CopyHandlers<Ctx>, CorsHandlers<Ctx>, EncryptionHandlers<Ctx>, LifecycleHandlers<Ctx>, ListingHandlers<Ctx>, MultipartHandlers<Ctx>, ObjectLockHandlers<Ctx>, ObjectsHandlers<Ctx>, PolicyHandlers<Ctx>, PostObjectHandlers<Ctx>, TaggingHandlers<Ctx>, UnconfiguredHandlers<Ctx>, VersioningHandlers<Ctx> { }
