/**
 * runtime/cors.ts, the pure CORS evaluation, as a table of cases (S3's rules and AWS's recorded
 * answers, see the module's header), and filters/cors.ts's cache of a bucket's rules.
 */
import { describe, expect, it } from "vitest";
import { CORS_VARY, compileCors, evaluateCors, validateCorsRules, type CorsRequest, type CorsRule } from "../../runtime/cors.js";
import { S3Error } from "../../runtime/errors.js";
import { BucketCorsCache, CACHE_TTL_MS } from "../../runtime/filters/cors.js";
import { StorageError, type StorageClient } from "../../runtime/storage/types.js";

const RULES: CorsRule[] = [
  { allowedMethods: ["GET"], allowedOrigins: ["*suffix"] },
  { allowedMethods: ["GET"], allowedOrigins: ["start*end"] },
  { allowedMethods: ["GET"], allowedOrigins: ["prefix*"] },
  { allowedMethods: ["PUT"], allowedOrigins: ["*.put"] },
  {
    id: "app",
    allowedMethods: ["GET", "PUT", "DELETE"],
    allowedOrigins: ["https://app.example", "http://*.app.example:8080"],
    allowedHeaders: ["x-amz-meta-*", "Content-Type", "X-AMZ-Date"],
    exposeHeaders: ["ETag", "x-amz-version-id"],
    maxAgeSeconds: 3000,
  },
  { allowedMethods: ["HEAD", "POST"], allowedOrigins: ["https://exact.example", "*"], allowedHeaders: ["*"] },
];

const compiled = compileCors(RULES);

type Case = [name: string, request: Partial<CorsRequest> & { origin: string }, expected: Record<string, string> | undefined];

const credentials = (origin: string, methods: string) => ({
  "access-control-allow-origin": origin,
  "access-control-allow-credentials": "true",
  "access-control-allow-methods": methods,
  vary: CORS_VARY,
});

const cases: Case[] = [
  ["suffix wildcard", { origin: "foo.suffix" }, credentials("foo.suffix", "GET")],
  ["the wildcard matches nothing too", { origin: "suffix" }, credentials("suffix", "GET")],
  ["no suffix", { origin: "foo.bar" }, undefined],
  ["the suffix must end the origin", { origin: "foo.suffix.get" }, undefined],
  ["infix wildcard, empty", { origin: "startend" }, credentials("startend", "GET")],
  ["infix wildcard, two characters", { origin: "start12end" }, credentials("start12end", "GET")],
  ["infix wildcard, something before", { origin: "0start12end" }, undefined],
  ["prefix and suffix may not overlap", { origin: "startnd" }, undefined],
  ["prefix wildcard", { origin: "prefix.suffix" }, credentials("prefix.suffix", "GET")],
  ["prefix wildcard, something before", { origin: "bla.prefix" }, undefined],
  ["the first matching rule answers", { origin: "prefix.put", method: "PUT" }, credentials("prefix.put", "PUT")],
  ["origins compare exactly (case)", { origin: "FOO.SUFFIX" }, undefined],
  ["a method no rule of the origin allows", { origin: "foo.put", method: "GET" }, undefined],
  ["Access-Control-Request-Method is what is compared", { origin: "foo.put", method: "GET", requestMethod: "PUT" }, credentials("foo.put", "PUT")],
  ["... on any request", { origin: "foo.suffix", method: "PUT", requestMethod: "GET" }, credentials("foo.suffix", "GET")],
  ["methods compare exactly (case)", { origin: "foo.suffix", method: "get" }, undefined],
  [
    "rule with every element: requested headers echoed lower-case",
    { origin: "https://app.example", method: "OPTIONS", requestMethod: "DELETE", requestHeaders: "X-Amz-Meta-Color,content-type , x-amz-date" },
    {
      ...credentials("https://app.example", "GET, PUT, DELETE"),
      "access-control-allow-headers": "x-amz-meta-color, content-type, x-amz-date",
      "access-control-expose-headers": "ETag, x-amz-version-id",
      "access-control-max-age": "3000",
    },
  ],
  [
    "wildcard in the host and a port",
    { origin: "http://a.b.app.example:8080", method: "PUT" },
    { ...credentials("http://a.b.app.example:8080", "GET, PUT, DELETE"), "access-control-expose-headers": "ETag, x-amz-version-id", "access-control-max-age": "3000" },
  ],
  ["the port is part of the origin", { origin: "http://a.app.example:8081", method: "PUT" }, undefined],
  ["a trailing slash is part of the origin", { origin: "https://app.example/", method: "PUT" }, undefined],
  ["a requested header that no AllowedHeader matches", { origin: "https://app.example", requestMethod: "GET", requestHeaders: "x-amz-meta-a, authorization" }, undefined],
  ["a rule without AllowedHeader allows no requested header", { origin: "foo.suffix", requestMethod: "GET", requestHeaders: "x-amz-date" }, undefined],
  [
    "an empty Access-Control-Request-Headers asks for nothing",
    { origin: "foo.suffix", requestMethod: "GET", requestHeaders: " , " },
    credentials("foo.suffix", "GET"),
  ],
  [
    "`*` among the origins: `*` answered, without credentials",
    { origin: "https://exact.example", method: "HEAD" },
    { "access-control-allow-origin": "*", "access-control-allow-methods": "HEAD, POST", vary: CORS_VARY },
  ],
  [
    "AllowedHeader `*` allows any header",
    { origin: "null", method: "OPTIONS", requestMethod: "POST", requestHeaders: "Anything-At-All" },
    { "access-control-allow-origin": "*", "access-control-allow-methods": "HEAD, POST", "access-control-allow-headers": "anything-at-all", vary: CORS_VARY },
  ],
  ["no rule allows DELETE from elsewhere", { origin: "https://other.example", method: "DELETE" }, undefined],
];

