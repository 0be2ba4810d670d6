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
import { createHash } from "node:crypto";
import { chunkStringToSign, type ChunkSigningContext } from "../runtime/auth/chunked.js";
import {
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  parseQuery,
  uriEncode,
} from "../runtime/auth/canonical.js";
import {
  S3_SERVICE,
  SIGV4_ALGORITHM,
  credentialScope,
  deriveSigningKey,
  hmacHex,
  stringToSign,
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
  /** more headers to send and sign (lowercase names), e.g. x-amz-checksum-crc32c */
  signedExtra?: Record<string, string>;
}

/** The headers signed on every request, in canonical (sorted) order. */
const SIGNED_HEADERS = ["host", "x-amz-content-sha256", "x-amz-date"] as const;
/** ... and for an aws-chunked body, as minio-go signs it */
const STREAMING_SIGNED_HEADERS = ["content-encoding", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-decoded-content-length"] as const;

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
    return this.signWithContext(input).headers;
  }

  /**
   * Headers for an aws-chunked body with chunk signatures (x-amz-content-sha256
   * STREAMING-AWS4-HMAC-SHA256-PAYLOAD, what minio-go and warp send over plain HTTP), and the
   * context its chunk signatures chain from (see awsChunkedBody).
   */
  signStreaming(input: Omit<SignInput, "payloadHash">, decodedLength: number, chunkSize: number): { headers: Record<string, string>; context: ChunkSigningContext } {
    const signed = this.signWithContext(
      { ...input, payloadHash: STREAMING_SIGNED_PAYLOAD },
      { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(decodedLength) },
      STREAMING_SIGNED_HEADERS,
    );
    signed.headers["content-length"] = String(awsChunkedLength(decodedLength, chunkSize));
    return signed;
  }

  private signWithContext(
    input: SignInput,
    extra: Record<string, string> = {},
    signedHeaders: readonly string[] = SIGNED_HEADERS,
  ): { headers: Record<string, string>; context: ChunkSigningContext } {
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
      ...extra,
      ...input.signedExtra,
    };
    if (input.signedExtra !== undefined) signedHeaders = [...signedHeaders, ...Object.keys(input.signedExtra)].sort();
    const canonical = canonicalRequest({
      method: input.method,
      canonicalUri: canonicalUri(input.path),
      canonicalQuery: canonicalQueryString(parseQuery(input.query)),
      canonicalHeaders: canonicalHeaders(headers, signedHeaders),
      signedHeaders,
      payloadHash: input.payloadHash,
    });
    const scope = credentialScope(date, this.region, S3_SERVICE);
    const signature = hmacHex(this.signingKey, stringToSign(SIGV4_ALGORITHM, amzDate, scope, canonical));
    headers.authorization =
      `${SIGV4_ALGORITHM} Credential=${this.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
    return { headers, context: { signingKey: this.signingKey as Buffer, amzDate, scope, seedSignature: signature } };
  }
}

const STREAMING_SIGNED_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
/** ";chunk-signature=" + 64 hex digits + CRLF, and the CRLF after the data */
const CHUNK_OVERHEAD = ";chunk-signature=".length + 64 + 2 + 2;

/** The wire length of `decodedLength` bytes sent in `chunkSize` chunks (Content-Length). */
export function awsChunkedLength(decodedLength: number, chunkSize: number): number {
  let total = 0;
  for (let left = decodedLength; left > 0; left -= chunkSize) {
    const n = Math.min(left, chunkSize);
    total += n.toString(16).length + CHUNK_OVERHEAD + n;
  }
  return total + 1 + CHUNK_OVERHEAD; // "0;chunk-signature=...\r\n\r\n"
}

/**
 * The wire pieces of an aws-chunked body, signed chunk by chunk as the SDKs do it (each chunk's
 * SHA-256 and HMAC computed as it is produced); the data pieces are slices of `data`, not copies.
 */
export function* awsChunkedBody(ctx: ChunkSigningContext, data: Buffer, chunkSize: number): Generator<Buffer> {
  let previous = ctx.seedSignature;
  const piece = (chunk: Buffer) => {
    const hash = createHash("sha256").update(chunk).digest("hex");
    previous = hmacHex(ctx.signingKey, chunkStringToSign(ctx, previous, hash));
    return Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`, "latin1");
  };
  for (let off = 0; off < data.length; off += chunkSize) {
    const chunk = data.subarray(off, Math.min(off + chunkSize, data.length));
    yield piece(chunk);
    yield chunk;
    yield CRLF;
  }
  yield piece(Buffer.alloc(0));
  yield CRLF;
}

const CRLF = Buffer.from("\r\n", "latin1");

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
