/**
 * What the Ozone backend answers NOT_SUPPORTED (501 NotImplemented) for, and why: the S3 bucket
 * configurations Ozone has no place for (bucket tags, CORS rules, bucket policies and public access
 * blocks, lifecycle rules, Object Lock), object ACLs and ownership controls, conditional deletes.
 * Setting such a configuration answers 501; reading or deleting one answers what S3 answers for a
 * bucket that never had it (GetBucketCors 404 NoSuchCORSConfiguration, DeleteBucketCors 204, a
 * retention or legal hold 400 "Bucket is missing Object Lock Configuration"...), which is the
 * truth on Ozone, as GetBucketVersioning answers never versioned: tools that read every
 * configuration of a bucket (Terraform's aws_s3_bucket, S3 browsers) take those as "none" where a
 * 501 made them fail. What is refused only in some cases (versioning turned on, a storage class
 * whose replication this gateway does not write, a multipart object checksum) is refused where it
 * arises. runtime/storage/backend-support.ts restates all of it for the API reference.
 */
import { s3Message } from "../../errors.js";
import { StorageError, type CorsRule, type LifecycleRule, type ObjectLock, type ObjectLockConfiguration, type PublicAccessBlock } from "../types.js";
import type { OzoneCore } from "./store-core.js";

function bucketPolicyNotSupported(what: string): StorageError {
  return new StorageError("NOT_SUPPORTED", what, `${what} is not supported by this gateway's Ozone backend: Ozone keeps no bucket policies or public access blocks on buckets.`);
}

/**
 * The OM deletes a key without a precondition (DeleteKey has no expected generation or ETag), so a
 * conditional delete could only be a check and a delete with a window between them: refused
 * instead of promised.
 */
export function conditionalDeleteNotSupported(): StorageError {
  return new StorageError(
    "NOT_SUPPORTED",
    "conditional delete",
    "Conditional deletes (If-Match, x-amz-if-match-*) are not supported by this gateway's Ozone backend: Ozone deletes a key without a precondition.",
  );
}

function bucketCorsNotSupported(): StorageError {
  return new StorageError("NOT_SUPPORTED", "bucket CORS", "Bucket CORS configuration is not supported by this gateway's Ozone backend: Ozone keeps no CORS rules on buckets.");
}

function bucketLifecycleNotSupported(): StorageError {
  return new StorageError(
    "NOT_SUPPORTED",
    "bucket lifecycle",
    "Bucket lifecycle configuration is not supported by this gateway's Ozone backend: Ozone keeps no lifecycle rules on buckets.",
  );
}

/**
 * Object ACLs and ownership controls: Ozone's own gateway answers PutObjectAcl with NotImplemented
 * and has no ownership controls, and so does this backend: every key has the default ACL (its
 * owner's FULL_CONTROL). Bucket ACLs are Ozone ACLs (ozone/acl.ts); CreateBucket with an ACL is
 * refused too (Ozone's gateway ignores it), PutBucketAcl sets one.
 */
export function aclsNotSupported(): StorageError {
  return new StorageError(
    "NOT_SUPPORTED",
    "ACLs",
    "Object ACLs, ACLs given at CreateBucket and ownership controls are not supported by this gateway's Ozone backend (bucket ACLs are set with PutBucketAcl): every object has its owner's FULL_CONTROL alone.",
  );
}

export function objectLockNotSupported(): StorageError {
  return new StorageError("NOT_SUPPORTED", "object lock", "Object Lock is not supported by the Apache Ozone backend: Ozone keeps one version of each key.");
}

/**
 * AWS's answer to a lock request (a retention, a legal hold; headers on a new object, `forNewObject`,
 * worded apart) on a bucket without Object Lock: every Ozone bucket.
 */
function noObjectLock(what: string, forNewObject = false): StorageError {
  const message = s3Message("InvalidRequest", forNewObject ? "NoObjectLockConfigurationForNewObject" : "NoObjectLockConfiguration");
  return new StorageError("INVALID_REQUEST", `${what} on a bucket without Object Lock`, message);
}

/** Lock headers on a new object: no Ozone bucket has Object Lock, so AWS's answer for such a bucket. */
export function refuseLockHeaders(lock: ObjectLock | undefined): void {
  if (lock !== undefined && (lock.retention !== undefined || lock.legalHold !== undefined)) throw noObjectLock("object lock headers", true);
}

