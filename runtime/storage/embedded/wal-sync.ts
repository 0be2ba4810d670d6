/**
 * Makes SQLite commits durable off the event loop: the database runs with synchronous=NORMAL (no
 * fsync inside COMMIT, see schema.ts) and this class fdatasyncs the -wal file through a descriptor
 * of its own, on the libuv thread pool, before anything that depends on a commit is let out.
 *
 * Why this is as durable as synchronous=FULL (power loss included, not only kill -9):
 * 1. A COMMIT in WAL mode writes the transaction's frames into the -wal file with write() calls that
 *    have returned when better-sqlite3 returns. fdatasync(2) on any descriptor of that file, called
 *    afterwards, returns only when those bytes (and the file size) are on stable storage. That is
 *    the sync FULL issues at the end of COMMIT (sqlite3WalFrames: "if isCommit && WAL_SYNC_FLAGS");
 *    with FULL it runs on the event loop, here on a pool thread. (SQLite's unix VFS calls fsync
 *    there because it does not trust fdatasync on every platform; this store targets Linux, where
 *    fdatasync also persists a grown file size, and uses it for segment files too, see files.ts.)
 * 2. SQLite under NORMAL still performs every other sync FULL does (pager.c sqlite3PagerSetFlags:
 *    NORMAL keeps the checkpoint flags, only the commit flags are zero): the log before a checkpoint
 *    copies frames into the database file, the database file after it, the new log header when the
 *    log starts over after a checkpoint. So frames of a commit we have not synced yet can reach the
 *    database file only through a checkpoint, which syncs them first; and the log is overwritten
 *    only after such a checkpoint completed and synced. (SQLite's automatic checkpoints are off;
 *    the store's own, checkpoint.ts, make the same syncs in the same order, off the event loop.)
 * 3. Until our fdatasync returns, a power loss may lose the commit (never corrupt the database:
 *    frames carry cumulative checksums and recovery keeps the longest valid prefix of whole
 *    transactions). So nothing that depends on the commit may escape before it: `waitFor(n)`
 *    resolves only after a sync that began after commit n completed. The store waits on it before
 *    it acknowledges a write, before it unlinks files the commit dropped (else a rolled-back commit
 *    would bring back rows pointing at deleted files), and before it returns what a read or a failed
 *    precondition saw (else a client could see a version that a power loss then takes back).
 *    Directory fsyncs of renamed segment files happen before the COMMIT itself (group-commit.ts),
 *    never after, because the kernel may write the log back on its own at any time.
 * 4. The descriptor stays valid: in exclusive locking mode SQLite neither deletes nor replaces the
 *    -wal file while the connection is open (sqlite3WalClose unlinks it at close; a restart or
 *    journal_size_limit truncates it in place, which keeps the inode), and the file's directory
 *    entry was made durable when the store opened (fsync of the data directory after the first
 *    write of the open had created the log).
 * 5. At open, before recovery acts on what the database says, the store syncs the log once: a
 *    process killed between a COMMIT and its sync leaves frames that the next process reads from
 *    the page cache; deleting files those rows no longer reference, while a power loss could still
 *    roll the rows back, would lose data. (synchronous=FULL had the same window, inside COMMIT.)
 * kill -9 needs none of this (written frames are in the page cache, which outlives the process),
 * and a crash before the sync only loses writes that were never acknowledged.
 *
 * Syncs are coalesced (group commit at the disk): while one fdatasync runs, later commits wait for
 * the next one, which then covers all of them, so a burst of commits costs two syncs, not one each.
 * Every sync runs on the thread pool, a writer alone too. A lone writer's sync used to run on the
 * event loop (fdatasyncSync, as synchronous=FULL does), which a bare loop of writes and syncs
 * still favours (52-75 against 59-101 µs a sync here); but in the gateway, interleaved warp runs
 * on this machine (December 2026) made one writer's PUTs (4 KiB, c=1, one process) faster through
 * the pool: 1,255-1,306 against 1,024-1,159 PUTs/s (three pairs of builds; 1,218-1,236 against
 * 1,031-1,060 in five pairs with a switch). c=8 (one process; p99 7.7-8.2 ms both), c=4 and warp
 * mixed at c=8 (two processes) stayed within the noise, and so did one writer through boto3 or the
 * AWS SDK for JavaScript, clients that spend 2-3 ms of their own on each PUT (six pairs each). The
 * cause was not pinned down; a sync on the loop holds up all else the process would do meanwhile.
 * A failed fdatasync is not retried: after a failed fsync Linux may have dropped the dirty pages, so
 * nothing after it can be trusted; every waiter, now and later, gets the error and the store must be
 * reopened (its recovery then works from what is really on disk).
 */
import type { FileHandle } from "node:fs/promises";

/** The part of a file handle used here (tests substitute a controllable one). */
export type Syncable = Pick<FileHandle, "datasync">;

interface Waiter {
  target: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class WalSync {
  /** number of commits made so far (noteCommit) */
  private committed = 0;
  /** every commit up to this number is on disk */
  private durable = 0;
  private syncing = false;
  private failure: unknown;
  private readonly waiters: Waiter[] = [];
  /** fdatasync calls made, for stats */
  syncs = 0;

  /** `onFailure` hears of the first failed sync (for the log; waiters get the error anyway) */
  constructor(
    private readonly log: Syncable,
    private readonly onFailure: (err: unknown) => void = () => {},
  ) {}

  /** the error of a failed sync: once set, nothing can be made durable any more */
  get failed(): unknown {
    return this.failure;
  }

  /**
   * The number the transaction running now will get from noteCommit (transactions run one at a
   * time, and noteCommit follows COMMIT synchronously).
   */
  get nextCommit(): number {
    return this.committed + 1;
  }

  /** Call right after a COMMIT returned; the result identifies that commit for waitFor. */
  noteCommit(): number {
    return ++this.committed;
  }

  /** Resolves once commit `n` (and every earlier one) is on disk; rejects if a sync failed. */
  waitFor(n: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.durable >= n) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ target: n, resolve, reject });
      this.startSync();
    });
  }

  /** Resolves once everything committed so far is on disk. */
  settled(): Promise<void> {
    return this.waitFor(this.committed);
  }

  /** true when commit `n` (and every earlier one) is known to be on disk */
  isDurable(n: number): boolean {
    return this.durable >= n;
  }

  /** true when some commit is not known to be on disk yet */
  get pending(): boolean {
    return this.durable < this.committed;
  }

  /** Starts one fdatasync on the thread pool unless one is running (its end starts the next). */
  private startSync(): void {
    if (this.syncing) return; // the waiters are picked up when the running sync ends
    this.syncing = true;
    // Read before the call: every commit counted here has written its frames already, so the
    // fdatasync below, issued after this line, covers them all.
    const target = this.committed;
    this.syncs++;
    this.log.datasync().then(
      () => this.finishSync(target, undefined),
      (err: unknown) => this.finishSync(target, err ?? new Error("fdatasync failed")),
    );
  }

  /**
   * Fails the store as a failed log sync does: a sync of the metadata that failed elsewhere (the
   * database file's, checkpoint.ts) leaves nothing that can be promised durable either.
   */
  fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.onFailure(error);
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  private finishSync(target: number, error: unknown): void {
    this.syncing = false;
    if (error !== undefined) {
      this.fail(error);
      return;
    }
    if (target > this.durable) this.durable = target;
    let kept = 0;
    for (const w of this.waiters) {
      if (w.target <= this.durable) w.resolve();
      else this.waiters[kept++] = w;
    }
    this.waiters.length = kept;
    // commits made while this sync ran need one more
    if (kept > 0) this.startSync();
  }
}
