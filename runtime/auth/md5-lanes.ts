/**
 * MD5 of many request bodies at once: the bodies being received in the same turn of the event
 * loop are hashed side by side, four at a time, by md5-wasm.ts's SIMD kernel. An `Md5` has the
 * shape of node's Hash (update, digest) and gives the same digest.
 *
 * How: `update` copies the bytes into regions of the module's memory (128 KiB each, a chain of
 * them when a turn brings more: a socket's read loop can bring megabytes at once) that the hash
 * holds until a batch hashes them; a copy runs at memory speed, ~20x MD5's. The hashes holding
 * regions are taken four at a time, those with the most whole blocks first; a hash left alone runs
 * on the scalar kernel (as fast as node's MD5; the four-lane kernel with two lanes busy is already
 * faster). The bytes past the last whole block (fewer than 64) stay with the hash.
 *
 * When a batch runs (at the end of a turn, by setImmediate): the bodies of one upload seldom bring
 * bytes in the same turn (a 1 MiB body comes in a few socket reads, often all in one turn), so
 * bytes wait for other bodies' bytes to share the lanes with:
 * - at the end of a turn in which four bodies or more hold bytes, the batch hashes them; the
 *   blocks that one body has beyond all the others' stay for the next batch unless its digest is
 *   due;
 * - a digest (`digestSoon`) waits at most two turns for four bodies, then its batch runs;
 *   `digest` runs one at once;
 * - every block is hashed at the end of a turn in which half the regions or more are held, and
 *   when no region is free.
 * When every turn ran its batch, 51-58% of the blocks of 1 MiB PUTs at c=8 went through the
 * four-lane kernel; with the waits, 81-90% (64 MiB PUTs at c=4: 90-91% and 97%).
 *
 * So the regions held are bounded by the pool, and a body that fails half-way (its stream
 * destroyed, `digest` never called) holds its regions until a batch hashes its bytes with the
 * others' and frees them. The caller's buffers are never kept.
 *
 * Bodies known to be shorter than 256 KiB are hashed by node:crypto: their MD5 takes tens of
 * microseconds, and in warp's mixed load of 64 KiB objects the lanes did not pay for the turn their
 * digest waits (1,620 against 1,770 obj/s through one process, two runs each, within the noise).
 * Where WebAssembly SIMD is not available (a CPU without SSE4.1, a runtime without it), every
 * body is.
 */
import { createHash } from "node:crypto";
import { noteFixedExternalMemory } from "../heap-growth.js";
import { instantiateMd5, LAYOUT, type Md5Kernels } from "./md5-wasm.js";

/** What hashes a body for its ETag: node's Hash or a LaneMd5. */
export interface Md5 {
  update(data: Uint8Array): unknown;
  digest(): Buffer;
  /** The digest at the end of this turn, in a batch with the other bodies ending in it. */
  digestSoon?(done: (digest: Buffer) => void): void;
}

/** Bodies known to be shorter than this are hashed by node:crypto. */
export const LANES_MIN_LENGTH = 256 * 1024;
/** 128 regions of 128 KiB: 16 MiB of the module's memory, touched as bodies arrive */
const REGION = 128 * 1024;
const REGIONS = 128;
/** a batch waits for more bodies while at least this many regions are free (8 MiB held) */
const KEEP_FREE = REGIONS / 2;
/** turns a digest waits for four bodies to hold bytes (a turn of a busy loop is about a millisecond) */
const FINISH_WAIT = 2;
const PAGES = (LAYOUT.regions + REGION * REGIONS) / 65536;
const INITIAL = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

/** Blocks hashed so far by each kernel (for tests and diagnostics). */
export const md5LaneCounters = { x4Calls: 0, x4Blocks: 0, x1Blocks: 0, batches: 0 };

class LaneMd5 implements Md5 {
  /** the chaining state A, B, C, D */
  readonly state = INITIAL.slice();
  /** bytes fed so far */
  length = 0;
  /** the regions held until the next batch, in order; all but the last are full */
  readonly regions: number[] = [];
  /** bytes in the last region (in the first one, the carried tail comes first) */
  fill = 0;
  /** bytes of the first region already hashed (a batch kept the rest for the next one) */
  start = 0;
  /** bytes past the last whole block, carried into the next region or the final block */
  readonly tail = Buffer.alloc(64);
  tailLength = 0;
  private done = false;

  constructor(private readonly lanes: Lanes) {}

  update(data: Uint8Array): this {
    if (this.done) throw new Error("Md5: update after digest");
    this.length += data.length;
    this.lanes.take(this, data);
    return this;
  }

  digest(): Buffer {
    if (this.done) throw new Error("Md5: digest called twice");
    this.done = true;
    return this.lanes.finish(this);
  }

