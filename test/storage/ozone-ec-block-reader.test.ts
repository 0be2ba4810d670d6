/**
 * Reading erasure-coded block groups (runtime/storage/ozone/ec-block-reader.ts) from fake
 * datanodes that hold the replicas as Ozone's EC writer lays them out (cells striped over the data
 * replicas, parity from the coder that matches Ozone's Java coder, a short last stripe's parity as
 * long as its first cell, no block on a replica with no cell): whole groups and ranges read
 * byte-identical; with up to `parity` replicas down, failing part-way or corrupt, the stripes that
 * need them are rebuilt; with more down the answer is UNAVAILABLE; every stream is closed.
 * Needs no Ozone cluster (test/ozone/ec-read.test.ts reads keys Ozone's own client wrote).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checksumData } from "../../runtime/storage/ozone/block-writer.js";
import { DatanodeError, type BlockStream, type DatanodeEndpoint } from "../../runtime/storage/ozone/datanode-client.js";
import { readEcBlockGroup, ecReplicaEndpoints } from "../../runtime/storage/ozone/ec-block-reader.js";
import { createErasureCoder } from "../../runtime/storage/ozone/ec/coder.js";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { StorageError } from "../../runtime/storage/types.js";

const CELL = 4096;
const block = { containerID: "9", localID: "90", blockCommitSequenceId: "0" };

type Behaviour = "down" | "corrupt" | { failAfterReads: number };

/** Each replica's block bytes: cell s of unit u at s·CELL (ECKeyOutputStream's layout). */
function layout(data: Buffer, k: number, p: number): Buffer[] {
  const coder = createErasureCoder("rs", k, p);
  const units: Buffer[][] = Array.from({ length: k + p }, () => []);
  for (let s = 0; s * k * CELL < data.length; s++) {
    const cells = Array.from({ length: k }, (_, j) => data.subarray(Math.min(data.length, (s * k + j) * CELL), Math.min(data.length, (s * k + j + 1) * CELL)));
    const parityLength = cells[0].length;
    const padded = cells.map((c) => Buffer.concat([c, Buffer.alloc(parityLength - c.length)]));
    const parity = coder.encode(padded);
    cells.forEach((c, j) => units[j].push(c));
    parity.forEach((c, l) => units[k + l].push(Buffer.from(c)));
  }
  return units.map((cells) => Buffer.concat(cells));
}

function cluster(data: Buffer, k: number, p: number, behaviour: Record<number, Behaviour> = {}) {
  const replicas = layout(data, k, p);
  const endpoints = new Map<number, DatanodeEndpoint>(replicas.map((_, u) => [u + 1, { address: `dn${u + 1}:1`, uuid: `uuid-${u + 1}` }]));
  const log: string[] = [];
  let openStreams = 0;
  const open = (endpoint: DatanodeEndpoint): BlockStream => {
    const index = Number(/dn(\d+)/.exec(endpoint.address)![1]);
    const bytes = replicas[index - 1];
    const b = behaviour[index];
    let reads = 0;
    let closed = false;
    openStreams++;
    return {
      endpoint,
      async send(cmd: string, _containerID: string, body: OmMessage) {
        const id = body.getBlock?.blockID ?? body.readChunk?.blockID;
        expect(id.replicaIndex).toBe(index);
        log.push(`${index} ${cmd}`);
        if (b === "down") throw new DatanodeError(`datanode ${endpoint.address}: connect ECONNREFUSED`);
        if (bytes.length === 0) throw new DatanodeError(`datanode ${endpoint.address} GetBlock: NO_SUCH_BLOCK`, "NO_SUCH_BLOCK");
        if (cmd === "GetBlock") {
          const chunks: OmMessage[] = [];
          for (let off = 0; off < bytes.length; off += CELL) {
            const piece = bytes.subarray(off, Math.min(off + CELL, bytes.length));
            chunks.push({ chunkName: `90_chunk_${chunks.length + 1}`, offset: String(off), len: String(piece.length), checksumData: checksumData(piece) });
          }
          return { getBlock: { blockData: { chunks } } };
        }
        if (typeof b === "object" && reads++ >= b.failAfterReads) throw new DatanodeError(`datanode ${endpoint.address}: stream ended`);
        const info = body.readChunk.chunkData;
        let piece = bytes.subarray(Number(info.offset), Number(info.offset) + Number(info.len));
        if (b === "corrupt") {
          piece = Buffer.from(piece);
          piece[0] ^= 1;
        }
        return { readChunk: { data: piece } };
      },
      close() {
        if (!closed) openStreams--;
        closed = true;
      },
    };
  };
  return { open, endpoints, log, openStreams: () => openStreams };
}

async function read(c: ReturnType<typeof cluster>, length: number, k: number, p: number, from: number, to: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of readEcBlockGroup(c.open, c.endpoints, block, length, { coder: createErasureCoder("rs", k, p), cellSize: CELL }, from, to)) parts.push(piece);
  return Buffer.concat(parts);
}

/** lengths around cell and stripe boundaries, for rs-3-2 */
const LENGTHS = [1, CELL - 1, CELL, CELL + 1, 2 * CELL + 7, 3 * CELL - 1, 3 * CELL, 3 * CELL + 1, 7 * 3 * CELL + CELL + 5];

