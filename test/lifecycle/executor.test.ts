/**
 * The lifecycle executor with a fake clock: ticks are run directly (no timer), `now` is whatever the
 * test says, so "30 days later" takes no time. Against a real EmbeddedStore in a temp directory
 * (through the same adapter the gateway uses), and against an in-memory engine of versions for
 * what an unversioned store cannot show (noncurrent versions, delete markers).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, dueAt } from "../../runtime/lifecycle/evaluate.js";
import { LifecycleExecutor } from "../../runtime/lifecycle/executor.js";
import { lifecycleStorage, type LifecycleStorage, type VersionEntry } from "../../runtime/lifecycle/storage.js";
import { openEmbeddedStore, type EmbeddedStore } from "../../runtime/storage/embedded/index.js";
import { StorageError, type LifecycleRule, type ListUploadsResult } from "../../runtime/storage/types.js";
import { bodyFromBuffer } from "../storage/body.js";

const OWNER = "AKIDLIFECYCLE";
const B = "lc-bucket";

const dirs: string[] = [];
const open: EmbeddedStore[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function newStore(dataDir?: string): Promise<{ store: EmbeddedStore; dataDir: string }> {
  const dir = dataDir ?? join(await mkdtemp(join(tmpdir(), "s3gw-lifecycle-")), "data");
  if (dataDir === undefined) dirs.push(join(dir, ".."));
  const store = await openEmbeddedStore({ dataDir: dir });
  open.push(store);
  return { store, dataDir: dir };
}

async function put(store: EmbeddedStore, key: string, opts: { size?: number; tags?: Record<string, string> } = {}) {
  return store.putObject(
    { bucket: B, key, userMetadata: {}, tags: opts.tags ?? {}, storageClass: "STANDARD", owner: OWNER },
    bodyFromBuffer(Buffer.alloc(opts.size ?? 10, 1)),
  );
}

async function keys(store: EmbeddedStore): Promise<string[]> {
  return (await store.listObjects({ bucket: B, maxKeys: 1000 })).objects.map((o) => o.key);
}

const rule = (over: Partial<LifecycleRule>): LifecycleRule => ({ id: "r", enabled: true, filter: { form: "Filter" }, ...over });

function executor(store: LifecycleStorage, clock: { now: number }, entriesPerTick = 1000) {
  return new LifecycleExecutor({ storage: store, now: () => clock.now, entriesPerTick, tickIntervalMs: 1_000_000 });
}

describe("dueAt: days after a time, rounded up to midnight UTC (AWS's example)", () => {
  it("an object of 2014-01-15 10:30 UTC with Days 3 expires 2014-01-19 00:00 UTC", () => {
    expect(new Date(dueAt(Date.parse("2014-01-15T10:30:00Z"), 3)).toISOString()).toBe("2014-01-19T00:00:00.000Z");
    expect(new Date(dueAt(Date.parse("2014-01-15T00:00:00Z"), 1)).toISOString()).toBe("2014-01-16T00:00:00.000Z");
  });
});

describe("the executor on the embedded store", () => {
  it("does not expire an object written after the listing, even when the write lands just before the delete", async () => {
    const { store } = await newStore();
    await store.createBucket(B, OWNER);
    await put(store, "raced", { size: 10 });
    const listed = (await lifecycleStorage(store).listVersions({ bucket: B, maxKeys: 10 })).versions[0];
    // A store where a client's overwrite of the key commits right before any check or delete the
    // adapter makes returns: with a check-then-delete the new object would be the one deleted.
    let raced = false;
    const race = async () => {
      if (raced) return;
      raced = true;
      await put(store, "raced", { size: 20 });
    };
    const racing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "headObject") return async (...a: Parameters<EmbeddedStore["headObject"]>) => {
          const r = await target.headObject(...a);
          await race();
          return r;
        };
        if (prop === "deleteObject") return async (...a: Parameters<EmbeddedStore["deleteObject"]>) => {
          await race();
          return target.deleteObject(...a);
        };
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(target) : v;
      },
    });
    expect(await lifecycleStorage(racing).expireCurrent(B, listed)).toBe(false);
    expect((await store.headObject(B, "raced")).info.size).toBe(20);
    // the listed version, when it is still current, is expired
    const now = (await lifecycleStorage(store).listVersions({ bucket: B, maxKeys: 10 })).versions[0];
    expect(await lifecycleStorage(store).expireCurrent(B, now)).toBe(true);
    expect(await keys(store)).toEqual([]);
  });

  it("expires current objects by Days at the midnight after last-modified + Days, only under the rule's prefix", async () => {
    const { store } = await newStore();
    await store.createBucket(B, OWNER);
    const a = await put(store, "logs/a");
    await put(store, "keep/b");
    await store.putBucketLifecycle(B, [rule({ filter: { form: "Filter", prefix: "logs/" }, expiration: { days: 2 } })]);
    const due = dueAt(a.lastModified.getTime(), 2);
    // last-modified + 2 days is not yet due: the time is rounded up to the next midnight UTC
    const clock = { now: a.lastModified.getTime() + 2 * DAY_MS };
    const ex = executor(lifecycleStorage(store), clock);
    if (clock.now % DAY_MS !== 0) expect((await ex.tick()).expired).toBe(0);
    clock.now = due - 1;
    expect((await ex.tick()).expired).toBe(0);
    expect(await keys(store)).toEqual(["keep/b", "logs/a"]);
    clock.now = due;
    const r = await ex.tick();
    expect(r).toMatchObject({ expired: 1, passEnded: true });
    expect(await keys(store)).toEqual(["keep/b"]);
  });

  it("expires by Date every selected object once the date has come, and never while the rule is Disabled", async () => {
    const { store } = await newStore();
    await store.createBucket(B, OWNER);
    await put(store, "x");
    const date = new Date(Math.ceil((Date.now() + 5 * DAY_MS) / DAY_MS) * DAY_MS);
    await store.putBucketLifecycle(B, [rule({ expiration: { date: date.toISOString() }, enabled: false })]);
    const clock = { now: date.getTime() + 1 };
    const ex = executor(lifecycleStorage(store), clock);
    expect((await ex.tick()).expired).toBe(0);
    await store.putBucketLifecycle(B, [rule({ expiration: { date: date.toISOString() } })]);
    clock.now = date.getTime() - 1;
    expect((await ex.tick()).expired).toBe(0);
    clock.now = date.getTime();
    expect((await ex.tick()).expired).toBe(1);
    expect(await keys(store)).toEqual([]);
  });

  it("applies tag and size filters (And: every condition), reading tags only for candidates", async () => {
    const { store } = await newStore();
    await store.createBucket(B, OWNER);
    await put(store, "t/match", { size: 100, tags: { class: "tmp", team: "a" } });
    await put(store, "t/other-tag", { size: 100, tags: { class: "keep" } });
    await put(store, "t/too-small", { size: 5, tags: { class: "tmp" } });
    await put(store, "t/too-big", { size: 1000, tags: { class: "tmp" } });
    await put(store, "u/match-but-prefix", { size: 100, tags: { class: "tmp" } });
    await store.putBucketLifecycle(B, [
      rule({
        filter: { form: "And", prefix: "t/", tags: { class: "tmp" }, objectSizeGreaterThan: 10, objectSizeLessThan: 500 },
        expiration: { days: 1 },
      }),
    ]);
    const ex = executor(lifecycleStorage(store), { now: Date.now() + 3 * DAY_MS });
    expect((await ex.tick()).expired).toBe(1);
    expect(await keys(store)).toEqual(["t/other-tag", "t/too-big", "t/too-small", "u/match-but-prefix"]);
  });

  it("aborts incomplete multipart uploads DaysAfterInitiation days after initiation (rounded to midnight), under the prefix", async () => {
    const { store } = await newStore();
    await store.createBucket(B, OWNER);
    const old = await store.createMultipartUpload({ bucket: B, key: "up/a", userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: OWNER });
    const other = await store.createMultipartUpload({ bucket: B, key: "other/b", userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: OWNER });
    await store.putBucketLifecycle(B, [rule({ filter: { form: "Prefix", prefix: "up/" }, abortIncompleteUploadDays: 1 })]);
    const clock = { now: dueAt(old.initiated.getTime(), 1) - 1 };
    const ex = executor(lifecycleStorage(store), clock);
    expect((await ex.tick()).aborted).toBe(0);
    clock.now += 1;
    expect((await ex.tick()).aborted).toBe(1);
    const left = await store.listMultipartUploads({ bucket: B, maxUploads: 100 });
    expect(left.uploads.map((u) => u.uploadId)).toEqual([other.uploadId]);
  });

  it("examines at most entriesPerTick entries per tick, and a restarted store resumes where the last tick stopped", async () => {
    const { store, dataDir } = await newStore();
    await store.createBucket(B, OWNER);
    const names = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, "0")}`);
    for (const k of names) await put(store, k);
    await store.putBucketLifecycle(B, [rule({ expiration: { days: 1 } })]);
    const clock = { now: Date.now() + 3 * DAY_MS };
    const first = await executor(lifecycleStorage(store), clock, 10).tick();
    // one entry went to finding the bucket: 9 objects examined and expired
    expect(first).toMatchObject({ examined: 10, expired: 9, passEnded: false });
    expect((await keys(store))[0]).toBe("k09");
    // a key before the cursor, written after the first tick: this pass is past it
    await put(store, "k00");
    await store.close();
    open.splice(open.indexOf(store), 1);

    const { store: reopened } = await newStore(dataDir);
    const ex = executor(lifecycleStorage(reopened), clock, 10);
    expect(await ex.tick()).toMatchObject({ examined: 10, expired: 10 });
    expect(await keys(reopened)).toEqual(["k00", ...names.slice(19)]);
    // the rest of the pass, then a new pass from the start takes k00
    expect(await ex.tick()).toMatchObject({ expired: 6, passEnded: true });
    expect(await keys(reopened)).toEqual(["k00"]);
    expect(await ex.tick()).toMatchObject({ expired: 1, passEnded: true });
    expect(await keys(reopened)).toEqual([]);
  });

  it("goes through every bucket with rules, skips a bucket deleted under it, and leaves buckets without rules alone", async () => {
    const { store } = await newStore();
    for (const b of ["b1", "b2", "b3"]) {
      await store.createBucket(b, OWNER);
      await store.putObject({ bucket: b, key: "k", userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: OWNER }, bodyFromBuffer(Buffer.from("x")));
    }
    await store.putBucketLifecycle("b1", [rule({ expiration: { days: 1 } })]);
    await store.putBucketLifecycle("b3", [rule({ expiration: { days: 1 } })]);
    const ex = executor(lifecycleStorage(store), { now: Date.now() + 3 * DAY_MS });
    expect(await ex.tick()).toMatchObject({ expired: 2, passEnded: true });
    expect((await store.listObjects({ bucket: "b2", maxKeys: 10 })).objects).toHaveLength(1);
    // a deleted bucket takes its rules with it
    await store.deleteBucket("b1");
    await store.createBucket("b1", OWNER);
    expect(await store.getBucketLifecycle("b1")).toBeUndefined();
  });

  it("stop() waits for the tick under way and ends it early, its position saved", async () => {
    const { store } = await newStore();
    await store.createBucket(B, OWNER);
    for (let i = 0; i < 30; i++) await put(store, `s${String(i).padStart(2, "0")}`);
    await store.putBucketLifecycle(B, [rule({ expiration: { days: 1 } })]);
    const ex = new LifecycleExecutor({ storage: lifecycleStorage(store), now: () => Date.now() + 3 * DAY_MS, entriesPerTick: 1000, tickIntervalMs: 10 });
    ex.start();
    await new Promise((r) => setTimeout(r, 12));
    await ex.stop();
    const left = (await keys(store)).length;
    // stopped: nothing more happens, and the saved cursor names the bucket unless the pass ended
    await new Promise((r) => setTimeout(r, 50));
    expect((await keys(store)).length).toBe(left);
    const cursor = await store.getLifecycleCursor();
    if (left > 0) expect(JSON.parse(cursor!)).toMatchObject({ bucket: B });
  });
});

/**
 * An engine with versions, as ListObjectVersions lists them: by key, newest first within a key.
 * Each version carries its last-modified time; a delete marker is a version with deleteMarker.
 */
