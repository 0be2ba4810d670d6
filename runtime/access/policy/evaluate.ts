/**
 * A compiled bucket policy applied to one request ("Policy evaluation logic", IAM User Guide): a
 * statement applies when its principal, action, resource and every condition match; any applying
 * Deny makes the answer Deny, else any applying Allow makes it Allow, else the policy says nothing
 * (Neutral: the ACLs decide, runtime/access/authorize.ts). Pure apart from the object's tags,
 * fetched at most once and only when an otherwise applying statement has a condition on
 * s3:ExistingObjectTag/<key>.
 */
import type { AccessPrincipal, AccessRequest, Decision } from "../request.js";
import type { CompiledPolicy, CompiledPrincipals, CompiledStatement } from "./compile.js";
import { conditionHolds } from "./conditions.js";
import { globMatch, type VariableLookup } from "./glob.js";

function principalMatches(p: CompiledPrincipals, who: AccessPrincipal | undefined): boolean {
  if (p.everyone) return true;
  // an anonymous caller is matched by "*" only
  if (who === undefined) return false;
  return p.accounts.has(who.canonicalId) || p.arns.has(who.arn);
}

function actionMatches(s: CompiledStatement, action: string): boolean {
  if (s.actions.has(action)) return true;
  // an action outside the known list (compile.ts S3_ACTIONS) is matched by the patterns themselves
  for (const g of s.actionPatterns) if (globMatch(g, action)) return true;
  return false;
}

function resourceMatches(s: CompiledStatement, resource: string, lookup: VariableLookup): boolean {
  for (const g of s.resources) if (globMatch(g, resource, lookup)) return true;
  return false;
}

/** The request's ARN: `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key`. */
function resourceOf(req: AccessRequest): string {
  if (req.bucket === undefined) return "*";
  return req.key === undefined ? `arn:aws:s3:::${req.bucket}` : `arn:aws:s3:::${req.bucket}/${req.key}`;
}

/**
 * Policy variables: a context key's single value, or what the caller is (aws:username: the
 * user's name, aws:userid: its canonical id, aws:principaltype: User or Anonymous).
 */
function variablesOf(req: AccessRequest): VariableLookup {
  return (key) => {
    const values = req.context.get(key);
    if (values !== undefined) return values.length === 1 ? values[0] : undefined;
    const who = req.principal;
    switch (key) {
      case "aws:username":
        return who?.displayName;
      case "aws:userid":
        return who?.canonicalId;
      case "aws:principaltype":
        return who === undefined ? "Anonymous" : "User";
      default:
        return undefined;
    }
  };
}

const TAG_KEY_PREFIX = "s3:existingobjecttag/";

/** Whether the statement's principal, action and resource match (its conditions are not looked at). */
function statementTargets(s: CompiledStatement, req: AccessRequest, action: string, resource: string, lookup: VariableLookup): boolean {
  if (principalMatches(s.principals, req.principal) === s.notPrincipal) return false;
  if (actionMatches(s, action) === s.notAction) return false;
  if (resourceMatches(s, resource, lookup) === s.notResource) return false;
  return true;
}

/** The policy's answer for the request. */
export async function evaluatePolicy(policy: CompiledPolicy, req: AccessRequest): Promise<Decision> {
  const action = req.action.toLowerCase();
  const resource = resourceOf(req);
  const lookup = variablesOf(req);
  let tags: Readonly<Record<string, string>> | undefined;
  let tagsRead = false;
  let allowed = false;
  for (const s of policy.statements) {
    // an Allow cannot change the answer once one applied; a Deny still can
    if (allowed && s.effect === "Allow") continue;
    if (!statementTargets(s, req, action, resource, lookup)) continue;
    if (s.needsObjectTags && !tagsRead) {
      tagsRead = true;
      tags = req.key === undefined || req.existingObjectTags === undefined ? undefined : await req.existingObjectTags();
    }
    let holds = true;
    for (const c of s.conditions) {
      let values: readonly string[] | undefined;
      if (c.key.startsWith(TAG_KEY_PREFIX)) {
        const tag = tags?.[c.key.slice(TAG_KEY_PREFIX.length)];
        values = tag === undefined || !Object.hasOwn(tags!, c.key.slice(TAG_KEY_PREFIX.length)) ? undefined : [tag];
      } else {
        values = req.context.get(c.key);
      }
      if (!conditionHolds(c, values, lookup)) {
        holds = false;
        break;
      }
    }
    if (!holds) continue;
    if (s.effect === "Deny") return "Deny";
    allowed = true;
  }
  return allowed ? "Allow" : "Neutral";
}
