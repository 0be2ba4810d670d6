/**
 * Start-up recovery: removes what a crash (kill -9 or power loss at any instant) can leave behind.
 * Runs after the database lock is taken and before the store serves anything.
 *
 * What a crash can leave, given the write protocol (files.ts, store.ts):
 * - files in tmp/: segments being received. Never referenced by metadata -> deleted, all of them.
 * - files in objects/ that no segments row references:
 *     - the crash hit between a segment's rename into objects/ and its metadata commit (or the
 *       commit failed / its transaction was rolled back);
 *     - the crash hit after a commit that dropped a segment (overwrite, delete, abort, a part
 *       replaced or left out of a completion) but before the file's unlink, including unlinks
 *       deferred while a reader held the segment.
 *   -> deleted.
 * - segments rows whose file is missing: this cannot result from a crash. A row is committed only
 *   after its file was fsynced and renamed with the directory fsynced, and a file is unlinked only
 *   after the commit that removed its row is on disk (the log sync of wal-sync.ts), so a power loss
 *   cannot undo that commit; and the store syncs the log before this scan runs, so the rows it reads
 *   are on disk too, even those a killed process committed but never synced. A missing file means
 *   outside interference (someone deleted files, a damaged disk); deleting rows would hide that, so
 *   it is only reported, and reads of such objects fail loudly.
 *
 * Files under objects/ whose names are not segment ids are not ours; they are reported and left.
 *
 * Inline segments (inline.ts) need nothing: their bytes commit and vanish with their rows.
 */
import { readdir, rm, unlink } from "node:fs/promises";
import { join } from "node:path";

import type Database from "better-sqlite3";

import { SEGMENT_ID_PATTERN, fsyncDir } from "./files.js";
import type { StoreLogger } from "./store-core.js";

const HEX2 = /^[0-9a-f]{2}$/;

export interface RecoveryReport {
  tmpRemoved: number;
  orphansRemoved: number;
  missingFiles: number;
  foreignFiles: number;
}

export async function recoverDataDir(
  db: Database.Database,
  dirs: { tmpDir: string; objectsDir: string },
  logger: StoreLogger,
): Promise<RecoveryReport> {
  const report: RecoveryReport = { tmpRemoved: 0, orphansRemoved: 0, missingFiles: 0, foreignFiles: 0 };

  for (const name of await readdir(dirs.tmpDir)) {
    await rm(join(dirs.tmpDir, name), { recursive: true, force: true });
    report.tmpRemoved++;
  }

  // One index range query per leaf directory: every segment id starts with its directory's four
  // hex digits, so "ids in [abcd, abcdg)" are the ones that belong in objects/ab/cd/.
  const idsWithPrefix = db
    .prepare("SELECT id FROM segments WHERE id >= ? AND id < ?")
    .pluck() as Database.Statement<[string, string], string>;
  let present = 0;
  const missingExamples: string[] = [];
  for (const first of await readdirSorted(dirs.objectsDir)) {
    const firstDir = join(dirs.objectsDir, first);
    if (!HEX2.test(first)) {
      report.foreignFiles++;
      logger.warn({ path: firstDir }, "embedded store: unexpected entry in objects/, left alone");
      continue;
    }
    for (const second of await readdirSorted(firstDir)) {
      const leafDir = join(firstDir, second);
      if (!HEX2.test(second)) {
        report.foreignFiles++;
        logger.warn({ path: leafDir }, "embedded store: unexpected entry in objects/, left alone");
        continue;
      }
      const prefix = first + second;
      const referenced = new Set(idsWithPrefix.all(prefix, prefix + "g"));
      let removedHere = 0;
      for (const name of await readdir(leafDir)) {
        if (referenced.delete(name)) {
          present++;
        } else if (SEGMENT_ID_PATTERN.test(name) && name.startsWith(prefix)) {
          await unlink(join(leafDir, name));
          removedHere++;
        } else {
          report.foreignFiles++;
          logger.warn({ path: join(leafDir, name) }, "embedded store: unexpected file in objects/, left alone");
        }
      }
      for (const id of referenced) if (missingExamples.length < 10) missingExamples.push(id);
      if (removedHere > 0) {
        // not needed for correctness (a resurrected orphan is removed again next start), but it
        // keeps a crash loop from redoing the same work
        await fsyncDir(leafDir);
        report.orphansRemoved += removedHere;
      }
    }
  }

  // file segment ids start with a hex digit, inline ones with "i" (inline.ts)
  const total = db.prepare("SELECT count(*) FROM segments WHERE id < 'g'").pluck().get() as number;
  report.missingFiles = total - present;
  if (report.missingFiles > 0) {
    logger.warn(
      { missingFiles: report.missingFiles, examples: missingExamples },
      "embedded store: metadata references data files that do not exist (deleted outside the store?); reads of those objects will fail",
    );
  }
  logger.info({ ...report }, "embedded store: recovery done");
  return report;
}

async function readdirSorted(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}
