/**
 * The primary's pins on segment files (runtime/storage/embedded/pins.ts), as a worker holds them.
 *
 * A file a read may still open must not be unlinked: the primary pins the files of every answer it
 * resolves for a worker, and unlinks a file that a commit dropped only once its last pin is given
 * back. Here the pins of one worker are shared by everything in it that may open the file: the
 * streams of its reads, and the answers it keeps (kept-reads.ts) for reads to come. The primary
 * holds one pin per file for all of them, given back when the last of them lets go; a second pin
 * that arrives with a new answer for a file held already goes back at once. So a kept answer keeps
 * its files on disk until the primary takes the answer back (an overwrite or a delete of the key)
 * and every stream started from it has closed, and never longer.
 */
export class HeldPins {
  /** file id -> holders in this worker (each file held here is pinned once at the primary) */
  private readonly holders = new Map<string, number>();

  /** `unpin`: gives pins back to the primary (one per id listed) */
  constructor(private readonly unpin: (ids: string[]) => void) {}

  /** Takes over the pins an answer came with, one holder each (the reader that asked). */
  adopt(ids: readonly string[]): void {
    const extra: string[] = [];
    for (const id of ids) {
      const n = this.holders.get(id);
      if (n === undefined) {
        this.holders.set(id, 1);
      } else {
        this.holders.set(id, n + 1);
        extra.push(id);
      }
    }
    if (extra.length > 0) this.unpin(extra);
  }

  /** One more holder of files held already (a kept answer, or a read served from it). */
  hold(ids: readonly string[]): void {
    for (const id of ids) {
      const n = this.holders.get(id);
      if (n === undefined) throw new Error(`segment ${id} is not held`);
      this.holders.set(id, n + 1);
    }
  }

  /** One holder less of each; a file with none left goes back to the primary. */
  release(ids: readonly string[]): void {
    const gone: string[] = [];
    for (const id of ids) {
      const n = this.holders.get(id);
      if (n === undefined) throw new Error(`segment ${id} is not held`);
      if (n > 1) {
        this.holders.set(id, n - 1);
      } else {
        this.holders.delete(id);
        gone.push(id);
      }
    }
    if (gone.length > 0) this.unpin(gone);
  }

  /** distinct files held (tests) */
  get size(): number {
    return this.holders.size;
  }
}
