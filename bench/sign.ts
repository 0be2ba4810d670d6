/**
 * A small SigV4 signer for the benchmark's load generator: Authorization header signing only, with
 * a real payload hash (the hex SHA-256 of the body, never UNSIGNED-PAYLOAD). Built from the same
 * exported steps the gateway verifies with (runtime/auth/sigv4.ts), which is fine for a benchmark:
 * the verifier's correctness is what test/auth/ checks against AWS's vectors.
 *
 * Costs on the client side are what a real SDK pays per request: one canonical request, one
 * SHA-256 of it and one HMAC. The signing key is derived once per day and the x-amz-date string once
 * per second. The body hash is computed by the caller once per distinct body (see run.ts).
 */
import {
  S3_SERVICE,
  SIGV4_ALGORITHM,
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  deriveSigningKey,
  hmacHex,
  parseQuery,
  stringToSign,
  uriEncode,
} from "../runtime/auth/sigv4.js";

export interface SignInput {
  method: string;
  /** the path as it goes on the wire (already URI-encoded) */
  path: string;
  /** the raw query string without '?', '' when none */
  query: string;
  /** the Host header value, "127.0.0.1:PORT" */
  host: string;
  /** hex SHA-256 of the body (EMPTY_SHA256 for no body) */
  payloadHash: string;
}

/** The headers signed on every request, in canonical (sorted) order. */
const SIGNED_HEADERS = ["host", "x-amz-content-sha256", "x-amz-date"] as const;

export class Signer {
  private signingKey: Buffer | undefined;
  private keyDate = "";
  private second = -1;
  private amzDate = "";

  constructor(
    private readonly accessKeyId: string,
    private readonly secretAccessKey: string,
    private readonly region = "us-east-1",
  ) {}

  /** The headers to send: host, x-amz-content-sha256, x-amz-date and authorization. */
  sign(input: SignInput): Record<string, string> {
    const nowSecond = Math.floor(Date.now() / 1000);
    if (nowSecond !== this.second) {
      this.second = nowSecond;
      // 2024-01-02T03:04:05.000Z -> 20240102T030405Z
      this.amzDate = new Date(nowSecond * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    }
    const amzDate = this.amzDate;
    const date = amzDate.slice(0, 8);
    if (date !== this.keyDate || this.signingKey === undefined) {
      this.signingKey = deriveSigningKey(this.secretAccessKey, date, this.region, S3_SERVICE);
      this.keyDate = date;
    }
    const headers: Record<string, string> = {
      host: input.host,
      "x-amz-content-sha256": input.payloadHash,
      "x-amz-date": amzDate,
    };
    const canonical = canonicalRequest({
      method: input.method,
      canonicalUri: canonicalUri(input.path),
      canonicalQuery: canonicalQueryString(parseQuery(input.query)),
      canonicalHeaders: canonicalHeaders(headers, SIGNED_HEADERS),
      signedHeaders: SIGNED_HEADERS,
      payloadHash: input.payloadHash,
    });
    const scope = credentialScope(date, this.region, S3_SERVICE);
    const signature = hmacHex(this.signingKey, stringToSign(SIGV4_ALGORITHM, amzDate, scope, canonical));
    headers.authorization =
      `${SIGV4_ALGORITHM} Credential=${this.accessKeyId}/${scope}, ` +
      `SignedHeaders=${SIGNED_HEADERS.join(";")}, Signature=${signature}`;
    return headers;
  }
}

/** "/bucket" or "/bucket/key", URI-encoded as an SDK sends it ('/' in the key kept). */
export function s3Path(bucket: string, key?: string): string {
  return key === undefined ? `/${uriEncode(bucket)}` : `/${uriEncode(bucket)}/${uriEncode(key, true)}`;
}

/** A raw query string from name/value pairs, each URI-encoded. */
export function queryString(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([n, v]) => `${uriEncode(n)}=${uriEncode(v)}`)
    .join("&");
}
