/**
 * The verifying request body: wraps the client's bytes (the node request) in one stream that
 * decodes aws-chunked when the payload mode says so, counts the bytes, computes the MD5 (the
 * single-part ETag; bodies that may be large are hashed side by side with the others arriving,
 * md5-lanes.ts), the SHA-256 when x-amz-content-sha256 carried one, and the checksum the client
 * asked for (x-amz-checksum-* header or trailer) or the gateway's default one; and checks them all
 * BEFORE it ends. Anything that does not verify makes the stream emit 'error' with the S3Error
 * that S3 sends, never 'end' (IncomingBody's contract, runtime/storage/types.ts): a store commits
 * an object only after 'end'.
 *
 * Two steps, as the rest of the auth layer: `bodyPlanFromHeaders` reads and validates the headers
 * (before any byte of the body is read, so a bad header is refused at once), `verifyingBody`
 * streams.
 *
 * AWS references: "PutObject" (Content-MD5, x-amz-checksum-*, x-amz-sdk-checksum-algorithm),
 * "Checking object integrity in Amazon S3" (S3 user guide), "Signature Calculations for the
 * Authorization Header: Transferring Payload in Multiple Chunks" and "... Including Trailing
 * Headers".
 */
import { createHash, type Hash } from "node:crypto";
import { finished, Transform, type Readable, type TransformCallback } from "node:stream";
import { S3Error } from "../errors.js";
import type { BodyDigests, Checksum, ChecksumAlgorithm, ChecksumChoice, IncomingBody } from "../storage/types.js";
import { AwsChunkedDecoder, type ChunkedMode, type ChunkSigningContext } from "./chunked.js";
import {
  checksumAlgorithmOfHeader,
  checksumHeaderName,
  createChecksumHasher,
  DEFAULT_CHECKSUM,
  isCanonicalBase64Of,
  isValidChecksumValue,
  parseChecksumAlgorithm,
  type ChecksumHasher,
} from "./checksums.js";
import { createMd5, type Md5 } from "./md5-lanes.js";
import { type RequestHeaders } from "./canonical.js";
import { headerString, payloadModeOf, type PayloadMode, type VerifiedAuth } from "./sigv4.js";

/** The checksum the client asked S3 to verify. */
export type RequestedChecksum =
  | { algorithm: ChecksumAlgorithm; location: "header"; /** base64, validated */ value: string }
  | { algorithm: ChecksumAlgorithm; location: "trailer" };

/** Everything the verifying body needs to know, read from the request's headers and auth. */
export interface BodyPlan {
  payload: PayloadMode;
  /** for the signed aws-chunked modes */
  signing?: ChunkSigningContext;
  /** Content-Length: the bytes on the wire (for aws-chunked, the encoded length) */
  contentLength?: number;
  /** x-amz-decoded-content-length: the object's length inside an aws-chunked body */
  decodedContentLength?: number;
  /** Content-MD5 as sent (validated base64 of 16 bytes) */
  contentMd5?: string;
  checksum?: RequestedChecksum;
  /** computed when the client asked for no checksum, so that GET can return one */
  defaultChecksum?: ChecksumAlgorithm;
  /** compute S3's default checksum besides (BodyDigests.defaultChecksum; ChecksumChoice.withDefault) */
  withDefault?: boolean;
  /**
   * the checksums to compute are chosen by the handler (IncomingBody.chooseChecksums: UploadPart,
   * whose upload names them), and defaultChecksum/withDefault with them
   */
  checksumsChosenLater?: boolean;
  /** largest aws-chunked chunk accepted (default: chunked.ts's) */
  maxChunkSize?: number;
  /**
   * The body is an envelope whose content is verified on its own (a PostObject form: its file goes
   * through a verifying body of its own): no MD5 of the whole (no ETag comes from it) unless a
   * Content-MD5 asks for one. Lengths, payload hash and checksums are still checked.
   */
  envelope?: boolean;
}

