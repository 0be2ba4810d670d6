/**
 * Decoding of `aws-chunked` request bodies (x-amz-content-sha256 STREAMING-*), as a Transform that
 * takes the wire bytes and gives the object's bytes.
 *
 * Wire format ("Signature Calculations for the Authorization Header: Transferring Payload in
 * Multiple Chunks (Chunked Upload)" and "... Including Trailing Headers"):
 *
 *   signed:            <hex-size>;chunk-signature=<sig>\r\n<data>\r\n ... 0;chunk-signature=<sig>\r\n\r\n
 *   signed + trailer:  ... 0;chunk-signature=<sig>\r\n<name>:<value>\r\n
 *                      x-amz-trailer-signature:<sig>\r\n\r\n
 *   unsigned trailer:  <hex-size>\r\n<data>\r\n ... 0\r\n<name>:<value>\r\n\r\n
 *
 * minio-go writes its trailers as the canonical trailers ("<name>:<value>\n" each) and then CRLF:
 * "0;chunk-signature=<sig>\r\n<name>:<value>\n\r\nx-amz-trailer-signature:<sig>\r\n\r\n", and
 * unsigned "...0\r\n<name>:<value>\n\r\n\r\n". A trailer line may end in a bare LF; the empty
 * line right after such lines closes them, not the trailers.
 *
 * Chunk signatures chain from the request's seed signature:
 *   HMAC(kSigning, "AWS4-HMAC-SHA256-PAYLOAD\n" + timestamp + "\n" + scope + "\n" + previous
 *        signature + "\n" + sha256("") + "\n" + sha256(chunk data))
 * and the trailer signature from the last (zero-length) chunk's:
 *   HMAC(kSigning, "AWS4-HMAC-SHA256-TRAILER\n" + timestamp + "\n" + scope + "\n" + previous
 *        signature + "\n" + sha256(canonical trailers))
 * where the canonical trailers are "name:value\n" for each trailer, names lowercase and sorted.
 *
 * Chunk data is passed on as it arrives (nothing is buffered but a header or trailer line); each
 * chunk's signature is checked when its last byte has arrived. A failure of any kind destroys the
 * stream with an S3Error before it ends, so a consumer that sees 'end' has a fully verified body,
 * and one that sees 'error' must discard what it got (see IncomingBody in runtime/storage/types.ts).
 */
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { S3Error } from "../errors.js";
import { EMPTY_SHA256, hmacHex, sha256Hex, signaturesEqual } from "./sigv4.js";

export type ChunkedMode = "streaming-signed" | "streaming-signed-trailer" | "streaming-unsigned-trailer";

/** What the chunk signatures are computed with: from the verified request (`SignedAuth`). */
export interface ChunkSigningContext {
  signingKey: Buffer;
  /** the request's timestamp line (X-Amz-Date) */
  amzDate: string;
  /** "<yyyymmdd>/<region>/s3/aws4_request" */
  scope: string;
  /** the request's own signature */
  seedSignature: string;
}

export interface AwsChunkedOptions {
  mode: ChunkedMode;
  /** required for the signed modes */
  signing?: ChunkSigningContext;
  /** the trailer the request announced in x-amz-trailer (lowercase); no other trailer is accepted */
  expectedTrailer?: string;
  /** largest chunk accepted; default 16 MiB */
  maxChunkSize?: number;
}

export const DEFAULT_MAX_CHUNK_SIZE = 16 * 1024 * 1024;
/** A chunk header is "<hex>;chunk-signature=<64 hex>" (~90 bytes); leave room for extensions. */
const MAX_LINE = 4096;
/** the line buffer's first size: small enough for Buffer's shared pool, no allocation of its own */
const LINE_START = 256;
/** all trailer lines together */
const MAX_TRAILER_BYTES = 16 * 1024;
const TRAILER_SIGNATURE = "x-amz-trailer-signature";
const CHUNK_SIGNATURE_PREFIX = "chunk-signature=";

