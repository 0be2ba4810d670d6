/**
 * The bucket-policy evaluator as a pure module, against the policies of AWS's documentation:
 * "Examples of Amazon S3 bucket policies" (Amazon S3 User Guide), "Policy evaluation logic" and
 * "IAM JSON policy elements: Condition operators" (IAM User Guide); the cases are written here
 * from those pages. Also what PutBucketPolicy refuses (MalformedPolicy and its messages) and
 * "The meaning of "public"".
 */
import { describe, expect, it } from "vitest";
import { compilePolicy, evaluatePolicy, isPublicPolicy, type CompiledPolicy } from "../../runtime/access/policy/index.js";
import type { AccessPrincipal, AccessRequest } from "../../runtime/access/request.js";
import { S3Error } from "../../runtime/errors.js";
import { globMatch, compileGlob } from "../../runtime/access/policy/glob.js";
import { S3_ACTIONS } from "../../runtime/access/policy/actions.js";
import { operations } from "../../generated/operations.js";

const BUCKET = "amzn-s3-demo-bucket";

function user(id: string, name: string): AccessPrincipal {
  return { canonicalId: id, displayName: name, accessKeyId: `AK${id}`, arn: `arn:aws:iam::${id}:user/${name}` };
}
const ALICE = user("111122223333", "Alice");
const BOB = user("444455556666", "Bob");

function policy(statements: object[], version = "2012-10-17"): CompiledPolicy {
  return compilePolicy(JSON.stringify({ Version: version, Statement: statements }), BUCKET);
}

function request(action: string, opts: { key?: string; principal?: AccessPrincipal | null; context?: Record<string, string | string[]>; tags?: Record<string, string> } = {}): AccessRequest {
  const context = new Map<string, string[]>();
  for (const [k, v] of Object.entries(opts.context ?? {})) context.set(k, Array.isArray(v) ? v : [v]);
  return {
    action,
    bucket: BUCKET,
    ...(opts.key !== undefined && { key: opts.key }),
    ...(opts.principal !== null && { principal: opts.principal ?? ALICE }),
    context,
    ...(opts.tags !== undefined && { existingObjectTags: async () => opts.tags }),
  };
}

function malformed(statementsOrText: object[] | string, message: string | RegExp): void {
  const text = typeof statementsOrText === "string" ? statementsOrText : JSON.stringify({ Version: "2012-10-17", Statement: statementsOrText });
  try {
    compilePolicy(text, BUCKET);
  } catch (err) {
    expect(err).toBeInstanceOf(S3Error);
    expect((err as S3Error).code).toBe("MalformedPolicy");
    if (typeof message === "string") expect((err as S3Error).message).toBe(message);
    else expect((err as S3Error).message).toMatch(message);
    return;
  }
  throw new Error(`accepted: ${text}`);
}

const PUBLIC_READ = {
  Sid: "PublicRead",
  Effect: "Allow",
  Principal: "*",
  Action: ["s3:GetObject", "s3:GetObjectVersion"],
  Resource: [`arn:aws:s3:::${BUCKET}/*`],
};