export interface BodyPlanOptions {
  defaultChecksum?: ChecksumAlgorithm;
  /** see BodyPlan.checksumsChosenLater */
  checksumsChosenLater?: boolean;
  /**
   * The request's x-amz-checksum-* headers describe the object the request makes, not its body
   * (CompleteMultipartUpload): they are left to the operation. A trailer still describes the body.
   */
  checksumHeadersDescribeObject?: boolean;
  maxChunkSize?: number;
  /** see BodyPlan.envelope */
  envelope?: boolean;
}

/** x-amz-checksum-* headers that name no body checksum (CreateMultipartUpload, GetObject). */
const NOT_A_BODY_CHECKSUM = new Set(["x-amz-checksum-type", "x-amz-checksum-algorithm", "x-amz-checksum-mode"]);
const SDK_CHECKSUM_ALGORITHM = "x-amz-sdk-checksum-algorithm";

function invalidRequest(message: string): S3Error {
  return new S3Error("InvalidRequest", message);
}

function isStreaming(payload: PayloadMode): payload is { type: ChunkedMode } {
  return payload.type.startsWith("streaming-");
}

function parseLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Reads the body-related headers into a plan, refusing bad combinations as S3 does:
 * - an x-amz-checksum-<name> for an unknown algorithm, or more than one checksum (headers and
 *   trailer together), or a value that is not base64 of the digest's length: InvalidRequest;
 * - an unknown or mismatching x-amz-sdk-checksum-algorithm, or one with no checksum: InvalidRequest;
 * - x-amz-trailer naming anything but one x-amz-checksum-*: InvalidRequest;
 * - a Content-MD5 that is not base64 of 16 bytes: InvalidDigest;
 * - an aws-chunked body without a numeric x-amz-decoded-content-length: MissingContentLength.
 */
export function bodyPlanFromHeaders(headers: RequestHeaders, auth: VerifiedAuth, options: BodyPlanOptions = {}): BodyPlan {
  const payload = auth.kind === "signed" ? auth.payload : unsignedRequestPayload(headers);
  const plan: BodyPlan = { payload };
  if (options.defaultChecksum !== undefined) plan.defaultChecksum = options.defaultChecksum;
  if (options.checksumsChosenLater === true) plan.checksumsChosenLater = true;
  if (options.maxChunkSize !== undefined) plan.maxChunkSize = options.maxChunkSize;
  if (options.envelope === true) plan.envelope = true;

  if (auth.kind === "signed" && (payload.type === "streaming-signed" || payload.type === "streaming-signed-trailer")) {
    plan.signing = {
      signingKey: auth.signingKey,
      amzDate: auth.amzDate,
      scope: auth.scope,
      seedSignature: auth.seedSignature,
    };
  }

  const contentLength = parseLength(headerString(headers, "content-length"));
  if (contentLength !== undefined) plan.contentLength = contentLength;
  if (isStreaming(payload)) {
    const decoded = parseLength(headerString(headers, "x-amz-decoded-content-length"));
    if (decoded === undefined) throw new S3Error("MissingContentLength");
    plan.decodedContentLength = decoded;
  }

  const md5 = headerString(headers, "content-md5");
  if (md5 !== undefined) {
    if (!isCanonicalBase64Of(md5.trim(), 16)) throw new S3Error("InvalidDigest");
    plan.contentMd5 = md5.trim();
  }

  const checksum = requestedChecksum(headers, payload, options.checksumHeadersDescribeObject === true, plan.contentMd5);
  if (checksum !== undefined) plan.checksum = checksum;
  return plan;
}

/**
 * The payload mode of a request whose signature covers no payload (an anonymous one, or one signed
 * with SigV2): it may still protect its body, a hash in x-amz-content-sha256 is verified and an
 * unsigned aws-chunked body is decoded. Signed chunks chain from a SigV4 signature: refused.
 */
export function unsignedRequestPayload(headers: RequestHeaders): PayloadMode {
  const value = headerString(headers, "x-amz-content-sha256");
  if (value === undefined) return { type: "unsigned" };
  const mode = payloadModeOf(value);
  if (mode.type === "streaming-signed" || mode.type === "streaming-signed-trailer") {
    throw invalidRequest(`x-amz-content-sha256 ${value} requires a request signed with AWS Signature Version 4.`);
  }
  return mode;
}

