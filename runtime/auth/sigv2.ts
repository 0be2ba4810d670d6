/**
 * AWS Signature Version 2 verification for S3, as small pure steps like ./sigv4.ts:
 *
 *   parse (Authorization "AWS AKID:signature" | query AWSAccessKeyId, Expires, Signature)
 *   -> CanonicalizedAmzHeaders + CanonicalizedResource -> string to sign -> HMAC-SHA1 compare
 *
 * Why at all: the AWS CLI v1 and boto3 (botocore's "s3" signer) presign URLs with SigV2 at their
 * default settings, and older tools sign every request with it. S3 still serves SigV2 in the
 * regions opened before 2014; `s3.signatureV2: false` makes this gateway answer as a SigV4-only
 * region does (./sigv4.ts verifyRequest, which dispatches here).
 *
 * AWS reference: "Signing and authenticating REST requests" (S3 developer guide, "Authenticating
 * requests using the REST API", and its "Query string request authentication alternative"):
 *
 *   StringToSign = HTTP-Verb + "\n" + Content-MD5 + "\n" + Content-Type + "\n" +
 *                  Date + "\n" + CanonicalizedAmzHeaders + CanonicalizedResource
 *   Signature = Base64(HMAC-SHA1(secret, UTF-8-Encoding-Of(StringToSign)))
 *
 * Strings are byte strings as in sigv4.ts and canonical.ts: node hands header values over as latin1 (one char per
 * wire byte) and the client signed the wire bytes, so the string to sign is hashed byte for byte.
 *
 * The payload is not signed by SigV2. Content-MD5 is signed (when sent) and the verifying body
 * (./body.ts) checks it against the body as for every request.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { S3Error } from "../errors.js";
import { unsignedRequestPayload } from "./body.js";
import { parseSigningDate } from "./amz-dates.js";
import { percentDecode, toWireBytes, type QueryParam, type RequestHeaders } from "./canonical.js";
import {
  MSG_REPEATED,
  checkSkew,
  headerString,
  hexBytes,
  serverTime,
  type SigV4Request,
  type SignedAuth,
  type VerifyOptions,
} from "./sigv4.js";

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** The Authorization scheme of SigV2: "AWS AKID:signature". */
export const SIGV2_SCHEME = "AWS";
const QUERY_ACCESS_KEY = "AWSAccessKeyId";
const QUERY_EXPIRES = "Expires";
const QUERY_SIGNATURE = "Signature";

/**
 * The sub-resources that are part of CanonicalizedResource. AWS's list ("Signing and authenticating
 * REST requests", "Constructing the CanonicalizedResource element": acl, lifecycle, location,
 * logging, notification, partNumber, policy, requestPayment, uploadId, uploads, versionId,
 * versioning, versions, website; plus delete, cors, restore, tagging and the response-* overrides),
 * together with the ones botocore's HmacV1Auth signs as well (accelerate, analytics, inventory,
 * metrics, object-lock, replication, select, select-type, storageClass, torrent...): a client and
 * the server must agree on this set, and botocore (AWS CLI v1, boto3) is the SigV2 client still in
 * everyday use. Any other query parameter is not signed.
 */
export const SIGNED_SUBRESOURCES: ReadonlySet<string> = new Set([
  "accelerate",
  "acl",
  "analytics",
  "cors",
  "defaultObjectAcl",
  "delete",
  "inventory",
  "lifecycle",
  "location",
  "logging",
  "metrics",
  "notification",
  "object-lock",
  "partNumber",
  "policy",
  "replication",
  "requestPayment",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
  "restore",
  "select",
  "select-type",
  "storageClass",
  "tagging",
  "torrent",
  "uploadId",
  "uploads",
  "versionId",
  "versioning",
  "versions",
  "website",
]);

// Messages AWS S3 sends for these faults, verbatim.
const MSG_HEADER_INVALID = "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature";
const MSG_QUERY_PARAMETERS = "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters";
const MSG_QUERY_EXPIRES = "Invalid date (should be seconds since epoch): ";
const MSG_NO_DATE = "AWS authentication requires a valid Date or x-amz-date header";
const MSG_EXPIRED = "Request has expired";

/**
 * The headers a SigV2 signature covers that must come once: node keeps the first Content-Type in
 * `req.headers` (which the handlers read) while the string to sign would join every copy, and a
 * second Date could be read one way by the skew check and another by the signature.
 * (Authorization and x-amz-date are checked by verifyRequest for both versions.)
 */
