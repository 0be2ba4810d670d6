/**
 * Writes the bytes of one key (or one multipart part) as erasure-coded block groups, the way
 * Ozone's EC client does (apache/ozone ozone-2.2.0, hadoop-ozone/client/.../io/ECKeyOutputStream,
 * ECBlockOutputStreamEntry; hadoop-hdds/client/.../scm/storage/ECBlockOutputStream), so that
 * Ozone's readers, its reconstruction on the datanodes and this gateway's reader
 * (ec-block-reader.ts) all read what it writes:
 *
 * - Layout. The bytes are cut into stripes of `data` cells of `cellSize` bytes. Cell j of a stripe
 *   is one WriteChunk (chunk `<localID>_chunk_<n>`, CRC32 per 16 KiB as every block writer here)
 *   to the replica with index j+1 (the pipeline's memberReplicaIndexes); the parity cells the
 *   coder computes go to replicas data+1..data+parity. A short last stripe writes only the cells
 *   that have bytes; its parity is as long as its first cell, the other cells zero-padded to that
 *   length for the encode only (ECKeyOutputStream.generateParityCells).
 * - Commit. Once every WriteChunk of a stripe is answered, every replica of the group (also one
 *   that got no cell this stripe: Ozone's HDDS-6794 empty PutBlock) gets a PutBlock with its whole
 *   chunk list and the metadata `blockGroupLen` = the group's data bytes so far, which Ozone's
 *   readers and reconstruction take as the group's length. Replica 1 and the parity replicas carry
 *   the stripe checksum (the stripe's chunk checksums, in replica order) on their last chunk, as
 *   ECBlockOutputStreamEntry.calculateChecksum. A group takes `data` × the OM's block length.
 * - Failure. A stripe whose WriteChunk or PutBlock fails on any replica is written again, whole,
 *   to a new block group: the failed group's pipeline is excluded from the next allocation, and
 *   so are the datanodes that failed, unless the datanode refused because the container is no
 *   longer open (then the container is excluded). The failed group keeps the stripes every replica
 *   acknowledged before (ECKeyOutputStream.rollbackAndReset). After MAX_STRIPE_RETRIES new groups
 *   for one stripe (Ozone's ozone.client.max.ec.stripe.write.retries) the write is UNAVAILABLE
 *   (503); when the OM can find no group at all (too few datanodes for data+parity), the
 *   allocation's own UNAVAILABLE comes out.
 *
 * Memory: two stripes of data (the one being written to the datanodes and the one the body fills
 * meanwhile; a stripe is kept until every replica acknowledged it, since a failure rewrites it)
 * and one stripe of parity. The replicas of a stripe are written in parallel.
 */
import { StorageError } from "../types.js";
import { BlockCommands, blockRefOf } from "./block-writer.js";
import { DatanodeError, type BlockStream, type DatanodeEndpoint } from "./datanode-client.js";
import { ecReplicaEndpoints, type EcScheme } from "./ec-block-reader.js";
import type { ExcludeList, WriteMove } from "./key-writer.js";
import type { OmMessage } from "./om-client.js";

/** new block groups one stripe may move to before the write gives up (Ozone's default) */
export const MAX_STRIPE_RETRIES = 10;
/** PutBlock metadata key with the block group's length (OzoneConsts.BLOCK_GROUP_LEN_KEY_IN_PUT_BLOCK) */
export const BLOCK_GROUP_LEN = "blockGroupLen";
/** datanode results that mean the container, not the datanode, refused (ECKeyOutputStream.checkIfContainerToExclude) */
const CONTAINER_NOT_OPEN = new Set(["CLOSED_CONTAINER_IO", "CONTAINER_NOT_OPEN"]);

export interface EcKeyWriterOptions {
  scheme: EcScheme;
  /** block groups the OM allocated with the key, used first (those on excluded pipelines are skipped) */
  preallocated: OmMessage[];
  /** one more block group from the OM */
  allocate(exclude: ExcludeList): Promise<OmMessage>;
  /** a stream to a datanode */
  open(endpoint: DatanodeEndpoint): BlockStream;
  /** default MAX_STRIPE_RETRIES */
  maxStripeRetries?: number;
  /** told each time a stripe moves to a new block group (the operator's log) */
  onMove?(move: WriteMove): void;
}

/** One replica of a block group: its commands and, once used, its stream. */
class Replica {
  readonly commands: BlockCommands;
  private stream: BlockStream | undefined;

