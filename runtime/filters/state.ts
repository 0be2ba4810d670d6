/** Per-request state, as one typed field on the fastify request (no string-keyed bags). */
import type { RouteRow } from "../../generated/routes.js";
import type { VerifiedAuth } from "../auth/sigv4.js";
import type { ParsedUrl, ResolvedTarget } from "../router.js";

export interface S3RequestState {
  startNs: bigint;
  url?: ParsedUrl;
  target?: ResolvedTarget;
  route?: RouteRow;
  auth?: VerifiedAuth;
  /** the authenticated caller */
  accessKeyId?: string;
  /** set when the answer is an S3 error */
  errorCode?: string;
}

declare module "fastify" {
  interface FastifyRequest {
    s3: S3RequestState;
  }
}
