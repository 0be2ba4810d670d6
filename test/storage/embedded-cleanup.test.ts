/**
 * The embedded store releases what a failed write opened, at every step of the write: the body
 * failing before, during and after the temp file's open, during a file write, the fdatasync, the
 * leaf directory's creation or the rename, and a write refused at its commit. After each failure no
 * descriptor into the data directory is left open, tmp/ and objects/ hold no file, and the garbage
 * collector finds no FileHandle to close ("Closing file descriptor N on garbage collection").
 *
 * The file system calls of files.ts are wrapped (vi.mock of node:fs/promises) so that a test can
 * hold the temp file's open or a write until the body has failed, or make a call fail: the races
 * that a real server hits now and then happen here every time.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readlink, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { openEmbeddedStore, type EmbeddedStore } from "../../runtime/storage/embedded/index.js";
import { DEFAULT_INLINE_LIMIT } from "../../runtime/storage/embedded/inline.js";
import type { IncomingBody, PutObjectParams } from "../../runtime/storage/types.js";
import { bodyFromChunks } from "./body.js";

type FsPromises = typeof import("node:fs/promises");
type FileHandle = Awaited<ReturnType<FsPromises["open"]>>;

/**
 * Hooks into the store's file system calls. Each may delay a call (return a promise to wait for)
 * or make it fail (throw); `undefined` lets the call run as it is.
 */
const hooks = vi.hoisted(() => ({
  /** before the temp file of a body is opened (only paths in tmp/) */
  open: undefined as undefined | ((path: string) => Promise<void> | void),
  /** before a write (write or writev) to a temp file */
  write: undefined as undefined | ((count: number) => Promise<void> | void),
  /** a writev to a temp file writes only this many bytes of what it was given (a short write) */
  writevAtMost: undefined as undefined | number,
  datasync: undefined as undefined | (() => Promise<void> | void),
  /** before mkdir of a directory under objects/ */
  mkdir: undefined as undefined | ((path: string) => Promise<void> | void),
  rename: undefined as undefined | ((from: string) => Promise<void> | void),
}));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<FsPromises>();
  const isTemp = (path: unknown) => typeof path === "string" && /[/\\]tmp[/\\][0-9a-f]{32}$/.test(path);
  const open = async (...args: Parameters<FsPromises["open"]>): Promise<FileHandle> => {
    if (isTemp(args[0])) await hooks.open?.(args[0] as string);
    const fh = await real.open(...args);
    if (!isTemp(args[0])) return fh;
    let writes = 0;
    const write = fh.write.bind(fh) as (...a: unknown[]) => Promise<unknown>;
    const writev = fh.writev.bind(fh) as (...a: unknown[]) => Promise<unknown>;
    const datasync = fh.datasync.bind(fh);
    return Object.assign(fh, {
      write: async (...a: unknown[]) => {
        await hooks.write?.(++writes);
        return write(...a);
      },
      writev: async (...a: unknown[]) => {
        await hooks.write?.(++writes);
        const [buffers, position] = a as [Buffer[], number];
        if (hooks.writevAtMost === undefined) return writev(...a);
        const head = Buffer.concat(buffers).subarray(0, hooks.writevAtMost);
        return write(head, 0, head.length, position);
      },
      datasync: async () => {
        await hooks.datasync?.();
        return datasync();
      },
    });
  };
  const mkdir = async (...args: Parameters<FsPromises["mkdir"]>) => {
    if (/[/\\]objects[/\\]/.test(String(args[0]))) await hooks.mkdir?.(String(args[0]));
    return real.mkdir(...args);
  };
  const rename = async (...args: Parameters<FsPromises["rename"]>) => {
    await hooks.rename?.(String(args[0]));
    return real.rename(...args);
  };
  return { ...real, open, mkdir, rename, default: { ...real, open, mkdir, rename } };
});

// A FileHandle nobody closed is closed by the garbage collector, with a warning: collect garbage
// on demand and listen for the warning.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const gcWarnings: string[] = [];
const onWarning = (w: Error) => {
  if (/Closing file descriptor|FileHandle/.test(w.message)) gcWarnings.push(w.message);
};

const LIMIT = DEFAULT_INLINE_LIMIT;

let parent: string;
let dataDir: string;
let store: EmbeddedStore;

