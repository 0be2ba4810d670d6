/**
 * Buffers read for a response body, used again once the response has written them.
 *
 * Every Buffer node allocates for a file read is memory outside V8's heap that V8 counts; past a
 * few tens of MiB of it V8 starts a full (mark-compact) collection of the whole heap to find which
 * of them died. Streaming a large object at 1 GB/s with a new 1 MiB Buffer per read so ran ~26 full
 * collections a second (measured with --trace-gc: 314 in 12 s of 64 MiB GETs at c=4), which took
 * more CPU than the copying itself: V8's marking threads used 0.8 of a core beside the main
 * thread's 0.45, and the GETs ran at half a bare node:http server's speed.
 *
 * A reader takes its Buffer from a BufferPool and marks the chunk it pushes with
 * recycleWhenWritten(); releaseWrittenChunks() makes a response hand a marked chunk back once its
 * write callback says the socket is done with it (written to the kernel, or failed and dropped).
 * A chunk that never reaches a response (a HEAD, a consumer other than the socket, a response
 * destroyed with chunks still queued) is simply never given back: the garbage collector takes it
 * as before. A chunk is given back at most once, and only by the response that wrote it.
 */
import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";

/** Buffers of one size, at most `maxFree` of them kept between uses. */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly size: number,
    private readonly maxFree: number,
  ) {}

  /** A Buffer of `size` bytes, with whatever bytes it held before (the reader overwrites them). */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Gives `buf` back; nothing may use it afterwards. */
  give(buf: Buffer): void {
    if (buf.length === this.size && this.free.length < this.maxFree) this.free.push(buf);
  }

  /** How many Buffers wait to be taken (for tests). */
  get idle(): number {
    return this.free.length;
  }
}

const releases = new WeakMap<Uint8Array, () => void>();

/** Marks `chunk`: a response that writes it calls `release` once the socket is done with it. */
export function recycleWhenWritten(chunk: Buffer, release: () => void): void {
  releases.set(chunk, release);
}

type WriteCallback = (err?: Error | null) => void;

/**
 * From now on, `res` gives back every marked chunk it writes, after the write's callback (which
 * node calls once the bytes have left for the kernel, or with an error when the connection is
 * gone). Call it once per response, before its body is piped.
 */
export function releaseWrittenChunks(res: ServerResponse): void {
  const write = res.write;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
    const release = chunk instanceof Uint8Array ? releases.get(chunk) : undefined;
    if (release === undefined) return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    releases.delete(chunk as Uint8Array);
    const last = rest[rest.length - 1];
    const callback = typeof last === "function" ? (last as WriteCallback) : undefined;
    const encoding = typeof rest[0] === "string" ? rest[0] : undefined;
    const done: WriteCallback = (err) => {
      release();
      callback?.(err);
    };
    return encoding === undefined
      ? (write as (c: unknown, cb: WriteCallback) => boolean).call(this, chunk, done)
      : (write as (c: unknown, e: string, cb: WriteCallback) => boolean).call(this, chunk, encoding, done);
  } as typeof res.write;
}

/**
 * A response body held whole in memory (an object stored inline, at most 64 KiB): read as a stream
 * it yields its chunks, but a response that knows it sends takeBytes() with its headers in one
 * write, without a stream's pipe, listeners and callbacks (a tenth of a small GET's CPU).
 */
export class BufferedBody extends Readable {
  private next = 0;

  constructor(private readonly chunks: readonly Buffer[]) {
    super({ highWaterMark: 256 * 1024 });
  }

  override _read(): void {
    while (this.next < this.chunks.length) if (!this.push(this.chunks[this.next++])) return;
    this.push(null);
  }

  /** Its bytes, taken whole; the stream is closed at once (its 'close' listeners run). */
  takeBytes(): Buffer {
    if (this.next !== 0 || this.destroyed) throw new Error("a BufferedBody already read");
    this.next = this.chunks.length;
    const bytes = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.destroy();
    return bytes;
  }
}
