/**
 * Read leases (runtime/storage/embedded/read-leases.ts) and what a worker keeps under them
 * (runtime/workers/kept-reads.ts), each alone: which changes take which leases back, that a write's
 * wait and a read's wait end only when every holder answered, and that a worker keeps no answer
 * that a revocation may already have taken back.
 */
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";

import { ALL, ReadLeases, type LeaseHolders } from "../../runtime/storage/embedded/read-leases.js";
import type { ResolvedObject } from "../../runtime/storage/embedded/read-plan.js";
import { KeptReads } from "../../runtime/workers/kept-reads.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
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

describe("KeptReads", () => {
  it("keeps a leased answer unless a revocation came after its call, and drops what is revoked", () => {
    const released: Array<[string, number]> = [];
    const kept = new KeptReads((r) => released.push(...r));
    let mark = kept.mark();
    kept.keep("b", "k", answer(10), mark);
    expect(kept.get("b", "k")?.info.size).toBe(10);
    // not leased: not kept, nothing to give back; with a file: not kept, its lease given back
    kept.keep("b", "x", answer(10, false), kept.mark());
    expect(released).toEqual([]);
    const file = { ...answer(10), segments: [{ id: "f", size: 10 }] };
    kept.keep("b", "y", file, kept.mark());
    const pinned = { ...answer(10), pinned: ["f"] };
    kept.keep("b", "z", pinned, kept.mark());
    expect(released).toEqual([
      ["b\0y", file.lease],
      ["b\0z", pinned.lease],
    ]);
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
    const kept = new KeptReads((r) => released.push(...r), { entries: 3, bytes: 100 });
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
    cleanups.push(() => void store.close().then(() => rm(dir, { recursive: true, force: true })));
    const params = (key: string) => ({ bucket: "b", key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: "o" });
    await store.createBucket("b", "o");
    await store.putObject(params("k"), bodyFromBuffer(Buffer.from("small")));
    await store.putObject(params("big"), bodyFromBuffer(Buffer.alloc(300 * 1024)));
    // no lease before the holders can be reached
    expect((await store.resolveRead("b", "k", undefined, undefined, "w1")).lease).toBeUndefined();
    const { h, calls } = holders();
    store.attachLeaseHolders(h);
    expect((await store.resolveRead("b", "k", undefined, undefined, "w1")).lease).toBeGreaterThan(0);
    // not for a version, a part, or an object with a file
    expect((await store.resolveRead("b", "k", 1, undefined, "w1")).lease).toBeUndefined();
    expect((await store.resolveRead("b", "k", undefined, "null", "w1")).lease).toBeUndefined();
    const big = await store.resolveRead("b", "big", undefined, undefined, "w1");
    expect(big.lease).toBeUndefined();
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
    expect((await list).objects.map((o) => o.size)).toEqual([300 * 1024, 7]);
  });
});

async function eventually(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}
