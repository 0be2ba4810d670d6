/**
 * Group commit: write transactions that become ready close together share one SQLite transaction,
 * one batch of directory fsyncs and one log sync.
 *
 * A writer submits a job: a synchronous function that re-checks its preconditions and writes its
 * rows, plus the directories of the segment files it renamed into objects/. Jobs submitted before
 * the next check phase of the event loop (setImmediate) form a batch:
 *   1. each distinct directory of the batch is fsynced once, so that the renamed files' names are
 *      on disk before any row can point at them (this must precede COMMIT, not only the
 *      acknowledgement: the kernel may write the log back at any moment after COMMIT);
 *   2. BEGIN; every job runs in a SAVEPOINT of its own: a job that throws (a precondition that no
 *      longer holds, a bucket deleted meanwhile) rolls back only its own changes and gets its own
 *      error, the others go on; COMMIT (a job alone in its batch needs no savepoint: its error
 *      rolls back the transaction instead);
 *   3. the log is synced (wal-sync.ts), and only then is every job of the batch settled, successful
 *      or not: a failure is also an answer derived from the database, and it must not describe a
 *      state that a power loss could still take back.
 * No other code runs between BEGIN and COMMIT (better-sqlite3 is synchronous), so a job sees the
 * committed effects of all earlier jobs, of its batch and of earlier batches, exactly as if every
 * job had been a transaction of its own; only the fsyncs are shared. Batches whose directory fsyncs
 * are in flight may overlap; their transactions still run one at a time.
 *
 * While the log sync of one batch runs, the next batch can already commit: its sync starts when the
 * running one ends and covers everything committed meanwhile. While a checkpoint holds writes
 * (checkpoint.ts), a batch waits for it before BEGIN; each COMMIT tells the checkpointer, which may
 * start one.
 */
import type Database from "better-sqlite3";

import type { CheckpointGate } from "./checkpoint.js";
import type { WalSync } from "./wal-sync.js";

export interface CommitJob<T> {
  /** runs inside the batch transaction, in its own savepoint; throwing rolls back its changes */
  apply(): T;
  /** directories whose entries must be durable before the transaction commits (may repeat) */
  dirs?: readonly string[];
  /**
   * Called when the job's changes certainly did not commit: it threw (its savepoint was rolled
   * back), it never ran (store closing, a directory fsync failed), or the whole transaction was
   * rolled back before COMMIT. Not called when COMMIT itself failed (outcome unknown).
   */
  notCommitted?(): void;
}

interface Pending {
  job: CommitJob<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown; committed: false | "unknown" };

export interface GroupCommitStats {
  /** transactions run */
  batches: number;
  /** jobs that went through a transaction (committed or rolled back) */
  jobs: number;
  /** the most jobs one transaction held */
  largestBatch: number;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** batches between taking their jobs and settling them */
  private running = 0;
  private idle: Array<() => void> = [];
  private closedError: Error | undefined;
  readonly stats: GroupCommitStats = { batches: 0, jobs: 0, largestBatch: 0 };
  private readonly transaction: (run: () => void) => void;
  private readonly savepoint: (run: () => unknown) => unknown;

  constructor(
    private readonly db: Database.Database,
    private readonly wal: WalSync,
    private readonly fsyncDir: (dir: string) => Promise<void>,
    private readonly checkpoint?: CheckpointGate,
  ) {
    // better-sqlite3 turns a transaction function called inside another into a SAVEPOINT, rolled
    // back (ROLLBACK TO + RELEASE) when it throws
    this.transaction = db.transaction((run: () => void) => run());
    this.savepoint = db.transaction((run: () => unknown) => run());
  }