export function chunkStringToSign(ctx: ChunkSigningContext, previousSignature: string, chunkSha256Hex: string): string {
  return `AWS4-HMAC-SHA256-PAYLOAD\n${ctx.amzDate}\n${ctx.scope}\n${previousSignature}\n${EMPTY_SHA256}\n${chunkSha256Hex}`;
}

export function trailerStringToSign(ctx: ChunkSigningContext, previousSignature: string, canonicalTrailers: string): string {
  return `AWS4-HMAC-SHA256-TRAILER\n${ctx.amzDate}\n${ctx.scope}\n${previousSignature}\n${sha256Hex(canonicalTrailers)}`;
}

/** "name:value\n" per trailer, sorted by name: what the trailer signature covers. */
export function canonicalTrailers(trailers: Readonly<Record<string, string>>): string {
  return Object.keys(trailers)
    .sort()
    .map((name) => `${name}:${trailers[name]}\n`)
    .join("");
}

const enum State {
  /** reading "<hex-size>[;ext]\r\n" */
  ChunkHeader,
  /** passing `remaining` bytes of chunk data */
  ChunkData,
  /** expecting the "\r\n" after chunk data */
  ChunkDataCr,
  ChunkDataLf,
  /** after the zero-length chunk of the signed mode: expecting the final empty line */
  FinalLine,
  /** after the zero-length chunk of a trailer mode: trailer lines up to an empty line */
  Trailer,
  Done,
}

function incomplete(): S3Error {
  return new S3Error("IncompleteBody");
}

/**
 * S3 answers a malformed or unannounced trailer with MalformedTrailerError (400) and this message.
 * The spec's error table has no MalformedTrailerError yet, so the same message goes out under
 * InvalidRequest (also 400); switch the code here once spec/errors.tsp lists it.
 */
function malformedTrailer(): S3Error {
  return new S3Error("MalformedTrailerError");
}

export class AwsChunkedDecoder extends Transform {
  private readonly mode: ChunkedMode;
  private readonly signing?: ChunkSigningContext;
  private readonly expectedTrailer?: string;
  private readonly maxChunkSize: number;
  private readonly signed: boolean;

  private state = State.ChunkHeader;
  /** the line being read; grown up to MAX_LINE when one is longer (a chunk header is ~90 bytes) */
  private line = Buffer.allocUnsafe(LINE_START);
  private lineLength = 0;
  private remaining = 0;
  /** signature the current chunk's header announced */
  private chunkSignature = "";
  private chunkHash: Hash | undefined;
  private previousSignature: string;
  private decoded = 0;
  private encoded = 0;
  private trailerBytes = 0;
  /** bytes seen since the zero-length chunk's header line, for the no-trailer ending */
  private afterLastChunk = 0;
  private readonly parsedTrailers: Record<string, string> = {};
  private trailerSignature: string | undefined;
  /** the last trailer line ended in a bare LF (minio-go's form): the next empty line closes it */
  private bareLfTrailers = false;
  private failed = false;

  constructor(options: AwsChunkedOptions) {
    super();
    this.mode = options.mode;
    this.signed = options.mode !== "streaming-unsigned-trailer";
    if (this.signed && options.signing === undefined) {
      throw new TypeError(`aws-chunked mode ${options.mode} needs the request's signing context`);
    }
    this.signing = options.signing;
    this.previousSignature = options.signing?.seedSignature ?? "";
    this.expectedTrailer = options.expectedTrailer?.toLowerCase();
    this.maxChunkSize = options.maxChunkSize ?? DEFAULT_MAX_CHUNK_SIZE;
  }

  /** Trailer headers (lowercase names), complete once the stream has ended. */
  get trailers(): Readonly<Record<string, string>> {
    return this.parsedTrailers;
  }

  /** Wire (encoded) bytes taken in so far. */
  get encodedLength(): number {
    return this.encoded;
  }