describe("AWS's example bucket policies", () => {
  it("granting read-only permission to anonymous users: any caller reads any object, nothing else", async () => {
    const p = policy([PUBLIC_READ]);
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "a/b.txt", principal: null }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "x", principal: BOB }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:PutObject", { key: "x", principal: null }))).toBe("Neutral");
    expect(await evaluatePolicy(p, request("s3:ListBucket", { principal: null }))).toBe("Neutral");
  });

  it("restricting access to specific IP addresses (IPv4 and IPv6): Deny outside the ranges", async () => {
    const p = policy([
      PUBLIC_READ,
      {
        Sid: "IPAllow",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
        Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24", "2001:DB8:1234:5678::/64"] } },
      },
    ]);
    const from = (ip: string) => request("s3:GetObject", { key: "k", principal: null, context: { "aws:sourceip": ip } });
    expect(await evaluatePolicy(p, from("192.0.2.77"))).toBe("Allow");
    expect(await evaluatePolicy(p, from("2001:db8:1234:5678::9"))).toBe("Allow");
    expect(await evaluatePolicy(p, from("198.51.100.1"))).toBe("Deny");
    expect(await evaluatePolicy(p, from("2001:db8:1234:5679::1"))).toBe("Deny");
    // an IPv4 peer of a dual-stack socket
    expect(await evaluatePolicy(p, from("::ffff:192.0.2.5"))).toBe("Allow");
  });

  it("managing access based on HTTP referer (StringLike with wildcards)", async () => {
    const p = policy([
      {
        Sid: "Referer",
        Effect: "Allow",
        Principal: "*",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: `arn:aws:s3:::${BUCKET}/*`,
        Condition: { StringLike: { "aws:Referer": ["https://www.example.com/*", "https://example.com/*"] } },
      },
    ]);
    const ref = (r?: string) => request("s3:GetObject", { key: "k", principal: null, context: r === undefined ? {} : { "aws:referer": r } });
    expect(await evaluatePolicy(p, ref("https://www.example.com/page.html"))).toBe("Allow");
    expect(await evaluatePolicy(p, ref("https://evil.example.net/"))).toBe("Neutral");
    expect(await evaluatePolicy(p, ref())).toBe("Neutral");
  });

  it("...IfExists: a missing key passes (ceph/s3-tests' test_bucket_policy_set_condition_operator_end_with_IfExists)", async () => {
    const p = policy([
      { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringLikeIfExists: { "aws:Referer": "http://www.example.com/*" } } },
    ]);
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "foo", context: { "aws:referer": "http://www.example.com/index.html" } }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "foo" }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "foo", context: { "aws:referer": "http://example.com" } }))).toBe("Neutral");
  });

  it("requiring HTTPS: Deny when aws:SecureTransport is false", async () => {
    const p = policy([
      PUBLIC_READ,
      { Sid: "RestrictToTLS", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ]);
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "k", context: { "aws:securetransport": "false" } }))).toBe("Deny");
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "k", context: { "aws:securetransport": "true" } }))).toBe("Allow");
  });

  it("a user's home folder: ListBucket with s3:prefix and objects under ${aws:username}/", async () => {
    const p = policy([
      { Effect: "Allow", Principal: { AWS: [ALICE.arn, BOB.arn] }, Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringLike: { "s3:prefix": ["home/${aws:username}/*", ""] } } },
      { Effect: "Allow", Principal: { AWS: [ALICE.arn, BOB.arn] }, Action: ["s3:GetObject", "s3:PutObject"], Resource: `arn:aws:s3:::${BUCKET}/home/\${aws:username}/*` },
    ]);
    const list = (who: AccessPrincipal, prefix: string) => request("s3:ListBucket", { principal: who, context: { "s3:prefix": prefix, "aws:username": who.displayName } });
    expect(await evaluatePolicy(p, list(ALICE, "home/Alice/photos/"))).toBe("Allow");
    expect(await evaluatePolicy(p, list(ALICE, "home/Bob/"))).toBe("Neutral");
    expect(await evaluatePolicy(p, list(ALICE, ""))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:PutObject", { key: "home/Bob/x", principal: BOB }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:PutObject", { key: "home/Bob/x", principal: ALICE }))).toBe("Neutral");
    // a variable's value is literal: a user named "*" matches only "*"
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "home/x/y", principal: user("111122223333", "*") }))).toBe("Neutral");
  });

  it("2008-10-17 policies take ${...} literally", async () => {
    const p = policy([{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/\${aws:username}/*` }], "2008-10-17");
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "Alice/x" }))).toBe("Neutral");
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "${aws:username}/x" }))).toBe("Allow");
  });

  it("cross-account: the account root names every user of that account, a user ARN that user only", async () => {
    const p = policy([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${BOB.canonicalId}:root` }, Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}` }]);
    expect(await evaluatePolicy(p, request("s3:ListBucket", { principal: BOB }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:ListBucket", { principal: user(BOB.canonicalId, "Other") }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:ListBucket", { principal: ALICE }))).toBe("Neutral");
    expect(await evaluatePolicy(p, request("s3:ListBucket", { principal: null }))).toBe("Neutral");
    const bare = policy([{ Effect: "Allow", Principal: { AWS: [BOB.canonicalId] }, Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}` }]);
    expect(await evaluatePolicy(bare, request("s3:ListBucket", { principal: BOB }))).toBe("Allow");
    const canonical = policy([{ Effect: "Allow", Principal: { CanonicalUser: BOB.canonicalId }, Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}` }]);
    expect(await evaluatePolicy(canonical, request("s3:ListBucket", { principal: BOB }))).toBe("Allow");
  });

  it("tag-based access: s3:ExistingObjectTag, the object's tags read only when a statement needs them", async () => {
    let reads = 0;
    const p = policy([
      { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEquals: { "s3:ExistingObjectTag/environment": "production" } } },
    ]);
    const req = (tags: Record<string, string>, action = "s3:GetObject"): AccessRequest => ({
      ...request(action, { key: "k" }),
      existingObjectTags: async () => {
        reads++;
        return tags;
      },
    });
    expect(await evaluatePolicy(p, req({ environment: "production" }))).toBe("Allow");
    expect(await evaluatePolicy(p, req({ environment: "test" }))).toBe("Neutral");
    // tag keys are case-sensitive
    expect(await evaluatePolicy(p, req({ Environment: "production" }))).toBe("Neutral");
    expect(reads).toBe(3);
    expect(await evaluatePolicy(p, req({ environment: "production" }, "s3:PutObject"))).toBe("Neutral");
    expect(reads).toBe(3);
  });

  it("requiring a canned ACL on uploads (s3:x-amz-acl) and StringNotEquals with a missing key", async () => {
    const p = policy([
      { Effect: "Allow", Principal: { AWS: BOB.arn }, Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}/*` },
      { Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringNotEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } } },
    ]);
    expect(await evaluatePolicy(p, request("s3:PutObject", { key: "k", principal: BOB, context: { "s3:x-amz-acl": "bucket-owner-full-control" } }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:PutObject", { key: "k", principal: BOB, context: { "s3:x-amz-acl": "public-read" } }))).toBe("Deny");
    // "If the key ... is not present in the request context", a negated operator holds
    expect(await evaluatePolicy(p, request("s3:PutObject", { key: "k", principal: BOB }))).toBe("Deny");
  });

  it("s3:max-keys with a numeric operator, s3:delimiter with StringEquals", async () => {
    const p = policy([
      { Effect: "Allow", Principal: "*", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}`, Condition: { NumericLessThanEquals: { "s3:max-keys": "10" }, StringEquals: { "s3:delimiter": "/" } } },
    ]);
    const list = (ctx: Record<string, string>) => request("s3:ListBucket", { principal: null, context: ctx });
    expect(await evaluatePolicy(p, list({ "s3:max-keys": "10", "s3:delimiter": "/" }))).toBe("Allow");
    expect(await evaluatePolicy(p, list({ "s3:max-keys": "11", "s3:delimiter": "/" }))).toBe("Neutral");
    expect(await evaluatePolicy(p, list({ "s3:max-keys": "abc", "s3:delimiter": "/" }))).toBe("Neutral");
    expect(await evaluatePolicy(p, list({ "s3:max-keys": "5" }))).toBe("Neutral");
  });

  it("date operators on aws:CurrentTime (ISO 8601) and aws:EpochTime (seconds)", async () => {
    const p = policy([
      { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { DateGreaterThan: { "aws:CurrentTime": "2026-01-01T00:00:00Z" }, DateLessThan: { "aws:EpochTime": "1798761600" } } },
    ]);
    const at = (iso: string) => request("s3:GetObject", { key: "k", context: { "aws:currenttime": iso, "aws:epochtime": String(Date.parse(iso) / 1000) } });
    expect(await evaluatePolicy(p, at("2026-06-01T12:00:00Z"))).toBe("Allow");
    expect(await evaluatePolicy(p, at("2025-12-31T23:59:59Z"))).toBe("Neutral");
    expect(await evaluatePolicy(p, at("2027-01-01T00:00:01Z"))).toBe("Neutral");
  });
});

describe("policy evaluation logic", () => {
  it("an explicit Deny wins over any Allow, in any order; nothing said is Neutral", async () => {
    const deny = { Effect: "Deny", Principal: { AWS: BOB.arn }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/secret/*` };
    for (const p of [policy([PUBLIC_READ, deny]), policy([deny, PUBLIC_READ])]) {
      expect(await evaluatePolicy(p, request("s3:GetObject", { key: "secret/x", principal: BOB }))).toBe("Deny");
      expect(await evaluatePolicy(p, request("s3:GetObject", { key: "secret/x", principal: ALICE }))).toBe("Allow");
      expect(await evaluatePolicy(p, request("s3:DeleteObject", { key: "secret/x", principal: BOB }))).toBe("Neutral");
    }
  });

  it("NotAction, NotResource and NotPrincipal (with Deny) match what they do not name", async () => {
    const p = policy([
      { Effect: "Deny", NotPrincipal: { AWS: ALICE.arn }, NotAction: ["s3:Get*", "s3:List*"], Resource: `arn:aws:s3:::${BUCKET}/*` },
      { Effect: "Allow", Principal: "*", Action: "s3:*", NotResource: `arn:aws:s3:::${BUCKET}/private/*` },
    ]);
    expect(await evaluatePolicy(p, request("s3:PutObject", { key: "a", principal: BOB }))).toBe("Deny");
    expect(await evaluatePolicy(p, request("s3:PutObject", { key: "a", principal: ALICE }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "a", principal: BOB }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "private/a", principal: BOB }))).toBe("Neutral");
    // an anonymous caller is not the named user: NotPrincipal matches it
    expect(await evaluatePolicy(p, request("s3:DeleteObject", { key: "a", principal: null }))).toBe("Deny");
  });

  it("actions compare without regard to case and take * and ? wildcards", async () => {
    const p = policy([{ Effect: "Allow", Principal: "*", Action: ["S3:get*", "s3:PutObjec?"], Resource: `arn:aws:s3:::${BUCKET}/*` }]);
    expect(await evaluatePolicy(p, request("s3:GetObjectTagging", { key: "k" }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:PutObject", { key: "k" }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:PutObjectTagging", { key: "k" }))).toBe("Neutral");
  });

  it("resources: * spans slashes, ? is one character, the bucket ARN is not its objects", async () => {
    const p = policy([{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${BUCKET}/logs/202?/*`] }]);
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "logs/2026/01/02/x.gz" }))).toBe("Allow");
    expect(await evaluatePolicy(p, request("s3:GetObject", { key: "logs/20266/x" }))).toBe("Neutral");
    expect(await evaluatePolicy(p, request("s3:ListBucket"))).toBe("Neutral");
  });

  it("ForAnyValue and ForAllValues on a multi-valued key; Null", async () => {
    const p = policy([
      { Effect: "Allow", Principal: "*", Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { "ForAllValues:StringEquals": { "s3:RequestObjectTagKeys": ["project", "owner"] } } },
      { Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { "ForAnyValue:StringEquals": { "s3:RequestObjectTagKeys": "secret" } } },
      { Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}/locked/*`, Condition: { Null: { "s3:x-amz-server-side-encryption": "true" } } },
    ]);
    const put = (key: string, ctx: Record<string, string | string[]>) => request("s3:PutObject", { key, context: ctx });
    expect(await evaluatePolicy(p, put("a", { "s3:requestobjecttagkeys": ["project"] }))).toBe("Allow");
    expect(await evaluatePolicy(p, put("a", { "s3:requestobjecttagkeys": ["project", "cost"] }))).toBe("Neutral");
    expect(await evaluatePolicy(p, put("a", { "s3:requestobjecttagkeys": ["project", "secret"] }))).toBe("Deny");
    // ForAllValues holds for a request without the key
    expect(await evaluatePolicy(p, put("a", {}))).toBe("Allow");
    expect(await evaluatePolicy(p, put("locked/a", {}))).toBe("Deny");
    expect(await evaluatePolicy(p, put("locked/a", { "s3:x-amz-server-side-encryption": "AES256" }))).toBe("Allow");
  });

  it("StringEqualsIgnoreCase, StringNotLike, ArnLike, condition keys without regard to case", async () => {
    const p = policy([
      { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringEqualsIgnoreCase: { "AWS:UserAgent": "MyApp/1.0" }, StringNotLike: { "aws:Referer": "*evil*" }, ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:user/A*" } } },
    ]);
    const get = (ctx: Record<string, string>) => request("s3:GetObject", { key: "k", context: ctx });
    expect(await evaluatePolicy(p, get({ "aws:useragent": "myapp/1.0", "aws:principalarn": ALICE.arn }))).toBe("Allow");
    expect(await evaluatePolicy(p, get({ "aws:useragent": "myapp/1.0", "aws:principalarn": ALICE.arn, "aws:referer": "http://evil.example/" }))).toBe("Neutral");
    expect(await evaluatePolicy(p, get({ "aws:useragent": "myapp/1.0", "aws:principalarn": BOB.arn }))).toBe("Neutral");
  });
});

describe("PutBucketPolicy's checks (MalformedPolicy)", () => {
  const ok = { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*` };

  it("JSON, first byte, version, statements", () => {
    malformed(" {}", "Policies must be valid JSON and the first byte must be '{'");
    malformed("[]", "Policies must be valid JSON and the first byte must be '{'");
    malformed("{\"Version\": ", "This policy contains invalid Json");
    malformed(JSON.stringify({ Version: "2012-10-17" }), "Missing required field Statement");
    malformed(JSON.stringify({ Version: "2012-10-17", Statement: [] }), "Could not parse the policy: Statement is empty!");
    malformed(JSON.stringify({ Version: "2020-01-01", Statement: [ok] }), "The policy must contain a valid version string");
    malformed(`{"Version":"2012-10-17","Statement":[${JSON.stringify(ok)}],"Pad":"${"x".repeat(20 * 1024)}"}`, /maximum allowed document size/);
    expect(compilePolicy(JSON.stringify({ Statement: ok }), BUCKET).statements).toHaveLength(1);
  });

  it("effect, principal, action, resource", () => {
    malformed([{ ...ok, Effect: "hello" }], "Invalid effect: hello");
    malformed([{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*` }], "Missing required field Principal");
    malformed([{ ...ok, Principal: { AWS: "not an arn!" } }], "Invalid principal in policy");
    malformed([{ ...ok, Principal: { Nobody: "*" } }], "Invalid principal in policy");
    malformed([{ Effect: "Allow", NotPrincipal: { AWS: ALICE.arn }, Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}` }], "Invalid principal in policy");
    malformed([{ ...ok, Action: "invalid_action" }], "Policy has invalid action");
    malformed([{ ...ok, Action: "s3:NoSuchThing" }], "Policy has invalid action");
    malformed([{ ...ok, Action: "iam:CreateUser" }], "Policy has invalid action");
    malformed([{ ...ok, Resource: "my-bucket/*" }], "Policy has invalid resource");
    malformed([{ ...ok, Resource: "arn:aws:s3:::another-bucket/*" }], "Policy has invalid resource");
    malformed([{ ...ok, Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}` }], "Action does not apply to any resource(s) in statement");
    malformed([{ ...ok, Action: "s3:ListBucket" }], "Action does not apply to any resource(s) in statement");
    malformed([{ ...ok, Action: "s3:ListAllMyBuckets" }], "Action does not apply to any resource(s) in statement");
    malformed([{ ...ok, Bogus: 1 }], "Unknown field Bogus");
  });

  it("conditions: unknown operators and bad values are refused", () => {
    malformed([{ ...ok, Condition: { StringEqualz: { "aws:Referer": "x" } } }], /Invalid Condition type : StringEqualz/);
    malformed([{ ...ok, Condition: { IpAddress: { "aws:SourceIp": "300.1.2.3/8" } } }], /IP address/);
    malformed([{ ...ok, Condition: { NumericLessThan: { "s3:max-keys": "ten" } } }], /numeric/);
    malformed([{ ...ok, Condition: { DateLessThan: { "aws:CurrentTime": "yesterday" } } }], /date/);
    malformed([{ ...ok, Condition: { Bool: { "aws:SecureTransport": "yes" } } }], /boolean/);
  });

  it("accepts what AWS accepts: wildcard buckets, mixed resources, every ceph/s3-tests policy shape", () => {
    expect(() => policy([{ ...ok, Action: "s3:ListBucket", Resource: ["arn:aws:s3:::*", "arn:aws:s3:::*/*"] }])).not.toThrow();
    expect(() => policy([{ ...ok, Action: "s3:ListBucket", Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] }])).not.toThrow();
    expect(() => policy([{ ...ok, Principal: { AWS: "arn:aws:iam::s3tenant1:root" } }])).not.toThrow();
    expect(() => policy([{ ...ok, Principal: { Service: "cloudfront.amazonaws.com" } }])).not.toThrow();
    expect(() => policy([{ ...ok, Action: "*", Resource: "*" }])).not.toThrow();
    expect(() => policy([{ ...ok, Sid: "a" }, { ...ok, Sid: "a" }])).not.toThrow();
    expect(() => policy([{ ...ok, Condition: { "ForAnyValue:StringLikeIfExists": { "s3:RequestObjectTagKeys": "a*" } } }])).not.toThrow();
  });

  it("knows every permission the spec's operations name", () => {
    for (const op of Object.values(operations)) {
      if (op.permission !== null) expect(S3_ACTIONS.has(op.permission.toLowerCase()), op.permission).toBe(true);
    }
  });
});

