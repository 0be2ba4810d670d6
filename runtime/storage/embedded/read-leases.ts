/**
 * Read leases: which worker processes keep which objects, so that they can answer GET and
 * HEAD of them without a round trip to this process (runtime/workers/kept-reads.ts), and so that
 * no answer they give from memory is stale once a change to the object can be observed.
 *
 * The protocol (this process owns the database; a worker is a "holder"):
 * 1. A worker asks for a lease with its read (resolveRead); the lease is granted in the same
 *    synchronous run as the read, for the current version of a key of at most MAX_KEPT_SEGMENTS
 *    segments (read-plan.ts; the worker keeps the pins of its files while it keeps the answer,
 *    runtime/workers/held-pins.ts). Each grant has a number; a worker that drops an answer, or does
 *    not keep it, gives its lease back with that number (release), which ends the lease only if no
 *    later grant to the same worker came meanwhile (that one's answer is still on its way). When
 *    MAX_LEASES keys are leased, every lease is taken back at once, as for a change of every key.
 * 2. Every change of a key's `objects` row (object-cache.ts's triggers, whatever statement made it,
 *    inside the transaction) and every change of a bucket's versioning status (which changes the
 *    version id every answer shows) takes the leases of what it changed back: each holder is told
 *    at once (one call per holder and turn, rpc.ts batches them), and the revocation is complete when
 *    all of them have answered (or are gone: a dead worker's memory is gone with it).
 * 3. Nothing that could show the change goes out before its revocation is complete: the write that
 *    made it is acknowledged only then (store-core.ts commit), and a read in this process of the key
 *    (observeObject), or any read that is not of one key (observe: a listing shows sizes and ETags),
 *    waits for it as it waits for the log sync (the revocation runs during that sync, so it costs
 *    nearly nothing more). So a worker may still serve the version before a change only while the
 *    change is neither acknowledged nor visible anywhere: as if its read had come first.
 * 4. An answer granted just before a change can reach the worker after that change's revocation;
 *    the worker keeps no answer if any revocation reached it after it asked (kept-reads.ts), so it
 *    never keeps what was taken back before it arrived.
 * A holder that does not answer within REVOKE_TIMEOUT_MS is reported (`unresponsive`): the primary
 * kills it, which completes the revocation; a write never waits on a hung worker for longer.
 */
import type Database from "better-sqlite3";

import { objectKeyId } from "../keys.js";

/** keys leased at most at once (beyond, reads are answered without a lease) */
export const MAX_LEASES = 50_000;
/** how long a holder may take to answer a revocation */
export const REVOKE_TIMEOUT_MS = 5_000;

/** A revocation of every key the holder keeps (a bucket name cannot be empty, so no key id is this). */
export const ALL = "";

/** How the store reaches holders (the primary: runtime/workers/primary.ts). */
export interface LeaseHolders {
  /** tells `holder` that the keys (`bucket\0key`, or ALL) are taken back; resolves once it answered or is gone */
  revoke(holder: string, ids: string[]): Promise<void>;
  /** `holder` did not answer a revocation in time */
  unresponsive(holder: string): void;
}

/** caches made in this process, for unique function and trigger names */
let tables = 0;

export class ReadLeases {
  /** key id (`bucket\0key`) -> the holders of a lease on it, with the number of their last grant */
  private readonly leases = new Map<string, Map<string, number>>();
  /** grants made so far */
  private grants = 0;
  /** key id -> its revocation under way */
  private readonly revoking = new Map<string, Promise<void>>();
  /** the taking back of every lease under way (changedAll) */
  private revokingAll: Promise<void> | undefined;
  /** revocations started by the write running now (during()) */
  private readonly started: Array<Promise<void>> = [];
  /** key ids to revoke per holder (ALL: every key), sent at the end of the turn */
  private outbox: Map<string, { ids: string[]; done: Promise<void>; resolve: () => void }> | undefined;
  private holders: LeaseHolders | undefined;

  constructor(
    db: Database.Database,
    private readonly limits = { maxLeases: MAX_LEASES, revokeTimeoutMs: REVOKE_TIMEOUT_MS },
  ) {
    const fn = `s3g_leases${++tables}_bucket`;
    db.function(fn, { deterministic: false }, (bucket: unknown) => {
      this.changedBucket(String(bucket));
      return null;
    });
    for (const op of ["INSERT", "UPDATE", "DELETE"]) {
      const row = op === "DELETE" ? "OLD" : "NEW";
      db.exec(`CREATE TEMP TRIGGER ${fn}_${op.toLowerCase()} AFTER ${op} ON main.bucket_versioning BEGIN SELECT ${fn}(${row}.bucket); END`);
    }
  }

  /** Leases are granted only once the holders can be reached. */
  attach(holders: LeaseHolders): void {
    this.holders = holders;
  }

