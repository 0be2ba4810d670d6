/**
 * AWS Signature Version 4 verification for S3, as small pure steps (house style habit 10):
 *
 *   parse (Authorization header | presigned query) -> canonical request -> string to sign
 *   -> signing key -> signature compare
 *
 * The parsing of the credential carriers and of x-amz-content-sha256 is in sigv4-parse.ts, the
 * canonical request's parts (UriEncode, canonical URI, query and headers) in canonical.ts, the
 * string to sign, signing key and compare in sigv4-keys.ts, the dates in amz-dates.ts.
 * Each step is exported and tested on its own against AWS's published vectors (test/auth/). The one
 * entry point the server uses is `verifyRequest`, which runs the steps in the order AWS S3 reports
 * faults (a request with two faults gets the error S3 would give it), and hands back what the body
 * verifier needs (payload mode, signing key, seed signature, timestamp and scope for aws-chunked).
 *
 * AWS references, by their documentation titles:
 * - "Authenticating Requests: Using the Authorization Header (AWS Signature Version 4)"
 * - "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk"
 * - "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)"
 * - "Create a canonical request for Signature Version 4" (IAM user guide)
 *
 * Strings here are "byte strings" where it matters: node hands header values over decoded as
 * latin1 (one char per wire byte), and a SigV4 client signs the wire bytes, so header values are
 * hashed byte for byte (canonical.ts `toWireBytes`). Paths and query strings are re-encoded to ASCII.
 */
import { S3Error } from "../errors.js";
import {
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  parseQuery,
  type QueryParam,
  type RequestHeaders,
} from "./canonical.js";
import { amzDate, parseAmzDate, parseSigningDate, serverTime, utc, yyyymmdd } from "./amz-dates.js";
import { credentialScope, hmacHex, SCOPE_TERMINATOR, signaturesEqual, SigningKeyCache, stringToSign } from "./sigv4-keys.js";

import {
  malformedHeader,
  MSG_ONE_SPACE,
  parseAuthorizationHeader,
  parseCredential,
  parsePayloadMode,
  parsePresignedQuery,
  PRESIGN_ALGORITHM,
  PRESIGN_CREDENTIAL,
  PRESIGN_DATE,
  PRESIGN_EXPIRES,
  PRESIGN_SECURITY_TOKEN,
  PRESIGN_SIGNATURE,
  PRESIGN_SIGNED_HEADERS,
  SIGV4_ALGORITHM,
  SIGV4A_ALGORITHM,
  STREAMING_ECDSA_PAYLOAD,
  STREAMING_ECDSA_PAYLOAD_TRAILER,
  UNSIGNED_PAYLOAD,
  type Credential,
  type PayloadMode,
} from "./sigv4-parse.js";

// The steps in modules of their own, exported from here as before.
export { parseAmzDate, parseHttpDate, serverTime } from "./amz-dates.js";
export {
  EMPTY_SHA256,
  parseAuthorizationHeader,
  parseCredential,
  parsePayloadMode,
  parsePresignedQuery,
  S3_SERVICE,
  SIGV4_ALGORITHM,
  SIGV4A_ALGORITHM,
  STREAMING_SIGNED_PAYLOAD,
  STREAMING_SIGNED_PAYLOAD_TRAILER,
  STREAMING_UNSIGNED_PAYLOAD_TRAILER,
  UNSIGNED_PAYLOAD,
  type AuthorizationHeader,
  type Credential,
  type PayloadMode,
  type PresignedQuery,
} from "./sigv4-parse.js";
export { credentialScope, deriveSigningKey, hmacHex, SCOPE_TERMINATOR, sha256Hex, signaturesEqual, SigningKeyCache, stringToSign } from "./sigv4-keys.js";

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** S3 accepts a request time up to 15 minutes away from its clock ("RequestTimeTooSkewed"). */
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
/** A presigned URL lives at most 7 days ("Authenticating Requests: Using Query Parameters"). */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604800;

/** Signature Version 2 query authentication carries `Signature` (with AWSAccessKeyId, Expires). */
const V2_QUERY_SIGNATURE = "Signature";