  digestSoon(done: (digest: Buffer) => void): void {
    if (this.done) throw new Error("Md5: digest called twice");
    this.done = true;
    this.lanes.finishSoon(this, done);
  }
}

/** Where a batch is in one hash's regions. */
interface Cursor {
  hash: LaneMd5;
  /** index in hash.regions */
  region: number;
  /** bytes of that region hashed */
  done: number;
}

/** Whole blocks left in the cursor's region. */
function blocksLeft(c: Cursor): number {
  const bytes = c.region < c.hash.regions.length - 1 ? REGION : c.hash.fill;
  return (bytes >> 6) - (c.done >> 6);
}

/** The module instance, its free regions and the hashes holding some. */
class Lanes {
  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  private readonly free: number[] = [];
  private holding: LaneMd5[] = [];
  private finishing: { hash: LaneMd5; done: (digest: Buffer) => void }[] = [];
  private scheduled = false;
  /** turns the digests owed have waited so far */
  private finishWait = 0;
  private readonly runScheduled = (): void => {
    this.scheduled = false;
    // Fewer than four bodies hold bytes: they wait in their regions for more bodies, so that the
    // next batch fills more lanes, while at least half the regions are free; a digest owed waits
    // FINISH_WAIT turns at most.
    const pressed = this.free.length < KEEP_FREE;
    if (this.holding.length < 4 && !pressed) {
      if (this.finishing.length === 0) return;
      if (this.finishWait < FINISH_WAIT && this.finishing.some((f) => f.hash.regions.length > 0)) {
        this.finishWait++;
        this.schedule();
        return;
      }
    }
    this.finishWait = 0;
    const finishing = this.finishing;
    this.finishing = [];
    this.run(pressed ? undefined : new Set(finishing.map((f) => f.hash)));
    // every waiting body gets its digest, even if one of their callbacks throws (rethrown after)
    let failure: { err: unknown } | undefined;
    for (const { hash, done } of finishing) {
      try {
        done(this.finish(hash));
      } catch (err) {
        failure ??= { err };
      }
    }
    if (failure !== undefined) throw failure.err;
  };

  constructor(private readonly kernels: Md5Kernels) {
    this.bytes = new Uint8Array(kernels.memory.buffer);
    this.words = new Uint32Array(kernels.memory.buffer);
    for (let i = REGIONS - 1; i >= 0; i--) this.free.push(LAYOUT.regions + i * REGION);
  }

  take(hash: LaneMd5, data: Uint8Array): void {
    let offset = 0;
    while (offset < data.length) {
      if (hash.regions.length === 0 || hash.fill === REGION) this.acquire(hash);
      const region = hash.regions[hash.regions.length - 1] as number;
      const n = Math.min(REGION - hash.fill, data.length - offset);
      this.bytes.set(offset === 0 && n === data.length ? data : data.subarray(offset, offset + n), region + hash.fill);
      hash.fill += n;
      offset += n;
    }
  }

