/**
 * Writes the bytes of one key (or one multipart part) into STAND_ALONE blocks, the way Ozone's own
 * BlockOutputStream does: chunk by chunk, a PutBlock every COMMIT_EVERY bytes and at the end of
 * each block, and, when a block cannot take more (its container closed under the write, the
 * datanode went away), the bytes written since the block's last PutBlock go to a new block that
 * avoids that container and pipeline. The failed block keeps what it had committed. Memory: the
 * chunks since the last PutBlock (at most COMMIT_EVERY plus one chunk).
 */
import { BlockWriter, CHUNK_SIZE, DatanodeError, endpointsOf, type BlockRef, type BlockStream, type DatanodeEndpoint } from "./datanode-client.js";
import type { OmMessage } from "./om-client.js";

/** PutBlock at least this often within a block: what a failed block may have to rewrite elsewhere */
export const COMMIT_EVERY = 16 * 1024 * 1024;
/** new blocks one key write may move to before it gives up */
const MAX_RELOCATIONS = 5;
/** datanode results a new block in another container fixes */
const RELOCATABLE = new Set(["CLOSED_CONTAINER_IO", "CONTAINER_NOT_OPEN", "CONTAINER_UNHEALTHY", "CONTAINER_MISSING", "DISK_OUT_OF_SPACE"]);

/** What the OM is asked to avoid when it allocates the next block. */
export interface ExcludeList {
  datanodes: string[];
  containerIds: string[];
  pipelineIds: { id: string }[];
}

export interface KeyWriterOptions {
  datanodes: { open(endpoint: DatanodeEndpoint): BlockStream };
  /** blocks the OM allocated with the key, used first (those in excluded containers are skipped) */
  preallocated: OmMessage[];
  /** one more block from the OM */
  allocate(exclude: ExcludeList): Promise<OmMessage>;
  /** throws when a block must not be written (its pipeline is not STAND_ALONE) */
  checkLocation(location: OmMessage): void;
  /** default COMMIT_EVERY */
  commitEvery?: number;
}

function relocatable(err: unknown): err is DatanodeError {
  // no result: the datanode did not answer (down, stream broken, timed out)
  return err instanceof DatanodeError && (err.result === undefined || RELOCATABLE.has(err.result));
}

export class KeyWriter {
  /** the blocks written, as CommitKey lists them */
  readonly done: OmMessage[] = [];
  private writer: BlockWriter | undefined;
  private stream: BlockStream | undefined;
  private location: OmMessage | undefined;
  private blockSize = 0;
  /** chunks of the current block since its last PutBlock */
  private uncommitted: Buffer[] = [];
  private readonly exclude: ExcludeList = { datanodes: [], containerIds: [], pipelineIds: [] };
  /** how many times a block was given up for another */
  relocations = 0;

  constructor(private readonly opts: KeyWriterOptions) {}

  /** Room for the next chunk: a chunk never crosses a block boundary. */
  chunkRoom(): number {
    const inBlock = this.writer === undefined ? Number.MAX_SAFE_INTEGER : this.blockSize - this.writer.written;
    return Math.min(CHUNK_SIZE, inBlock > 0 ? inBlock : CHUNK_SIZE);
  }

  /** Writes one chunk (the buffer must not be reused). */
  async write(chunk: Buffer): Promise<void> {
    await this.guard(async () => {
      if (this.writer === undefined) await this.openBlock();
      this.uncommitted.push(chunk);
      await this.writer!.writeChunk(chunk);
      await this.afterWrite();
    });
  }

  /** Commits the last block; resolves with every block written. */
  async finish(): Promise<OmMessage[]> {
    // a block given up for another at its last PutBlock leaves the new one to close (moves are bounded)
    while (this.writer !== undefined) await this.guard(() => this.closeBlock());
    return this.done;
  }

  /** Drops the current stream (after a failure elsewhere). */
  abort(): void {
    this.stream?.close();
    this.stream = undefined;
  }

  private async afterWrite(): Promise<void> {
    const w = this.writer!;
    if (w.written >= this.blockSize) {
      await this.closeBlock();
    } else if (w.written - w.committed >= (this.opts.commitEvery ?? COMMIT_EVERY)) {
      await w.commit(false);
      this.uncommitted = [];
    }
  }

  private async closeBlock(): Promise<void> {
    const w = this.writer;
    if (w === undefined) return;
    if (w.written === 0) {
      this.abort();
      this.writer = undefined;
      return;
    }
    await w.commit(true);
    this.stream!.close();
    this.done.push(w.location);
    this.writer = undefined;
    this.stream = undefined;
    this.uncommitted = [];
  }

  private async openBlock(): Promise<void> {
    const excluded = new Set(this.exclude.containerIds);
    let location: OmMessage | undefined;
    while (location === undefined && this.opts.preallocated.length > 0) {
      const next = this.opts.preallocated.shift()!;
      if (!excluded.has(String(next.blockID.containerBlockID.containerID))) location = next;
    }
    location ??= await this.opts.allocate(this.exclude);
    this.opts.checkLocation(location);
    const endpoint = endpointsOf(location.pipeline)[0];
    if (endpoint === undefined) throw new Error("the OM allocated a block on a pipeline with no reachable datanode");
    const id = location.blockID.containerBlockID;
    const block: BlockRef = { containerID: String(id.containerID), localID: String(id.localID), blockCommitSequenceId: "0" };
    this.stream = this.opts.datanodes.open(endpoint);
    this.writer = new BlockWriter(this.stream, block);
    this.location = location;
    this.blockSize = Number(location.length);
  }

  /** Runs a step; when the block fails in a way another block fixes, moves to one and goes on. */
  private async guard(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      if (!relocatable(err) || this.writer === undefined) throw err;
      await this.relocate(err);
    }
  }

  private async relocate(cause: DatanodeError): Promise<void> {
    for (;;) {
      if (++this.relocations > MAX_RELOCATIONS) throw cause;
      const failed = this.writer!;
      this.stream?.close();
      if (failed.committed > 0) this.done.push(failed.location);
      this.exclude.containerIds.push(failed.block.containerID);
      if (cause.result === undefined) {
        // the datanode itself: avoid its pipeline and the node
        const pipelineId = this.location?.pipeline?.id?.id as string | undefined;
        if (pipelineId) this.exclude.pipelineIds.push({ id: pipelineId });
        for (const m of (this.location?.pipeline?.members ?? []) as OmMessage[]) if (m.uuid) this.exclude.datanodes.push(String(m.uuid));
      }
      const replay = this.uncommitted;
      this.uncommitted = [];
      this.writer = undefined;
      this.stream = undefined;
      // nothing to move (the block had committed all it got): the next write opens a block
      if (replay.length === 0) return;
      try {
        await this.openBlock();
        for (const chunk of replay) {
          this.uncommitted.push(chunk);
          await this.writer!.writeChunk(chunk);
        }
        if (replay.length > 0) await this.afterWrite();
        return;
      } catch (err) {
        if (!relocatable(err) || this.writer === undefined) throw err;
        cause = err;
      }
    }
  }
}