  constructor(
    private readonly endpoint: DatanodeEndpoint,
    location: OmMessage,
    readonly index: number,
    private readonly open: (endpoint: DatanodeEndpoint) => BlockStream,
  ) {
    this.commands = new BlockCommands({ ...blockRefOf(location), replicaIndex: index });
  }

  get uuid(): string {
    return this.endpoint.uuid;
  }

  send(cmdType: string, body: OmMessage): Promise<OmMessage> {
    this.stream ??= this.open(this.endpoint);
    return this.stream.send(cmdType, this.commands.block.containerID, body);
  }

  close(): void {
    this.stream?.close();
    this.stream = undefined;
  }
}

/** One block group being written. */
class BlockGroup {
  /** data bytes every replica acknowledged (PutBlock) */
  acked = 0;
  /** BCSID replica 1 answered last (the group's, as ECBlockOutputStreamEntry takes it from stream 0) */
  blockCommitSequenceId = "0";

  constructor(
    readonly location: OmMessage,
    readonly replicas: Replica[],
    /** data bytes the group takes: data units × the OM's block length */
    readonly capacity: number,
  ) {}

  get pipelineId(): string | undefined {
    return (this.location.pipeline?.id?.id as string | undefined) || undefined;
  }

  /** The KeyLocation CommitKey is given: the group's acknowledged bytes, on its pipeline. */
  get committed(): OmMessage {
    const id = this.location.blockID.containerBlockID;
    return {
      blockID: { containerBlockID: { containerID: id.containerID, localID: id.localID }, blockCommitSequenceId: this.blockCommitSequenceId },
      offset: "0",
      length: String(this.acked),
      ...(this.location.pipeline !== undefined && { pipeline: this.location.pipeline }),
    };
  }

  close(): void {
    for (const r of this.replicas) r.close();
  }
}

/** A replica's request that failed, for the exclude list. */
interface Failure {
  replica: Replica;
  err: DatanodeError;
}

export class EcKeyWriter {
  /** the block groups written, as CommitKey lists them */
  readonly done: OmMessage[] = [];
  readonly exclude: ExcludeList = { datanodes: [], containerIds: [], pipelineIds: [] };
  /** how many times a stripe moved to a new block group */
  relocations = 0;
  private readonly k: number;
  private readonly p: number;
  private readonly cellSize: number;
  private readonly stripeSize: number;
  private group: BlockGroup | undefined;
  /** the stripe the body fills, and how far */
  private filling: Buffer | undefined;
  private fill = 0;
  /** a full stripe not sent yet: sent when more bytes come (not the last) or at finish (the last) */
  private full: Buffer | undefined;
  /** the stripe being written, and its buffer (reused once it is written) */
  private flushing: Promise<void> | undefined;
  private spare: Buffer | undefined;
  private readonly parity: Buffer[];
  /** set by abort(): a stripe still being written stops at its next step instead of moving on */
  private aborted = false;

  constructor(private readonly opts: EcKeyWriterOptions) {
    const { coder, cellSize } = opts.scheme;
    this.k = coder.dataUnits;
    this.p = coder.parityUnits;
    this.cellSize = cellSize;
    this.stripeSize = cellSize * this.k;
    this.parity = Array.from({ length: this.p }, () => Buffer.allocUnsafe(cellSize));
  }

  /** Takes the next bytes of the key (any length; copied, so the buffer may be reused). */
  async write(piece: Buffer): Promise<void> {
    let offset = 0;
    while (offset < piece.length) {
      if (this.full !== undefined) {
        const stripe = this.full;
        this.full = undefined;
        // waits for the stripe before it, whose buffer then takes the next bytes
        await this.send(stripe, this.stripeSize, false);
      }
      this.filling ??= this.takeSpare();
      const n = Math.min(piece.length - offset, this.stripeSize - this.fill);
      piece.copy(this.filling, this.fill, offset, offset + n);
      this.fill += n;
      offset += n;
      if (this.fill === this.stripeSize) {
        this.full = this.filling;
        this.filling = undefined;
        this.fill = 0;
      }
    }
  }

  /** Writes what is left (the last stripe with eof); resolves with every block group written. */
  async finish(): Promise<OmMessage[]> {
    if (this.full !== undefined) {
      const stripe = this.full;
      this.full = undefined;
      await this.send(stripe, this.stripeSize, true);
    } else if (this.fill > 0) {
      await this.send(this.filling!, this.fill, true);
    }
    await this.flushing;
    this.closeGroup();
    return this.done;
  }

