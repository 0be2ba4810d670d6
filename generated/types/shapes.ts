// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
/** Aborts multipart uploads still incomplete DaysAfterInitiation days after they were created. */
export interface AbortIncompleteMultipartUpload {
  DaysAfterInitiation?: number;
}

/** Transfer acceleration: no Status, as S3 answers for a bucket where it was never set. */
export interface AccelerateConfiguration {
  Status?: "Enabled" | "Suspended";
}

/** An ACL: its owner and its grants (`<AccessControlList><Grant>...`). */
export interface AccessControlPolicy {
  Owner?: Owner;
  Grants?: Grant[];
}

export interface Bucket {
  Name?: string;
  CreationDate?: Date;
  BucketRegion?: string;
}

/** `<LifecycleConfiguration><Rule>...</Rule>...</LifecycleConfiguration>`: 1 to 1000 rules. */
export interface BucketLifecycleConfiguration {
  Rules: LifecycleRule[];
}

/** Server access logging: no LoggingEnabled, as S3 answers for a bucket that does not log. */
export interface BucketLoggingStatus {

}

/** `<CORSConfiguration><CORSRule>...</CORSRule>...</CORSConfiguration>`: 1 to 100 rules. */
export interface CORSConfiguration {
  CORSRules: CORSRule[];
}

/** One rule. A request matches it when its Origin matches an AllowedOrigin (each may hold one `*`
 * wildcard), its method (or a preflight's Access-Control-Request-Method) is an AllowedMethod, and
 * every header a preflight names in Access-Control-Request-Headers matches an AllowedHeader (each
 * may hold one `*`, compared without regard to case). The first matching rule applies. */
export interface CORSRule {
  /** A name for the rule, up to 255 characters. */
  ID?: string;
  /** Headers a preflight may ask for (Access-Control-Request-Headers). */
  AllowedHeaders?: string[];
  /** GET, PUT, POST, DELETE or HEAD. */
  AllowedMethods: string[];
  /** Origins allowed to make cross-origin requests (`*` for any). */
  AllowedOrigins: string[];
  /** Response headers a browser script may read (Access-Control-Expose-Headers). */
  ExposeHeaders?: string[];
  /** How long a browser may cache the preflight's answer (Access-Control-Max-Age), in seconds. */
  MaxAgeSeconds?: number;
}

/** The object's checksum and how it was made (a COMPOSITE value ends in "-<number of parts>"). */
export interface Checksum {
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ChecksumSHA512?: string;
  ChecksumMD5?: string;
  ChecksumXXHASH64?: string;
  ChecksumXXHASH3?: string;
  ChecksumXXHASH128?: string;
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
}

export interface CommonPrefix {
  Prefix?: string;
}

export interface CompleteMultipartUploadResult {
  Location?: string;
  Bucket?: string;
  Key?: string;
  ETag?: string;
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ChecksumSHA512?: string;
  ChecksumMD5?: string;
  ChecksumXXHASH64?: string;
  ChecksumXXHASH3?: string;
  ChecksumXXHASH128?: string;
}

export interface CompletedMultipartUpload {
  Parts: CompletedPart[];
}

export interface CompletedPart {
  ETag: string;
  PartNumber: number;
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ChecksumSHA512?: string;
  ChecksumMD5?: string;
  ChecksumXXHASH64?: string;
  ChecksumXXHASH3?: string;
  ChecksumXXHASH128?: string;
}

export interface CopyObjectResult {
  ETag?: string;
  LastModified?: Date;
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ChecksumSHA512?: string;
  ChecksumMD5?: string;
  ChecksumXXHASH64?: string;
  ChecksumXXHASH3?: string;
  ChecksumXXHASH128?: string;
}

export interface CopyPartResult {
  ETag?: string;
  LastModified?: Date;
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ChecksumSHA512?: string;
  ChecksumMD5?: string;
  ChecksumXXHASH64?: string;
  ChecksumXXHASH3?: string;
  ChecksumXXHASH128?: string;
}

export interface CreateBucketConfiguration {
  LocationConstraint?: string;
}

