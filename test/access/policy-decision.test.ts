/**
 * The hook the access decision point calls (runtime/access/policy/decision.ts bucketPolicyDecision)
 * and the request's condition keys (context.ts policyContext), driven directly: the hook is not
 * wired into a request path yet (runtime/access/authorize.ts does that). A stub storage answers
 * getBucketPolicy / getPublicAccessBlock and counts reads, so the cache's bound is checked too.
 */
import { describe, expect, it } from "vitest";
import type { FastifyRequest } from "fastify";
import { BucketPolicyCache, bucketPolicyDecision, CACHE_TTL_MS, policyContext } from "../../runtime/access/policy/index.js";
import { policyRequestOf } from "../../runtime/access/authorize.js";
import type { AccessPrincipal, AccessRequest } from "../../runtime/access/request.js";
import { StorageError, type PublicAccessBlock, type StorageClient } from "../../runtime/storage/types.js";

const BUCKET = { name: "photos", creationDate: new Date(0), owner: "owner-stored" };
const OWNER: AccessPrincipal = { canonicalId: "111122223333", displayName: "owner", accessKeyId: "AKOWNER", arn: "arn:aws:iam::111122223333:user/owner" };
const OTHER: AccessPrincipal = { canonicalId: "444455556666", displayName: "other", accessKeyId: "AKOTHER", arn: "arn:aws:iam::444455556666:user/other" };

function stubStorage(state: { policy?: string; block?: PublicAccessBlock; fail?: StorageError }) {
  const counts = { reads: 0 };
  const storage = {
    async getBucketPolicy() {
      counts.reads++;
      if (state.fail) throw state.fail;
      return state.policy;
    },
    async getPublicAccessBlock() {
      if (state.fail) throw state.fail;
      return state.block;
    },
  } as unknown as StorageClient;
  return { storage, counts };
}

function req(action: string, principal?: AccessPrincipal, key = "k"): AccessRequest {
  return { action, bucket: BUCKET.name, key, ...(principal && { principal }), context: new Map() };
}

