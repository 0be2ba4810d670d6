/**
 * What a worker keeps of small objects it has read: the primary's resolved answer (read-plan.ts) for
 * the current version of a key whose bytes are all inline, kept under a lease that the primary takes
 * back before any change to the key can be observed (runtime/storage/embedded/read-leases.ts). A
 * GET or HEAD of such an object is then answered here, with no round trip to the primary.
 *
 * Why: with workers, a small GET spent its time waiting for that round trip (a process wake-up each
 * way; ~100 µs on this machine with nothing else running, far more with the two cores busy):
 * warp GET 4 KiB at c=4 ran at 2,870 obj/s through two workers against 4,370-4,760 through one
 * process.
 *
 * An answer is kept only when no revocation reached this worker between the call and its answer:
 * the primary granted the lease when it read, so a change after that read sends its revocation to
 * this worker, and on the one channel the revocation comes before an answer sent after it. Kept:
 * at most MAX_KEPT answers and MAX_KEPT_BYTES of inline bytes, the oldest dropped first (silently:
 * the primary's lease stays until a change, which costs it only a revocation nobody needed).
 */
import type { ResolvedObject } from "../storage/embedded/read-plan.js";
import { objectKeyId } from "../storage/keys.js";

export const MAX_KEPT = 10_000;
export const MAX_KEPT_BYTES = 16 * 1024 * 1024;

/** what the primary sends to take back every key at once (read-leases.ts ALL) */
const ALL = "";

export class KeptReads {
  /** `bucket\0key` -> the answer */
  private readonly kept = new Map<string, ResolvedObject>();
  private bytes = 0;
  /** revocations received so far */
  private revocations = 0;
  /** hits, for tests and diagnostics */
  hits = 0;

  constructor(private readonly limits = { entries: MAX_KEPT, bytes: MAX_KEPT_BYTES }) {}

  /** The kept answer for the current version of `bucket`/`key`; callers must not change it. */
  get(bucket: string, key: string): ResolvedObject | undefined {
    const hit = this.kept.get(objectKeyId(bucket, key));
    if (hit !== undefined) this.hits++;
    return hit;
  }

  /** Taken before a call whose answer may be kept. */
  mark(): number {
    return this.revocations;
  }

  /** Keeps a leased answer to a call made at `mark`, unless a revocation came since. */
  keep(bucket: string, key: string, resolved: ResolvedObject, mark: number): void {
    if (resolved.leased !== true || mark !== this.revocations || resolved.pinned.length > 0) return;
    let bytes = 0;
    for (const s of resolved.segments) {
      if (s.data === undefined) return;
      bytes += s.data.length;
    }
    if (bytes > this.limits.bytes) return;
    const id = objectKeyId(bucket, key);
    this.drop(id);
    while (this.kept.size > 0 && (this.kept.size >= this.limits.entries || this.bytes + bytes > this.limits.bytes)) {
      this.drop(this.kept.keys().next().value!);
    }
    this.kept.set(id, resolved);
    this.bytes += bytes;
  }

  /** The primary takes these keys back (ALL: every key); answered once they are gone. */
  revoke(ids: readonly string[]): void {
    this.revocations++;
    for (const id of ids) {
      if (id === ALL) {
        this.kept.clear();
        this.bytes = 0;
        return;
      }
      this.drop(id);
    }
  }

  /** answers kept now, and their inline bytes (tests) */
  get size(): { entries: number; bytes: number } {
    return { entries: this.kept.size, bytes: this.bytes };
  }

  private drop(id: string): void {
    const old = this.kept.get(id);
    if (old === undefined) return;
    this.kept.delete(id);
    for (const s of old.segments) this.bytes -= s.data?.length ?? 0;
  }
}
