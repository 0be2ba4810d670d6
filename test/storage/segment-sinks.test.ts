/**
 * Large bodies are written around the page cache (segment-sinks.ts): byte-exact whatever the
 * chunking and the tail, on a descriptor opened O_DIRECT, and a failed body gives its staging
 * buffer back. Where the test directory's file system refuses O_DIRECT (tmpfs before Linux 6.6), the descriptor
 * check is skipped and the bodies are expected to go through the cache instead.
 * The fallbacks (O_DIRECT refused at open or at a write, no aligned memory) run on a platform whose
 * open() and memory fail as a file system or the process would.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, mkdtemp, open, readdir, readFile, readlink, realpath, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DataFiles } from "../../runtime/storage/embedded/files.js";
import { DIRECT_MIN_LENGTH, processSinks, SegmentSinks, STAGE_BYTES, type SinkPlatform } from "../../runtime/storage/embedded/segment-sinks.js";
import type { IncomingBody } from "../../runtime/storage/types.js";
import { wasm } from "../../runtime/wasm.js";
import { takesODirect } from "../support/direct-io.js";
import { bodyFromBuffer, bodyFromChunks, type TestBodyOptions } from "./body.js";

const INLINE = 64 * 1024;
// resolved, so that it compares equal to the links in /proc/self/fd
const dir = await realpath(await mkdtemp(join(tmpdir(), "s3gw-sinks-")));
const files = new DataFiles(dir);

// whether the test directory's file system takes O_DIRECT (tmpfs before Linux 6.6 does not)
const directWorks = await takesODirect(dir);

beforeAll(async () => {
  await mkdir(files.tmpDir, { recursive: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function declared(data: Buffer, options: TestBodyOptions = {}): IncomingBody {
  return { ...bodyFromBuffer(data, options), expectedSize: data.length };
}

/** the open flags of this process's descriptors on `path` (from /proc/self/fdinfo) */
async function openFlags(path: string): Promise<number[]> {
  const flags: number[] = [];
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
    if (target !== path) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, "utf8").catch(() => "");
    const m = /^flags:\s+([0-7]+)$/m.exec(info);
    if (m) flags.push(parseInt(m[1], 8));
  }
  return flags;
}

