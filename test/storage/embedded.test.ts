/**
 * The embedded store: the storage contract, plus what only a local-disk store has (files on disk,
 * crash recovery, exclusive ownership of the data directory, listing cost).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";

import { openEmbeddedStore, type EmbeddedStore } from "../../runtime/storage/embedded/index.js";
import { CRC32, CRC32C, CRC64NVME, multipartChecksum } from "../../runtime/storage/embedded/checksum.js";
import { compareUtf8 as storeCompareUtf8, prefixSuccessor } from "../../runtime/storage/embedded/listing.js";
import { MIN_PART_SIZE, type PutObjectParams } from "../../runtime/storage/types.js";
import { bodyFromBuffer, gatedBody, readAll } from "./body.js";
import { defineStorageContract, expectStorageError, md5Hex, multipartEtag } from "./contract.js";
import {
  CRASH_BUCKET,
  LANES,
  multipartContent,
  plannedOp,
  putContent,
  type PlannedOp,
} from "./crash-plan.js";

const here = dirname(fileURLToPath(import.meta.url));

async function tempParent(): Promise<string> {
  return mkdtemp(join(tmpdir(), "s3gw-embedded-"));
}

async function scratchStore(): Promise<{ store: EmbeddedStore; cleanup(): Promise<void> }> {
  const parent = await tempParent();
  const store = await openEmbeddedStore({ dataDir: join(parent, "data") });
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(parent, { recursive: true, force: true });
    },
  };
}

defineStorageContract("embedded", scratchStore);

/** every file under `dir`, as paths relative to it (directories themselves are not listed) */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)).map((p) => join(entry.name, p)));
    else out.push(entry.name);
  }
  return out;
}

async function segmentFiles(dataDir: string): Promise<string[]> {
  return (await walk(join(dataDir, "objects"))).map((p) => p.split(sep).pop()!);
}

