/**
 * The lifecycle executor: applies the buckets' lifecycle rules in the background, in the one process
 * that owns the store (runtime/main.ts with one process, runtime/workers/primary.ts with several).
 *
 * A run ("tick") examines at most `entriesPerTick` entries (versions, uploads, buckets) and stops, so
 * that it never holds the store's event loop or commit queue for long; the next run starts
 * `tickIntervalMs` after this one ended. Where a run stopped (bucket, phase, markers, and the state
 * of the key being walked) is kept in the store as the cursor, saved at the end of every run, so a
 * restart resumes the pass instead of starting over. A pass visits the buckets that have rules in
 * name order: first their versions (expiration of current versions, of noncurrent versions, removal
 * of expired delete markers), then their incomplete multipart uploads; after the last bucket the
 * cursor is cleared and the next run begins a new pass.
 *
 * The clock is injected (`now`): tests run ticks directly with a fake one instead of waiting days.
 * Each deletion is a normal storage call, committed and durable like a client's.
 */
import { StorageError } from "../storage/types.js";
import type { LifecycleRule, StorageClient } from "../storage/types.js";
import { currentExpired, matchesTags, matchesWithoutTags, needsTags, noncurrentExpired, uploadDue } from "./evaluate.js";
import { lifecycleStorage, type LifecycleState, type LifecycleStorage, type VersionEntry } from "./storage.js";

export interface LifecycleLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LifecycleExecutorOptions {
  storage: LifecycleStorage;
  /** the clock, ms since the epoch */
  now?: () => number;
  entriesPerTick: number;
  tickIntervalMs: number;
  logger?: LifecycleLogger;
}

/** The state of the key whose versions are being walked, kept across pages and runs. */
interface KeyState {
  key: string;
  /** last-modified time of the key's previous (newer) entry: when the next one became noncurrent */
  newerModified: number;
  /** noncurrent versions of the key seen so far (newer than the next one) */
  noncurrentSeen: number;
  /** the key's latest entry is a delete marker: removed if no other version of the key follows */
  markerId?: string;
}

interface Cursor {
  bucket: string;
  phase: "versions" | "uploads";
  keyMarker?: string;
  versionIdMarker?: string;
  uploadIdMarker?: string;
  keyState?: KeyState;
}

export interface TickResult {
  examined: number;
  expired: number;
  aborted: number;
  /** a pass over every bucket ended in this run */
  passEnded: boolean;
}

/** Entries a listing page holds at most (S3's page size). */
const PAGE = 1000;

export class LifecycleExecutor {
  private readonly storage: LifecycleStorage;
  private readonly now: () => number;
  private readonly entriesPerTick: number;
  private readonly tickIntervalMs: number;
  private readonly logger: LifecycleLogger | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopping = false;

  constructor(opts: LifecycleExecutorOptions) {
    this.storage = opts.storage;
    this.now = opts.now ?? Date.now;
    this.entriesPerTick = opts.entriesPerTick;
    this.tickIntervalMs = opts.tickIntervalMs;
    this.logger = opts.logger;
  }

  /** Runs a tick every tickIntervalMs (the first one interval after now) until stop(). */
  start(): void {
    this.stopping = false;
    this.schedule();
  }

  /** Stops: no new tick; a tick under way ends after its current storage call (its cursor saved). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => this.logger?.warn({ err }, "lifecycle: a run failed; the next one resumes from the last saved position"))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.tickIntervalMs);
    // the executor alone must not keep a process alive
    this.timer.unref();
  }

  /** One run: at most entriesPerTick entries examined, the position saved at the end. */
  async tick(): Promise<TickResult> {
    const result: TickResult = { examined: 0, expired: 0, aborted: 0, passEnded: false };
    const budget = () => this.entriesPerTick - result.examined;
    let cursor = await this.loadCursor();
    try {
      while (budget() > 0 && !this.stopping) {
        if (cursor === undefined) {
          const [first] = await this.storage.lifecycleBuckets("", 1);
          result.examined++;
          if (first === undefined) {
            result.passEnded = true;
            break;
          }
          cursor = { bucket: first, phase: "versions" };
        }
        const done = await this.runBucket(cursor, result, budget);
        if (!done) break; // out of budget (or stopping) inside the bucket
        const [next] = await this.storage.lifecycleBuckets(cursor.bucket, 1);
        result.examined++;
        if (next === undefined) {
          // the pass is over; the next run starts a new one (one pass per run at most)
          cursor = undefined;
          result.passEnded = true;
          break;
        }
        cursor = { bucket: next, phase: "versions" };
      }
    } finally {
      await this.storage.putLifecycleCursor(cursor === undefined ? undefined : JSON.stringify(cursor));
    }
    if (result.expired > 0 || result.aborted > 0) {
      this.logger?.info({ ...result }, "lifecycle: expired objects and aborted uploads");
    }
    return result;
  }