function requestedChecksum(
  headers: RequestHeaders,
  payload: PayloadMode,
  headersDescribeObject: boolean,
  contentMd5: string | undefined,
): RequestedChecksum | undefined {
  const inHeaders: { algorithm: ChecksumAlgorithm; name: string; value: string }[] = [];
  for (const name of headersDescribeObject ? [] : Object.keys(headers)) {
    if (!name.startsWith("x-amz-checksum-") || NOT_A_BODY_CHECKSUM.has(name) || headers[name] === undefined) continue;
    const algorithm = checksumAlgorithmOfHeader(name);
    if (algorithm === undefined) throw invalidRequest("The algorithm type you specified in x-amz-checksum- header is invalid.");
    inHeaders.push({ algorithm, name, value: (headerString(headers, name) as string).trim() });
  }

  let trailer: ChecksumAlgorithm | undefined;
  const trailerHeader = headerString(headers, "x-amz-trailer");
  if (trailerHeader !== undefined && trailerHeader.trim() !== "") {
    trailer = checksumAlgorithmOfHeader(trailerHeader.trim());
    if (trailer === undefined) throw invalidRequest("The value specified in the x-amz-trailer header is not supported");
    if (payload.type !== "streaming-signed-trailer" && payload.type !== "streaming-unsigned-trailer") {
      throw invalidRequest(
        "x-amz-trailer requires x-amz-content-sha256 STREAMING-UNSIGNED-PAYLOAD-TRAILER or " +
          "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER.",
      );
    }
  }

  if (inHeaders.length + (trailer === undefined ? 0 : 1) > 1) {
    throw invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
  }
  const header = inHeaders[0];
  if (header !== undefined && !isValidChecksumValue(header.algorithm, header.value)) {
    throw invalidRequest(`Value for ${header.name} header is invalid.`);
  }

  const sdkValue = headerString(headers, SDK_CHECKSUM_ALGORITHM);
  if (sdkValue !== undefined) {
    const sdk = parseChecksumAlgorithm(sdkValue);
    const chosen = header?.algorithm ?? trailer;
    if (sdk === undefined || (chosen !== undefined && chosen !== sdk)) {
      throw invalidRequest(`Value for ${SDK_CHECKSUM_ALGORITHM} header is invalid.`);
    }
    // The AWS SDK for JavaScript v3 sends ChecksumAlgorithm MD5 as Content-MD5 (its checksum location
    // for MD5): that value is the MD5 checksum asked for, verified like any other.
    if (chosen === undefined && sdk === "MD5" && contentMd5 !== undefined) {
      return { algorithm: "MD5", location: "header", value: contentMd5 };
    }
    if (chosen === undefined) {
      throw invalidRequest(
        "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.",
      );
    }
  }

  if (header !== undefined) return { algorithm: header.algorithm, location: "header", value: header.value };
  if (trailer !== undefined) return { algorithm: trailer, location: "trailer" };
  return undefined;
}

/**
 * Wraps `source` (the request) per `plan`. The caller keeps owning `source`: when the body fails,
 * `source` is unpiped but neither drained nor destroyed (the server decides whether to read the
 * rest or close the connection).
 */
