/**
 * The data files ("segments") of the embedded store: where they live, how one is written durably,
 * and how they are removed.
 *
 * Layout under the data directory:
 *
 *   meta.sqlite              metadata (see schema.ts)
 *   tmp/<id>                 a segment being received; never referenced by metadata
 *   tmp/w<n>/<id>            the same, received by worker process n (runtime/workers/): each
 *                            worker has a directory of its own, removed when the worker exits
 *   objects/<ab>/<cd>/<id>   a complete, fsynced segment; <id> is 32 hex digits and <ab>/<cd>
 *                            are its first four, which spread files over at most 65,536
 *                            directories so that no directory grows huge (newSegmentId)
 *
 * File names are random ids and never derived from a bucket name or an object key, so no key
 * ("../../etc/passwd", "/abs", 1 KiB of dots) can name a path outside the data directory.
 * Files are 0600 and directories 0700: readable by the gateway's user only (modes.ts).
 *
 * A body of at most the inline limit never becomes a file: it is buffered in memory and stored in
 * SQLite (inline.ts). Past the limit it spills: the temp file is created, the buffered prefix is
 * written, and the rest streams into the file.
 *
 * Durability protocol for one segment file (the metadata commit comes after all of it, see
 * store.ts and group-commit.ts):
 *   1. stream the body into tmp/<id> (opened O_EXCL; through the page cache or, for large bodies,
 *      around it: segment-sinks.ts);
 *   2. if the body stream did not end cleanly, remove tmp/<id> and rethrow: nothing is committed;
 *   3. fdatasync tmp/<id>: its bytes and its size are on disk;
 *   4. make sure objects/<ab>/<cd>/ exists durably (mkdir, then fsync of the parent, once per
 *      directory per process);
 *   5. rename tmp/<id> -> objects/<ab>/<cd>/<id>;
 *   6. fsync objects/<ab>/<cd>/ so the new name survives a power loss. The group commit does this,
 *      once per directory for all the files of a batch, before its transaction commits.
 * receive() does 1-3, place() 4-5, in the process that commits (with workers, a worker receives and
 * the store owner places and commits, so a worker that dies leaves its files only in its own tmp/
 * directory, which the owner then removes).
 * Only then may a metadata row reference <id>. If the process dies anywhere in 1-6, the file is in
 * tmp/ (removed at start) or is an unreferenced file in objects/ (removed at start by the orphan
 * scan in recovery.ts).
 */
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";

import type { BodyDigests, IncomingBody } from "../types.js";
import { FILE_MODE, makeDir } from "./modes.js";
import { OpenSegments } from "./segment-fds.js";
import { cachedSinks, processSinks, type SegmentSink, type SegmentSinks } from "./segment-sinks.js";
import { readBuffers, SegmentReadStream } from "./segment-read.js";

/** 32 hex digits: fixed width, and safe in any path component. */
export const SEGMENT_ID_PATTERN = /^[0-9a-f]{32}$/;

/**
 * How many segment ids in a row share their first four digits, i.e. their directory. Files
 * received close together then land in one directory: a group commit's batch fsyncs that one
 * directory instead of one per file (step 6), and step 4's mkdir and parent fsync happen once
 * per this many files. Random ids put nearly every file of a young store (under ~65,000 files)
 * in a directory of its own: 1 MiB PUTs at c=8 spent 8-13 ms in step 4 and 6-7 ms in step 6's
 * fsyncs, against ~4 ms for the log sync they shared.
 */
export const IDS_PER_DIRECTORY = 4096;
/** this process's current directory (0..65535, from a random start) and how many ids it still takes */
let directory = randomBytes(2).readUInt16BE(0);
let directoryLeft = IDS_PER_DIRECTORY;

/**
 * A new segment id: the current directory's four digits, then 112 random bits (unguessable). Over
 * time each process moves through all 65,536 directories in turn, so they fill evenly; processes
 * (workers) start at random places of their own.
 */
export function newSegmentId(): string {
  if (directoryLeft === 0) {
    directory = (directory + 1) & 0xffff;
    directoryLeft = IDS_PER_DIRECTORY;
  }
  directoryLeft--;
  return directory.toString(16).padStart(4, "0") + randomBytes(14).toString("hex");
}

