/**
 * Object Lock: PutObjectLockConfiguration, GetObjectLockConfiguration, Put/GetObjectRetention,
 * Put/GetObjectLegalHold, and the lock headers of the requests that create a version (PutObject,
 * CopyObject, CreateMultipartUpload) and of GET and HEAD ("Locking objects with Object Lock",
 * Amazon S3 User Guide; the operations' pages in the Amazon S3 API Reference). The request forms
 * are checked here as S3 checks them; what a lock allows is the storage engine's to enforce
 * (runtime/storage/embedded/object-lock.ts), as it is for every delete path.
 */
import type { ObjectLockHandlers } from "../../generated/handlers.js";
import type { DefaultRetention, ObjectLockRetention } from "../../generated/types/shapes.js";
import { S3Error, s3Message } from "../errors.js";
import { storageCall } from "../storage/errors.js";
import { StorageError, type BucketInfo, type ObjectLock, type ObjectLockConfiguration, type ObjectLockMode, type ObjectRetention } from "../storage/types.js";
import { authorizedBucket, validateKey, type HandlerContext } from "./common.js";

/** AWS's limits on a default retention ("PutObjectLockConfiguration"; versitygw and MinIO agree). */
const MAX_DAYS = 36500;
const MAX_YEARS = 100;

/** The lock headers of a request that creates a version. */
export interface ObjectLockWriteInput {
  ObjectLockMode?: ObjectLockMode;
  ObjectLockRetainUntilDate?: string;
  ObjectLockLegalHoldStatus?: "ON" | "OFF";
}

/**
 * The lock the request states for the new version; undefined when it states none. Mode and date
 * come together, the date in ISO 8601 and in the future (AWS's InvalidArgument messages).
 */
export function requestedLock(input: ObjectLockWriteInput, now: Date): ObjectLock | undefined {
  const { ObjectLockMode: mode, ObjectLockRetainUntilDate: date, ObjectLockLegalHoldStatus: hold } = input;
  let retention: ObjectRetention | undefined;
  if (mode !== undefined || date !== undefined) {
    if (mode === undefined || date === undefined) {
      throw new S3Error("InvalidArgument", "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied");
    }
    const until = Date.parse(date);
    if (Number.isNaN(until)) {
      throw new S3Error("InvalidArgument", "The retain until date must be provided in ISO 8601 format", { ArgumentName: "x-amz-object-lock-retain-until-date", ArgumentValue: date });
    }
    if (until <= now.getTime()) throw new S3Error("InvalidArgument", "The retain until date must be in the future!");
    retention = { mode, retainUntil: new Date(until).toISOString() };
  }
  if (retention === undefined && hold === undefined) return undefined;
  return { ...(retention !== undefined && { retention }), ...(hold !== undefined && { legalHold: hold === "ON" }) };
}

/** AWS's answer to a body that becomes (part of) a locked version without stated integrity. */
function integrityRequired(): S3Error {
  return new S3Error("InvalidRequest", s3Message("InvalidRequest", "ObjectLockIntegrityRequired"));
}

/** Whether the body's integrity is stated: Content-MD5, or an x-amz-checksum-* header or trailer. */
function integrityStated(contentMd5: string | undefined, ctx: HandlerContext): boolean {
  return contentMd5 !== undefined || ctx.bodyChecksum() !== undefined;
}

/**
 * A body that becomes (part of) a version with Object Lock parameters must be protected by
 * Content-MD5 or an x-amz-checksum-* (header or trailer), as S3 requires ("PutObject": "The
 * Content-MD5 or x-amz-sdk-checksum-algorithm header is required for any request to upload an
 * object with a retention period configured using Amazon S3 Object Lock"; "UploadPart",
 * Content-MD5: "required if object lock parameters are specified"), with AWS's message (the
 * same for a part). `lock`: what the request (PutObject) or the upload's CreateMultipartUpload
 * stated. Known before the body is read (the verifying body is planned from the headers).
 */
export function requireIntegrityForLock(lock: ObjectLock | undefined, contentMd5: string | undefined, ctx: HandlerContext): void {
  if (lock !== undefined && !integrityStated(contentMd5, ctx)) throw integrityRequired();
}

/**
 * The same requirement for a bucket's default retention, which gives the new version a
 * retention period without the request naming one (AWS answers a PutObject to such a bucket
 * without Content-MD5 or a checksum with the same InvalidRequest). The bucket's configuration is
 * read only for a body without stated integrity: the AWS SDKs send a CRC32 by default, so their
 * requests cost nothing more. Run after the access decision, so that the answer tells nothing of
 * the bucket to a caller without access. On a backend without Object Lock (NOT_SUPPORTED) no
 * bucket has a default retention; one that says so up front (objectLockSupported false: Ozone)
 * is not asked at all, as its answer would cost a bucket lookup the access decision already made
 * (issue 8: an OM round trip of every Ozone PutObject and UploadPart without a checksum).
 */
export async function requireIntegrityForDefaultRetention(bucket: BucketInfo, contentMd5: string | undefined, ctx: HandlerContext): Promise<void> {
  if (integrityStated(contentMd5, ctx) || ctx.storage.objectLockSupported === false) return;
  // The engine told with the bucket (embedded): no lookup more (issue 9: with workers, a round trip
  // to the primary of every PUT without a checksum, and a wait for the log sync behind other writes).
  if (bucket.defaultRetention !== undefined) {
    if (bucket.defaultRetention) throw integrityRequired();
    return;
  }
  const config = await storageCall(() =>
    ctx.storage.getObjectLockConfiguration(bucket.name).catch((err: unknown) => {
      if (err instanceof StorageError && err.kind === "NOT_SUPPORTED") return undefined;
      throw err;
    }),
  );
  if (config?.defaultRetention !== undefined) throw integrityRequired();
}

