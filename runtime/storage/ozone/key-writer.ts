/**
 * Writes the bytes of one key (or one multipart part) into blocks, the way Ozone's own
 * KeyOutputStream does: chunk by chunk, a PutBlock every COMMIT_EVERY bytes and at the end of
 * each block, and, when a block cannot take more (its container closed under the write, the
 * datanode or the pipeline's Raft group went away), the bytes written since the block's last
 * commit go to a new block, allocated with an exclude list (containers, pipelines, datanodes)
 * so that the OM places it elsewhere. The failed block keeps what it had committed. How a block
 * is written (STAND_ALONE or RATIS) is the block writer's business (block-writer.ts). Memory:
 * the chunks the block does not durably hold yet (at most two commit intervals plus a chunk: a
 * RATIS block's commit point may still be settling while the next interval is written).
 */
import { StorageError } from "../types.js";
import type { BlockWriter, FailureScope } from "./block-writer.js";
import { releaseChunk } from "./chunk-buffers.js";
import { CHUNK_SIZE } from "./datanode-client.js";
import type { OmMessage } from "./om-client.js";

/** PutBlock at least this often within a block: what a failed block may have to rewrite elsewhere */
export const COMMIT_EVERY = 16 * 1024 * 1024;
/** new blocks one key write may move to before it gives up */
const MAX_RELOCATIONS = 5;

/** What the OM is asked to avoid when it allocates the next block (hdds.proto ExcludeListProto). */
export interface ExcludeList {
  datanodes: string[];
  containerIds: string[];
  pipelineIds: { id: string }[];
}

export interface KeyWriterOptions {
  /** blocks the OM allocated with the key, used first (those in excluded containers or pipelines are skipped) */
  preallocated: OmMessage[];
  /** one more block from the OM */
  allocate(exclude: ExcludeList): Promise<OmMessage>;
  /** a writer for an allocated block (throws when the block's replication cannot be written) */
  openBlock(location: OmMessage): BlockWriter;
  /** default COMMIT_EVERY */
  commitEvery?: number;
  /** told each time the write moves to a new block (the operator's log) */
  onMove?(move: WriteMove): void;
}

/** A write that moved to a new block (or block group) because the one it was writing failed. */
export interface WriteMove {
  /** the failed block's pipeline */
  pipeline?: string;
  /** the datanodes left out of the next allocations because of this failure */
  datanodes: string[];
  /** what failed */
  error: string;
  /** how many moves this write has made */
  moves: number;
}

function pipelineIdOf(location: OmMessage | undefined): string | undefined {
  return (location?.pipeline?.id?.id as string | undefined) || undefined;
}

export class KeyWriter {
  /** the blocks written, as CommitKey lists them */
  readonly done: OmMessage[] = [];
  private writer: BlockWriter | undefined;
  private location: OmMessage | undefined;
  private blockSize = 0;
  /** chunks of the current block not yet committed, with the block offset each ends at */
  private uncommitted: { end: number; chunk: Buffer }[] = [];
  readonly exclude: ExcludeList = { datanodes: [], containerIds: [], pipelineIds: [] };
  /** how many times a block was given up for another */
  relocations = 0;

  constructor(private readonly opts: KeyWriterOptions) {}

  /** Room for the next chunk: a chunk never crosses a block boundary. */
  chunkRoom(): number {
    const inBlock = this.writer === undefined ? Number.MAX_SAFE_INTEGER : this.blockSize - this.writer.written;
    return Math.min(CHUNK_SIZE, inBlock > 0 ? inBlock : CHUNK_SIZE);
  }