  submit<T>(job: CommitJob<T>): Promise<T> {
    if (this.closedError !== undefined) {
      job.notCommitted?.();
      return Promise.reject(this.closedError);
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Refuses new jobs with `err`, then waits until every job already submitted is settled. */
  async close(err: Error): Promise<void> {
    this.closedError ??= err;
    if (this.queue.length === 0 && this.running === 0 && !this.scheduled) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return this.checkIdle();
    this.running++;
    try {
      const ready = await this.syncDirectories(batch);
      // no await between this loop's end and BEGIN: a checkpoint that holds writes cannot start in between
      while (this.checkpoint?.hold !== undefined) await this.checkpoint.hold;
      const failed = this.wal.failed;
      if (failed !== undefined) {
        // the log cannot be made durable: committing would only make promises that cannot be kept
        for (const p of ready) {
          p.job.notCommitted?.();
          p.reject(failed);
        }
        return;
      }
      const outcomes = this.runTransaction(ready);
      // Settle after the log sync, whatever the outcomes: see the header.
      let syncError: unknown;
      try {
        await this.wal.settled();
      } catch (err) {
        syncError = err;
      }
      ready.forEach((p, i) => {
        const outcome = outcomes[i];
        if (!outcome.ok && outcome.committed === false) p.job.notCommitted?.();
        if (syncError !== undefined) p.reject(syncError);
        else if (outcome.ok) p.resolve(outcome.value);
        else p.reject(outcome.err);
      });
    } finally {
      this.running--;
      this.checkIdle();
    }
  }

  /** fsyncs each distinct directory once; jobs whose directory failed are rejected here. */
  private async syncDirectories(batch: Pending[]): Promise<Pending[]> {
    const dirs = new Set<string>();
    for (const p of batch) for (const d of p.job.dirs ?? []) dirs.add(d);
    if (dirs.size === 0) return batch;
    const failed = new Map<string, unknown>();
    await Promise.all([...dirs].map((d) => this.fsyncDir(d).catch((err: unknown) => void failed.set(d, err))));
    if (failed.size === 0) return batch;
    return batch.filter((p) => {
      const dir = (p.job.dirs ?? []).find((d) => failed.has(d));
      if (dir === undefined) return true;
      p.job.notCommitted?.();
      p.reject(failed.get(dir));
      return false;
    });
  }

  /**
   * One transaction, one savepoint per job; returns each job's outcome. A job alone in its batch
   * runs without a savepoint: its error rolls back the whole transaction, which then held nothing
   * else (two statements fewer, the usual case at low concurrency).
   */
  private runTransaction(batch: Pending[]): Outcome[] {
    const outcomes: Outcome[] = [];
    this.stats.batches++;
    this.stats.jobs += batch.length;
    if (batch.length > this.stats.largestBatch) this.stats.largestBatch = batch.length;
    let committing = false;
    try {
      this.transaction(() => {
        if (batch.length === 1) {
          outcomes.push({ ok: true, value: batch[0].job.apply() });
          committing = true;
          return;
        }
        for (const p of batch) {
          try {
            outcomes.push({ ok: true, value: this.savepoint(() => p.job.apply()) });
          } catch (err) {
            outcomes.push({ ok: false, err, committed: false });
            // Some errors (I/O, disk full, out of memory) make SQLite roll back the whole
            // transaction; going on would run the next jobs in autocommit mode, one statement at a
            // time. Stop: the catch below fails the whole batch.
            if (!this.db.inTransaction) throw err;
          }
        }
        committing = true;
      });
    } catch (err) {
      // The commit number this transaction had (wal.nextCommit, which jobs record as the commit
      // that changed a key or the buckets) is used up all the same: a reader waiting for it must
      // not wait for a commit that never comes. The sync that covers it covers all before it.
      this.wal.noteCommit();
      // No commit. Given up before COMMIT: rolled back, nothing of it is on disk. COMMIT itself
      // failed: SQLite may or may not have made it durable, so the outcome is unknown, and the
      // orphan scan at the next start decides by what is on disk.
      // (A job alone that threw has no outcome yet: the error is its own, and nothing committed.)
      for (let i = 0; i < batch.length; i++) {
        const own = outcomes[i];
        if (own !== undefined && !own.ok) continue; // its own error, its own rollback
        outcomes[i] = { ok: false, err, committed: committing ? "unknown" : false };
      }
      return outcomes;
    }
    this.wal.noteCommit();
    this.checkpoint?.afterCommit();
    return outcomes;
  }

  private checkIdle(): void {
    if (this.queue.length > 0 || this.running > 0 || this.scheduled) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
