/**
 * Segment files read into pooled Buffers (runtime/storage/embedded/segment-read.ts) that a response
 * gives back once written (runtime/body-buffers.ts): the bytes served are the file's, whatever the
 * range and however many responses share the pool at once, and the Buffers do come back.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readlink, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BufferedBody, BufferPool, releaseWrittenChunks } from "../../runtime/body-buffers.js";
import { READ_CHUNK, SegmentReadStream } from "../../runtime/storage/embedded/segment-read.js";

/** A pool that counts the Buffers it had to allocate. */
class CountingPool extends BufferPool {
  allocated = 0;
  override take(): Buffer {
    if (this.idle === 0) this.allocated++;
    return super.take();
  }
}

let dir: string;
const files = new Map<string, Buffer>();
let server: http.Server;
let base: string;
let pool: CountingPool;
let recycle = true;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-segread-"));
  for (let i = 0; i < 8; i++) {
    // not a multiple of the chunk: the last read is short
    const data = randomBytes(5 * READ_CHUNK + 12_345 * (i + 1));
    files.set(`f${i}`, data);
    await writeFile(path.join(dir, `f${i}`), data);
  }
  files.set("small", randomBytes(1000));
  await writeFile(path.join(dir, "small"), files.get("small")!);
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, "http://x");
    const name = url.pathname.slice(1);
    const start = Number(url.searchParams.get("start") ?? 0);
    const end = Number(url.searchParams.get("end") ?? (files.get(name)?.length ?? 1) - 1);
    const body = new SegmentReadStream(path.join(dir, name), start, end, pool);
    if (recycle) releaseWrittenChunks(res);
    body.once("error", (err: NodeJS.ErrnoException) => {
      if (!res.headersSent) res.writeHead(500, { "x-error": err.code ?? "?" }).end();
      else res.destroy();
    });
    body.once("readable", () => res.writeHead(200));
    pipeline(body, res).catch(() => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function get(name: string, query = ""): Promise<{ status: number; bytes: Buffer; error: string | null }> {
  const res = await fetch(`${base}/${name}${query}`);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), error: res.headers.get("x-error") };
}

describe("segment file reads into pooled Buffers", () => {
  it("serves each of eight 5 MiB files byte-identical while all eight share a pool of two idle Buffers, and the Buffers come back", async () => {
    pool = new CountingPool(READ_CHUNK, 2);
    recycle = true;
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([...Array(8).keys()].map((i) => get(`f${i}`)));
      answers.forEach((a, i) => {
        expect(a.status).toBe(200);
        expect(a.bytes.equals(files.get(`f${i}`)!)).toBe(true);
      });
    }
    expect(pool.idle).toBe(2);
    // 3 rounds x 8 files x 6 chunks = 144 reads; without the Buffers coming back each needs its own
    expect(pool.allocated).toBeLessThan(100);
  });

  it("without releaseWrittenChunks no Buffer comes back (what the pool's count above depends on)", async () => {
    pool = new CountingPool(READ_CHUNK, 2);
    recycle = false;
    const a = await get("f0");
    expect(a.bytes.equals(files.get("f0")!)).toBe(true);
    expect(pool.idle).toBe(0);
    // five full chunks; the last 12,345 bytes are read into a Buffer of their own
    expect(pool.allocated).toBe(5);
    recycle = true;
  });

  it("serves ranges: within a chunk, across chunks, the last byte", async () => {
    pool = new CountingPool(READ_CHUNK, 2);
    const f = files.get("f1")!;
    for (const [start, end] of [
      [0, 0],
      [10, 70_000],
      [READ_CHUNK - 5, 3 * READ_CHUNK + 7],
      [f.length - 1, f.length - 1],
    ]) {
      const a = await get("f1", `?start=${start}&end=${end}`);
      expect(a.bytes.equals(f.subarray(start, end + 1))).toBe(true);
    }
  });

  it("fails, rather than ending short, when the file ends before the range (a file cut behind the store's back)", async () => {
    const body = new SegmentReadStream(path.join(dir, "small"), 900, 5000);
    const got: Buffer[] = [];
    await expect(
      (async () => {
        for await (const chunk of body) got.push(chunk as Buffer);
      })(),
    ).rejects.toThrow(/ended at byte 1000 where bytes 900-5000 were to be read/);
    // what the file had came first; the error ends the stream instead of a clean end
    expect(Buffer.concat(got).equals(files.get("small")!.subarray(900))).toBe(true);
    // over HTTP the response is cut, not completed
    await expect(get("small", "?start=900&end=5000")).rejects.toThrow();
  });

  it("opens nothing until read, and closes the descriptor when destroyed with a read in flight", async () => {
    // descriptors open on this test's files (other descriptors, sockets of earlier tests, come and go)
    const fds = async () => {
      let n = 0;
      for (const fd of await readdir("/proc/self/fd")) {
        const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
        if (target.startsWith(dir)) n++;
      }
      return n;
    };
    const before = await fds();
    expect(before).toBe(0);
    const idle = Array.from({ length: 20 }, () => new SegmentReadStream(path.join(dir, "f0"), 0, 100));
    expect(await fds()).toBe(before);
    for (const s of idle) s.destroy();
    const reading = Array.from({ length: 20 }, () => new SegmentReadStream(path.join(dir, "f0"), 0, 5 * READ_CHUNK));
    for (const s of reading) {
      s.once("readable", () => s.destroy());
      s.on("error", () => undefined);
    }
    await Promise.all(reading.map((s) => new Promise((resolve) => s.once("close", resolve))));
    expect(await fds()).toBe(before);
  });

  it("fails with the open's error for a missing file", async () => {
    expect(await get("missing", "?start=0&end=10")).toMatchObject({ status: 500, error: "ENOENT" });
  });

  it("a client that goes away mid-body leaves the pool usable: later reads are byte-identical", async () => {
    pool = new CountingPool(READ_CHUNK, 4);
    recycle = true;
    const ac = new AbortController();
    const res = await fetch(`${base}/f2`, { signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.read().catch(() => undefined);
    const answers = await Promise.all([...Array(8).keys()].map((i) => get(`f${i}`)));
    answers.forEach((a, i) => expect(a.bytes.equals(files.get(`f${i}`)!)).toBe(true));
    expect(pool.idle).toBeGreaterThan(0);
  });
});

describe("BufferedBody: an inline object's bytes, sent whole or streamed", () => {
  it("takeBytes gives the bytes at once and closes the stream (its close listener, which unpins, runs once)", async () => {
    const a = randomBytes(3000);
    const b = randomBytes(5);
    const body = new BufferedBody([a, b]);
    let closes = 0;
    body.on("close", () => closes++);
    expect(body.takeBytes().equals(Buffer.concat([a, b]))).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(closes).toBe(1);
    expect(() => body.takeBytes()).toThrow(/already read/);
  });

  it("read as a stream it yields the same bytes, and then cannot be taken", async () => {
    const a = randomBytes(70_000);
    const body = new BufferedBody([a.subarray(0, 10), a.subarray(10)]);
    const got: Buffer[] = [];
    for await (const chunk of body) got.push(chunk as Buffer);
    expect(Buffer.concat(got).equals(a)).toBe(true);
    expect(() => body.takeBytes()).toThrow(/already read/);
  });
});
