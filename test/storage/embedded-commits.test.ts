/**
 * The embedded store's group commit: writes that are ready together share one transaction and one
 * log sync, and nothing is answered before its sync (runtime/storage/embedded/group-commit.ts).
 */
import { randomBytes } from "node:crypto";

import { describe, expect, it } from "vitest";

import { openEmbeddedStore, type EmbeddedStore } from "../../runtime/storage/embedded/index.js";
import { DEFAULT_INLINE_LIMIT } from "../../runtime/storage/embedded/inline.js";
import { type StorageError } from "../../runtime/storage/types.js";
import { bodyFromBuffer, gatedBody, readAll } from "./body.js";
import { track } from "./pending.js";
import { expectStorageError } from "./contract.js";
import { checkMetadataInvariants, eventually, params, scratchStores, segmentFiles } from "./embedded-fixture.js";

describe("embedded store", () => {
  const { cleanups, freshStore, holdLogSyncs } = scratchStores();

  describe("group commit", () => {
    it("commits a batch in one transaction in which writers that lost a race fail alone", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      await store.createBucket("doomed", "owner");
      // Every write passes its early checks, then waits in the middle of its (inline) body.
      const writers = [
        { p: params("b", "race", { ifNoneMatch: "*" }), gate: gatedBody(Buffer.from("first "), Buffer.from("wins")) },
        { p: params("b", "race", { ifNoneMatch: "*" }), gate: gatedBody(Buffer.from("second "), Buffer.from("loses")) },
        { p: params("b", "plain"), gate: gatedBody(Buffer.from("plain "), Buffer.from("write")) },
        { p: params("doomed", "orphan"), gate: gatedBody(Buffer.from("no "), Buffer.from("bucket")) },
        { p: params("b", "last"), gate: gatedBody(Buffer.from("last "), Buffer.from("write")) },
      ];
      const results = writers.map((w) => store.putObject(w.p, w.gate.body));
      await Promise.all(writers.map((w) => w.gate.started));
      await store.deleteBucket("doomed"); // empty: allowed, while its writer streams
      const before = store.stats();
      for (const w of writers) w.gate.release(); // all bodies end in the same turn of the event loop
      const settled = await Promise.allSettled(results);
      const after = store.stats();

      expect(after.commitBatches - before.commitBatches, "one transaction").toBe(1);
      expect(after.committedJobs - before.committedJobs).toBe(writers.length);
      expect(after.walSyncs - before.walSyncs, "one log sync").toBe(1);
      expect(settled.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected", "fulfilled"]);
      expect(((settled[1] as PromiseRejectedResult).reason as StorageError).kind).toBe("CONFLICT");
      expect(((settled[3] as PromiseRejectedResult).reason as StorageError).kind).toBe("BUCKET_NOT_FOUND");

      const text = async (key: string) => (await readAll((await store.getObject({ bucket: "b", key })).open())).toString();
      expect(await text("race")).toBe("first wins");
      expect(await text("plain")).toBe("plain write");
      expect(await text("last")).toBe("last write");
      await expectStorageError(store.getBucket("doomed"), "BUCKET_NOT_FOUND");
      await store.close();
      expect(await checkMetadataInvariants(dataDir)).toEqual({ fileSegments: 0, inlineSegments: 3 });
    });

    it("removes the file of a writer that fails in its batch, keeps the winner's", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      const a = randomBytes(DEFAULT_INLINE_LIMIT + 10);
      const b = randomBytes(DEFAULT_INLINE_LIMIT + 20);
      const gateA = gatedBody(a.subarray(0, 10), a.subarray(10));
      const gateB = gatedBody(b.subarray(0, 10), b.subarray(10));
      const writeA = store.putObject(params("b", "race", { ifNoneMatch: "*" }), gateA.body);
      const writeB = store.putObject(params("b", "race", { ifNoneMatch: "*" }), gateB.body);
      await Promise.all([gateA.started, gateB.started]);
      gateA.release();
      gateB.release();
      const settled = await Promise.allSettled([writeA, writeB]);
      expect(settled.filter((r) => r.status === "fulfilled").length).toBe(1);
      const winner = settled[0].status === "fulfilled" ? a : b;
      const loser = settled[0].status === "fulfilled" ? settled[1] : settled[0];
      expect(((loser as PromiseRejectedResult).reason as StorageError).kind).toBe("CONFLICT");
      expect((await readAll((await store.getObject({ bucket: "b", key: "race" })).open())).equals(winner)).toBe(true);
      await eventually(async () => expect((await segmentFiles(dataDir)).length).toBe(1));
      await store.close();
      expect(await checkMetadataInvariants(dataDir)).toEqual({ fileSegments: 1, inlineSegments: 0 });
    });

    it("answers every writer of a burst after one or two log syncs, not one each", async () => {
      const { store } = await freshStore();
      await store.createBucket("b", "owner");
      const before = store.stats();
      const n = 40;
      await Promise.all(
        Array.from({ length: n }, (_, i) => store.putObject(params("b", `k${i}`), bodyFromBuffer(randomBytes(4096)))),
      );
      const after = store.stats();
      expect(after.committedJobs - before.committedJobs).toBe(n);
      expect(after.walSyncs - before.walSyncs).toBeLessThanOrEqual(3);
      expect(after.commitBatches - before.commitBatches).toBeLessThanOrEqual(3);
      expect((await store.listObjects({ bucket: "b", maxKeys: 100 })).objects.length).toBe(n);
    });

    it("returns nothing a commit made visible before that commit's log sync ended", async () => {
      const { store } = await freshStore();
      await store.createBucket("b", "owner");
      await store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("old")));
      // Hold the log syncs (reaching into the store: the only way to stop time between COMMIT and
      // the end of its fdatasync). Two writers at once, so the sync goes to the thread pool path.
      const wal = (store as unknown as { core: { wal: { log: { datasync(): Promise<void> } } } }).core.wal;
      const realSync = wal.log.datasync.bind(wal.log);
      let releaseSync!: () => void;
      const held = new Promise<void>((resolve) => (releaseSync = resolve));
      wal.log = { ...wal.log, datasync: () => held.then(realSync), fd: (wal.log as unknown as { fd: number }).fd } as never;
      const writes = [
        track(store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("new")))),
        track(store.deleteObject("b", "gone")),
      ];
      cleanups.push(async () => releaseSync()); // never leave close() waiting for a held sync
      // createBucket, the first put, and now these two
      while (store.stats().committedJobs < 4) await new Promise((resolve) => setImmediate(resolve));
      // committed, not yet durable: readers, and a writer refused on what it saw, must wait
      const reads = [
        track(store.getObject({ bucket: "b", key: "k" })),
        track(store.headObject("b", "k")),
        track(store.listObjects({ bucket: "b", maxKeys: 10 })),
        track(store.putObject(params("b", "k", { ifNoneMatch: "*" }), bodyFromBuffer(Buffer.from("x")))),
      ];
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect([...writes, ...reads].map((t) => t.state)).toEqual(Array(6).fill("pending"));
      releaseSync();
      await eventually(async () => expect([...writes, ...reads].every((t) => t.state !== "pending")).toBe(true));
      expect(reads.map((t) => t.state)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected"]);
      const snapshot = reads[0].value as Awaited<ReturnType<EmbeddedStore["getObject"]>>;
      expect((await readAll(snapshot.open())).toString()).toBe("new");
    });

    it("checks a bucket without waiting for object commits' log syncs, but not before its own commit is durable", async () => {
      const { store } = await freshStore();
      await store.createBucket("b", "owner");
      const releaseSync = holdLogSyncs(store);
      const writes = [
        track(store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("new")))),
        track(store.deleteObject("b", "gone")),
      ];
      while (store.stats().committedJobs < 3) await new Promise((resolve) => setImmediate(resolve));
      // object commits wait for their sync; the bucket's rows have not changed since theirs
      expect((await store.getBucket("b")).name).toBe("b");
      expect(writes.map((t) => t.state)).toEqual(["pending", "pending"]);
      // a bucket created (or found missing) now is answered only once that commit is durable
      const created = track(store.createBucket("c", "owner"));
      while (store.stats().committedJobs < 4) await new Promise((resolve) => setImmediate(resolve));
      const checks = [track(store.getBucket("c")), track(store.getBucket("d"))];
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect([created, ...checks].map((t) => t.state)).toEqual(["pending", "pending", "pending"]);
      releaseSync();
      await eventually(async () => expect([...writes, created, ...checks].every((t) => t.state !== "pending")).toBe(true));
      expect(checks.map((t) => t.state)).toEqual(["fulfilled", "rejected"]);
    });

    it("reads another key without waiting for an object commit's log sync; a read of the key written, or after any other kind of commit, waits", async () => {
      const { store } = await freshStore();
      await store.createBucket("b", "owner");
      for (const k of ["k", "gone", "other", "tagged"]) await store.putObject(params("b", k), bodyFromBuffer(Buffer.from(`old ${k}`)));
      const releaseSync = holdLogSyncs(store);
      // two writers at once, so the sync goes to the (held) thread pool path
      const writes = [
        track(store.putObject(params("b", "k"), bodyFromBuffer(Buffer.from("new k")))),
        track(store.deleteObject("b", "gone")),
      ];
      while (store.stats().committedJobs < 7) await new Promise((resolve) => setImmediate(resolve));
      // "other" was last changed by a durable commit: its reads are answered now
      expect((await store.headObject("b", "other")).info.size).toBe(9);
      expect((await readAll((await store.getObject({ bucket: "b", key: "other" })).open())).toString()).toBe("old other");
      expect((await store.getObjectAttributes({ bucket: "b", key: "other" })).info.size).toBe(9);
      expect(writes.map((t) => t.state)).toEqual(["pending", "pending"]);
      // the keys written (a new version, and a delete: an absence) wait for the sync
      const waiting = [
        track(store.headObject("b", "k")),
        track(store.getObject({ bucket: "b", key: "k" })),
        track(store.getObjectAttributes({ bucket: "b", key: "k" })),
        track(store.headObject("b", "gone")),
      ];
      // a commit that names no key (tags here) may change what any read sees: every read waits
      const tagged = track(store.putObjectTags("b", "tagged", { t: "1" }));
      while (store.stats().committedJobs < 8) await new Promise((resolve) => setImmediate(resolve));
      const afterUnkeyed = track(store.headObject("b", "other"));
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect([...waiting, tagged, afterUnkeyed].map((t) => t.state)).toEqual(Array(6).fill("pending"));
      releaseSync();
      await eventually(async () => expect([...writes, ...waiting, tagged, afterUnkeyed].every((t) => t.state !== "pending")).toBe(true));
      expect(waiting.map((t) => t.state)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected"]);
      expect((waiting[0].value as { info: { size: number } }).info.size).toBe(5);
      expect(afterUnkeyed.state).toBe("fulfilled");
    });

    it("tells with the bucket whether it has a default retention, once the configuration's commit is durable", async () => {
      const { store } = await freshStore();
      await store.createBucket("b", "owner", { objectLock: true });
      await store.createBucket("plain", "owner");
      expect((await store.getBucket("b")).defaultRetention).toBe(false);
      expect((await store.getBucket("plain")).defaultRetention).toBe(false);
      const releaseSync = holdLogSyncs(store);
      // two writers at once, so the sync goes to the (held) thread pool path
      const writes = [
        track(store.putObjectLockConfiguration("b", { defaultRetention: { mode: "GOVERNANCE", days: 1 } })),
        track(store.putObject(params("plain", "k"), bodyFromBuffer(Buffer.from("x")))),
      ];
      while (store.stats().committedJobs < 4) await new Promise((resolve) => setImmediate(resolve));
      // a PUT trusts this answer instead of asking getObjectLockConfiguration (handlers/object-lock.ts):
      // it must not tell a configuration a power loss could still take back
      const check = track(store.getBucket("b"));
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect([...writes, check].map((t) => t.state)).toEqual(["pending", "pending", "pending"]);
      releaseSync();
      await eventually(async () => expect([...writes, check].every((t) => t.state !== "pending")).toBe(true));
      expect(check.value?.defaultRetention).toBe(true);
    });

    it("refuses every request once a log sync failed, until reopened", async () => {
      const { store, dataDir } = await freshStore();
      await store.createBucket("b", "owner");
      await store.putObject(params("b", "kept"), bodyFromBuffer(Buffer.from("kept")));
      await expect(store.checkReady(100)).resolves.toBeUndefined();
      const wal = (store as unknown as { core: { wal: { log: { fd: number; datasync(): Promise<void> } } } }).core.wal;
      const failure = Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
      wal.log = { fd: wal.log.fd, datasync: () => Promise.reject(failure) };
      // two writers at once, so their sync goes through the (failing) thread pool path
      const writes = await Promise.allSettled(
        ["a", "b"].map((k) => store.putObject(params("b", k), bodyFromBuffer(Buffer.from(k)))),
      );
      expect(writes.map((w) => (w as PromiseRejectedResult).reason)).toEqual([failure, failure]);
      await expect(store.getBucket("b")).rejects.toThrow(/could not be synced; reopen/);
      await expect(store.putObject(params("b", "c"), bodyFromBuffer(Buffer.from("c")))).rejects.toThrow(/could not be synced/);
      // what /readyz reports: this gateway can no longer serve writes
      await expect(store.checkReady(100)).rejects.toThrow(/could not be synced.*restart/);
      await store.close();
      await expect(store.checkReady(100)).rejects.toThrow(/closed/);
      const reopened = await openEmbeddedStore({ dataDir });
      cleanups.push(() => reopened.close());
      expect((await readAll((await reopened.getObject({ bucket: "b", key: "kept" })).open())).toString()).toBe("kept");
    });

    it("syncs a lone writer's commit through the log's own datasync (the thread pool), as concurrent writers' are", async () => {
      const { store } = await freshStore();
      await store.createBucket("b", "owner");
      // count the syncs that go through the log's handle (fs/promises: the thread pool); a sync made
      // on the event loop (fdatasyncSync on the descriptor) would not pass here
      const wal = (store as unknown as { core: { wal: { log: { fd: number; datasync(): Promise<void> } } } }).core.wal;
      const real = wal.log;
      let pooled = 0;
      wal.log = {
        fd: real.fd,
        datasync: () => {
          pooled++;
          return real.datasync();
        },
      };
      const a = store.stats();
      await store.putObject(params("b", "alone"), bodyFromBuffer(Buffer.from("x")));
      const b = store.stats();
      expect([b.walSyncs - a.walSyncs, pooled]).toEqual([1, 1]);
      await Promise.all([1, 2, 3].map((i) => store.putObject(params("b", `k${i}`), bodyFromBuffer(Buffer.from("y")))));
      const c = store.stats();
      expect(c.walSyncs - b.walSyncs).toBeGreaterThan(0);
      expect(pooled - 1).toBe(c.walSyncs - b.walSyncs);
    });
  });
});