export function verifyingBody(source: Readable, plan: BodyPlan): IncomingBody {
  const decoder = isStreaming(plan.payload)
    ? new AwsChunkedDecoder({
        mode: plan.payload.type,
        signing: plan.signing,
        expectedTrailer: plan.checksum?.location === "trailer" ? checksumHeaderName(plan.checksum.algorithm) : undefined,
        maxChunkSize: plan.maxChunkSize,
      })
    : undefined;
  const verifier = new BodyVerifier(plan, decoder);
  // A small body can arrive, fail verification and emit 'error' before the store starts reading it
  // (while the handler still waits on storage, e.g. for the bucket). The failure stays on the
  // stream (destroyed, `errored`) for whoever reads it later; it must not crash the process.
  verifier.on("error", () => {});

  // A client that goes away mid-body ends the source with an error or a premature close. A source
  // that fails with an S3 error of its own (a PostObject form's file, runtime/form-data.ts) keeps it.
  finished(source, { writable: false }, (err) => {
    if (err) verifier.destroy(err instanceof S3Error ? err : new S3Error("IncompleteBody"));
  });
  if (decoder !== undefined) {
    decoder.on("error", (err) => verifier.destroy(err));
    source.pipe(decoder).pipe(verifier);
  } else {
    source.pipe(verifier);
  }
  const expectedSize = decoder !== undefined ? plan.decodedContentLength : plan.contentLength;
  return {
    stream: verifier,
    digests: () => verifier.digests(),
    ...(expectedSize !== undefined ? { expectedSize } : {}),
    ...(plan.checksumsChosenLater === true && { chooseChecksums: (choice: ChecksumChoice) => verifier.chooseChecksums(choice) }),
  };
}

/** One pass over the decoded bytes: count, hash, and check everything in flush, before 'end'. */
class BodyVerifier extends Transform {
  private readonly md5?: Md5;
  private readonly sha256?: Hash;
  private checksum?: ChecksumHasher;
  /** S3's default checksum, besides a `checksum` of another algorithm (plan.withDefault) */
  private defaultHasher?: ChecksumHasher;
  /**
   * Until the checksums are chosen (plan.checksumsChosenLater): the bytes passed on meanwhile, to be
   * hashed then. Few: nothing reads the body before the choice, so backpressure stops the source.
   */
  private unhashed?: Buffer[];
  /** the end of a body that ended before its checksums were chosen */
  private flushWhenChosen?: TransformCallback;
  /** decoded bytes the body must have, when known */
  private readonly expectedLength?: number;
  private size = 0;
  private result?: BodyDigests;

  /**
   * The checksum is SHA256 and the payload hash is verified: both are the SHA-256 of the same
   * bytes (what the SDKs send for ChecksumAlgorithm SHA256 over a signed payload), so one hash
   * pass serves both.
   */
  private checksumIsPayloadHash = false;

  constructor(
    private plan: BodyPlan,
    private readonly decoder: AwsChunkedDecoder | undefined,
  ) {
    super();
    this.expectedLength = decoder !== undefined ? plan.decodedContentLength : plan.contentLength;
    if (plan.envelope !== true || plan.contentMd5 !== undefined) this.md5 = createMd5(this.expectedLength);
    if (plan.payload.type === "sha256") this.sha256 = createHash("sha256");
    if (plan.checksumsChosenLater === true) this.unhashed = [];
    else this.startChecksums();
  }

  private startChecksums(): void {
    const algorithm = this.plan.checksum?.algorithm ?? this.plan.defaultChecksum;
    if (algorithm === "SHA256" && this.sha256 !== undefined) this.checksumIsPayloadHash = true;
    else if (algorithm !== undefined) this.checksum = createChecksumHasher(algorithm);
    if (this.plan.withDefault === true && algorithm !== DEFAULT_CHECKSUM) this.defaultHasher = createChecksumHasher(DEFAULT_CHECKSUM);
  }

