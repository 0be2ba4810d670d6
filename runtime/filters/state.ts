/** Per-request state, as one typed field on the fastify request (no string-keyed bags). */
import type { RouteRow } from "../../generated/routes.js";
import type { VerifiedAuth } from "../auth/sigv4.js";
import type { ParsedUrl, ResolvedTarget } from "../router.js";
import type { ChecksumAlgorithm } from "../storage/types.js";
import type { User, UserSet } from "../users.js";
import type { BucketCors } from "./cors.js";

export interface S3RequestState {
  startNs: bigint;
  url?: ParsedUrl;
  target?: ResolvedTarget;
  route?: RouteRow;
  auth?: VerifiedAuth;
  /** the access key the request was signed with */
  accessKeyId?: string;
  /** the user of that key */
  user?: User;
  /** the users in force when the request was authenticated: its owner checks read the same snapshot */
  users?: UserSet;
  /** set when the answer is an S3 error */
  errorCode?: string;
  /**
   * The client sent `Expect: 100-continue` and has not been told to send its body yet: that is done
   * when the body is first read (filters/auth.ts requestBody), so that a request refused before
   * (NoSuchBucket, AccessDenied...) is answered while the client still holds its body.
   */
  continuePending?: boolean;
  /** response body bytes written so far (filters/completion.ts) */
  bytesOut: number;
  /** the exchange has been reported to the metrics and the audit log */
  completed?: boolean;
  /** the checksum the request body is verified against (an x-amz-checksum-* header or trailer) */
  bodyChecksum?: ChecksumAlgorithm;
  /** the client stopped sending its body (filters/timeouts.ts): the rest is not waited for */
  bodyTimedOut?: boolean;
  /** the unread rest of the body is being discarded within bounds (filters/unread-body.ts) */
  drainBounded?: boolean;
  /** the bucket's CORS rules, being looked up for a request with Origin (filters/cors.ts) */
  cors?: Promise<BucketCors | undefined>;
}

declare module "fastify" {
  interface FastifyRequest {
    s3: S3RequestState;
  }
}
