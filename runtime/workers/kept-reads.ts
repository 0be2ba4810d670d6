/**
 * What a worker keeps of objects it has read: the primary's resolved answer (read-plan.ts) for the
 * current version of a key of a few segments, kept under a lease that the primary takes back
 * before any change to the key can be observed (runtime/storage/embedded/read-leases.ts). A GET or
 * HEAD of such an object is then answered here, with no round trip to the primary: from the kept
 * inline bytes, or from the object's files, which the kept answer holds pinned (held-pins.ts) until
 * it is taken back or dropped, so that a file is never unlinked while a read from it may still
 * open it.
 *
 * Why: with workers, a GET spent its time waiting for that round trip (a process wake-up each
 * way; ~100 µs on this machine with nothing else running, far more with the two cores busy):
 * warp GET 4 KiB at c=4 ran at 2,870 obj/s through two workers against 4,370-4,760 through one
 * process, and GET 1 MiB at c=8 at 0.79x of one process.
 *
 * An answer is kept only when no revocation reached this worker between the call and its answer:
 * the primary granted the lease when it read, so a change after that read sends its revocation to
 * this worker, and on the one channel the revocation comes before an answer sent after it. Kept:
 * at most MAX_KEPT answers and MAX_KEPT_BYTES of inline bytes, the oldest dropped first; a dropped
 * answer's lease is given back, so that a write of its key waits for no revocation it needs not.
 */
import { MAX_KEPT_SEGMENTS, type ResolvedObject } from "../storage/embedded/read-plan.js";
import { objectKeyId } from "../storage/keys.js";
import type { HeldPins } from "./held-pins.js";

export const MAX_KEPT = 10_000;
export const MAX_KEPT_BYTES = 16 * 1024 * 1024;

/** what the primary sends to take back every key at once (read-leases.ts ALL) */
const ALL = "";

/** `data` in an allocation of its own, exactly its size */
function ownCopy(data: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(data.length);
  data.copy(copy);
  return copy;
}

export class KeptReads {
  /** `bucket\0key` -> the answer */
  private readonly kept = new Map<string, ResolvedObject>();
  private bytes = 0;
  /** revocations received so far */
  private revocations = 0;

  constructor(
    /** gives leases back to the primary (read-leases.ts release): `[key id, grant]` pairs */
    private readonly release: (released: Array<[string, number]>) => void,
    /** the worker's pins on segment files, which a kept answer holds for the reads to come */
    private readonly pins: HeldPins,
    private readonly limits = { entries: MAX_KEPT, bytes: MAX_KEPT_BYTES },
  ) {}

  /** The kept answer for the current version of `bucket`/`key`; callers must not change it. */
  get(bucket: string, key: string): ResolvedObject | undefined {
    return this.kept.get(objectKeyId(bucket, key));
  }

  /** Taken before a call whose answer may be kept. */
  mark(): number {
    return this.revocations;
  }

  /**
   * Keeps a leased answer to a call made at `mark`, unless a revocation came since; a lease not kept
   * is given back, and with it whatever was kept of the key (its lease may be the one that ends: the
   * primary ends a worker's lease on a key only for its last grant).
   */
  keep(bucket: string, key: string, resolved: ResolvedObject, mark: number): void {
    const lease = resolved.lease;
    if (lease === undefined) return;
    const id = objectKeyId(bucket, key);
    let bytes = 0;
    for (const s of resolved.segments) bytes += s.data?.length ?? 0;
    if (mark !== this.revocations || resolved.segments.length > MAX_KEPT_SEGMENTS || bytes > this.limits.bytes) {
      this.drop(id);
      this.release([[id, lease]]);
      return;
    }
    // a newer grant replaces the older one at the primary: nothing to give back for it
    this.drop(id);
    const released: Array<[string, number]> = [];
    while (this.kept.size > 0 && (this.kept.size >= this.limits.entries || this.bytes + bytes > this.limits.bytes)) {
      const oldest = this.kept.keys().next().value!;
      released.push([oldest, this.kept.get(oldest)!.lease!]);
      this.drop(oldest);
    }
    if (released.length > 0) this.release(released);
    // The bytes are copied: a Buffer that came over the IPC channel is a view of the whole message
    // it came in (node:v8's deserializer), which keeping it would keep too.
    const segments = resolved.segments.map((s) => (s.data === undefined ? s : { ...s, data: ownCopy(s.data) }));
    // the caller adopted the answer's pins for its own read (held-pins.ts); the kept answer is one
    // more holder of its files
    this.pins.hold(resolved.pinned);
    this.kept.set(id, { ...resolved, segments });
    this.bytes += bytes;
  }

  /** The primary takes these keys back (ALL: every key); answered once they are gone. */
  revoke(ids: readonly string[]): void {
    this.revocations++;
    for (const id of ids) {
      if (id === ALL) {
        for (const each of [...this.kept.keys()]) this.drop(each);
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
    this.pins.release(old.pinned);
  }
}
