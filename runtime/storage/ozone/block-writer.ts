/**
 * What the key writer (key-writer.ts) needs of the writer of one block, whatever carries the
 * bytes: STAND_ALONE blocks go over a datanode's gRPC port (standalone-block-writer.ts), RATIS
 * blocks through the pipeline's Raft group (ratis-block-writer.ts). Both write the same
 * commands, the way Ozone's BlockOutputStream does (apache/ozone ozone-2.2.0,
 * hadoop-hdds/client/.../scm/storage/BlockOutputStream.java): WriteChunk per chunk at contiguous
 * block offsets, then PutBlock with the block's whole chunk list at commit points.
 */
import { crc32 } from "node:zlib";
import type { OmMessage } from "./om-client.js";

export const BYTES_PER_CHECKSUM = 16 * 1024;

export interface BlockRef {
  containerID: string;
  localID: string;
  blockCommitSequenceId: string;
  /** an EC replica's index (1-based: data units first, then parity), sent as Ozone's client sends it */
  replicaIndex?: number;
}

/**
 * What a failed block means for the next allocation (Ozone's KeyOutputStream.handleException):
 * the container refused (closed, unhealthy, full: avoid the container), the pipeline failed (its
 * Raft group cannot take the write: avoid the pipeline), or a STAND_ALONE datanode did not answer
 * (avoid the pipeline and its datanode).
 */
export type FailureScope = "container" | "pipeline" | "datanodes";

export interface BlockWriter {
  readonly block: BlockRef;
  /** bytes sent to the block */
  readonly written: number;
  /** bytes the block durably holds (acknowledged by a PutBlock, and for RATIS committed by the group) */
  readonly committed: number;
  /** bytes covered by the last commit point started (for RATIS, its PutBlock and watch may still be pending) */
  readonly commitPoint: number;
  /** the block as the OM must be told at commit: its committed bytes only */
  readonly location: OmMessage;
  /** datanodes found behind (a RATIS follower that did not commit): the next allocation avoids them */
  readonly laggingDatanodes: readonly string[];
  /** Queues a WriteChunk (at most CHUNK_SIZE bytes); waits while too many are unanswered. The buffer must not be reused. */
  writeChunk(data: Buffer): Promise<void>;
  /**
   * A commit point: PutBlock with the whole chunk list. With `eof`, resolves once every byte
   * written is `committed`; without, it may resolve as soon as the point is started (`committed`
   * catches up later; a failure then comes out of a later call).
   */
  commit(eof: boolean): Promise<void>;
  /** What `err` (thrown by this writer) means; undefined when another block would not help. */
  failureScope(err: unknown): FailureScope | undefined;
  /** Drops the connection (nothing pending is waited for). */
  close(): void;
}

/** ChecksumData of a chunk: CRC32 per BYTES_PER_CHECKSUM window, 4 bytes big-endian (Ozone's Checksum.java). */
export function checksumData(data: Buffer): OmMessage {
  const checksums: Buffer[] = [];
  for (let off = 0; off < data.length; off += BYTES_PER_CHECKSUM) {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(crc32(data.subarray(off, Math.min(off + BYTES_PER_CHECKSUM, data.length))) >>> 0);
    checksums.push(b);
  }
  return { type: "CRC32", bytesPerChecksum: BYTES_PER_CHECKSUM, checksums };
}

/**
 * The commands of one block, as Ozone's client writes them: chunk names `<localID>_chunk_<n>`,
 * contiguous offsets, the cumulative chunk list in every PutBlock, BCSID 0 on the wire (the
 * datanode assigns it).
 */
export class BlockCommands {
  private readonly chunks: OmMessage[] = [];
  written = 0;
  committed = 0;
  blockCommitSequenceId = "0";

  constructor(readonly block: BlockRef) {}

  /** The block on the wire; an EC replica's carries its replica index (BlockOutputStream sets it from the one-node pipeline). */
  get datanodeBlockID(): OmMessage {
    const id: OmMessage = { containerID: this.block.containerID, localID: this.block.localID, blockCommitSequenceId: "0" };
    if (this.block.replicaIndex !== undefined) id.replicaIndex = this.block.replicaIndex;
    return id;
  }

  /** The chunks written so far (ChunkInfo), in order. */
  get chunkList(): readonly OmMessage[] {
    return this.chunks;
  }

  /** The WriteChunk sub-request for the next chunk (and counts it as written). */
  writeChunk(data: Buffer): OmMessage {
    const chunkData = {
      chunkName: `${this.block.localID}_chunk_${this.chunks.length + 1}`,
      offset: String(this.written),
      len: String(data.length),
      checksumData: checksumData(data),
    };
    this.chunks.push(chunkData);
    this.written += data.length;
    return { writeChunk: { blockID: this.datanodeBlockID, chunkData, data } };
  }

  /** The PutBlock sub-request covering every chunk written so far. */
  putBlock(eof: boolean): OmMessage {
    return {
      putBlock: {
        blockData: { blockID: this.datanodeBlockID, metadata: [{ key: "TYPE", value: "KEY" }], chunks: this.chunks.slice(), size: String(this.written) },
        eof,
      },
    };
  }

  /**
   * A PutBlock answered: the bytes written until it are the block's. Its commit sequence id is
   * the one the datanode answered (0 for STAND_ALONE; for RATIS the entry's log index, which is
   * `logIndex` when the answer leaves it out).
   */
  committedBy(reply: OmMessage, upTo: number, logIndex = 0): void {
    this.committed = upTo;
    const id = reply.putBlock?.committedBlockLength?.blockID as OmMessage | undefined;
    const answered = String(id?.blockCommitSequenceId ?? "0");
    this.blockCommitSequenceId = answered === "0" && logIndex > 0 ? String(logIndex) : answered;
  }

  get location(): OmMessage {
    return {
      blockID: {
        containerBlockID: { containerID: this.block.containerID, localID: this.block.localID },
        blockCommitSequenceId: this.blockCommitSequenceId,
      },
      offset: "0",
      length: String(this.committed),
    };
  }
}

/** The block an OM KeyLocation names. */
export function blockRefOf(location: OmMessage): BlockRef {
  const id = location.blockID.containerBlockID;
  return { containerID: String(id.containerID), localID: String(id.localID), blockCommitSequenceId: "0" };
}
