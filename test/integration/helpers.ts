/**
 * What the integration suites share: S3 error assertions, digests computed independently of the
 * gateway (node:crypto, node:zlib and a bitwise CRC32C written from its definition), bodies that make
 * the SDK use aws-chunked uploads, and raw signed HTTP requests for what the SDK cannot show (the XML
 * of an error body, a Host header of our choosing, a body the SDK would never send).
 */
import { Crc64NvmeJs } from "@aws-sdk/checksums/crc";
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { Readable } from "node:stream";
import zlib from "node:zlib";
import { GetObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { SignatureV4 } from "@smithy/signature-v4";
import { expect } from "vitest";
import type { RunningGateway } from "../support/server.js";
import { ON_OZONE } from "../support/ozone.js";
import { ozoneMultipartEtag } from "../../runtime/storage/ozone/store.js";

export const REGION = "us-east-1";

/** A bucket name no other test of the file uses. */
export function bucketName(label: string): string {
  return `${label}-${randomBytes(4).toString("hex")}`.toLowerCase();
}

/**
 * Runs `promise`, which must fail with the S3 error `code` and HTTP `status`; returns the error.
 * Every S3 error must carry the request id (x-amz-request-id) too.
 */
export async function expectS3Error(promise: Promise<unknown>, code: string, status: number): Promise<S3ServiceException> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  expect(error, `expected ${code} (${status}), but the request succeeded`).toBeDefined();
  expect(error).toBeInstanceOf(S3ServiceException);
  const e = error as S3ServiceException;
  expect({ name: e.name, status: e.$metadata.httpStatusCode }).toEqual({ name: code, status });
  expect(e.$metadata.requestId).toMatch(/\S/);
  return e;
}

/**
 * For answers without a body (HEAD errors, 304): the SDK can only name them from the status ("NotFound"
 * for 404, "Unknown" for the rest, whatever the server), so the status is what is checked.
 */
export async function expectBodilessError(promise: Promise<unknown>, status: number): Promise<S3ServiceException> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  expect(error, `expected HTTP ${status}, but the request succeeded`).toBeInstanceOf(S3ServiceException);
  const e = error as S3ServiceException;
  expect(e.$metadata.httpStatusCode).toBe(status);
  expect(e.$metadata.requestId).toMatch(/\S/);
  return e;
}

/** GetObject of `key` (with `extra` members, e.g. Range), its body read whole: the answer and the bytes. */
export async function getObjectBytes(s3: S3Client, bucket: string, key: string, extra: Record<string, unknown> = {}) {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return { res, body: Buffer.from(await res.Body!.transformToByteArray()) };
}

