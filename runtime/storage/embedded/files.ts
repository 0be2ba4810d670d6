/**
 * The data files ("segments") of the embedded store: where they live, how one is written durably,
 * and how they are removed.
 *
 * Layout under the data directory:
 *
 *   meta.sqlite              metadata (see schema.ts)
 *   tmp/<id>                 a segment being received; never referenced by metadata
 *   objects/<ab>/<cd>/<id>   a complete, fsynced segment; <id> is 32 random hex digits and
 *                            <ab>/<cd> are its first four, which spread files over at most 65,536
 *                            directories so that no directory grows huge
 *
 * File names are random ids and never derived from a bucket name or an object key, so no key
 * ("../../etc/passwd", "/abs", 1 KiB of dots) can name a path outside the data directory.
 *
 * Durability protocol for one segment (the metadata commit comes after all of it, see store.ts):
 *   1. stream the body into tmp/<id> (opened O_EXCL);
 *   2. if the body stream did not end cleanly, remove tmp/<id> and rethrow: nothing is committed;
 *   3. fdatasync tmp/<id>: its bytes and its size are on disk;
 *   4. make sure objects/<ab>/<cd>/ exists durably (mkdir, then fsync of the parent, once per
 *      directory per process);
 *   5. rename tmp/<id> -> objects/<ab>/<cd>/<id> and fsync objects/<ab>/<cd>/ so the new name
 *      survives a power loss.
 * Only then may a metadata row reference <id>. If the process dies anywhere in 1-5, the file is in
 * tmp/ (removed at start) or is an unreferenced file in objects/ (removed at start by the orphan
 * scan in recovery.ts).
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";

import type { BodyDigests, IncomingBody } from "../types.js";

/** 128 random bits as hex: unguessable, fixed width, and safe in any path component. */
export const SEGMENT_ID_PATTERN = /^[0-9a-f]{32}$/;

export function newSegmentId(): string {
  return randomBytes(16).toString("hex");
}

export interface WrittenSegment {
  id: string;
  digests: BodyDigests;
}

export class DataFiles {
  readonly objectsDir: string;
  readonly tmpDir: string;
  /**
   * Directories under objects/ that this process has made durable (created or found, then its
   * parent fsynced). Keyed by path; the promise is shared so that two writers racing into a new
   * directory both wait for the parent fsync before either one can commit a row pointing into it.
   */
  private readonly durableDirs = new Map<string, Promise<void>>();

  constructor(readonly dataDir: string) {
    this.objectsDir = join(dataDir, "objects");
    this.tmpDir = join(dataDir, "tmp");
  }

  pathOf(id: string): string {
    if (!SEGMENT_ID_PATTERN.test(id)) throw new Error(`not a segment id: ${JSON.stringify(id)}`);
    return join(this.objectsDir, id.slice(0, 2), id.slice(2, 4), id);
  }

  /**
   * Receives one body into a new durable segment file (steps 1-5 above) and returns its id and the
   * body's digests. If `body.stream` errors, the temp file is removed and that very error is
   * rethrown; any other failure also leaves no file behind.
   */
  async writeSegment(body: IncomingBody): Promise<WrittenSegment> {
    const id = newSegmentId();
    const tmpPath = join(this.tmpDir, id);
    // The body's own error is what the caller must see (it says why the client's bytes did not
    // verify); pipeline() may report a secondary error (premature close) instead, so catch it here.
    // The listener stays attached afterwards: a stream that emits 'error' late, with no listener
    // left, would crash the process.
    let bodyError: unknown;
    body.stream.on("error", (err: unknown) => {
      bodyError ??= err;
    });

    const fh = await open(tmpPath, "wx", 0o644);
    let closed = false;
    try {
      let written = 0;
      // A writable over the file handle that counts bytes and writes each chunk at the end of the
      // file. fh.write is async (thread pool): the event loop never blocks on the disk.
      const sink = new Writable({
        highWaterMark: 1024 * 1024,
        write(chunk: Buffer, _enc, cb) {
          writeFully(fh, chunk, written).then(() => {
            written += chunk.length;
            cb();
          }, cb);
        },
        writev(chunks: Array<{ chunk: Buffer }>, cb) {
          const buf = Buffer.concat(chunks.map((c) => c.chunk));
          writeFully(fh, buf, written).then(() => {
            written += buf.length;
            cb();
          }, cb);
        },
      });
      try {
        await pipeline(body.stream, sink);
      } catch (err) {
        throw bodyError ?? err;
      }
      if (bodyError !== undefined) throw bodyError;
      // Only now, after a clean end, may the digests be read (IncomingBody contract).
      const digests = body.digests();
      if (digests.size !== written) {
        throw new Error(`body digests report ${digests.size} bytes but ${written} were received`);
      }
      await fh.datasync();
      closed = true;
      await fh.close();

      const finalPath = this.pathOf(id);
      const leafDir = join(this.objectsDir, id.slice(0, 2), id.slice(2, 4));
      await this.ensureDurableDir(leafDir);
      await rename(tmpPath, finalPath);
      await fsyncDir(leafDir);
      return { id, digests };
    } catch (err) {
      if (!closed) await fh.close().catch(() => undefined);
      await unlink(tmpPath).catch(() => undefined);
      throw err;
    }
  }

  /** Removes a segment file; a missing file is not an error (removal is retried at start anyway). */
  async remove(id: string): Promise<void> {
    try {
      await unlink(this.pathOf(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }

  /** A stream of bytes [start, end] (inclusive) of one segment file. */
  openRange(id: string, start: number, end: number): Readable {
    return createReadStream(this.pathOf(id), { start, end, highWaterMark: 256 * 1024 });
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
        await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "EEXIST") throw err;
        });
        await fsyncDir(parent);
      })();
      // a failure must not be cached: the next writer tries again
      pending.catch(() => this.durableDirs.delete(dir));
      this.durableDirs.set(dir, pending);
    }
    return pending;
  }
}

async function writeFully(fh: import("node:fs/promises").FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    off += bytesWritten;
  }
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