beforeAll(async () => {
  process.on("warning", onWarning);
  parent = await realpath(await mkdtemp(join(tmpdir(), "s3gw-cleanup-")));
  dataDir = join(parent, "data");
  store = await openEmbeddedStore({ dataDir });
  await store.createBucket("b", "owner");
  // the database and its log (SQLite's descriptors and the store's own)
  expect((await descriptors()).length).toBeGreaterThan(0);
});

afterAll(async () => {
  process.off("warning", onWarning);
  await store?.close();
  await rm(parent, { recursive: true, force: true });
});

/** what the data directory held when the test began (so that each test answers for itself) */
let before: { descriptors: string[]; tmp: string[]; objects: string[] };
beforeEach(async () => {
  // whatever an earlier test left for the collector is collected (and reported) there, not here
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  before = await snapshot();
});

afterEach(() => {
  for (const name of Object.keys(hooks) as (keyof typeof hooks)[]) hooks[name] = undefined;
});

/** This process's descriptors into the data directory. */
async function descriptors(): Promise<string[]> {
  const out: string[] = [];
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(join("/proc/self/fd", fd)).catch(() => undefined);
    if (target !== undefined && target.startsWith(`${dataDir}/`)) out.push(target);
  }
  return out.sort();
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(join(dataDir, dir), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

async function snapshot(): Promise<{ descriptors: string[]; tmp: string[]; objects: string[] }> {
  return { descriptors: await descriptors(), tmp: (await files("tmp")).sort(), objects: (await files("objects")).sort() };
}

/**
 * Nothing of a failed write is left: descriptors, temp files, data files (compared with the state
 * at the test's start), and no FileHandle for the garbage collector to close.
 */
async function expectNothingLeft(): Promise<void> {
  // removal after a refused commit runs in the background
  const deadline = Date.now() + 1000;
  let state = await snapshot();
  while (JSON.stringify(state) !== JSON.stringify(before) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    state = await snapshot();
  }
  const warned = gcWarnings.length;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect({ ...state, gcWarnings: gcWarnings.slice(warned) }).toEqual({ ...before, gcWarnings: [] });
}

function params(key: string): PutObjectParams {
  return { bucket: "b", key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "owner" };
}

/** A promise and its resolver. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/**
 * A body that yields `chunks` (sizes), then waits for `failNow` and fails with `error`; `sent`
 * resolves once every chunk has been taken by the store.
 */
function failingBody(sizes: number[], error: Error): { body: IncomingBody; failNow(): void; sent: Promise<void> } {
  const fail = gate();
  const sent = gate();
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const size of sizes) yield randomBytes(size);
    sent.open();
    await fail.wait;
    throw error;
  }
  return { body: bodyFromChunks(chunks()), failNow: fail.open, sent: sent.wait };
}

/** What `promise` fails with (handled at once: the test may look later). */
function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error("expected a failure, but the write succeeded"),
    (err: unknown) => err,
  );
}