/** A body received by receive(): in memory (at most the inline limit) or in a segment file. */
export type ReceivedBody =
  | { inline: true; data: Buffer; digests: BodyDigests }
  /** a complete, fdatasynced file <tmpDir>/<id> (steps 1-3); place() moves it into objects/ */
  | { inline: false; id: string; digests: BodyDigests };

export class DataFiles {
  readonly objectsDir: string;
  readonly tmpDir: string;
  /**
   * Directories under objects/ that this process has made durable (created or found, then its
   * parent fsynced). Keyed by path; the promise is shared so that two writers racing into a new
   * directory both wait for the parent fsync before either one can commit a row pointing into it.
   */
  private readonly durableDirs = new Map<string, Promise<void>>();
  /** what spilled bodies are written through (segment-sinks.ts) */
  private readonly sinks: SegmentSinks;
  /** descriptors of segment files kept open between reads (segment-fds.ts) */
  private readonly descriptors = new OpenSegments();
  /** told of each segment file this process removes (the workers' descriptors of it, runtime/workers/) */
  onRemove: ((id: string) => void) | undefined;

  /**
   * `chmodFiles`: give each new file FILE_MODE explicitly, for a umask that takes owner bits
   * (modes.ts); otherwise open() already creates it with exactly that mode.
   * `tmpDir`: where receive() writes, if not the store's tmp/ (a worker's own directory under it,
   * on the same file system so that place() is a rename).
   * `directWrites`: false writes every body through the page cache (segment-sinks.ts).
   * `sinks`: the sinks to write through instead of the process's (tests); `directWrites` is then
   * theirs.
   */
  constructor(
    readonly dataDir: string,
    private readonly options: { chmodFiles?: boolean; tmpDir?: string; directWrites?: boolean; sinks?: SegmentSinks } = {},
  ) {
    const layout = DataFiles.layout(dataDir);
    this.objectsDir = layout.objectsDir;
    this.tmpDir = options.tmpDir ?? layout.tmpDir;
    this.sinks = options.sinks ?? (options.directWrites === false ? cachedSinks : processSinks);
  }

  /** The store's directories in `dataDir`. */
  static layout(dataDir: string): { objectsDir: string; tmpDir: string } {
    return { objectsDir: join(dataDir, "objects"), tmpDir: join(dataDir, "tmp") };
  }

  /** true when new files get FILE_MODE explicitly (a umask that takes owner bits) */
  get chmodFiles(): boolean {
    return this.options.chmodFiles === true;
  }

  /** false when every body goes through the page cache by setting (embedded.directWrites): the sinks' setting */
  get directWrites(): boolean {
    return this.sinks.direct;
  }

  pathOf(id: string): string {
    if (!SEGMENT_ID_PATTERN.test(id)) throw new Error(`not a segment id: ${JSON.stringify(id)}`);
    return join(this.objectsDir, id.slice(0, 2), id.slice(2, 4), id);
  }

