/**
 * Reads one erasure-coded block group (one OM key location of an EC key) as Ozone's EC client
 * reads it (apache/ozone ozone-2.2.0, hadoop-hdds/client/.../ozone/client/io/ECBlockInputStream
 * and ECBlockReconstructedStripeInputStream):
 *
 * - Layout. The group's bytes are cut into stripes of `data` cells of `cellSize` bytes; cell j of
 *   stripe s is at offset s·cellSize of the block on the replica with index j+1 (the pipeline's
 *   memberReplicaIndexes), and parity unit l of the stripe at the same offset on replica
 *   data+l+1. The last stripe may be short: its cells fill in order, and its parity cells are as
 *   long as its first cell (the writer zero-pads the others to that length before encoding,
 *   ECKeyOutputStream.encode). A replica whose cells are all empty (a group shorter than a stripe)
 *   holds no block at all, so it is never asked.
 * - Healthy reads ask each data replica for just the bytes of the range that it holds (one
 *   contiguous interval of its block), a stripe at a time, the replicas in parallel.
 * - When a data replica fails (datanode down, stream broken, block missing, checksum mismatch) it
 *   is left for the rest of the group, and every stripe that needs it is rebuilt: whole cells of
 *   the remaining data units and of as many parity units as units are missing are read, padded
 *   with zeros to the stripe's parity length, and decoded (ec/coder.ts, Ozone's RSRawDecoder
 *   arithmetic) — Ozone's padBuffers/decodeStripe. A parity replica that fails is replaced by the
 *   next one. Fewer than `data` units left is UNAVAILABLE (503), as the Java client's
 *   InsufficientLocationsException.
 * Every datanode stream opened is closed when the read ends, fails or is abandoned.
 */
import { readBlock, DatanodeError, endpointOf, type BlockRef, type BlockStream, type DatanodeEndpoint } from "./datanode-client.js";
import type { ErasureCoder } from "./ec/coder.js";
import type { OmMessage } from "./om-client.js";
import { StorageError } from "../types.js";

export interface EcScheme {
  coder: ErasureCoder;
  cellSize: number;
}

/** The datanode of each replica index (1-based) of an EC pipeline; missing indexes have none. */
export function ecReplicaEndpoints(pipeline: OmMessage | undefined): Map<number, DatanodeEndpoint> {
  const out = new Map<number, DatanodeEndpoint>();
  const members = (pipeline?.members ?? []) as OmMessage[];
  const indexes = (pipeline?.memberReplicaIndexes ?? []) as number[];
  members.forEach((m, i) => {
    const endpoint = endpointOf(m);
    const index = Number(indexes[i] ?? 0);
    if (endpoint !== undefined && index > 0 && !out.has(index)) out.set(index, endpoint);
  });
  return out;
}

/**
 * One replica's block, read forward: `read(offset, length)` continues the open stream when
 * `offset` is where the last read ended, else opens a new one there (up to `end`).
 */
class ReplicaCursor {
  private stream: BlockStream | undefined;
  private pieces: AsyncGenerator<Buffer> | undefined;
  private position = -1;
  private leftover: Buffer = Buffer.alloc(0);

  constructor(
    private readonly open: () => BlockStream,
    private readonly block: BlockRef,
    /** the last byte (block-relative, inclusive) any read of this group can want from this replica */
    private readonly end: number,
  ) {}

  async read(offset: number, length: number): Promise<Buffer> {
    if (length === 0) return Buffer.alloc(0);
    if (this.pieces === undefined || offset !== this.position) {
      this.close();
      this.stream = this.open();
      this.pieces = readBlock(this.stream, this.block, offset, this.end);
      this.position = offset;
    }
    const parts: Buffer[] = [];
    let have = 0;
    if (this.leftover.length > 0) {
      const take = this.leftover.subarray(0, length);
      parts.push(take);
      have = take.length;
      this.leftover = this.leftover.subarray(take.length);
    }
    while (have < length) {
      const next = await this.pieces.next();
      if (next.done) throw new DatanodeError(`datanode ${this.stream!.endpoint.address}: block ${this.block.localID} ended at ${this.position + have}, before ${offset + length}`);
      const need = length - have;
      parts.push(next.value.length > need ? next.value.subarray(0, need) : next.value);
      if (next.value.length > need) this.leftover = next.value.subarray(need);
      have += Math.min(need, next.value.length);
    }
    this.position = offset + length;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
  }

  close(): void {
    this.stream?.close();
    void this.pieces?.return(undefined).catch(() => {});
    this.stream = undefined;
    this.pieces = undefined;
    this.leftover = Buffer.alloc(0);
  }
}