  private takeSpare(): Buffer {
    const b = this.spare ?? Buffer.allocUnsafe(this.stripeSize);
    this.spare = undefined;
    return b;
  }

  /** Drops the current group's connections (after a failure elsewhere). */
  abort(): void {
    this.aborted = true;
    this.group?.close();
    this.group = undefined;
  }

  /** Starts writing a stripe once the one before it is written (a failure of that one comes out here). */
  private async send(stripe: Buffer, length: number, last: boolean): Promise<void> {
    await this.flushing;
    const flushing = this.writeStripe(stripe, length, last).then(() => {
      this.spare = stripe;
    });
    flushing.catch(() => {}); // observed by the next send or by finish
    this.flushing = flushing;
  }

  private closeGroup(): void {
    const g = this.group;
    if (g === undefined) return;
    g.close();
    if (g.acked > 0) this.done.push(g.committed);
    this.group = undefined;
  }

  private excluded(location: OmMessage): boolean {
    const pipeline = (location.pipeline?.id?.id as string | undefined) || undefined;
    return (
      this.exclude.containerIds.includes(String(location.blockID.containerBlockID.containerID)) ||
      (pipeline !== undefined && this.exclude.pipelineIds.some((p) => p.id === pipeline))
    );
  }

  private async openGroup(): Promise<BlockGroup> {
    let location: OmMessage | undefined;
    while (location === undefined && this.opts.preallocated.length > 0) {
      const next = this.opts.preallocated.shift()!;
      if (!this.excluded(next)) location = next;
    }
    location ??= await this.opts.allocate(this.exclude);
    const endpoints = ecReplicaEndpoints(location.pipeline as OmMessage | undefined);
    const replicas: Replica[] = [];
    for (let index = 1; index <= this.k + this.p; index++) {
      const endpoint = endpoints.get(index);
      if (endpoint === undefined) {
        throw new StorageError("UNAVAILABLE", `the OM allocated EC block group ${location.blockID.containerBlockID.containerID}/${location.blockID.containerBlockID.localID} on a pipeline with no reachable datanode for replica ${index}`);
      }
      replicas.push(new Replica(endpoint, location, index, this.opts.open));
    }
    this.group = new BlockGroup(location, replicas, this.k * Number(location.length));
    return this.group;
  }

  /**
   * One stripe (`length` bytes of `stripe`) to the current group, or to new ones while it fails
   * (ECKeyOutputStream.flushStripeToDatanodes).
   */
  private async writeStripe(stripe: Buffer, length: number, last: boolean): Promise<void> {
    const cells = this.encode(stripe, length);
    const maxRetries = this.opts.maxStripeRetries ?? MAX_STRIPE_RETRIES;
    for (let attempt = 0; ; attempt++) {
      if (this.aborted) throw new StorageError("UNAVAILABLE", "the EC key write was abandoned");
      const group = this.group ?? (await this.openGroup());
      const failures = await this.tryStripe(group, cells, length, last);
      if (failures.length === 0) {
        if (group.acked >= group.capacity) this.closeGroup();
        return;
      }
      const excludedBefore = this.exclude.datanodes.length;
      this.avoid(group, failures);
      this.opts.onMove?.({
        pipeline: group.pipelineId,
        datanodes: this.exclude.datanodes.slice(excludedBefore),
        error: `replica ${failures[0]!.replica.index}: ${failures[0]!.err.message}`,
        moves: this.relocations + 1,
      });
      // the group keeps what every replica acknowledged; the stripe goes to a new one
      this.closeGroup();
      if (attempt >= maxRetries) {
        const f = failures[0]!;
        const err = new StorageError(
          "UNAVAILABLE",
          `no EC block group took a stripe after ${maxRetries} moves to a new one; the last failed on replica ${f.replica.index} (datanode ${f.replica.uuid}): ${f.err.message}`,
        );
        err.cause = f.err;
        throw err;
      }
      this.relocations++;
    }
  }