  /**
   * Writes one chunk. The buffer must not be changed afterwards: it is kept to be written again
   * elsewhere until its block holds it, then given back to chunk-buffers.ts for reuse.
   */
  async write(chunk: Buffer): Promise<void> {
    await this.guard(async () => {
      if (this.writer === undefined) await this.openBlock();
      this.uncommitted.push({ end: this.writer!.written + chunk.length, chunk });
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

  /** Drops the current block's connection (after a failure elsewhere). */
  abort(): void {
    this.writer?.close();
  }

  private async afterWrite(): Promise<void> {
    const w = this.writer!;
    if (w.written >= this.blockSize) {
      await this.closeBlock();
    } else if (w.written - w.commitPoint >= (this.opts.commitEvery ?? COMMIT_EVERY)) {
      await this.commit(w, false);
    }
    this.forgetCommitted(w);
  }

  /**
   * Drops the copies of chunks the block now durably holds, and gives their buffers back for reuse
   * (chunk-buffers.ts: every request that carried them was answered).
   */
  private forgetCommitted(w: BlockWriter): void {
    let n = 0;
    while (n < this.uncommitted.length && this.uncommitted[n]!.end <= w.committed) n++;
    if (n > 0) for (const u of this.uncommitted.splice(0, n)) releaseChunk(u.chunk);
  }

  /** A commit point; datanodes the block found behind are avoided from now on. */
  private async commit(w: BlockWriter, eof: boolean): Promise<void> {
    await w.commit(eof);
    for (const dn of w.laggingDatanodes) if (!this.exclude.datanodes.includes(dn)) this.exclude.datanodes.push(dn);
  }

  private async closeBlock(): Promise<void> {
    const w = this.writer;
    if (w === undefined) return;
    if (w.written === 0) {
      w.close();
      this.writer = undefined;
      return;
    }
    await this.commit(w, true);
    w.close();
    this.done.push(w.location);
    this.writer = undefined;
    // the last commit point covered every byte written
    for (const u of this.uncommitted) releaseChunk(u.chunk);
    this.uncommitted = [];
  }

  private excluded(location: OmMessage): boolean {
    const pipeline = pipelineIdOf(location);
    return (
      this.exclude.containerIds.includes(String(location.blockID.containerBlockID.containerID)) ||
      (pipeline !== undefined && this.exclude.pipelineIds.some((p) => p.id === pipeline))
    );
  }

  private async openBlock(): Promise<void> {
    let location: OmMessage | undefined;
    while (location === undefined && this.opts.preallocated.length > 0) {
      const next = this.opts.preallocated.shift()!;
      if (!this.excluded(next)) location = next;
    }
    location ??= await this.opts.allocate(this.exclude);
    this.writer = this.opts.openBlock(location);
    this.location = location;
    this.blockSize = Number(location.length);
  }

  /** Runs a step; when the block fails in a way another block fixes, moves to one and goes on. */
  private async guard(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      const scope = this.writer?.failureScope(err);
      if (scope === undefined) throw err;
      await this.relocate(err, scope);
    }
  }

  private avoid(failed: BlockWriter, scope: FailureScope): void {
    this.exclude.containerIds.push(failed.block.containerID);
    if (scope === "container") return;
    const pipelineId = pipelineIdOf(this.location);
    if (pipelineId && !this.exclude.pipelineIds.some((p) => p.id === pipelineId)) this.exclude.pipelineIds.push({ id: pipelineId });
    if (scope === "datanodes") {
      for (const m of (this.location?.pipeline?.members ?? []) as OmMessage[]) if (m.uuid && !this.exclude.datanodes.includes(String(m.uuid))) this.exclude.datanodes.push(String(m.uuid));
    }
  }

  private async relocate(cause: unknown, scope: FailureScope): Promise<void> {
    for (;;) {
      if (++this.relocations > MAX_RELOCATIONS) throw gaveUp(cause);
      const failed = this.writer!;
      failed.close();
      if (failed.committed > 0) this.done.push(failed.location);
      const excludedBefore = this.exclude.datanodes.length;
      this.avoid(failed, scope);
      this.opts.onMove?.({
        pipeline: pipelineIdOf(this.location),
        datanodes: this.exclude.datanodes.slice(excludedBefore),
        error: cause instanceof Error ? cause.message : String(cause),
        moves: this.relocations,
      });
      this.forgetCommitted(failed);
      const replay = this.uncommitted.map((u) => u.chunk);
      this.uncommitted = [];
      this.writer = undefined;
      // nothing to move (the block had committed all it got): the next write opens a block
      if (replay.length === 0) return;
      try {
        await this.openBlock();
        for (const chunk of replay) {
          this.uncommitted.push({ end: this.writer!.written + chunk.length, chunk });
          await this.writer!.writeChunk(chunk);
        }
        await this.afterWrite();
        return;
      } catch (err) {
        // the writer of the new block, if one was opened (the allocation may have failed)
        const next = (this.writer as BlockWriter | undefined)?.failureScope(err);
        if (next === undefined) throw err;
        cause = err;
        scope = next;
      }
    }
  }
}

/**
 * Block after block failed in ways another block fixes (containers closing, pipelines gone or
 * without a majority, and SCM handing out the same pipeline again, since it takes an exclude list
 * as a preference only): the cluster cannot take this write now. That is S3's 503
 * ServiceUnavailable, which clients retry (issue 8: a write that cannot complete answers a clean
 * 503, never a 500). The last block's failure stays as the cause, for the log.
 */
function gaveUp(cause: unknown): StorageError {
  const last = cause instanceof Error ? cause.message : String(cause);
  const err = new StorageError("UNAVAILABLE", `no block took the write after ${MAX_RELOCATIONS} moves to a new one; the last failed with: ${last}`);
  err.cause = cause;
  return err;
}