describe("evaluateCors", () => {
  it.each(cases)("%s", (_name, request, expected) => {
    expect(evaluateCors(compiled, { method: "GET", ...request })).toEqual(expected);
  });

  it("answers from the first rule that matches, not from a later one", () => {
    const two = compileCors([
      { allowedMethods: ["GET"], allowedOrigins: ["https://a.example"], exposeHeaders: ["first"] },
      { allowedMethods: ["GET"], allowedOrigins: ["*"], exposeHeaders: ["second"] },
    ]);
    expect(evaluateCors(two, { origin: "https://a.example", method: "GET" })?.["access-control-expose-headers"]).toBe("first");
    expect(evaluateCors(two, { origin: "https://b.example", method: "GET" })?.["access-control-expose-headers"]).toBe("second");
  });

  it("answers nothing from an empty rule list", () => {
    expect(evaluateCors(compileCors([]), { origin: "x", method: "GET" })).toBeUndefined();
  });
});

describe("validateCorsRules", () => {
  const rule = (over: Partial<CorsRule>): CorsRule => ({ allowedMethods: ["GET"], allowedOrigins: ["*"], ...over });
  const refusal = (rules: CorsRule[]) => {
    try {
      validateCorsRules(rules);
    } catch (err) {
      expect(err).toBeInstanceOf(S3Error);
      return [(err as S3Error).code, (err as S3Error).message];
    }
    return undefined;
  };

  it.each([
    ["every method S3 knows, one wildcard each, an empty origin", [rule({ allowedMethods: ["GET", "PUT", "POST", "DELETE", "HEAD"], allowedOrigins: ["", "http://*.x"], allowedHeaders: ["*", "x-*"] })], undefined],
    ["100 rules", Array.from({ length: 100 }, () => rule({})), undefined],
    ["no rule", [], ["MalformedXML", ""]],
    ["101 rules", Array.from({ length: 101 }, () => rule({})), ["MalformedXML", ""]],
    ["no method", [rule({ allowedMethods: [] })], ["MalformedXML", ""]],
    ["no origin", [rule({ allowedOrigins: [] })], ["MalformedXML", ""]],
    ["OPTIONS is no method a rule may allow", [rule({ allowedMethods: ["OPTIONS"] })], ["InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is OPTIONS"]],
    ["methods are upper-case", [rule({ allowedMethods: ["get"] })], ["InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is get"]],
    ["two wildcards in an origin", [rule({ allowedOrigins: ["*.*"] })], ["InvalidRequest", 'AllowedOrigin "*.*" can not have more than one wildcard.']],
    ["two wildcards in a header", [rule({ allowedHeaders: ["x-*-*"] })], ["InvalidRequest", 'AllowedHeader "x-*-*" can not have more than one wildcard.']],
    // a negative max age is taken (versitygw's suite sends -100, noting that S3 takes it)
    ["a negative max age", [rule({ maxAgeSeconds: -100 })], undefined],
    ["a max age that is no integer", [rule({ maxAgeSeconds: 1.5 })], ["MalformedXML", ""]],
    ["a header name with a blank", [rule({ allowedHeaders: ["x amz"] })], ["InvalidRequest", 'AllowedHeader "x amz" contains invalid character.']],
    ["an expose header with a colon", [rule({ exposeHeaders: ["x:y"] })], ["InvalidRequest", 'ExposeHeader "x:y" contains invalid character.']],
  ] as [string, CorsRule[], [string, string] | undefined][])("%s", (_name, rules, expected) => {
    expect(refusal(rules)).toEqual(expected);
  });
});