// Messages AWS S3 sends for these faults, verbatim.
const MSG_V2_UNSUPPORTED =
  "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";
const MSG_ONE_MECHANISM =
  "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string " +
  "parameter or the Authorization header should be specified";
const MSG_UNSUPPORTED_TYPE = "Unsupported Authorization Type";
const MSG_MISSING_CONTENT_SHA256 = "Missing required header for this request: x-amz-content-sha256";
const MSG_BAD_CONTENT_SHA256 =
  "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, " +
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, " +
  "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or " +
  "a valid sha256 value.";
const MSG_NO_DATE = "AWS authentication requires a valid Date or x-amz-date header";
const MSG_QUERY_DATE = "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"";
const MSG_EXPIRES_NUMBER = "X-Amz-Expires should be a number";
const MSG_EXPIRES_NEGATIVE = "X-Amz-Expires must be non-negative";
const MSG_EXPIRES_WEEK =
  "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be " +
  "less than 604800 seconds";
const MSG_NOT_YET_VALID = "Request is not yet valid";
const MSG_EXPIRED = "Request has expired";
// This gateway's own wording (no AWS message is documented for it).
export const MSG_REPEATED = "Authentication information must be given once; repeated";
const MSG_NOT_SIGNED = "There were headers present in the request which were not signed";

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export interface SigV4Request {
  method: string;
  /** the path exactly as on the wire (percent-encoded as the client sent it), without the query */
  rawPath: string;
  /** the string after '?', '' when there is none */
  rawQuery: string;
  headers: RequestHeaders;
  /** the bucket named by the Host header of a virtual-hosted-style request (SigV2 signs it) */
  virtualHostBucket?: string;
}


export interface SignedAuth {
  kind: "signed";
  accessKeyId: string;
  presigned: boolean;
  payload: PayloadMode;
  /** kSigning, for the aws-chunked chunk signatures */
  signingKey: Buffer;
  /** the request's own signature, which the first chunk signature chains from */
  seedSignature: string;
  /** what the signature signs (Ozone's OM re-verifies it on secure clusters) */
  stringToSign: string;
  /** the timestamp line of the string to sign, as the client sent it */
  amzDate: string;
  /** "<yyyymmdd>/<region>/s3/aws4_request" */
  scope: string;
  region: string;
  signedHeaders: readonly string[];
  /** X-Amz-Security-Token as sent (signed); this gateway issues none, the caller decides */
  securityToken?: string;
}

export type VerifiedAuth = { kind: "anonymous" } | SignedAuth;

export interface VerifyOptions {
  /** the secret access key of an access key id, or undefined when there is no such key */
  lookupSecret(accessKeyId: string): string | undefined;
  now: Date;
  /** default 15 minutes, as S3 */
  maxSkewMs?: number;
  /** when set, a credential scope naming another region is refused as S3 refuses it */
  region?: string;
  /** where signing keys are cached; defaults to one shared bounded cache */
  signingKeys?: SigningKeyCache;
  /**
   * The Signature Version 2 verifier (./sigv2.ts verifySigV2), when SigV2 is accepted; without it a
   * SigV2 request is refused as S3's SigV4-only regions refuse it. Passed in rather than imported,
   * so that this module does not depend on the one that depends on it.
   */
  signatureV2?: (req: SigV4Request, query: readonly QueryParam[], opts: VerifyOptions) => SignedAuth;
}


// ---------------------------------------------------------------------------------------------
// Canonical request (its parts: canonical.ts)
// ---------------------------------------------------------------------------------------------

/** The canonical request of an S3 request (presigned: X-Amz-Signature left out of the query). */
export function buildCanonicalRequest(
  req: SigV4Request,
  signedHeaders: readonly string[],
  payloadHash: string,
  presigned = false,
  query: readonly QueryParam[] = parseQuery(req.rawQuery),
): string {
  return canonicalRequest({
    method: req.method,
    canonicalUri: canonicalUri(req.rawPath),
    canonicalQuery: canonicalQueryString(query, presigned ? PRESIGN_SIGNATURE : undefined),
    canonicalHeaders: canonicalHeaders(req.headers, signedHeaders),
    signedHeaders,
    payloadHash,
  });
}

