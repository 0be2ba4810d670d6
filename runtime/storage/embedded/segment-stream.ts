/**
 * The byte stream of a GetObject: the requested range of an object that is a sequence of segments,
 * read one segment at a time (one file descriptor at a time, however many parts). An inline
 * segment's slice carries its bytes, copied out of SQLite when the read began (inline.ts). Piped
 * into a response that can take it, the file slices go by sendfile(2) instead (zero-copy.ts).
 */
import { Readable } from "node:stream";
import type { ServerResponse } from "node:http";
import { BufferedBody } from "../../body-buffers.js";
import { whenZeroCopy } from "../../sendfile.js";
import type { SegmentReadStream } from "./segment-read.js";
import { sendPieces, type Piece, type ZeroCopySend } from "./zero-copy.js";

/** One piece of the answer: bytes [start, end] (inclusive) of segment `id`. */
export interface SegmentSlice {
  id: string;
  start: number;
  end: number;
  /** the slice's bytes, when the segment is inline */
  data?: Buffer;
}

export interface SegmentSpan {
  id: string;
  size: number;
}

/**
 * The slices of `segments` (in object order) that cover the object bytes [start, end] inclusive.
 * Empty segments and segments outside the range contribute nothing.
 */
export function planSlices(segments: readonly SegmentSpan[], start: number, end: number): SegmentSlice[] {
  const slices: SegmentSlice[] = [];
  let offset = 0;
  for (const seg of segments) {
    const segStart = offset;
    const segEnd = offset + seg.size - 1;
    offset += seg.size;
    if (seg.size === 0 || segEnd < start || segStart > end) continue;
    slices.push({
      id: seg.id,
      start: Math.max(start, segStart) - segStart,
      end: Math.min(end, segEnd) - segStart,
    });
  }
  return slices;
}

/**
 * Concatenates the slices. `openSlice` opens one slice's bytes; it is called lazily, when the
 * previous slice is exhausted (a single slice's stream is the answer itself). A slice that yields
 * fewer bytes than planned (a file truncated behind the store's back) makes the stream fail rather
 * than silently return a short object; the slice's own stream must fail so too (segment-read.ts).
 * Slices with `data` are yielded as they are. `onClose` runs exactly once, when the stream ends,
 * fails or is destroyed by the consumer.
 */
export function concatSlices(
  slices: readonly SegmentSlice[],
  openSlice: (slice: SegmentSlice) => SegmentReadStream,
  onClose: () => void,
): Readable {
  if (slices.every((s) => s.data !== undefined)) return inMemory(slices.map((s) => s.data!), onClose);
  if (slices.length === 1) return single(openSlice(slices[0]!), onClose);
  const stream = new SliceSequence(slices, openSlice);
  let closed = false;
  stream.once("close", () => {
    if (closed) return;
    closed = true;
    onClose();
  });
  return stream;
}

async function* sliceBytes(slices: readonly SegmentSlice[], openSlice: (slice: SegmentSlice) => Readable): AsyncGenerator<Buffer> {
  for (const slice of slices) {
    if (slice.data !== undefined) {
      yield slice.data;
      continue;
    }
    const expected = slice.end - slice.start + 1;
    let got = 0;
    const source = openSlice(slice);
    try {
      for await (const chunk of source) {
        got += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    } finally {
      // runs on early termination too (consumer destroyed the stream): close the descriptor now
      source.destroy();
    }
    if (got !== expected) {
      throw new Error(`segment ${slice.id} yielded ${got} bytes where ${expected} were expected`);
    }
  }
}

/**
 * The slices one after another: read from a generator over them (one slice's stream open at a
 * time), or, piped into a response that can take it, sent by sendfile(2) (zero-copy.ts).
 */
class SliceSequence extends Readable {
  private readonly bytes: AsyncGenerator<Buffer>;
  private started = false;
  private zeroCopy: ZeroCopySend | undefined;

  constructor(
    private readonly slices: readonly SegmentSlice[],
    private readonly openSlice: (slice: SegmentSlice) => SegmentReadStream,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.bytes = sliceBytes(slices, openSlice);
  }

  override _read(): void {
    this.started = true;
    this.bytes.next().then(
      (r) => (r.done ? this.push(null) : this.push(r.value)),
      (err: Error) => this.destroy(err),
    );
  }

  override pipe<T extends NodeJS.WritableStream>(dest: T, options?: { end?: boolean }): T {
    const fresh = options?.end !== false && !this.started && this.readableFlowing === null;
    const waits =
      fresh &&
      whenZeroCopy(dest, (target) => {
        if (target === "closed") this.destroy();
        else if (this.destroyed || this.started) return;
        else if (target === "fallback") super.pipe(dest, options);
        else {
          this.started = true;
          const pieces: Piece[] = this.slices.map((s) => s.data ?? (() => this.openSlice(s)));
          this.zeroCopy = sendPieces(dest as unknown as ServerResponse, target, pieces, this, (err) => {
            this.zeroCopy = undefined;
            if (err !== undefined) return void this.destroy(err);
            this.push(null);
            this.resume();
          });
        }
      });
    return waits ? dest : super.pipe(dest, options);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.zeroCopy?.cancel();
    // the generator's finally closes the slice being read (at once when it is not started)
    this.bytes.return(undefined).then(
      () => callback(err),
      (e: Error) => callback(err ?? e),
    );
  }
}

/**
 * The stream of an answer from one file (a single-part object, or a range within one part): the
 * file's own stream, without the generator's layers (one async hop per chunk, a second stream's
 * buffering). The file's stream itself fails when the file is shorter than planned.
 */
function single(source: Readable, onClose: () => void): Readable {
  source.once("close", onClose);
  return source;
}

/** The stream of an answer held in memory (an inline object: no generator, no file), which a response may send whole. */
function inMemory(buffers: Buffer[], onClose: () => void): Readable {
  const stream = new BufferedBody(buffers);
  stream.once("close", onClose);
  return stream;
}
