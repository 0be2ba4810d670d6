/**
 * The embedded store's own checkpoints (checkpoint.ts): SQLite's automatic ones are off; the store's
 * copy only frames whose log sync ended, hold write transactions until the database file's
 * fdatasync (done by the test here, by hand) has ended, and fail the store when that fdatasync does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";

import { Checkpointer, CHECKPOINT_FRAMES } from "../../runtime/storage/embedded/checkpoint.js";
import { GroupCommit } from "../../runtime/storage/embedded/group-commit.js";
import { openEmbeddedStore } from "../../runtime/storage/embedded/index.js";
import { openDatabase } from "../../runtime/storage/embedded/schema.js";
import { WalSync } from "../../runtime/storage/embedded/wal-sync.js";
import type { PutObjectParams } from "../../runtime/storage/types.js";
import { bodyFromBuffer, readAll } from "./body.js";
import { fakeSyncable as fakeFile, track } from "./pending.js";

const turn = () => new Promise((resolve) => setImmediate(resolve));
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await turn();
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function database(): Promise<Database.Database> {
  const dir = await mkdtemp(join(tmpdir(), "s3gw-ckpt-"));
  const db = openDatabase(join(dir, "meta.sqlite"));
  db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
  // start from an empty log (the schema's pages are in it)
  db.pragma("wal_checkpoint(TRUNCATE)");
  cleanups.push(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
  return db;
}

function logState(db: Database.Database): { log: number; checkpointed: number } {
  const [r] = db.pragma("wal_checkpoint(NOOP)") as Array<{ log: number; checkpointed: number }>;
  return { log: r.log, checkpointed: r.checkpointed };
}

/** a group commit over a fake log and a fake database file, checkpointing at `threshold` frames */
async function setUp(threshold: number, db?: Database.Database) {
  db ??= await database();
  const log = fakeFile();
  const dbFile = fakeFile();
  const wal = new WalSync(log);
  const errors: unknown[] = [];
  const checkpoints = new Checkpointer(db, wal, dbFile, (err) => void errors.push(err), threshold);
  const group = new GroupCommit(db, wal, async () => {}, checkpoints);
  const insert = db.prepare<[number, Buffer]>("INSERT INTO t (k, v) VALUES (?, ?)");
  let next = 0;
  /** one job writing `pages` pages of 4 KiB-ish rows */
  const write = (pages = 1) =>
    track(
      group.submit({
        apply: () => {
          for (let i = 0; i < pages; i++) insert.run(next++, Buffer.alloc(3000, i));
        },
      }),
    );
  /** answers every pending log sync, until none is asked for */
  const syncLog = async () => {
    for (let i = 0; i < 20; i++) {
      await turns(2);
      const pending = log.calls.splice(0);
      if (pending.length === 0) return;
      for (const c of pending) c.resolve();
    }
  };
  return { db, log, dbFile, wal, checkpoints, group, write, syncLog, errors };
}