class VersionedFake implements LifecycleStorage {
  versions: VersionEntry[] = [];
  cursor: string | undefined;
  removed: string[] = [];
  constructor(private readonly rulesOf: LifecycleRule[]) {}

  add(key: string, versionId: string, lastModified: number, deleteMarker = false): void {
    this.versions.push({ key, versionId, isLatest: false, deleteMarker, size: 10, etag: "e", lastModified: new Date(lastModified) });
    this.versions.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : b.lastModified.getTime() - a.lastModified.getTime()));
    this.relatest();
  }
  private relatest(): void {
    this.versions.forEach((v, i) => (v.isLatest = i === 0 || this.versions[i - 1]!.key !== v.key));
  }
  async lifecycleBuckets(after: string) {
    return B > after ? [B] : [];
  }
  async getLifecycleCursor() {
    return this.cursor;
  }
  async putLifecycleCursor(c: string | undefined) {
    this.cursor = c;
  }
  async rules() {
    return this.rulesOf;
  }
  async listVersions(p: { keyMarker?: string; versionIdMarker?: string; maxKeys: number }) {
    let start = 0;
    if (p.keyMarker !== undefined) {
      const at = this.versions.findIndex((v) => v.key === p.keyMarker && v.versionId === p.versionIdMarker);
      start = at >= 0 ? at + 1 : this.versions.findIndex((v) => v.key > p.keyMarker!);
      if (start < 0) start = this.versions.length;
    }
    const page = this.versions.slice(start, start + p.maxKeys).map((v) => ({ ...v }));
    const isTruncated = start + p.maxKeys < this.versions.length;
    const last = page.at(-1);
    return { versions: page, isTruncated, ...(isTruncated && last && { nextKeyMarker: last.key, nextVersionIdMarker: last.versionId }) };
  }
  async tags() {
    return {};
  }
  async expireCurrent(_b: string, entry: VersionEntry) {
    // a versioned bucket: expiring the current version puts a delete marker on top
    this.add(entry.key, `dm-${entry.versionId}`, entry.lastModified.getTime() + 1, true);
    return true;
  }
  async removeVersion(_b: string, key: string, versionId: string) {
    const i = this.versions.findIndex((v) => v.key === key && v.versionId === versionId);
    if (i < 0) throw new StorageError("KEY_NOT_FOUND");
    this.versions.splice(i, 1);
    this.relatest();
    this.removed.push(`${key}@${versionId}`);
  }
  async listUploads(): Promise<ListUploadsResult> {
    return { uploads: [], commonPrefixes: [], isTruncated: false };
  }
  async abortUpload() {}
}

