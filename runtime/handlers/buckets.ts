/** Buckets: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation. */
import type { BucketsHandlers } from "../../generated/handlers.js";
import { S3Error } from "../errors.js";
import { storageCall, toS3Error } from "../storage/errors.js";
import { StorageError } from "../storage/types.js";
import { authorizedBucket, ownedBy, validateBucketName, type HandlerContext } from "./common.js";
import { ownerElementOf } from "../users.js";
import { newBucketAccess } from "./acl.js";

export const bucketsHandlers: BucketsHandlers<HandlerContext> = {
  async ListBuckets(input, ctx) {
    const all = await storageCall(() => ctx.storage.listBuckets());
    let buckets = all.filter((b) => ownedBy(ctx, b.owner)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (input.Prefix) buckets = buckets.filter((b) => b.name.startsWith(input.Prefix!));
    if (input.ContinuationToken) {
      const after = Buffer.from(input.ContinuationToken, "base64url").toString("utf8");
      buckets = buckets.filter((b) => b.name > after);
    }
    let next: string | undefined;
    if (input.MaxBuckets !== undefined && buckets.length > input.MaxBuckets) {
      buckets = buckets.slice(0, input.MaxBuckets);
      next = Buffer.from(buckets[buckets.length - 1].name, "utf8").toString("base64url");
    }
    return {
      Body: {
        Owner: ownerElementOf(ctx.user!),
        Buckets: buckets.map((b) => ({ Name: b.name, CreationDate: b.creationDate, BucketRegion: ctx.config.s3.region })),
        ContinuationToken: next,
        Prefix: input.Prefix,
      },
    };
  },

  async CreateBucket(input, ctx) {
    validateBucketName(input.Bucket);
    const location = input.CreateBucketConfiguration?.LocationConstraint;
    // A LocationConstraint must name this gateway's region ("CreateBucket", Amazon S3 API Reference).
    if (location !== undefined && location !== "" && location !== ctx.config.s3.region) {
      throw new S3Error("InvalidLocationConstraint");
    }
    const user = ctx.user;
    // (the auth filter lets no anonymous request reach an operation that makes a bucket)
    if (user === undefined) throw new S3Error("AccessDenied");
    const access = newBucketAccess(ctx, user.canonicalId, input);
    try {
      // with Object Lock, the bucket is made versioned (handlers/object-lock.ts, the engine enforces it)
      await ctx.storage.createBucket(input.Bucket, ctx.owner, {
        ...(access !== undefined && { access }),
        ...(input.ObjectLockEnabledForBucket === true && { objectLock: true }),
      });
    } catch (err) {
      // In us-east-1, creating a bucket you already own succeeds and changes nothing (a legacy of
      // the original S3 region); every other region answers BucketAlreadyOwnedByYou ("CreateBucket").
      // The store compares the stored owner with the one given; a bucket of the same user stored
      // under another of its names (another key's, from before users existed) is the user's too.
      const owned = err instanceof StorageError && (err.kind === "BUCKET_ALREADY_OWNED" || (err.kind === "BUCKET_ALREADY_EXISTS" && (await ownedByCaller(ctx, input.Bucket))));
      if (owned && ctx.config.s3.region !== "us-east-1") throw new S3Error("BucketAlreadyOwnedByYou");
      if (!owned) throw toS3Error(err);
    }
    return { Location: `/${input.Bucket}` };
  },

  async HeadBucket(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    return { BucketRegion: ctx.config.s3.region };
  },

  async DeleteBucket(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.deleteBucket(input.Bucket));
    return {};
  },

  async GetBucketLocation(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    // us-east-1 is reported as an empty LocationConstraint, as AWS does.
    const region = ctx.config.s3.region;
    return { Body: { LocationConstraint: region === "us-east-1" ? undefined : region } };
  },
};

/** Whether `bucket` exists and is the caller's (a failed look-up is "no": the original error is what counts). */
async function ownedByCaller(ctx: HandlerContext, bucket: string): Promise<boolean> {
  try {
    return ownedBy(ctx, (await ctx.storage.getBucket(bucket)).owner);
  } catch {
    return false;
  }
}
