/**
 * Read leases (runtime/storage/embedded/read-leases.ts) and what a worker keeps under them
 * (runtime/workers/kept-reads.ts), each alone: which changes take which leases back, that a write's
 * wait and a read's wait end only when every holder answered, and that a worker keeps no answer
 * that a revocation may already have taken back.
 */
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";

import { ALL, ReadLeases, type LeaseHolders } from "../../runtime/storage/embedded/read-leases.js";
import { MAX_KEPT_SEGMENTS, type ResolvedObject } from "../../runtime/storage/embedded/read-plan.js";
import { HeldPins } from "../../runtime/workers/held-pins.js";
import { KeptReads } from "../../runtime/workers/kept-reads.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Holders that answer when the test says so. */
function holders() {
  const calls: Array<{ holder: string; ids: string[]; answer(): void; fail(): void }> = [];
  const unresponsive: string[] = [];
  const h: LeaseHolders = {
    revoke: (holder, ids) =>
      new Promise<void>((resolve, reject) => calls.push({ holder, ids, answer: resolve, fail: () => reject(new Error("gone")) })),
    unresponsive: (holder) => unresponsive.push(holder),
  };
  return { h, calls, unresponsive };
}

function setUp(limits?: ConstructorParameters<typeof ReadLeases>[1]) {
  const db = new Database(":memory:");
  cleanups.push(() => db.close());
  db.exec("CREATE TABLE bucket_versioning (bucket TEXT PRIMARY KEY, status TEXT NOT NULL) WITHOUT ROWID");
  const leases = new ReadLeases(db, limits);
  return { db, leases };
}

const turn = () => new Promise((r) => setImmediate(r));
/** whether `p` has settled after the pending callbacks ran */
async function settled(p: Promise<unknown> | undefined): Promise<boolean> {
  if (p === undefined) return true;
  let done = false;
  void p.then(() => (done = true));
  await turn();
  await turn();
  return done;
}

