/**
 * Keeps segment files alive while a reader may still open them.
 *
 * GetObject returns a snapshot: the bytes of the version it resolved, even if that version is
 * overwritten or deleted before (or while) the caller streams it. Holding an open file descriptor
 * per segment would do that, but an object of 10,000 parts would then hold 10,000 descriptors per
 * request. Instead each reader pins the segments it will read (an in-memory reference count), the
 * stream opens them one at a time, and a writer that drops a segment from the metadata does not
 * unlink a pinned file: the unlink is deferred until the last pin is released.
 *
 * Why there is no race: better-sqlite3 is synchronous and this process owns the database
 * exclusively, so "read the object's row and segments, then pin" (GetObject) runs without yielding
 * to the event loop, and a writer discards segments only after the transaction that dropped them
 * committed (later still: after its log sync, see store.ts commit()). A reader that pinned before
 * that commit is seen by the discard, which defers the unlink; a reader that runs after the commit
 * reads the new version and never pins the dropped segments.
 *
 * Inline segments (inline.ts) are never pinned: a reader copies their bytes when it resolves the
 * object, and their rows go with the transaction that drops them.
 *
 * A crash loses the deferred unlinks; the files are then unreferenced and the orphan scan at the
 * next start removes them.
 */
export class SegmentPins {
  private readonly counts = new Map<string, number>();
  /** pinned segments the metadata no longer references: unlink when the last pin goes */
  private readonly doomed = new Set<string>();

  constructor(private readonly unlink: (id: string) => void) {}

  pin(ids: readonly string[]): void {
    for (const id of ids) this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  unpin(ids: readonly string[]): void {
    for (const id of ids) {
      const n = this.counts.get(id);
      if (n === undefined) throw new Error(`segment ${id} is not pinned`);
      if (n > 1) {
        this.counts.set(id, n - 1);
        continue;
      }
      this.counts.delete(id);
      if (this.doomed.delete(id)) this.unlink(id);
    }
  }

  /** Segments a just-committed transaction stopped referencing: unlink now or when unpinned. */
  discard(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.counts.has(id)) this.doomed.add(id);
      else this.unlink(id);
    }
  }

  /** number of distinct pinned segments (tests use it to prove that reads leak no pin) */
  get pinnedCount(): number {
    return this.counts.size;
  }
}