describe("the executor on an engine with versions", () => {
  const T0 = Date.parse("2026-01-01T12:00:00Z");

  it("removes noncurrent versions NoncurrentDays after they became noncurrent (their successor's time), keeping NewerNoncurrentVersions", async () => {
    const fake = new VersionedFake([rule({ noncurrentExpiration: { noncurrentDays: 1, newerNoncurrentVersions: 1 } })]);
    // k: v1 (T0) replaced by v2 (T0 + 1 day), replaced by v3 (T0 + 5 days, current)
    fake.add("k", "v1", T0);
    fake.add("k", "v2", T0 + DAY_MS);
    fake.add("k", "v3", T0 + 5 * DAY_MS);
    // v1 became noncurrent when v2 was written (T0 + 1 day): due 1 day later, rounded up to
    // midnight; v2, the newest noncurrent version, is kept by NewerNoncurrentVersions 1
    const clock = { now: dueAt(T0 + DAY_MS, 1) - 1 };
    const ex = executor(fake, clock);
    expect((await ex.tick()).expired).toBe(0);
    clock.now = dueAt(T0 + DAY_MS, 1);
    expect((await ex.tick()).expired).toBe(1);
    expect(fake.removed).toEqual(["k@v1"]);
    // v2, however old, is the one newer noncurrent version kept
    clock.now = T0 + 100 * DAY_MS;
    expect((await ex.tick()).expired).toBe(0);
    expect(fake.versions.map((v) => v.versionId)).toEqual(["v3", "v2"]);
  });

  it("removes a delete marker that is the only version left (ExpiredObjectDeleteMarker), not one with versions behind it, across pages", async () => {
    const fake = new VersionedFake([rule({ expiration: { expiredObjectDeleteMarker: true } })]);
    fake.add("a", "m-a", T0, true); // alone: expired
    fake.add("b", "v-b", T0);
    fake.add("b", "m-b", T0 + 1, true); // has a version behind it: kept
    fake.add("c", "m-c", T0, true); // alone, at the end of the listing
    // two entries per tick: the state of the key is carried across ticks in the cursor
    const ex = executor(fake, { now: T0 + DAY_MS }, 2);
    let ticks = 1;
    while (!(await ex.tick()).passEnded && ticks < 20) ticks++;
    expect(ticks).toBeGreaterThan(1);
    expect(ticks).toBeLessThan(20);
    expect(fake.removed.sort()).toEqual(["a@m-a", "c@m-c"]);
    expect(fake.versions.map((v) => `${v.key}@${v.versionId}`)).toEqual(["b@m-b", "b@v-b"]);
  });

  it("expiring a current version in a versioned bucket leaves a delete marker, which a later pass removes once it is alone", async () => {
    const fake = new VersionedFake([
      rule({ id: "cur", expiration: { days: 1 } }),
      rule({ id: "nc", noncurrentExpiration: { noncurrentDays: 1 } }),
      rule({ id: "dm", expiration: { expiredObjectDeleteMarker: true } }),
    ]);
    fake.add("k", "v1", T0);
    const clock = { now: dueAt(T0, 1) };
    const ex = executor(fake, clock);
    await ex.tick();
    expect(fake.versions.map((v) => [v.versionId, v.deleteMarker])).toEqual([["dm-v1", true], ["v1", false]]);
    clock.now = dueAt(T0 + 1, 1);
    await ex.tick(); // v1, noncurrent since the marker, goes
    await ex.tick(); // the marker, alone now, goes
    expect(fake.versions).toEqual([]);
  });
});

