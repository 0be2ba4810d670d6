/**
 * Filter 3: authentication. A signed request (SigV4, or SigV2 unless configured off, in the
 * Authorization header or a presigned URL) must be signed with a configured credential; an
 * unsigned one goes on as anonymous, and the access decision (runtime/access/authorize.ts) then
 * allows only what an ACL grant to AllUsers (or a bucket policy) allows: S3's anonymous access.
 * ListBuckets is never anonymous. A PostObject form carries its signature in its body. The verified
 * signing context is kept on the request, because aws-chunked bodies go on being verified chunk by
 * chunk while they stream (runtime/auth/body.ts).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../config.js";
import { S3Error } from "../errors.js";
import { SigningKeyCache, verifyRequest } from "../auth/sigv4.js";
import { verifySigV2 } from "../auth/sigv2.js";
import { bodyPlanFromHeaders, verifyingBody } from "../auth/body.js";
import type { ChecksumAlgorithm, IncomingBody } from "../storage/types.js";
import type { UserDirectory } from "../users.js";
import { watchBodyIdle } from "./timeouts.js";
import "./state.js";

export interface AuthOptions {
  /** the users and their keys in force (an Inactive key is refused as an unknown one) */
  users: UserDirectory;
  now(): Date;
  maxSkewSeconds: number;
  /** the gateway's region: a credential scope naming another is refused, as S3 does */
  region: string;
  /** accept AWS Signature Version 2 (config s3.signatureV2) */
  signatureV2: boolean;
  /** the virtual-hosted-style domains (config s3.domains): SigV2 signs the bucket a Host names */
  domains: readonly string[];
}

export function authFilter(opts: AuthOptions) {
  const signingKeys = new SigningKeyCache();
  const signatureV2 = opts.signatureV2 ? verifySigV2 : undefined;
  const domains = opts.domains.map((d) => "." + d.toLowerCase().replace(/:\d+$/, ""));
  return async (request: FastifyRequest): Promise<void> => {
    const st = request.s3;
    const bucket = st.target?.bucket;
    // one snapshot for the whole request: a change of users during it never splits key and user
    const users = opts.users.current;
    const auth = verifyRequest(
      {
        method: request.method,
        rawPath: st.url!.rawPath,
        rawQuery: st.url!.rawQuery,
        headers: request.raw.headersDistinct,
        virtualHostBucket: bucket !== undefined && isVirtualHosted(request.headers.host, domains) ? bucket : undefined,
      },
      { lookupSecret: (id) => users.secretOf(id), now: opts.now(), maxSkewMs: opts.maxSkewSeconds * 1000, region: opts.region, signingKeys, signatureV2 },
    );
    st.auth = auth;
    // Unsigned: anonymous. A browser form upload carries its credentials in the form (policy and
    // signature), which only the operation reads (runtime/handlers/post-object.ts); the form's
    // signer is looked up in the same snapshot.
    if (auth.kind === "anonymous") {
      // listing "all my buckets" needs a "me" (S3 answers an anonymous ListBuckets 403 too)
      if (st.target?.bucket === undefined) throw new S3Error("AccessDenied");
      st.users = users;
      return;
    }
    st.accessKeyId = auth.accessKeyId;
    st.user = users.userOfKey(auth.accessKeyId);
    st.users = users;
  };
}

/** Whether the Host names a bucket under a configured domain (the rule of router.ts resolveTarget). */
function isVirtualHosted(host: string | undefined, dotDomains: readonly string[]): boolean {
  if (host === undefined || dotDomains.length === 0) return false;
  const hostname = host.toLowerCase().replace(/:\d+$/, "");
  return dotDomains.some((d) => hostname.endsWith(d));
}

/**
 * The request body as an IncomingBody: decoded (aws-chunked) and verified (payload hash, chunk
 * signatures, Content-MD5, x-amz-checksum-*, length) while it streams. A client waiting for
 * `100 Continue` gets it when the body is first read, not before (RFC 9110 section 10.1.1).
 */
export function requestBody(
  request: FastifyRequest,
  reply: FastifyReply,
  config: Readonly<Config>,
  options: { checksumHeadersDescribeObject: boolean; envelope?: boolean; defaultChecksum?: ChecksumAlgorithm; checksumsChosenLater?: boolean },
): IncomingBody {
  const plan = bodyPlanFromHeaders(request.headers, request.s3.auth ?? { kind: "anonymous" }, options);
  const declared = plan.decodedContentLength ?? plan.contentLength;
  if (declared === undefined && request.headers["transfer-encoding"] === undefined) throw new S3Error("MissingContentLength");
  if (declared !== undefined && declared > config.limits.maxObjectBytes) throw new S3Error("EntityTooLarge");
  request.s3.bodyChecksum = plan.checksum?.algorithm;
  const body = verifyingBody(request.raw, plan);
  watchBodyIdle(request, body.stream, config.limits.bodyIdleTimeoutMs);
  if (request.s3.continuePending) {
    // The reader's first read() is the moment the body is wanted, however it reads (pipe or
    // async iteration); nothing arrives from the client before 100 Continue.
    const stream = body.stream;
    const read = stream._read;
    stream._read = function (this: typeof stream, size: number) {
      stream._read = read;
      if (request.s3.continuePending && !reply.raw.headersSent) reply.raw.writeContinue();
      request.s3.continuePending = false;
      return read.call(this, size);
    };
  }
  return body;
}