  /**
   * Called in the synchronous run of a read: the grant's number when `holder` may keep what it read
   * of `id` (give it back to release()), 0 when it may not.
   */
  grant(id: string, holder: string): number {
    if (this.holders === undefined) return 0;
    const n = ++this.grants;
    const held = this.leases.get(id);
    if (held !== undefined) {
      held.set(holder, n);
      return n;
    }
    if (this.leases.size >= this.limits.maxLeases) this.changedAll();
    this.leases.set(id, new Map([[holder, n]]));
    return n;
  }

  /** `holder` keeps nothing of `id` from grant `n` on: the lease ends unless a later grant came since. */
  release(holder: string, id: string, n: number): void {
    const held = this.leases.get(id);
    if (held === undefined || held.get(holder) !== n) return;
    held.delete(holder);
    if (held.size === 0) this.leases.delete(id);
  }

  /** `holder` is gone: its leases with it (a revocation waiting on it is completed by revoke()). */
  forget(holder: string): void {
    for (const [id, held] of this.leases) {
      held.delete(holder);
      if (held.size === 0) this.leases.delete(id);
    }
  }

  /** The row of `id` changed (inside a transaction): its leases are taken back. */
  changed(id: string): void {
    const held = this.leases.get(id);
    if (held === undefined) return;
    this.leases.delete(id);
    const waits = [...held.keys()].map((holder) => this.send(holder, id));
    const done = Promise.all(waits).then(() => {
      if (this.revoking.get(id) === done) this.revoking.delete(id);
    });
    const before = this.revoking.get(id);
    this.revoking.set(id, done);
    this.started.push(before === undefined ? done : Promise.all([before, done]).then(() => undefined));
  }

  /** Every lease is taken back; until every holder answered, every read and write waits for it. */
  changedAll(): void {
    const holders = new Set<string>();
    for (const held of this.leases.values()) for (const h of held.keys()) holders.add(h);
    this.leases.clear();
    if (holders.size === 0) return;
    const before = this.revokingAll;
    const all: Promise<void> = Promise.all([before, ...[...holders].map((holder) => this.send(holder, ALL))]).then(() => {
      if (this.revokingAll === all) this.revokingAll = undefined;
    });
    this.revokingAll = all;
    this.started.push(all);
  }

  /** Every lease on a key of `bucket` is taken back (its versioning status changed). */
  changedBucket(bucket: string): void {
    const prefix = objectKeyId(bucket, "");
    for (const id of [...this.leases.keys()]) if (id.startsWith(prefix)) this.changed(id);
  }

  /** The revocation of `id` under way (or of every key), if any. */
  pending(id: string): Promise<void> | undefined {
    const one = this.revoking.get(id);
    const all = this.revokingAll;
    if (all === undefined) return one;
    return one === undefined ? all : Promise.all([one, all]).then(() => undefined);
  }

  /** Every revocation under way, if any. */
  allPending(): Promise<void> | undefined {
    if (this.revoking.size === 0) return this.revokingAll;
    const all = [...this.revoking.values()];
    if (this.revokingAll !== undefined) all.push(this.revokingAll);
    return Promise.all(all).then(() => undefined);
  }

  /**
   * Runs `apply` (one write's changes, in its transaction) and returns its result with the
   * revocations its changes started, which its acknowledgement must wait for (and any taking back
   * of every lease under way).
   */
  during<T>(apply: () => T): { result: T; revoked: Promise<void> | undefined } {
    this.started.length = 0;
    try {
      const result = apply();
      const waits = this.revokingAll === undefined ? this.started.slice() : [...this.started, this.revokingAll];
      return { result, revoked: waits.length === 0 ? undefined : Promise.all(waits).then(() => undefined) };
    } finally {
      this.started.length = 0;
    }
  }

  /** leases and revocations now (tests, stats) */
  get size(): { keys: number; revoking: number } {
    return { keys: this.leases.size, revoking: this.revoking.size };
  }

  /** One revocation call per holder and turn, carrying every key of that turn. */
  private send(holder: string, id: string): Promise<void> {
    if (this.outbox === undefined) {
      this.outbox = new Map();
      setImmediate(() => this.flush());
    }
    let batch = this.outbox.get(holder);
    if (batch === undefined) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      batch = { ids: [], done, resolve };
      this.outbox.set(holder, batch);
    }
    batch.ids.push(id);
    return batch.done;
  }

  private flush(): void {
    const outbox = this.outbox;
    this.outbox = undefined;
    if (outbox === undefined) return;
    for (const [holder, batch] of outbox) {
      const holders = this.holders;
      if (holders === undefined) {
        batch.resolve();
        continue;
      }
      const timer = setTimeout(() => holders.unresponsive(holder), this.limits.revokeTimeoutMs);
      // a holder that fails to answer is gone (its channel closed): its memory went with it
      holders
        .revoke(holder, batch.ids)
        .catch(() => undefined)
        .then(() => {
          clearTimeout(timer);
          batch.resolve();
        });
    }
  }
}