describe("the executor on the embedded store's versions", () => {
  async function versions(store: EmbeddedStore): Promise<string[]> {
    const page = await store.listObjectVersions({ bucket: B, maxKeys: 1000 });
    return page.versions.map((v) => `${v.key}:${v.deleteMarker ? "marker" : "version"}${v.isLatest ? " (latest)" : ""}`);
  }

  it("expires the current version into a delete marker, then removes the noncurrent version and the marker left alone", async () => {
    const { store } = await newStore();
    await store.createBucket(B, OWNER);
    await store.putBucketVersioning(B, "Enabled");
    const first = await put(store, "k");
    const second = await put(store, "k");
    await store.putBucketLifecycle(B, [
      rule({ id: "cur", expiration: { days: 1 } }),
      rule({ id: "nc", noncurrentExpiration: { noncurrentDays: 1 } }),
      rule({ id: "dm", expiration: { expiredObjectDeleteMarker: true } }),
    ]);
    expect(await versions(store)).toEqual(["k:version (latest)", "k:version"]);
    const clock = { now: dueAt(second.lastModified.getTime(), 1) };
    const ex = executor(lifecycleStorage(store), clock);
    await ex.tick();
    // the current version expired into a delete marker; both versions are noncurrent now. The first
    // became noncurrent when the second was written: due, and removed in the same pass
    expect(await versions(store)).toEqual(["k:marker (latest)", "k:version"]);
    expect(first.versionId).toBeDefined();
    clock.now = dueAt(Date.now(), 1) + DAY_MS;
    await ex.tick(); // the second version, noncurrent since the marker, goes
    await ex.tick(); // the marker, alone now, goes
    expect(await versions(store)).toEqual([]);
  });
});
