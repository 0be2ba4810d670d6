/**
 * Bucket policies: compile a policy document once (compile.ts), evaluate it per request
 * (evaluate.ts), say whether it is public (public.ts), and build a request's condition keys
 * (context.ts). The cache of compiled policies per bucket and the decision hook the access
 * decision point calls are in decision.ts.
 */
export { compilePolicy, MAX_POLICY_BYTES, type CompiledPolicy, type CompiledStatement } from "./compile.js";
export { evaluatePolicy } from "./evaluate.js";
export { isPublicPolicy, isPublicStatement } from "./public.js";
export { policyContext, type ContextInput } from "./context.js";
export { BucketPolicyCache, bucketPolicyDecision, CHANGES_POLICY, CACHE_TTL_MS, type BucketAccessConfig, type PolicyDecisionDeps } from "./decision.js";
