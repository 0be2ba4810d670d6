/**
 * Bucket policies and the public access block: Put/Get/DeleteBucketPolicy, GetBucketPolicyStatus,
 * Put/Get/DeletePublicAccessBlock. The bucket owner's operations (S3 answers them for the owning
 * account only). A policy is checked and compiled here as S3 checks it (runtime/access/policy/
 * compilePolicy) and stored as the text given; the decision point evaluates it on every request
 * to the bucket (runtime/access/policy/decision.ts bucketPolicyDecision, which caches the
 * compiled policy per process; a successful operation here is in its CHANGES_POLICY list).
 */
import { Readable } from "node:stream";
import type { PolicyHandlers } from "../../generated/handlers.js";
import type { PublicAccessBlockConfiguration } from "../../generated/types/shapes.js";
import { compilePolicy, MAX_POLICY_BYTES } from "../access/policy/compile.js";
import { isPublicPolicy } from "../access/policy/public.js";
import { S3Error } from "../errors.js";
import { storageCall } from "../storage/errors.js";
import { StorageError, type IncomingBody, type PublicAccessBlock } from "../storage/types.js";
import { authorizedBucket, type HandlerContext } from "./common.js";

/**
 * The policy document: at most MAX_POLICY_BYTES of UTF-8. Past the limit the body is not read
 * further (its stream is destroyed; the unread rest is drained by filters/unread-body.ts).
 */
async function readPolicy(body: IncomingBody): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body.stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_POLICY_BYTES) {
      body.stream.destroy();
      throw new S3Error("MalformedPolicy", "Policy exceeds the maximum allowed document size.");
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new S3Error("MalformedPolicy", "This policy contains invalid Json");
  }
}

/**
 * Whether a stored policy is public. It compiled when it was put; one that no longer does (a later
 * build checks more) grants nothing (runtime/access/policy/decision.ts denies by it), so it is not
 * public, and GetBucketPolicyStatus still answers.
 */
function storedPolicyIsPublic(text: string, bucket: string): boolean {
  try {
    return isPublicPolicy(compilePolicy(text, bucket));
  } catch (err) {
    if (err instanceof S3Error) return false;
    throw err;
  }
}

function blockOf(c: PublicAccessBlockConfiguration): PublicAccessBlock {
  return {
    blockPublicAcls: c.BlockPublicAcls === true,
    ignorePublicAcls: c.IgnorePublicAcls === true,
    blockPublicPolicy: c.BlockPublicPolicy === true,
    restrictPublicBuckets: c.RestrictPublicBuckets === true,
  };
}

function noneIfNotSupported(err: unknown): undefined {
  if (err instanceof StorageError && err.kind === "NOT_SUPPORTED") return undefined;
  throw err;
}

export const policyHandlers: PolicyHandlers<HandlerContext> = {
  async PutBucketPolicy(input, ctx) {
    // A Content-MD5 or checksum of the body is optional here, as in S3 (spec/policy.tsp), and verified when sent.
    await authorizedBucket(ctx, input.Bucket);
    const text = await readPolicy(input.Policy);
    const policy = compilePolicy(text, input.Bucket);
    // BlockPublicPolicy: "Amazon S3 rejects calls to PUT Bucket policy if the specified bucket
    // policy allows public access" (403 AccessDenied)
    // (a backend without public access blocks has none: its own answer to the policy then follows)
    const block = await storageCall(() => ctx.storage.getPublicAccessBlock(input.Bucket).catch(noneIfNotSupported));
    if (block?.blockPublicPolicy === true && isPublicPolicy(policy)) throw new S3Error("AccessDenied");
    await storageCall(() => ctx.storage.putBucketPolicy(input.Bucket, text));
    return {};
  },

  async GetBucketPolicy(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const text = await storageCall(() => ctx.storage.getBucketPolicy(input.Bucket));
    if (text === undefined) throw new S3Error("NoSuchBucketPolicy");
    return { Policy: Readable.from([Buffer.from(text, "utf8")]) };
  },

  async DeleteBucketPolicy(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.deleteBucketPolicy(input.Bucket));
    return {};
  },

  async GetBucketPolicyStatus(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const text = await storageCall(() => ctx.storage.getBucketPolicy(input.Bucket));
    // (public ACLs make a bucket public too; they are for runtime/access/authorize.ts's ACLs to add)
    return { Body: { IsPublic: text !== undefined && storedPolicyIsPublic(text, input.Bucket) } };
  },

  async PutPublicAccessBlock(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.putPublicAccessBlock(input.Bucket, blockOf(input.PublicAccessBlockConfiguration)));
    return {};
  },

  async GetPublicAccessBlock(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const block = await storageCall(() => ctx.storage.getPublicAccessBlock(input.Bucket));
    if (block === undefined) throw new S3Error("NoSuchPublicAccessBlockConfiguration");
    return {
      Body: {
        BlockPublicAcls: block.blockPublicAcls,
        IgnorePublicAcls: block.ignorePublicAcls,
        BlockPublicPolicy: block.blockPublicPolicy,
        RestrictPublicBuckets: block.restrictPublicBuckets,
      },
    };
  },

  async DeletePublicAccessBlock(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.deletePublicAccessBlock(input.Bucket));
    return {};
  },
};