describe("ReadLeases", () => {
  it("grants nothing before the holders can be reached, then takes back exactly the changed keys", async () => {
    const { leases } = setUp();
    expect(leases.grant("b\0k", "w1")).toBe(0);
    const { h, calls } = holders();
    leases.attach(h);
    expect(leases.grant("b\0k", "w1")).toBeGreaterThan(0);
    expect(leases.grant("b\0k", "w2")).toBeGreaterThan(0);
    expect(leases.grant("b\0other", "w1")).toBeGreaterThan(0);
    // a write that changes k: its wait ends only when both holders answered
    const { result, revoked } = leases.during(() => {
      leases.changed("b\0k");
      leases.changed("b\0not-leased");
      return 42;
    });
    expect(result).toBe(42);
    expect(revoked).toBeDefined();
    const pending = leases.pending("b\0k");
    expect(leases.pending("b\0other")).toBeUndefined();
    await turn();
    // one call per holder and turn
    expect(calls.map((c) => [c.holder, c.ids])).toEqual([
      ["w1", ["b\0k"]],
      ["w2", ["b\0k"]],
    ]);
    calls[0].answer();
    expect(await settled(revoked)).toBe(false);
    expect(await settled(pending)).toBe(false);
    expect(await settled(leases.allPending())).toBe(false);
    // a holder gone (its call fails) counts as answered
    calls[1].fail();
    expect(await settled(revoked)).toBe(true);
    expect(await settled(pending)).toBe(true);
    expect(leases.pending("b\0k")).toBeUndefined();
    expect(leases.allPending()).toBeUndefined();
    // taken back means gone: a second change sends nothing
    leases.during(() => leases.changed("b\0k"));
    await turn();
    expect(calls).toHaveLength(2);
    expect(leases.size).toEqual({ keys: 1, revoking: 0 });
    // a write that changes nothing leased has nothing to wait for
    expect(leases.during(() => undefined).revoked).toBeUndefined();
  });

  it("takes back every key of a bucket whose versioning status changes, whatever statement changed it", async () => {
    const { db, leases } = setUp();
    const { h, calls } = holders();
    leases.attach(h);
    leases.grant("b\0one", "w1");
    leases.grant("b\0two", "w1");
    leases.grant("bb\0three", "w1");
    const { revoked } = leases.during(() => db.prepare("INSERT INTO bucket_versioning VALUES ('b', 'Enabled')").run());
    await turn();
    expect(calls.map((c) => c.ids)).toEqual([["b\0one", "b\0two"]]);
    calls[0].answer();
    expect(await settled(revoked)).toBe(true);
    leases.grant("b\0one", "w1");
    db.prepare("UPDATE bucket_versioning SET status = 'Suspended'").run();
    leases.grant("b\0one", "w1");
    db.prepare("DELETE FROM bucket_versioning").run();
    await turn();
    // both in one turn: one call
    expect(calls.map((c) => c.ids)).toEqual([
      ["b\0one", "b\0two"],
      ["b\0one", "b\0one"],
    ]);
  });

  it("takes every lease back at once when full, and every read and write waits for it", async () => {
    const { leases } = setUp({ maxLeases: 3, revokeTimeoutMs: 60_000 });
    const { h, calls } = holders();
    leases.attach(h);
    for (const k of ["a", "b", "c"]) leases.grant(`b\0${k}`, k === "c" ? "w2" : "w1");
    expect(leases.size.keys).toBe(3);
    expect(leases.grant("b\0d", "w1")).toBeGreaterThan(0);
    expect(leases.size.keys).toBe(1);
    await turn();
    expect(calls.map((c) => [c.holder, c.ids])).toEqual([
      ["w1", [ALL]],
      ["w2", [ALL]],
    ]);
    // any key's read, and a write of anything, waits for it
    const read = leases.pending("b\0unrelated");
    const write = leases.during(() => undefined).revoked;
    expect(await settled(read)).toBe(false);
    expect(await settled(write)).toBe(false);
    for (const c of calls) c.answer();
    expect(await settled(read)).toBe(true);
    expect(await settled(write)).toBe(true);
    expect(leases.allPending()).toBeUndefined();
  });

  it("ends a lease given back only for the holder's last grant of the key", async () => {
    const { leases } = setUp();
    const { h, calls } = holders();
    leases.attach(h);
    const first = leases.grant("b\0k", "w1");
    const second = leases.grant("b\0k", "w1");
    leases.grant("b\0k", "w2");
    expect(second).toBeGreaterThan(first);
    // the answer of the first grant was not kept: the second one's is still on its way
    leases.release("w1", "b\0k", first);
    leases.release("w2", "b\0other", 1);
    leases.during(() => leases.changed("b\0k"));
    await turn();
    expect(calls.map((c) => c.holder)).toEqual(["w1", "w2"]);
    for (const c of calls) c.answer();
    // after the revocation, a late release is ignored; the last grant's release ends the lease
    const third = leases.grant("b\0k", "w1");
    leases.release("w1", "b\0k", second);
    expect(leases.size.keys).toBe(1);
    leases.release("w1", "b\0k", third);
    expect(leases.size.keys).toBe(0);
    leases.during(() => leases.changed("b\0k"));
    await turn();
    expect(calls).toHaveLength(2);
  });

  it("reports a holder that does not answer in time, and forgets a holder that is gone", async () => {
    const { leases } = setUp({ maxLeases: 100, revokeTimeoutMs: 50 });
    const { h, calls, unresponsive } = holders();
    leases.attach(h);
    leases.grant("b\0k", "w1");
    leases.grant("b\0j", "w2");
    leases.during(() => leases.changed("b\0k"));
    await new Promise((r) => setTimeout(r, 120));
    expect(unresponsive).toEqual(["w1"]);
    calls[0].fail();
    leases.forget("w2");
    leases.during(() => leases.changed("b\0j"));
    await turn();
    expect(calls).toHaveLength(1);
    expect(leases.size).toEqual({ keys: 0, revoking: 0 });
  });
});

let grants = 0;
function answer(bytes: number, leased = true): ResolvedObject {
  return {
    info: { bucket: "b", key: "k", size: bytes, etag: "e", lastModified: new Date(0), storageClass: "STANDARD", userMetadata: {}, tags: {}, owner: "o" },
    partsCount: null,
    segments: [{ id: "i1", size: bytes, data: Buffer.alloc(bytes) }],
    pinned: [],
    ...(leased && { lease: ++grants }),
  };
}

/** A worker's pins, and what it gave back to the primary. */
function pins() {
  const unpinned: string[] = [];
  return { held: new HeldPins((ids) => unpinned.push(...ids)), unpinned };
}

/** an answer whose bytes are in files, pinned for the read that asked (as the primary sends it) */
function fileAnswer(files: string[]): ResolvedObject {
  return { ...answer(10), segments: files.map((id) => ({ id, size: 10 })), pinned: [...new Set(files)] };
}

