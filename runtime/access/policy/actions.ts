/**
 * The S3 actions a bucket policy may name, and the resource each applies to ("Actions, resources,
 * and condition keys for Amazon S3", Service Authorization Reference): an object action needs an
 * object resource (`arn:aws:s3:::bucket/key`), a bucket action the bucket's ARN, and an account
 * action (ListAllMyBuckets, the account's public access block...) applies to no resource a bucket
 * policy can name. PutBucketPolicy refuses an action outside this list ("Policy has invalid
 * action") and a statement none of whose actions applies to one of its resources ("Action does not
 * apply to any resource(s) in statement"), as S3 does.
 */

export type ActionTarget = "object" | "bucket" | "account";

const OBJECT_ACTIONS = [
  "AbortMultipartUpload",
  "BypassGovernanceRetention",
  "DeleteObject",
  "DeleteObjectTagging",
  "DeleteObjectVersion",
  "DeleteObjectVersionTagging",
  "GetObject",
  "GetObjectAcl",
  "GetObjectAttributes",
  "GetObjectLegalHold",
  "GetObjectRetention",
  "GetObjectTagging",
  "GetObjectTorrent",
  "GetObjectVersion",
  "GetObjectVersionAcl",
  "GetObjectVersionAttributes",
  "GetObjectVersionForReplication",
  "GetObjectVersionTagging",
  "GetObjectVersionTorrent",
  "InitiateReplication",
  "ListMultipartUploadParts",
  "ObjectOwnerOverrideToBucketOwner",
  "PutObject",
  "PutObjectAcl",
  "PutObjectLegalHold",
  "PutObjectRetention",
  "PutObjectTagging",
  "PutObjectVersionAcl",
  "PutObjectVersionTagging",
  "ReplicateDelete",
  "ReplicateObject",
  "ReplicateTags",
  "RestoreObject",
];

const BUCKET_ACTIONS = [
  "CreateBucket",
  "DeleteBucket",
  "DeleteBucketOwnershipControls",
  "DeleteBucketPolicy",
  "DeleteBucketWebsite",
  "GetAccelerateConfiguration",
  "GetAnalyticsConfiguration",
  "GetBucketAcl",
  "GetBucketCORS",
  "GetBucketLocation",
  "GetBucketLogging",
  "GetBucketNotification",
  "GetBucketObjectLockConfiguration",
  "GetBucketOwnershipControls",
  "GetBucketPolicy",
  "GetBucketPolicyStatus",
  "GetBucketPublicAccessBlock",
  "GetBucketRequestPayment",
  "GetBucketTagging",
  "GetBucketVersioning",
  "GetBucketWebsite",
  "GetEncryptionConfiguration",
  "GetIntelligentTieringConfiguration",
  "GetInventoryConfiguration",
  "GetLifecycleConfiguration",
  "GetMetricsConfiguration",
  "GetReplicationConfiguration",
  "ListBucket",
  "ListBucketMultipartUploads",
  "ListBucketVersions",
  "PutAccelerateConfiguration",
  "PutAnalyticsConfiguration",
  "PutBucketAcl",
  "PutBucketCORS",
  "PutBucketLogging",
  "PutBucketNotification",
  "PutBucketObjectLockConfiguration",
  "PutBucketOwnershipControls",
  "PutBucketPolicy",
  "PutBucketPublicAccessBlock",
  "PutBucketRequestPayment",
  "PutBucketTagging",
  "PutBucketVersioning",
  "PutBucketWebsite",
  "PutEncryptionConfiguration",
  "PutIntelligentTieringConfiguration",
  "PutInventoryConfiguration",
  "PutLifecycleConfiguration",
  "PutMetricsConfiguration",
  "PutReplicationConfiguration",
];

const ACCOUNT_ACTIONS = ["ListAllMyBuckets", "GetAccountPublicAccessBlock", "PutAccountPublicAccessBlock", "ListAccessPoints", "ListJobs", "CreateJob"];

/** Every known action, lower-cased with its `s3:` prefix ("s3:getobject"), and what it applies to. */
export const S3_ACTIONS: ReadonlyMap<string, ActionTarget> = new Map<string, ActionTarget>([
  ...OBJECT_ACTIONS.map((a): [string, ActionTarget] => [`s3:${a.toLowerCase()}`, "object"]),
  ...BUCKET_ACTIONS.map((a): [string, ActionTarget] => [`s3:${a.toLowerCase()}`, "bucket"]),
  ...ACCOUNT_ACTIONS.map((a): [string, ActionTarget] => [`s3:${a.toLowerCase()}`, "account"]),
]);
