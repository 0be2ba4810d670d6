/**
 * Test bodies for StorageClient writes: an IncomingBody over a Buffer or an (async) iterable of
 * chunks, computing its own MD5, size and optionally a SHA checksum, like the runtime's verifying
 * stream does. It can be told to fail at a byte offset, the way a body fails verification.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";

import type { BodyDigests, Checksum, IncomingBody } from "../../runtime/storage/types.js";

export interface TestBodyOptions {
  /** emit this many bytes, then fail the stream with `error` */
  errorAt?: number;
  /** the error the stream fails with (default: a new Error) */
  error?: Error;
  /** split a Buffer body into chunks of this size (default 64 KiB) */
  chunkSize?: number;
  /** compute a checksum of this algorithm (the SHA ones: node:crypto has them) */
  checksumAlgorithm?: "SHA1" | "SHA256";
  /** report this checksum instead (e.g. one computed by the test) */
  checksum?: Checksum;
  /** report this as S3's default checksum computed besides (BodyDigests.defaultChecksum) */
  defaultChecksum?: Checksum;
}

export function bodyFromBuffer(data: Buffer, options: TestBodyOptions = {}): IncomingBody {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  function* chunks(): Generator<Buffer> {
    for (let off = 0; off < data.length; off += chunkSize) yield data.subarray(off, off + chunkSize);
  }
  return bodyFromChunks(chunks(), options);
}

export function bodyFromChunks(source: Iterable<Buffer> | AsyncIterable<Buffer>, options: TestBodyOptions = {}): IncomingBody {
  const md5 = createHash("md5");
  const sha = options.checksumAlgorithm
    ? createHash(options.checksumAlgorithm === "SHA1" ? "sha1" : "sha256")
    : undefined;
  let size = 0;
  let ended = false;

  async function* bytes(): AsyncGenerator<Buffer> {
    if (options.errorAt === 0) throw options.error ?? new Error("test body failed verification");
    for await (const chunk of source) {
      let piece = chunk;
      const failing = options.errorAt !== undefined && size + chunk.length >= options.errorAt;
      if (failing) piece = chunk.subarray(0, options.errorAt! - size);
      md5.update(piece);
      sha?.update(piece);
      size += piece.length;
      if (piece.length > 0) yield piece;
      if (failing) throw options.error ?? new Error("test body failed verification");
    }
    ended = true;
  }

  let digests: BodyDigests | undefined;
  return {
    stream: Readable.from(bytes(), { objectMode: false }),
    digests(): BodyDigests {
      if (!ended) throw new Error("digests() called before the body stream ended");
      digests ??= {
        size,
        md5: md5.digest(),
        ...(options.checksum !== undefined
          ? { checksum: options.checksum }
          : sha !== undefined
            ? { checksum: { algorithm: options.checksumAlgorithm!, value: sha.digest("base64"), type: "FULL_OBJECT" } }
            : {}),
        ...(options.defaultChecksum !== undefined && { defaultChecksum: options.defaultChecksum }),
      };
      return digests;
    },
  };
}

/** Reads a stream to the end. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A body that yields `head`, then waits until `release()` is called before yielding `tail`: lets a
 * test hold a write in the middle of its body (to race it against another operation).
 */
export function gatedBody(head: Buffer, tail: Buffer, options: TestBodyOptions = {}): { body: IncomingBody; release(): void; started: Promise<void> } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  async function* chunks(): AsyncGenerator<Buffer> {
    markStarted();
    yield head;
    await gate;
    yield tail;
  }
  return { body: bodyFromChunks(chunks(), options), release, started };
}