/** The lock headers GET and HEAD answer with (none for a version without a lock). */
export function lockHeaders(lock: ObjectLock | undefined): ObjectLockWriteInput {
  if (lock === undefined) return {};
  return {
    ...(lock.retention !== undefined && { ObjectLockMode: lock.retention.mode, ObjectLockRetainUntilDate: lock.retention.retainUntil }),
    ...(lock.legalHold !== undefined && { ObjectLockLegalHoldStatus: lock.legalHold ? "ON" : "OFF" }),
  };
}

/** A DefaultRetention as S3 validates it: a Mode and exactly one of Days and Years, each positive. */
function defaultRetentionOf(d: DefaultRetention | undefined): ObjectLockConfiguration["defaultRetention"] {
  // <Rule/> without a DefaultRetention, a DefaultRetention without Mode, or with both or neither of
  // Days and Years: not what the schema allows.
  if (d === undefined || d.Mode === undefined || (d.Days === undefined) === (d.Years === undefined)) throw new S3Error("MalformedXML");
  const [name, value, max] = d.Days !== undefined ? (["Days", d.Days, MAX_DAYS] as const) : (["Years", d.Years!, MAX_YEARS] as const);
  if (value <= 0) throw new S3Error("InvalidArgument", "Default retention period must be a positive integer value.", { ArgumentName: name });
  if (value > max) throw new S3Error("InvalidArgument", `Default retention period is too large (at most ${max} ${name.toLowerCase()}).`, { ArgumentName: name });
  return d.Days !== undefined ? { mode: d.Mode, days: value } : { mode: d.Mode, years: value };
}

/** A <Retention> as PutObjectRetention takes it: Mode and RetainUntilDate, or neither (removes it). */
function retentionOf(r: ObjectLockRetention, now: Date): ObjectRetention | undefined {
  if (r.Mode === undefined && r.RetainUntilDate === undefined) return undefined;
  if (r.Mode === undefined || !(r.RetainUntilDate instanceof Date)) throw new S3Error("MalformedXML");
  if (r.RetainUntilDate.getTime() <= now.getTime()) throw new S3Error("InvalidArgument", "The retain until date must be in the future!");
  return { mode: r.Mode, retainUntil: r.RetainUntilDate.toISOString() };
}

export const objectLockHandlers: ObjectLockHandlers<HandlerContext> = {
  async PutObjectLockConfiguration(input, ctx) {
    // The body's Content-MD5 or checksum is required by the spec (@checksumRequired, app.ts).
    const body = input.ObjectLockConfiguration;
    // Object Lock cannot be disabled: "Enabled" is the one value, and it must be stated.
    if (body.ObjectLockEnabled !== "Enabled") throw new S3Error("MalformedXML");
    const config: ObjectLockConfiguration = body.Rule === undefined ? {} : { defaultRetention: defaultRetentionOf(body.Rule.DefaultRetention) };
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.putObjectLockConfiguration(input.Bucket, config));
    return {};
  },

  async GetObjectLockConfiguration(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const config = await storageCall(() => ctx.storage.getObjectLockConfiguration(input.Bucket));
    if (config === undefined) throw new S3Error("ObjectLockConfigurationNotFoundError");
    const d = config.defaultRetention;
    return {
      Body: {
        ObjectLockEnabled: "Enabled",
        ...(d !== undefined && { Rule: { DefaultRetention: { Mode: d.mode, ...(d.days !== undefined ? { Days: d.days } : { Years: d.years }) } } }),
      },
    };
  },

  async PutObjectRetention(input, ctx) {
    validateKey(input.Key);
    const retention = retentionOf(input.Retention, ctx.now());
    await authorizedBucket(ctx, input.Bucket);
    // shortening, lifting or changing a GOVERNANCE retention takes the bypass, allowed to the caller
    const bypass = input.BypassGovernanceRetention === true && (await ctx.mayBypassGovernance(input.Key, input.VersionId));
    await storageCall(() => ctx.storage.putObjectRetention(input.Bucket, input.Key, retention, input.VersionId, bypass));
    return {};
  },

  async GetObjectRetention(input, ctx) {
    validateKey(input.Key);
    await authorizedBucket(ctx, input.Bucket);
    const lock = await storageCall(() => ctx.storage.getObjectLock(input.Bucket, input.Key, input.VersionId));
    if (lock.retention === undefined) throw new S3Error("NoSuchObjectLockConfiguration");
    return { Body: { Mode: lock.retention.mode, RetainUntilDate: new Date(lock.retention.retainUntil) } };
  },

  async PutObjectLegalHold(input, ctx) {
    validateKey(input.Key);
    const status = input.LegalHold.Status;
    if (status === undefined) throw new S3Error("MalformedXML");
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.putObjectLegalHold(input.Bucket, input.Key, status === "ON", input.VersionId));
    return {};
  },

  async GetObjectLegalHold(input, ctx) {
    validateKey(input.Key);
    await authorizedBucket(ctx, input.Bucket);
    const lock = await storageCall(() => ctx.storage.getObjectLock(input.Bucket, input.Key, input.VersionId));
    if (lock.legalHold === undefined) throw new S3Error("NoSuchObjectLockConfiguration");
    return { Body: { Status: lock.legalHold ? "ON" : "OFF" } };
  },
};