const sharedSigningKeys = new SigningKeyCache();

// ---------------------------------------------------------------------------------------------
// Parsing the two credential carriers
// ---------------------------------------------------------------------------------------------

/** The header as one string (repeated values joined with ","), undefined when absent. */
export function headerString(headers: RequestHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return typeof v === "string" ? v : v.join(",");
}

/**
 * S3 refuses a request carrying, unsigned, a header it requires to be signed: Host, Content-MD5 and
 * every x-amz-* header except x-amz-content-sha256 (AccessDenied, naming them in HeadersNotSigned).
 * That is also what makes `host` mandatory among the signed headers.
 */
export function checkRequiredHeadersSigned(headers: RequestHeaders, signedHeaders: readonly string[]): void {
  const signed = new Set(signedHeaders.map((h) => h.toLowerCase()));
  const unsigned: string[] = [];
  for (const name of Object.keys(headers)) {
    if (headers[name] === undefined || signed.has(name)) continue;
    if (name === "host" || name === "content-md5" || (name.startsWith("x-amz-") && name !== "x-amz-content-sha256")) {
      unsigned.push(name);
    }
  }
  if (unsigned.length > 0) {
    throw new S3Error("AccessDenied", MSG_NOT_SIGNED, { HeadersNotSigned: unsigned.sort().join(", ") });
  }
}

// ---------------------------------------------------------------------------------------------
// verifyRequest
// ---------------------------------------------------------------------------------------------

/**
 * Authenticates a request: anonymous (no credential at all), or SigV4 in the Authorization header
 * or in the query (presigned), or SigV2 in either when `opts.signatureV2` is given. Throws an
 * S3Error with the code and message S3 sends for the first fault S3 would report.
 */
export function verifyRequest(req: SigV4Request, opts: VerifyOptions): VerifiedAuth {
  const query = parseQuery(req.rawQuery);
  const has = (name: string) => query.some((p) => p.name === name);
  checkAuthHeadersOnce(req.headers);
  const authorization = headerString(req.headers, "authorization");
  const v4Query = has(PRESIGN_ALGORITHM) || has(PRESIGN_CREDENTIAL);
  const v2Query = has(V2_QUERY_SIGNATURE);
  if (v4Query) checkAuthParametersOnce(query);

  // S3 refuses a header beside a query credential whatever either says, an empty header included.
  if (authorization !== undefined && (v4Query || v2Query)) {
    throw new S3Error("InvalidArgument", MSG_ONE_MECHANISM, {
      ArgumentName: "Authorization",
      ArgumentValue: authorization,
    });
  }
  if (authorization !== undefined && authorization !== "") {
    return verifyHeaderAuth(req, query, authorization, opts);
  }
  if (v4Query) {
    if (v2Query) throw new S3Error("InvalidArgument", MSG_ONE_MECHANISM, { ArgumentName: "Authorization" });
    return verifyQueryAuth(req, query, opts);
  }
  // Signature Version 2 presigned URL (?AWSAccessKeyId=..&Expires=..&Signature=..): refused when
  // SigV2 is off, as in the regions S3 opened after 2014.
  if (v2Query) {
    if (opts.signatureV2 !== undefined) return opts.signatureV2(req, query, opts);
    throw new S3Error("InvalidRequest", MSG_V2_UNSUPPORTED);
  }
  return { kind: "anonymous" };
}

/**
 * The headers that carry or frame a signature, each of which must come once. A repeated header is
 * joined with "," before SigV4 canonicalisation, but each reader here wants one value: a second
 * Authorization, x-amz-date or x-amz-content-sha256 would otherwise be read one way by the signature
 * check and another way by whatever reads the header later (node keeps only the first
 * Authorization in `req.headers`, and joins the others with ", "). Refused as the argument it is
 * (400 InvalidArgument naming the header), before anything is verified.
 */
const SINGLE_AUTH_HEADERS = ["authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"];

