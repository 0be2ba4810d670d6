/**
 * The embedded store's commit machinery on its own: the log sync that makes commits durable off
 * the event loop (wal-sync.ts) and the group commit that batches write transactions
 * (group-commit.ts). A fake log whose fdatasync calls the test completes by hand shows exactly when
 * a writer is answered.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";

import { GroupCommit, type CommitJob } from "../../runtime/storage/embedded/group-commit.js";
import { WalSync } from "../../runtime/storage/embedded/wal-sync.js";
import { StorageError } from "../../runtime/storage/types.js";
import { fakeSyncable as fakeLog, track } from "./pending.js";

/** lets pending callbacks, promise reactions and setImmediate batches run */
const turn = () => new Promise((resolve) => setImmediate(resolve));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("WalSync", () => {
  it("answers a commit only after a sync that began after it, and shares syncs among commits", async () => {
    const log = fakeLog();
    const wal = new WalSync(log);
    expect(wal.pending).toBe(false);
    const first = track(wal.waitFor(wal.noteCommit()));
    expect(log.calls.length).toBe(1);
    // committed while the first sync runs: that sync may have missed them
    const second = track(wal.waitFor(wal.noteCommit()));
    const third = track(wal.waitFor(wal.noteCommit()));
    expect(log.calls.length).toBe(1);
    log.calls[0].resolve();
    await turn();
    expect(first.state).toBe("fulfilled");
    expect([second.state, third.state]).toEqual(["pending", "pending"]);
    expect(log.calls.length, "one more sync covers both").toBe(2);
    expect(wal.pending).toBe(true);
    log.calls[1].resolve();
    await turn();
    expect([second.state, third.state]).toEqual(["fulfilled", "fulfilled"]);
    expect(wal.pending).toBe(false);
    // nothing new committed: nothing to wait for, no sync
    await wal.settled();
    expect(log.calls.length).toBe(2);
    expect(wal.syncs).toBe(2);
  });

  it("fails every waiter of a failed sync, and every later one, without syncing again", async () => {
    const log = fakeLog();
    const wal = new WalSync(log);
    const a = track(wal.waitFor(wal.noteCommit()));
    const b = track(wal.waitFor(wal.noteCommit()));
    const failure = new Error("EIO");
    log.calls[0].reject(failure);
    await turn();
    expect([a.state, a.error, b.state, b.error]).toEqual(["rejected", failure, "rejected", failure]);
    await expect(wal.waitFor(wal.noteCommit())).rejects.toBe(failure);
    await expect(wal.settled()).rejects.toBe(failure);
    expect(log.calls.length).toBe(1);
  });
});

