/**
 * A bucket policy document: parsed, checked as PutBucketPolicy checks it, and compiled once (at
 * PutBucketPolicy, and when a process first needs the bucket's policy) into the form evaluate.ts
 * walks per request. "Policies and permissions in Amazon S3" and "Examples of Amazon S3 bucket
 * policies", Amazon S3 User Guide; "IAM JSON policy element reference", IAM User Guide.
 *
 * S3's refusals are MalformedPolicy (400) with AWS's messages where they are known (recorded by
 * versitygw's tests against AWS): "Policies must be valid JSON and the first byte must be '{'",
 * "This policy contains invalid Json", "Missing required field Statement", "Could not parse the
 * policy: Statement is empty!", "The policy must contain a valid version string", "Invalid effect:
 * <value>", "Invalid principal in policy", "Policy has invalid action", "Policy has invalid
 * resource", "Action does not apply to any resource(s) in statement". A policy is at most 20 KB
 * ("Bucket policy size limit", Amazon S3 User Guide: "Policy exceeds the maximum allowed document
 * size").
 */
import { S3Error } from "../../errors.js";
import { S3_ACTIONS, type ActionTarget } from "./actions.js";
import { compileConditions, type CompiledCondition } from "./conditions.js";
import { compileGlob, globMatch, type Glob } from "./glob.js";

/** S3's limit on a bucket policy's size, in bytes. */
export const MAX_POLICY_BYTES = 20 * 1024;

/** The principals a Principal or NotPrincipal element names. */
export interface CompiledPrincipals {
  /** `"*"` or `{"AWS": "*"}`: everyone, anonymous callers included */
  readonly everyone: boolean;
  /** accounts named by `arn:aws:iam::<id>:root`, a bare id or `{"CanonicalUser": id}`: every user of that id */
  readonly accounts: ReadonlySet<string>;
  /** user ARNs `arn:aws:iam::<id>:user/<name>`, as AccessPrincipal.arn spells them */
  readonly arns: ReadonlySet<string>;
}

export interface CompiledStatement {
  readonly sid?: string;
  readonly effect: "Allow" | "Deny";
  /** Principal (negated: false) or NotPrincipal (negated: true) */
  readonly principals: CompiledPrincipals;
  readonly notPrincipal: boolean;
  /** Action or NotAction: the known actions matched, lower-cased, and the patterns for any other */
  readonly actions: ReadonlySet<string>;
  readonly actionPatterns: readonly Glob[];
  readonly notAction: boolean;
  /** Resource or NotResource */
  readonly resources: readonly Glob[];
  readonly notResource: boolean;
  readonly conditions: readonly CompiledCondition[];
  /** a condition reads s3:ExistingObjectTag/<key>: the object's tags must be fetched */
  readonly needsObjectTags: boolean;
}

export interface CompiledPolicy {
  readonly version: string;
  readonly statements: readonly CompiledStatement[];
}

function malformed(message: string): S3Error {
  return new S3Error("MalformedPolicy", message);
}

/** A policy element that is one string or a list of them. */
function stringList(v: unknown, invalid: () => S3Error): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || list.some((x) => typeof x !== "string")) throw invalid();
  return list as string[];
}

const ACCOUNT_ARN = /^arn:aws:iam::([^:/]+):root$/;
const USER_ARN = /^arn:aws:iam::([^:/]+):user\/(.+)$/;
const ROLE_ARN = /^arn:aws:(iam|sts)::([^:/]+):(role|assumed-role|federated-user)\/(.+)$/;
/** a bare account or canonical user id (no ARN punctuation) */
const BARE_ID = /^[A-Za-z0-9_.+=@-]+$/;

