/**
 * Bucket versioning: PutBucketVersioning, GetBucketVersioning ("Using versioning in S3 buckets",
 * Amazon S3 User Guide). What versions mean for every other operation is the storage engine's
 * (runtime/storage/embedded/versions.ts); an engine that cannot keep versions refuses to enable them.
 */
import type { VersioningHandlers } from "../../generated/handlers.js";
import { S3Error } from "../errors.js";
import { storageCall } from "../storage/errors.js";
import { authorizedBucket, type HandlerContext } from "./common.js";

export const versioningHandlers: VersioningHandlers<HandlerContext> = {
  async PutBucketVersioning(input, ctx) {
    const { Status: status, MFADelete: mfaDelete } = input.VersioningConfiguration;
    // S3 changes nothing without a state to set.
    if (status === undefined) throw new S3Error("MalformedXML");
    await authorizedBucket(ctx, input.Bucket);
    if (mfaDelete === "Enabled") {
      // MFA delete needs a device's code in x-amz-mfa; S3 refuses the request without one
      // ("Configuring MFA delete", Amazon S3 User Guide). This gateway has no MFA devices to check
      // a code against, so it cannot turn MFA delete on at all.
      if (input.MFA === undefined) throw new S3Error("AccessDenied", "Mfa Authentication must be used for this request");
      throw new S3Error("NotImplemented", "MFA delete is not supported: the gateway has no MFA devices.");
    }
    await storageCall(() => ctx.storage.putBucketVersioning(input.Bucket, status, mfaDelete));
    return {};
  },

  async GetBucketVersioning(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const v = await storageCall(() => ctx.storage.getBucketVersioning(input.Bucket));
    // A bucket never versioned answers an empty <VersioningConfiguration/>, as S3 does.
    return { Body: { ...(v.status !== undefined && { Status: v.status }), ...(v.mfaDelete !== undefined && { MFADelete: v.mfaDelete }) } };
  },
};
