/**
 * How a body that spilled past the inline limit is written into its temp file (files.ts, steps 1-3):
 * through the page cache, or around it (O_DIRECT).
 *
 * - BufferedSink: each batch of chunks is one writev into the page cache; the fdatasync at the end
 *   writes them back. Every byte is copied into the cache and then tracked as a dirty page: for a
 *   large body, that kernel work is a large part of a PUT's CPU.
 * - DirectSink: the bytes are copied into a 512 KiB staging buffer of aligned memory (a memcpy), and
 *   each full buffer is one write straight to the device. The tail is written padded with zeros to a
 *   whole block and the file is then cut to its size (ftruncate); the fdatasync at the end then has
 *   only the file's size and the device's cache to flush. 1 GiB in 16 files of 64 MiB, four at a
 *   time, on this machine's disk: 0.08-0.10 s of system CPU against 0.39-0.45 s through the cache.
 *   Reads stay buffered (the kernel keeps the two coherent); a GET right after a PUT reads the
 *   device once instead of the cache.
 *
 * A body gets a DirectSink when it is declared to be at least DIRECT_MIN_LENGTH long, the platform
 * has O_DIRECT, a staging buffer is free (STAGES of them per process, made on first use) and the
 * file system takes O_DIRECT. When one does not (it answers EINVAL, as tmpfs did before Linux
 * 6.6), the process stops asking for it and that body goes through the cache, as does any body
 * when no buffer is free. With the `embedded.directWrites` setting off, every body goes through the
 * cache (`cachedSinks`).
 */
import { constants } from "node:fs";
import { open, unlink, type FileHandle } from "node:fs/promises";

import { noteFixedExternalMemory } from "../../heap-growth.js";
import { wasm } from "../../wasm.js";

/**
 * a direct write's size: the staging buffer. 512 KiB writes ran as fast as 1 MiB ones here (PUT 64
 * MiB c=4, two processes: 626-632 against 631-632 MiB/s) and halve the staging memory every
 * process touches under load (32 bodies at once: 16 MiB instead of 32; see files.ts
 * MAX_PENDING_BYTES for the RSS measured).
 */
export const STAGE_BYTES = 512 * 1024;
/** staging buffers per process: bodies written at once around the cache (16 MiB of memory at most) */
const STAGES = 32;
/** offsets and lengths of direct writes are multiples of this (a 4 KiB-sector device's block) */
const BLOCK = 4096;
/** bodies shorter than this go through the cache: the saving is per byte, and small files are few bytes */
export const DIRECT_MIN_LENGTH = 1024 * 1024;

/** What a sink needs from the system; tests replace it to reach the fallbacks. */
export interface SinkPlatform {
  open(path: string, flags: number | string, mode?: number): Promise<FileHandle>;
  /** `bytes` of page-aligned memory that lives as long as the process; throws when there is no room */
  alignedMemory(bytes: number): ArrayBuffer;
}

const nodePlatform: SinkPlatform = {
  open,
  alignedMemory(bytes) {
    if (wasm === undefined) throw new Error("no WebAssembly: no aligned memory");
    const pages = bytes / 65536;
    const buffer = new wasm.Memory({ initial: pages, maximum: pages }).buffer;
    // never garbage: not a reason for V8 to collect more often (heap-growth.ts)
    noteFixedExternalMemory(bytes);
    return buffer;
  },
};

/** What receive() writes a spilled body through. */
export interface SegmentSink {
  /** writes the next bytes, in order; a promise when it touched the disk (no take until it settles) */
  take(chunks: Buffer[], bytes: number): Promise<void> | undefined;
  /** writes what is left and makes the file durable: its bytes and its size (fdatasync) */
  finish(): Promise<void>;
  /** closes the descriptor and gives back what the sink held; never rejects */
  close(): Promise<void>;
  /** true while the bytes go around the page cache (for tests) */
  readonly direct: boolean;
}

/**
 * Makes the sinks of one set of data files. Direct writes share one staging memory per process
 * (`processSinks`); `cachedSinks` never asks for O_DIRECT (the `embedded.directWrites` setting off).
 */
export class SegmentSinks {
  /** files created by each kind of sink (for tests and diagnostics) */
  readonly counters = { direct: 0, cached: 0 };
  private directAvailable: boolean;
  /** the staging buffers' memory, made on first use */
  private memory: ArrayBuffer | undefined;
  private readonly freeStages: Buffer[] = [];

  /**
   * `direct`: the setting these sinks follow (embedded.directWrites), kept as given even after the
   * process stopped asking for O_DIRECT (`directWrites` says that).
   */
  constructor(
    readonly direct: boolean,
    readonly platform: SinkPlatform = nodePlatform,
    private readonly stages = STAGES,
  ) {
    this.directAvailable = direct && constants.O_DIRECT !== undefined;
  }

  /** false once the process stopped asking for O_DIRECT (or never did) */
  get directWrites(): boolean {
    return this.directAvailable;
  }