  /** A region for the hash: a new one after its full last one, or its first (the tail first). */
  private acquire(hash: LaneMd5): void {
    if (this.free.length === 0) this.run();
    const region = this.free.pop() as number;
    if (hash.regions.length === 0) {
      // a first region (also when the batch just run took this hash's earlier ones)
      this.bytes.set(hash.tail.subarray(0, hash.tailLength), region);
      hash.fill = hash.tailLength;
      hash.start = 0;
      hash.tailLength = 0;
      this.holding.push(hash);
    } else {
      hash.fill = 0;
    }
    hash.regions.push(region);
    this.schedule();
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.runScheduled);
    }
  }

  finishSoon(hash: LaneMd5, done: (digest: Buffer) => void): void {
    this.finishing.push({ hash, done });
    this.schedule();
  }

  /**
   * Hashes the whole blocks the holding hashes have, and frees their regions. Given `owed` (the
   * hashes whose digest is due), the blocks that one hash alone has left once the others' are
   * hashed, when it is not owed, stay in its regions for the next batch, where other bodies' bytes
   * can share the lanes with them; without it, every block is hashed.
   */
  run(owed?: ReadonlySet<LaneMd5>): void {
    const holding = this.holding;
    if (holding.length === 0) return;
    this.holding = [];
    md5LaneCounters.batches++;
    const cursors: Cursor[] = holding.map((hash) => ({ hash, region: 0, done: hash.start }));
    for (;;) {
      const ready: Cursor[] = [];
      for (const c of cursors) {
        // a region used up: on to the hash's next one
        while (blocksLeft(c) === 0 && c.region < c.hash.regions.length - 1) {
          c.region++;
          c.done = 0;
        }
        if (blocksLeft(c) > 0) ready.push(c);
      }
      if (ready.length === 0) break;
      if (ready.length === 1 && owed !== undefined && !owed.has((ready[0] as Cursor).hash)) break;
      ready.sort((x, y) => blocksLeft(y) - blocksLeft(x));
      const group = ready.slice(0, 4);
      const blocks = blocksLeft(group[group.length - 1] as Cursor);
      const pointers = group.map((c) => (c.hash.regions[c.region] as number) + c.done);
      if (group.length === 1) this.x1((group[0] as Cursor).hash, pointers[0] as number, blocks);
      else this.x4(group.map((c) => c.hash), pointers, blocks);
      for (const c of group) c.done += 64 * blocks;
    }
    for (const c of cursors) {
      const hash = c.hash;
      if (blocksLeft(c) > 0) {
        // kept for the next batch: the regions hashed through are free, the rest stay
        for (const region of hash.regions.splice(0, c.region)) this.free.push(region);
        hash.start = c.done;
        this.holding.push(hash);
        continue;
      }
      const last = hash.regions[hash.regions.length - 1] as number;
      hash.tailLength = hash.fill - c.done;
      hash.tail.set(this.bytes.subarray(last + c.done, last + hash.fill));
      for (const region of hash.regions) this.free.push(region);
      hash.regions.length = 0;
      hash.fill = 0;
      hash.start = 0;
    }
  }

  private x4(group: LaneMd5[], pointers: number[], blocks: number): void {
    const base = LAYOUT.stateX4 >> 2;
    for (let lane = 0; lane < 4; lane++) {
      const state = (group[lane] ?? (group[0] as LaneMd5)).state;
      for (let j = 0; j < 4; j++) this.words[base + 4 * j + lane] = state[j] as number;
    }
    // fewer than four: the missing lanes hash lane 0's bytes again, and are not read back
    const p0 = pointers[0] as number;
    this.kernels.md5x4(p0, pointers[1] ?? p0, pointers[2] ?? p0, pointers[3] ?? p0, blocks);
    for (let lane = 0; lane < group.length; lane++) {
      const state = (group[lane] as LaneMd5).state;
      for (let j = 0; j < 4; j++) state[j] = this.words[base + 4 * j + lane] as number;
    }
    md5LaneCounters.x4Calls++;
    md5LaneCounters.x4Blocks += blocks * group.length;
  }

  private x1(hash: LaneMd5, pointer: number, blocks: number): void {
    const base = LAYOUT.stateX1 >> 2;
    for (let j = 0; j < 4; j++) this.words[base + j] = hash.state[j] as number;
    this.kernels.md5x1(pointer, blocks);
    for (let j = 0; j < 4; j++) hash.state[j] = this.words[base + j] as number;
    md5LaneCounters.x1Blocks += blocks;
  }

  /** The digest: the hash's whole blocks (in a batch with whoever holds a region), then the padding. */
  finish(hash: LaneMd5): Buffer {
    if (hash.regions.length > 0) this.run(new Set([hash]));
    // RFC 1321 padding: 0x80, zeros to 56 mod 64, the length in bits as 64-bit little-endian
    const final = LAYOUT.final;
    const blocks = hash.tailLength < 56 ? 1 : 2;
    this.bytes.fill(0, final, final + 64 * blocks);
    this.bytes.set(hash.tail.subarray(0, hash.tailLength), final);
    this.bytes[final + hash.tailLength] = 0x80;
    const bits = hash.length * 8;
    const end = (final >> 2) + 16 * blocks;
    this.words[end - 2] = bits >>> 0;
    this.words[end - 1] = Math.floor(bits / 2 ** 32) >>> 0;
    this.x1(hash, final, blocks);
    const out = Buffer.allocUnsafe(16);
    for (let j = 0; j < 4; j++) out.writeUInt32LE(hash.state[j] as number, 4 * j);
    return out;
  }
}

let lanes: Lanes | null | undefined;

function sharedLanes(): Lanes | null {
  if (lanes === undefined) {
    const kernels = instantiateMd5(PAGES);
    if (kernels !== null) noteFixedExternalMemory(PAGES * 65536);
    lanes = kernels === null ? null : new Lanes(kernels);
  }
  return lanes;
}

/**
 * A hash for a body of `expectedLength` bytes (undefined: not known): in the lanes when the body
 * may be large, else node:crypto's.
 */
export function createMd5(expectedLength?: number): Md5 {
  if (expectedLength !== undefined && expectedLength < LANES_MIN_LENGTH) return createHash("md5");
  const shared = sharedLanes();
  return shared === null ? createHash("md5") : new LaneMd5(shared);
}
