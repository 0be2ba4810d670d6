/**
 * Lifecycle configuration: PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration,
 * DeleteBucketLifecycle. The rules are checked here as S3 checks them (runtime/lifecycle/rules.ts)
 * and stored; the lifecycle executor (runtime/lifecycle/executor.ts), in the process that owns the
 * store, applies them.
 */
import type { LifecycleHandlers } from "../../generated/handlers.js";
import { S3Error } from "../errors.js";
import { lifecycleConfigurationOf, lifecycleRulesOf } from "../lifecycle/rules.js";
import { storageCall } from "../storage/errors.js";
import { authorizedBucket, type HandlerContext } from "./common.js";

export const lifecycleHandlers: LifecycleHandlers<HandlerContext> = {
  async PutBucketLifecycleConfiguration(input, ctx) {
    // The body's Content-MD5 or checksum is required by the spec (@checksumRequired, app.ts).
    const rules = lifecycleRulesOf(input.LifecycleConfiguration);
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.putBucketLifecycle(input.Bucket, rules));
    return {};
  },

  async GetBucketLifecycleConfiguration(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const rules = await storageCall(() => ctx.storage.getBucketLifecycle(input.Bucket));
    if (rules === undefined) throw new S3Error("NoSuchLifecycleConfiguration");
    return { Body: lifecycleConfigurationOf(rules) };
  },

  async DeleteBucketLifecycle(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.deleteBucketLifecycle(input.Bucket));
    return {};
  },
};
