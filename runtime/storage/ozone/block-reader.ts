/**
 * Reads one block from the replicas of its pipeline: the first replica that answers serves the
 * bytes; when its datanode is down, or it fails part-way (stream broken, checksum mismatch, block
 * missing there), the next replica continues from the first byte not yet delivered. Ozone's own
 * BlockInputStream does the same (apache/ozone ozone-2.2.0, hadoop-hdds/client/.../scm/storage/
 * BlockInputStream.java: on an IOException it moves to another datanode of the pipeline). A
 * RATIS/THREE key stays readable with one of its datanodes down.
 */
import { DatanodeError, readBlock, type BlockRef, type BlockStream, type DatanodeEndpoint } from "./datanode-client.js";
import { StorageError } from "../types.js";

/** Bytes [start, end] (inclusive, block-relative) of `block`, from the replicas at `endpoints` in turn. */
export async function* readReplicas(
  open: (endpoint: DatanodeEndpoint) => BlockStream,
  endpoints: readonly DatanodeEndpoint[],
  block: BlockRef,
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  if (endpoints.length === 0) throw new StorageError("UNAVAILABLE", `no datanode to read container ${block.containerID} block ${block.localID} from`);
  let next = start;
  let last: DatanodeError | undefined;
  for (const endpoint of endpoints) {
    const stream = open(endpoint);
    try {
      for await (const piece of readBlock(stream, block, next, end)) {
        next += piece.length;
        yield piece;
      }
      return;
    } catch (err) {
      if (!(err instanceof DatanodeError)) throw err;
      last = err;
    } finally {
      stream.close();
    }
  }
  // every replica failed: none reachable is a temporary condition (503); a replica's own answer is not
  if (last!.result === undefined) throw new StorageError("UNAVAILABLE", last!.message);
  throw last!;
}