describe("KeptReads", () => {
  it("keeps a leased answer unless a revocation came after its call, and drops what is revoked", () => {
    const released: Array<[string, number]> = [];
    const kept = new KeptReads((r) => released.push(...r), pins().held);
    let mark = kept.mark();
    kept.keep("b", "k", answer(10), mark);
    expect(kept.get("b", "k")?.info.size).toBe(10);
    // not leased: not kept, nothing to give back; of more segments than kept: its lease given back
    kept.keep("b", "x", answer(10, false), kept.mark());
    expect(released).toEqual([]);
    const many = { ...answer(10), segments: Array.from({ length: MAX_KEPT_SEGMENTS + 1 }, (_, i) => ({ id: `i${i + 1}`, size: 2, data: Buffer.alloc(2) })) };
    kept.keep("b", "y", many, kept.mark());
    expect(released).toEqual([["b\0y", many.lease]]);
    expect(kept.size.entries).toBe(1);
    // an answer asked for before a revocation (of any key) is not kept, and neither is what was
    // kept of its key: the lease given back may be the one the older answer was kept under
    mark = kept.mark();
    kept.revoke(["b\0other"]);
    const late = answer(5);
    kept.keep("b", "k", late, mark);
    expect(kept.get("b", "k")).toBeUndefined();
    expect(released.at(-1)).toEqual(["b\0k", late.lease]);
    kept.keep("b", "k", answer(10), kept.mark());
    released.length = 0;
    kept.revoke(["b\0k"]);
    expect(kept.get("b", "k")).toBeUndefined();
    expect(kept.size).toEqual({ entries: 0, bytes: 0 });
    // what is revoked is not given back (the primary ended the lease itself)
    expect(released).toEqual([]);
    kept.keep("b", "k", answer(10), kept.mark());
    kept.keep("c", "k", answer(10), kept.mark());
    kept.revoke([ALL]);
    expect(kept.size).toEqual({ entries: 0, bytes: 0 });
  });

  it("holds at most its limits of answers and bytes, dropping the oldest first", () => {
    const released: Array<[string, number]> = [];
    const kept = new KeptReads((r) => released.push(...r), pins().held, { entries: 3, bytes: 100 });
    const a = answer(10);
    kept.keep("b", "a", a, kept.mark());
    for (const k of ["b", "c", "d"]) kept.keep("b", k, answer(10), kept.mark());
    expect(kept.size).toEqual({ entries: 3, bytes: 30 });
    expect(kept.get("b", "a")).toBeUndefined();
    // a dropped answer's lease goes back
    expect(released).toEqual([["b\0a", a.lease]]);
    // 90 more bytes: b and c go, d stays
    kept.keep("b", "big", answer(90), kept.mark());
    expect(kept.size).toEqual({ entries: 2, bytes: 100 });
    expect(kept.get("b", "d")?.info.size).toBe(10);
    kept.keep("b", "huge", answer(101), kept.mark());
    expect(kept.get("b", "huge")).toBeUndefined();
    // a newer answer for a kept key replaces it, its lease with the older one's
    released.length = 0;
    kept.keep("b", "big", answer(20), kept.mark());
    expect(kept.size).toEqual({ entries: 2, bytes: 30 });
    expect(released).toEqual([]);
    // inline bytes are copied out of the buffer they came in
    const shared = Buffer.alloc(64, 1);
    const view = { ...answer(8), segments: [{ id: "i9", size: 8, data: shared.subarray(8, 16) }] };
    kept.keep("b", "view", view, kept.mark());
    const own = kept.get("b", "view")!.segments[0].data!;
    expect(own.equals(shared.subarray(8, 16))).toBe(true);
    expect(own.buffer).not.toBe(shared.buffer);
  });

  it("keeps an answer whose bytes are in files with its files pinned, until it is taken back and every read from it closed", () => {
    const released: Array<[string, number]> = [];
    const { held, unpinned } = pins();
    const kept = new KeptReads((r) => released.push(...r), held);
    // the first read adopts the answer's pins; keeping it makes the kept answer a second holder
    const first = fileAnswer(["f1", "f2"]);
    held.adopt(first.pinned);
    kept.keep("b", "k", first, kept.mark());
    expect(kept.get("b", "k")?.segments.map((s) => s.id)).toEqual(["f1", "f2"]);
    held.release(first.pinned); // the first read's stream closed
    expect(unpinned).toEqual([]);
    // a read from the kept answer holds the files too; a new answer's pin on a held file goes back at once
    held.hold(kept.get("b", "k")!.pinned);
    const other = fileAnswer(["f2"]);
    held.adopt(other.pinned);
    expect(unpinned).toEqual(["f2"]);
    held.release(other.pinned);
    // taken back while that read still streams: the files stay pinned until it closes
    kept.revoke(["b\0k"]);
    expect(kept.get("b", "k")).toBeUndefined();
    expect(unpinned).toEqual(["f2"]);
    held.release(["f1", "f2"]);
    expect(unpinned).toEqual(["f2", "f1", "f2"]);
    expect(held.size).toBe(0);
    // dropped for room, replaced by a newer answer, or all taken back: each gives its pins back
    const limited = new KeptReads((r) => released.push(...r), held, { entries: 1, bytes: 100 });
    for (const [key, file] of [["a", "g1"], ["b", "g2"], ["b", "g3"]]) {
      const a = fileAnswer([file]);
      held.adopt(a.pinned);
      limited.keep("b", key, a, limited.mark());
      held.release(a.pinned);
    }
    expect(unpinned.slice(3)).toEqual(["g1", "g2"]);
    limited.revoke([ALL]);
    expect(unpinned.slice(3)).toEqual(["g1", "g2", "g3"]);
    expect(held.size).toBe(0);
    // not kept (a revocation came since its call): only the read's own hold remains
    const late = fileAnswer(["h"]);
    const mark = kept.mark();
    kept.revoke(["b\0other"]);
    held.adopt(late.pinned);
    kept.keep("b", "k", late, mark);
    expect(kept.get("b", "k")).toBeUndefined();
    held.release(late.pinned);
    expect(held.size).toBe(0);
    expect(() => held.release(["h"])).toThrow(/not held/);
  });
});

