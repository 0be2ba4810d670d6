/**
 * Descriptors of segment files kept between reads (runtime/storage/embedded/segment-fds.ts): shared
 * by the streams that read a file at once, kept while idle within the bounds, closed when the file
 * is removed (at once when idle, when its last stream ends otherwise), dropped after a failed read,
 * and never leaked. Descriptors are counted in /proc/self/fd (Linux).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readlink, realpath, rm, truncate, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEmbeddedStore } from "../../runtime/storage/embedded/index.js";
import { OpenSegments } from "../../runtime/storage/embedded/segment-fds.js";
import { READ_CHUNK, SegmentReadStream, readBuffers } from "../../runtime/storage/embedded/segment-read.js";
import { bodyFromBuffer } from "./body.js";

let dir: string;
const data = new Map<string, Buffer>();

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), "s3gw-segfds-")));
  for (let i = 0; i < 6; i++) {
    const bytes = randomBytes(2 * READ_CHUNK + 1000 * (i + 1));
    data.set(`f${i}`, bytes);
    await writeFile(join(dir, `f${i}`), bytes);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** this process's descriptors on files under `under` (a removed file's link ends in " (deleted)") */
async function descriptorsOn(under: string): Promise<string[]> {
  const out: string[] = [];
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
    if (target.startsWith(`${under}/`)) out.push(target);
  }
  return out.sort();
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function stream(fds: OpenSegments, name: string, start = 0, end = data.get(name)!.length - 1): SegmentReadStream {
  return new SegmentReadStream(join(dir, name), start, end, readBuffers, fds);
}

const closed = (s: Readable) => new Promise((resolve) => (s.closed ? resolve(undefined) : s.once("close", resolve)));

