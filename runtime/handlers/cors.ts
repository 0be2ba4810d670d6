/**
 * CORS configuration: PutBucketCors, GetBucketCors, DeleteBucketCors. The rules are checked here
 * as S3 checks them (runtime/cors.ts validateCorsRules) and stored as given; runtime/filters/cors.ts
 * applies them to preflights and to requests that carry an Origin header.
 */
import type { CorsHandlers } from "../../generated/handlers.js";
import type { CORSConfiguration, CORSRule } from "../../generated/types/shapes.js";
import { validateCorsRules, type CorsRule } from "../cors.js";
import { S3Error } from "../errors.js";
import { storageCall } from "../storage/errors.js";
import { authorizedBucket, type HandlerContext } from "./common.js";

function rulesOf(config: CORSConfiguration): CorsRule[] {
  return config.CORSRules.map(
    (r: CORSRule): CorsRule => ({
      ...(r.ID !== undefined && { id: r.ID }),
      allowedMethods: r.AllowedMethods,
      allowedOrigins: r.AllowedOrigins,
      ...(r.AllowedHeaders !== undefined && r.AllowedHeaders.length > 0 && { allowedHeaders: r.AllowedHeaders }),
      ...(r.ExposeHeaders !== undefined && r.ExposeHeaders.length > 0 && { exposeHeaders: r.ExposeHeaders }),
      ...(r.MaxAgeSeconds !== undefined && { maxAgeSeconds: r.MaxAgeSeconds }),
    }),
  );
}

function configurationOf(rules: readonly CorsRule[]): CORSConfiguration {
  return {
    CORSRules: rules.map(
      (r): CORSRule => ({
        ID: r.id,
        AllowedHeaders: r.allowedHeaders,
        AllowedMethods: r.allowedMethods,
        AllowedOrigins: r.allowedOrigins,
        ExposeHeaders: r.exposeHeaders,
        MaxAgeSeconds: r.maxAgeSeconds,
      }),
    ),
  };
}

export const corsHandlers: CorsHandlers<HandlerContext> = {
  async PutBucketCors(input, ctx) {
    // The body's Content-MD5 or checksum is required by the spec (@checksumRequired, app.ts).
    const rules = rulesOf(input.CORSConfiguration);
    validateCorsRules(rules);
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.putBucketCors(input.Bucket, rules));
    return {};
  },

  async GetBucketCors(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const rules = await storageCall(() => ctx.storage.getBucketCors(input.Bucket));
    // A bucket that never had rules (or had them deleted): 404 NoSuchCORSConfiguration.
    if (rules === undefined) throw new S3Error("NoSuchCORSConfiguration");
    return { Body: configurationOf(rules) };
  },

  async DeleteBucketCors(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.deleteBucketCors(input.Bucket));
    return {};
  },
};
