/** Test helpers for the auth layer: fixtures, an aws-chunked encoder (the client side), stream
 * plumbing and a seeded random source so failures reproduce. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Readable } from "node:stream";
import type { RequestHeaders } from "../../runtime/auth/canonical.js";
import type { SigV4Request } from "../../runtime/auth/sigv4.js";
import { hmacHex, sha256Hex } from "../../runtime/auth/sigv4.js";
import {
  canonicalTrailers,
  chunkStringToSign,
  trailerStringToSign,
  type ChunkSigningContext,
} from "../../runtime/auth/chunked.js";

export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

export function readFixture(relative: string): string {
  return readFileSync(FIXTURES + relative, "utf8");
}

/** A raw HTTP/1.1 request of the AWS test suite (.req), as the gateway would receive it. */
export interface SuiteRequest extends SigV4Request {
  body: string;
}

export function parseSuiteRequest(text: string): SuiteRequest {
  const blank = text.indexOf("\n\n");
  const head = blank < 0 ? text : text.slice(0, blank);
  const body = blank < 0 ? "" : text.slice(blank + 2);
  const [requestLine, ...headerLines] = head.split("\n");
  // "GET /example space/ HTTP/1.1": the target may itself contain spaces.
  const method = requestLine.slice(0, requestLine.indexOf(" "));
  const target = requestLine.slice(method.length + 1, requestLine.lastIndexOf(" "));
  const q = target.indexOf("?");
  const headers: Record<string, string | string[]> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1);
    const prev = headers[name];
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return {
    method,
    rawPath: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? "" : target.slice(q + 1),
    headers: headers as RequestHeaders,
    body,
  };
}

/** mulberry32: a small seeded PRNG, so a failing random case can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBuffer(rand: () => number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** Splits `data` at random points (pieces of 0..maxPiece bytes; empty pieces included). */
export function randomSplit(data: Buffer, rand: () => number, maxPiece: number): Buffer[] {
  const pieces: Buffer[] = [];
  let pos = 0;
  while (pos < data.length) {
    const n = Math.floor(rand() * (maxPiece + 1));
    pieces.push(data.subarray(pos, pos + n));
    pos += n;
  }
  return pieces;
}

export function bytewise(data: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i++) pieces.push(data.subarray(i, i + 1));
  return pieces;
}

/** A source that yields the given buffers one by one (each its own 'data' event). */
export function sourceOf(pieces: readonly Buffer[]): Readable {
  return Readable.from(pieces.filter((p) => p.length > 0), { objectMode: false });
}

export interface StreamOutcome {
  data: Buffer;
  ended: boolean;
  error?: Error & { code?: string; fields?: Record<string, string | number> };
}

/** Reads a stream to its end or its error, recording which happened ('end' and 'error' are
 * mutually exclusive for a verifying stream, and the tests check that). */
export function drain(stream: Readable): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let ended = false;
    let error: StreamOutcome["error"];
    stream.on("data", (c: Buffer) => parts.push(c));
    stream.on("end", () => {
      ended = true;
    });
    stream.on("error", (e) => {
      error = e as StreamOutcome["error"];
    });
    stream.on("close", () => resolve({ data: Buffer.concat(parts), ended, error }));
  });
}

/**
 * The client side of aws-chunked, written from the AWS documentation ("Transferring Payload in
 * Multiple Chunks", "Including Trailing Headers"): with `signing`, chunk signatures chained from
 * the seed (and a signed trailer); without, the unsigned-trailer form.
 */
export function encodeAwsChunked(
  chunks: readonly Uint8Array[],
  options: { signing?: ChunkSigningContext; trailers?: Record<string, string> } = {},
): Buffer {
  const parts: Buffer[] = [];
  let previous = options.signing?.seedSignature ?? "";
  const header = (data: Uint8Array) => {
    if (options.signing === undefined) return `${data.length.toString(16)}\r\n`;
    previous = hmacHex(options.signing.signingKey, chunkStringToSign(options.signing, previous, sha256Hex(data)));
    return `${data.length.toString(16)};chunk-signature=${previous}\r\n`;
  };
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    parts.push(Buffer.from(header(chunk), "latin1"), Buffer.from(chunk), Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(header(new Uint8Array(0)), "latin1"));
  if (options.trailers === undefined) {
    parts.push(Buffer.from("\r\n"));
  } else {
    let text = "";
    for (const [name, value] of Object.entries(options.trailers)) text += `${name}:${value}\r\n`;
    if (options.signing !== undefined) {
      const lower = Object.fromEntries(Object.entries(options.trailers).map(([k, v]) => [k.toLowerCase(), v]));
      const signature = hmacHex(options.signing.signingKey, trailerStringToSign(options.signing, previous, canonicalTrailers(lower)));
      text += `x-amz-trailer-signature:${signature}\r\n`;
    }
    parts.push(Buffer.from(text + "\r\n", "latin1"));
  }
  return Buffer.concat(parts);
}

/** Splits `data` into chunks of the given sizes (the last one takes the rest). */
export function chunksOf(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < data.length; pos += size) out.push(data.subarray(pos, pos + size));
  return out;
}