function bucketTagsNotSupported(): StorageError {
  return new StorageError("NOT_SUPPORTED", "bucket tagging", "Bucket tagging is not supported by this gateway's Ozone backend: Ozone keeps no tags on buckets.");
}

/** The store's answers for the bucket configurations Ozone keeps none of (store.ts delegates to them). */
export class Unsupported {
  constructor(private readonly core: OzoneCore) {}

  // Ozone 2.2.0 has no bucket tags: BucketInfo has no such field, and the only free-form bucket map
  // (BucketArgs.metadata) can be added to by SetBucketProperty but never cleared. Ozone's own
  // gateway has no bucket-tagging handler either (only s3/endpoint/ObjectTaggingHandler.java).

  async getBucketTags(bucket: string): Promise<Record<string, string> | undefined> {
    await this.core.getBucket(bucket);
    return undefined;
  }

  async putBucketTags(): Promise<void> {
    throw bucketTagsNotSupported();
  }

  async deleteBucketTags(bucket: string): Promise<void> {
    await this.core.getBucket(bucket);
  }

  // Nor CORS rules: Ozone's BucketInfo has no field for them and its own gateway answers ?cors with
  // NotImplemented. Without rules every preflight is refused, as S3 refuses it for a bucket without
  // a configuration.

  async getBucketCors(bucket: string): Promise<CorsRule[] | undefined> {
    await this.core.getBucket(bucket);
    return undefined;
  }

  async putBucketCors(): Promise<void> {
    throw bucketCorsNotSupported();
  }

  async deleteBucketCors(bucket: string): Promise<void> {
    await this.core.getBucket(bucket);
  }

  // Nor bucket policies and public access blocks: Ozone's BucketInfo has no field for them (its
  // own S3 gateway answers ?policy with NotImplemented too). Every request to an Ozone bucket is
  // decided by ownership alone: runtime/access/policy/decision.ts finds no policy and no block.

  async getBucketPolicy(bucket: string): Promise<string | undefined> {
    await this.core.getBucket(bucket);
    return undefined;
  }

  async putBucketPolicy(): Promise<void> {
    throw bucketPolicyNotSupported("Bucket policy");
  }

  async deleteBucketPolicy(bucket: string): Promise<void> {
    await this.core.getBucket(bucket);
  }

  async getPublicAccessBlock(bucket: string): Promise<PublicAccessBlock | undefined> {
    await this.core.getBucket(bucket);
    return undefined;
  }

  async putPublicAccessBlock(): Promise<void> {
    throw bucketPolicyNotSupported("Public access block configuration");
  }

  async deletePublicAccessBlock(bucket: string): Promise<void> {
    await this.core.getBucket(bucket);
  }

  // Nor lifecycle rules: Ozone's BucketInfo has no field for them and its own gateway answers
  // ?lifecycle with NotImplemented; without rules the lifecycle executor has nothing to do here.

  async getBucketLifecycle(bucket: string): Promise<LifecycleRule[] | undefined> {
    await this.core.getBucket(bucket);
    return undefined;
  }

  async putBucketLifecycle(): Promise<void> {
    throw bucketLifecycleNotSupported();
  }

  async deleteBucketLifecycle(bucket: string): Promise<void> {
    await this.core.getBucket(bucket);
  }

  // Nor Object Lock: it keeps versions, and Ozone keeps one version of each key (as for
  // PutBucketVersioning): a bucket made with it and PutObjectLockConfiguration answer 501; every
  // bucket reads as one without Object Lock (no configuration; a retention or legal hold, read or
  // set, and lock headers on a new object refused as S3 refuses them there).

  async getObjectLockConfiguration(bucket: string): Promise<ObjectLockConfiguration | undefined> {
    await this.core.getBucket(bucket);
    return undefined;
  }

  async putObjectLockConfiguration(bucket: string): Promise<void> {
    await this.core.getBucket(bucket);
    throw objectLockNotSupported();
  }

  async getObjectLock(bucket: string): Promise<ObjectLock> {
    await this.core.getBucket(bucket);
    throw noObjectLock("a lock read");
  }

  async putObjectRetention(bucket: string): Promise<void> {
    await this.core.getBucket(bucket);
    throw noObjectLock("a retention");
  }

  async putObjectLegalHold(bucket: string): Promise<void> {
    await this.core.getBucket(bucket);
    throw noObjectLock("a legal hold");
  }
}