function compilePrincipals(v: unknown): CompiledPrincipals {
  const invalid = () => malformed("Invalid principal in policy");
  if (v === "*") return { everyone: true, accounts: new Set(), arns: new Set() };
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw invalid();
  const accounts = new Set<string>();
  const arns = new Set<string>();
  let everyone = false;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) throw invalid();
  for (const [kind, names] of entries) {
    const list = stringList(names, invalid);
    switch (kind) {
      case "AWS":
        for (const n of list) {
          if (n === "*") everyone = true;
          else if (ACCOUNT_ARN.test(n)) accounts.add(ACCOUNT_ARN.exec(n)![1]);
          else if (USER_ARN.test(n)) arns.add(n);
          // roles exist in AWS, not here: valid, and never the caller
          else if (ROLE_ARN.test(n)) continue;
          else if (BARE_ID.test(n)) accounts.add(n);
          else throw invalid();
        }
        break;
      case "CanonicalUser":
        for (const n of list) {
          if (!BARE_ID.test(n)) throw invalid();
          accounts.add(n);
        }
        break;
      // AWS services and federated identities: valid, and never a caller of this gateway
      case "Service":
      case "Federated":
        break;
      default:
        throw invalid();
    }
  }
  return { everyone, accounts, arns };
}

const RESOURCE_PREFIX = "arn:aws:s3:::";

/**
 * A Resource (or NotResource) value: `*` or an S3 ARN whose bucket part can name this bucket (S3
 * refuses a policy about another bucket: "Policy has invalid resource").
 */
function compileResource(r: string, bucket: string, variables: boolean): { glob: Glob; targets: ReadonlySet<ActionTarget> } {
  if (r === "*") return { glob: compileGlob("*", { wildcards: true, variables: false }), targets: new Set(["bucket", "object"]) };
  if (!r.startsWith(RESOURCE_PREFIX)) throw malformed("Policy has invalid resource");
  const rest = r.slice(RESOURCE_PREFIX.length);
  const slash = rest.indexOf("/");
  const bucketPart = slash < 0 ? rest : rest.slice(0, slash);
  if (bucketPart === "") throw malformed("Policy has invalid resource");
  const bucketGlob = compileGlob(bucketPart, { wildcards: true, variables });
  // a bucket part holding a variable is taken on trust; any other must be able to name this bucket
  if (!bucketGlob.hasVariables && !globMatch(bucketGlob, bucket)) throw malformed("Policy has invalid resource");
  const targets = new Set<ActionTarget>();
  // `arn:aws:s3:::b*` can name the bucket and its objects alike (a `*` spans `/`)
  if (slash < 0) targets.add("bucket");
  if (slash >= 0 || rest.includes("*")) targets.add("object");
  return { glob: compileGlob(r, { wildcards: true, variables }), targets };
}

function compileActions(list: string[]): { known: Set<string>; patterns: Glob[]; targets: Set<ActionTarget>[] } {
  const known = new Set<string>();
  const patterns: Glob[] = [];
  const targets: Set<ActionTarget>[] = [];
  for (const a of list) {
    const lower = a.toLowerCase();
    // "*" is every action; otherwise "s3:<name>" with wildcards, naming at least one S3 action
    if (lower !== "*" && !lower.startsWith("s3:")) throw malformed("Policy has invalid action");
    const g = compileGlob(lower, { wildcards: true, variables: false, ignoreCase: true });
    const these = new Set<ActionTarget>();
    for (const [name, target] of S3_ACTIONS) {
      if (globMatch(g, name)) {
        known.add(name);
        these.add(target);
      }
    }
    if (these.size === 0) throw malformed("Policy has invalid action");
    patterns.push(g);
    targets.push(these);
  }
  return { known, patterns, targets };
}

const STATEMENT_FIELDS = new Set(["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"]);

