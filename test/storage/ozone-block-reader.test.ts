/**
 * Reading a block from its replicas (runtime/storage/ozone/block-reader.ts) against fake
 * datanodes: a replica whose datanode is down is skipped, a replica that fails part-way is
 * left for the next one, which continues at the first byte not yet delivered; when no replica
 * can be reached the answer is UNAVAILABLE (503), not an internal error. Needs no Ozone cluster.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readReplicas } from "../../runtime/storage/ozone/block-reader.js";
import { checksumData } from "../../runtime/storage/ozone/block-writer.js";
import { DatanodeError, type BlockStream, type DatanodeEndpoint } from "../../runtime/storage/ozone/datanode-client.js";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { StorageError } from "../../runtime/storage/types.js";

const KiB = 1024;
const CHUNK = 64 * KiB;
const block = { containerID: "7", localID: "70", blockCommitSequenceId: "12" };
const endpoints: DatanodeEndpoint[] = ["a", "b", "c"].map((n) => ({ address: `${n}:1`, uuid: `dn-${n}` }));

/**
 * A replica per endpoint holding `data` in 64 KiB chunks. `behaviour` per address: "down" refuses
 * every request (no answer, like a stopped datanode), a number fails the stream after that many
 * ReadChunks.
 */
function replicas(data: Buffer, behaviour: Record<string, "down" | number>) {
  const chunks: OmMessage[] = [];
  for (let off = 0; off < data.length; off += CHUNK) {
    const piece = data.subarray(off, Math.min(off + CHUNK, data.length));
    chunks.push({ chunkName: `70_chunk_${chunks.length + 1}`, offset: String(off), len: String(piece.length), checksumData: checksumData(piece) });
  }
  const log: string[] = [];
  const open = (endpoint: DatanodeEndpoint): BlockStream => {
    const b = behaviour[endpoint.address];
    let reads = 0;
    return {
      endpoint,
      async send(cmd: string, _containerID: string, body: OmMessage) {
        log.push(`${endpoint.address} ${cmd}${cmd === "ReadChunk" ? ` @${body.readChunk.chunkData.offset}` : ""}`);
        if (b === "down") throw new DatanodeError(`datanode ${endpoint.address}: connect ECONNREFUSED`);
        if (cmd === "GetBlock") return { getBlock: { blockData: { chunks } } };
        if (typeof b === "number" && reads++ >= b) throw new DatanodeError(`datanode ${endpoint.address}: stream ended`);
        const info = body.readChunk.chunkData;
        return { readChunk: { data: data.subarray(Number(info.offset), Number(info.offset) + Number(info.len)) } };
      },
      close() {},
    };
  };
  return { open, log };
}

async function readAll(gen: AsyncGenerator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of gen) parts.push(p);
  return Buffer.concat(parts);
}

describe("readReplicas", () => {
  it("skips a replica whose datanode is down", async () => {
    const data = randomBytes(200 * KiB);
    const r = replicas(data, { "a:1": "down" });
    expect((await readAll(readReplicas(r.open, endpoints, block, 0, data.length - 1))).equals(data)).toBe(true);
    expect(r.log.filter((l) => l.startsWith("b:1")).length).toBeGreaterThan(0);
    expect(r.log.some((l) => l.startsWith("c:1"))).toBe(false);
  });

  it("continues on the next replica at the first byte not yet delivered when one fails part-way", async () => {
    const data = randomBytes(300 * KiB);
    // a serves two chunks then breaks; b continues from the third chunk
    const r = replicas(data, { "a:1": 2 });
    const from = 10 * KiB;
    const got = await readAll(readReplicas(r.open, endpoints, block, from, data.length - 1));
    expect(got.equals(data.subarray(from))).toBe(true);
    expect(r.log.filter((l) => l.startsWith("b:1 ReadChunk"))[0]).toBe(`b:1 ReadChunk @${2 * CHUNK}`);
  });

  it("answers UNAVAILABLE when no replica can be reached", async () => {
    const r = replicas(randomBytes(10 * KiB), { "a:1": "down", "b:1": "down", "c:1": "down" });
    const err = await readAll(readReplicas(r.open, endpoints, block, 0, 100)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe("UNAVAILABLE");
  });
});
