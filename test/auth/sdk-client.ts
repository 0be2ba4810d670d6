/**
 * The real AWS SDK as the client side of the tests: an S3Client whose request handler captures the
 * signed request instead of sending it, and @smithy/signature-v4 for presigned URLs. What is
 * captured is turned into what the gateway receives: the wire path and query, lowercase headers,
 * the body bytes.
 */
import { Readable } from "node:stream";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import type { SigV4Request } from "../../runtime/auth/sigv4.js";

export const ACCESS_KEY = "AKIDGATEWAYTEST01";
export const SECRET = "gw/Secret+Key/ExAmPlE0123456789abcdefGHIJ";

export interface CapturedRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/** What the SDK's node handler puts on the wire for a query: its escapeUri (encodeURIComponent plus
 * !'()*) on names and values, in insertion order. */
export function sdkEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function wireQuery(query: CapturedRequest["query"]): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === null) parts.push(sdkEscape(name));
    else for (const v of Array.isArray(value) ? value : [value]) parts.push(`${sdkEscape(name)}=${sdkEscape(v)}`);
  }
  return parts.join("&");
}

export function toWire(captured: CapturedRequest): SigV4Request {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(captured.headers)) headers[k.toLowerCase()] = v;
  return { method: captured.method, rawPath: captured.path, rawQuery: wireQuery(captured.query), headers };
}

export async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body);
  const parts: Buffer[] = [];
  for await (const p of body as Readable) parts.push(Buffer.from(p as Uint8Array));
  return Buffer.concat(parts);
}

/** An S3Client that signs for real and never sends. `send` resolves with the captured request. */
export function capturingClient(config: Partial<S3ClientConfig> = {}) {
  let last: CapturedRequest | undefined;
  const client = new S3Client({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9000",
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    requestHandler: {
      handle: async (request: CapturedRequest) => {
        last = request;
        return { response: { statusCode: 200, headers: {}, body: Readable.from([]) } };
      },
    } as never,
    ...config,
  });
  return {
    client,
    /** `command`: any S3 command object (PutObjectCommand, ...) */
    async capture(command: object): Promise<CapturedRequest> {
      last = undefined;
      try {
        await client.send(command as Parameters<S3Client["send"]>[0]);
      } catch {
        // the empty canned response may not deserialize for every operation; the request is what counts
      }
      if (last === undefined) throw new Error("the SDK sent nothing");
      return last;
    },
  };
}

/** The SDK's own SHA-256 (the one S3Client is configured with). */
export const sdkSha256 = new S3Client({ region: "us-east-1" }).config.sha256;

/** A SigV4 signer configured as S3 clients configure it: service s3, path not re-escaped. */
export function s3Signer(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET }, region = "us-east-1") {
  return new SignatureV4({ credentials, region, service: "s3", sha256: sdkSha256, uriEscapePath: false });
}
