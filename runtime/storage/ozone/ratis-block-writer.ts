/**
 * Writes one block of a RATIS pipeline through the pipeline's Raft group (ratis-client.ts), the
 * way Ozone's BlockOutputStream over XceiverClientRatis does (apache/ozone ozone-2.2.0,
 * hadoop-hdds/client/.../scm/storage/BlockOutputStream.java, .../scm/XceiverClientRatis.java):
 * - WriteChunk and PutBlock go as ordered Raft writes (replication MAJORITY), framed as Ozone
 *   frames them (ratis-framing.ts); several WriteChunks are in flight at once;
 * - a PutBlock's answer carries the entry's log index, which is the block's commit sequence id;
 * - after each PutBlock, watchForCommit(that index): the write is acknowledged only once the
 *   group has committed it (ALL_COMMITTED, or the majority with the peers behind reported). The
 *   bytes of a commit point count as the block's only after the watch: until then the key
 *   writer keeps them, to write them elsewhere if the group fails.
 * - a commit point inside the block does not stop the stream: its PutBlock goes behind the
 *   WriteChunks (the Raft log keeps the order) and the next chunks go on while its answers and
 *   watch come (as BlockOutputStream's asynchronous PutBlock). One point may be pending when the
 *   next starts, which waits for it: at most two commit intervals are held for rewriting. The
 *   block's last point (eof) waits for everything.
 * Failures (KeyOutputStream.handleException): a container exception (closed, unhealthy...)
 * means another container; anything else from the group (no leader, group gone, timeouts)
 * means another pipeline.
 */
import { BlockCommands, type BlockRef, type BlockWriter, type FailureScope } from "./block-writer.js";
import { DatanodeError } from "./datanode-client.js";
import type { OmMessage } from "./om-client.js";
import type { RatisClient } from "./ratis-client.js";
import { RatisError } from "./ratis-group.js";
import { decodeContainerReply, frameContainerCommandParts } from "./ratis-framing.js";
import { CONTAINER_RESULTS } from "./standalone-block-writer.js";

/**
 * WriteChunks in flight in the group's window (Ozone allows 32 requests per client): 8 chunks of
 * 4 MiB are the 32 MiB Ozone's client keeps unacknowledged per block (ozone.client.stream.buffer.max.size,
 * BlockOutputStream's buffer pool; it writes on until the pool is full). With 4, a write whose
 * answers take longer than the body takes to arrive (a busy group) waited for the window, not
 * for the data.
 */
const WRITE_WINDOW = 8;

export class RatisBlockWriter implements BlockWriter {
  private readonly commands: BlockCommands;
  private readonly inFlight: Promise<OmMessage>[] = [];
  readonly laggingDatanodes: string[] = [];
  /** the pending commit point: resolves once its bytes are committed */
  private pending: Promise<void> | undefined;
  /** a commit point failed: every later call fails with it */
  private failure: unknown;
  private point = 0;

  constructor(
    private readonly client: RatisClient,
    block: BlockRef,
    /** the pipeline's first member: what Ozone's client puts in `datanodeUuid` */
    private readonly datanodeUuid: string,
    /** what close() does: give a shared client back (ratis-clients.ts); default close the block's own */
    private readonly release: () => void = () => client.close(),
  ) {
    this.commands = new BlockCommands(block);
  }

  get block(): BlockRef {
    return this.commands.block;
  }
  get written(): number {
    return this.commands.written;
  }
  get committed(): number {
    return this.commands.committed;
  }
  get commitPoint(): number {
    return this.point;
  }
  get location(): OmMessage {
    return this.commands.location;
  }

  /** Sends one container command through the group; resolves with the datanode's answer and the entry's log index. */
  private async send(cmdType: string, body: OmMessage): Promise<{ response: OmMessage; logIndex: number }> {
    const content = frameContainerCommandParts({ cmdType, containerID: this.block.containerID, datanodeUuid: this.datanodeUuid, ...body });
    const reply = await this.client.send(content);
    const response = decodeContainerReply(reply.content) as OmMessage;
    if (response.result !== "SUCCESS") {
      throw new DatanodeError(`Ratis group ${cmdType} in container ${this.block.containerID}: ${response.result}${response.message ? `: ${response.message}` : ""}`, String(response.result));
    }
    return { response, logIndex: reply.logIndex };
  }

  async writeChunk(data: Buffer): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const p = this.send("WriteChunk", this.commands.writeChunk(data)).then((r) => r.response);
    p.catch(() => {}); // observed below; a rejection must not go unhandled meanwhile
    this.inFlight.push(p);
    while (this.inFlight.length >= WRITE_WINDOW) await this.inFlight.shift();
  }

  async commit(eof: boolean): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    // one point pending at most: the bytes held for rewriting stay bounded
    if (this.pending !== undefined) await this.pending;
    const upTo = this.commands.written;
    this.point = upTo;
    const chunks = this.inFlight.splice(0);
    const putBlock = this.send("PutBlock", this.commands.putBlock(eof));
    putBlock.catch(() => {}); // observed in settle
    const settle = async () => {
      // the point holds only if every chunk it lists was taken too (a chunk refused while its
      // PutBlock went through would leave a hole the OM's length must not cover)
      await Promise.all(chunks);
      const { response, logIndex } = await putBlock;
      const watched = await this.client.watchForCommit(logIndex);
      for (const p of watched.failedPeers) if (!this.laggingDatanodes.includes(p)) this.laggingDatanodes.push(p);
      this.commands.committedBy(response, upTo, logIndex);
    };
    const pending = settle().then(
      () => {
        if (this.pending === pending) this.pending = undefined;
      },
      (err: unknown) => {
        this.failure ??= err;
        if (this.pending === pending) this.pending = undefined;
        throw err;
      },
    );
    pending.catch(() => {}); // a later call reports it
    this.pending = pending;
    if (eof) await pending;
  }

  failureScope(err: unknown): FailureScope | undefined {
    if (err instanceof DatanodeError) return err.result !== undefined && CONTAINER_RESULTS.has(err.result) ? "container" : undefined;
    if (!(err instanceof RatisError) || err.failure === "CLOSED") return undefined;
    return err.containerError ? "container" : "pipeline";
  }

  /** Done with the group (its requests still in flight are left to the client: it may be shared). */
  close(): void {
    this.release();
  }
}
