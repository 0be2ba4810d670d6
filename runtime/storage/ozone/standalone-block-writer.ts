/**
 * Writes one block of a STAND_ALONE pipeline over the datanode's gRPC port (datanode-client.ts):
 * WriteChunks pipelined on one stream (the datanode answers them in order), PutBlock at commit
 * points. One replica, no Raft: a PutBlock's answer is the commit.
 */
import { BlockCommands, type BlockRef, type BlockWriter, type FailureScope } from "./block-writer.js";
import { DatanodeError, type BlockStream } from "./datanode-client.js";
import type { OmMessage } from "./om-client.js";

/** WriteChunks in flight on one block stream */
const WRITE_WINDOW = 3;
/** datanode results a new block in another container fixes */
export const CONTAINER_RESULTS = new Set(["CLOSED_CONTAINER_IO", "CONTAINER_NOT_OPEN", "CONTAINER_UNHEALTHY", "CONTAINER_MISSING", "DISK_OUT_OF_SPACE"]);

export class StandaloneBlockWriter implements BlockWriter {
  private readonly commands: BlockCommands;
  private readonly inFlight: Promise<OmMessage>[] = [];
  readonly laggingDatanodes: readonly string[] = [];

  constructor(
    private readonly stream: BlockStream,
    block: BlockRef,
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
    return this.commands.committed;
  }
  get location(): OmMessage {
    return this.commands.location;
  }

  async writeChunk(data: Buffer): Promise<void> {
    const p = this.stream.send("WriteChunk", this.block.containerID, this.commands.writeChunk(data));
    p.catch(() => {}); // observed below; a rejection must not go unhandled meanwhile
    this.inFlight.push(p);
    while (this.inFlight.length >= WRITE_WINDOW) await this.inFlight.shift();
  }

  async commit(eof: boolean): Promise<void> {
    await Promise.all(this.inFlight.splice(0));
    const upTo = this.commands.written;
    const reply = await this.stream.send("PutBlock", this.block.containerID, this.commands.putBlock(eof));
    this.commands.committedBy(reply, upTo);
  }

  failureScope(err: unknown): FailureScope | undefined {
    if (!(err instanceof DatanodeError)) return undefined;
    // no result: the datanode did not answer (down, stream broken, timed out)
    if (err.result === undefined) return "datanodes";
    return CONTAINER_RESULTS.has(err.result) ? "container" : undefined;
  }

  close(): void {
    this.stream.close();
  }
}
