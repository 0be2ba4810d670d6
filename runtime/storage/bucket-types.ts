/**
 * The bucket and object configurations of the storage interface (types.ts, which re-exports them):
 * ACLs and ownership controls, Object Lock, versioning, public access blocks, CORS and lifecycle
 * rules, each as the gateway's own domain type (no XML, no S3 error codes).
 */

/** What an ACL grant allows ("Access control list (ACL) overview", Amazon S3 User Guide). */
export type AclPermission = "FULL_CONTROL" | "WRITE" | "WRITE_ACP" | "READ" | "READ_ACP";

/**
 * Who a grant is for: a user by canonical id (a grant by email is stored as the canonical id of the
 * user the email named, as S3 does), or a group by its URI (AllUsers, AuthenticatedUsers).
 */
export type AclGrantee = { readonly kind: "user"; readonly id: string } | { readonly kind: "group"; readonly uri: string };

export interface AclGrant {
  readonly grantee: AclGrantee;
  readonly permission: AclPermission;
}

/**
 * An ACL's grants. A bucket or object without a stored ACL has S3's default, the owner's
 * FULL_CONTROL alone (runtime/access/acl.ts defaultAcl).
 */
export type Acl = readonly AclGrant[];

/** A bucket's ownership controls (S3 Object Ownership). */
export type ObjectOwnership = "BucketOwnerEnforced" | "BucketOwnerPreferred" | "ObjectWriter";

/** A bucket's ACL and ownership controls, each absent while not set. */
export interface BucketAccess {
  acl?: Acl;
  ownership?: ObjectOwnership;
}

/**
 * Object Lock ("Locking objects with Object Lock", Amazon S3 User Guide). A version under
 * retention (until `retainUntil`, ISO 8601) or legal hold cannot be removed by id: GOVERNANCE
 * retention gives way to a request that states it bypasses it, COMPLIANCE and a legal hold to none.
 */
export type ObjectLockMode = "GOVERNANCE" | "COMPLIANCE";

export interface ObjectRetention {
  mode: ObjectLockMode;
  /** ISO 8601, UTC, milliseconds included */
  retainUntil: string;
}

/** A version's lock; absent members: never set (AWS answers NoSuchObjectLockConfiguration for them). */
export interface ObjectLock {
  retention?: ObjectRetention;
  /** true: ON; false: OFF (set, then lifted) */
  legalHold?: boolean;
}

/** A bucket's Object Lock configuration (only buckets with Object Lock enabled have one). */
export interface ObjectLockConfiguration {
  /** what a new version gets when its request states no retention */
  defaultRetention?: { mode: ObjectLockMode; days?: number; years?: number };
}

/** A bucket's versioning state; no status: never versioned (S3 cannot turn versioning off again). */
export interface BucketVersioning {
  status?: "Enabled" | "Suspended";
  /** as last set by PutBucketVersioning (only "Disabled" can be set here: no MFA devices) */
  mfaDelete?: "Enabled" | "Disabled";
}

/** A bucket's public access block ("Blocking public access to your Amazon S3 storage"): each setting false when left out. */
export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

/** One CORS rule of a bucket, every value as PutBucketCors gave it (runtime/cors.ts applies it). */
export interface CorsRule {
  id?: string;
  allowedMethods: string[];
  allowedOrigins: string[];
  allowedHeaders?: string[];
  exposeHeaders?: string[];
  maxAgeSeconds?: number;
}

/**
 * Which objects a lifecycle rule applies to: every condition given must hold (prefix, every tag,
 * size strictly between the bounds). `form` is how PutBucketLifecycleConfiguration wrote it, so that
 * GetBucketLifecycleConfiguration answers it the same way: the legacy top-level Prefix, a Filter
 * with at most one condition, or a Filter with And.
 */
export interface LifecycleFilter {
  form: "Prefix" | "Filter" | "And";
  prefix?: string;
  tags?: Record<string, string>;
  objectSizeGreaterThan?: number;
  objectSizeLessThan?: number;
}

/** One lifecycle rule of a bucket, validated (runtime/lifecycle/rules.ts); the executor applies it. */
export interface LifecycleRule {
  id: string;
  enabled: boolean;
  filter: LifecycleFilter;
  /** current versions: Days after last modification, or from Date (ISO 8601, midnight UTC) on; or expired delete markers */
  expiration?: { days?: number; date?: string; expiredObjectDeleteMarker?: boolean };
  /** noncurrent versions: NoncurrentDays after they became noncurrent, the newest `newerNoncurrentVersions` kept */
  noncurrentExpiration?: { noncurrentDays: number; newerNoncurrentVersions?: number };
  /** multipart uploads still incomplete this many days after initiation are aborted */
  abortIncompleteUploadDays?: number;
}