/** The retention a new version gets when its request states none: Mode and exactly one of Days or Years. */
export interface DefaultRetention {
  Mode?: "GOVERNANCE" | "COMPLIANCE";
  /** 1 to 36500 */
  Days?: number;
  /** 1 to 100 */
  Years?: number;
}

export interface Delete {
  Objects: ObjectIdentifier[];
  Quiet?: boolean;
}

export interface DeleteError {
  Key?: string;
  VersionId?: string;
  Code?: string;
  Message?: string;
}

export interface DeleteMarkerEntry {
  Key?: string;
  VersionId?: string;
  IsLatest?: boolean;
  LastModified?: Date;
  Owner?: Owner;
}

export interface DeleteResult {
  Deleted?: DeletedObject[];
  Errors?: DeleteError[];
}

export interface DeletedObject {
  Key?: string;
  VersionId?: string;
  DeleteMarker?: boolean;
  DeleteMarkerVersionId?: string;
}

/** A page of an object's parts, as ListParts pages an upload's. */
export interface GetObjectAttributesParts {
  /** The number of parts of the whole object (AWS's element name is PartsCount). */
  TotalPartsCount?: number;
  PartNumberMarker?: number;
  /** The last part of this page, when there are more: the next request's x-amz-part-number-marker. */
  NextPartNumberMarker?: number;
  MaxParts?: number;
  IsTruncated?: boolean;
  Parts?: ObjectPart[];
}

/** The attributes asked for, and no others; an attribute the object does not have is left out. */
export interface GetObjectAttributesResponse {
  /** Unquoted, unlike the ETag header of GET and HEAD. */
  ETag?: string;
  Checksum?: Checksum;
  /** Only for an object made by CompleteMultipartUpload. */
  ObjectParts?: GetObjectAttributesParts;
  /** Always present when asked for, STANDARD included (the header of HEAD leaves STANDARD out). */
  StorageClass?: "STANDARD" | "REDUCED_REDUNDANCY" | "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER" | "DEEP_ARCHIVE" | "GLACIER_IR" | "OUTPOSTS" | "SNOW" | "EXPRESS_ONEZONE";
  ObjectSize?: number;
}

export interface Grant {
  Grantee?: Grantee;
  Permission?: "FULL_CONTROL" | "WRITE" | "WRITE_ACP" | "READ" | "READ_ACP";
}

/** Who a grant is for: a user by canonical ID (CanonicalUser), by email (AmazonCustomerByEmail; S3
 * stores and answers the user's canonical ID instead), or a group by URI (AllUsers,
 * AuthenticatedUsers). The element declares the XML Schema instance namespace its `xsi:type` is
 * in (runtime/xml.ts writes the declaration with any `xsi:` attribute). */
export interface Grantee {
  Type: "CanonicalUser" | "AmazonCustomerByEmail" | "Group";
  DisplayName?: string;
  EmailAddress?: string;
  ID?: string;
  URI?: string;
}

export interface InitiateMultipartUploadResult {
  Bucket?: string;
  Key?: string;
  UploadId?: string;
}

export interface Initiator {
  ID?: string;
  DisplayName?: string;
}

/** When current versions expire: after `Days` (an object expires at the first midnight UTC at least
 * Days after its last modification), on `Date` (midnight UTC), or, with `ExpiredObjectDeleteMarker`,
 * the removal of delete markers that are the only version left of their key. Exactly one of the three. */
export interface LifecycleExpiration {
  /** ISO 8601, at midnight UTC. */
  Date?: Date;
  /** A positive number of days. */
  Days?: number;
  /** true: remove a delete marker that no version of its key is left behind (not with Days or Date). */
  ExpiredObjectDeleteMarker?: boolean;
}

