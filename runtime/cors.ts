/**
 * CORS evaluation, pure: a bucket's rules (as PutBucketCors stored them) compiled once, and the
 * request facts (Origin, method, Access-Control-Request-*) in; the rule that applies and the
 * response headers out. No I/O, no request objects: runtime/filters/cors.ts feeds it and applies
 * what it returns; test/router/cors.test.ts holds its table of cases.
 *
 * S3's rules ("Using cross-origin resource sharing (CORS)" and "OPTIONS object", Amazon S3 User
 * Guide and API Reference), and what AWS answers where the documentation is silent (responses
 * recorded from AWS by LocalStack's validated test suite, tests/aws/services/s3/test_s3_cors.py):
 * - the first rule whose AllowedOrigin, AllowedMethod and AllowedHeader elements all match applies;
 * - an AllowedOrigin or AllowedHeader holds at most one `*`, which matches any run of characters
 *   (none included: `start*end` matches `startend`); origins compare exactly, headers without
 *   regard to case;
 * - the method compared is the Access-Control-Request-Method header when the request has one, on
 *   any request (AWS: a GET carrying Access-Control-Request-Method: PUT gets no CORS headers from a
 *   GET-only rule), else the request's method; likewise every header listed in
 *   Access-Control-Request-Headers must be allowed, on any request;
 * - the answer: Access-Control-Allow-Origin is `*` when the matching rule allows the origin `*`,
 *   else the request's Origin together with Access-Control-Allow-Credentials: true;
 *   Access-Control-Allow-Methods lists the rule's methods; Access-Control-Allow-Headers echoes the
 *   requested headers (lower-cased); Access-Control-Expose-Headers and Access-Control-Max-Age come
 *   from the rule; Vary names the three request headers the answer depends on.
 */
import { S3Error, s3Message } from "./errors.js";
import type { CorsRule } from "./storage/types.js";

export type { CorsRule };

/** The only methods a rule may allow ("CORSRule", Amazon S3 API Reference: AllowedMethod). */
const METHODS = new Set(["GET", "PUT", "POST", "DELETE", "HEAD"]);

/** A header name: an RFC 9110 token ('*', a wildcard, is one of its characters). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** At most 100 rules per configuration ("Elements of a CORS configuration", Amazon S3 User Guide). */
export const MAX_CORS_RULES = 100;

/**
 * Checks a configuration as PutBucketCors does, with AWS's messages. No rule at all is
 * MalformedXML (AWS, recorded); more than 100 rules too: S3's schema caps the list.
 */
export function validateCorsRules(rules: readonly CorsRule[]): void {
  if (rules.length === 0 || rules.length > MAX_CORS_RULES) throw new S3Error("MalformedXML");
  for (const rule of rules) {
    if (rule.allowedMethods.length === 0 || rule.allowedOrigins.length === 0) throw new S3Error("MalformedXML");
    for (const method of rule.allowedMethods) {
      if (!METHODS.has(method)) throw new S3Error("InvalidRequest", s3Message("InvalidRequest", "CorsUnsupportedMethod", { method }));
    }
    for (const origin of rule.allowedOrigins) {
      if (wildcards(origin) > 1) throw new S3Error("InvalidRequest", s3Message("InvalidRequest", "CorsOriginWildcards", { origin }));
    }
    for (const header of rule.allowedHeaders ?? []) {
      if (!HEADER_NAME.test(header)) throw new S3Error("InvalidRequest", s3Message("InvalidRequest", "CorsHeaderInvalid", { header }));
      if (wildcards(header) > 1) throw new S3Error("InvalidRequest", s3Message("InvalidRequest", "CorsHeaderWildcards", { header }));
    }
    for (const header of rule.exposeHeaders ?? []) {
      if (!HEADER_NAME.test(header)) throw new S3Error("InvalidRequest", s3Message("InvalidRequest", "CorsExposeHeaderInvalid", { header }));
    }
    // any 32-bit integer, negative ones too (S3 takes them; a browser caches nothing for them)
    if (rule.maxAgeSeconds !== undefined && !Number.isInteger(rule.maxAgeSeconds)) throw new S3Error("MalformedXML");
  }
}

