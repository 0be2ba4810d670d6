/**
 * The bytes [start, end] (inclusive) of one segment file, read in chunks of up to READ_CHUNK into
 * Buffers of a shared pool that a response gives back once it has written them
 * (runtime/body-buffers.ts): a large GET then allocates next to nothing, where fs.createReadStream
 * allocated a new Buffer per read and made V8 collect its whole heap every few tens of MiB served.
 *
 * Like fs.createReadStream with start and end: the stream opens the file when first read, ends
 * after `end` or at the file's end (a short file ends early: the caller compares what it got with
 * what it planned, segment-stream.ts), fails with the open's or a read's error, and closes the
 * descriptor however it ends.
 */
import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { BufferPool, recycleWhenWritten } from "../../body-buffers.js";

/**
 * Read size for segment files: 1 MiB reads stream a large object with a quarter of the syscalls and
 * stream hand-offs of 256 KiB ones (64 MiB GET measured ~1.4x faster here); a short range reads less.
 */
export const READ_CHUNK = 1024 * 1024;

/**
 * Reads shorter than this get a Buffer of their own size (a small range should not hold a 1 MiB
 * Buffer while it is written); longer ones a pooled READ_CHUNK Buffer.
 */
const POOLED_FROM = 64 * 1024;

/**
 * Up to 16 MiB of read Buffers kept between GETs per process: what four 64 MiB GETs in flight use
 * at once (one chunk read ahead, one queued in the body stream, one or two being written).
 */
export const readBuffers = new BufferPool(READ_CHUNK, 16);

export class SegmentReadStream extends Readable {
  private file: FileHandle | undefined;
  private position: number;

  constructor(
    private readonly path: string,
    start: number,
    private readonly end: number,
    private readonly pool: BufferPool = readBuffers,
  ) {
    super({ highWaterMark: READ_CHUNK });
    this.position = start;
  }

  override _construct(callback: (err?: Error | null) => void): void {
    open(this.path, "r").then(
      (file) => {
        this.file = file;
        callback();
      },
      (err: Error) => callback(err),
    );
  }

  override _read(): void {
    const want = Math.min(READ_CHUNK, this.end - this.position + 1);
    if (want <= 0) {
      this.push(null);
      return;
    }
    const pooled = want >= POOLED_FROM;
    const buf = pooled ? this.pool.take() : Buffer.allocUnsafe(want);
    this.file!.read(buf, 0, want, this.position).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) {
          if (pooled) this.pool.give(buf);
          this.push(null);
          return;
        }
        this.position += bytesRead;
        const chunk = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
        if (pooled) recycleWhenWritten(chunk, () => this.pool.give(buf));
        this.push(chunk);
      },
      (err: Error) => {
        if (pooled) this.pool.give(buf);
        this.destroy(err);
      },
    );
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const file = this.file;
    this.file = undefined;
    if (file === undefined) {
      callback(err);
      return;
    }
    file.close().then(
      () => callback(err),
      (closeErr: Error) => callback(err ?? closeErr),
    );
  }
}