describe("GroupCommit", () => {
  async function setUp(fsyncDir: (dir: string) => Promise<void> = async () => {}) {
    const dir = await mkdtemp(join(tmpdir(), "s3gw-group-"));
    const db = new Database(join(dir, "db.sqlite"));
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)");
    cleanups.push(async () => {
      db.close();
      await rm(dir, { recursive: true, force: true });
    });
    const log = fakeLog();
    const wal = new WalSync(log);
    const group = new GroupCommit(db, wal, fsyncDir);
    const insert = db.prepare<[string, string]>("INSERT INTO t (k, v) VALUES (?, ?)");
    const rows = () => db.prepare("SELECT k FROM t ORDER BY k").pluck().all();
    return { db, log, group, insert, rows };
  }

  it("runs jobs of one turn in one transaction; a failing job rolls back only itself; all answer after the sync", async () => {
    const { log, group, insert, rows } = await setUp();
    const notCommitted: string[] = [];
    const job = (name: string, body: () => void): CommitJob<string> => ({
      apply: () => {
        body();
        return name;
      },
      notCommitted: () => void notCommitted.push(name),
    });
    const results = [
      job("a", () => insert.run("a", "1")),
      job("refused", () => {
        insert.run("b", "written, then rolled back");
        throw new StorageError("CONFLICT");
      }),
      job("c", () => insert.run("c", "1")),
      // a constraint error from SQLite itself: also rolled back alone
      job("duplicate", () => {
        insert.run("d", "rolled back with its savepoint");
        insert.run("a", "again");
      }),
    ].map((j) => track(group.submit(j)));

    while (log.calls.length === 0) await turn();
    expect(group.stats).toEqual({ batches: 1, jobs: 4, largestBatch: 4 });
    expect(rows(), "committed (visible to this process)").toEqual(["a", "c"]);
    expect(results.map((r) => r.state), "but nobody is answered before the sync").toEqual(["pending", "pending", "pending", "pending"]);
    log.calls[0].resolve();
    await turn();
    expect(results.map((r) => r.state)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected"]);
    expect(results[0].value).toBe("a");
    expect((results[1].error as StorageError).kind).toBe("CONFLICT");
    expect((results[3].error as Error).message).toMatch(/UNIQUE/);
    expect(notCommitted).toEqual(["refused", "duplicate"]);
  });

  it("a job alone in its batch that fails rolls back its changes, gets its own error after a sync, and uses up its commit number", async () => {
    const { db, log, group, insert, rows } = await setUp();
    const wal = (group as unknown as { wal: WalSync }).wal;
    const first = track(group.submit({ apply: () => insert.run("a", "1") }));
    while (log.calls.length === 0) await turn();
    let rolledBack = false;
    let itsNumber = 0;
    const alone = track(
      group.submit({
        apply: () => {
          // what store-core does: it records the number of the commit changing a key
          itsNumber = wal.nextCommit;
          insert.run("b", "written, then rolled back");
          insert.run("a", "again"); // UNIQUE
        },
        notCommitted: () => void (rolledBack = true),
      }),
    );
    await turn();
    await turn();
    expect(group.stats).toEqual({ batches: 2, jobs: 2, largestBatch: 1 });
    expect(db.inTransaction).toBe(false);
    expect(rows()).toEqual(["a"]);
    expect(alone.state, "its answer waits for the sync of what it saw").toBe("pending");
    // a reader of that key waits for the number the failed job recorded: it must come
    const reader = track(wal.waitFor(itsNumber));
    log.calls[0].resolve();
    await turn();
    expect(first.state).toBe("fulfilled");
    while (log.calls.length < 2) await turn();
    log.calls[1].resolve();
    await turn();
    await turn();
    expect([alone.state, reader.state]).toEqual(["rejected", "fulfilled"]);
    expect((alone.error as Error).message).toMatch(/UNIQUE/);
    expect(rolledBack).toBe(true);
  });

  it("a COMMIT that fails leaves the outcome unknown (no notCommitted) and still uses up its commit number", async () => {
    const { db, log, group } = await setUp();
    const wal = (group as unknown as { wal: WalSync }).wal;
    // a deferred foreign key is checked at COMMIT: the only statement that fails is COMMIT itself
    db.pragma("foreign_keys = ON");
    db.exec("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    db.exec("CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)");
    let notCommitted = false;
    let itsNumber = 0;
    const orphan = track(
      group.submit({
        apply: () => {
          itsNumber = wal.nextCommit;
          db.prepare("INSERT INTO child (id, parent) VALUES (1, 42)").run();
          return "applied";
        },
        notCommitted: () => void (notCommitted = true),
      }),
    );
    while (log.calls.length === 0) await turn();
    expect(db.inTransaction).toBe(false);
    expect(db.prepare("SELECT count(*) FROM child").pluck().get()).toBe(0);
    const reader = track(wal.waitFor(itsNumber));
    log.calls[0].resolve();
    await turn();
    await turn();
    expect([orphan.state, reader.state]).toEqual(["rejected", "fulfilled"]);
    expect((orphan.error as Error).message).toMatch(/FOREIGN KEY/);
    expect(notCommitted, "a failed COMMIT's outcome is unknown: its files are left to the orphan scan").toBe(false);
  });

  it("fsyncs each directory once per batch, before the transaction; a failed directory fails only its jobs", async () => {
    const synced: Array<{ dir: string; rowsThen: number }> = [];
    let countRows = () => 0;
    const { log, group, insert, rows } = await setUp(async (dir) => {
      synced.push({ dir, rowsThen: countRows() });
      if (dir === "d3") throw new Error("EIO on d3");
    });
    countRows = () => rows().length;
    const notCommitted: string[] = [];
    const results = [
      { name: "x", dirs: ["d1"] },
      { name: "y", dirs: ["d1", "d2"] },
      { name: "z", dirs: ["d2", "d3"] },
      { name: "w", dirs: [] },
    ].map(({ name, dirs }) =>
      track(
        group.submit({
          apply: () => insert.run(name, "1"),
          dirs,
          notCommitted: () => void notCommitted.push(name),
        }),
      ),
    );
    while (log.calls.length === 0) await turn();
    log.calls[0].resolve();
    await turn();
    expect(synced.map((s) => s.dir).sort()).toEqual(["d1", "d2", "d3"]);
    expect(synced.every((s) => s.rowsThen === 0), "directories are synced before any row is written").toBe(true);
    expect(results.map((r) => r.state)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((results[2].error as Error).message).toBe("EIO on d3");
    expect(notCommitted).toEqual(["z"]);
    expect(rows()).toEqual(["w", "x", "y"]);
  });

  it("a job that commits while another batch's sync runs is answered by the next sync", async () => {
    const { log, group, insert } = await setUp();
    const first = track(group.submit({ apply: () => insert.run("1", "") }));
    while (log.calls.length === 0) await turn();
    const second = track(group.submit({ apply: () => insert.run("2", "") }));
    await turn();
    await turn();
    expect(group.stats.batches).toBe(2);
    expect(log.calls.length, "the second commit waits for the running sync to end").toBe(1);
    log.calls[0].resolve();
    await turn();
    expect([first.state, second.state]).toEqual(["fulfilled", "pending"]);
    expect(log.calls.length).toBe(2);
    log.calls[1].resolve();
    await turn();
    expect(second.state).toBe("fulfilled");
  });

  it("after a failed log sync, answers the batch with its error and applies no later batch", async () => {
    const { log, group, insert, rows } = await setUp();
    const first = track(group.submit({ apply: () => insert.run("1", "") }));
    while (log.calls.length === 0) await turn();
    const failure = new Error("EIO");
    log.calls[0].reject(failure);
    await turn();
    expect([first.state, first.error]).toEqual(["rejected", failure]);
    let notCommitted = false;
    const later = track(
      group.submit({
        apply: () => insert.run("2", ""),
        notCommitted: () => {
          notCommitted = true;
        },
      }),
    );
    await turn();
    await turn();
    expect([later.state, later.error, notCommitted]).toEqual(["rejected", failure, true]);
    expect(rows(), "the first commit happened (its outcome is unknown to its writer); the later one did not").toEqual(["1"]);
    expect(group.stats.batches).toBe(1);
  });

  it("on close, commits what was submitted and refuses what comes after", async () => {
    const { log, group, insert, rows } = await setUp();
    const early = track(group.submit({ apply: () => insert.run("early", "") }));
    const closing = track(group.close(new Error("closed")));
    let refusedNotCommitted = false;
    const late = track(
      group.submit({
        apply: () => insert.run("late", ""),
        notCommitted: () => {
          refusedNotCommitted = true;
        },
      }),
    );
    while (log.calls.length === 0) await turn();
    expect(closing.state).toBe("pending");
    log.calls[0].resolve();
    await turn();
    await turn();
    expect([early.state, late.state, closing.state]).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((late.error as Error).message).toBe("closed");
    expect(refusedNotCommitted).toBe(true);
    expect(rows()).toEqual(["early"]);
  });
});
