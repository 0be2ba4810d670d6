/**
 * The bucket-policy half of an access decision, as the decision point (runtime/access/authorize.ts)
 * asks it: the bucket's compiled policy and public access block, read through a per-process cache,
 * and the policy's Decision for the request.
 *
 * The cache (runtime/bucket-config-cache.ts) reads and compiles a bucket's policy at most once a
 * second per process and says how a change reaches every worker: this process forgets the bucket
 * after a successful CHANGES_POLICY operation (app.ts), the store's owner tells the other workers.
 */
import { BucketConfigCache } from "../../bucket-config-cache.js";
import { S3Error } from "../../errors.js";
import { StorageError, type BucketInfo, type PublicAccessBlock, type StorageClient } from "../../storage/types.js";
import type { AccessRequest, Decision } from "../request.js";
import { compilePolicy, type CompiledPolicy } from "./compile.js";
import { evaluatePolicy } from "./evaluate.js";
import { isPublicPolicy } from "./public.js";

export { CACHE_TTL_MS } from "../../bucket-config-cache.js";

/** Operations after which this process's cached policy of the bucket is stale. */
export const CHANGES_POLICY: ReadonlySet<string> = new Set([
  "PutBucketPolicy",
  "DeleteBucketPolicy",
  "PutPublicAccessBlock",
  "DeletePublicAccessBlock",
  "CreateBucket",
  "DeleteBucket",
]);

export interface BucketAccessConfig {
  /** the compiled policy; undefined when the bucket has none (or its engine keeps none: Ozone) */
  readonly policy?: CompiledPolicy;
  /** whether that policy is public (public.ts), computed once */
  readonly isPublic: boolean;
  /** the public access block; undefined when the bucket has none */
  readonly publicAccessBlock?: PublicAccessBlock;
}

const NONE: BucketAccessConfig = { isPublic: false };

/** A bucket's compiled policy and public access block, cached per process (runtime/bucket-config-cache.ts). */
export class BucketPolicyCache extends BucketConfigCache<BucketAccessConfig> {
  constructor(storage: StorageClient, now: () => number = Date.now) {
    super((bucket) => readAccessConfig(storage, bucket), now);
  }
}

/** The bucket's policy and public access block; fails only when storage fails. */
async function readAccessConfig(storage: StorageClient, bucket: string): Promise<BucketAccessConfig> {
  let text: string | undefined;
  let block: PublicAccessBlock | undefined;
  try {
    [text, block] = await Promise.all([storage.getBucketPolicy(bucket), storage.getPublicAccessBlock(bucket)]);
  } catch (err) {
    // no bucket (the operation answers NoSuchBucket itself), or an engine without policies
    if (err instanceof StorageError && (err.kind === "BUCKET_NOT_FOUND" || err.kind === "NOT_SUPPORTED")) return NONE;
    throw err;
  }
  if (text === undefined) return block === undefined ? NONE : { isPublic: false, publicAccessBlock: block };
  const policy = compileStored(text, bucket);
  return { policy, isPublic: policy !== undefined && isPublicPolicy(policy), ...(block !== undefined && { publicAccessBlock: block }) };
}

/**
 * A stored policy, compiled. It was checked when it was put; should it fail now (a later build
 * checks more), it is not silently dropped, which would lift its Deny statements: it denies
 * everything but the owner's policy operations (see bucketPolicyDecision).
 */
function compileStored(text: string, bucket: string): CompiledPolicy | undefined {
  try {
    return compilePolicy(text, bucket);
  } catch (err) {
    if (err instanceof S3Error) return UNREADABLE;
    throw err;
  }
}

/** Stands for a stored policy that no longer compiles. */
const UNREADABLE: CompiledPolicy = { version: "2012-10-17", statements: [] };

/** Operations the bucket owner's users may always perform, whatever the policy says (as S3's account root). */
const OWNER_ALWAYS = new Set(["s3:getbucketpolicy", "s3:putbucketpolicy", "s3:deletebucketpolicy"]);

export interface PolicyDecisionDeps {
  cache: BucketPolicyCache;
  /** the canonical id of a bucket's stored owner (runtime/users.ts UserSet.ownerUser), undefined when unknown */
  ownerCanonicalId(storedOwner: string): string | undefined;
}

/**
 * The bucket policy's Decision for the request that `request` makes, on `bucket` (made only when
 * the bucket has a policy):
 * - no policy: Neutral;
 * - the bucket owner's users are never locked out of the policy operations themselves (S3: "the
 *   root user of the AWS account that owns a bucket can always use this operation, even if the
 *   policy explicitly denies"): Neutral there, so that ownership decides;
 * - RestrictPublicBuckets with a public policy: "only AWS service principals and authorized users
 *   within the bucket owner's account" are allowed by it ("Blocking public access to your Amazon
 *   S3 storage"), so an Allow for anyone else becomes Neutral (a Deny stays a Deny);
 * - otherwise evaluate.ts's answer.
 */
export async function bucketPolicyDecision(
  deps: PolicyDecisionDeps,
  bucket: BucketInfo,
  request: () => AccessRequest,
): Promise<Decision> {
  const found = await deps.cache.lookup(bucket.name);
  if (found.policy === undefined) return "Neutral";
  // built only now: most buckets have no policy
  const req = request();
  const owner = deps.ownerCanonicalId(bucket.owner);
  const byOwner = req.principal !== undefined && owner !== undefined && req.principal.canonicalId === owner;
  if (byOwner && OWNER_ALWAYS.has(req.action.toLowerCase())) return "Neutral";
  if (found.policy === UNREADABLE) return "Deny";
  const decision = await evaluatePolicy(found.policy, req);
  if (decision === "Allow" && found.isPublic && found.publicAccessBlock?.restrictPublicBuckets === true && !byOwner) return "Neutral";
  return decision;
}