function checkAuthHeadersOnce(headers: RequestHeaders): void {
  for (const name of SINGLE_AUTH_HEADERS) {
    const v = headers[name];
    if (Array.isArray(v) && v.length > 1) {
      throw new S3Error("InvalidArgument", `${MSG_REPEATED} header ${name}.`, { ArgumentName: name, ArgumentValue: v.join(",") });
    }
  }
}

/**
 * The X-Amz-* parameters of a presigned URL, each of which must come once. X-Amz-Signature is left
 * out of what is signed, so without this check anyone could append a second one to a valid URL
 * (which would be ignored); a second X-Amz-Date or X-Amz-Credential would be signed but read only
 * once. S3 reports query-authentication faults as AuthorizationQueryParametersError (400); no AWS
 * document names the answer to a repeated parameter, so this is that error with its own message.
 */
const SINGLE_AUTH_PARAMETERS = [
  PRESIGN_ALGORITHM,
  PRESIGN_CREDENTIAL,
  PRESIGN_DATE,
  PRESIGN_EXPIRES,
  PRESIGN_SIGNED_HEADERS,
  PRESIGN_SIGNATURE,
  PRESIGN_SECURITY_TOKEN,
];

function checkAuthParametersOnce(query: readonly QueryParam[]): void {
  const seen = new Set<string>();
  for (const p of query) {
    // x-amz-content-sha256 is read in any case (see verifyQueryAuth); the others as spelt.
    const name = p.name.toLowerCase() === "x-amz-content-sha256" ? "x-amz-content-sha256" : p.name;
    if (name !== "x-amz-content-sha256" && !SINGLE_AUTH_PARAMETERS.includes(name)) continue;
    if (seen.has(name)) throw new S3Error("AuthorizationQueryParametersError", `${MSG_REPEATED} query parameter ${p.name}.`);
    seen.add(name);
  }
}

function verifyHeaderAuth(
  req: SigV4Request,
  query: readonly QueryParam[],
  authorization: string,
  opts: VerifyOptions,
): SignedAuth {
  const space = authorization.indexOf(" ");
  if (space < 0) {
    throw new S3Error("InvalidArgument", MSG_ONE_SPACE, { ArgumentName: "Authorization", ArgumentValue: authorization });
  }
  const scheme = authorization.slice(0, space).toUpperCase();
  // "AWS AKID:signature" is Signature Version 2, served when configured; SigV4a needs ECDSA keys.
  if (scheme === "AWS" && opts.signatureV2 !== undefined) return opts.signatureV2(req, query, opts);
  if (scheme === "AWS" || scheme === SIGV4A_ALGORITHM) throw new S3Error("InvalidRequest", MSG_V2_UNSUPPORTED);
  if (scheme !== SIGV4_ALGORITHM) {
    throw new S3Error("InvalidArgument", MSG_UNSUPPORTED_TYPE, {
      ArgumentName: "Authorization",
      ArgumentValue: authorization,
    });
  }

  // S3 checks the payload header and the date before it reads the Authorization header's body.
  const contentSha256 = headerString(req.headers, "x-amz-content-sha256");
  if (contentSha256 === undefined) throw new S3Error("InvalidRequest", MSG_MISSING_CONTENT_SHA256);
  const payload = payloadModeOf(contentSha256);

  // x-amz-date when sent, readable or not; the Date header otherwise, in any of the forms a Date is
  // signed in. The string to sign carries the time in ISO 8601 basic form either way (AWS's SigV4
  // test suite: "Date:Mon, 09 Sep 2011 23:36:00 GMT" is signed as 20110909T233600Z; botocore signs
  // so when a request has a Date header).
  const amzDateHeader = headerString(req.headers, "x-amz-date");
  const dateHeader = headerString(req.headers, "date");
  const dateLine = amzDateHeader ?? dateHeader;
  let requestTime: Date | undefined;
  if (amzDateHeader !== undefined) requestTime = parseAmzDate(amzDateHeader);
  else if (dateHeader !== undefined) requestTime = parseSigningDate(dateHeader);
  if (dateLine === undefined || requestTime === undefined) throw new S3Error("AccessDenied", MSG_NO_DATE);
  checkSkew(requestTime, dateLine, opts);
  const signedTime = amzDateHeader ?? amzDate(requestTime);

  const parsed = parseAuthorizationHeader(authorization);
  const credential = parseCredential(parsed.credential, "header", opts.region);
  if (credential.date !== yyyymmdd(requestTime)) {
    throw malformedHeader("Invalid credential date. Date is not the same as X-Amz-Date.");
  }
  checkRequiredHeadersSigned(req.headers, parsed.signedHeaders);
  const canonical = buildCanonicalRequest(req, parsed.signedHeaders, contentSha256, false, query);
  return checkSignature(opts, {
    credential,
    algorithm: parsed.algorithm,
    amzDate: signedTime,
    canonical,
    providedSignature: parsed.signature,
    payload,
    presigned: false,
    signedHeaders: parsed.signedHeaders,
    securityToken: headerString(req.headers, "x-amz-security-token"),
  });
}