/** Bytes [from, to] (inclusive, group-relative) of the EC block group `block` of `length` bytes. */
export async function* readEcBlockGroup(
  open: (endpoint: DatanodeEndpoint) => BlockStream,
  replicas: Map<number, DatanodeEndpoint>,
  block: BlockRef,
  length: number,
  scheme: EcScheme,
  from: number,
  to: number,
): AsyncGenerator<Buffer> {
  const { coder, cellSize } = scheme;
  const k = coder.dataUnits;
  const units = k + coder.parityUnits;
  const stripeSize = cellSize * k;
  /** bytes of unit u (0-based) in stripe s: data cells fill in order, parity is as long as cell 0 */
  const cellLength = (s: number, u: number) => Math.max(0, Math.min(cellSize, length - s * stripeSize - (u < k ? u : 0) * cellSize));
  const firstStripe = Math.floor(from / stripeSize);
  const lastStripe = Math.floor(to / stripeSize);
  const failed = new Set<number>();
  const cursors = new Map<number, ReplicaCursor>();
  const cursor = (u: number): ReplicaCursor | undefined => {
    if (failed.has(u)) return undefined;
    let c = cursors.get(u);
    if (c === undefined) {
      const endpoint = replicas.get(u + 1);
      if (endpoint === undefined) {
        failed.add(u);
        return undefined;
      }
      const lastCell = cellLength(lastStripe, u) > 0 ? lastStripe : lastStripe - 1;
      c = new ReplicaCursor(() => open(endpoint), { ...block, replicaIndex: u + 1 }, lastCell * cellSize + cellSize - 1);
      cursors.set(u, c);
    }
    return c;
  };
  /** The units' reads, in parallel; a unit that fails is marked failed and answers undefined. */
  const readUnits = async (reads: { u: number; offset: number; length: number }[]): Promise<(Buffer | undefined)[]> => {
    const settled = await Promise.allSettled(
      reads.map((r) => {
        const c = cursor(r.u);
        return c === undefined ? Promise.reject(new DatanodeError(`no datanode for replica ${r.u + 1}`)) : c.read(r.offset, r.length);
      }),
    );
    return settled.map((s, i) => {
      if (s.status === "fulfilled") return s.value;
      if (!(s.reason instanceof DatanodeError)) throw s.reason;
      const u = reads[i].u;
      failed.add(u);
      cursors.get(u)?.close();
      cursors.delete(u);
      return undefined;
    });
  };

  try {
    for (let s = firstStripe; s <= lastStripe; s++) {
      const stripeStart = s * stripeSize;
      // the data cells this stripe contributes to [from, to], as (unit, offset in cell, bytes)
      const wanted: { u: number; skip: number; take: number }[] = [];
      for (let u = 0; u < k; u++) {
        const cellStart = stripeStart + u * cellSize;
        const a = Math.max(from, cellStart);
        const b = Math.min(to, cellStart + cellLength(s, u) - 1);
        if (a <= b) wanted.push({ u, skip: a - cellStart, take: b - a + 1 });
      }
      const healthy = wanted.filter((w) => !failed.has(w.u));
      const got = await readUnits(healthy.map((w) => ({ u: w.u, offset: s * cellSize + w.skip, length: w.take })));
      const pieces = new Map<number, Buffer>();
      healthy.forEach((w, i) => got[i] !== undefined && pieces.set(w.u, got[i]!));
      if (pieces.size < wanted.length) {
        const rebuilt = await rebuildStripe(s, wanted.filter((w) => !pieces.has(w.u)).map((w) => w.u));
        for (const w of wanted) if (!pieces.has(w.u)) pieces.set(w.u, rebuilt.get(w.u)!.subarray(w.skip, w.skip + w.take));
      }
      for (const w of wanted) yield pieces.get(w.u)!;
    }
  } finally {
    for (const c of cursors.values()) c.close();
  }

  /** The whole cells of the data units `missing` (ascending) of stripe s, decoded from k other units. */
  async function rebuildStripe(s: number, missing: number[]): Promise<Map<number, Buffer>> {
    const parityLength = cellLength(s, 0);
    const inputs: (Buffer | null)[] = new Array<Buffer | null>(units).fill(null);
    // data units with no bytes in this stripe are zeros (Ozone's padding indexes): never read
    const candidates: number[] = [];
    for (let u = 0; u < units; u++) {
      if (u < k && cellLength(s, u) === 0) inputs[u] = Buffer.alloc(parityLength);
      else if (!failed.has(u) && !missing.includes(u)) candidates.push(u);
    }
    // every data unit still healthy, then parity units in order, until k units are at hand
    let present = inputs.filter((x) => x !== null).length;
    while (present < k) {
      const pick = candidates.filter((u) => !failed.has(u) && inputs[u] === null).slice(0, k - present);
      if (pick.length < k - present) {
        throw new StorageError("UNAVAILABLE", `EC block ${block.containerID}/${block.localID}: only ${present + pick.length} of the ${k} units needed to rebuild stripe ${s} are readable`);
      }
      const got = await readUnits(pick.map((u) => ({ u, offset: s * cellSize, length: cellLength(s, u) })));
      pick.forEach((u, i) => {
        const b = got[i];
        if (b === undefined) return;
        // a short data cell counts as zeros up to the parity length (ECBlockReconstructedStripeInputStream.padBuffers)
        inputs[u] = b.length === parityLength ? b : Buffer.concat([b, Buffer.alloc(parityLength - b.length)]);
        present++;
      });
    }
    // `missing` are data units with bytes in this stripe, so at most `parity` of them once k units are present
    const outputs = coder.decode(inputs, missing);
    const out = new Map<number, Buffer>();
    missing.forEach((u, i) => out.set(u, Buffer.from(outputs[i].buffer, outputs[i].byteOffset, cellLength(s, u))));
    return out;
  }
}