const SINGLE_V2_HEADERS = ["content-md5", "content-type", "date"];
const SINGLE_V2_PARAMETERS = [QUERY_ACCESS_KEY, QUERY_EXPIRES, QUERY_SIGNATURE];

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export interface SigV2Credential {
  accessKeyId: string;
  /** base64, as sent */
  signature: string;
}

export interface SigV2Query extends SigV2Credential {
  /** seconds since the epoch, as sent (it is the Date line of the string to sign) */
  expires: string;
}

export interface StringToSignV2Parts {
  method: string;
  contentMd5: string;
  contentType: string;
  /** Date header, '' when x-amz-date is sent, or Expires for query authentication */
  date: string;
  /** output of `canonicalizedAmzHeaders` (each line ends with "\n") */
  amzHeaders: string;
  /** output of `canonicalizedResource` */
  resource: string;
}

// ---------------------------------------------------------------------------------------------
// Parsing the two carriers
// ---------------------------------------------------------------------------------------------

/** "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=" -> access key id and signature. */
export function parseV2AuthorizationHeader(value: string): SigV2Credential {
  const invalid = () =>
    new S3Error("InvalidArgument", MSG_HEADER_INVALID, { ArgumentName: "Authorization", ArgumentValue: value });
  const space = value.indexOf(" ");
  if (space < 0 || value.slice(0, space).toUpperCase() !== SIGV2_SCHEME) throw invalid();
  const rest = value.slice(space + 1).trim();
  const colon = rest.lastIndexOf(":");
  if (colon <= 0 || colon === rest.length - 1) throw invalid();
  return { accessKeyId: rest.slice(0, colon), signature: rest.slice(colon + 1) };
}

/** AWSAccessKeyId, Expires and Signature, each of which must come once. */
export function parseV2Query(params: readonly QueryParam[]): SigV2Query {
  const seen = new Set<string>();
  for (const p of params) {
    if (!SINGLE_V2_PARAMETERS.includes(p.name)) continue;
    // Signature is not signed: without this anyone could append a second one to a valid URL.
    // Refused as sigv4.ts refuses a repeated X-Amz-* parameter.
    if (seen.has(p.name)) throw new S3Error("AuthorizationQueryParametersError", `${MSG_REPEATED} query parameter ${p.name}.`);
    seen.add(p.name);
  }
  const get = (name: string) => params.find((p) => p.name === name)?.value;
  const accessKeyId = get(QUERY_ACCESS_KEY);
  const expires = get(QUERY_EXPIRES);
  const signature = get(QUERY_SIGNATURE);
  if (!accessKeyId || expires === undefined || !signature) throw new S3Error("AccessDenied", MSG_QUERY_PARAMETERS);
  return { accessKeyId, expires, signature };
}

// ---------------------------------------------------------------------------------------------
// String to sign
// ---------------------------------------------------------------------------------------------

/** One header value: each copy with folding whitespace unfolded and trimmed, copies joined with ",". */
function amzHeaderValue(value: string | string[]): string {
  const one = (v: string) => toWireBytes(v.replace(/\s*\r?\n\s*/g, " ").trim());
  return typeof value === "string" ? one(value) : value.map(one).join(",");
}

/**
 * CanonicalizedAmzHeaders: every x-amz-* header, name lowercased, sorted by name, repeated headers
 * joined with ",", "name:value\n" each. Unlike SigV4, inner whitespace is kept as sent.
 */
export function canonicalizedAmzHeaders(headers: RequestHeaders): string {
  const names = Object.keys(headers)
    .filter((n) => headers[n] !== undefined && n.toLowerCase().startsWith("x-amz-"))
    .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
  let out = "";
  for (const name of names) out += `${name.toLowerCase()}:${amzHeaderValue(headers[name]!)}\n`;
  return out;
}

/**
 * CanonicalizedResource: "/" + bucket for a virtual-hosted-style request, then the path exactly as
 * sent (not decoded, not re-encoded: the unicode-key example signs "fran%C3%A7ais" as sent), a
 * path-style bucket "/bucket" ending in "/" as the virtual-hosted "/bucket" + "/" does (S3 signs
 * "/" + bucket + "/" + key whatever the style; botocore's path-style CreateBucket signs "/bkt/"
 * for "PUT /bkt", "so that the server accepts it"), then
 * the signed sub-resources, sorted by name (a stable sort, as botocore's), "?name" or "?name=value"
 * joined with "&", values percent-decoded ('+' kept, as botocore's `unquote`). With `emptyBare`, a
 * sub-resource sent with an empty value ("?uploads=") is signed bare ("?uploads"), as minio-go signs
 * the "uploads=" it sends.
 */
