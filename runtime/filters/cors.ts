/**
 * Filter: CORS. A bucket's rules (PutBucketCors) are applied in two places, both outside the
 * operations ("Using cross-origin resource sharing (CORS)", Amazon S3 User Guide):
 *
 * - preflight: an OPTIONS request, unauthenticated ("OPTIONS object", Amazon S3 API Reference), is
 *   answered here, before authentication, from the bucket's rules: 200 with the matching rule's
 *   Access-Control-* headers, or S3's 400 BadRequest / 403 AccessForbidden;
 * - actual requests: a request carrying Origin gets the matching rule's headers added to its
 *   answer, success or error alike (S3 adds them to a 404 or 403 too: ceph/s3-tests'
 *   test_cors_origin_response). Without Origin nothing is looked up or added; without a matching
 *   rule nothing is added.
 *
 * Rules are evaluated by ./cors.ts (pure). They are read from storage through a per-process cache
 * (runtime/bucket-config-cache.ts: requests with an Origin header arrive in bursts, a page's
 * assets), which says how a change reaches every worker.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { compileCors, evaluateCors, type CompiledCors } from "../cors.js";
import { BucketConfigCache } from "../bucket-config-cache.js";
import { S3Error, s3Message } from "../errors.js";
import { StorageError, type StorageClient } from "../storage/types.js";
import "./state.js";

export { CACHE_TTL_MS } from "../bucket-config-cache.js";

/** What a bucket's CORS lookup found. */
export type BucketCors =
  | { kind: "rules"; cors: CompiledCors }
  /** the bucket has no configuration (or its engine keeps none: Ozone) */
  | { kind: "none" }
  | { kind: "no-bucket" };

/** S3's messages of a refused preflight (spec/errors.tsp, AccessForbidden's). */
const BUCKET_NOT_FOUND = s3Message("AccessForbidden", "CorsBucketNotFound");
const NOT_ALLOWED = s3Message("AccessForbidden", "CorsNotAllowed");

/** Operations after which this process's cached rules of the bucket are stale. */
const CHANGES_CORS = new Set(["PutBucketCors", "DeleteBucketCors", "DeleteBucket", "CreateBucket"]);

/** A bucket's CORS rules, compiled, cached per process (runtime/bucket-config-cache.ts). */
export class BucketCorsCache extends BucketConfigCache<BucketCors> {
  constructor(storage: StorageClient, now: () => number = Date.now) {
    super((bucket) => readCors(storage, bucket), now);
  }
}

async function readCors(storage: StorageClient, bucket: string): Promise<BucketCors> {
  try {
    const rules = await storage.getBucketCors(bucket);
    return rules === undefined ? { kind: "none" } : { kind: "rules", cors: compileCors(rules) };
  } catch (err) {
    if (err instanceof StorageError && err.kind === "BUCKET_NOT_FOUND") return { kind: "no-bucket" };
    if (err instanceof StorageError && err.kind === "NOT_SUPPORTED") return { kind: "none" };
    throw err;
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/**
 * onRequest hook, after routing and before authentication: answers a preflight. The request was
 * routed (bucket and key resolved) but matched to no operation (routing.ts leaves OPTIONS alone).
 *
 * AWS's answers, as recorded by LocalStack's validated tests: no Origin, 400 BadRequest; a bucket
 * that does not exist, or has no CORS configuration, 403 AccessForbidden (Method: the requested
 * method, or OPTIONS when none was named; ResourceType BUCKET); no matching rule, 403
 * AccessForbidden "This CORS request is not allowed" (ResourceType OBJECT or BUCKET, as addressed).
 * A preflight naming no Access-Control-Request-Method to a bucket with rules is a 400 BadRequest
 * (ceph/s3-tests' test_cors_origin_response; the header is required by "OPTIONS object").
 */
export function corsPreflight(cache: BucketCorsCache) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (request.method !== "OPTIONS") return undefined;
    const origin = header(request, "origin");
    // an empty Origin names no origin either (versitygw's suite sends one)
    if (origin === undefined || origin === "") throw new S3Error("BadRequest");
    const requestMethod = header(request, "access-control-request-method");
    const target = request.s3.target;
    const bucket = target?.bucket;
    const refused = (message: string | undefined, resourceType: "BUCKET" | "OBJECT") =>
      new S3Error("AccessForbidden", message, { Method: requestMethod ?? "OPTIONS", ResourceType: resourceType });
    if (bucket === undefined) throw refused(BUCKET_NOT_FOUND, "BUCKET");
    const found = await cache.lookup(bucket);
    if (found.kind === "no-bucket") throw refused(BUCKET_NOT_FOUND, "BUCKET");
    if (found.kind === "none") throw refused(undefined, "BUCKET");
    if (requestMethod === undefined) throw new S3Error("BadRequest", s3Message("BadRequest", "CorsMethodMissing"));
    const headers = evaluateCors(found.cors, { origin, method: "OPTIONS", requestMethod, requestHeaders: header(request, "access-control-request-headers") });
    if (headers === undefined) throw refused(NOT_ALLOWED, target?.key === undefined ? "BUCKET" : "OBJECT");
    reply.code(200).headers(headers).header("content-length", "0");
    return reply.send();
  };
}

/**
 * The hooks of actual requests. onRequest (after routing) starts the bucket's lookup, so that it
 * runs while the request is authenticated and served; onSend adds the matching rule's headers to
 * whatever the answer is. A request without Origin costs one property test in each.
 */
export function corsResponseHeaders(cache: BucketCorsCache) {
  const addHeaders = (request: FastifyRequest, reply: FastifyReply, found: BucketCors | undefined): void => {
    if (found?.kind !== "rules") return;
    const headers = evaluateCors(found.cors, {
      origin: header(request, "origin")!,
      method: request.method,
      requestMethod: header(request, "access-control-request-method"),
      requestHeaders: header(request, "access-control-request-headers"),
    });
    if (headers !== undefined) reply.headers(headers);
  };
  const startLookup = (request: FastifyRequest): Promise<BucketCors | undefined> | undefined => {
    const st = request.s3 as FastifyRequest["s3"] | null;
    if (!st || request.headers.origin === undefined || request.method === "OPTIONS" || st.target?.bucket === undefined) return undefined;
    // never rejects: a lookup that fails only means no CORS headers on this answer
    st.cors = cache.lookup(st.target.bucket).catch(() => undefined);
    return st.cors;
  };
  // Callback-style hooks: no promise per request when there is nothing to do.
  return {
    onRequest(request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
      startLookup(request);
      done();
    },
    onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void): void {
      // null when fastify refused the request before the first hook (frameworkErrors)
      const st = request.s3 as FastifyRequest["s3"] | null;
      if (!st) return done(null, payload);
      if (st.route !== undefined && CHANGES_CORS.has(st.route.operation) && st.target?.bucket !== undefined && reply.statusCode < 300) {
        cache.forget(st.target.bucket);
      }
      // a request refused before the onRequest hook ran (405 MethodNotAllowed...) is looked up now
      const lookup = st.cors ?? startLookup(request);
      if (lookup === undefined) return done(null, payload);
      lookup.then(
        (found) => {
          addHeaders(request, reply, found);
          done(null, payload);
        },
        () => done(null, payload),
      );
    },
  };
}
