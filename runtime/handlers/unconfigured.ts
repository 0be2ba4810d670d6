/**
 * Bucket features the gateway does not have, read as S3 reads them on a bucket where they were never
 * configured (spec/unconfigured.tsp): the bucket and the caller's permission are checked as for
 * any read, and the answer is "none". Setting any of them answers 501 (spec/not-implemented.tsp).
 */
import type { UnconfiguredHandlers } from "../../generated/handlers.js";
import { S3Error } from "../errors.js";
import { authorizedBucket, type HandlerContext } from "./common.js";

/** A handler that checks the bucket and the caller, then answers what `answer` makes of the request. */
function afterBucketCheck<I extends { Bucket: string }, O>(answer: (input: I) => O): (input: I, ctx: HandlerContext) => Promise<O> {
  return async (input, ctx) => {
    await authorizedBucket(ctx, input.Bucket);
    return answer(input);
  };
}

/** The first and only page of a list that is empty, with the token asked for echoed. */
const emptyList = afterBucketCheck((input: { Bucket: string; ContinuationToken?: string }) => ({
  Body: input.ContinuationToken === undefined ? { IsTruncated: false } : { IsTruncated: false, ContinuationToken: input.ContinuationToken },
}));

/** No configuration of this kind exists, whatever its id. */
const noSuchConfiguration = afterBucketCheck((): never => {
  throw new S3Error("NoSuchConfiguration");
});

export const unconfiguredHandlers: UnconfiguredHandlers<HandlerContext> = {
  GetBucketAccelerateConfiguration: afterBucketCheck(() => ({ Body: {} })),
  GetBucketRequestPayment: afterBucketCheck(() => ({ Body: { Payer: "BucketOwner" as const } })),
  GetBucketLogging: afterBucketCheck(() => ({ Body: {} })),
  GetBucketNotificationConfiguration: afterBucketCheck(() => ({ Body: {} })),
  GetBucketWebsite: afterBucketCheck((input): never => {
    throw new S3Error("NoSuchWebsiteConfiguration", undefined, { BucketName: input.Bucket });
  }),
  GetBucketReplication: afterBucketCheck((input): never => {
    throw new S3Error("ReplicationConfigurationNotFoundError", undefined, { BucketName: input.Bucket });
  }),
  ListBucketAnalyticsConfigurations: emptyList,
  GetBucketAnalyticsConfiguration: noSuchConfiguration,
  ListBucketMetricsConfigurations: emptyList,
  GetBucketMetricsConfiguration: noSuchConfiguration,
  ListBucketInventoryConfigurations: emptyList,
  GetBucketInventoryConfiguration: noSuchConfiguration,
  ListBucketIntelligentTieringConfigurations: emptyList,
  GetBucketIntelligentTieringConfiguration: noSuchConfiguration,
};