function verifyQueryAuth(req: SigV4Request, query: readonly QueryParam[], opts: VerifyOptions): SignedAuth {
  const q = parsePresignedQuery(query);
  const requestTime = parseAmzDate(q.amzDate);
  if (requestTime === undefined) throw new S3Error("AuthorizationQueryParametersError", MSG_QUERY_DATE);
  if (!/^[+-]?\d+$/.test(q.expires)) throw new S3Error("AuthorizationQueryParametersError", MSG_EXPIRES_NUMBER);
  const expires = Number(q.expires);
  if (expires < 0) throw new S3Error("AuthorizationQueryParametersError", MSG_EXPIRES_NEGATIVE);
  if (expires > MAX_PRESIGNED_EXPIRES_SECONDS) throw new S3Error("AuthorizationQueryParametersError", MSG_EXPIRES_WEEK);

  const now = opts.now.getTime();
  const expiresAt = serverTime(new Date(requestTime.getTime() + expires * 1000));
  // A presigned URL is not subject to the 15-minute skew once issued (it lives until it expires),
  // but one dated further in the future than the skew allows is not valid yet.
  if (requestTime.getTime() - now > (opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    throw new S3Error("AccessDenied", MSG_NOT_YET_VALID, {
      "X-Amz-Date": requestTime.getTime(),
      Expires: expiresAt,
      ServerTime: serverTime(opts.now),
    });
  }
  if (now - requestTime.getTime() > expires * 1000) {
    throw new S3Error("AccessDenied", MSG_EXPIRED, {
      "X-Amz-Expires": q.expires,
      Expires: expiresAt,
      ServerTime: serverTime(opts.now),
    });
  }

  const credential = parseCredential(q.credential, "query", opts.region);
  if (credential.date !== q.amzDate.slice(0, 8)) {
    throw new S3Error(
      "AuthorizationQueryParametersError",
      `Invalid credential date "${credential.date}". This date is not the same as X-Amz-Date: "${q.amzDate.slice(0, 8)}".`,
    );
  }
  checkRequiredHeadersSigned(req.headers, q.signedHeaders);

  // The payload line of a presigned request is UNSIGNED-PAYLOAD unless the client put a hash in
  // x-amz-content-sha256 (hoisted into the query by the SDKs' presigners, or sent as a header).
  // It is part of what is signed, so a hex hash sent there is then verified against the body.
  const payloadLine =
    query.find((p) => p.name.toLowerCase() === "x-amz-content-sha256")?.value ??
    headerString(req.headers, "x-amz-content-sha256") ??
    UNSIGNED_PAYLOAD;
  const payload = parsePayloadMode(payloadLine) ?? { type: "unsigned" };
  if (payload.type === "streaming-signed" || payload.type === "streaming-signed-trailer") {
    // Chunk signatures chain from a header signature; a URL cannot carry them meaningfully.
    throw new S3Error("InvalidRequest", `x-amz-content-sha256 ${payloadLine} cannot be used with a presigned URL.`);
  }
  const canonical = buildCanonicalRequest(req, q.signedHeaders, payloadLine, true, query);
  return checkSignature(opts, {
    credential,
    algorithm: q.algorithm,
    amzDate: q.amzDate,
    canonical,
    providedSignature: q.signature,
    payload,
    presigned: true,
    signedHeaders: q.signedHeaders,
    securityToken: q.securityToken,
  });
}

/** x-amz-content-sha256 as S3 reads it, refusing what S3 refuses (InvalidArgument, or NotImplemented
 * for the SigV4a streaming keywords this gateway cannot verify). */
export function payloadModeOf(value: string): PayloadMode {
  const mode = parsePayloadMode(value);
  if (mode !== undefined) return mode;
  if (value === STREAMING_ECDSA_PAYLOAD || value === STREAMING_ECDSA_PAYLOAD_TRAILER) {
    // S3 knows these (SigV4a chunk signatures); this gateway cannot verify ECDSA signatures.
    throw new S3Error("NotImplemented", undefined, { Header: "x-amz-content-sha256" });
  }
  throw new S3Error("InvalidArgument", MSG_BAD_CONTENT_SHA256, {
    ArgumentName: "x-amz-content-sha256",
    ArgumentValue: value,
  });
}

export function checkSkew(requestTime: Date, dateLine: string, opts: VerifyOptions): void {
  const maxSkew = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(opts.now.getTime() - requestTime.getTime()) > maxSkew) {
    throw new S3Error("RequestTimeTooSkewed", undefined, {
      RequestTime: dateLine,
      ServerTime: serverTime(opts.now),
      MaxAllowedSkewMilliseconds: maxSkew,
    });
  }
}

