/**
 * What each storage backend does not do (or does differently) among the implemented operations, for
 * the API reference (runtime/docs/). Every implemented operation not named here works on that
 * backend as on S3; operations the spec marks not implemented answer 501 on both. The Ozone entries
 * restate what runtime/storage/ozone/ raises as NOT_SUPPORTED, most of it in unsupported.ts
 * (README, "What works and what does not yet"); test/integration/tagging.test.ts checks the
 * unsupported ones against the live backend.
 */
export type BackendName = "embedded" | "ozone";

export interface BackendLimit {
  /** false: the operation always answers 501 NotImplemented on this backend (true: it answers, as the note says) */
  supported: boolean;
  note: string;
}

export const BACKEND_TITLES: Record<BackendName, string> = { embedded: "Embedded", ozone: "Apache Ozone" };

const ACLS =
  "Ozone keeps no object ACLs or ownership controls (its own gateway answers PutObjectAcl with NotImplemented): 501 NotImplemented, as are a canned ACL other than private and grant headers on CreateBucket, PutObject, CopyObject and CreateMultipartUpload.";
const OBJECT_LOCK = "Object Lock keeps versions and Ozone keeps one version of each key: 501 NotImplemented (CreateBucket with x-amz-bucket-object-lock-enabled too).";
const NO_LOCK = "Object Lock keeps versions and Ozone keeps one version of each key: no bucket has Object Lock,";
const NO_LOCK_REQUEST = "so S3's answer for a bucket without it, 400 InvalidRequest (\"Bucket is missing Object Lock Configuration\").";

const EC_WRITE = "STANDARD_IA is written erasure-coded (EC rs-3-2-1024k, or the scheme x-amz-meta-storage-config names), as by Ozone's gateway: with fewer healthy datanodes than the scheme's data plus parity units the write answers 503 ServiceUnavailable and leaves nothing.";

export const backendLimits: Record<BackendName, Readonly<Record<string, BackendLimit>>> = {
  embedded: {},
  ozone: {
    PutBucketTagging: { supported: false, note: "Ozone keeps no tags on buckets: 501 NotImplemented." },
    GetBucketTagging: { supported: true, note: "Ozone keeps no tags on buckets: every bucket has none, 404 NoSuchTagSet." },
    DeleteBucketTagging: { supported: true, note: "Ozone keeps no tags on buckets: there are none to delete." },
    PutBucketCors: { supported: false, note: "Ozone keeps no CORS rules on buckets: 501 NotImplemented (every preflight is refused, as for a bucket without rules)." },
    GetBucketCors: { supported: true, note: "Ozone keeps no CORS rules on buckets: every bucket has none, 404 NoSuchCORSConfiguration." },
    DeleteBucketCors: { supported: true, note: "Ozone keeps no CORS rules on buckets: there are none to delete." },
    PutBucketPolicy: { supported: false, note: "Ozone keeps no bucket policies: 501 NotImplemented (requests are decided by bucket ownership)." },
    GetBucketPolicy: { supported: true, note: "Ozone keeps no bucket policies: every bucket has none, 404 NoSuchBucketPolicy." },
    DeleteBucketPolicy: { supported: true, note: "Ozone keeps no bucket policies: there is none to delete." },
    GetBucketPolicyStatus: { supported: true, note: "Ozone keeps no bucket policies: every bucket has none, so IsPublic is false." },
    PutPublicAccessBlock: { supported: false, note: "Ozone keeps no public access blocks on buckets: 501 NotImplemented." },
    GetPublicAccessBlock: { supported: true, note: "Ozone keeps no public access blocks on buckets: every bucket has none, 404 NoSuchPublicAccessBlockConfiguration." },
    DeletePublicAccessBlock: { supported: true, note: "Ozone keeps no public access blocks on buckets: there is none to delete." },
    PutBucketLifecycleConfiguration: { supported: false, note: "Ozone keeps no lifecycle rules on buckets: 501 NotImplemented." },
    GetBucketLifecycleConfiguration: { supported: true, note: "Ozone keeps no lifecycle rules on buckets: every bucket has none, 404 NoSuchLifecycleConfiguration." },
    DeleteBucketLifecycle: { supported: true, note: "Ozone keeps no lifecycle rules on buckets: there are none to delete." },
    GetBucketAcl: {
      supported: true,
      note: "The bucket's Ozone ACLs as S3 grants, as Ozone's own gateway answers: its USER ACLs (those set with ozone sh bucket addacl too), each naming a user by its Ozone user; a bucket without one shows its owner's FULL_CONTROL.",
    },
    GetObjectAcl: { supported: true, note: "Every object has its owner's FULL_CONTROL alone." },
    PutBucketAcl: {
      supported: true,
      note: "Stored as Ozone ACLs, as Ozone's own gateway stores them (a USER ACL per grantee's Ozone user, in the ACCESS and DEFAULT scopes, and rights on the volume that reach the bucket); a grant to a group, and so the canned ACLs public-read, public-read-write and authenticated-read, answers 501 NotImplemented, as there.",
    },
    PutObjectAcl: { supported: false, note: ACLS },
    GetBucketOwnershipControls: { supported: true, note: "No bucket has ownership controls: 404 OwnershipControlsNotFoundError." },
    PutBucketOwnershipControls: { supported: false, note: ACLS },
    DeleteBucketOwnershipControls: { supported: true, note: "There are none to delete." },
    PutObject: { supported: true, note: EC_WRITE },
    CopyObject: { supported: true, note: EC_WRITE },
    CreateMultipartUpload: { supported: true, note: EC_WRITE },
    UploadPart: { supported: true, note: EC_WRITE },
    UploadPartCopy: { supported: true, note: EC_WRITE },
    CompleteMultipartUpload: {
      supported: true,
      note: "The ETag is the one Ozone's OM makes (MD5 of the parts' hex ETags, -N), and an object checksum stated on completion answers 501 NotImplemented.",
    },
    GetObjectAttributes: {
      supported: true,
      note: "A multipart object has no Checksum and its parts list no checksums: Ozone keeps none for multipart uploads.",
    },
    DeleteObject: { supported: true, note: "Conditional deletes (If-Match, x-amz-if-match-*) answer 501 NotImplemented: the OM's DeleteKey takes no precondition." },
    DeleteObjects: { supported: true, note: "Conditional deletes (If-Match, x-amz-if-match-*) answer 501 NotImplemented: the OM's DeleteKey takes no precondition." },
    DeleteBucket: { supported: true, note: "A bucket holding only incomplete multipart uploads is deleted after they are aborted (Ozone refuses otherwise)." },
    PutBucketVersioning: { supported: false, note: "Ozone keeps one version of each key: 501 NotImplemented." },
    GetBucketVersioning: { supported: true, note: "Every bucket is never versioned: an empty VersioningConfiguration." },
    ListObjectVersions: { supported: true, note: "Every object is its one version, \"null\"." },
    PutObjectLockConfiguration: { supported: false, note: OBJECT_LOCK },
    GetObjectLockConfiguration: { supported: true, note: `${NO_LOCK} 404 ObjectLockConfigurationNotFoundError.` },
    PutObjectRetention: { supported: true, note: `${NO_LOCK} ${NO_LOCK_REQUEST}` },
    GetObjectRetention: { supported: true, note: `${NO_LOCK} ${NO_LOCK_REQUEST}` },
    PutObjectLegalHold: { supported: true, note: `${NO_LOCK} ${NO_LOCK_REQUEST}` },
    GetObjectLegalHold: { supported: true, note: `${NO_LOCK} ${NO_LOCK_REQUEST}` },
  },
};