const publicRead = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/*" },
    { Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/private/*" },
    { Effect: "Deny", Principal: "*", Action: "s3:*Policy", Resource: "arn:aws:s3:::photos" },
  ],
});
const BLOCK_OFF: PublicAccessBlock = { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false };

describe("bucketPolicyDecision", () => {
  it("answers the policy's Decision; Neutral without a policy, for a missing bucket, on an engine without policies", async () => {
    let clock = 0;
    const state: { policy?: string } = { policy: publicRead };
    const { storage } = stubStorage(state);
    const deps = { cache: new BucketPolicyCache(storage, () => clock), ownerCanonicalId: () => OWNER.canonicalId };
    expect(await bucketPolicyDecision(deps, BUCKET, () => req("s3:GetObject"))).toBe("Allow");
    expect(await bucketPolicyDecision(deps, BUCKET, () => req("s3:GetObject", OTHER, "private/x"))).toBe("Deny");
    expect(await bucketPolicyDecision(deps, BUCKET, () => req("s3:PutObject", OTHER))).toBe("Neutral");
    delete state.policy;
    clock += CACHE_TTL_MS;
    expect(await bucketPolicyDecision(deps, BUCKET, () => req("s3:GetObject"))).toBe("Neutral");
    for (const kind of ["BUCKET_NOT_FOUND", "NOT_SUPPORTED"] as const) {
      const d = { cache: new BucketPolicyCache(stubStorage({ fail: new StorageError(kind) }).storage), ownerCanonicalId: () => OWNER.canonicalId };
      expect(await bucketPolicyDecision(d, BUCKET, () => req("s3:GetObject"))).toBe("Neutral");
    }
    // any other storage failure is the request's failure, and is not cached
    const failing = { cache: new BucketPolicyCache(stubStorage({ fail: new StorageError("UNAVAILABLE") }).storage), ownerCanonicalId: () => undefined };
    await expect(bucketPolicyDecision(failing, BUCKET, () => req("s3:GetObject"))).rejects.toThrow(StorageError);
  });

  it("never locks the bucket owner out of the policy operations (S3's account root), others are denied", async () => {
    const deps = { cache: new BucketPolicyCache(stubStorage({ policy: publicRead }).storage), ownerCanonicalId: () => OWNER.canonicalId };
    for (const action of ["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"]) {
      expect(await bucketPolicyDecision(deps, BUCKET, () => ({ ...req(action, OWNER), key: undefined }))).toBe("Neutral");
      expect(await bucketPolicyDecision(deps, BUCKET, () => ({ ...req(action, OTHER), key: undefined }))).toBe("Deny");
    }
  });

  it("RestrictPublicBuckets: a public policy allows only the owner's users; its Deny still applies", async () => {
    const deps = { cache: new BucketPolicyCache(stubStorage({ policy: publicRead, block: { ...BLOCK_OFF, restrictPublicBuckets: true } }).storage), ownerCanonicalId: () => OWNER.canonicalId };
    expect(await bucketPolicyDecision(deps, BUCKET, () => req("s3:GetObject"))).toBe("Neutral");
    expect(await bucketPolicyDecision(deps, BUCKET, () => req("s3:GetObject", OTHER))).toBe("Neutral");
    expect(await bucketPolicyDecision(deps, BUCKET, () => req("s3:GetObject", OWNER))).toBe("Allow");
    expect(await bucketPolicyDecision(deps, BUCKET, () => req("s3:GetObject", OTHER, "private/x"))).toBe("Deny");
    // a non-public policy is not restricted
    const named = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: OTHER.arn }, Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/*" }] });
    const d2 = { cache: new BucketPolicyCache(stubStorage({ policy: named, block: { ...BLOCK_OFF, restrictPublicBuckets: true } }).storage), ownerCanonicalId: () => OWNER.canonicalId };
    expect(await bucketPolicyDecision(d2, BUCKET, () => req("s3:GetObject", OTHER))).toBe("Allow");
  });

  it("a stored policy that no longer compiles denies all but the owner's policy operations", async () => {
    const deps = { cache: new BucketPolicyCache(stubStorage({ policy: "{not json" }).storage), ownerCanonicalId: () => OWNER.canonicalId };
    expect(await bucketPolicyDecision(deps, BUCKET, () => req("s3:GetObject", OWNER))).toBe("Deny");
    expect(await bucketPolicyDecision(deps, BUCKET, () => ({ ...req("s3:DeleteBucketPolicy", OWNER), key: undefined }))).toBe("Neutral");
  });
});

describe("policyRequestOf", () => {
  it("builds the request's condition keys only when a policy reads them, and once", async () => {
    let built = 0;
    const question = {
      action: "s3:GetObject",
      bucket: BUCKET.name,
      key: "k",
      user: undefined,
      users: undefined as never,
      context: () => {
        built++;
        return new Map([["aws:sourceip", ["10.0.0.1"]]]);
      },
    };
    const state: { policy?: string } = {};
    const { storage } = stubStorage(state);
    const deps = { cache: new BucketPolicyCache(storage), ownerCanonicalId: () => OWNER.canonicalId };
    // no policy on the bucket: the decision never looks at the keys
    let made = 0;
    const make = () => {
      made++;
      return policyRequestOf(storage, question);
    };
    expect(await bucketPolicyDecision(deps, BUCKET, make)).toBe("Neutral");
    expect(made).toBe(0);
    expect(built).toBe(0);
    const request = policyRequestOf(storage, question);
    expect(request.context.get("aws:sourceip")).toEqual(["10.0.0.1"]);
    expect(request.context.get("aws:sourceip")).toEqual(["10.0.0.1"]);
    expect(built).toBe(1);
  });
});

describe("BucketPolicyCache", () => {
  it("reads a bucket at most once per CACHE_TTL_MS, at once again after forget(), never a failure", async () => {
    let clock = 1_000;
    const state: { policy?: string; fail?: StorageError } = { policy: publicRead };
    const { storage, counts } = stubStorage(state);
    const cache = new BucketPolicyCache(storage, () => clock);
    await Promise.all([cache.lookup("photos"), cache.lookup("photos"), cache.lookup("photos")]);
    expect(counts.reads).toBe(1);
    clock += CACHE_TTL_MS - 1;
    expect((await cache.lookup("photos")).isPublic).toBe(true);
    expect(counts.reads).toBe(1);
    // the bound: one TTL after the read began, the next lookup reads again
    clock += 1;
    state.policy = undefined;
    expect((await cache.lookup("photos")).policy).toBeUndefined();
    expect(counts.reads).toBe(2);
    state.policy = publicRead;
    cache.forget("photos");
    expect((await cache.lookup("photos")).policy).toBeDefined();
    expect(counts.reads).toBe(3);
    state.fail = new StorageError("UNAVAILABLE");
    cache.forget("photos");
    await expect(cache.lookup("photos")).rejects.toThrow();
    delete state.fail;
    expect((await cache.lookup("photos")).policy).toBeDefined();
  });
});

function fakeRequest(opts: { headers?: Record<string, string>; query?: Record<string, string>; remoteAddress?: string; tls?: boolean }): FastifyRequest {
  return {
    headers: opts.headers ?? {},
    // what fastify derives from the connection (no trusted proxy)
    ip: opts.remoteAddress ?? "127.0.0.1",
    protocol: opts.tls ? "https" : "http",
    s3: { url: { rawPath: "/", rawQuery: "", query: new Map(Object.entries(opts.query ?? {})) }, bytesOut: 0, startNs: 0n },
  } as unknown as FastifyRequest;
}

describe("policyContext", () => {
  const now = new Date("2026-12-02T10:00:00.000Z");

  it("names the connection, the caller, the time and the listing's query parameters", () => {
    const ctx = policyContext(fakeRequest({ headers: { referer: "https://example.com/a", "user-agent": "aws-sdk-js/3" }, query: { prefix: "home/", delimiter: "/", "max-keys": "10" }, remoteAddress: "::ffff:192.0.2.7" }), {
      operation: "ListObjectsV2",
      principal: OTHER,
      now,
    });
    expect(Object.fromEntries(ctx)).toMatchObject({
      "aws:securetransport": ["false"],
      "aws:sourceip": ["192.0.2.7"],
      "aws:referer": ["https://example.com/a"],
      "aws:useragent": ["aws-sdk-js/3"],
      "aws:currenttime": ["2026-12-02T10:00:00.000Z"],
      "aws:epochtime": [String(now.getTime() / 1000)],
      "aws:username": ["other"],
      "aws:userid": [OTHER.canonicalId],
      "aws:principaltype": ["User"],
      "s3:prefix": ["home/"],
      "s3:delimiter": ["/"],
      "s3:max-keys": ["10"],
    });
  });

  it("listing keys only for listings; headers and request tags for writes; TLS; anonymous callers", () => {
    const ctx = policyContext(fakeRequest({ headers: { "x-amz-acl": "public-read", "x-amz-tagging": "Project=X&cost=" }, query: { prefix: "p" }, tls: true }), { operation: "PutObject", now });
    expect(ctx.get("s3:prefix")).toBeUndefined();
    expect(ctx.get("aws:securetransport")).toEqual(["true"]);
    expect(ctx.get("s3:x-amz-acl")).toEqual(["public-read"]);
    expect(ctx.get("s3:requestobjecttag/Project")).toEqual(["X"]);
    expect(ctx.get("s3:requestobjecttagkeys")).toEqual(["Project", "cost"]);
    expect(ctx.get("aws:principaltype")).toEqual(["Anonymous"]);
    expect(ctx.get("aws:username")).toBeUndefined();
  });
});

describe("evaluation cost", () => {
  it("a typical 5-statement policy decides in microseconds", async () => {
    const { compilePolicy, evaluatePolicy } = await import("../../runtime/access/policy/index.js");
    const policy = compilePolicy(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: "arn:aws:s3:::photos/public/*" },
          { Sid: "Team", Effect: "Allow", Principal: { AWS: [OTHER.arn, "arn:aws:iam::777788889999:root"] }, Action: ["s3:Get*", "s3:List*", "s3:PutObject"], Resource: ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"] },
          { Sid: "Home", Effect: "Allow", Principal: "*", Action: "s3:ListBucket", Resource: "arn:aws:s3:::photos", Condition: { StringLike: { "s3:prefix": ["home/${aws:username}/*"] } } },
          { Sid: "TLS", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } },
          { Sid: "Net", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::photos/*", Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"] } } },
        ],
      }),
      "photos",
    );
    const context = new Map([
      ["aws:securetransport", ["true"]],
      ["aws:sourceip", ["192.0.2.10"]],
      ["aws:username", ["other"]],
    ]);
    const r: AccessRequest = { action: "s3:GetObject", bucket: "photos", key: "albums/2026/img_0001.jpg", principal: OTHER, context };
    expect(await evaluatePolicy(policy, r)).toBe("Allow");
    const n = 20_000;
    for (let i = 0; i < 2_000; i++) await evaluatePolicy(policy, r);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await evaluatePolicy(policy, r);
    const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
    console.log(`bucket policy evaluation: ${us.toFixed(2)} µs per request (5 statements)`);
    // generous: a loaded 2-core CI machine; the figure on a quiet one is in the report
    expect(us).toBeLessThan(100);
  });
});
