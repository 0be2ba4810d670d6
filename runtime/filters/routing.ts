/**
 * Filter 2: which resource and which operation. Virtual-hosted-style requests (`<bucket>.<domain>`
 * for a configured domain) and path-style requests resolve to the same target; the generated route
 * table picks the operation.
 */
import type { FastifyRequest } from "fastify";
import type { Config } from "../config.js";
import { S3Error } from "../errors.js";
import { matchRoute, parseUrl, resolveTarget } from "../router.js";
import "./state.js";

/**
 * OPTIONS is a CORS preflight, unauthenticated ("OPTIONS object", Amazon S3 API Reference). Without
 * Origin and Access-Control-Request-Method it is a bad request; otherwise, with no CORS
 * configuration (PutBucketCors is not implemented here), it is refused as S3 refuses it.
 */
function corsPreflight(request: FastifyRequest): never {
  if (request.headers.origin === undefined || request.headers["access-control-request-method"] === undefined) throw new S3Error("BadRequest");
  throw new S3Error("AccessForbidden");
}

export function routingFilter(config: Readonly<Config>) {
  return async (request: FastifyRequest): Promise<void> => {
    const st = request.s3;
    st.url = parseUrl(request.raw.url ?? "/");
    st.target = resolveTarget(st.url.rawPath, request.headers.host, config.s3.domains);
    if (request.method === "OPTIONS") corsPreflight(request);
    st.route = matchRoute(request.method, st.target.target, st.url.query, request.headers);
  };
}
