/**
 * A per-process cache of something read from a bucket's configuration (its CORS rules, its policy
 * and public access block), compiled once per read: requests come in bursts, and with workers each
 * read is a round trip to the process that owns the store.
 *
 * Bound: an entry expires CACHE_TTL_MS after its read began, whatever happens, so no answer outlives
 * a change by more than that. A change is seen at once by the process that made it (forget(), from
 * the changing request's onSend hook) and, with workers, by every other one before the change is
 * acknowledged (the store's owner notes them: runtime/workers/store-owner.ts, app.ts
 * forgetBucketConfig); the TTL covers anything that slips through. At most CACHE_MAX_BUCKETS
 * buckets are kept (the oldest entry goes first). A failed read is not cached.
 */

/** How long a bucket's cached configuration is reused before it is read again. */
export const CACHE_TTL_MS = 1000;
/** Buckets whose configuration is kept at once; past it the oldest entry goes. */
const CACHE_MAX_BUCKETS = 1024;

interface Entry<T> {
  expires: number;
  value: Promise<T>;
}

export class BucketConfigCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    /**
     * reads and compiles the bucket's configuration; a rejection is not cached. Absent when each
     * lookup brings its own (the Ozone store reads a bucket as the request's caller).
     */
    private readonly read?: (bucket: string) => Promise<T>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The bucket's cached answer, else `read`'s (default: the constructor's), kept CACHE_TTL_MS. */
  lookup(bucket: string, read: ((bucket: string) => Promise<T>) | undefined = this.read): Promise<T> {
    const now = this.now();
    const hit = this.entries.get(bucket);
    if (hit !== undefined && hit.expires > now) return hit.value;
    if (hit !== undefined) this.entries.delete(bucket);
    if (read === undefined) throw new Error("BucketConfigCache.lookup: no reader");
    const value = read(bucket);
    const entry: Entry<T> = { expires: now + CACHE_TTL_MS, value };
    if (this.entries.size >= CACHE_MAX_BUCKETS) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(bucket, entry);
    value.catch(() => {
      if (this.entries.get(bucket) === entry) this.entries.delete(bucket);
    });
    return value;
  }

  /** The bucket's configuration changed: the next lookup reads it again. */
  forget(bucket: string): void {
    this.entries.delete(bucket);
  }
}