function wildcards(s: string): number {
  let n = 0;
  for (let i = s.indexOf("*"); i >= 0; i = s.indexOf("*", i + 1)) n++;
  return n;
}

/** A pattern with at most one `*`: exact, or a prefix and a suffix that must not overlap. */
interface Pattern {
  prefix: string;
  /** undefined: no wildcard, the pattern is `prefix` exactly */
  suffix?: string;
}

function pattern(s: string): Pattern {
  const star = s.indexOf("*");
  return star < 0 ? { prefix: s } : { prefix: s.slice(0, star), suffix: s.slice(star + 1) };
}

function matches(p: Pattern, value: string): boolean {
  if (p.suffix === undefined) return value === p.prefix;
  return value.length >= p.prefix.length + p.suffix.length && value.startsWith(p.prefix) && value.endsWith(p.suffix);
}

interface CompiledRule {
  methods: ReadonlySet<string>;
  /** the rule allows every origin (`*`): the answer is `Access-Control-Allow-Origin: *` */
  anyOrigin: boolean;
  origins: readonly Pattern[];
  /** lower-cased; `*` alone allows any header */
  headers: readonly Pattern[];
  /** the headers every answer of this rule carries, computed once */
  fixed: Readonly<Record<string, string>>;
}

/** A bucket's rules, compiled once for every request that the cache serves them to. */
export interface CompiledCors {
  readonly rules: readonly CompiledRule[];
}

export function compileCors(rules: readonly CorsRule[]): CompiledCors {
  return {
    rules: rules.map((r): CompiledRule => {
      const fixed: Record<string, string> = { "access-control-allow-methods": r.allowedMethods.join(", ") };
      if (r.exposeHeaders !== undefined && r.exposeHeaders.length > 0) fixed["access-control-expose-headers"] = r.exposeHeaders.join(", ");
      if (r.maxAgeSeconds !== undefined) fixed["access-control-max-age"] = String(r.maxAgeSeconds);
      return {
        methods: new Set(r.allowedMethods),
        anyOrigin: r.allowedOrigins.includes("*"),
        origins: r.allowedOrigins.map(pattern),
        headers: (r.allowedHeaders ?? []).map((h) => pattern(h.toLowerCase())),
        fixed,
      };
    }),
  };
}

/** What a request says about itself, for CORS. */
export interface CorsRequest {
  origin: string;
  /** the request's own method */
  method: string;
  /** Access-Control-Request-Method, when sent */
  requestMethod?: string;
  /** Access-Control-Request-Headers, when sent (a comma-separated list) */
  requestHeaders?: string;
}

/** The Vary value of every CORS answer: the request headers the answer depends on (AWS's). */
export const CORS_VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

/**
 * The response headers of the first rule that allows the request (names lower-case), or undefined
 * when no rule does.
 */
export function evaluateCors(cors: CompiledCors, req: CorsRequest): Record<string, string> | undefined {
  const method = req.requestMethod ?? req.method;
  const requested = req.requestHeaders === undefined ? [] : splitHeaderList(req.requestHeaders);
  for (const rule of cors.rules) {
    if (!rule.methods.has(method)) continue;
    if (!rule.anyOrigin && !rule.origins.some((p) => matches(p, req.origin))) continue;
    if (!requested.every((h) => rule.headers.some((p) => matches(p, h)))) continue;
    const headers: Record<string, string> = rule.anyOrigin
      ? { "access-control-allow-origin": "*" }
      : { "access-control-allow-origin": req.origin, "access-control-allow-credentials": "true" };
    Object.assign(headers, rule.fixed);
    if (requested.length > 0) headers["access-control-allow-headers"] = requested.join(", ");
    headers.vary = CORS_VARY;
    return headers;
  }
  return undefined;
}

/** `a, B ,c` -> ["a", "b", "c"]: a header list, names lower-cased, empty items dropped. */
function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  for (const item of value.split(",")) {
    const name = item.trim().toLowerCase();
    if (name !== "") out.push(name);
  }
  return out;
}