export function canonicalizedResource(rawPath: string, rawQuery: string, virtualHostBucket?: string, emptyBare = false): string {
  let out: string;
  if (virtualHostBucket !== undefined) out = `/${virtualHostBucket}${rawPath === "" ? "/" : rawPath}`;
  else out = rawPath.length > 1 && rawPath.indexOf("/", 1) < 0 ? rawPath + "/" : rawPath || "/";
  if (rawQuery === "") return out;
  const subresources: [string, string | undefined][] = [];
  for (const piece of rawQuery.split("&")) {
    const eq = piece.indexOf("=");
    const name = eq < 0 ? piece : piece.slice(0, eq);
    if (!SIGNED_SUBRESOURCES.has(name)) continue;
    subresources.push([name, eq < 0 ? undefined : percentDecode(piece.slice(eq + 1), false).toString("latin1")]);
  }
  if (subresources.length === 0) return out;
  subresources.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  out += "?" + subresources.map(([n, v]) => (v === undefined || (emptyBare && v === "") ? n : `${n}=${v}`)).join("&");
  return out;
}

/** The five lines and the two canonical blocks, joined as AWS documents them. */
export function stringToSignV2(parts: StringToSignV2Parts): string {
  return `${parts.method}\n${parts.contentMd5}\n${parts.contentType}\n${parts.date}\n${parts.amzHeaders}${parts.resource}`;
}

/**
 * The string to sign of a request, header form or (with `expires`) query form. With x-amz-date the
 * Date line is empty and x-amz-date is signed among the x-amz-* headers ("Time stamp
 * requirement"); `amzDateInDateLine` builds instead what AWS's own Delete example signs: the
 * x-amz-date value on the Date line and no x-amz-date header line.
 */
export function buildStringToSignV2(req: SigV4Request, expires?: string, amzDateInDateLine = false, emptyBare = false): string {
  const headers = req.headers;
  const amzDate = headerString(headers, "x-amz-date");
  let date: string;
  let amzHeaders = headers;
  if (expires !== undefined) date = expires;
  else if (amzDate === undefined) date = toWireBytes(headerString(headers, "date") ?? "");
  else if (!amzDateInDateLine) date = "";
  else {
    date = toWireBytes(amzDate.trim());
    amzHeaders = { ...headers, "x-amz-date": undefined };
  }
  return stringToSignV2({
    method: req.method,
    contentMd5: toWireBytes(headerString(headers, "content-md5") ?? ""),
    contentType: toWireBytes(headerString(headers, "content-type") ?? ""),
    date,
    amzHeaders: canonicalizedAmzHeaders(amzHeaders),
    resource: canonicalizedResource(req.rawPath, req.rawQuery, req.virtualHostBucket, emptyBare),
  });
}

/** base64 HMAC-SHA1 of a byte string */
export function signV2(secret: string, stringToSign: string): string {
  return createHmac("sha1", secret).update(stringToSign, "latin1").digest("base64");
}

function signaturesEqual(computed: string, provided: string): boolean {
  if (computed.length !== provided.length) return false;
  return timingSafeEqual(Buffer.from(computed, "latin1"), Buffer.from(provided, "latin1"));
}

// ---------------------------------------------------------------------------------------------
// verifySigV2
// ---------------------------------------------------------------------------------------------

/**
 * Verifies a SigV2 request, header form or query form (chosen as verifyRequest chose: an
 * Authorization header, else the query). Throws the S3Error S3 gives for the first fault.
 */
