/**
 * The first step of SigV4 verification (sigv4.ts): reading the two credential carriers, the
 * Authorization header and a presigned URL's X-Amz-* parameters, the credential scope they name,
 * and x-amz-content-sha256; with the keywords and S3's messages for their faults. sigv4.ts
 * exports all of it as before.
 */
import { S3Error } from "../errors.js";
import { utc } from "./amz-dates.js";
import type { QueryParam } from "./canonical.js";
import { SCOPE_TERMINATOR } from "./sigv4-keys.js";

export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";
/** SigV4a, which S3 also accepts; this gateway does not (no ECDSA key material). */
export const SIGV4A_ALGORITHM = "AWS4-ECDSA-P256-SHA256";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const STREAMING_SIGNED_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
export const STREAMING_SIGNED_PAYLOAD_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
export const STREAMING_UNSIGNED_PAYLOAD_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
export const STREAMING_ECDSA_PAYLOAD = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD";
export const STREAMING_ECDSA_PAYLOAD_TRAILER = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER";
/** hex SHA-256 of the empty string */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** S3's signing service name. */
export const S3_SERVICE = "s3";

export const PRESIGN_ALGORITHM = "X-Amz-Algorithm";
export const PRESIGN_CREDENTIAL = "X-Amz-Credential";
export const PRESIGN_DATE = "X-Amz-Date";
export const PRESIGN_EXPIRES = "X-Amz-Expires";
export const PRESIGN_SIGNED_HEADERS = "X-Amz-SignedHeaders";
export const PRESIGN_SIGNATURE = "X-Amz-Signature";
export const PRESIGN_SECURITY_TOKEN = "X-Amz-Security-Token";

// Messages AWS S3 sends for these faults, verbatim.
export const MSG_ONE_SPACE = "Authorization header is invalid -- one and only one ' ' (space) required";
const MSG_HEADER_MALFORMED = "The authorization header is malformed; ";
const MSG_QUERY_CREDENTIAL = "Error parsing the X-Amz-Credential parameter; ";
const MSG_THREE_COMPONENTS =
  "the authorization header requires three components: Credential, SignedHeaders, and Signature.";
const MSG_CREDENTIAL_FORMAT =
  'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';
const MSG_QUERY_PARAMETERS =
  "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, " +
  "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";
const MSG_QUERY_ALGORITHM = 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"';

/** How the request body is protected, from x-amz-content-sha256. */
export type PayloadMode =
  | { type: "sha256"; /** lowercase hex */ hex: string }
  | { type: "unsigned" }
  | { type: "streaming-signed" }
  | { type: "streaming-signed-trailer" }
  | { type: "streaming-unsigned-trailer" };

export interface Credential {
  accessKeyId: string;
  /** yyyymmdd */
  date: string;
  region: string;
  service: string;
  terminator: string;
}

export interface AuthorizationHeader {
  /** as sent (S3 matches it without case and signs it as sent) */
  algorithm: string;
  credential: string;
  signedHeaders: string[];
  signature: string;
}

export interface PresignedQuery {
  algorithm: string;
  credential: string;
  amzDate: string;
  expires: string;
  signedHeaders: string[];
  signature: string;
  securityToken?: string;
}


/**
 * Parses the part of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...` after the algorithm. S3 tolerates the components in any order, separated by
 * commas with or without spaces; each must appear exactly once.
 */
export function parseAuthorizationHeader(value: string): AuthorizationHeader {
  const space = value.indexOf(" ");
  if (space < 0) {
    throw new S3Error("InvalidArgument", MSG_ONE_SPACE, { ArgumentName: "Authorization", ArgumentValue: value });
  }
  const algorithm = value.slice(0, space);
  const fields = new Map<string, string>();
  for (const piece of value.slice(space + 1).split(",")) {
    const part = piece.trim();
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq).trim();
    if (eq < 0 || fields.has(key) || !["Credential", "SignedHeaders", "Signature"].includes(key)) {
      throw malformedHeader(MSG_THREE_COMPONENTS);
    }
    fields.set(key, part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw malformedHeader(MSG_THREE_COMPONENTS);
  }
  return { algorithm, credential, signedHeaders: signedHeaders.split(";"), signature };
}

