/**
 * The bytes [start, end] (inclusive) of one segment file, read in chunks of up to READ_CHUNK into
 * Buffers of a shared pool that a response gives back once it has written them
 * (runtime/body-buffers.ts): a large GET then allocates next to nothing, where fs.createReadStream
 * allocated a new Buffer per read and made V8 collect its whole heap every few tens of MiB served.
 *
 * Like fs.createReadStream with start and end: the stream opens the file when first read, fails
 * with the open's or a read's error, and closes the descriptor however it ends (after an open or a
 * read still in flight, so that the descriptor's number is never reused under a read). Unlike it,
 * a file that ends before `end` is an error, not a short stream: the store planned the range from
 * the segment's size in its database, so a shorter file was cut behind its back, and a response
 * that ended early with the bytes it had would look whole to a client that does not count them.
 *
 * It uses fs's callback calls on a plain descriptor: a FileHandle's promises cost a 1 MiB GET more
 * of the event loop than the three calls themselves (bench/cpu get1m).
 *
 * Given an OpenSegments (segment-fds.ts), the stream takes its descriptor from there and gives it
 * back however it ends (marked failed after a failed or short read), instead of opening and
 * closing the file itself.
 */
import { close, open, read } from "node:fs";
import { Readable } from "node:stream";
import { BufferPool, recycleWhenWritten } from "../../body-buffers.js";
import type { ServerResponse } from "node:http";
import type { OpenSegments, SegmentFd } from "./segment-fds.js";
import { countSent, FileEndedError, sendFile, sendStarted, whenZeroCopy, type SendHandle } from "../../sendfile.js";
import { sendPieces, type ZeroCopySend } from "./zero-copy.js";