/** One rule: its actions apply to the objects its filter (or the legacy top-level Prefix) selects, while Enabled. */
export interface LifecycleRule {
  Expiration?: LifecycleExpiration;
  /** Up to 255 characters, unique in the configuration; S3 makes one up when it is absent. */
  ID?: string;
  /** The legacy form of Filter.Prefix; a rule has Filter or Prefix, not both. */
  Prefix?: string;
  Filter?: LifecycleRuleFilter;
  /** Enabled or Disabled. */
  Status: string;
  Transitions?: Transition[];
  NoncurrentVersionTransitions?: NoncurrentVersionTransition[];
  NoncurrentVersionExpiration?: NoncurrentVersionExpiration;
  AbortIncompleteMultipartUpload?: AbortIncompleteMultipartUpload;
}

/** The filter's conjunction: a prefix, tags and size bounds that must all hold. */
export interface LifecycleRuleAndOperator {
  Prefix?: string;
  Tags?: Tag[];
  /** Bytes; only objects larger than this. */
  ObjectSizeGreaterThan?: number;
  /** Bytes; only objects smaller than this. */
  ObjectSizeLessThan?: number;
}

/** Which objects a rule applies to: at most one of its members (several conditions go in And). */
export interface LifecycleRuleFilter {
  Prefix?: string;
  Tag?: Tag;
  ObjectSizeGreaterThan?: number;
  ObjectSizeLessThan?: number;
  And?: LifecycleRuleAndOperator;
}

export interface ListAllMyBucketsResult {
  Owner?: Owner;
  Buckets?: Bucket[];
  ContinuationToken?: string;
  Prefix?: string;
}

export interface ListBucketAnalyticsConfigurationResult {
  IsTruncated: boolean;
  /** The token the request gave, echoed as S3 echoes it. */
  ContinuationToken?: string;
}

/** AWS's model names no XML root for this answer; S3 sends its output shape's name. */
export interface ListBucketIntelligentTieringConfigurationsResult {
  IsTruncated: boolean;
  /** The token the request gave, echoed as S3 echoes it. */
  ContinuationToken?: string;
}

export interface ListBucketResult {
  Name?: string;
  Prefix?: string;
  Marker?: string;
  NextMarker?: string;
  MaxKeys?: number;
  Delimiter?: string;
  IsTruncated?: boolean;
  EncodingType?: "url";
  Contents?: ListedObject[];
  CommonPrefixes?: CommonPrefix[];
}

export interface ListBucketV2Result {
  Name?: string;
  Prefix?: string;
  MaxKeys?: number;
  KeyCount?: number;
  Delimiter?: string;
  IsTruncated?: boolean;
  EncodingType?: "url";
  ContinuationToken?: string;
  NextContinuationToken?: string;
  StartAfter?: string;
  Contents?: ListedObject[];
  CommonPrefixes?: CommonPrefix[];
}

export interface ListInventoryConfigurationsResult {
  IsTruncated: boolean;
  /** The token the request gave, echoed as S3 echoes it. */
  ContinuationToken?: string;
}

export interface ListMetricsConfigurationsResult {
  IsTruncated: boolean;
  /** The token the request gave, echoed as S3 echoes it. */
  ContinuationToken?: string;
}

export interface ListMultipartUploadsResult {
  Bucket?: string;
  KeyMarker?: string;
  UploadIdMarker?: string;
  NextKeyMarker?: string;
  Prefix?: string;
  Delimiter?: string;
  NextUploadIdMarker?: string;
  MaxUploads?: number;
  IsTruncated?: boolean;
  EncodingType?: "url";
  Uploads?: MultipartUpload[];
  CommonPrefixes?: CommonPrefix[];
}

export interface ListPartsResult {
  Bucket?: string;
  Key?: string;
  UploadId?: string;
  PartNumberMarker?: number;
  NextPartNumberMarker?: number;
  MaxParts?: number;
  IsTruncated?: boolean;
  Parts?: Part[];
  Initiator?: Initiator;
  Owner?: Owner;
  StorageClass?: "STANDARD" | "REDUCED_REDUNDANCY" | "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER" | "DEEP_ARCHIVE" | "GLACIER_IR" | "OUTPOSTS" | "SNOW" | "EXPRESS_ONEZONE";
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
}

