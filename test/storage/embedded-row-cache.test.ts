/**
 * The embedded store's cache of bucket rows (runtime/storage/embedded/row-cache.ts): what it
 * answers is always what the table holds, after changes made by any statement, committed or rolled
 * back, and through the store's own bucket operations.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";

import { openEmbeddedStore } from "../../runtime/storage/embedded/index.js";
import { MAX_ENTRIES, RowCache } from "../../runtime/storage/embedded/row-cache.js";
import type { PutObjectParams } from "../../runtime/storage/types.js";
import { bodyFromBuffer } from "./body.js";
import { expectStorageError } from "./contract.js";

function params(bucket: string, key: string): PutObjectParams {
  return { bucket, key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "bob" };
}

interface Row {
  name: string;
  owner: string;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function table() {
  const db = new Database(":memory:");
  cleanups.push(() => void db.close());
  db.exec("CREATE TABLE buckets (name TEXT PRIMARY KEY, owner TEXT NOT NULL) WITHOUT ROWID");
  const get = db.prepare<[string], Row>("SELECT name, owner FROM buckets WHERE name = ?");
  let loads = 0;
  const cache = new RowCache<Row>(db, "buckets", (name) => {
    loads++;
    return get.get(name);
  });
  return { db, cache, loads: () => loads };
}

describe("RowCache", () => {
  it("reads a row once, then answers from memory until any statement changes the table", () => {
    const { db, cache, loads } = table();
    db.prepare("INSERT INTO buckets VALUES ('a', 'ann'), ('b', 'bob')").run();
    expect(cache.get("a")).toEqual({ name: "a", owner: "ann" });
    expect(cache.get("a")).toEqual({ name: "a", owner: "ann" });
    expect(loads()).toBe(1);
    expect(Object.isFrozen(cache.get("a"))).toBe(true);
    // an UPDATE, a DELETE and an INSERT, each of another row than the cached one, drop it too
    db.prepare("UPDATE buckets SET owner = 'ben' WHERE name = 'b'").run();
    expect(cache.size).toBe(0);
    db.prepare("UPDATE buckets SET owner = 'amy' WHERE name = 'a'").run();
    expect(cache.get("a")?.owner).toBe("amy");
    db.prepare("DELETE FROM buckets WHERE name = 'a'").run();
    expect(cache.get("a")).toBeUndefined();
    db.prepare("INSERT INTO buckets VALUES ('a', 'al')").run();
    expect(cache.get("a")?.owner).toBe("al");
    // a statement that matches no row fires no trigger: the entry stays
    db.prepare("DELETE FROM buckets WHERE name = 'none'").run();
    expect(cache.size).toBe(1);
  });

  it("keeps no row read inside a transaction, so a rollback leaves no trace", () => {
    const { db, cache } = table();
    db.prepare("INSERT INTO buckets VALUES ('a', 'ann')").run();
    expect(cache.get("a")?.owner).toBe("ann");
    const rolledBack = db.transaction(() => {
      db.prepare("INSERT INTO buckets VALUES ('new', 'nia')").run();
      db.prepare("UPDATE buckets SET owner = 'amy' WHERE name = 'a'").run();
      // inside, the transaction's own state is seen
      expect(cache.get("new")?.owner).toBe("nia");
      expect(cache.get("a")?.owner).toBe("amy");
      throw new Error("roll back");
    });
    expect(() => rolledBack()).toThrow("roll back");
    expect(cache.get("new")).toBeUndefined();
    expect(cache.get("a")?.owner).toBe("ann");
    // a delete rolled back brings the row back
    const deleteRolledBack = db.transaction(() => {
      db.prepare("DELETE FROM buckets WHERE name = 'a'").run();
      expect(cache.get("a")).toBeUndefined();
      throw new Error("roll back");
    });
    expect(() => deleteRolledBack()).toThrow("roll back");
    expect(cache.get("a")?.owner).toBe("ann");
    expect(cache.size).toBe(1);
  });

  it("keeps an absent row as absent until the table changes, and at most MAX_ENTRIES keys", () => {
    const { db, cache, loads } = table();
    expect(cache.get("none")).toBeUndefined();
    expect(cache.get("none")).toBeUndefined();
    expect([cache.size, loads()]).toEqual([1, 1]);
    db.prepare("INSERT INTO buckets VALUES ('none', 'nat')").run();
    expect(cache.get("none")?.owner).toBe("nat");
    for (let i = 0; cache.size < MAX_ENTRIES; i++) cache.get(`missing-${i}`);
    expect(cache.size).toBe(MAX_ENTRIES);
    cache.get("one-more");
    expect(cache.size).toBe(1);
  });

  it("tells two caches of one table on one connection", () => {
    const { db, cache } = table();
    const get = db.prepare<[string], Row>("SELECT name, owner FROM buckets WHERE name = ?");
    const second = new RowCache<Row>(db, "buckets", (name) => get.get(name));
    expect([cache.get("a"), second.get("a")]).toEqual([undefined, undefined]);
    db.prepare("INSERT INTO buckets VALUES ('a', 'ann')").run();
    expect([cache.get("a")?.owner, second.get("a")?.owner]).toEqual(["ann", "ann"]);
  });
});

describe("the embedded store's bucket reads", () => {
  it("see a bucket deleted and created again by another owner, and a creation that failed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s3gw-rowcache-"));
    const store = await openEmbeddedStore({ dataDir: dir });
    cleanups.push(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    await store.createBucket("b", "alice");
    expect((await store.getBucket("b")).owner).toBe("alice");
    await store.deleteBucket("b");
    await expectStorageError(store.getBucket("b"), "BUCKET_NOT_FOUND");
    await store.createBucket("b", "bob");
    expect((await store.getBucket("b")).owner).toBe("bob");
    await expectStorageError(store.createBucket("b", "carol"), "BUCKET_ALREADY_EXISTS");
    expect((await store.getBucket("b")).owner).toBe("bob");
    // a write refused inside its transaction does not leave reads waiting (a read of a key waits
    // for the commit number the refused write had recorded)
    await store.putObject(params("b", "kept"), bodyFromBuffer(Buffer.from("still here")));
    await expectStorageError(store.createBucket("b", "bob"), "BUCKET_ALREADY_OWNED");
    await expectStorageError(store.putObject({ ...params("b", "kept"), ifNoneMatch: "*" }, bodyFromBuffer(Buffer.from("x"))), "PRECONDITION_FAILED");
    const read = store.headObject("b", "kept");
    const late = new Promise((resolve) => setTimeout(() => resolve("still waiting after 2 s"), 2000).unref());
    expect(await Promise.race([read.then((r) => r.info.size), late])).toBe(10);
    // versioning and Object Lock, read from their own cached tables
    await store.putBucketVersioning("b", "Enabled");
    const first = await store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("one")));
    expect(first.versionId).toMatch(/.+/);
    await store.putBucketVersioning("b", "Suspended");
    expect((await store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("two")))).versionId).toBe("null");
    expect((await store.getBucket("b")).defaultRetention).toBe(false);
    await store.putBucketVersioning("b", "Enabled");
    await store.putObjectLockConfiguration("b", { defaultRetention: { mode: "GOVERNANCE", days: 1 } });
    expect((await store.getBucket("b")).defaultRetention).toBe(true);
    expect((await store.getObjectLockConfiguration("b"))?.defaultRetention).toEqual({ mode: "GOVERNANCE", days: 1 });
  });
});
