/**
 * What the embedded store's test files share: stores in fresh temporary directories, the files a
 * store holds, a check of its metadata against them, and a logger that keeps what it was told.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";

import Database from "better-sqlite3";
import { afterEach, expect } from "vitest";

import { openEmbeddedStore, type EmbeddedStore, type EmbeddedStoreOptions } from "../../runtime/storage/embedded/index.js";
import type { PutObjectParams } from "../../runtime/storage/types.js";

export async function tempParent(): Promise<string> {
  return mkdtemp(join(tmpdir(), "s3gw-embedded-"));
}

export async function scratchStore(options: StoreOptions = {}): Promise<{ store: EmbeddedStore; cleanup(): Promise<void> }> {
  const parent = await tempParent();
  const store = await openEmbeddedStore({ dataDir: join(parent, "data"), ...options });
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(parent, { recursive: true, force: true });
    },
  };
}

/** what a test may choose about a store besides its directory */
export type StoreOptions = Omit<EmbeddedStoreOptions, "dataDir">;

/** Tests about data files turn inlining off, so that even their small bodies become files. */
export const FILES_ONLY: StoreOptions = { inlineLimit: 0 };

/** every file under `dir`, as paths relative to it (directories themselves are not listed) */
export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)).map((p) => join(entry.name, p)));
    else out.push(entry.name);
  }
  return out;
}

export async function segmentFiles(dataDir: string): Promise<string[]> {
  return (await walk(join(dataDir, "objects"))).map((p) => p.split(sep).pop()!);
}

/** unlinks after a commit are asynchronous: wait for the file count to settle */
export async function eventually(check: () => Promise<void>, timeoutMs = 3000): Promise<void> {
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

export function params(bucket: string, key: string, extra: Partial<PutObjectParams> = {}): PutObjectParams {
  return { bucket, key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "owner", ...extra };
}

interface LoggedLine {
  level: "info" | "warn";
  obj: object;
  msg?: string;
}

export function captureLogger() {
  const lines: LoggedLine[] = [];
  return {
    lines,
    logger: {
      info: (obj: object, msg?: string) => void lines.push({ level: "info", obj, msg }),
      warn: (obj: object, msg?: string) => void lines.push({ level: "warn", obj, msg }),
    },
  };
}

/**
 * Stores opened in fresh directories for one test each: call it in a describe; everything
 * freshStore opened (and every cleanup a test pushes) is closed and removed after each test.
 */
export function scratchStores() {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** a fresh data directory (inside a fresh parent) and a store opened on it */
  async function freshStore(options: StoreOptions = {}): Promise<{ store: EmbeddedStore; dataDir: string; parent: string }> {
    const parent = await tempParent();
    const dataDir = join(parent, "data");
    const store = await openEmbeddedStore({ dataDir, ...options });
    cleanups.push(async () => {
      await store.close();
      await rm(parent, { recursive: true, force: true });
    });
    return { store, dataDir, parent };
  }

  /** Holds the store's WAL syncs until the returned function is called (or the test ends). */
  function holdLogSyncs(store: EmbeddedStore): () => void {
    const wal = (store as unknown as { core: { wal: { log: { datasync(): Promise<void> } } } }).core.wal;
    const realSync = wal.log.datasync.bind(wal.log);
    let releaseSync!: () => void;
    const held = new Promise<void>((resolve) => (releaseSync = resolve));
    wal.log = { ...wal.log, datasync: () => held.then(realSync), fd: (wal.log as unknown as { fd: number }).fd } as never;
    cleanups.push(async () => releaseSync());
    return releaseSync;
  }
  return { cleanups, freshStore, holdLogSyncs };
}

/**
 * Checks the metadata invariants of a closed store directly in its database (schema.ts): every
 * segment is referenced exactly once, by a part or by an object; every reference names a segment;
 * an inline segment has exactly its bytes in inline_data and inline_data holds nothing else; file
 * segments and the files under objects/ are the same set; every multipart object has the record of
 * its completion, and no completed upload is still in progress.
 */
export async function checkMetadataInvariants(dataDir: string): Promise<{ fileSegments: number; inlineSegments: number }> {
  const db = new Database(join(dataDir, "meta.sqlite"), { readonly: true });
  try {
    const all = <T>(sql: string) => db.prepare(sql).all() as T[];
    expect(
      all(`SELECT id FROM segments s
           WHERE (SELECT count(*) FROM object_segments WHERE segment_id = s.id)
               + (SELECT count(*) FROM parts WHERE segment_id = s.id) != 1`),
      "segments referenced other than exactly once",
    ).toEqual([]);
    expect(
      all(`SELECT segment_id FROM object_segments WHERE segment_id NOT IN (SELECT id FROM segments)
           UNION ALL SELECT segment_id FROM parts WHERE segment_id NOT IN (SELECT id FROM segments)`),
      "references to missing segments",
    ).toEqual([]);
    expect(
      all(`SELECT s.id, s.size, length(d.data) AS stored FROM segments s
           LEFT JOIN inline_data d ON s.id = 'i' || d.id
           WHERE s.id >= 'i' AND (d.data IS NULL OR length(d.data) != s.size)`),
      "inline segments without their exact bytes",
    ).toEqual([]);
    expect(
      all(`SELECT id FROM inline_data WHERE 'i' || id NOT IN (SELECT id FROM segments)`),
      "inline bytes without a segment",
    ).toEqual([]);
    // A completion commits its object and its record together (a kill -9 keeps both or neither);
    // records expire after 24 hours, which no test waits for.
    expect(
      all(`SELECT key FROM objects o WHERE parts_count IS NOT NULL AND NOT EXISTS
             (SELECT 1 FROM completed_uploads c WHERE c.vid = o.vid AND c.bucket = o.bucket AND c.key = o.key)`),
      "multipart objects without the record of their completion",
    ).toEqual([]);
    expect(
      all("SELECT upload_id FROM completed_uploads WHERE upload_id IN (SELECT upload_id FROM uploads)"),
      "uploads both completed and in progress",
    ).toEqual([]);
    const fileIds = (all<{ id: string }>("SELECT id FROM segments WHERE id < 'g'")).map((r) => r.id);
    expect(fileIds.sort()).toEqual((await segmentFiles(dataDir)).sort());
    const inline = db.prepare("SELECT count(*) FROM segments WHERE id >= 'i'").pluck().get() as number;
    return { fileSegments: fileIds.length, inlineSegments: inline };
  } finally {
    db.close();
  }
}