describe("embedded store checkpoints", () => {
  it("SQLite checkpoints nothing by itself: its automatic checkpoint is off", async () => {
    const db = await database();
    const insert = db.prepare<[number, Buffer]>("INSERT INTO t (k, v) VALUES (?, ?)");
    for (let i = 0; i < CHECKPOINT_FRAMES + 200; i++) insert.run(i, Buffer.alloc(3000, 1));
    const state = logState(db);
    expect(state.log).toBeGreaterThan(CHECKPOINT_FRAMES);
    expect(state.checkpointed).toBe(0);
  });

  it("copies only synced frames, then holds writes until the database file is synced", async () => {
    const { db, log, dbFile, checkpoints, write, syncLog } = await setUp(50);
    // below the mark: no checkpoint
    const small = write(10);
    await syncLog();
    expect(small.state).toBe("fulfilled");
    expect(checkpoints.hold).toBeUndefined();
    // this commit brings the log past the mark
    const big = write(60);
    await turns(2);
    expect(checkpoints.hold, "a checkpoint began after the commit").toBeDefined();
    const held = write(1);
    await turns(3);
    expect(logState(db).checkpointed, "no copy before the log sync ended").toBe(0);
    expect(log.calls.length).toBe(1);
    log.calls.splice(0)[0].resolve();
    await turns(3);
    const copied = logState(db);
    expect(copied.checkpointed, "copied once the log was synced").toBe(copied.log);
    expect(big.state).toBe("fulfilled");
    expect(dbFile.calls.length, "the database file's fdatasync is asked for").toBe(1);
    expect(db.pragma("synchronous", { simple: true }), "NORMAL again after the copy").toBe(1);
    // held: the write that would start the log over waits for the database file's sync
    await turns(5);
    expect(held.state).toBe("pending");
    expect(db.prepare("SELECT count(*) FROM t").pluck().get()).toBe(70);
    expect(logState(db), "the log has not started over").toEqual(copied);
    dbFile.calls[0].resolve();
    await turns(3);
    expect(checkpoints.hold).toBeUndefined();
    expect(checkpoints.checkpoints).toBe(1);
    await syncLog();
    expect(held.state).toBe("fulfilled");
    expect(db.prepare("SELECT count(*) FROM t").pluck().get()).toBe(71);
    expect(logState(db).log, "the log started over").toBeLessThan(copied.log);
  });

  it("a failed fdatasync of the database file fails the store: no write begins after it", async () => {
    const { dbFile, wal, group, write, syncLog } = await setUp(20);
    const big = write(30);
    await syncLog();
    expect(big.state).toBe("fulfilled");
    const held = write(1);
    await turns(3);
    expect(dbFile.calls.length).toBe(1);
    const failure = Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    dbFile.calls[0].reject(failure);
    await turns(5);
    expect(wal.failed).toBe(failure);
    expect([held.state, held.error]).toEqual(["rejected", failure]);
    await expect(group.submit({ apply: () => undefined })).rejects.toBe(failure);
  });

  it("a failed copy releases the writes, restores synchronous=NORMAL and is not retried at once", async () => {
    const real = await database();
    let failCopy = true;
    const db = {
      prepare: real.prepare.bind(real),
      transaction: real.transaction.bind(real),
      get inTransaction() {
        return real.inTransaction;
      },
      pragma: (source: string, options?: Database.PragmaOptions) => {
        if (failCopy && source === "wal_checkpoint(PASSIVE)") throw new Error("SQLITE_IOERR: disk I/O error");
        return real.pragma(source, options);
      },
    } as unknown as Database.Database;
    const { dbFile, checkpoints, write, syncLog, errors } = await setUp(20, db);
    const big = write(30);
    await syncLog();
    expect(big.state).toBe("fulfilled");
    await turns(3);
    expect(errors.map((e) => (e as Error).message)).toEqual(["SQLITE_IOERR: disk I/O error"]);
    expect(checkpoints.hold).toBeUndefined();
    expect(real.pragma("synchronous", { simple: true })).toBe(1);
    expect(dbFile.calls.length).toBe(0);
    failCopy = false;
    const next = write(1);
    await syncLog();
    expect(next.state, "writes go on").toBe("fulfilled");
    expect(errors.length, "not retried within a second").toBe(1);
    expect(logState(real).checkpointed).toBe(0);
  });

  it("through the store: a failed fdatasync of the database file refuses every request until reopened, and loses no acknowledged write", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "s3gw-ckpt-fail-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const store = await openEmbeddedStore({ dataDir });
    await store.createBucket("b", "owner");
    const failure = Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    const checkpoints = (store as unknown as { core: { checkpoints: { dbFile: { fd: number; datasync(): Promise<void> } } } }).core.checkpoints;
    checkpoints.dbFile = { fd: checkpoints.dbFile.fd, datasync: () => Promise.reject(failure) };
    const params = (key: string): PutObjectParams => ({ bucket: "b", key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "owner" });
    const acknowledged: string[] = [];
    let refusal: unknown;
    for (let i = 0; i < 200 && refusal === undefined; i++) {
      try {
        await store.putObject(params(`k${i}`), bodyFromBuffer(Buffer.alloc(60_000, i)));
        acknowledged.push(`k${i}`);
      } catch (err) {
        refusal = err;
      }
    }
    expect(String(refusal)).toMatch(/could not be synced/);
    expect(acknowledged.length).toBeGreaterThan(0);
    await expect(store.getBucket("b")).rejects.toThrow(/its log or database file\) could not be synced; reopen/);
    await expect(store.checkReady(100)).rejects.toThrow(/could not be synced.*restart/);
    await store.close();
    const reopened = await openEmbeddedStore({ dataDir });
    try {
      for (const key of acknowledged) {
        const got = await readAll((await reopened.getObject({ bucket: "b", key })).open());
        expect(got.length).toBe(60_000);
      }
    } finally {
      await reopened.close();
    }
  });

  it("through the store: small bodies kept in the database fill the log, the store checkpoints it, and a reopen reads everything", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "s3gw-ckpt-store-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const store = await openEmbeddedStore({ dataDir });
    await store.createBucket("b", "owner");
    const params = (key: string): PutObjectParams => ({ bucket: "b", key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "owner" });
    const body = (i: number) => Buffer.alloc(60_000, i % 251);
    // 8 at a time, as a loaded gateway commits them: ~15 log pages per body, over 1,000 in all
    for (let i = 0; i < 96; i += 8) {
      await Promise.all([...Array(8).keys()].map((j) => store.putObject(params(`k${i + j}`), bodyFromBuffer(body(i + j)))));
    }
    expect(store.stats().checkpoints).toBeGreaterThan(0);
    await store.close();
    const reopened = await openEmbeddedStore({ dataDir });
    try {
      for (const i of [0, 47, 95]) {
        const got = await readAll((await reopened.getObject({ bucket: "b", key: `k${i}` })).open());
        expect(got.equals(body(i))).toBe(true);
      }
    } finally {
      await reopened.close();
    }
  });
});