describe("BucketCorsCache", () => {
  function fakeStorage(answers: Record<string, CorsRule[] | undefined | Error>) {
    const calls: string[] = [];
    const storage = {
      getBucketCors: async (bucket: string) => {
        calls.push(bucket);
        const a = answers[bucket];
        if (a instanceof Error) throw a;
        return a;
      },
    } as unknown as StorageClient;
    return { storage, calls };
  }

  it("reads a bucket once per CACHE_TTL_MS, concurrent lookups sharing the read", async () => {
    let now = 1_000_000;
    const { storage, calls } = fakeStorage({ b: [{ allowedMethods: ["GET"], allowedOrigins: ["*"] }] });
    const cache = new BucketCorsCache(storage, () => now);
    const [a, b] = await Promise.all([cache.lookup("b"), cache.lookup("b")]);
    expect(a).toBe(b);
    expect(a.kind).toBe("rules");
    now += CACHE_TTL_MS - 1;
    await cache.lookup("b");
    expect(calls).toEqual(["b"]);
    now += 1;
    await cache.lookup("b");
    expect(calls).toEqual(["b", "b"]);
    cache.forget("b");
    await cache.lookup("b");
    expect(calls).toEqual(["b", "b", "b"]);
  });

  it("tells a missing bucket and an engine without rules apart, and does not keep failures", async () => {
    const { storage, calls } = fakeStorage({
      gone: new StorageError("BUCKET_NOT_FOUND"),
      ozone: new StorageError("NOT_SUPPORTED"),
      none: undefined,
      down: new StorageError("UNAVAILABLE"),
    });
    const cache = new BucketCorsCache(storage, () => 0);
    expect(await cache.lookup("gone")).toEqual({ kind: "no-bucket" });
    expect(await cache.lookup("ozone")).toEqual({ kind: "none" });
    expect(await cache.lookup("none")).toEqual({ kind: "none" });
    await expect(cache.lookup("down")).rejects.toThrow(StorageError);
    await expect(cache.lookup("down")).rejects.toThrow(StorageError);
    expect(calls.filter((c) => c === "down")).toHaveLength(2);
  });

  it("keeps at most 1024 buckets, dropping the oldest", async () => {
    const { storage, calls } = fakeStorage({});
    const cache = new BucketCorsCache(storage, () => 0);
    for (let i = 0; i < 1025; i++) await cache.lookup(`b${i}`);
    await cache.lookup("b1024");
    await cache.lookup("b1");
    expect(calls.length).toBe(1025);
    await cache.lookup("b0");
    expect(calls.length).toBe(1026);
  });
});