export interface ListVersionsResult {
  Name?: string;
  Prefix?: string;
  KeyMarker?: string;
  VersionIdMarker?: string;
  NextKeyMarker?: string;
  NextVersionIdMarker?: string;
  MaxKeys?: number;
  Delimiter?: string;
  IsTruncated?: boolean;
  EncodingType?: "url";
  Versions?: ObjectVersion[];
  DeleteMarkers?: DeleteMarkerEntry[];
  CommonPrefixes?: CommonPrefix[];
}

export interface ListedObject {
  Key?: string;
  LastModified?: Date;
  ETag?: string;
  ChecksumAlgorithm?: ("CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128")[];
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
  Size?: number;
  StorageClass?: "STANDARD" | "REDUCED_REDUNDANCY" | "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER" | "DEEP_ARCHIVE" | "GLACIER_IR" | "OUTPOSTS" | "SNOW" | "EXPRESS_ONEZONE";
  Owner?: Owner;
}

/** The region as the element's text; empty for us-east-1, as AWS answers. */
export interface LocationConstraint {
  LocationConstraint?: string;
}

export interface MultipartUpload {
  UploadId?: string;
  Key?: string;
  Initiated?: Date;
  StorageClass?: "STANDARD" | "REDUCED_REDUNDANCY" | "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER" | "DEEP_ARCHIVE" | "GLACIER_IR" | "OUTPOSTS" | "SNOW" | "EXPRESS_ONEZONE";
  Owner?: Owner;
  Initiator?: Initiator;
  ChecksumAlgorithm?: "CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128";
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
}

/** Removes noncurrent versions NoncurrentDays after they became noncurrent, keeping the NewerNoncurrentVersions newest. */
export interface NoncurrentVersionExpiration {
  NoncurrentDays?: number;
  /** 1 to 100 noncurrent versions kept however old they are. */
  NewerNoncurrentVersions?: number;
}

/** A move of noncurrent versions to another storage class; refused like Transition. */
export interface NoncurrentVersionTransition {
  NoncurrentDays?: number;
  StorageClass?: string;
  NewerNoncurrentVersions?: number;
}

/** Event notifications: none (no topic, queue, Lambda function or EventBridge configuration). */
export interface NotificationConfiguration {

}

export interface ObjectIdentifier {
  Key: string;
  VersionId?: string;
  /** Conditional delete of this entry: its current version must have this ETag (`*`: must exist). */
  ETag?: string;
  /** Conditional delete: last modified at this time (AWS's model: an HTTP date; ISO 8601 accepted too). */
  LastModifiedTime?: string;
  /** Conditional delete: the current version's size in bytes. */
  Size?: number;
}

/** A bucket's Object Lock configuration: `Enabled`, and optionally a default retention. */
export interface ObjectLockConfiguration {
  ObjectLockEnabled?: "Enabled";
  Rule?: ObjectLockRule;
}

export interface ObjectLockLegalHold {
  Status?: "ON" | "OFF";
}

/** One version's retention: its mode and the instant until which it is kept (ISO 8601). */
export interface ObjectLockRetention {
  Mode?: "GOVERNANCE" | "COMPLIANCE";
  RetainUntilDate?: Date;
}

export interface ObjectLockRule {
  DefaultRetention?: DefaultRetention;
}

/** One part of a multipart object. A part checksum is shown when the upload had a checksum
 * algorithm: the part's checksum of that algorithm, the one it was uploaded with. */
export interface ObjectPart {
  /** The part's position in the completed object (1-based), the number GET ?partNumber= takes. */
  PartNumber?: number;
  Size?: number;
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ChecksumSHA512?: string;
  ChecksumMD5?: string;
  ChecksumXXHASH64?: string;
  ChecksumXXHASH3?: string;
  ChecksumXXHASH128?: string;
}