  /** The stripe's cells to write, by replica (index 0 = replica 1); empty cells are not written. */
  private encode(stripe: Buffer, length: number): Buffer[] {
    const { cellSize, k } = this;
    const parityLength = Math.min(cellSize, length);
    const data: Buffer[] = [];
    for (let j = 0; j < k; j++) {
      const start = j * cellSize;
      const have = Math.max(0, Math.min(cellSize, length - start));
      // the encode sees every cell as long as the first one, zero-padded; only `have` bytes are written
      if (have < parityLength) stripe.fill(0, start + have, start + parityLength);
      data.push(stripe.subarray(start, start + parityLength));
    }
    const parity = this.parity.map((b) => b.subarray(0, parityLength));
    this.opts.scheme.coder.encode(data, parity);
    const cells = data.map((d, j) => d.subarray(0, Math.max(0, Math.min(cellSize, length - j * cellSize))));
    return [...cells, ...parity];
  }

  /** WriteChunks of the stripe, then PutBlocks to every replica; answers the replicas that failed. */
  private async tryStripe(group: BlockGroup, cells: Buffer[], length: number, last: boolean): Promise<Failure[]> {
    const writes = group.replicas.map((r, u) => (cells[u]!.length === 0 ? undefined : r.send("WriteChunk", r.commands.writeChunk(cells[u]!))));
    let failures = await failed(group.replicas, writes);
    if (failures.length > 0) return failures;
    const groupLength = group.acked + length;
    // the last PutBlock of the group closes its blocks (the key ends here, or the group is full)
    const eof = last || groupLength >= group.capacity || length < this.stripeSize;
    const checksum = stripeChecksum(group.replicas);
    const puts = group.replicas.map((r) => {
      const request = r.commands.putBlock(eof);
      const blockData = request.putBlock.blockData as OmMessage;
      blockData.metadata.push({ key: BLOCK_GROUP_LEN, value: String(groupLength) });
      // replica 1 and the parity replicas keep the stripe checksum (ECBlockOutputStream.executePutBlock)
      if ((r.index === 1 || r.index > this.k) && blockData.chunks.length > 0) blockData.chunks[blockData.chunks.length - 1].stripeChecksum = checksum;
      return r.send("PutBlock", request);
    });
    failures = await failed(group.replicas, puts);
    if (failures.length > 0) return failures;
    const replies = await Promise.all(puts);
    group.replicas.forEach((r, i) => r.commands.committedBy(replies[i]!, r.commands.written));
    group.acked = groupLength;
    group.blockCommitSequenceId = group.replicas[0]!.commands.blockCommitSequenceId;
    return [];
  }

  /** ECKeyOutputStream.excludePipelineAndFailedDN, plus the container a datanode said is not open. */
  private avoid(group: BlockGroup, failures: Failure[]): void {
    const pipeline = group.pipelineId;
    if (pipeline !== undefined && !this.exclude.pipelineIds.some((p) => p.id === pipeline)) this.exclude.pipelineIds.push({ id: pipeline });
    for (const { replica, err } of failures) {
      if (err.result !== undefined && CONTAINER_NOT_OPEN.has(err.result)) {
        const container = replica.commands.block.containerID;
        if (!this.exclude.containerIds.includes(container)) this.exclude.containerIds.push(container);
      } else if (replica.uuid && !this.exclude.datanodes.includes(replica.uuid)) {
        this.exclude.datanodes.push(replica.uuid);
      }
    }
  }
}

/** The replicas whose request failed with a datanode error; anything else is rethrown. */
async function failed(replicas: Replica[], requests: (Promise<OmMessage> | undefined)[]): Promise<Failure[]> {
  const settled = await Promise.allSettled(requests.map((r) => r ?? Promise.resolve({})));
  const out: Failure[] = [];
  settled.forEach((s, i) => {
    if (s.status === "fulfilled") return;
    if (!(s.reason instanceof DatanodeError)) throw s.reason;
    out.push({ replica: replicas[i]!, err: s.reason });
  });
  return out;
}

/**
 * The checksums of the stripe's chunks, replica after replica: each replica's last chunk when it
 * got one this stripe, i.e. has as many chunks as replica 1 (ECBlockOutputStreamEntry.calculateChecksum).
 */
function stripeChecksum(replicas: Replica[]): Buffer {
  const count = replicas[0]!.commands.chunkList.length;
  const parts: Buffer[] = [];
  for (const r of replicas) {
    const chunks = r.commands.chunkList;
    if (chunks.length < count || count === 0) continue;
    for (const c of (chunks[count - 1]!.checksumData?.checksums ?? []) as Buffer[]) parts.push(c);
  }
  return Buffer.concat(parts);
}
