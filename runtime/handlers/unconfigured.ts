/**
 * Bucket features the gateway does not have, read as S3 reads them on a bucket where they were never
 * configured (spec/unconfigured.tsp): the bucket and the caller's permission are checked as for
 * any read, and the answer is "none". Setting any of them answers 501 (spec/not-implemented.tsp).
 */
import type { UnconfiguredHandlers } from "../../generated/handlers.js";
import { S3Error } from "../errors.js";
import { authorizedBucket, type HandlerContext } from "./common.js";

/** The first and only page of a list that is empty, with the token asked for echoed. */
function emptyList(token: string | undefined): { Body: { IsTruncated: false; ContinuationToken?: string } } {
  return { Body: token === undefined ? { IsTruncated: false } : { IsTruncated: false, ContinuationToken: token } };
}

export const unconfiguredHandlers: UnconfiguredHandlers<HandlerContext> = {
  async GetBucketAccelerateConfiguration(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    return { Body: {} };
  },

  async GetBucketRequestPayment(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    return { Body: { Payer: "BucketOwner" } };
  },

  async GetBucketLogging(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    return { Body: {} };
  },

  async GetBucketNotificationConfiguration(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    return { Body: {} };
  },

  async GetBucketWebsite(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    throw new S3Error("NoSuchWebsiteConfiguration", undefined, { BucketName: input.Bucket });
  },

  async GetBucketReplication(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    throw new S3Error("ReplicationConfigurationNotFoundError", undefined, { BucketName: input.Bucket });
  },

  async ListBucketAnalyticsConfigurations(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    return emptyList(input.ContinuationToken);
  },

  async GetBucketAnalyticsConfiguration(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    throw new S3Error("NoSuchConfiguration");
  },

  async ListBucketMetricsConfigurations(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    return emptyList(input.ContinuationToken);
  },

  async GetBucketMetricsConfiguration(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    throw new S3Error("NoSuchConfiguration");
  },

  async ListBucketInventoryConfigurations(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    return emptyList(input.ContinuationToken);
  },

  async GetBucketInventoryConfiguration(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    throw new S3Error("NoSuchConfiguration");
  },

  async ListBucketIntelligentTieringConfigurations(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    return emptyList(input.ContinuationToken);
  },

  async GetBucketIntelligentTieringConfiguration(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    throw new S3Error("NoSuchConfiguration");
  },
};