function compileStatement(s: unknown, bucket: string, variables: boolean): CompiledStatement {
  if (s === null || typeof s !== "object" || Array.isArray(s)) throw malformed("This policy contains invalid Json");
  const st = s as Record<string, unknown>;
  // (the wording of this refusal is ours)
  for (const field of Object.keys(st)) if (!STATEMENT_FIELDS.has(field)) throw malformed(`Unknown field ${field}`);
  if (st.Sid !== undefined && typeof st.Sid !== "string") throw malformed("This policy contains invalid Json");
  if (st.Effect === undefined) throw malformed("Missing required field Effect");
  if (st.Effect !== "Allow" && st.Effect !== "Deny") throw malformed(`Invalid effect: ${typeof st.Effect === "string" ? st.Effect : JSON.stringify(st.Effect)}`);
  const effect = st.Effect;

  if (st.Principal === undefined && st.NotPrincipal === undefined) throw malformed("Missing required field Principal");
  if (st.Principal !== undefined && st.NotPrincipal !== undefined) throw malformed("Invalid principal in policy");
  const notPrincipal = st.NotPrincipal !== undefined;
  // NotPrincipal with Allow would grant access to everyone but the named ones, anonymous callers
  // included; S3 refuses it (ceph/s3-tests' test_bucket_policy_allow_notprincipal, 400 on AWS)
  if (notPrincipal && effect === "Allow") throw malformed("Invalid principal in policy");
  const principals = compilePrincipals(notPrincipal ? st.NotPrincipal : st.Principal);

  if (st.Action === undefined && st.NotAction === undefined) throw malformed("Missing required field Action");
  if (st.Action !== undefined && st.NotAction !== undefined) throw malformed("Policy has invalid action");
  const notAction = st.NotAction !== undefined;
  const actionList = stringList(notAction ? st.NotAction : st.Action, () => malformed("Policy has invalid action"));
  const actions = compileActions(actionList);

  if (st.Resource === undefined && st.NotResource === undefined) throw malformed("Missing required field Resource");
  if (st.Resource !== undefined && st.NotResource !== undefined) throw malformed("Policy has invalid resource");
  const notResource = st.NotResource !== undefined;
  const resourceList = stringList(notResource ? st.NotResource : st.Resource, () => malformed("Policy has invalid resource"));
  const resources = resourceList.map((r) => compileResource(r, bucket, variables));

  // Each action must apply to one of the statement's resources (a NotAction or NotResource
  // statement names what it excludes, so nothing is checked there).
  if (!notAction && !notResource) {
    const offered = new Set<ActionTarget>();
    for (const r of resources) for (const t of r.targets) offered.add(t);
    for (const these of actions.targets) {
      if (![...these].some((t) => offered.has(t))) throw malformed("Action does not apply to any resource(s) in statement");
    }
  }

  const conditions = compileConditions(st.Condition, variables);
  return {
    ...(typeof st.Sid === "string" && { sid: st.Sid }),
    effect,
    principals,
    notPrincipal,
    actions: actions.known,
    actionPatterns: actions.patterns,
    notAction,
    resources: resources.map((r) => r.glob),
    notResource,
    conditions,
    needsObjectTags: conditions.some((c) => c.key.startsWith("s3:existingobjecttag/")),
  };
}

/**
 * Parses, checks and compiles a bucket policy for `bucket`. Throws S3Error MalformedPolicy (or
 * PolicyTooLarge... as S3: MalformedPolicy "Policy exceeds the maximum allowed document size")
 * when S3 would refuse it.
 */
export function compilePolicy(text: string, bucket: string): CompiledPolicy {
  if (Buffer.byteLength(text, "utf8") > MAX_POLICY_BYTES) throw malformed("Policy exceeds the maximum allowed document size.");
  // (a UTF-8 byte order mark or leading space is not '{' either)
  if (!text.startsWith("{")) throw malformed("Policies must be valid JSON and the first byte must be '{'");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed("This policy contains invalid Json");
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw malformed("This policy contains invalid Json");
  const d = doc as Record<string, unknown>;
  for (const field of Object.keys(d)) if (field !== "Version" && field !== "Id" && field !== "Statement") throw malformed(`Unknown field ${field}`);
  // A policy without Version is read as the 2008-10-17 language, where `${...}` is plain text:
  // policy variables came with 2012-10-17 ("IAM JSON policy elements: Version")
  const version = d.Version === undefined ? "2008-10-17" : d.Version;
  if (version !== "2012-10-17" && version !== "2008-10-17") throw malformed("The policy must contain a valid version string");
  if (d.Id !== undefined && typeof d.Id !== "string") throw malformed("This policy contains invalid Json");
  if (d.Statement === undefined) throw malformed("Missing required field Statement");
  const list = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
  if (list.length === 0) throw malformed("Could not parse the policy: Statement is empty!");
  // (Sids need not be unique: IAM requires it of identity policies, S3 states no such rule)
  const statements = list.map((s) => compileStatement(s, bucket, version === "2012-10-17"));
  return { version: version as string, statements };
}