function destroyedError(): Error {
  return Object.assign(new Error("the stream was destroyed"), { code: "ERR_STREAM_DESTROYED" });
}

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
  private fd: number | undefined;
  /** the descriptor's entry, when it came from `fds` */
  private shared: SegmentFd | undefined;
  /** a read failed or came up short: a shared descriptor is not kept for others */
  private failed = false;
  private position: number;
  /** an open or a read is in flight: closing waits for it */
  private reading = false;
  /** the sendfile(2) in flight (sendTo) */
  private send: SendHandle | undefined;
  /** the zero-copy answer this stream is (pipe) */
  private zeroCopy: ZeroCopySend | undefined;
  /** set by _destroy: closes the descriptor (if any) and ends the destroy; run once nothing is in flight */
  private pendingClose: (() => void) | undefined;

  constructor(
    private readonly path: string,
    private readonly start: number,
    private readonly end: number,
    private readonly pool: BufferPool = readBuffers,
    private readonly fds?: OpenSegments,
  ) {
    super({ highWaterMark: READ_CHUNK });
    this.position = start;
  }

  override _read(): void {
    if (this.fd !== undefined) this.readChunk();
    else this.openFd((err) => err === undefined && this.readChunk());
  }

  /**
   * Opens the file (or takes its descriptor from `fds`), then runs `next`: with no error once the
   * descriptor is there, with one when the open failed (the stream is destroyed with it) or the
   * stream was destroyed meanwhile (what was opened is closed).
   */
  private openFd(next: (err?: Error) => void): void {
    // opened at the first read, not at construction: a stream never read holds no descriptor
    this.reading = true;
    const opened = (err: Error | null, fd: number | undefined, entry?: SegmentFd) => {
      this.reading = false;
      if (entry !== undefined) this.shared = entry;
      if (fd !== undefined) this.fd = fd;
      if (this.pendingClose !== undefined) {
        this.pendingClose();
        next(err ?? destroyedError());
      } else if (err) {
        this.destroy(err);
        next(err);
      } else next();
    };
    if (this.fds !== undefined) this.fds.acquire(this.path, (err, entry) => opened(err, entry?.fd, entry));
    else open(this.path, "r", (err, fd) => opened(err, err ? undefined : fd));
  }

  /**
   * Piped into a response that can take it (runtime/sendfile.ts), the range goes from the file to
   * the socket by sendfile(2) (zero-copy.ts) and the stream ends as if read; anything else is piped.
   */
  override pipe<T extends NodeJS.WritableStream>(dest: T, options?: { end?: boolean }): T {
    const fresh = options?.end !== false && this.readableFlowing === null && this.fd === undefined && !this.reading;
    const waits =
      fresh &&
      whenZeroCopy(dest, (target) => {
        if (target === "closed") this.destroy();
        else if (this.destroyed) return;
        else if (target === "fallback") super.pipe(dest, options);
        else {
          this.zeroCopy = sendPieces(dest as unknown as ServerResponse, target, [() => this], this, (err) => {
            this.zeroCopy = undefined;
            if (err !== undefined) {
              this.destroy(err);
              return;
            }
            // 'end', then 'close', as after the last read
            this.push(null);
            this.resume();
          });
        }
      });
    return waits ? dest : super.pipe(dest, options);
  }

  /** For zero-copy.ts: opens the file without reading it; `done` as openFd's `next`. */
  openForSend(done: (err?: Error) => void): void {
    if (this.fd !== undefined) done();
    else if (this.destroyed || this.reading) done(destroyedError());
    else this.openFd(done);
  }

  /**
   * For zero-copy.ts, once openForSend() succeeded: sends the rest of the range on `socketFd`, the
   * socket of `res` (runtime/sendfile.ts). `done` runs once, when the send ends: with an error when
   * not every byte went (a file shorter than planned marks its shared descriptor failed). The
   * stream is neither ended nor destroyed by it.
   */
  sendTo(res: ServerResponse, socketFd: number, done: (err?: Error) => void): void {
    if (this.fd === undefined || this.reading || this.destroyed || res.socket === null) return done(destroyedError());
    this.reading = true;
    sendStarted(res);
    this.send = sendFile(socketFd, this.fd, this.position, this.end - this.position + 1, (err, sent) => {
      this.reading = false;
      this.send = undefined;
      this.position += sent;
      countSent(res, sent);
      if (err instanceof FileEndedError) {
        this.failed = true;
        err = new Error(`${this.path} ended at byte ${this.position} where bytes ${this.start}-${this.end} were to be read`);
      }
      done(err);
      if (this.pendingClose !== undefined) this.pendingClose();
    });
  }

  private readChunk(): void {
    const want = Math.min(READ_CHUNK, this.end - this.position + 1);
    if (want <= 0) {
      this.push(null);
      return;
    }
    const pooled = want >= POOLED_FROM;
    const buf = pooled ? this.pool.take() : Buffer.allocUnsafe(want);
    this.reading = true;
    read(this.fd!, buf, 0, want, this.position, (err, bytesRead) => {
      this.reading = false;
      if (this.pendingClose !== undefined) {
        // destroyed while reading: nothing more is pushed; the Buffer is free again
        if (pooled) this.pool.give(buf);
        this.pendingClose();
        return;
      }
      if (err) {
        if (pooled) this.pool.give(buf);
        this.failed = true;
        this.destroy(err);
        return;
      }
      if (bytesRead === 0) {
        if (pooled) this.pool.give(buf);
        this.failed = true;
        this.destroy(
          new Error(`${this.path} ended at byte ${this.position} where bytes ${this.start}-${this.end} were to be read`),
        );
        return;
      }
      this.position += bytesRead;
      const chunk = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      if (pooled) recycleWhenWritten(chunk, () => this.pool.give(buf));
      this.push(chunk);
    });
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // a send in flight ends (ECANCELED) and then closes as a read in flight does
    this.send?.cancel();
    this.zeroCopy?.cancel();
    this.pendingClose = () => {
      const fd = this.fd;
      this.fd = undefined;
      const shared = this.shared;
      this.shared = undefined;
      if (shared !== undefined) {
        this.fds!.release(shared, this.failed);
        callback(err);
      } else if (fd === undefined) callback(err);
      else close(fd, (closeErr) => callback(err ?? closeErr));
    };
    if (!this.reading) this.pendingClose();
  }
}
