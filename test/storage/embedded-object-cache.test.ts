/**
 * The embedded store's object cache (runtime/storage/embedded/object-cache.ts): what a read answers
 * from memory is always what the tables hold, after changes by any statement, committed or rolled
 * back, and through every store operation that replaces, deletes or changes an object a read has
 * seen (overwrite, delete, tags, ACL, multipart completion, versions and delete markers).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";

import { openEmbeddedStore, type EmbeddedStore } from "../../runtime/storage/embedded/index.js";
import { ObjectCache, type CachedSegment } from "../../runtime/storage/embedded/object-cache.js";
import type { ObjectRow } from "../../runtime/storage/embedded/statements.js";
import type { PutObjectParams } from "../../runtime/storage/types.js";
import { bodyFromBuffer, readAll } from "./body.js";
import { expectStorageError } from "./contract.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tables(limits?: ConstructorParameters<typeof ObjectCache>[1]) {
  const db = new Database(":memory:");
  cleanups.push(() => void db.close());
  db.exec(`CREATE TABLE objects (bucket TEXT NOT NULL, key TEXT NOT NULL, vid INTEGER NOT NULL, etag TEXT NOT NULL,
             PRIMARY KEY (bucket, key)) WITHOUT ROWID;
           CREATE TABLE object_segments (vid INTEGER NOT NULL, seq INTEGER NOT NULL, segment_id TEXT NOT NULL,
             size INTEGER NOT NULL, PRIMARY KEY (vid, seq)) WITHOUT ROWID;`);
  const cache = new ObjectCache(db, limits);
  const getRow = db.prepare<[string, string], ObjectRow>("SELECT * FROM objects WHERE bucket = ? AND key = ?");
  const getSegments = db.prepare<[number], { segment_id: string; size: number }>(
    "SELECT segment_id, size FROM object_segments WHERE vid = ? ORDER BY seq",
  );
  let loads = 0;
  const row = (bucket: string, key: string) =>
    cache.current(bucket, key, () => {
      loads++;
      return getRow.get(bucket, key);
    });
  const segments = (vid: number, data?: Buffer) =>
    cache.segments(vid, (): CachedSegment[] => {
      loads++;
      return getSegments.all(vid).map((s) => ({ id: s.segment_id, size: s.size, ...(data !== undefined && { data }) }));
    });
  return { db, cache, row, segments, loads: () => loads };
}

describe("ObjectCache", () => {
  it("reads a key's row once, and forgets exactly the keys whose rows any statement changes", () => {
    const { db, cache, row, loads } = tables();
    db.exec("INSERT INTO objects VALUES ('b', 'k', 1, 'e1'), ('b', 'other', 2, 'e2'), ('c', 'k', 3, 'e3')");
    expect(row("b", "k")?.etag).toBe("e1");
    expect(row("b", "k")?.etag).toBe("e1");
    expect(row("c", "k")?.etag).toBe("e3");
    expect(loads()).toBe(2);
    expect(Object.isFrozen(row("b", "k"))).toBe(true);
    // a change of another key (same bucket, or same key in another bucket) keeps the entry
    db.exec("UPDATE objects SET etag = 'x' WHERE bucket = 'b' AND key = 'other'");
    db.exec("DELETE FROM objects WHERE bucket = 'c'");
    expect(row("b", "k")?.etag).toBe("e1");
    expect(loads()).toBe(2);
    expect(row("c", "k")).toBeUndefined();
    // UPDATE, DELETE, INSERT (and INSERT OR REPLACE) of the key itself
    db.exec("UPDATE objects SET etag = 'e1b' WHERE bucket = 'b' AND key = 'k'");
    expect(row("b", "k")?.etag).toBe("e1b");
    db.exec("DELETE FROM objects WHERE bucket = 'b' AND key = 'k'");
    expect(row("b", "k")).toBeUndefined();
    expect(row("b", "k")).toBeUndefined();
    db.exec("INSERT INTO objects VALUES ('b', 'k', 4, 'e4')");
    expect(row("b", "k")?.etag).toBe("e4");
    db.exec("INSERT OR REPLACE INTO objects VALUES ('b', 'k', 5, 'e5')");
    expect(row("b", "k")?.vid).toBe(5);
    // an UPDATE that renames a row tells both its old and its new key
    expect(row("b", "renamed")).toBeUndefined();
    db.exec("UPDATE objects SET key = 'renamed' WHERE bucket = 'b' AND key = 'k'");
    expect(row("b", "k")).toBeUndefined();
    expect(row("b", "renamed")?.vid).toBe(5);
    // a key may contain the separator (a bucket name cannot: CreateBucket validates it)
    db.prepare("INSERT INTO objects VALUES (?, ?, 6, 'e6')").run("b", "x\0y");
    expect(row("b", "x\0y")?.vid).toBe(6);
    expect(row("b", "x")).toBeUndefined();
    db.exec("DELETE FROM objects WHERE vid = 6");
    expect(row("b", "x\0y")).toBeUndefined();
    expect(cache.size.rows).toBeGreaterThan(0);
  });

  it("keeps nothing read inside a transaction, so a rollback leaves no trace", () => {
    const { db, row, segments } = tables();
    db.exec("INSERT INTO objects VALUES ('b', 'k', 1, 'e1'); INSERT INTO object_segments VALUES (1, 0, 'i1', 3)");
    expect(row("b", "k")?.etag).toBe("e1");
    expect(segments(1).map((s) => s.id)).toEqual(["i1"]);
    const rolledBack = db.transaction(() => {
      db.exec("UPDATE objects SET etag = 'e2', vid = 2 WHERE bucket = 'b' AND key = 'k'");
      db.exec("INSERT INTO objects VALUES ('b', 'new', 3, 'e3')");
      db.exec("DELETE FROM object_segments WHERE vid = 1; INSERT INTO object_segments VALUES (2, 0, 'i2', 5)");
      // inside, the transaction's own state is seen
      expect(row("b", "k")?.etag).toBe("e2");
      expect(row("b", "new")?.etag).toBe("e3");
      expect(segments(1)).toEqual([]);
      expect(segments(2).map((s) => s.id)).toEqual(["i2"]);
      throw new Error("roll back");
    });
    expect(() => rolledBack()).toThrow("roll back");
    expect(row("b", "k")?.etag).toBe("e1");
    expect(row("b", "new")).toBeUndefined();
    expect(segments(1).map((s) => s.id)).toEqual(["i1"]);
    expect(segments(2)).toEqual([]);
  });

  it("forgets a version's segments when its object_segments rows change", () => {
    const { db, segments, loads } = tables();
    db.exec("INSERT INTO object_segments VALUES (7, 0, 's-a', 10), (7, 1, 's-b', 20), (8, 0, 's-c', 1)");
    expect(segments(7).map((s) => s.id)).toEqual(["s-a", "s-b"]);
    expect(segments(8).map((s) => s.id)).toEqual(["s-c"]);
    expect(segments(7)).toBe(segments(7));
    expect(Object.isFrozen(segments(7))).toBe(true);
    expect(Object.isFrozen(segments(7)[0])).toBe(true);
    expect(loads()).toBe(2);
    db.exec("DELETE FROM object_segments WHERE vid = 7");
    expect(segments(7)).toEqual([]);
    expect(segments(8).map((s) => s.id)).toEqual(["s-c"]);
    db.exec("INSERT INTO object_segments VALUES (7, 0, 's-d', 4)");
    expect(segments(7).map((s) => s.id)).toEqual(["s-d"]);
    db.exec("UPDATE object_segments SET size = 5 WHERE vid = 7");
    expect(segments(7)[0].size).toBe(5);
  });

  it("holds at most its limits of rows, versions and inline bytes, dropping the oldest first", () => {
    const { db, cache, row, segments } = tables({ rows: 3, versions: 3, inlineBytes: 100, versionBytes: 100 });
    for (const k of ["a", "b", "c", "d"]) row("b", k);
    expect(cache.size.rows).toBe(3);
    for (let vid = 1; vid <= 5; vid++) db.exec(`INSERT INTO object_segments VALUES (${vid}, 0, 'i${vid}', 40)`);
    const forty = Buffer.alloc(40);
    segments(1, forty);
    segments(2, forty);
    expect(cache.size).toMatchObject({ versions: 2, inlineBytes: 80 });
    // a third would pass 100 bytes: the oldest goes
    segments(3, forty);
    expect(cache.size).toMatchObject({ versions: 2, inlineBytes: 80 });
    const before = cache.stats.segmentMisses;
    segments(1, forty);
    expect(cache.stats.segmentMisses).toBe(before + 1);
    // a version larger than the whole budget is read but not kept
    const { db: smallDb, cache: small, segments: smallSegments } = tables({ rows: 3, versions: 3, inlineBytes: 10, versionBytes: 100 });
    smallDb.exec("INSERT INTO object_segments VALUES (1, 0, 'i1', 40)");
    expect(smallSegments(1, forty)[0].data).toBe(forty);
    expect(small.size).toMatchObject({ versions: 0, inlineBytes: 0 });
    // a version above the bound for one version is not kept either
    const { db: oneDb, cache: one, segments: oneSegments } = tables({ rows: 3, versions: 3, inlineBytes: 100, versionBytes: 30 });
    oneDb.exec("INSERT INTO object_segments VALUES (1, 0, 'i1', 40)");
    oneSegments(1, forty);
    expect(one.size).toMatchObject({ versions: 0, inlineBytes: 0 });
    // the versions bound, with no inline bytes
    const { cache: few, segments: fewSegments } = tables({ rows: 3, versions: 2, inlineBytes: 100, versionBytes: 100 });
    for (let vid = 1; vid <= 4; vid++) fewSegments(vid);
    expect(few.size).toMatchObject({ versions: 2, inlineBytes: 0 });
    // forgetting a version gives its bytes back
    db.exec("DELETE FROM object_segments");
    expect(cache.size).toMatchObject({ versions: 0, inlineBytes: 0 });
  });
});

function params(bucket: string, key: string, extra: Partial<PutObjectParams> = {}): PutObjectParams {
  return { bucket, key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "bob", ...extra };
}

async function openStore(): Promise<EmbeddedStore> {
  const dir = await mkdtemp(join(tmpdir(), "s3gw-objcache-"));
  const store = await openEmbeddedStore({ dataDir: dir });
  cleanups.push(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  await store.createBucket("b", "bob");
  return store;
}

async function text(store: EmbeddedStore, key: string, versionId?: string): Promise<string> {
  const result = await store.getObject({ bucket: "b", key, ...(versionId !== undefined && { versionId }) });
  return (await readAll(result.open())).toString();
}

const put = (store: EmbeddedStore, key: string, body: string, extra: Partial<PutObjectParams> = {}) =>
  store.putObject(params("b", key, extra), bodyFromBuffer(Buffer.from(body)));

describe("the embedded store's object reads, through the cache", () => {
  it("hand each read an answer of its own: changing one, at the top or inside, never changes the next", async () => {
    const store = await openStore();
    await put(store, "k", "first", { userMetadata: { colour: "blue" }, tags: { t: "1" } });
    await store.headObject("b", "k"); // the row is cached from here on
    const { info } = await store.headObject("b", "k");
    const modified = info.lastModified.getTime();
    info.size = 99;
    info.etag = "changed";
    info.lastModified.setTime(0);
    expect(() => {
      info.userMetadata.colour = "red";
    }).toThrow(TypeError);
    expect(() => {
      info.tags.t = "2";
    }).toThrow(TypeError);
    const again = (await store.headObject("b", "k")).info;
    expect(again).toMatchObject({ size: 5, userMetadata: { colour: "blue" }, tags: { t: "1" } });
    expect(again.etag).not.toBe("changed");
    expect(again.lastModified.getTime()).toBe(modified);
    expect(store.stats().objectCache.rowHits).toBeGreaterThan(0);
  });

  it("answer a repeated GET and HEAD from memory and see every overwrite, delete and change of metadata", async () => {
    const store = await openStore();
    await put(store, "k", "first");
    expect(await text(store, "k")).toBe("first");
    const { rowHits, segmentHits } = store.stats().objectCache;
    expect(await text(store, "k")).toBe("first");
    expect((await store.headObject("b", "k")).info.size).toBe(5);
    const after = store.stats().objectCache;
    expect(after.rowHits).toBe(rowHits + 2);
    expect(after.segmentHits).toBe(segmentHits + 1);

    await put(store, "k", "second!");
    expect(await text(store, "k")).toBe("second!");
    expect((await store.headObject("b", "k")).info.size).toBe(7);
    // a larger body, in a file of its own, and back to an inline one
    const big = Buffer.alloc(200 * 1024, 7);
    await store.putObject(params("b", "k"), bodyFromBuffer(big));
    expect((await readAll((await store.getObject({ bucket: "b", key: "k" })).open())).equals(big)).toBe(true);
    await put(store, "k", "third");
    expect(await text(store, "k")).toBe("third");

    await store.putObjectTags("b", "k", { colour: "blue" });
    expect((await store.headObject("b", "k")).info.tags).toEqual({ colour: "blue" });
    await store.deleteObjectTags("b", "k");
    expect((await store.headObject("b", "k")).info.tags).toEqual({});
    const acl = [{ grantee: { kind: "group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }] as const;
    await store.putObjectAcl("b", "k", acl);
    expect((await store.headObject("b", "k")).info.acl).toEqual(acl);

    // a conditional PUT refused in its transaction changes nothing
    await expectStorageError(put(store, "k", "refused", { ifNoneMatch: "*" }), "PRECONDITION_FAILED");
    expect(await text(store, "k")).toBe("third");

    await store.deleteObject("b", "k");
    await expectStorageError(store.headObject("b", "k"), "KEY_NOT_FOUND");
    await expectStorageError(store.getObject({ bucket: "b", key: "k" }), "KEY_NOT_FOUND");
    await put(store, "k", "again");
    expect(await text(store, "k")).toBe("again");

    // a batch delete, and a multipart completion over a key read before
    await store.deleteObjects("b", [{ key: "k" }]);
    await expectStorageError(store.headObject("b", "k"), "KEY_NOT_FOUND");
    await put(store, "k", "before multipart");
    expect(await text(store, "k")).toBe("before multipart");
    const upload = await store.createMultipartUpload(params("b", "k"));
    const part = await store.uploadPart("b", "k", upload.uploadId, 1, bodyFromBuffer(Buffer.from("from a part")));
    await store.completeMultipartUpload({ bucket: "b", key: "k", uploadId: upload.uploadId, parts: [{ partNumber: 1, etag: part.etag }] });
    expect(await text(store, "k")).toBe("from a part");
    expect((await store.headObject("b", "k")).info.partsCount).toBe(1);
  });

  it("see versions, delete markers and the removal of a marker", async () => {
    const store = await openStore();
    await put(store, "k", "unversioned");
    expect(await text(store, "k")).toBe("unversioned");
    await store.putBucketVersioning("b", "Enabled");
    // the version written before versioning now shows as "null"
    expect((await store.headObject("b", "k")).info.versionId).toBe("null");
    const v1 = (await put(store, "k", "one")).versionId!;
    expect(await text(store, "k")).toBe("one");
    const v2 = (await put(store, "k", "two")).versionId!;
    expect(await text(store, "k")).toBe("two");
    expect(await text(store, "k", v1)).toBe("one");
    expect(await text(store, "k", "null")).toBe("unversioned");

    const marker = await store.deleteObject("b", "k");
    expect(marker.deleteMarker).toBe(true);
    await expectStorageError(store.getObject({ bucket: "b", key: "k" }), "KEY_NOT_FOUND");
    await store.deleteObject("b", "k", marker.versionId);
    expect(await text(store, "k")).toBe("two");
    // deleting the current version makes the one before it current
    await store.deleteObject("b", "k", v2);
    expect(await text(store, "k")).toBe("one");
    await store.putBucketVersioning("b", "Suspended");
    expect((await put(store, "k", "suspended")).versionId).toBe("null");
    expect(await text(store, "k")).toBe("suspended");
    expect(await text(store, "k", v1)).toBe("one");
  });
});