interface SignatureCheck {
  credential: Credential;
  algorithm: string;
  amzDate: string;
  canonical: string;
  providedSignature: string;
  payload: PayloadMode;
  presigned: boolean;
  signedHeaders: readonly string[];
  securityToken: string | undefined;
}

/** The access key, then the signature: the last two checks, common to both carriers. */
function checkSignature(opts: VerifyOptions, check: SignatureCheck): SignedAuth {
  const { credential, algorithm, amzDate, canonical, providedSignature, payload, presigned, signedHeaders } = check;
  const secret = opts.lookupSecret(credential.accessKeyId);
  if (secret === undefined) {
    throw new S3Error("InvalidAccessKeyId", undefined, { AWSAccessKeyId: credential.accessKeyId });
  }
  const scope = credentialScope(credential.date, credential.region, credential.service);
  const signingKey = (opts.signingKeys ?? sharedSigningKeys).get(secret, credential.date, credential.region, credential.service);
  const toSign = stringToSign(algorithm, amzDate, scope, canonical);
  const computed = hmacHex(signingKey, toSign);
  if (!signaturesEqual(computed, providedSignature)) {
    // S3 names what it signed, so a client can find where its canonical request differs.
    throw new S3Error("SignatureDoesNotMatch", undefined, {
      AWSAccessKeyId: credential.accessKeyId,
      StringToSign: toSign,
      SignatureProvided: providedSignature,
      StringToSignBytes: hexBytes(toSign),
      CanonicalRequest: Buffer.from(canonical, "latin1").toString("utf8"),
      CanonicalRequestBytes: hexBytes(canonical),
    });
  }
  const result: SignedAuth = {
    kind: "signed",
    accessKeyId: credential.accessKeyId,
    presigned,
    payload,
    signingKey,
    seedSignature: computed,
    stringToSign: toSign,
    amzDate,
    scope,
    region: credential.region,
    signedHeaders,
  };
  if (check.securityToken !== undefined) result.securityToken = check.securityToken;
  return result;
}

/** The bytes of a byte string (one char per byte) in hex, space-separated: S3's *Bytes error fields. */
export function hexBytes(byteString: string): string {
  const parts: string[] = new Array(byteString.length);
  for (let i = 0; i < byteString.length; i++) parts[i] = (byteString.charCodeAt(i) & 0xff).toString(16).padStart(2, "0");
  return parts.join(" ");
}