const ticks = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe.skipIf(process.platform !== "linux")("a failed write leaves nothing open or behind", () => {
  it("the body fails before it outgrows memory: no file at all", async () => {
    const failure = new Error("bad digest");
    hooks.open = () => {
      throw new Error("no file may be opened for a body within the inline limit");
    };
    const { body, failNow } = failingBody([LIMIT], failure);
    const put = failureOf(store.putObject(params("k"), body));
    failNow();
    expect(await put).toBe(failure);
    await expectNothingLeft();
  });

  it("the body fails while its temp file is being opened", async () => {
    const failure = new Error("bad digest");
    const opening = gate();
    const release = gate();
    hooks.open = async () => {
      opening.open();
      await release.wait;
    };
    const { body, failNow } = failingBody([LIMIT, 1], failure);
    const put = failureOf(store.putObject(params("k"), body));
    await opening.wait;
    failNow();
    // the failure reaches the store while the open still runs; then the open completes
    await ticks();
    release.open();
    expect(await put).toBe(failure);
    await expectNothingLeft();
  });

  it("the body fails while the first bytes are written to the temp file", async () => {
    const failure = new Error("bad digest");
    const writing = gate();
    const release = gate();
    hooks.write = async (n) => {
      if (n !== 1) return;
      writing.open();
      await release.wait;
    };
    const { body, failNow } = failingBody([LIMIT, 1], failure);
    const put = failureOf(store.putObject(params("k"), body));
    await writing.wait;
    failNow();
    await ticks();
    release.open();
    expect(await put).toBe(failure);
    await expectNothingLeft();
  });

  it("the body fails while a later write is in flight, and after it", async () => {
    for (const during of [true, false]) {
      const failure = new Error("bad digest");
      const writing = gate();
      const release = gate();
      hooks.write = async (n) => {
        if (n !== 2) return;
        writing.open();
        if (during) await release.wait;
      };
      const { body, failNow, sent } = failingBody([LIMIT, 1, 300_000], failure);
      const put = failureOf(store.putObject(params("k"), body));
      await writing.wait;
      if (!during) await sent;
      failNow();
      await ticks();
      release.open();
      expect(await put).toBe(failure);
      await expectNothingLeft();
    }
  });

  it("the temp file cannot be opened (ENOSPC): the body's reading stops, nothing is left", async () => {
    hooks.open = () => {
      throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
    };
    const { body } = failingBody([LIMIT, 1, 100_000], new Error("never reached"));
    await expect(store.putObject(params("k"), body)).rejects.toMatchObject({ code: "ENOSPC" });
    expect(body.stream.destroyed).toBe(true);
    await expectNothingLeft();
  });

  it.each([
    ["a write", "write"],
    ["the fdatasync", "datasync"],
    ["the leaf directory's creation", "mkdir"],
    ["the rename into objects/", "rename"],
  ] as const)("%s fails (EIO)", async (_label, step) => {
    const eio = Object.assign(new Error(`injected EIO in ${step}`), { code: "EIO" });
    hooks[step] = () => {
      throw eio;
    };
    // (mkdir: the segment's id is new, so its leaf directory is almost certainly new too)
    const data = randomBytes(LIMIT + 200_000);
    const body = bodyFromChunks([data.subarray(0, LIMIT + 1), data.subarray(LIMIT + 1)]);
    await expect(store.putObject(params("k"), body)).rejects.toBe(eio);
    await expectNothingLeft();
  });

  it("short writes: whatever a writev leaves unwritten is written next, and the object reads back byte-identical", async () => {
    // an odd size: the rest of a chunk after a short write starts in the middle of it
    hooks.writevAtMost = 50_001;
    const data = randomBytes(LIMIT + 700_000);
    const release = gate();
    // the first write is held, so that the next chunks queue up and go out together in a writev
    hooks.write = async (n) => {
      if (n === 1) await release.wait;
    };
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let at = 0; at < data.length; at += 20_000) {
        yield data.subarray(at, at + 20_000);
        if (at >= LIMIT + 100_000) release.open();
      }
    }
    await store.putObject(params("short"), bodyFromChunks(chunks()));
    const result = await store.getObject({ bucket: "b", key: "short" });
    const read: Buffer[] = [];
    for await (const chunk of result.open()) read.push(chunk as Buffer);
    expect(Buffer.concat(read).equals(data)).toBe(true);
  });

  it("a part refused at its commit (its upload aborted while the body streamed)", async () => {
    const upload = await store.createMultipartUpload(params("m"));
    const release = gate();
    const streaming = gate();
    async function* chunks(): AsyncGenerator<Buffer> {
      yield randomBytes(LIMIT + 1);
      streaming.open();
      await release.wait;
      yield randomBytes(1000);
    }
    const part = failureOf(store.uploadPart("b", "m", upload.uploadId, 1, bodyFromChunks(chunks())));
    await streaming.wait;
    await store.abortMultipartUpload("b", "m", upload.uploadId);
    release.open();
    expect(await part).toMatchObject({ kind: "UPLOAD_NOT_FOUND" });
    await expectNothingLeft();
  });

  it("a few hundred bodies failing at random moments just past the inline limit", async () => {
    // no hooks: the failure and the open race for real, with a random delay in between
    const failure = new Error("bad digest");
    const attempts = Array.from({ length: 300 }, async (_, i) => {
      const sizes = [LIMIT - (i % 7) * 1000, 1 + (i % 5) * 3000 + (i % 7) * 1000];
      async function* chunks(): AsyncGenerator<Buffer> {
        for (const size of sizes) yield randomBytes(size);
        for (let t = i % 4; t > 0; t--) await new Promise((resolve) => setImmediate(resolve));
        throw failure;
      }
      await expect(store.putObject(params(`r${i}`), bodyFromChunks(chunks()))).rejects.toBe(failure);
    });
    await Promise.all(attempts);
    await expectNothingLeft();
  });
});