describe("segment sinks", () => {
  it.skipIf(!directWorks || process.platform !== "linux")("a body declared at 1 MiB or more is written through a descriptor opened O_DIRECT", async () => {
    const path = join(files.tmpDir, "flags-check");
    const sink = await processSinks.create(path, 0o600, DIRECT_MIN_LENGTH, false);
    try {
      expect(sink.direct).toBe(true);
      const flags = await openFlags(path);
      expect(flags).toHaveLength(1);
      expect(flags[0] & constants.O_DIRECT).toBe(constants.O_DIRECT);
    } finally {
      await sink.close();
      await unlink(path);
    }
    const small = await processSinks.create(path, 0o600, DIRECT_MIN_LENGTH - 1, false);
    try {
      expect(small.direct).toBe(false);
      expect((await openFlags(path))[0] & constants.O_DIRECT).toBe(0);
    } finally {
      await small.close();
      await unlink(path);
    }
  });

  it("writes large bodies byte-exact whatever their chunking and their tail", async () => {
    // every size is declared long enough to be written direct; whole stages, then tails of each kind
    const m = DIRECT_MIN_LENGTH;
    const sizes = [m, m + 1, m + STAGE_BYTES, m + 2 * STAGE_BYTES + 5, m + STAGE_BYTES + 4096 + 511];
    expect(m % STAGE_BYTES).toBe(0);
    const chunkSizes = [64 * 1024, 64 * 1024 + 17, STAGE_BYTES + 3, 3 * STAGE_BYTES];
    const before = { ...processSinks.counters };
    let bodies = 0;
    for (const size of sizes) {
      for (const chunkSize of chunkSizes) {
        const data = randomBytes(size);
        const received = await files.receive(declared(data, { chunkSize }), INLINE);
        bodies++;
        if (received.inline) throw new Error("a large body came back inline");
        const path = join(files.tmpDir, received.id);
        expect((await stat(path)).size).toBe(size);
        expect((await readFile(path)).equals(data)).toBe(true);
        await unlink(path);
      }
    }
    if (directWorks) expect(processSinks.counters.direct - before.direct).toBe(bodies);
    else expect(processSinks.counters.cached - before.cached).toBe(bodies);
  });

  it("while a file write is held, a body is read at most 256 KiB ahead of it, then paused; it comes out whole", async () => {
    // the open of the temp file (the first write of a spilled body) waits until released
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sinks = new SegmentSinks(false, {
      async open(path, flags, mode) {
        await gate;
        return open(path, flags, mode);
      },
      alignedMemory() {
        throw new Error("not asked for: direct writes are off");
      },
    });
    const chunk = 64 * 1024;
    const data = randomBytes(8 * 1024 * 1024);
    let pulled = 0;
    function* chunks(): Generator<Buffer> {
      for (let off = 0; off < data.length; off += chunk) {
        pulled += chunk;
        yield data.subarray(off, off + chunk);
      }
    }
    const receiving = new DataFiles(dir, { sinks }).receive({ ...bodyFromChunks(chunks()), expectedSize: data.length }, INLINE);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    // what was read: the inline part, the chunk that spilled it, the queue (the bound), and what
    // the body stream itself buffers (its high-water mark of 16 KiB: one more chunk)
    expect(pulled).toBeGreaterThanOrEqual(INLINE + 256 * 1024);
    expect(pulled).toBeLessThanOrEqual(INLINE + chunk + 256 * 1024 + 2 * chunk);
    const atPause = pulled;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pulled).toBe(atPause);
    release();
    const received = await receiving;
    if (received.inline) throw new Error("a large body came back inline");
    expect((await readFile(join(files.tmpDir, received.id))).equals(data)).toBe(true);
    await unlink(join(files.tmpDir, received.id));
  });

  it("writes a body through the cache when it is short or of unknown length", async () => {
    const before = { ...processSinks.counters };
    const short = randomBytes(DIRECT_MIN_LENGTH - 1);
    const unknown = randomBytes(DIRECT_MIN_LENGTH + 1);
    for (const [data, body] of [
      [short, declared(short)],
      [unknown, bodyFromBuffer(unknown)],
    ] as const) {
      const received = await files.receive(body, INLINE);
      if (received.inline) throw new Error("a spilled body came back inline");
      const path = join(files.tmpDir, received.id);
      expect((await readFile(path)).equals(data)).toBe(true);
      await unlink(path);
    }
    expect(processSinks.counters.cached - before.cached).toBe(2);
    expect(processSinks.counters.direct).toBe(before.direct);
  });

  it("gives the staging buffer and the file back when a body fails half-way", async () => {
    const data = randomBytes(2 * STAGE_BYTES);
    const before = { ...processSinks.counters };
    // more failures than there are staging buffers: a buffer not given back would run them out
    for (let i = 0; i < 40; i++) {
      const failure = new Error(`body ${i} failed verification`);
      await expect(files.receive(declared(data, { errorAt: STAGE_BYTES + 4096 * i, error: failure }), INLINE)).rejects.toBe(failure);
    }
    expect(await readdir(files.tmpDir)).toEqual([]);
    const received = await files.receive(declared(data), INLINE);
    if (received.inline) throw new Error("a large body came back inline");
    expect((await readFile(join(files.tmpDir, received.id))).equals(data)).toBe(true);
    await unlink(join(files.tmpDir, received.id));
    if (directWorks) expect(processSinks.counters.direct - before.direct).toBe(41);
  });

  describe("fallbacks to the page cache", () => {
    const einval = () => Object.assign(new Error("EINVAL: invalid argument, open"), { code: "EINVAL" });
    const isDirect = (flags: number | string) => typeof flags === "number" && constants.O_DIRECT !== undefined && (flags & constants.O_DIRECT) !== 0;
    const withoutDirect = (flags: number | string) => (typeof flags === "number" ? flags & ~constants.O_DIRECT : flags);
    const memory: SinkPlatform["alignedMemory"] = (bytes) => new wasm!.Memory({ initial: bytes / 65536, maximum: bytes / 65536 }).buffer;

    async function roundTrip(sinks: SegmentSinks, size: number): Promise<void> {
      const data = randomBytes(size);
      const received = await new DataFiles(dir, { sinks }).receive(declared(data, { chunkSize: 200_000 }), INLINE);
      if (received.inline) throw new Error("a large body came back inline");
      const path = join(files.tmpDir, received.id);
      expect((await stat(path)).size).toBe(size);
      expect((await readFile(path)).equals(data)).toBe(true);
      await unlink(path);
    }

    it.skipIf(constants.O_DIRECT === undefined)("a file system that refuses O_DIRECT at open: the file it created is gone, the body and every later one go through the cache", async () => {
      const opens: Array<number | string> = [];
      const platform: SinkPlatform = {
        async open(path, flags, mode) {
          opens.push(flags);
          if (isDirect(flags)) {
            // as Linux may do: the file is created, then O_DIRECT refused
            await (await open(path, withoutDirect(flags), mode)).close();
            throw einval();
          }
          return open(path, flags, mode);
        },
        alignedMemory: memory,
      };
      const sinks = new SegmentSinks(true, platform, 2);
      expect(sinks.directWrites).toBe(true);
      await roundTrip(sinks, 2 * STAGE_BYTES + 7);
      await roundTrip(sinks, 3 * STAGE_BYTES);
      expect(sinks.directWrites).toBe(false);
      expect(sinks.counters).toEqual({ direct: 0, cached: 2 });
      // O_DIRECT was asked for once, then never again
      expect(opens.filter(isDirect)).toHaveLength(1);
      expect(await readdir(files.tmpDir)).toEqual([]);
    });

    it.skipIf(constants.O_DIRECT === undefined)("a direct write refused half-way: the file is reopened through the cache and the body comes out whole", async () => {
      let directWrites = 0;
      const platform: SinkPlatform = {
        async open(path, flags, mode) {
          // the real file, opened through the cache (the test directory may refuse O_DIRECT)
          const fh = await open(path, withoutDirect(flags), mode);
          if (isDirect(flags)) {
            const write = fh.write.bind(fh) as (...args: unknown[]) => Promise<unknown>;
            // the first staging buffer goes to the file, the second is refused
            (fh as unknown as { write: unknown }).write = (...args: unknown[]) => (++directWrites === 2 ? Promise.reject(einval()) : write(...args));
          }
          return fh;
        },
        alignedMemory: memory,
      };
      const sinks = new SegmentSinks(true, platform, 2);
      await roundTrip(sinks, 3 * STAGE_BYTES + 4097);
      expect(directWrites).toBe(2);
      expect(sinks.counters).toEqual({ direct: 1, cached: 0 });
      expect(sinks.directWrites).toBe(false);
      await roundTrip(sinks, 2 * STAGE_BYTES);
      expect(sinks.counters).toEqual({ direct: 1, cached: 1 });
    });

    it("no room for the staging memory: every body goes through the cache", async () => {
      let asked = 0;
      const platform: SinkPlatform = {
        open,
        alignedMemory() {
          asked++;
          throw new RangeError("WebAssembly.Memory(): could not allocate memory");
        },
      };
      const sinks = new SegmentSinks(true, platform);
      await roundTrip(sinks, STAGE_BYTES * 2);
      await roundTrip(sinks, STAGE_BYTES * 2);
      expect(sinks.counters).toEqual({ direct: 0, cached: 2 });
      expect(asked).toBe(1);
    });

    it("with direct writes off (embedded.directWrites false), no body asks for O_DIRECT or for the memory", async () => {
      const platform: SinkPlatform = {
        open(path, flags, mode) {
          if (isDirect(flags)) throw new Error("O_DIRECT asked for");
          return open(path, flags, mode);
        },
        alignedMemory() {
          throw new Error("staging memory asked for");
        },
      };
      const sinks = new SegmentSinks(false, platform);
      expect(sinks.directWrites).toBe(false);
      await roundTrip(sinks, 2 * STAGE_BYTES);
      expect(sinks.counters).toEqual({ direct: 0, cached: 1 });
      const off = new DataFiles(dir, { directWrites: false });
      expect(off.directWrites).toBe(false);
      expect(new DataFiles(dir).directWrites).toBe(true);
      // given sinks, the files report the sinks' setting (what a worker is told to follow)
      expect(new DataFiles(dir, { sinks }).directWrites).toBe(false);
    });

    it("a refused O_DIRECT stops this process asking, but the setting passed on stays as configured", () => {
      const sinks = new SegmentSinks(true);
      sinks.refuseDirect();
      expect(sinks.directWrites).toBe(false);
      expect(new DataFiles(dir, { sinks }).directWrites).toBe(true);
    });
  });
});