  /**
   * IncomingBody.chooseChecksums, once. The body's end waits for it (a handler that made the plan
   * chooses before it hands the body to storage, which reads it to its end).
   */
  chooseChecksums(choice: ChecksumChoice): void {
    const unhashed = this.unhashed;
    if (unhashed === undefined) throw new Error("a body's checksums are chosen once, before it is read");
    this.unhashed = undefined;
    this.plan = {
      ...this.plan,
      ...(choice.fallback !== undefined && { defaultChecksum: choice.fallback }),
      ...(choice.withDefault === true && { withDefault: true }),
    };
    this.startChecksums();
    for (const chunk of unhashed) {
      this.checksum?.update(chunk);
      this.defaultHasher?.update(chunk);
    }
    const flush = this.flushWhenChosen;
    this.flushWhenChosen = undefined;
    if (flush !== undefined) this._flush(flush);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.expectedLength !== undefined && this.size > this.expectedLength) {
      // More than announced: the body and its length header disagree.
      return callback(new S3Error("IncompleteBody"));
    }
    this.md5?.update(chunk);
    this.sha256?.update(chunk);
    if (this.unhashed !== undefined) {
      this.unhashed.push(chunk);
    } else {
      this.checksum?.update(chunk);
      this.defaultHasher?.update(chunk);
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.unhashed !== undefined) {
      this.flushWhenChosen = callback;
      return;
    }
    const finish = (md5?: Buffer) => {
      try {
        this.result = this.verify(md5);
        callback();
      } catch (err) {
        callback(err as Error);
      }
    };
    // a body hashed in the lanes gets its MD5 with the other bodies ending in this turn
    if (this.md5?.digestSoon !== undefined) this.md5.digestSoon(finish);
    else finish(this.md5?.digest());
  }

  /** `md5`: the body's MD5, when it is computed (not for an envelope) */
  private verify(md5Digest: Buffer | undefined): BodyDigests {
    const plan = this.plan;
    if (this.expectedLength !== undefined && this.size !== this.expectedLength) throw new S3Error("IncompleteBody");
    if (this.decoder !== undefined && plan.contentLength !== undefined && this.decoder.encodedLength !== plan.contentLength) {
      throw new S3Error("IncompleteBody");
    }

    let payloadDigest: Buffer | undefined;
    if (this.sha256 !== undefined && plan.payload.type === "sha256") {
      payloadDigest = this.sha256.digest();
      const computed = payloadDigest.toString("hex");
      if (computed !== plan.payload.hex) {
        throw new S3Error("XAmzContentSHA256Mismatch", undefined, {
          ClientComputedContentSHA256: plan.payload.hex,
          S3ComputedContentSHA256: computed,
        });
      }
    }

    let checksum: Checksum | undefined;
    const checksumDigest = this.checksumIsPayloadHash ? payloadDigest : this.checksum?.digest();
    if (checksumDigest !== undefined) {
      const algorithm = this.checksumIsPayloadHash ? "SHA256" : (this.checksum as ChecksumHasher).algorithm;
      const value = checksumDigest.toString("base64");
      const requested = plan.checksum;
      if (requested !== undefined) {
        const sent = requested.location === "header" ? requested.value : this.trailerValue(requested.algorithm);
        if (sent !== value) {
          throw new S3Error("BadDigest", `The ${requested.algorithm} you specified did not match the calculated checksum.`);
        }
      }
      checksum = { algorithm, value, type: "FULL_OBJECT" };
    }

    // an envelope's digests name no object: its MD5, when not computed, is empty
    const md5 = md5Digest ?? Buffer.alloc(0);
    if (plan.contentMd5 !== undefined && md5.toString("base64") !== plan.contentMd5) {
      throw new S3Error("BadDigest", "The Content-MD5 you specified did not match what we received.");
    }

    const digests: BodyDigests = { size: this.size, md5 };
    if (checksum !== undefined) digests.checksum = checksum;
    if (this.defaultHasher !== undefined) {
      digests.defaultChecksum = { algorithm: DEFAULT_CHECKSUM, value: this.defaultHasher.digest().toString("base64"), type: "FULL_OBJECT" };
    } else if (plan.withDefault === true && checksum?.algorithm === DEFAULT_CHECKSUM) {
      digests.defaultChecksum = checksum;
    }
    return digests;
  }

  /** The checksum the trailer carried (the decoder has made sure it came, and only it). */
  private trailerValue(algorithm: ChecksumAlgorithm): string {
    const name = checksumHeaderName(algorithm);
    const value = this.decoder?.trailers[name];
    if (value === undefined || !isValidChecksumValue(algorithm, value)) {
      throw invalidRequest(`Value for ${name} trailing header is invalid.`);
    }
    return value;
  }

  digests(): BodyDigests {
    if (this.result === undefined) throw new Error("digests() called before the body stream ended");
    return this.result;
  }
}