  /**
   * Receives one body: a body of at most `inlineLimit` bytes is returned in memory; a longer one
   * becomes a durable temp file (steps 1-3 above; place() does 4-5, the group commit 6). If
   * `body.stream` errors, any temp file is removed and that very error is rethrown; any other
   * failure also leaves no file behind.
   */
  async receive(body: IncomingBody, inlineLimit: number): Promise<ReceivedBody> {
    // The body's own error is what the caller must see (it says why the client's bytes did not
    // verify); reading may report a secondary error (premature close) instead, so catch it here.
    // The listener stays attached afterwards: a stream that emits 'error' late, with no listener
    // left, would crash the process.
    let bodyError: unknown;
    body.stream.on("error", (err: unknown) => {
      bodyError ??= err;
    });

    // In memory until the body outgrows the limit, then in tmp/<id> (segment-sinks.ts).
    const buffered: Buffer[] = [];
    let bufferedBytes = 0;
    let id: string | undefined;
    let sink: SegmentSink | undefined;
    let written = 0;
    const spill = async (next: Buffer[], nextBytes: number): Promise<void> => {
      const newId = newSegmentId();
      sink = await this.sinks.create(join(this.tmpDir, newId), FILE_MODE, body.expectedSize, this.options.chmodFiles === true);
      // only a file this call created is ever unlinked by it
      id = newId;
      const head = [...buffered, ...next];
      buffered.length = 0;
      written = bufferedBytes + nextBytes;
      await sink.take(head, written);
    };
    /** takes the next bytes of the body; a promise when it had to touch the disk */
    const take = (chunks: Buffer[], bytes: number): Promise<void> | undefined => {
      if (sink === undefined) {
        if (bufferedBytes + bytes <= inlineLimit) {
          buffered.push(...chunks);
          bufferedBytes += bytes;
          return undefined;
        }
        return spill(chunks, bytes);
      }
      written += bytes;
      return sink.take(chunks, bytes);
    };

    try {
      try {
        await readAll(body.stream, take);
      } catch (err) {
        throw bodyError ?? err;
      }
      if (bodyError !== undefined) throw bodyError;
      // Only now, after a clean end, may the digests be read (IncomingBody contract).
      const digests = body.digests();
      const received = sink === undefined ? bufferedBytes : written;
      if (digests.size !== received) {
        throw new Error(`body digests report ${digests.size} bytes but ${received} were received`);
      }
      if (sink === undefined) {
        const data = buffered.length === 1 ? buffered[0] : Buffer.concat(buffered, bufferedBytes);
        return { inline: true, data, digests };
      }

      await sink.finish();
      await sink.close();
      return { inline: false, id: id!, digests };
    } catch (err) {
      // close() never rejects (segment-sinks.ts)
      if (sink !== undefined) await sink.close();
      if (id !== undefined) await unlink(join(this.tmpDir, id)).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Steps 4-5: moves the received file `id` from `tmpDir` (this store's tmp/ or a worker's directory
   * under it) into objects/ and returns its directory, which must be fsynced before a row may
   * reference the file (step 6).
   */
  async place(id: string, tmpDir: string): Promise<string> {
    const target = this.pathOf(id); // also checks that `id` is a segment id
    const leafDir = join(this.objectsDir, id.slice(0, 2), id.slice(2, 4));
    await this.ensureDurableDir(leafDir);
    await rename(join(tmpDir, id), target);
    return leafDir;
  }

  /** Removes a received file that place() will not move (best effort: tmp/ is emptied at start). */
  async discardTemp(id: string, tmpDir: string): Promise<void> {
    if (!SEGMENT_ID_PATTERN.test(id)) return;
    await unlink(join(tmpDir, id)).catch(() => undefined);
  }

  /** Removes a segment file; a missing file is not an error (removal is retried at start anyway). */
  async remove(id: string): Promise<void> {
    // a descriptor kept open would hold the file's blocks until it is closed
    this.forgetDescriptor(id);
    this.onRemove?.(id);
    try {
      await unlink(this.pathOf(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }

  /**
   * A stream of bytes [start, end] (inclusive) of one segment file, in pooled Buffers
   * (segment-read.ts), on a descriptor kept between reads (segment-fds.ts).
   */
  openRange(id: string, start: number, end: number): SegmentReadStream {
    return new SegmentReadStream(this.pathOf(id), start, end, readBuffers, this.descriptors);
  }

  /** Segment `id` was removed (here or by the store's owner): its kept descriptor closes once unused. */
  forgetDescriptor(id: string): void {
    if (SEGMENT_ID_PATTERN.test(id)) this.descriptors.forget(this.pathOf(id));
  }

  /** Closes the descriptors kept for reads (those in use close when their stream ends). */
  closeDescriptors(): void {
    this.descriptors.closeAll();
  }

  /**
   * Makes `dir` (objects/<ab> or objects/<ab>/<cd>) exist with its directory entry on disk: mkdir,
   * then fsync of the parent. This is done once per directory per process, even when the directory
   * already existed: an earlier process may have crashed between its mkdir and its parent fsync.
   */
  private ensureDurableDir(dir: string): Promise<void> {
    let pending = this.durableDirs.get(dir);
    if (pending === undefined) {
      pending = (async () => {
        const parent = join(dir, "..");
        if (parent !== this.objectsDir) await this.ensureDurableDir(parent);
        await makeDir(dir);
        await fsyncDir(parent);
      })();
      // a failure must not be cached: the next writer tries again
      pending.catch(() => this.durableDirs.delete(dir));
      this.durableDirs.set(dir, pending);
    }
    return pending;
  }
}

/**
 * How much of a body may arrive while a file write is in flight before the body is paused. What
 * waits is the HTTP parser's Buffers, one per read: memory outside V8's heap that a long wait can
 * carry past a young-generation collection, to be freed by a full one. 1 MiB per body, under 64
 * concurrent 64 MiB PUTs on two processes (warp, 25 s, three interleaved runs), let each process
 * peak at 241-329 MiB of RSS; 256 KiB (and 512 KiB staging buffers, segment-sinks.ts) 215-244, at
 * the same throughput (PUT 64 MiB c=4: 626-636 against 613-624 MiB/s; PUT 1 MiB c=8: 385-388
 * against 361-378; through the page cache 566-578 against 560-580).
 */
const MAX_PENDING_BYTES = 256 * 1024;


/**
 * Reads `stream` to its end, handing its bytes to `take` in order. When `take` answers with a
 * promise (a file write on the thread pool), the stream keeps flowing into a queue until
 * MAX_PENDING_BYTES are waiting, and the queue goes to `take` at once when the write is done, so a
 * large body is written in large writes while the next bytes arrive. The queue's chunks are
 * written as they are (one writev), not copied into one Buffer: a new Buffer per MiB received made
 * V8 collect its whole heap more often (runtime/body-buffers.ts says why). Resolves after 'end' and
 * the last write; rejects with the stream's error, a premature close, or `take`'s failure (then
 * the stream is destroyed, as pipeline() would).
 *
 * It never settles while a `take` is in flight: when the stream fails during a write (or during
 * the temp file's open), the stream is destroyed at once but the rejection waits for that write to
 * settle. The caller cleans up on rejection, and only then does it know every file that was opened:
 * rejecting earlier let an open that was still running create its file after the cleanup, leaving
 * the file in tmp/ and its descriptor to the garbage collector.
 *
 * Not stream.pipeline(): on every finish it aborts an AbortController of its own, which builds an
 * AbortError DOMException with a stack trace; for a 4 KiB PUT that was a sixth of the store's CPU
 * time.
 */
function readAll(stream: Readable, take: (chunks: Buffer[], bytes: number) => Promise<void> | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let writing = false;
    let ended = false;
    let done = false;

    /** the first failure, kept until the write in flight has settled */
    let failure: { err: unknown } | undefined;

    const finish = (err?: unknown) => {
      if (done) return;
      if (err !== undefined && writing) {
        // stop the body now; settle when the write is done (see above)
        failure ??= { err };
        if (!stream.destroyed) stream.destroy();
        return;
      }
      done = true;
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      stream.off("close", onClose);
      if (err === undefined) {
        resolve();
      } else {
        if (!stream.destroyed) stream.destroy();
        reject(err);
      }
    };
    const pump = () => {
      while (!writing && !done && pendingBytes > 0) {
        const chunks = pending;
        const bytes = pendingBytes;
        pending = [];
        pendingBytes = 0;
        const write = take(chunks, bytes);
        if (write !== undefined) {
          writing = true;
          write.then(
            () => {
              writing = false;
              if (failure !== undefined) return finish(failure.err);
              if (stream.isPaused() && !ended) stream.resume();
              pump();
            },
            (err: unknown) => {
              writing = false;
              finish(failure?.err ?? err);
            },
          );
        }
      }
      if (!writing && ended && pendingBytes === 0) finish();
    };
    const onData = (chunk: Buffer) => {
      if (chunk.length === 0) return;
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (!writing) pump();
      else if (pendingBytes >= MAX_PENDING_BYTES) stream.pause();
    };
    const onEnd = () => {
      ended = true;
      pump();
    };
    const onError = (err: unknown) => finish(err);
    const onClose = () => {
      // after 'end' this is the normal close; before it, the stream was cut short
      if (!ended) finish(stream.errored ?? Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    };

    if (stream.errored) return finish(stream.errored);
    if (stream.destroyed || stream.readableEnded) return finish(new Error("the body stream was already consumed or destroyed"));
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}

/**
 * fsync of a directory: persists the entries created, renamed or removed in it. Linux allows
 * opening a directory read-only and fsyncing that descriptor; this store targets Linux.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const dh = await open(dir, "r");
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