/** Reads the X-Amz-* parameters of a presigned URL ("Authenticating Requests: Using Query
 * Parameters"); every one but X-Amz-Security-Token is required. */
export function parsePresignedQuery(params: readonly QueryParam[]): PresignedQuery {
  const get = (name: string) => params.find((p) => p.name === name)?.value;
  const algorithm = get(PRESIGN_ALGORITHM);
  if (algorithm !== undefined && algorithm !== SIGV4_ALGORITHM) {
    throw new S3Error("AuthorizationQueryParametersError", MSG_QUERY_ALGORITHM);
  }
  const credential = get(PRESIGN_CREDENTIAL);
  const amzDate = get(PRESIGN_DATE);
  const expires = get(PRESIGN_EXPIRES);
  const signedHeaders = get(PRESIGN_SIGNED_HEADERS);
  const signature = get(PRESIGN_SIGNATURE);
  if (
    algorithm === undefined ||
    credential === undefined ||
    amzDate === undefined ||
    expires === undefined ||
    signedHeaders === undefined ||
    signature === undefined
  ) {
    throw new S3Error("AuthorizationQueryParametersError", MSG_QUERY_PARAMETERS);
  }
  return {
    algorithm,
    credential,
    amzDate,
    expires,
    signedHeaders: signedHeaders.split(";"),
    signature,
    securityToken: get(PRESIGN_SECURITY_TOKEN),
  };
}

export function malformedHeader(detail: string, fields: Record<string, string> = {}): S3Error {
  return new S3Error("AuthorizationHeaderMalformed", MSG_HEADER_MALFORMED + detail, fields);
}

/**
 * Parses and checks "<AKID>/<yyyymmdd>/<region>/s3/aws4_request", in S3's order: the number of
 * parts, the date's format, the region, the service, the terminator. Faults are
 * AuthorizationHeaderMalformed for the header and AuthorizationQueryParametersError for the query,
 * each with S3's wording.
 */
export function parseCredential(value: string, carrier: "header" | "query", expectedRegion?: string): Credential {
  const fault = (detail: string, fields: Record<string, string> = {}) =>
    carrier === "header"
      ? malformedHeader(detail, fields)
      : new S3Error("AuthorizationQueryParametersError", MSG_QUERY_CREDENTIAL + detail, fields);
  const parts = value.split("/");
  if (parts.length !== 5) throw fault(MSG_CREDENTIAL_FORMAT);
  const [accessKeyId, date, region, service, terminator] = parts;
  if (!/^\d{8}$/.test(date) || utc(+date.slice(0, 4), +date.slice(4, 6), +date.slice(6, 8), 0, 0, 0) === undefined) {
    throw fault(`incorrect date format "${date}". This date in the credential must be in the format "yyyyMMdd".`);
  }
  if (region === "") throw fault("a non-empty region must be provided in the credential.");
  if (expectedRegion !== undefined && region !== expectedRegion) {
    throw fault(`the region '${region}' is wrong; expecting '${expectedRegion}'`, { Region: expectedRegion });
  }
  if (service !== S3_SERVICE) throw fault(`incorrect service "${service}". This endpoint belongs to "s3".`);
  if (terminator !== SCOPE_TERMINATOR) {
    throw fault(`incorrect terminal "${terminator}". This endpoint uses "aws4_request".`);
  }
  return { accessKeyId, date, region, service, terminator };
}

/** Reads x-amz-content-sha256 (S3 takes the keywords spelt as written, the hash in either case). */
export function parsePayloadMode(value: string): PayloadMode | undefined {
  switch (value) {
    case UNSIGNED_PAYLOAD:
      return { type: "unsigned" };
    case STREAMING_SIGNED_PAYLOAD:
      return { type: "streaming-signed" };
    case STREAMING_SIGNED_PAYLOAD_TRAILER:
      return { type: "streaming-signed-trailer" };
    case STREAMING_UNSIGNED_PAYLOAD_TRAILER:
      return { type: "streaming-unsigned-trailer" };
  }
  return /^[0-9a-fA-F]{64}$/.test(value) ? { type: "sha256", hex: value.toLowerCase() } : undefined;
}