/** unlinks after a commit are asynchronous: wait for the file count to settle */
async function eventually(check: () => Promise<void>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

function params(bucket: string, key: string, extra: Partial<PutObjectParams> = {}): PutObjectParams {
  return { bucket, key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "owner", ...extra };
}

interface LoggedLine {
  level: "info" | "warn";
  obj: object;
  msg?: string;
}

function captureLogger() {
  const lines: LoggedLine[] = [];
  return {
    lines,
    logger: {
      info: (obj: object, msg?: string) => void lines.push({ level: "info", obj, msg }),
      warn: (obj: object, msg?: string) => void lines.push({ level: "warn", obj, msg }),
    },
  };
}

describe("embedded store", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** a fresh data directory (inside a fresh parent) and a store opened on it */
  async function freshStore(): Promise<{ store: EmbeddedStore; dataDir: string; parent: string }> {
    const parent = await tempParent();
    const dataDir = join(parent, "data");
    const store = await openEmbeddedStore({ dataDir });
    cleanups.push(async () => {
      await store.close();
      await rm(parent, { recursive: true, force: true });
    });
    return { store, dataDir, parent };
  }

  describe("files on disk", () => {
    it("names files by random ids only: keys never become paths", async () => {
      const { store, dataDir, parent } = await freshStore();
      await store.createBucket("b", "owner");
      const keys = [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        ".",
        "a/../../../../b",
        "..\\..\\windows\\system32",
        "%2e%2e%2f%2e%2e%2fx",
        "\u0000nul",
        "x".repeat(1024),
      ];
      for (const key of keys) await store.putObject(params("b", key), bodyFromBuffer(Buffer.from(key)));
      const upload = await store.createMultipartUpload(params("b", "../up"));
      await store.uploadPart("b", "../up", upload.uploadId, 1, bodyFromBuffer(Buffer.from("part")));

      expect(await readdir(parent)).toEqual(["data"]);
      const files = await walk(dataDir);
      const segments: string[] = [];
      for (const file of files) {
        const parts = file.split(sep);
        if (parts.length === 1) {
          expect(file).toMatch(/^meta\.sqlite(-wal|-journal)?$/);
          continue;
        }
        expect(parts.length, file).toBe(4);
        const [top, first, second, name] = parts;
        expect(top).toBe("objects");
        expect(name).toMatch(/^[0-9a-f]{32}$/);
        expect(first).toBe(name.slice(0, 2));
        expect(second).toBe(name.slice(2, 4));
        segments.push(name);
      }
      expect(segments.length).toBe(keys.length + 1);
      expect(await readdir(join(dataDir, "tmp"))).toEqual([]);
      for (const key of keys) {
        const got = await store.getObject({ bucket: "b", key });
        expect((await readAll(got.open())).toString()).toBe(key);
      }
    });

    it("removes the files of overwritten, deleted, replaced, unlisted and aborted data", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      await store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("v1")));
      await store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("v2")));
      await eventually(async () => expect((await segmentFiles(dataDir)).length).toBe(1));
      await store.deleteObject("b", "k");
      await eventually(async () => expect((await segmentFiles(dataDir)).length).toBe(0));

      const upload = await store.createMultipartUpload(params("b", "m"));
      const big = randomBytes(MIN_PART_SIZE);
      const p1 = await store.uploadPart("b", "m", upload.uploadId, 1, bodyFromBuffer(big));
      await store.uploadPart("b", "m", upload.uploadId, 2, bodyFromBuffer(Buffer.from("replaced")));
      const p2 = await store.uploadPart("b", "m", upload.uploadId, 2, bodyFromBuffer(Buffer.from("part two")));
      await store.uploadPart("b", "m", upload.uploadId, 3, bodyFromBuffer(Buffer.from("left out")));
      await eventually(async () => expect((await segmentFiles(dataDir)).length).toBe(3));
      await store.completeMultipartUpload({
        bucket: "b",
        key: "m",
        uploadId: upload.uploadId,
        parts: [p1, p2].map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      });
      await eventually(async () => expect((await segmentFiles(dataDir)).length).toBe(2));

      const aborted = await store.createMultipartUpload(params("b", "a"));
      await store.uploadPart("b", "a", aborted.uploadId, 1, bodyFromBuffer(Buffer.from("x")));
      await store.abortMultipartUpload("b", "a", aborted.uploadId);
      const dropped = await store.createMultipartUpload(params("b", "d"));
      await store.uploadPart("b", "d", dropped.uploadId, 1, bodyFromBuffer(Buffer.from("y")));
      await store.deleteObject("b", "m");
      await store.deleteBucket("b");
      await eventually(async () => expect(await segmentFiles(dataDir)).toEqual([]));
    });

    it("leaves no file behind when a body fails or a write is refused at commit", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      const failure = new Error("bad digest");
      await expect(
        store.putObject(params("b", "k"), bodyFromBuffer(randomBytes(500_000), { errorAt: 250_000, error: failure })),
      ).rejects.toBe(failure);
      // the upload is aborted while its part streams: the part is refused at commit
      const upload = await store.createMultipartUpload(params("b", "m"));
      const gated = gatedBody(randomBytes(1000), randomBytes(1000));
      const part = store.uploadPart("b", "m", upload.uploadId, 1, gated.body);
      await gated.started;
      await store.abortMultipartUpload("b", "m", upload.uploadId);
      gated.release();
      await expectStorageError(part, "UPLOAD_NOT_FOUND");
      await eventually(async () => {
        expect(await segmentFiles(dataDir)).toEqual([]);
        expect(await readdir(join(dataDir, "tmp"))).toEqual([]);
      });
    });
  });

  describe("reads", () => {
    it("releases every pin: after a full read, an early destroy, a release without open", async () => {
      const { store } = await freshStore();
      await store.createBucket("b", "owner");
      await store.putObject(params("b", "k"), bodyFromBuffer(randomBytes(1_000_000)));

      const full = await store.getObject({ bucket: "b", key: "k" });
      expect(store.stats().pinnedSegments).toBe(1);
      await readAll(full.open());
      await eventually(async () => expect(store.stats().pinnedSegments).toBe(0));

      const early = await store.getObject({ bucket: "b", key: "k" });
      const stream = early.open();
      for await (const _chunk of stream) break;
      await eventually(async () => expect(store.stats().pinnedSegments).toBe(0));

      const unread = await store.getObject({ bucket: "b", key: "k" });
      expect(store.stats().pinnedSegments).toBe(1);
      unread.release();
      expect(store.stats().pinnedSegments).toBe(0);
      expect(() => unread.open()).toThrow(/released/);

      const twice = await store.getObject({ bucket: "b", key: "k" });
      const s = twice.open();
      expect(() => twice.open()).toThrow(/opened/);
      twice.release(); // no effect: the stream owns the pins
      expect(store.stats().pinnedSegments).toBe(1);
      s.destroy();
      await eventually(async () => expect(store.stats().pinnedSegments).toBe(0));

      // a failed getObject pins nothing
      await expectStorageError(store.getObject({ bucket: "b", key: "k", partNumber: 9 }), "INVALID_PART_NUMBER");
      expect(store.stats().pinnedSegments).toBe(0);
    });

    it("defers unlinking an overwritten version's files until its reader is done", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      const old = randomBytes(100_000);
      await store.putObject(params("b", "k"), bodyFromBuffer(old));
      const [oldFile] = await segmentFiles(dataDir);
      const reading = await store.getObject({ bucket: "b", key: "k" });
      await store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("new")));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await segmentFiles(dataDir)).toContain(oldFile);
      expect((await readAll(reading.open())).equals(old)).toBe(true);
      await eventually(async () => expect(await segmentFiles(dataDir)).not.toContain(oldFile));
      expect((await segmentFiles(dataDir)).length).toBe(1);
    });

    it("pins only the segments a range needs", async () => {
      const { store } = await freshStore();
      await store.createBucket("b", "owner");
      const big = randomBytes(MIN_PART_SIZE);
      const upload = await store.createMultipartUpload(params("b", "m"));
      const parts = [];
      for (const [i, data] of [big, big, Buffer.from("tail")].entries()) {
        parts.push(await store.uploadPart("b", "m", upload.uploadId, i + 1, bodyFromBuffer(data)));
      }
      await store.completeMultipartUpload({
        bucket: "b",
        key: "m",
        uploadId: upload.uploadId,
        parts: parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      });
      const tail = await store.getObject({ bucket: "b", key: "m", range: (info) => ({ start: info.size - 2, end: info.size - 1 }) });
      expect(store.stats().pinnedSegments).toBe(1);
      expect((await readAll(tail.open())).toString()).toBe("il");
      const middle = await store.getObject({ bucket: "b", key: "m", partNumber: 2 });
      expect(store.stats().pinnedSegments).toBe(1);
      middle.release();
      await eventually(async () => expect(store.stats().pinnedSegments).toBe(0));
    });

    it("rejects a range outside the object and a range combined with a part number", async () => {
      const { store } = await freshStore();
      await store.createBucket("b", "owner");
      await store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("0123456789")));
      await expectStorageError(store.getObject({ bucket: "b", key: "k", range: () => ({ start: 5, end: 10 }) }), "INVALID_ARGUMENT");
      await expectStorageError(store.getObject({ bucket: "b", key: "k", range: () => ({ start: 6, end: 5 }) }), "INVALID_ARGUMENT");
      await expectStorageError(
        store.getObject({ bucket: "b", key: "k", partNumber: 1, range: () => ({ start: 0, end: 1 }) }),
        "INVALID_ARGUMENT",
      );
      expect(store.stats().pinnedSegments).toBe(0);
    });

    it("fails the stream, not silently, when a data file was removed behind the store's back", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      await store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("soon gone")));
      const [file] = await walk(join(dataDir, "objects"));
      await unlink(join(dataDir, "objects", file));
      const result = await store.getObject({ bucket: "b", key: "k" });
      await expect(readAll(result.open())).rejects.toMatchObject({ code: "ENOENT" });
      await eventually(async () => expect(store.stats().pinnedSegments).toBe(0));
    });
  });

  describe("lifecycle", () => {
    it("refuses a second open of the same data directory", async () => {
      const { store, dataDir } = await freshStore();
      await expect(openEmbeddedStore({ dataDir })).rejects.toThrow(/in use by another process/);
      await store.close();
      const again = await openEmbeddedStore({ dataDir });
      await again.close();
    });

    it("fails cleanly after close, and a write caught by close leaves no file", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      await store.putObject(params("b", "kept"), bodyFromBuffer(Buffer.from("kept")));
      const gated = gatedBody(Buffer.from("half"), Buffer.from("other half"));
      const inFlight = store.putObject(params("b", "late"), gated.body);
      await gated.started;
      await store.close();
      await store.close(); // idempotent
      gated.release();
      await expect(inFlight).rejects.toThrow(/closed/);
      await expect(store.listBuckets()).rejects.toThrow(/closed/);
      await expect(store.getObject({ bucket: "b", key: "kept" })).rejects.toThrow(/closed/);
      await expect(store.putObject(params("b", "x"), bodyFromBuffer(Buffer.from("x")))).rejects.toThrow(/closed/);
      await eventually(async () => expect((await segmentFiles(dataDir)).length).toBe(1));

      const reopened = await openEmbeddedStore({ dataDir });
      cleanups.push(() => reopened.close());
      const got = await reopened.getObject({ bucket: "b", key: "kept" });
      expect((await readAll(got.open())).toString()).toBe("kept");
      await expectStorageError(reopened.headObject("b", "late"), "KEY_NOT_FOUND");
    });

    it("recovers at start: empties tmp/, removes unreferenced files, keeps data and foreign files", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      const data = randomBytes(10_000);
      await store.putObject(params("b", "k"), bodyFromBuffer(data));
      const upload = await store.createMultipartUpload(params("b", "m"));
      await store.uploadPart("b", "m", upload.uploadId, 1, bodyFromBuffer(Buffer.from("pending part")));
      await store.close();

      // what a crash leaves: a half-written temp file, a renamed but uncommitted segment, a
      // segment whose unlink was lost; plus a file that is not the store's
      await writeFile(join(dataDir, "tmp", randomBytes(16).toString("hex")), "half");
      await mkdir(join(dataDir, "tmp", "stray-dir"));
      await writeFile(join(dataDir, "tmp", "stray-dir", "f"), "x");
      const orphans = [randomBytes(16).toString("hex"), "abcd" + randomBytes(14).toString("hex")];
      for (const id of orphans) {
        await mkdir(join(dataDir, "objects", id.slice(0, 2), id.slice(2, 4)), { recursive: true });
        await writeFile(join(dataDir, "objects", id.slice(0, 2), id.slice(2, 4), id), "orphan");
      }
      await writeFile(join(dataDir, "objects", "README"), "not a segment");
      const before = await segmentFiles(dataDir);
      expect(before.length).toBe(5);

      const log = captureLogger();
      const reopened = await openEmbeddedStore({ dataDir, logger: log.logger });
      cleanups.push(() => reopened.close());
      expect(await readdir(join(dataDir, "tmp"))).toEqual([]);
      const after = await segmentFiles(dataDir);
      expect(after.sort()).toEqual(before.filter((f) => !orphans.includes(f)).sort());
      expect(after).toContain("README");
      const done = log.lines.find((l) => l.msg?.includes("recovery done"));
      expect(done?.obj).toMatchObject({ tmpRemoved: 2, orphansRemoved: 2, missingFiles: 0, foreignFiles: 1 });

      const got = await reopened.getObject({ bucket: "b", key: "k" });
      expect((await readAll(got.open())).equals(data)).toBe(true);
      const parts = await reopened.listParts({ bucket: "b", key: "m", uploadId: upload.uploadId, maxParts: 10 });
      expect(parts.parts.map((p) => p.etag)).toEqual([md5Hex(Buffer.from("pending part"))]);
    });

    it("reports, and does not hide, data files that vanished outside the store", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      await store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("content")));
      await store.close();
      const [file] = await walk(join(dataDir, "objects"));
      await unlink(join(dataDir, "objects", file));
      const log = captureLogger();
      const reopened = await openEmbeddedStore({ dataDir, logger: log.logger });
      cleanups.push(() => reopened.close());
      const warning = log.lines.find((l) => l.level === "warn" && "missingFiles" in l.obj);
      expect(warning?.obj).toMatchObject({ missingFiles: 1 });
      expect((await reopened.headObject("b", "k")).info.size).toBe(7);
    });
  });

  describe("listing cost", () => {
    it("skips whole common prefixes with one seek each (200k keys)", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("big", "owner");
      await store.putObject(params("big", "top-real"), bodyFromBuffer(Buffer.from("real")));
      await store.close();

      // Seed the metadata directly: 200k PUTs through the store would cost 600k fsyncs. Listing
      // reads only the objects table, so rows without data files are enough here (and the test
      // never opens them).
      const db = new Database(join(dataDir, "meta.sqlite"));
      const insert = db.prepare(
        `INSERT INTO objects (bucket, key, vid, size, etag, last_modified, storage_class, owner, checksum_algorithm, parts_count, meta)
         VALUES ('big', ?, ?, 1, 'etag', 0, 'STANDARD', 'owner', NULL, NULL, '{"system":{},"user":{},"tags":{}}')`,
      );
      const TOTAL = 200_000;
      db.transaction(() => {
        for (let i = 0; i < TOTAL; i++) insert.run(`p${i % 4}/sub${String(Math.floor(i / 4) % 50).padStart(2, "0")}/key${i}`, 1_000_000 + i);
        for (let i = 0; i < 100; i++) insert.run(`top-${String(i).padStart(3, "0")}`, 2_000_000 + i);
      })();
      db.close();

      const reopened = await openEmbeddedStore({ dataDir });
      cleanups.push(() => reopened.close());
      const cost = async (run: () => Promise<unknown>) => {
        const before = reopened.stats();
        const started = performance.now();
        await run();
        const after = reopened.stats();
        return {
          seeks: after.listSeeks - before.listSeeks,
          rows: after.listRowsVisited - before.listRowsVisited,
          ms: performance.now() - started,
        };
      };

      let page: Awaited<ReturnType<EmbeddedStore["listObjects"]>> | undefined;
      const top = await cost(async () => (page = await reopened.listObjects({ bucket: "big", delimiter: "/", maxKeys: 1000 })));
      expect(page!.commonPrefixes).toEqual(["p0/", "p1/", "p2/", "p3/"]);
      expect(page!.objects.length).toBe(101);
      expect(page!.isTruncated).toBe(false);
      expect(top.seeks).toBe(5); // the first seek, then one after each common prefix
      expect(top.rows).toBe(4 + 101);

      const sub = await cost(async () => (page = await reopened.listObjects({ bucket: "big", prefix: "p2/", delimiter: "/", maxKeys: 1000 })));
      expect(page!.commonPrefixes.length).toBe(50);
      expect(page!.commonPrefixes[0]).toBe("p2/sub00/");
      expect(sub.rows).toBe(50);

      // paging through the common prefixes two at a time stays cheap too
      const paged = await cost(async () => {
        let startAfter: string | undefined;
        let pages = 0;
        for (;;) {
          const p = await reopened.listObjects({ bucket: "big", prefix: "p1/", delimiter: "/", startAfter, maxKeys: 2 });
          pages++;
          if (!p.isTruncated) break;
          startAfter = p.nextMarker;
        }
        expect(pages).toBe(25);
      });
      // each page reads its 2 entries plus the one that proves truncation, and starts past the
      // marker's common prefix instead of visiting a key under it
      expect(paged.rows).toBe(24 * 3 + 2);

      // without a delimiter a page reads max+1 rows, wherever it starts
      const flat = await cost(async () => (page = await reopened.listObjects({ bucket: "big", startAfter: "p3/sub20/", maxKeys: 1000 })));
      expect(page!.objects.length).toBe(1000);
      expect(page!.isTruncated).toBe(true);
      expect(flat.rows).toBe(1001);
      // timings are printed, never asserted (machines differ)
      console.info(`listing 200k keys: delimiter ${top.ms.toFixed(1)} ms, sub-prefix ${sub.ms.toFixed(1)} ms, flat page ${flat.ms.toFixed(1)} ms`);
    });
  });

  describe("durability", () => {
    it("keeps every acknowledged write intact across kill -9, with nothing partial left", async () => {
      // CRASH_ROUNDS=50 for a longer hunt; the default keeps the suite quick
      const rounds = Number(process.env.CRASH_ROUNDS ?? 3);
      const summary: string[] = [];
      for (let round = 0; round < rounds; round++) {
        const parent = await tempParent();
        cleanups.push(() => rm(parent, { recursive: true, force: true }));
        const dataDir = join(parent, "data");
        // a random moment: 50-600 ms into the workload, after the store is ready
        const killAfterMs = 50 + Math.floor(Math.random() * 550);
        const acked = await runAndKill(dataDir, killAfterMs);
        const leftInTmp = (await readdir(join(dataDir, "tmp"))).length;
        const report = await verifyAfterCrash(dataDir, acked);
        summary.push(`kill at ${killAfterMs} ms: acks ${acked.map((n) => n + 1).join("+")}, tmp ${leftInTmp}, ${JSON.stringify(report)}`);
      }
      console.info(`kill -9 rounds:\n  ${summary.join("\n  ")}`);
    }, 120_000);
  });
});