  /** Decoded bytes passed on so far. */
  get decodedLength(): number {
    return this.decoded;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.failed) return callback();
    this.encoded += chunk.length;
    try {
      this.consume(chunk);
      callback();
    } catch (err) {
      this.failed = true;
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.failed) return callback();
    if (this.state === State.Done) return callback();
    // The JS SDK ends an unsigned-trailer body that has no trailer right after "0\r\n", without the
    // closing empty line; take that when no trailer was announced. Any other early end is S3's
    // IncompleteBody.
    if (
      this.state === State.Trailer &&
      this.mode === "streaming-unsigned-trailer" &&
      this.expectedTrailer === undefined &&
      this.afterLastChunk === 0
    ) {
      this.state = State.Done;
      return callback();
    }
    this.failed = true;
    callback(incomplete());
  }

  private consume(buf: Buffer): void {
    let pos = 0;
    const n = buf.length;
    while (pos < n) {
      switch (this.state) {
        case State.ChunkHeader: {
          const end = this.readLine(buf, pos);
          if (end < 0) return;
          pos = end;
          this.startChunk(this.takeLine());
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, n - pos);
          const data = buf.subarray(pos, pos + take);
          this.chunkHash?.update(data);
          this.remaining -= take;
          this.decoded += take;
          pos += take;
          this.push(data);
          if (this.remaining === 0) this.state = State.ChunkDataCr;
          break;
        }
        case State.ChunkDataCr:
          if (buf[pos++] !== 0x0d) throw incomplete();
          this.state = State.ChunkDataLf;
          break;
        case State.ChunkDataLf:
          if (buf[pos++] !== 0x0a) throw incomplete();
          this.endChunk();
          this.state = State.ChunkHeader;
          break;
        case State.FinalLine: {
          const end = this.readLine(buf, pos);
          if (end < 0) return;
          pos = end;
          if (this.takeLine() !== "") throw incomplete();
          this.state = State.Done;
          break;
        }
        case State.Trailer: {
          const start = pos;
          const end = this.readLine(buf, pos);
          this.afterLastChunk += (end < 0 ? n : end) - start;
          this.trailerBytes += (end < 0 ? n : end) - start;
          if (this.trailerBytes > MAX_TRAILER_BYTES) throw malformedTrailer();
          if (end < 0) return;
          pos = end;
          const bareLf = this.lineLength >= 1 && (this.lineLength < 2 || this.line[this.lineLength - 2] !== 0x0d);
          const line = bareLf ? this.takeBareLfLine() : this.takeLine();
          if (line === "" && !bareLf && this.bareLfTrailers) this.bareLfTrailers = false;
          else if (line === "") this.endTrailers();
          else {
            this.addTrailer(line);
            this.bareLfTrailers = bareLf;
          }
          break;
        }
        case State.Done:
          // Bytes after the end of the aws-chunked body: the lengths do not add up.
          throw incomplete();
      }
    }
  }

  /**
   * Appends bytes up to and including the next LF to the line buffer. Returns the position after
   * the LF, or -1 when the buffer ended first (the line continues in the next buffer).
   */
  private readLine(buf: Buffer, pos: number): number {
    const lf = buf.indexOf(0x0a, pos);
    const end = lf < 0 ? buf.length : lf + 1;
    const length = end - pos;
    const needed = this.lineLength + length;
    if (needed > MAX_LINE) {
      throw this.state === State.Trailer ? malformedTrailer() : incomplete();
    }
    if (needed > this.line.length) {
      const grown = Buffer.allocUnsafe(Math.min(MAX_LINE, Math.max(needed, 2 * this.line.length)));
      this.line.copy(grown, 0, 0, this.lineLength);
      this.line = grown;
    }
    buf.copy(this.line, this.lineLength, pos, end);
    this.lineLength += length;
    return lf < 0 ? -1 : end;
  }

  /** The buffered line without its CRLF (a line not ending in CRLF is malformed). */
  private takeLine(): string {
    const len = this.lineLength;
    this.lineLength = 0;
    if (len < 2 || this.line[len - 2] !== 0x0d) {
      throw this.state === State.Trailer ? malformedTrailer() : incomplete();
    }
    return this.line.toString("latin1", 0, len - 2);
  }

  /** A trailer line ending in LF alone (minio-go's canonical trailers), without it; never empty. */
  private takeBareLfLine(): string {
    const len = this.lineLength;
    this.lineLength = 0;
    if (len < 2) throw malformedTrailer();
    return this.line.toString("latin1", 0, len - 1);
  }

  private startChunk(header: string): void {
    const semi = header.indexOf(";");
    const sizeText = semi < 0 ? header : header.slice(0, semi);
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw incomplete();
    const size = parseInt(sizeText, 16);
    if (size > this.maxChunkSize) {
      throw new S3Error("InvalidRequest", `The chunk size exceeds the maximum of ${this.maxChunkSize} bytes.`);
    }
    if (this.signed) {
      const extension = semi < 0 ? "" : header.slice(semi + 1);
      const signature = extension.startsWith(CHUNK_SIGNATURE_PREFIX) ? extension.slice(CHUNK_SIGNATURE_PREFIX.length) : "";
      // A chunk without a readable signature cannot be verified: it does not match.
      if (!/^[0-9a-f]{64}$/.test(signature)) throw new S3Error("SignatureDoesNotMatch");
      this.chunkSignature = signature;
      // the last chunk is empty: its hash is a constant
      this.chunkHash = size === 0 ? undefined : createHash("sha256");
    }
    // Chunk extensions of the unsigned mode carry nothing S3 reads; they are ignored.
    if (size === 0) {
      this.endChunk();
      this.state = this.mode === "streaming-signed" ? State.FinalLine : State.Trailer;
      this.afterLastChunk = 0;
      return;
    }
    this.remaining = size;
    this.state = State.ChunkData;
  }

  /** Verifies the chunk just read against its announced signature and advances the chain. */
  private endChunk(): void {
    if (!this.signed) return;
    const hash = this.chunkHash === undefined ? EMPTY_SHA256 : this.chunkHash.digest("hex");
    this.chunkHash = undefined;
    const ctx = this.signing as ChunkSigningContext;
    const expected = hmacHex(ctx.signingKey, chunkStringToSign(ctx, this.previousSignature, hash));
    if (!signaturesEqual(expected, this.chunkSignature)) throw new S3Error("SignatureDoesNotMatch");
    this.previousSignature = expected;
  }

  private addTrailer(line: string): void {
    const colon = line.indexOf(":");
    const name = colon < 0 ? "" : line.slice(0, colon).trim().toLowerCase();
    if (name === "") throw malformedTrailer();
    const value = line.slice(colon + 1).trim();
    if (name === TRAILER_SIGNATURE && this.mode === "streaming-signed-trailer") {
      if (this.trailerSignature !== undefined) throw malformedTrailer();
      this.trailerSignature = value;
      return;
    }
    // Only the trailer announced in x-amz-trailer may come, once.
    if (name !== this.expectedTrailer || name in this.parsedTrailers) throw malformedTrailer();
    this.parsedTrailers[name] = value;
  }

  private endTrailers(): void {
    if (this.expectedTrailer !== undefined && !(this.expectedTrailer in this.parsedTrailers)) throw malformedTrailer();
    if (this.mode === "streaming-signed-trailer") {
      const hasTrailers = Object.keys(this.parsedTrailers).length > 0;
      if (hasTrailers || this.trailerSignature !== undefined) {
        // Trailers sent unsigned in the signed mode could be anyone's: they must be signed.
        const provided = this.trailerSignature ?? "";
        const ctx = this.signing as ChunkSigningContext;
        const expected = hmacHex(
          ctx.signingKey,
          trailerStringToSign(ctx, this.previousSignature, canonicalTrailers(this.parsedTrailers)),
        );
        if (!signaturesEqual(expected, provided)) throw new S3Error("SignatureDoesNotMatch");
      }
    }
    this.state = State.Done;
  }
}