export function verifySigV2(req: SigV4Request, query: readonly QueryParam[], opts: VerifyOptions): SignedAuth {
  for (const name of SINGLE_V2_HEADERS) {
    const v = req.headers[name];
    if (Array.isArray(v) && v.length > 1) {
      throw new S3Error("InvalidArgument", `${MSG_REPEATED} header ${name}.`, { ArgumentName: name, ArgumentValue: v.join(",") });
    }
  }
  const authorization = headerString(req.headers, "authorization");
  if (authorization !== undefined && authorization !== "") {
    const credential = parseV2AuthorizationHeader(authorization);
    // x-amz-date when sent (the Date line is then empty: it is signed among the x-amz-* headers).
    const dateLine = headerString(req.headers, "x-amz-date") ?? headerString(req.headers, "date");
    const requestTime = dateLine === undefined ? undefined : parseSigningDate(dateLine);
    if (dateLine === undefined || requestTime === undefined) throw new S3Error("AccessDenied", MSG_NO_DATE);
    checkSkew(requestTime, dateLine, opts);
    return checkSignature(req, credential, undefined, dateLine, opts);
  }

  const q = parseV2Query(query);
  if (!/^\d+$/.test(q.expires)) throw new S3Error("AccessDenied", MSG_QUERY_EXPIRES + q.expires);
  // A presigned URL lives until its Expires (no 15-minute skew, and no 7-day cap as for SigV4).
  const expiresAt = Number(q.expires) * 1000;
  if (opts.now.getTime() > expiresAt) {
    throw new S3Error("AccessDenied", MSG_EXPIRED, { Expires: serverTime(new Date(expiresAt)), ServerTime: serverTime(opts.now) });
  }
  return checkSignature(req, q, q.expires, q.expires, opts);
}

/** The access key, then the signature: the last two checks, common to both carriers. */
function checkSignature(
  req: SigV4Request,
  credential: SigV2Credential,
  expires: string | undefined,
  dateLine: string,
  opts: VerifyOptions,
): SignedAuth {
  const secret = opts.lookupSecret(credential.accessKeyId);
  if (secret === undefined) throw new S3Error("InvalidAccessKeyId", undefined, { AWSAccessKeyId: credential.accessKeyId });
  const toSign = buildStringToSignV2(req, expires);
  let matches = signaturesEqual(signV2(secret, toSign), credential.signature);
  if (!matches && expires === undefined && req.headers["x-amz-date"] !== undefined) {
    // The S3 guide's Delete example ("Authentication examples") signs x-amz-date this other way,
    // against its own rule; clients written from the example do too. Both strings carry the same
    // request time and every other signed element, so accepting either proves the same thing.
    matches = signaturesEqual(signV2(secret, buildStringToSignV2(req, undefined, true)), credential.signature);
  }
  if (!matches && /(?:^|&)[^&=]+=(?:&|$)/.test(req.rawQuery)) {
    // minio-go sends "?uploads=" and signs "?uploads" (botocore signs what it sends): a sub-resource
    // with an empty value may be signed either way; both name the same request.
    const bare = buildStringToSignV2(req, expires, false, true);
    if (bare !== toSign) matches = signaturesEqual(signV2(secret, bare), credential.signature);
  }
  if (!matches) {
    // S3 names what it signed, so a client can find where its string to sign differs.
    throw new S3Error("SignatureDoesNotMatch", undefined, {
      AWSAccessKeyId: credential.accessKeyId,
      StringToSign: Buffer.from(toSign, "latin1").toString("utf8"),
      SignatureProvided: credential.signature,
      StringToSignBytes: hexBytes(toSign),
    });
  }
  const result: SignedAuth = {
    kind: "signed",
    accessKeyId: credential.accessKeyId,
    presigned: expires !== undefined,
    // SigV2 signs no payload (a hash in x-amz-content-sha256 is still verified by the body)
    payload: unsignedRequestPayload(req.headers),
    // SigV4's chunk-signing context has no SigV2 counterpart: a SigV2 body is never signed
    // aws-chunked (payloadOf refuses it), so these are never read.
    signingKey: Buffer.alloc(0),
    scope: "",
    region: opts.region ?? "",
    signedHeaders: [],
    amzDate: dateLine,
    // What the Ozone backend forwards to the OM as S3Authentication (runtime/app.ts storageFor).
    // The OM verifies SigV4 only (AWSV4AuthValidator, HMAC-SHA256 over a SigV4 string to sign).
    // Ozone's own gateway, for a SigV2 request, sends the access id with the SigV2 signature and an
    // EMPTY string to sign (OzoneClientProducer / AuthorizationV2HeaderParser; newer versions refuse
    // SigV2 in their AuthorizationFilter). This gateway does the same: the signature has been
    // verified here with the configured secret, an unsecured OM only reads the access id from it,
    // and a secure OM refuses it (so a secure Ozone cluster wants `s3.signatureV2: false`).
    stringToSign: "",
    seedSignature: credential.signature,
  };
  const token = headerString(req.headers, "x-amz-security-token");
  if (token !== undefined) result.securityToken = token;
  return result;
}