/** Runs crash-writer.ts, SIGKILLs it `killAfterMs` after it is ready; returns the acked step per lane. */
async function runAndKill(dataDir: string, killAfterMs: number): Promise<number[]> {
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "crash-writer.ts"), dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lastAcked = Array.from({ length: LANES }, () => -1);
  let stderr = "";
  let buffered = "";
  let ready = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const readyPromise = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === "ready") {
          ready = true;
          resolve();
        }
        const m = /^ack (\d+) (\d+)$/.exec(line);
        if (m) lastAcked[Number(m[1])] = Number(m[2]);
      }
    });
    void exited.then(() => {
      if (!ready) reject(new Error(`crash writer exited before it was ready: ${stderr}`));
    });
  });
  await readyPromise;
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  child.kill("SIGKILL");
  const { signal } = await exited;
  expect(signal, `writer should die by SIGKILL, stderr: ${stderr}`).toBe("SIGKILL");
  // let the last stdout data events arrive
  await new Promise((resolve) => setImmediate(resolve));
  return lastAcked;
}

/** What a key must hold after an operation: undefined = absent, else the seq that wrote it. */
function stateAfter(op: PlannedOp): number | undefined {
  return op.kind === "delete" ? undefined : op.seq;
}

async function verifyAfterCrash(dataDir: string, lastAcked: number[]): Promise<object | undefined> {
  const log = captureLogger();
  const store = await openEmbeddedStore({ dataDir, logger: log.logger });
  try {
    expect(await readdir(join(dataDir, "tmp"))).toEqual([]);

    // For each key: the state after its last acknowledged operation, and the one extra state its
    // lane's single in-flight operation (the step after the last ack) may have committed.
    const allowed = new Map<string, Set<number | undefined>>();
    for (let lane = 0; lane < LANES; lane++) {
      for (let step = 0; step <= lastAcked[lane]; step++) {
        const op = plannedOp(lane, step);
        allowed.set(op.key, new Set([stateAfter(op)]));
      }
      const inFlight = plannedOp(lane, lastAcked[lane] + 1);
      if (!allowed.has(inFlight.key)) allowed.set(inFlight.key, new Set([undefined]));
      allowed.get(inFlight.key)!.add(stateAfter(inFlight));
    }
    expect(lastAcked.reduce((a, b) => a + b + 1, 0), "the writer acknowledged some writes").toBeGreaterThan(0);

    const listed = await store.listObjects({ bucket: CRASH_BUCKET, maxKeys: 1000 });
    const present = new Map(listed.objects.map((o) => [o.key, o]));
    let expectedSegments = 0;
    for (const key of new Set([...allowed.keys(), ...present.keys()])) {
      const summary = present.get(key);
      let state: number | undefined;
      if (summary !== undefined) {
        const result = await store.getObject({ bucket: CRASH_BUCKET, key });
        const bytes = await readAll(result.open());
        state = Number(result.info.userMetadata.seq);
        // the object is exactly what operation `state` wrote: never partial, never mixed
        const op = plannedOp(state % LANES, Math.floor(state / LANES));
        expect(op.key).toBe(key);
        if (op.kind === "multipart") {
          const parts = multipartContent(state);
          expect(result.info.etag).toBe(multipartEtag(parts));
          expect(bytes.equals(Buffer.concat(parts))).toBe(true);
          expectedSegments += parts.length;
        } else {
          expect(result.info.etag).toBe(md5Hex(putContent(state)));
          expect(bytes.equals(putContent(state))).toBe(true);
          expectedSegments += 1;
        }
        expect(summary.etag).toBe(result.info.etag);
      }
      expect(allowed.get(key), `key ${key} should not exist`).toBeDefined();
      expect([...allowed.get(key)!], `state of ${key}`).toContain(state);
    }

    // an upload in flight at the kill keeps its committed parts; every other file was recovered away
    const uploads = await store.listMultipartUploads({ bucket: CRASH_BUCKET, maxUploads: 1000 });
    for (const upload of uploads.uploads) {
      const parts = await store.listParts({ bucket: CRASH_BUCKET, key: upload.key, uploadId: upload.uploadId, maxParts: 1000 });
      expectedSegments += parts.parts.length;
    }
    expect((await segmentFiles(dataDir)).length).toBe(expectedSegments);
    const report = log.lines.find((l) => l.msg?.includes("recovery done"))?.obj;
    expect(report).toMatchObject({ missingFiles: 0, foreignFiles: 0 });
    return report;
  } finally {
    await store.close();
  }
}