describe.skipIf(process.platform !== "linux")("segment file descriptors kept between reads", () => {
  it("streams reading one file at once share one descriptor, which stays open, idle, once they end", async () => {
    const fds = new OpenSegments(8, 60_000);
    const streams = Array.from({ length: 10 }, () => stream(fds, "f0"));
    const bodies = streams.map(readAll);
    // while they read (the first chunk of each read ahead at most): one open descriptor
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await descriptorsOn(dir)).length).toBeLessThanOrEqual(1);
    for (const body of await Promise.all(bodies)) expect(body.equals(data.get("f0")!)).toBe(true);
    expect(await descriptorsOn(dir)).toEqual([join(dir, "f0")]);
    expect(fds.idleCount).toBe(1);
    // a later read takes it again: still one
    expect((await readAll(stream(fds, "f0", 10, 20))).equals(data.get("f0")!.subarray(10, 21))).toBe(true);
    expect(await descriptorsOn(dir)).toEqual([join(dir, "f0")]);
    fds.closeAll();
    await expect.poll(() => descriptorsOn(dir)).toEqual([]);
  });

  it("keeps at most maxIdle idle descriptors: the least recently used one closes", async () => {
    const fds = new OpenSegments(2, 60_000);
    for (const name of ["f0", "f1", "f2", "f3"]) expect((await readAll(stream(fds, name))).equals(data.get(name)!)).toBe(true);
    await expect.poll(() => descriptorsOn(dir)).toEqual([join(dir, "f2"), join(dir, "f3")]);
    // f2 read again is the most recent: f4 pushes f3 out
    await readAll(stream(fds, "f2"));
    await readAll(stream(fds, "f4"));
    await expect.poll(() => descriptorsOn(dir)).toEqual([join(dir, "f2"), join(dir, "f4")]);
    fds.closeAll();
    await expect.poll(() => descriptorsOn(dir)).toEqual([]);
  });

  it("closes descriptors idle for idleMs", async () => {
    const fds = new OpenSegments(8, 200);
    await readAll(stream(fds, "f0"));
    await readAll(stream(fds, "f1"));
    expect((await descriptorsOn(dir)).length).toBe(2);
    await expect.poll(() => descriptorsOn(dir), { timeout: 2_000 }).toEqual([]);
    expect(fds.idleCount).toBe(0);
  });

  it("forget: an idle descriptor closes at once; one in use when its stream ends, which still reads every byte of the removed file", async () => {
    const name = "removed";
    const bytes = randomBytes(4 * READ_CHUNK);
    await writeFile(join(dir, name), bytes);
    const fds = new OpenSegments(8, 60_000);
    await readAll(new SegmentReadStream(join(dir, name), 0, bytes.length - 1, readBuffers, fds));
    expect(await descriptorsOn(dir)).toEqual([join(dir, name)]);
    fds.forget(join(dir, name));
    await expect.poll(() => descriptorsOn(dir)).toEqual([]);

    // in use: the stream has read its first chunk when the file is removed
    const reading = new SegmentReadStream(join(dir, name), 0, bytes.length - 1, readBuffers, fds);
    const first = await new Promise<Buffer>((resolve) => reading.once("data", (c: Buffer) => resolve(Buffer.from(c))));
    reading.pause();
    fds.forget(join(dir, name));
    await unlink(join(dir, name));
    expect(await descriptorsOn(dir)).toEqual([`${join(dir, name)} (deleted)`]);
    const rest = await readAll(reading);
    expect(Buffer.concat([first, rest]).equals(bytes)).toBe(true);
    await expect.poll(() => descriptorsOn(dir)).toEqual([]);
    expect(fds.idleCount).toBe(0);
  });

  it("a failed read drops the descriptor; the next read opens the file anew", async () => {
    const name = "cut";
    const bytes = randomBytes(3000);
    await writeFile(join(dir, name), bytes);
    const fds = new OpenSegments(8, 60_000);
    await readAll(new SegmentReadStream(join(dir, name), 0, 2999, readBuffers, fds));
    expect(fds.idleCount).toBe(1);
    await truncate(join(dir, name), 1000);
    await expect(readAll(new SegmentReadStream(join(dir, name), 0, 2999, readBuffers, fds))).rejects.toThrow(/ended at byte 1000/);
    await expect.poll(() => descriptorsOn(dir)).toEqual([]);
    expect(fds.idleCount).toBe(0);
    expect((await readAll(new SegmentReadStream(join(dir, name), 0, 999, readBuffers, fds))).equals(bytes.subarray(0, 1000))).toBe(true);
    fds.closeAll();
  });

  it("an open that fails reaches every stream waiting for it, and leaves nothing behind", async () => {
    const fds = new OpenSegments(8, 60_000);
    const missing = Array.from({ length: 5 }, () => new SegmentReadStream(join(dir, "missing"), 0, 10, readBuffers, fds));
    const results = await Promise.allSettled(missing.map(readAll));
    expect(results.map((r) => r.status === "rejected" && (r.reason as NodeJS.ErrnoException).code)).toEqual(Array(5).fill("ENOENT"));
    expect(fds.idleCount).toBe(0);
    // the file appearing later is opened then
    await writeFile(join(dir, "missing"), "0123456789!");
    expect((await readAll(new SegmentReadStream(join(dir, "missing"), 0, 10, readBuffers, fds))).toString()).toBe("0123456789!");
    fds.closeAll();
  });

  it("streams destroyed before, during and after the open give their descriptor back", async () => {
    const fds = new OpenSegments(8, 60_000);
    const streams = Array.from({ length: 30 }, (_, i) => {
      const s = stream(fds, `f${i % 3}`);
      s.on("error", () => undefined);
      if (i % 3 === 0) s.destroy();
      else if (i % 3 === 1) {
        s.resume();
        s.destroy();
      } else s.once("data", () => s.destroy());
      return s;
    });
    await Promise.all(streams.map(closed));
    // kept idle, not in use: closeAll closes every one
    fds.closeAll();
    await expect.poll(() => descriptorsOn(dir)).toEqual([]);
    // after closeAll nothing is kept
    await readAll(stream(fds, "f0"));
    await expect.poll(() => descriptorsOn(dir)).toEqual([]);
  });

  it("through the store: a GET keeps its file's descriptor, a DELETE closes it, and close() closes the rest", async () => {
    const parent = await mkdtemp(join(tmpdir(), "s3gw-segfds-store-"));
    const dataDir = join(parent, "data");
    const store = await openEmbeddedStore({ dataDir, inlineLimit: 0 });
    try {
      const objects = join(await realpath(dataDir), "objects");
      await store.createBucket("b", "owner");
      const bodies = [randomBytes(200_000), randomBytes(300_000)];
      for (const [i, body] of bodies.entries()) {
        await store.putObject({ bucket: "b", key: `k${i}`, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "owner" }, bodyFromBuffer(body));
      }
      for (let round = 0; round < 2; round++) {
        for (const [i, body] of bodies.entries()) {
          const got = await store.getObject({ bucket: "b", key: `k${i}` });
          expect((await readAll(got.open())).equals(body)).toBe(true);
        }
      }
      await expect.poll(async () => (await descriptorsOn(objects)).length).toBe(2);
      await store.deleteObject("b", "k0");
      await expect.poll(async () => (await descriptorsOn(objects)).length).toBe(1);
      expect((await descriptorsOn(objects)).some((d) => d.endsWith("(deleted)"))).toBe(false);
      await store.close();
      await expect.poll(() => descriptorsOn(objects)).toEqual([]);
    } finally {
      await store.close();
      await rm(parent, { recursive: true, force: true });
    }
  });
});