describe("the meaning of public", () => {
  it("a wildcard principal is public unless a condition pins it to fixed values", () => {
    expect(isPublicPolicy(policy([PUBLIC_READ]))).toBe(true);
    expect(isPublicPolicy(policy([{ ...PUBLIC_READ, Principal: { AWS: "*" } }]))).toBe(true);
    expect(isPublicPolicy(policy([{ ...PUBLIC_READ, Principal: { AWS: ALICE.arn } }]))).toBe(false);
    expect(isPublicPolicy(policy([{ ...PUBLIC_READ, Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/32" } } }]))).toBe(false);
    expect(isPublicPolicy(policy([{ ...PUBLIC_READ, Condition: { IpAddress: { "aws:SourceIp": "0.0.0.0/1" } } }]))).toBe(true);
    expect(isPublicPolicy(policy([{ ...PUBLIC_READ, Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } } }]))).toBe(false);
    expect(isPublicPolicy(policy([{ ...PUBLIC_READ, Condition: { StringLike: { "aws:SourceAccount": "1111*" } } }]))).toBe(true);
    // a Referer is no restriction: anyone can send one
    expect(isPublicPolicy(policy([{ ...PUBLIC_READ, Condition: { StringLike: { "aws:Referer": "https://example.com/*" } } }]))).toBe(true);
    expect(isPublicPolicy(policy([{ ...PUBLIC_READ, Effect: "Deny" }]))).toBe(false);
  });
});

describe("wildcard matching", () => {
  it("matches as IAM does, in linear steps", () => {
    const g = (p: string) => compileGlob(p, { wildcards: true, variables: false });
    expect(globMatch(g("a*b*c"), "aXXbYYc")).toBe(true);
    expect(globMatch(g("a*b*c"), "aXXbYY")).toBe(false);
    expect(globMatch(g("*"), "")).toBe(true);
    expect(globMatch(g("a?c"), "abc")).toBe(true);
    expect(globMatch(g("a?c"), "ac")).toBe(false);
    expect(globMatch(g("***x"), "yyyx")).toBe(true);
    const long = "a".repeat(5000);
    const t0 = performance.now();
    expect(globMatch(g("*a*a*a*a*a*b"), long)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe("address ranges", () => {
  it("parse IPv4 and IPv6 forms and match by prefix, each family only against its own", async () => {
    const { ipBytes, inCidr } = await import("../../runtime/access/policy/ip.js");
    expect([...ipBytes("::1")!]).toEqual([...Array(15).fill(0), 1]);
    expect([...ipBytes("2001:db8::8:800:200c:417a")!]).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a]);
    expect([...ipBytes("::ffff:192.0.2.1")!].slice(10)).toEqual([0xff, 0xff, 192, 0, 2, 1]);
    expect(ipBytes("1.2.3")).toBeUndefined();
    const r = (a: string, prefix: number) => ({ bytes: ipBytes(a)!, prefix });
    expect(inCidr(r("10.0.0.0", 0), ipBytes("203.0.113.9")!)).toBe(true);
    expect(inCidr(r("10.0.0.0", 0), ipBytes("::1")!)).toBe(false);
    expect(inCidr(r("10.1.2.3", 32), ipBytes("10.1.2.3")!)).toBe(true);
    expect(inCidr(r("10.1.2.3", 32), ipBytes("10.1.2.4")!)).toBe(false);
    expect(inCidr(r("192.168.0.0", 13), ipBytes("192.175.255.255")!)).toBe(true);
    expect(inCidr(r("192.168.0.0", 13), ipBytes("192.176.0.0")!)).toBe(false);
    expect(inCidr(r("2001:db8::", 33), ipBytes("2001:db8:7fff::1")!)).toBe(true);
    expect(inCidr(r("2001:db8::", 33), ipBytes("2001:db8:8000::1")!)).toBe(false);
    const p = policy([{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { IpAddress: { "aws:SourceIp": ["203.0.113.7", "2001:db8::/32"] } } }]);
    const from = (ip: string) => request("s3:GetObject", { key: "k", context: { "aws:sourceip": ip } });
    expect(await evaluatePolicy(p, from("203.0.113.7"))).toBe("Allow");
    expect(await evaluatePolicy(p, from("203.0.113.8"))).toBe("Neutral");
    expect(await evaluatePolicy(p, from("2001:DB8:ffff::1"))).toBe("Allow");
    expect(await evaluatePolicy(p, from("not an address"))).toBe("Neutral");
  });
});