  private async loadCursor(): Promise<Cursor | undefined> {
    const saved = await this.storage.getLifecycleCursor();
    if (saved === undefined) return undefined;
    try {
      const c = JSON.parse(saved) as Cursor;
      if (typeof c.bucket === "string" && (c.phase === "versions" || c.phase === "uploads")) return c;
    } catch {
      // a cursor this build cannot read: start the pass over (it only costs time)
    }
    return undefined;
  }

  /** Works on cursor.bucket, moving the cursor along; true when the bucket is finished. */
  private async runBucket(cursor: Cursor, result: TickResult, budget: () => number): Promise<boolean> {
    let rules: LifecycleRule[] | undefined;
    try {
      rules = await this.storage.rules(cursor.bucket);
    } catch (err) {
      if (err instanceof StorageError && err.kind === "BUCKET_NOT_FOUND") return true;
      throw err;
    }
    const enabled = (rules ?? []).filter((r) => r.enabled);
    try {
      if (cursor.phase === "versions") {
        const wanted = enabled.some((r) => r.expiration !== undefined || r.noncurrentExpiration !== undefined);
        if (wanted && !(await this.walkVersions(cursor, enabled, result, budget))) return false;
        cursor.phase = "uploads";
        delete cursor.keyMarker;
        delete cursor.versionIdMarker;
        delete cursor.keyState;
      }
      const wanted = enabled.some((r) => r.abortIncompleteUploadDays !== undefined);
      if (wanted && !(await this.walkUploads(cursor, enabled, result, budget))) return false;
      return true;
    } catch (err) {
      // the bucket was deleted under the walk: nothing left to do there
      if (err instanceof StorageError && err.kind === "BUCKET_NOT_FOUND") return true;
      throw err;
    }
  }

  private async walkVersions(cursor: Cursor, rules: LifecycleRule[], result: TickResult, budget: () => number): Promise<boolean> {
    for (;;) {
      if (budget() <= 0 || this.stopping) return false;
      const page = await this.storage.listVersions({
        bucket: cursor.bucket,
        ...(cursor.keyMarker !== undefined && { keyMarker: cursor.keyMarker }),
        ...(cursor.versionIdMarker !== undefined && { versionIdMarker: cursor.versionIdMarker }),
        maxKeys: Math.min(PAGE, budget()),
      });
      for (const entry of page.versions) {
        if (this.stopping) return false;
        await this.examineVersion(cursor, entry, rules, result);
        result.examined++;
        cursor.keyMarker = entry.key;
        cursor.versionIdMarker = entry.versionId;
      }
      if (!page.isTruncated || page.versions.length === 0) {
        await this.endKey(cursor, result);
        return true;
      }
      if (page.nextKeyMarker !== undefined) {
        cursor.keyMarker = page.nextKeyMarker;
        if (page.nextVersionIdMarker !== undefined) cursor.versionIdMarker = page.nextVersionIdMarker;
        else delete cursor.versionIdMarker;
      }
    }
  }

  /** The walk left cursor.keyState's key: a delete marker that had no version behind it has expired. */
  private async endKey(cursor: Cursor, result: TickResult): Promise<void> {
    const state = cursor.keyState;
    delete cursor.keyState;
    if (state?.markerId === undefined) return;
    if (await this.ignoringGone(() => this.storage.removeVersion(cursor.bucket, state.key, state.markerId!))) result.expired++;
  }