describe("EC block group reads, all replicas healthy", () => {
  for (const length of LENGTHS) {
    it(`reads a ${length}-byte group whole, from the data replicas only`, async () => {
      const data = randomBytes(length);
      const c = cluster(data, 3, 2);
      expect((await read(c, length, 3, 2, 0, length - 1)).equals(data)).toBe(true);
      expect(c.log.some((l) => l.startsWith("4 ") || l.startsWith("5 "))).toBe(false);
      // a replica with no cell is never asked
      if (length <= CELL) expect(c.log.some((l) => l.startsWith("2 ") || l.startsWith("3 "))).toBe(false);
      expect(c.openStreams()).toBe(0);
    });
  }

  it("reads ranges across cells and stripes, asking each replica only for what it holds of the range", async () => {
    const length = 5 * 3 * CELL + 1234;
    const data = randomBytes(length);
    for (const [from, to] of [
      [0, 0],
      [CELL - 1, CELL],
      [CELL + 10, 2 * CELL + 20],
      [3 * CELL - 5, 6 * CELL + 5],
      [length - 1, length - 1],
      [7 * CELL + 3, length - 1],
    ]) {
      const c = cluster(data, 3, 2);
      expect((await read(c, length, 3, 2, from, to)).equals(data.subarray(from, to + 1)), `${from}-${to}`).toBe(true);
      expect(c.openStreams()).toBe(0);
    }
    // a range inside one cell touches one replica
    const c = cluster(data, 3, 2);
    await read(c, length, 3, 2, CELL + 10, CELL + 20);
    expect(new Set(c.log.map((l) => l.split(" ")[0]))).toEqual(new Set(["2"]));
  });
});

describe("EC block group reads, degraded", () => {
  const length = 4 * 3 * CELL + 2 * CELL + 99; // a short last stripe with two cells
  const data = randomBytes(length);

  for (const down of [[1], [2], [3], [1, 2], [1, 3], [2, 3], [1, 4], [3, 5], [4, 5]]) {
    it(`rebuilds what replicas ${down.join(" and ")} hold while they are down (rs-3-2)`, async () => {
      const c = cluster(data, 3, 2, Object.fromEntries(down.map((d) => [d, "down" as const])));
      expect((await read(c, length, 3, 2, 0, length - 1)).equals(data)).toBe(true);
      for (const [from, to] of [
        [5, 3 * CELL + 5],
        [CELL + 1, CELL + 2],
        [length - CELL - 200, length - 1],
      ]) {
        expect((await read(c, length, 3, 2, from, to)).equals(data.subarray(from, to + 1)), `${from}-${to}`).toBe(true);
      }
      expect(c.openStreams()).toBe(0);
    });
  }

  it("rebuilds with three data replicas of rs-6-3 down", async () => {
    const big = randomBytes(3 * 6 * CELL + 4 * CELL + 1);
    const c = cluster(big, 6, 3, { 1: "down", 4: "down", 6: "down" });
    expect((await read(c, big.length, 6, 3, 0, big.length - 1)).equals(big)).toBe(true);
    expect((await read(c, big.length, 6, 3, 2 * CELL, 9 * CELL)).equals(big.subarray(2 * CELL, 9 * CELL + 1))).toBe(true);
  });

  it("rebuilds a group shorter than one cell from parity (the empty replicas are never asked)", async () => {
    const small = randomBytes(1000);
    const c = cluster(small, 3, 2, { 1: "down" });
    expect((await read(c, small.length, 3, 2, 0, small.length - 1)).equals(small)).toBe(true);
    expect(c.log.some((l) => l.startsWith("2 ") || l.startsWith("3 "))).toBe(false);
  });

  it("continues from a replica that fails part-way by rebuilding the rest", async () => {
    const c = cluster(data, 3, 2, { 2: { failAfterReads: 2 } });
    expect((await read(c, length, 3, 2, 0, length - 1)).equals(data)).toBe(true);
    expect(c.log.filter((l) => l === "4 GetBlock").length).toBeGreaterThan(0);
  });

  it("treats a replica whose bytes fail their checksums as missing", async () => {
    const c = cluster(data, 3, 2, { 1: "corrupt" });
    expect((await read(c, length, 3, 2, 0, length - 1)).equals(data)).toBe(true);
  });

  it("replaces a parity replica that fails while rebuilding with the next one", async () => {
    const c = cluster(data, 3, 2, { 1: "down", 4: "down" });
    expect((await read(c, length, 3, 2, 0, length - 1)).equals(data)).toBe(true);
    expect(c.log.some((l) => l.startsWith("5 "))).toBe(true);
  });

  it("answers UNAVAILABLE when more replicas than parity units are down, and closes every stream", async () => {
    const c = cluster(data, 3, 2, { 1: "down", 2: "down", 5: "down" });
    const err = await read(c, length, 3, 2, 0, length - 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe("UNAVAILABLE");
    expect(c.openStreams()).toBe(0);
  });

  it("closes every stream when the reader stops early", async () => {
    const c = cluster(data, 3, 2, { 2: "down" });
    const gen = readEcBlockGroup(c.open, c.endpoints, block, length, { coder: createErasureCoder("rs", 3, 2), cellSize: CELL }, 0, length - 1);
    await gen.next();
    await gen.next();
    await gen.return(undefined);
    expect(c.openStreams()).toBe(0);
  });
});

describe("ecReplicaEndpoints", () => {
  it("maps each member to its replica index, not to its position", () => {
    const member = (n: number) => ({ uuid: `u${n}`, ipAddress: "10.0.0." + n, ports: [{ name: "STANDALONE", value: 9859 }] });
    const m = ecReplicaEndpoints({ members: [member(1), member(2), member(3)], memberReplicaIndexes: [3, 1, 2] });
    expect(m.get(1)?.address).toBe("10.0.0.2:9859");
    expect(m.get(3)?.address).toBe("10.0.0.1:9859");
  });
});
