/**
 * The embedded store's files are readable by the gateway's user only: 0600 files (data files, the
 * SQLite database that holds small objects inline, its log) and 0700 directories, whatever the
 * process umask; an older data directory has what the store owns narrowed at start (modes.ts).
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { openEmbeddedStore, type EmbeddedStore, type StoreLogger } from "../../runtime/storage/embedded/index.js";
import { MIN_PART_SIZE, type PutObjectParams } from "../../runtime/storage/types.js";
import { bodyFromBuffer } from "./body.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `fn` with the process umask set to `mask` (vitest runs this file in a process of its own). */
async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(previous);
  }
}

async function tempParent(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), "s3gw-modes-"));
  cleanups.push(() => rm(parent, { recursive: true, force: true }));
  return parent;
}

async function open(dataDir: string, logger?: StoreLogger): Promise<EmbeddedStore> {
  const store = await openEmbeddedStore({ dataDir, ...(logger && { logger }) });
  cleanups.push(() => store.close());
  return store;
}

function params(key: string): PutObjectParams {
  return { bucket: "b", key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "owner" };
}

/** An inline object, a file object, a completed multipart upload and one in progress. */
async function writeSome(store: EmbeddedStore, tag: string): Promise<void> {
  await store.putObject(params(`${tag}-small`), bodyFromBuffer(randomBytes(100)));
  await store.putObject(params(`${tag}-large`), bodyFromBuffer(randomBytes(300_000)));
  const done = await store.createMultipartUpload(params(`${tag}-multipart`));
  const p1 = await store.uploadPart("b", `${tag}-multipart`, done.uploadId, 1, bodyFromBuffer(randomBytes(MIN_PART_SIZE)));
  const p2 = await store.uploadPart("b", `${tag}-multipart`, done.uploadId, 2, bodyFromBuffer(randomBytes(1000)));
  await store.completeMultipartUpload({
    bucket: "b",
    key: `${tag}-multipart`,
    uploadId: done.uploadId,
    parts: [p1, p2].map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
  });
  const open = await store.createMultipartUpload(params(`${tag}-open`));
  await store.uploadPart("b", `${tag}-open`, open.uploadId, 1, bodyFromBuffer(randomBytes(200_000)));
}

/** The mode of `root` and of everything below it, by path relative to `root` ("." for itself). */
async function modes(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = { ".": octal((await stat(root)).mode) };
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out[relative(root, path)] = `${entry.isDirectory() ? "dir" : "file"} ${octal((await stat(path)).mode)}`;
  }
  return out;
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/** Every entry is a 0600 file or a 0700 directory. */
function expectPrivate(found: Record<string, string>): void {
  const wrong = Object.entries(found).filter(([path, mode]) => (path === "." ? mode !== "0700" : mode !== "dir 0700" && mode !== "file 0600"));
  expect(wrong).toEqual([]);
}

describe.skipIf(process.platform === "win32")("file modes of the embedded store", () => {
  it.each([
    ["0", 0o000],
    ["0022 (the usual)", 0o022],
    ["0277 (takes the owner's own bits)", 0o277],
  ])("a new data directory, umask %s: 0600 files, 0700 directories", async (_label, mask) => {
    const dataDir = join(await tempParent(), "data");
    await withUmask(mask, async () => {
      const store = await open(dataDir);
      await store.createBucket("b", "owner");
      await writeSome(store, "a");
    });
    const found = await modes(dataDir);
    // what is there: the database and its log, data files in objects/<ab>/<cd>/, an empty tmp/
    expect(Object.keys(found)).toEqual(expect.arrayContaining(["meta.sqlite", "meta.sqlite-wal", "objects", "tmp"]));
    expect(Object.keys(found).filter((p) => /^objects\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{32}$/.test(p))).toHaveLength(3); // the large object, the first part, the open upload's part (the rest is inline)
    expectPrivate(found);
  });

  it("an older data directory: what the store owns is narrowed at start, the directory itself is left alone", async () => {
    const dataDir = join(await tempParent(), "data");
    // what an older version made: 0755 directories, 0644 files
    await withUmask(0o022, async () => {
      const store = await open(dataDir);
      await store.createBucket("b", "owner");
      await writeSome(store, "old");
      await store.close();
    });
    const old = await modes(dataDir);
    for (const [path, mode] of Object.entries(old)) await chmod(join(dataDir, path), mode.startsWith("file") ? 0o644 : 0o755);

    const lines: string[] = [];
    const logger = { info: (o: object) => void lines.push(JSON.stringify(o)), warn: (o: object) => void lines.push(JSON.stringify(o)) };
    const store = await withUmask(0o022, () => open(dataDir, logger));
    await writeSome(store, "new");
    const found = await modes(dataDir);
    expect({ ".": found["."], objects: found.objects, tmp: found.tmp, "meta.sqlite": found["meta.sqlite"], "meta.sqlite-wal": found["meta.sqlite-wal"] }).toEqual({
      ".": "0755", // the user's choice, or an older version's: what it holds is closed anyway
      objects: "dir 0700",
      tmp: "dir 0700",
      "meta.sqlite": "file 0600",
      "meta.sqlite-wal": "file 0600",
    });
    // the operator is told what was narrowed (the log of a cleanly closed database is gone)
    expect(lines.filter((l) => /"from":"0(755|644)"/.test(l)).map((l) => (JSON.parse(l) as { path: string }).path).sort()).toEqual(
      [join(dataDir, "meta.sqlite"), join(dataDir, "objects"), join(dataDir, "tmp")],
    );
    // what was written since is private; older entries below objects/ keep their modes, out of reach
    const newer = Object.fromEntries(Object.entries(found).filter(([path]) => !(path in old)));
    expect(Object.keys(newer).filter((p) => /[0-9a-f]{32}$/.test(p))).toHaveLength(3); // the large object, the first part, the open upload's part (the rest is inline)
    expectPrivate({ ...newer, ".": "0700" });
  });
});