  private async examineVersion(cursor: Cursor, entry: VersionEntry, rules: LifecycleRule[], result: TickResult): Promise<void> {
    const now = this.now();
    if (cursor.keyState?.key !== entry.key) await this.endKey(cursor, result);
    if (entry.isLatest) {
      cursor.keyState = { key: entry.key, newerModified: entry.lastModified.getTime(), noncurrentSeen: 0 };
      if (entry.deleteMarker) {
        // ExpiredObjectDeleteMarker: a marker that is all that is left of its key. Whether it is
        // shows only once the walk has passed the key (endKey); the rule has no tags (rules.ts).
        if (rules.some((r) => r.expiration?.expiredObjectDeleteMarker === true && matchesWithoutTags(r.filter, entry.key, undefined))) {
          cursor.keyState.markerId = entry.versionId;
        }
        return;
      }
      if (await this.anyRule(cursor.bucket, entry, rules, (r) => currentExpired(r, entry.lastModified.getTime(), now))) {
        if (await this.ignoringGone(() => this.storage.expireCurrent(cursor.bucket, entry))) result.expired++;
      }
      return;
    }
    // a noncurrent version (or noncurrent delete marker): the key has versions behind its latest
    const state: KeyState = cursor.keyState ?? { key: entry.key, newerModified: entry.lastModified.getTime(), noncurrentSeen: 0 };
    delete state.markerId;
    const since = state.newerModified;
    const newer = state.noncurrentSeen;
    state.newerModified = entry.lastModified.getTime();
    state.noncurrentSeen++;
    cursor.keyState = state;
    if (await this.anyRule(cursor.bucket, entry, rules, (r) => noncurrentExpired(r, since, newer, now))) {
      if (await this.ignoringGone(() => this.storage.removeVersion(cursor.bucket, entry.key, entry.versionId))) result.expired++;
    }
  }

  /** Some rule whose action is due (`due`) selects the entry; its tags are read only when a rule needs them. */
  private async anyRule(bucket: string, entry: VersionEntry, rules: LifecycleRule[], due: (r: LifecycleRule) => boolean): Promise<boolean> {
    let tags: Record<string, string> | undefined;
    for (const rule of rules) {
      if (!due(rule) || !matchesWithoutTags(rule.filter, entry.key, entry.deleteMarker ? undefined : entry.size)) continue;
      if (!needsTags(rule.filter)) return true;
      if (entry.deleteMarker) continue; // a delete marker has no tags
      try {
        tags ??= await this.storage.tags(bucket, entry.key, entry.versionId);
      } catch (err) {
        if (err instanceof StorageError && err.kind === "KEY_NOT_FOUND") return false;
        throw err;
      }
      if (matchesTags(rule.filter, tags)) return true;
    }
    return false;
  }

  private async walkUploads(cursor: Cursor, rules: LifecycleRule[], result: TickResult, budget: () => number): Promise<boolean> {
    const abortRules = rules.filter((r) => r.abortIncompleteUploadDays !== undefined);
    for (;;) {
      if (budget() <= 0 || this.stopping) return false;
      const page = await this.storage.listUploads({
        bucket: cursor.bucket,
        ...(cursor.keyMarker !== undefined && { keyMarker: cursor.keyMarker }),
        ...(cursor.keyMarker !== undefined && cursor.uploadIdMarker !== undefined && { uploadIdMarker: cursor.uploadIdMarker }),
        maxUploads: Math.min(PAGE, budget()),
      });
      const now = this.now();
      for (const upload of page.uploads) {
        if (this.stopping) return false;
        // An upload has no size and no tags yet: the rule's prefix selects it (rules.ts refuses
        // AbortIncompleteMultipartUpload with a tag filter, as S3 does).
        if (abortRules.some((r) => uploadDue(r, upload.initiated.getTime(), now) && matchesWithoutTags(r.filter, upload.key, undefined))) {
          if (await this.ignoringGone(() => this.storage.abortUpload(cursor.bucket, upload.key, upload.uploadId))) result.aborted++;
        }
        result.examined++;
        cursor.keyMarker = upload.key;
        cursor.uploadIdMarker = upload.uploadId;
      }
      if (!page.isTruncated || page.uploads.length === 0) return true;
    }
  }

  /**
   * The action's outcome (false: it found nothing to do); false too when the thing went away
   * meanwhile (a client deleted, completed or aborted it).
   */
  private async ignoringGone(action: () => Promise<boolean | void>): Promise<boolean> {
    try {
      return (await action()) !== false;
    } catch (err) {
      if (err instanceof StorageError && (err.kind === "KEY_NOT_FOUND" || err.kind === "UPLOAD_NOT_FOUND")) return false;
      throw err;
    }
  }
}

/**
 * Starts the executor on the store this process owns, with the configured pace; the caller stops it
 * before closing the store. Only an engine that keeps lifecycle rules (LifecycleState) runs one.
 */
export function startLifecycleExecutor(
  store: StorageClient & LifecycleState,
  config: Readonly<{ lifecycle: { tickIntervalMs: number; entriesPerTick: number } }>,
  logger: LifecycleLogger,
): LifecycleExecutor {
  const executor = new LifecycleExecutor({ storage: lifecycleStorage(store), ...config.lifecycle, logger });
  executor.start();
  return executor;
}
