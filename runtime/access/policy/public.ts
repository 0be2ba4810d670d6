/**
 * Whether a bucket policy is public, as S3 decides it for GetBucketPolicyStatus, BlockPublicPolicy
 * and RestrictPublicBuckets ("The meaning of "public"", Blocking public access to your Amazon S3
 * storage, Amazon S3 User Guide). A policy is non-public when every Allow statement grants access
 * only to fixed values: a principal that is not a wildcard, or a condition that pins one of
 * these keys to values without wildcards:
 *
 * - aws:SourceIp, to address ranges no wider than AWS accepts as fixed (an IPv4 prefix of at
 *   least /8, an IPv6 prefix of at least /32; AWS counts "overly broad IP ranges (for example,
 *   0.0.0.0/1)" as public);
 * - aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceAccount, aws:SourceOwner,
 *   aws:SourceOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:PrincipalOrgID, aws:userid,
 *   s3:DataAccessPointArn, s3:DataAccessPointAccount, with StringEquals, StringLike without a
 *   wildcard, ArnEquals or ArnLike without a wildcard.
 *
 * Deny statements never make a policy public.
 */
import type { CompiledPolicy, CompiledStatement } from "./compile.js";
import type { CompiledCondition } from "./conditions.js";

const FIXING_KEYS = new Set([
  "aws:sourcearn",
  "aws:sourcevpc",
  "aws:sourcevpce",
  "aws:sourceaccount",
  "aws:sourceowner",
  "aws:sourceorgid",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:principalorgid",
  "aws:userid",
  "s3:dataaccesspointarn",
  "s3:dataaccesspointaccount",
]);

const FIXING_OPERATORS = new Set(["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"]);

function narrowCidr(v: string): boolean {
  const [addr, bits] = v.split("/");
  const v6 = addr.includes(":");
  const prefix = bits === undefined ? (v6 ? 128 : 32) : Number(bits);
  return prefix >= (v6 ? 32 : 8);
}

function fixes(c: CompiledCondition): boolean {
  if (c.ifExists || c.qualifier === "all" || c.negated) return false;
  if (c.key === "aws:sourceip") return c.base === "IpAddress" && c.values.every(narrowCidr);
  return FIXING_KEYS.has(c.key) && FIXING_OPERATORS.has(c.base) && c.values.every((v) => !v.includes("*") && !v.includes("?"));
}

/** Whether this statement grants public access. */
export function isPublicStatement(s: CompiledStatement): boolean {
  if (s.effect !== "Allow") return false;
  // (NotPrincipal with Allow is refused by compile.ts; it would be public)
  if (!s.principals.everyone && !s.notPrincipal) return false;
  return !s.conditions.some(fixes);
}

/** Whether the policy grants public access (GetBucketPolicyStatus's IsPublic). */
export function isPublicPolicy(policy: CompiledPolicy): boolean {
  return policy.statements.some(isPublicStatement);
}
