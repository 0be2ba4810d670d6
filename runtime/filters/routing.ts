/**
 * Filter 2: which resource and which operation. Virtual-hosted-style requests (`<bucket>.<domain>`
 * for a configured domain) and path-style requests resolve to the same target; the generated route
 * table picks the operation.
 */
import type { FastifyRequest } from "fastify";
import type { Config } from "../config.js";
import { matchRoute, parseUrl, resolveTarget } from "../router.js";
import "./state.js";

export function routingFilter(config: Readonly<Config>) {
  return async (request: FastifyRequest): Promise<void> => {
    const st = request.s3;
    st.url = parseUrl(request.raw.url ?? "/");
    st.target = resolveTarget(st.url.rawPath, request.headers.host, config.s3.domains);
    // OPTIONS is a CORS preflight, no operation: filters/cors.ts answers it.
    if (request.method === "OPTIONS") return;
    st.route = matchRoute(request.method, st.target.target, st.url.query, request.headers);
  };
}
