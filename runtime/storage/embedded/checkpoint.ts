/**
 * Checkpoints with their fsyncs off the event loop.
 *
 * A checkpoint copies the log's frames into the database file so that the log can start over.
 * SQLite's automatic checkpoint (every 1,000 log pages) runs inside the COMMIT that crossed the
 * mark and, under synchronous=NORMAL, makes two fsyncs there: the log before copying, the database
 * file after. With better-sqlite3 both block the event loop. Measured under warp mixed (64 KiB,
 * c=8), where bodies kept in the database fill the log quickly: transactions took 0.27 ms at the
 * median and 6.5-7 ms at p99, and the ones above 2 ms added up to ~0.8 s of a 15 s run, during
 * which no request moved. So the store turns the automatic checkpoint off (wal_autocheckpoint=0,
 * schema.ts) and runs this one after the commit that brought the log to `threshold` frames:
 *
 * 1. New write transactions are held (GroupCommit waits on `hold` before it begins one). Reads
 *    go on: they need no write lock and see what was committed.
 * 2. Wait until every commit is durable (WalSync.settled(): the fdatasync of the log, on the
 *    thread pool). That is the log sync SQLite would make first; with writes held, nothing new
 *    is written to the log between it and the copy, so the copy takes only synced frames. (A copy
 *    of unsynced frames could leave pages in the database file whose commit a power loss takes out
 *    of the log: a database that matches no commit.)
 * 3. Copy, with synchronous=OFF for the one statement (SQLite then makes neither of its syncs;
 *    PASSIVE always completes here: the connection is exclusive, there is no other reader).
 * 4. fdatasync the database file through a descriptor of its own, on the thread pool. Only then
 *    are writes let go: the first write transaction after a complete checkpoint starts the log
 *    over, overwriting frames from the beginning, and until the database file's new pages are on
 *    stable storage those frames are the only durable copy of them. (At that first write SQLite
 *    still fsyncs the log's new header, on the loop: one small sync per checkpoint, against the
 *    two large ones before. It stays there: the header must be on disk before any new frame is
 *    written, or a power loss could leave the old header with some old frames and some new ones,
 *    and recovery would replay a prefix of old frames over newer pages in the database file.)
 * So the database and the log pass through the same states, in the same order, with the same
 * syncs between them as under SQLite's own checkpoint; only the syncs run on another thread, and
 * the writes that SQLite's checkpoint blocked by blocking everything wait for them alone.
 *
 * The descriptor on the database file must stay open until the database is closed: SQLite's
 * exclusive lock is a POSIX fcntl lock, which the kernel drops when the process closes *any*
 * descriptor of the file (store.ts closes it after db.close()).
 *
 * Every write of the store goes through the group commit (an autocommit statement run while writes
 * are held would start the log over before step 4 ends); only open-time recovery writes directly,
 * before this exists. A failed copy leaves the log as it was (it restarts only after a complete
 * checkpoint) and is tried again after a second; a failed fdatasync of the database file fails the
 * store as a failed log sync does (wal-sync.ts): after it, Linux may have dropped the pages.
 */
import type Database from "better-sqlite3";

import type { Syncable, WalSync } from "./wal-sync.js";

/** SQLite's own default (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT): frames in the log before a checkpoint */
export const CHECKPOINT_FRAMES = 1000;
/** after a failed copy, the next try waits this long */
const RETRY_MS = 1000;

/** What GroupCommit needs of a checkpointer. */
export interface CheckpointGate {
  /** set while a checkpoint holds writes: a write transaction may begin once it resolves */
  readonly hold: Promise<void> | undefined;
  /** called right after each COMMIT, outside any transaction */
  afterCommit(): void;
}

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export class Checkpointer implements CheckpointGate {
  private running: Promise<void> | undefined;
  private retryAt = 0;
  private readonly logSize: Database.Statement<[], CheckpointResult>;
  /** checkpoints completed (their database file synced), for stats */
  checkpoints = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly wal: WalSync,
    private readonly dbFile: Syncable,
    private readonly onError: (err: unknown) => void,
    private readonly threshold = CHECKPOINT_FRAMES,
  ) {
    // NOOP: the log's frame count, no checkpoint (SQLite 3.51+)
    this.logSize = db.prepare<[], CheckpointResult>("PRAGMA wal_checkpoint(NOOP)");
  }

  get hold(): Promise<void> | undefined {
    return this.running;
  }

  afterCommit(): void {
    if (this.running !== undefined) return;
    const size = this.logSize.get();
    if (size === undefined || size.log < this.threshold) return;
    if (this.retryAt !== 0 && Date.now() < this.retryAt) return;
    this.running = this.run()
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Resolves when no checkpoint is running (before the database is closed). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async run(): Promise<void> {
    try {
      await this.wal.settled();
    } catch {
      return; // the log cannot be synced: the store has failed, and a copy would not be safe
    }
    let copied: number;
    this.db.pragma("synchronous = OFF");
    try {
      const [result] = this.db.pragma("wal_checkpoint(PASSIVE)") as CheckpointResult[];
      copied = result.checkpointed;
      this.retryAt = 0;
    } catch (err) {
      this.retryAt = Date.now() + RETRY_MS;
      this.onError(err);
      return;
    } finally {
      this.db.pragma("synchronous = NORMAL");
    }
    if (copied <= 0) return;
    try {
      await this.dbFile.datasync();
      this.checkpoints++;
    } catch (err) {
      this.wal.fail(err ?? new Error("fdatasync of the database file failed"));
    }
  }
}