describe("embedded store internals", () => {
  it("orders and bounds keys by UTF-8 bytes", () => {
    expect(storeCompareUtf8("\uFFFD", "\u{1F600}")).toBeLessThan(0);
    expect("\uFFFD" < "\u{1F600}").toBe(false); // what JavaScript's own order would say
    expect(prefixSuccessor("a/")).toBe("a0");
    expect(prefixSuccessor("a\u{10FFFF}")).toBe("b");
    expect(prefixSuccessor("\u{10FFFF}")).toBeUndefined();
    expect(prefixSuccessor("x\uD7FF")).toBe("x\uE000");
    // every string with the prefix sorts below the successor
    for (const s of ["a/", "a/\u{10FFFF}\u{10FFFF}", "a/\uFFFF", "a/zzz"]) expect(storeCompareUtf8(s, prefixSuccessor("a/")!)).toBeLessThan(0);
  });

  it("computes CRCs with the published check values and combines them", () => {
    const check = Buffer.from("123456789");
    expect(CRC32.of(check)).toBe(0xcbf43926n);
    expect(CRC32C.of(check)).toBe(0xe3069283n);
    expect(CRC64NVME.of(check)).toBe(0xae8b14860a799888n);
    const a = randomBytes(1000);
    const b = randomBytes(333);
    for (const crc of [CRC32, CRC32C, CRC64NVME]) {
      expect(crc.combine(crc.of(a), crc.of(b), b.length)).toBe(crc.of(Buffer.concat([a, b])));
    }
  });

  it("derives multipart checksums: FULL_OBJECT for CRC64NVME, COMPOSITE otherwise", () => {
    const parts = [randomBytes(700), randomBytes(700), randomBytes(5)];
    const b64 = (n: bigint, bytes: number) => {
      const buf = Buffer.alloc(8);
      buf.writeBigUInt64BE(n);
      return buf.subarray(8 - bytes).toString("base64");
    };
    const crc64 = multipartChecksum(
      "CRC64NVME",
      parts.map((p) => ({ size: p.length, checksum: { algorithm: "CRC64NVME", type: "FULL_OBJECT", value: b64(CRC64NVME.of(p), 8) } })),
    );
    expect(crc64).toEqual({ algorithm: "CRC64NVME", type: "FULL_OBJECT", value: b64(CRC64NVME.of(Buffer.concat(parts)), 8) });

    const crc32 = multipartChecksum(
      "CRC32",
      parts.map((p) => ({ size: p.length, checksum: { algorithm: "CRC32", type: "FULL_OBJECT", value: b64(CRC32.of(p), 4) } })),
    );
    const raw = Buffer.concat(parts.map((p) => Buffer.from(b64(CRC32.of(p), 4), "base64")));
    expect(crc32).toEqual({ algorithm: "CRC32", type: "COMPOSITE", value: `${b64(CRC32.of(raw), 4)}-3` });

    expect(multipartChecksum("CRC32", [{ size: 1 }])).toBeUndefined();
    expect(multipartChecksum(undefined, [{ size: 1, checksum: { algorithm: "CRC32", type: "FULL_OBJECT", value: "AAAAAA==" } }])).toBeUndefined();
  });

  it("refuses a key with a lone surrogate instead of storing it altered", async () => {
    // "bad\uD800" has no UTF-8 form; SQLite would store "bad\uFFFD" and the key would change
    const { store, cleanup } = await scratchStore();
    try {
      await store.createBucket("b", "owner");
      await expectStorageError(store.putObject(params("b", "bad\uD800"), bodyFromBuffer(Buffer.from("x"))), "INVALID_ARGUMENT");
      await expectStorageError(store.createMultipartUpload(params("b", "\uDC00")), "INVALID_ARGUMENT");
      expect((await store.listObjects({ bucket: "b", maxKeys: 10 })).objects).toEqual([]);
      // a well-formed astral character is fine
      await store.putObject(params("b", "ok\u{1F600}"), bodyFromBuffer(Buffer.from("x")));
      expect((await store.headObject("b", "ok\u{1F600}")).info.key).toBe("ok\u{1F600}");
    } finally {
      await cleanup();
    }
  });
});