  /**
   * Creates `path` (O_EXCL, `mode`) and the sink that writes it. `expectedSize`: the body's declared
   * length, if known.
   */
  async create(path: string, mode: number, expectedSize: number | undefined, chmod: boolean): Promise<SegmentSink> {
    let sink: BufferedSink | DirectSink | undefined;
    if (this.directAvailable && expectedSize !== undefined && expectedSize >= DIRECT_MIN_LENGTH) {
      const stage = this.takeStage();
      if (stage !== undefined) {
        try {
          const fh = await this.platform.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DIRECT, mode);
          sink = new DirectSink(this, fh, stage, path);
        } catch (err) {
          this.freeStages.push(stage);
          if ((err as NodeJS.ErrnoException).code !== "EINVAL") throw err;
          // The file system refuses O_DIRECT; Linux may have created the file before refusing.
          this.refuseDirect();
          await unlink(path).catch(() => undefined);
        }
      }
    }
    if (sink !== undefined) this.counters.direct++;
    else {
      sink = new BufferedSink(await this.platform.open(path, "wx", mode));
      this.counters.cached++;
    }
    if (chmod) {
      try {
        await sink.fh.chmod(mode);
      } catch (err) {
        await sink.close();
        await unlink(path).catch(() => undefined);
        throw err;
      }
    }
    return sink;
  }

  /** a file system or device refused O_DIRECT: every later body goes through the cache */
  refuseDirect(): void {
    this.directAvailable = false;
  }

  giveBack(stage: Buffer): void {
    this.freeStages.push(stage);
  }

  private takeStage(): Buffer | undefined {
    if (this.memory === undefined) {
      try {
        this.memory = this.platform.alignedMemory(this.stages * STAGE_BYTES);
      } catch {
        // no room for it (a RangeError), or no WebAssembly: every body goes through the cache
        this.refuseDirect();
        return undefined;
      }
      for (let i = this.stages - 1; i >= 0; i--) this.freeStages.push(Buffer.from(this.memory, i * STAGE_BYTES, STAGE_BYTES));
    }
    return this.freeStages.pop();
  }
}

/** the sinks of the process's stores: one staging memory of STAGES buffers, made on first use */
export const processSinks = new SegmentSinks(true);
/** sinks that write every body through the page cache */
export const cachedSinks = new SegmentSinks(false);

class BufferedSink implements SegmentSink {
  readonly direct = false;
  private position = 0;
  constructor(readonly fh: FileHandle) {}

  take(chunks: Buffer[], bytes: number): Promise<void> {
    const at = this.position;
    this.position += bytes;
    return writeFully(this.fh, chunks, at);
  }

  finish(): Promise<void> {
    return this.fh.datasync();
  }

  close(): Promise<void> {
    return this.fh.close().catch(() => undefined);
  }
}

class DirectSink implements SegmentSink {
  /** bytes in the staging buffer, not yet written */
  private fill = 0;
  /** the file offset of the staging buffer's first byte (a multiple of STAGE_BYTES) */
  private position = 0;
  private stage: Buffer | undefined;
  /** false once a write was refused (EINVAL) and the file was reopened through the cache */
  direct = true;

  constructor(
    private readonly sinks: SegmentSinks,
    public fh: FileHandle,
    stage: Buffer,
    private readonly path: string,
  ) {
    this.stage = stage;
  }

  take(chunks: Buffer[]): Promise<void> | undefined {
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i];
      const n = chunk.copy(this.stage!, this.fill);
      this.fill += n;
      if (this.fill === STAGE_BYTES) {
        // the staging buffer is full: write it, then go on with the rest once it is free again
        const rest = n < chunk.length ? [chunk.subarray(n), ...chunks.slice(i + 1)] : chunks.slice(i + 1);
        return this.writeStage(STAGE_BYTES).then(() => {
          if (rest.length > 0) return this.take(rest);
        });
      }
    }
    return undefined;
  }

  async finish(): Promise<void> {
    if (this.fill > 0) {
      const size = this.position + this.fill;
      const padded = Math.ceil(this.fill / BLOCK) * BLOCK;
      this.stage!.fill(0, this.fill, padded);
      await this.writeStage(padded);
      if (padded !== this.fill || !this.direct) await this.fh.truncate(size);
    }
    await this.fh.datasync();
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    if (this.stage !== undefined) this.sinks.giveBack(this.stage);
    this.stage = undefined;
  }

  /** writes the staging buffer's first `length` bytes at `position`; the buffer is empty after */
  private async writeStage(length: number): Promise<void> {
    const data = this.stage!.subarray(0, length);
    if (this.direct) {
      try {
        const { bytesWritten } = await this.fh.write(data, 0, length, this.position);
        if (bytesWritten !== length) throw new Error(`a direct write wrote ${bytesWritten} of ${length} bytes`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EINVAL") throw err;
        // The device wants another alignment than the buffer's: go on through the cache.
        this.sinks.refuseDirect();
        this.direct = false;
        await this.fh.close().catch(() => undefined);
        this.fh = await this.sinks.platform.open(this.path, "r+");
        await writeFully(this.fh, [data], this.position);
      }
    } else {
      await writeFully(this.fh, [data], this.position);
    }
    this.position += length;
    this.fill = 0;
  }
}

/**
 * Writes `chunks` in order at `position`: one writev, then again for whatever a short write left.
 * No chunk is empty (readAll drops empty ones), so a write of nothing is a failure.
 */
async function writeFully(fh: FileHandle, chunks: Buffer[], position: number): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    const { bytesWritten } = rest.length === 1 ? await fh.write(rest[0], 0, rest[0].length, position) : await fh.writev(rest, position);
    if (bytesWritten === 0) throw new Error("a file write wrote nothing");
    position += bytesWritten;
    let skip = bytesWritten;
    let i = 0;
    while (i < rest.length && skip >= rest[i].length) skip -= rest[i++].length;
    rest = i === rest.length ? [] : [rest[i].subarray(skip), ...rest.slice(i + 1)];
  }
}