export interface ObjectVersion {
  Key?: string;
  VersionId?: string;
  IsLatest?: boolean;
  LastModified?: Date;
  ETag?: string;
  Size?: number;
  StorageClass?: "STANDARD" | "REDUCED_REDUNDANCY" | "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER" | "DEEP_ARCHIVE" | "GLACIER_IR" | "OUTPOSTS" | "SNOW" | "EXPRESS_ONEZONE";
  Owner?: Owner;
  ChecksumAlgorithm?: ("CRC32" | "CRC32C" | "SHA1" | "SHA256" | "CRC64NVME" | "SHA512" | "MD5" | "XXHASH64" | "XXHASH3" | "XXHASH128")[];
  ChecksumType?: "COMPOSITE" | "FULL_OBJECT";
}

export interface Owner {
  DisplayName?: string;
  ID?: string;
}

/** `<OwnershipControls><Rule><ObjectOwnership>...</ObjectOwnership></Rule></OwnershipControls>`: one rule. */
export interface OwnershipControls {
  Rules: OwnershipControlsRule[];
}

export interface OwnershipControlsRule {
  ObjectOwnership: "BucketOwnerPreferred" | "ObjectWriter" | "BucketOwnerEnforced";
}

export interface Part {
  PartNumber?: number;
  LastModified?: Date;
  ETag?: string;
  Size?: number;
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ChecksumSHA512?: string;
  ChecksumMD5?: string;
  ChecksumXXHASH64?: string;
  ChecksumXXHASH3?: string;
  ChecksumXXHASH128?: string;
}

/** `<PolicyStatus><IsPublic>true|false</IsPublic></PolicyStatus>`. */
export interface PolicyStatus {
  /** Whether the bucket's policy grants public access ("The meaning of "public""). */
  IsPublic?: boolean;
}

/** The answer to success_action_status 201: where the new object is, its bucket, key and ETag (the
 * key as stored, after `${filename}` was replaced). S3 writes it without its XML namespace
 * (ceph/s3-tests' test_post_object_set_success_code reads `Key` unqualified, and the Rust s3s
 * adapter writes it so). */
export interface PostResponse {
  Location: string;
  Bucket: string;
  Key: string;
  ETag: string;
}

/** The bucket's public access block. An element left out is false.
 * - BlockPublicAcls: refuse requests that set a public ACL;
 * - IgnorePublicAcls: grants of a public ACL are ignored;
 * - BlockPublicPolicy: PutBucketPolicy refuses a public policy (AccessDenied);
 * - RestrictPublicBuckets: while the policy is public, only the bucket owner's users are allowed by it. */
export interface PublicAccessBlockConfiguration {
  BlockPublicAcls?: boolean;
  IgnorePublicAcls?: boolean;
  BlockPublicPolicy?: boolean;
  RestrictPublicBuckets?: boolean;
}

export interface RequestPaymentConfiguration {
  Payer: "Requester" | "BucketOwner";
}

export interface ServerSideEncryptionByDefault {
  SSEAlgorithm: "AES256" | "aws:kms" | "aws:kms:dsse";
  KMSMasterKeyID?: string;
}

export interface ServerSideEncryptionConfiguration {
  Rules: ServerSideEncryptionRule[];
}

export interface ServerSideEncryptionRule {
  ApplyServerSideEncryptionByDefault?: ServerSideEncryptionByDefault;
  BucketKeyEnabled?: boolean;
}

/** One tag. Both elements are required; an empty `<Value/>` is a valid (empty) value. */
export interface Tag {
  Key: string;
  Value: string;
}

/** A tag set: `<Tagging><TagSet><Tag>...</Tag></TagSet></Tagging>`. */
export interface Tagging {
  TagSet: Tag[];
}

/** A move to another storage class; this gateway has only one, so a rule naming one is refused. */
export interface Transition {
  Date?: Date;
  Days?: number;
  StorageClass?: string;
}

/** A bucket's versioning state. A bucket that was never versioned answers an empty
 * `<VersioningConfiguration/>`; once enabled, a bucket is Enabled or Suspended, never unversioned
 * again ("Using versioning in S3 buckets", Amazon S3 User Guide). */
export interface VersioningConfiguration {
  MFADelete?: "Enabled" | "Disabled";
  Status?: "Enabled" | "Suspended";
}
