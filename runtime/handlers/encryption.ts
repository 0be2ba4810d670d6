/**
 * Server-side encryption (spec/encryption.tsp): the checks of the x-amz-server-side-encryption*
 * headers on the operations that write or read objects, what the answers say of how objects are
 * stored, and GetBucketEncryption. The gateway encrypts nothing itself, so no request that asks for
 * encryption is taken unless it is honoured: SSE-S3 only where the operator stated that the storage
 * is encrypted at rest (s3.encryptedAtRest); SSE-KMS and SSE-C never.
 */
import type { EncryptionHandlers } from "../../generated/handlers.js";
import type { ServerSideEncryptionRule } from "../../generated/types/shapes.js";
import { S3Error, s3Message } from "../errors.js";
import { authorizedBucket, type HandlerContext } from "./common.js";

/** SSE-C headers naming the key of the object (or upload) written or read. */
export interface CustomerKeyInput {
  SSECustomerAlgorithm?: string;
  SSECustomerKey?: string;
  SSECustomerKeyMD5?: string;
}

/** SSE-C headers naming the key of a copy's source. */
export interface CopySourceCustomerKeyInput {
  CopySourceSSECustomerAlgorithm?: string;
  CopySourceSSECustomerKey?: string;
  CopySourceSSECustomerKeyMD5?: string;
}

/** The encryption a new object asks for (PutObject, CopyObject, CreateMultipartUpload, PostObject). */
export interface NewObjectEncryptionInput extends CustomerKeyInput {
  ServerSideEncryption?: string;
  SSEKMSKeyId?: string;
  SSEKMSEncryptionContext?: string;
}

/**
 * What an answer says of how an object is stored (x-amz-server-side-encryption): AES256 for every
 * object when the storage is stated encrypted at rest (S3 answers it for every object, since it
 * encrypts them all), else nothing: an answer never claims an encryption that is not.
 */
export function storedEncryption(ctx: HandlerContext): "AES256" | undefined {
  return ctx.config.s3.encryptedAtRest ? "AES256" : undefined;
}

/** S3 refuses every SSE-C request made over plain HTTP: the key would cross the network in the clear. */
function requireSecureTransport(ctx: HandlerContext): void {
  if (ctx.scheme !== "https") throw new S3Error("InvalidRequest", s3Message("InvalidRequest", "SseCustomerKeyInsecure"));
}

function namesCustomerKey(input: CustomerKeyInput): boolean {
  return input.SSECustomerAlgorithm !== undefined || input.SSECustomerKey !== undefined || input.SSECustomerKeyMD5 !== undefined;
}

/** The encryption headers of a new object, checked before anything is read or written. */
export function checkNewObjectEncryption(input: NewObjectEncryptionInput, ctx: HandlerContext): void {
  const sse = input.ServerSideEncryption;
  if (namesCustomerKey(input)) {
    if (sse !== undefined) throw new S3Error("InvalidArgument", s3Message("InvalidArgument", "SseCustomerKeyWithOtherMethod"));
    requireSecureTransport(ctx);
    throw new S3Error("NotImplemented", s3Message("NotImplemented", "SseCustomerKey"));
  }
  const kms = sse === "aws:kms" || sse === "aws:kms:dsse";
  if (!kms && (input.SSEKMSKeyId !== undefined || input.SSEKMSEncryptionContext !== undefined)) {
    throw new S3Error("InvalidArgument", s3Message("InvalidArgument", "SseKmsHeaderWithoutKms"));
  }
  if (kms) throw new S3Error("NotImplemented", s3Message("NotImplemented", "SseKms"));
  if (sse === "AES256" && !ctx.config.s3.encryptedAtRest) throw new S3Error("NotImplemented", s3Message("NotImplemented", "SseS3NotAtRest"));
}

/**
 * SSE-C headers naming the key of an existing object or upload (GetObject, HeadObject, UploadPart,
 * ListParts...). None here is encrypted with a customer key: S3's answer for one that is not.
 */
export function checkCustomerKey(input: CustomerKeyInput, ctx: HandlerContext): void {
  if (!namesCustomerKey(input)) return;
  requireSecureTransport(ctx);
  throw new S3Error("InvalidRequest", s3Message("InvalidRequest", "SseCustomerKeyNotApplicable"));
}

/** SSE-C headers naming the key of a copy's source: as checkCustomerKey. */
export function checkCopySourceCustomerKey(input: CopySourceCustomerKeyInput, ctx: HandlerContext): void {
  checkCustomerKey(
    { SSECustomerAlgorithm: input.CopySourceSSECustomerAlgorithm, SSECustomerKey: input.CopySourceSSECustomerKey, SSECustomerKeyMD5: input.CopySourceSSECustomerKeyMD5 },
    ctx,
  );
}

/**
 * A bucket default encryption the gateway can honour: AES256 rules without a bucket key, on storage
 * stated encrypted at rest (the default every object has then). Anything else is refused.
 */
function checkDefaultEncryption(rules: readonly ServerSideEncryptionRule[], ctx: HandlerContext): void {
  if (rules.length === 0) throw new S3Error("MalformedXML");
  for (const rule of rules) {
    const byDefault = rule.ApplyServerSideEncryptionByDefault;
    if (byDefault === undefined) throw new S3Error("MalformedXML");
    const kms = byDefault.SSEAlgorithm !== "AES256";
    if (!kms && byDefault.KMSMasterKeyID !== undefined) throw new S3Error("InvalidArgument", s3Message("InvalidArgument", "SseKmsKeyWithoutKms"));
    if (kms || rule.BucketKeyEnabled === true) throw new S3Error("NotImplemented", s3Message("NotImplemented", "SseKms"));
  }
  if (!ctx.config.s3.encryptedAtRest) throw new S3Error("NotImplemented", s3Message("NotImplemented", "SseS3NotAtRest"));
}

export const encryptionHandlers: EncryptionHandlers<HandlerContext> = {
  async GetBucketEncryption(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    if (!ctx.config.s3.encryptedAtRest) throw new S3Error("ServerSideEncryptionConfigurationNotFoundError");
    return { Body: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: false }] } };
  },

  async PutBucketEncryption(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    checkDefaultEncryption(input.ServerSideEncryptionConfiguration.Rules, ctx);
    return {};
  },

  async DeleteBucketEncryption(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    return {};
  },
};
