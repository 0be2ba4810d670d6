/**
 * Large bodies are written around the page cache (segment-sinks.ts): byte-exact whatever the
 * chunking and the tail, on a descriptor opened O_DIRECT, and a failed body gives its staging
 * buffer back. Where the test directory's file system refuses O_DIRECT (tmpfs before Linux 6.6), the descriptor
 * check is skipped and the bodies are expected to go through the cache instead.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, mkdtemp, open, readdir, readFile, readlink, realpath, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DataFiles } from "../../runtime/storage/embedded/files.js";
import { createSink, DIRECT_MIN_LENGTH, sinkCounters, STAGE_BYTES } from "../../runtime/storage/embedded/segment-sinks.js";
import type { IncomingBody } from "../../runtime/storage/types.js";
import { bodyFromBuffer, type TestBodyOptions } from "./body.js";

const INLINE = 64 * 1024;
// resolved, so that it compares equal to the links in /proc/self/fd
const dir = await realpath(await mkdtemp(join(tmpdir(), "s3gw-sinks-")));
const files = new DataFiles(dir);

/** whether the test directory's file system takes O_DIRECT (tmpfs before Linux 6.6 does not) */
async function probeDirect(): Promise<boolean> {
  if (constants.O_DIRECT === undefined) return false;
  const probe = join(dir, "probe");
  try {
    await (await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_DIRECT, 0o600)).close();
    return true;
  } catch {
    return false;
  } finally {
    await unlink(probe).catch(() => undefined);
  }
}
const directWorks = await probeDirect();

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
    const sink = await createSink(path, 0o600, DIRECT_MIN_LENGTH, false);
    try {
      expect(sink.direct).toBe(true);
      const flags = await openFlags(path);
      expect(flags).toHaveLength(1);
      expect(flags[0] & constants.O_DIRECT).toBe(constants.O_DIRECT);
    } finally {
      await sink.close();
      await unlink(path);
    }
    const small = await createSink(path, 0o600, DIRECT_MIN_LENGTH - 1, false);
    try {
      expect(small.direct).toBe(false);
      expect((await openFlags(path))[0] & constants.O_DIRECT).toBe(0);
    } finally {
      await small.close();
      await unlink(path);
    }
  });

  it("writes large bodies byte-exact whatever their chunking and their tail", async () => {
    const sizes = [STAGE_BYTES, STAGE_BYTES + 1, 2 * STAGE_BYTES, 3 * STAGE_BYTES + 5, 2 * STAGE_BYTES + 4096 + 511];
    const chunkSizes = [64 * 1024, 64 * 1024 + 17, STAGE_BYTES + 3, 3 * STAGE_BYTES];
    const before = { ...sinkCounters };
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
    if (directWorks) expect(sinkCounters.direct - before.direct).toBe(bodies);
    else expect(sinkCounters.cached - before.cached).toBe(bodies);
  });

  it("writes a body through the cache when it is short or of unknown length", async () => {
    const before = { ...sinkCounters };
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
    expect(sinkCounters.cached - before.cached).toBe(2);
    expect(sinkCounters.direct).toBe(before.direct);
  });

  it("gives the staging buffer and the file back when a body fails half-way", async () => {
    const data = randomBytes(2 * STAGE_BYTES);
    const before = { ...sinkCounters };
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
    if (directWorks) expect(sinkCounters.direct - before.direct).toBe(41);
  });
});