export function md5Hex(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

export function md5Base64(data: Uint8Array): string {
  return createHash("md5").update(data).digest("base64");
}

/**
 * The ETag S3 gives a multipart object: MD5 of the concatenated binary part MD5s, "-", part count.
 * On Ozone the OM makes it, its own way, from every part `uploaded` (see ozoneMultipartEtag).
 */
export function multipartEtag(parts: readonly Uint8Array[], uploaded: readonly Uint8Array[] = parts): string {
  if (ON_OZONE) return `"${ozoneMultipartEtag(uploaded.map(md5Hex))}"`;
  const concatenated = Buffer.concat(parts.map((p) => createHash("md5").update(p).digest()));
  return `"${md5Hex(concatenated)}-${parts.length}"`;
}

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit: slow and obviously right. */
function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function be32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export type Algorithm = "CRC32" | "CRC32C" | "SHA1" | "SHA256";

/** The raw big-endian digest of `data`. */
export function digest(algorithm: Algorithm, data: Uint8Array): Buffer {
  switch (algorithm) {
    case "CRC32":
      return be32(zlib.crc32(data));
    case "CRC32C":
      return be32(crc32c(data));
    case "SHA1":
      return createHash("sha1").update(data).digest();
    case "SHA256":
      return createHash("sha256").update(data).digest();
  }
}

/** S3's default checksum (CRC64NVME) of `data`, base64, by AWS's own JS implementation (not the gateway's). */
export async function crc64nvmeOf(data: Uint8Array): Promise<string> {
  const crc = new Crc64NvmeJs();
  crc.update(data);
  return Buffer.from(await crc.digest()).toString("base64");
}

/** The value of x-amz-checksum-<algorithm> for `data`. */
export function checksumOf(algorithm: Algorithm, data: Uint8Array): string {
  return digest(algorithm, data).toString("base64");
}

/** A stream body: the SDK sends it aws-chunked with its checksum in a trailer (given ContentLength). */
export function streamOf(data: Uint8Array, pieces = 3): Readable {
  const size = Math.max(1, Math.ceil(data.length / pieces));
  const chunks: Buffer[] = [];
  for (let pos = 0; pos < data.length; pos += size) chunks.push(Buffer.from(data.subarray(pos, pos + size)));
  return Readable.from(chunks);
}

/** Deterministic, incompressible-looking bytes. */
export function bytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RawRequest {
  method: string;
  /** the path as it goes on the wire (already percent-encoded) */
  path: string;
  /** decoded query parameters; null for a name without a value */
  query?: Record<string, string | null>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** the Host header (default 127.0.0.1:<port>) */
  host?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** leave the request unsigned */
  unsigned?: boolean;
  /** sign as of this time (default: now) */
  signingDate?: Date;
}

/** The SDK's query escaping (encodeURIComponent plus !'()*), which SigV4 canonicalisation expects. */
export function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function wireQuery(query: Record<string, string | null> | undefined): string {
  return Object.entries(query ?? {})
    .map(([k, v]) => (v === null ? escapeUri(k) : `${escapeUri(k)}=${escapeUri(v)}`))
    .join("&");
}

export function signer(credentials: { accessKeyId: string; secretAccessKey: string }): SignatureV4 {
  return new SignatureV4({ credentials, region: REGION, service: "s3", sha256: S3Sha256, uriEscapePath: false, applyChecksum: false });
}

/** The SDK's SHA-256 constructor, as S3Client is configured with it. */
const S3Sha256 = new S3Client({ region: REGION }).config.sha256;

/** Sends one request, signed with SigV4 (header form) unless `unsigned`, to the gateway's port. */
export async function rawRequest(gw: RunningGateway, req: RawRequest): Promise<RawResponse> {
  const host = req.host ?? `127.0.0.1:${gw.port}`;
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  let headers: Record<string, string> = { host, ...(req.headers ?? {}) };
  if (body !== undefined && headers["content-length"] === undefined) headers["content-length"] = String(body.length);
  if (!req.unsigned) {
    if (headers["x-amz-content-sha256"] === undefined) {
      headers["x-amz-content-sha256"] = createHash("sha256").update(body ?? Buffer.alloc(0)).digest("hex");
    }
    const [hostname, port] = host.split(":");
    const signed = await signer(req.credentials ?? gw).sign({
      method: req.method,
      protocol: "http:",
      hostname,
      port: port ? Number(port) : undefined,
      path: req.path,
      // a bare `?name` is canonicalised as `name=`
      query: Object.fromEntries(Object.entries(req.query ?? {}).map(([k, v]) => [k, v ?? ""])),
      headers,
      body,
    }, { signingDate: req.signingDate });
    headers = signed.headers as Record<string, string>;
  }
  const q = wireQuery(req.query);
  return send({ port: gw.port, method: req.method, path: q ? `${req.path}?${q}` : req.path, headers, body });
}

/** The headers of a request to `path` signed with SigV4 (header form), for sending by hand. */
export async function signedHeaders(
  gw: RunningGateway,
  method: string,
  path: string,
  headers: Record<string, string>,
  query: Record<string, string> = {},
): Promise<Record<string, string>> {
  const signed = await signer(gw).sign({
    method,
    protocol: "http:",
    hostname: "127.0.0.1",
    port: gw.port,
    path,
    query,
    headers: { host: `127.0.0.1:${gw.port}`, ...headers },
  });
  return signed.headers as Record<string, string>;
}

/**
 * Starts a signed UNSIGNED-PAYLOAD request announcing `length` body bytes and returns it unended:
 * the test writes what it wants and ends or destroys it (answerOf reads its answer).
 */
export async function openRequest(
  gw: RunningGateway,
  method: string,
  path: string,
  query: Record<string, string>,
  length: number,
): Promise<http.ClientRequest> {
  const signed = await signedHeaders(gw, method, path, { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": String(length) }, query);
  const q = new URLSearchParams(query).toString();
  const req = http.request({
    host: "127.0.0.1",
    port: gw.port,
    method,
    path: q ? `${path}?${q}` : path,
    headers: signed,
    agent: false,
  });
  req.on("error", () => undefined); // destroyed on purpose
  return req;
}

/** The answer to a request from openRequest. */
export function answerOf(req: http.ClientRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    req.on("response", (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () => {
        const body = Buffer.concat(parts);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString() });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** A presigned URL (query-string SigV4) for a GET or HEAD of `path`. */
export async function presignedUrl(
  gw: RunningGateway,
  path: string,
  opts: { method?: string; expiresIn?: number; signingDate?: Date; query?: Record<string, string> } = {},
): Promise<string> {
  const host = `127.0.0.1:${gw.port}`;
  // As @aws-sdk/s3-request-presigner does: the payload is UNSIGNED-PAYLOAD, a value used for the
  // signature but neither signed as a header nor hoisted into the query.
  const unsigned = new Set(["x-amz-content-sha256"]);
  const signed = await signer(gw).presign(
    {
      method: opts.method ?? "GET",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: gw.port,
      path,
      query: opts.query ?? {},
      headers: { host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    },
    { expiresIn: opts.expiresIn ?? 300, signingDate: opts.signingDate, unsignableHeaders: unsigned, unhoistableHeaders: unsigned },
  );
  return `${gw.endpoint}${path}?${wireQuery(signed.query as Record<string, string>)}`;
}

/** A plain HTTP/1.1 exchange with 127.0.0.1:port; the Host header is whatever `headers` say. */
export function send(opts: { port: number; method: string; path: string; headers: Record<string, string>; body?: Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: "127.0.0.1", port: opts.port, method: opts.method, path: opts.path, headers: opts.headers, agent: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (d: Buffer) => parts.push(d));
        res.on("end", () => {
          const body = Buffer.concat(parts);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(opts.body);
  });
}

/** The text of each `<name>` element directly in an XML document (good enough for S3 error bodies). */
export function xmlElements(xml: string, name: string): string[] {
  const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, "g"))].map((m) =>
    m[1].replace(/&(amp|lt|gt|quot|apos);|&#x([0-9A-Fa-f]+);/g, (_, e: string | undefined, hex: string | undefined) =>
      e !== undefined ? entities[e] : String.fromCodePoint(parseInt(hex!, 16)),
    ),
  );
}

/**
 * Checks an S3 error body: an <Error> document with the code, a message, and the request id that
 * the x-amz-request-id header carries.
 */
export function expectErrorXml(res: RawResponse, code: string, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/xml/);
  expect(res.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Error>/);
  expect(xmlElements(res.text, "Code")).toEqual([code]);
  expect(xmlElements(res.text, "Message")[0]).toMatch(/\S/);
  const requestId = res.headers["x-amz-request-id"];
  expect(requestId).toMatch(/\S/);
  expect(xmlElements(res.text, "RequestId")).toEqual([requestId]);
}

/**
 * An S3Client for virtual-hosted-style requests to `<bucket>.<domain>`: the SDK builds and signs
 * them for the domain (which does not resolve), and this handler connects to 127.0.0.1 instead,
 * leaving the signed Host header as it is. `seen` records each request's Host header and path.
 */
export function virtualHostedClient(gw: RunningGateway, domain: string) {
  const inner = new NodeHttpHandler();
  const seen: { host: string; path: string }[] = [];
  const client = new S3Client({
    endpoint: `http://${domain}:${gw.port}`,
    region: REGION,
    forcePathStyle: false,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
    maxAttempts: 1,
    requestHandler: {
      metadata: { handlerProtocol: "http/1.1" },
      handle: (request: { hostname: string; path: string; headers: Record<string, string> }, options?: unknown) => {
        seen.push({ host: request.headers.host, path: request.path });
        request.hostname = "127.0.0.1";
        return inner.handle(request as never, options as never);
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
      destroy: () => inner.destroy(),
    } as never,
  });
  return { client, seen };
}