describe("the embedded store's leases", () => {
  it("acknowledge a write, and answer a read or listing, only once every holder of what it changed answered", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { openEmbeddedStore } = await import("../../runtime/storage/embedded/index.js");
    const { bodyFromBuffer } = await import("./body.js");
    const dir = await mkdtemp(join(tmpdir(), "s3gw-leases-"));
    const store = await openEmbeddedStore({ dataDir: dir });
    cleanups.push(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    const params = (key: string) => ({ bucket: "b", key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "o" });
    await store.createBucket("b", "o");
    await store.putObject(params("k"), bodyFromBuffer(Buffer.from("small")));
    await store.putObject(params("big"), bodyFromBuffer(Buffer.alloc(300 * 1024)));
    // no lease before the holders can be reached
    expect((await store.resolveRead("b", "k", undefined, undefined, "w1")).lease).toBeUndefined();
    const { h, calls } = holders();
    store.attachLeaseHolders(h);
    expect((await store.resolveRead("b", "k", undefined, undefined, "w1")).lease).toBeGreaterThan(0);
    // not for a version, a part, or an object of more segments than a worker keeps; for one with a file, yes
    expect((await store.resolveRead("b", "k", 1, undefined, "w1")).lease).toBeUndefined();
    expect((await store.resolveRead("b", "k", undefined, "null", "w1")).lease).toBeUndefined();
    const upload = await store.createMultipartUpload(params("parts"));
    const parts = [];
    for (let n = 1; n <= MAX_KEPT_SEGMENTS + 1; n++) {
      parts.push(await store.uploadPart("b", "parts", upload.uploadId, n, bodyFromBuffer(Buffer.alloc(n <= MAX_KEPT_SEGMENTS ? 5 * 1024 * 1024 : 1, n))));
    }
    await store.completeMultipartUpload({ bucket: "b", key: "parts", uploadId: upload.uploadId, parts: parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })) });
    const many = await store.resolveRead("b", "parts", undefined, undefined, "w1");
    expect(many.segments).toHaveLength(MAX_KEPT_SEGMENTS + 1);
    expect(many.lease).toBeUndefined();
    store.unpin(many.pinned);
    const big = await store.resolveRead("b", "big", undefined, undefined, "w1");
    expect(big.pinned).toHaveLength(1);
    expect(big.lease).toBeGreaterThan(0);
    store.unpin(big.pinned);

    const write = store.putObject(params("k"), bodyFromBuffer(Buffer.from("changed")));
    await eventually(() => calls.length === 1);
    expect(calls[0]).toMatchObject({ holder: "w1", ids: ["b\0k"] });
    // neither the write's answer nor a read of the key nor a listing goes out before the answer
    const head = store.headObject("b", "k");
    const list = store.listObjects({ bucket: "b", maxKeys: 10 });
    const other = store.headObject("b", "big");
    expect(await settled(other)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(await settled(write)).toBe(false);
    expect(await settled(head)).toBe(false);
    expect(await settled(list)).toBe(false);
    calls[0].answer();
    expect((await write).size).toBe(7);
    expect((await head).info.size).toBe(7);
    expect((await list).objects.map((o) => o.size)).toEqual([300 * 1024, 7, MAX_KEPT_SEGMENTS * 5 * 1024 * 1024 + 1]);
  });
});

async function eventually(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}
