/**
 * Writing erasure-coded keys (runtime/storage/ozone/ec-key-writer.ts) to fake datanodes that keep
 * what each replica is sent: the cells land striped over the data replicas with the coder's
 * parity (read back byte-identical by the EC reader, also with two data replicas down, which
 * needs the parity), a short last stripe writes only its cells with parity as long as its first,
 * every replica gets a PutBlock per stripe with the group length and the stripe checksum where
 * Ozone puts it, a full group moves on to the next, and a stripe that fails on any replica is
 * rewritten whole to a new group with the failed pipeline and datanode excluded. Every stream
 * opened is closed. Needs no Ozone cluster (test/ozone-ec-cluster/ec-write.test.ts writes to one).
 */
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DatanodeError, type BlockStream, type DatanodeEndpoint } from "../../runtime/storage/ozone/datanode-client.js";
import { ecReplicaEndpoints, readEcBlockGroup } from "../../runtime/storage/ozone/ec-block-reader.js";
import { BLOCK_GROUP_LEN, EcKeyWriter } from "../../runtime/storage/ozone/ec-key-writer.js";
import { createErasureCoder } from "../../runtime/storage/ozone/ec/coder.js";
import type { ExcludeList, WriteMove } from "../../runtime/storage/ozone/key-writer.js";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { StorageError } from "../../runtime/storage/types.js";

const CELL = 4096;
const K = 3;
const P = 2;
const STRIPE = K * CELL;

type Fault = (dn: number, cmd: string, body: OmMessage) => DatanodeError | undefined;

interface Replica {
  bytes: Buffer;
  writes: { offset: number; length: number }[];
  putBlocks: OmMessage[];
}

/** Six fake datanodes; the OM fake places each group on the first five not excluded. */
function cluster(opts: { blockLength?: number; fault?: Fault; datanodes?: number } = {}) {
  const datanodes = opts.datanodes ?? 6;
  const blockLength = opts.blockLength ?? 4 * CELL;
  const replicas = new Map<string, Replica>();
  const log: string[] = [];
  const excludes: ExcludeList[] = [];
  let openStreams = 0;
  let nextContainer = 1;
  const member = (n: number) => ({ uuid: `uuid-${n}`, ipAddress: `dn${n}`, ports: [{ name: "STANDALONE", value: 1 }] });

  async function allocate(exclude: ExcludeList): Promise<OmMessage> {
    excludes.push(structuredClone(exclude));
    const usable = Array.from({ length: datanodes }, (_, i) => i + 1).filter((n) => !exclude.datanodes.includes(`uuid-${n}`));
    if (usable.length < K + P) throw new StorageError("UNAVAILABLE", "Unable to allocate a container to the block");
    const members = usable.slice(0, K + P);
    const container = String(nextContainer++);
    log.push(`allocate ${container} on ${members.join(",")}`);
    return {
      blockID: { containerBlockID: { containerID: container, localID: `${container}00` }, blockCommitSequenceId: "0" },
      offset: "0",
      length: String(blockLength),
      pipeline: { id: { id: `pipeline-${container}` }, members: members.map(member), memberReplicaIndexes: members.map((_, i) => i + 1) },
    };
  }

  function open(endpoint: DatanodeEndpoint): BlockStream {
    const dn = Number(/^dn(\d+)/.exec(endpoint.address)![1]);
    let closed = false;
    openStreams++;
    return {
      endpoint,
      async send(cmd: string, containerID: string, body: OmMessage) {
        if (closed) throw new DatanodeError("stream closed");
        const id = (body.writeChunk?.blockID ?? body.putBlock?.blockData.blockID ?? body.getBlock?.blockID ?? body.readChunk?.blockID) as OmMessage;
        expect(id.containerID).toBe(containerID);
        expect(id.replicaIndex).toBeGreaterThan(0);
        const key = `${dn}|${id.containerID}/${id.localID}#${id.replicaIndex}`;
        log.push(`${dn} ${cmd} #${id.replicaIndex}`);
        const fault = opts.fault?.(dn, cmd, body);
        if (fault) throw fault;
        let r = replicas.get(key);
        if (r === undefined) replicas.set(key, (r = { bytes: Buffer.alloc(0), writes: [], putBlocks: [] }));
        switch (cmd) {
          case "WriteChunk": {
            const info = body.writeChunk.chunkData;
            const data = body.writeChunk.data as Buffer;
            expect(Number(info.offset)).toBe(r.bytes.length);
            expect(Number(info.len)).toBe(data.length);
            // each 16 KiB window's CRC32, as Ozone's client computes it
            expect((info.checksumData.checksums as Buffer[])[0].readUInt32BE(0)).toBe(crc32(data.subarray(0, 16384)) >>> 0);
            r.bytes = Buffer.concat([r.bytes, data]);
            r.writes.push({ offset: Number(info.offset), length: data.length });
            return { result: "SUCCESS" };
          }
          case "PutBlock":
            // as sent (a later PutBlock must not change what this one said)
            r.putBlocks.push({ ...body.putBlock, blockData: { ...body.putBlock.blockData, metadata: [...body.putBlock.blockData.metadata], chunks: body.putBlock.blockData.chunks.map((ch: OmMessage) => ({ ...ch })) } });
            return { putBlock: { committedBlockLength: { blockID: { ...id, blockCommitSequenceId: String(r.putBlocks.length) } } } };
          case "GetBlock":
            return { getBlock: { blockData: r.putBlocks.at(-1)!.blockData } };
          case "ReadChunk": {
            const info = body.readChunk.chunkData;
            return { readChunk: { data: r.bytes.subarray(Number(info.offset), Number(info.offset) + Number(info.len)) } };
          }
        }
        throw new Error(`unexpected ${cmd}`);
      },
      close() {
        if (!closed) openStreams--;
        closed = true;
      },
    };
  }

  /** The replica of group `location` with index `index` (1-based). */
  function replica(location: OmMessage, index: number): Replica | undefined {
    const endpoints = ecReplicaEndpoints(location.pipeline);
    const dn = Number(/^dn(\d+)/.exec(endpoints.get(index)!.address)![1]);
    const id = location.blockID.containerBlockID;
    return replicas.get(`${dn}|${id.containerID}/${id.localID}#${index}`);
  }

  return { allocate, open, log, excludes, replica, openStreams: () => openStreams };
}

type Cluster = ReturnType<typeof cluster>;

async function write(c: Cluster, data: Buffer, pieces = [1000, 7, CELL * 2 + 5, 1 << 20], opts: { maxStripeRetries?: number; onMove?(m: WriteMove): void } = {}): Promise<{ done: OmMessage[]; writer: EcKeyWriter }> {
  const writer = new EcKeyWriter({ scheme: { coder: createErasureCoder("rs", K, P), cellSize: CELL }, preallocated: [], allocate: c.allocate, open: c.open, ...opts });
  // the body arrives in pieces of varying sizes, as from a socket
  for (let off = 0, i = 0; off < data.length; i++) {
    const n = Math.min(pieces[i % pieces.length]!, data.length - off);
    await writer.write(data.subarray(off, off + n));
    off += n;
  }
  return { done: await writer.finish(), writer };
}

/** The key read back group by group with the gateway's EC reader, optionally with replicas down. */
async function readBack(c: Cluster, done: OmMessage[], down: number[] = []): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const location of done) {
    const endpoints = ecReplicaEndpoints(location.pipeline);
    for (const index of down) endpoints.delete(index);
    const id = location.blockID.containerBlockID;
    const block = { containerID: String(id.containerID), localID: String(id.localID), blockCommitSequenceId: String(location.blockID.blockCommitSequenceId) };
    const length = Number(location.length);
    for await (const piece of readEcBlockGroup(c.open, endpoints, block, length, { coder: createErasureCoder("rs", K, P), cellSize: CELL }, 0, length - 1)) parts.push(Buffer.from(piece));
  }
  return Buffer.concat(parts);
}

const LENGTHS = [1, CELL - 1, CELL, CELL + 1, 2 * CELL + 7, STRIPE - 1, STRIPE, STRIPE + 1, 3 * STRIPE + CELL + 5, 4 * STRIPE, 9 * STRIPE + 2 * CELL + 1];

describe("EC key writes: layout", () => {
  for (const length of LENGTHS) {
    it(`writes ${length} bytes striped with parity, read back byte-identical, also with two data replicas down`, async () => {
      const c = cluster();
      const data = randomBytes(length);
      const { done } = await write(c, data);
      // a group takes data units x the block length: 4 stripes here
      expect(done.length).toBe(Math.ceil(length / (4 * STRIPE)));
      expect(done.map((l) => Number(l.length)).reduce((a, b) => a + b)).toBe(length);
      expect((await readBack(c, done)).equals(data)).toBe(true);
      // replicas 1 and 2 gone: the reader rebuilds their cells from replica 3 and the parity
      expect((await readBack(c, done, [1, 2])).equals(data)).toBe(true);
      expect(c.openStreams()).toBe(0);
    });
  }

  it("writes a short last stripe's cells only, with parity as long as its first cell", async () => {
    const c = cluster();
    const length = STRIPE + CELL + 100; // stripe 2: a full first cell, 100 bytes in the second, none in the third
    const { done } = await write(c, randomBytes(length));
    const g = done[0]!;
    expect(c.replica(g, 1)!.writes).toEqual([{ offset: 0, length: CELL }, { offset: CELL, length: CELL }]);
    expect(c.replica(g, 2)!.writes).toEqual([{ offset: 0, length: CELL }, { offset: CELL, length: 100 }]);
    expect(c.replica(g, 3)!.writes).toEqual([{ offset: 0, length: CELL }]);
    for (const p of [4, 5]) expect(c.replica(g, p)!.writes).toEqual([{ offset: 0, length: CELL }, { offset: CELL, length: CELL }]);
    // shorter still: the parity is as long as the first cell
    const c2 = cluster();
    const { done: d2 } = await write(c2, randomBytes(STRIPE + 100));
    expect(c2.replica(d2[0]!, 4)!.writes.at(-1)).toEqual({ offset: CELL, length: 100 });
    expect(c2.replica(d2[0]!, 2)!.writes.length).toBe(1);
  });

  it("ends a group at data units x the block length and goes on in a new one", async () => {
    const c = cluster({ blockLength: 2 * CELL });
    const data = randomBytes(5 * STRIPE + 10);
    const { done } = await write(c, data);
    expect(done.map((l) => Number(l.length))).toEqual([2 * STRIPE, 2 * STRIPE, STRIPE + 10]);
    expect(c.log.filter((l) => l.startsWith("allocate")).length).toBe(3);
    expect((await readBack(c, done)).equals(data)).toBe(true);
  });

  it("writes nothing and allocates nothing for an empty key", async () => {
    const c = cluster();
    const { done } = await write(c, Buffer.alloc(0));
    expect(done).toEqual([]);
    expect(c.log).toEqual([]);
  });
});

describe("EC key writes: PutBlock", () => {
  it("sends every replica a PutBlock per stripe, with the group length, the cumulative chunk list and eof on the last", async () => {
    const c = cluster();
    const length = 2 * STRIPE + 10; // stripe 3 has bytes for replica 1 only
    const { done } = await write(c, randomBytes(length));
    const g = done[0]!;
    const lengths = [STRIPE, 2 * STRIPE, length];
    for (let index = 1; index <= K + P; index++) {
      const puts = c.replica(g, index)!.putBlocks;
      // every replica, also one that got no cell in a stripe (Ozone's empty PutBlock, HDDS-6794)
      expect(puts.length, `replica ${index}`).toBe(3);
      puts.forEach((put, s) => {
        expect(put.blockData.metadata).toContainEqual({ key: BLOCK_GROUP_LEN, value: String(lengths[s]) });
        expect(put.blockData.metadata).toContainEqual({ key: "TYPE", value: "KEY" });
        expect(put.blockData.blockID.replicaIndex).toBe(index);
        expect(put.eof ?? false).toBe(s === 2);
      });
      const expectedChunks = index === 1 || index > K ? 3 : 2;
      expect(puts[2]!.blockData.chunks.length).toBe(expectedChunks);
      expect(puts[2]!.blockData.chunks.map((ch: OmMessage) => ch.chunkName)).toEqual(Array.from({ length: expectedChunks }, (_, i) => `${g.blockID.containerBlockID.localID}_chunk_${i + 1}`));
    }
    // the stripe checksum: on replica 1 and the parity replicas, the last chunk of every replica written that stripe
    const lastChunk = (index: number, s: number) => c.replica(g, index)!.putBlocks[s]!.blockData.chunks.at(-1);
    const stripe1 = Buffer.concat([1, 2, 3, 4, 5].flatMap((i) => lastChunk(i, 0).checksumData.checksums as Buffer[]));
    for (const i of [1, 4, 5]) expect(Buffer.from(lastChunk(i, 0).stripeChecksum).equals(stripe1)).toBe(true);
    for (const i of [2, 3]) expect(lastChunk(i, 0).stripeChecksum).toBeUndefined();
    const stripe3 = Buffer.concat([1, 4, 5].flatMap((i) => lastChunk(i, 2).checksumData.checksums as Buffer[]));
    expect(Buffer.from(lastChunk(1, 2).stripeChecksum).equals(stripe3)).toBe(true);
    // the group's commit sequence id is replica 1's answer
    expect(g.blockID.blockCommitSequenceId).toBe("3");
  });

  it("sends a stripe's PutBlocks only after all its WriteChunks are answered", async () => {
    const c = cluster();
    await write(c, randomBytes(2 * STRIPE));
    const ops = c.log.filter((l) => / (WriteChunk|PutBlock) /.test(l)).map((l) => l.split(" ")[1]);
    expect(ops).toEqual([...Array(5).fill("WriteChunk"), ...Array(5).fill("PutBlock"), ...Array(5).fill("WriteChunk"), ...Array(5).fill("PutBlock")]);
  });
});

describe("EC key writes: failures", () => {
  it("rewrites a stripe whose WriteChunk failed to a new group, excluding the pipeline and the datanode", async () => {
    let writes = 0;
    // dn3 (replica 3 of the first group) fails its second WriteChunk: stripe 2
    const c = cluster({ fault: (dn, cmd) => (dn === 3 && cmd === "WriteChunk" && ++writes === 2 ? new DatanodeError("datanode dn3: stream ended") : undefined) });
    const data = randomBytes(3 * STRIPE + 5);
    const moves: WriteMove[] = [];
    const { done, writer } = await write(c, data, undefined, { onMove: (m) => moves.push(m) });
    expect(writer.relocations).toBe(1);
    // told for the operator's log: the group's pipeline, the datanode left out from now on, why
    expect(moves).toEqual([{ pipeline: "pipeline-1", datanodes: ["uuid-3"], error: "replica 3: datanode dn3: stream ended", moves: 1 }]);
    expect(done.map((l) => Number(l.length))).toEqual([STRIPE, 2 * STRIPE + 5]);
    expect(writer.exclude).toEqual({ datanodes: ["uuid-3"], containerIds: [], pipelineIds: [{ id: "pipeline-1" }] });
    expect(c.excludes.at(-1)).toEqual(writer.exclude);
    // the new group is on the five datanodes left
    expect(c.log).toContain("allocate 2 on 1,2,4,5,6");
    expect((await readBack(c, done)).equals(data)).toBe(true);
    expect(c.openStreams()).toBe(0);
  });

  it("rewrites a stripe whose PutBlock failed; a container no longer open excludes the container, not the datanode", async () => {
    let puts = 0;
    const c = cluster({ fault: (dn, cmd) => (dn === 5 && cmd === "PutBlock" && ++puts === 1 ? new DatanodeError("datanode dn5 PutBlock: CLOSED_CONTAINER_IO", "CLOSED_CONTAINER_IO") : undefined) });
    const data = randomBytes(2 * STRIPE);
    const { done, writer } = await write(c, data);
    // the first group got nothing every replica acknowledged: it is not committed
    expect(done.length).toBe(1);
    expect(Number(done[0]!.length)).toBe(2 * STRIPE);
    expect(done[0]!.blockID.containerBlockID.containerID).toBe("2");
    expect(writer.exclude).toEqual({ datanodes: [], containerIds: ["1"], pipelineIds: [{ id: "pipeline-1" }] });
    expect((await readBack(c, done)).equals(data)).toBe(true);
  });

  it("gives up with UNAVAILABLE after the retries, closing every stream", async () => {
    const c = cluster({ datanodes: 20, fault: (_dn, cmd) => (cmd === "WriteChunk" ? new DatanodeError("connect ECONNREFUSED") : undefined) });
    const err = await write(c, randomBytes(STRIPE), undefined, { maxStripeRetries: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe("UNAVAILABLE");
    expect(c.log.filter((l) => l.startsWith("allocate")).length).toBe(3);
    expect(c.openStreams()).toBe(0);
  });

  it("answers the allocation's UNAVAILABLE when too few datanodes are left for a group", async () => {
    // five datanodes: once one is excluded, no five-node group can be made
    const c = cluster({ datanodes: 5, fault: (dn, cmd) => (dn === 2 && cmd === "WriteChunk" ? new DatanodeError("connect ECONNREFUSED") : undefined) });
    const err = await write(c, randomBytes(2 * STRIPE)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe("UNAVAILABLE");
    expect(c.openStreams()).toBe(0);
  });

  it("passes on a failure that is not the datanode's", async () => {
    const c = cluster({ fault: (dn, cmd) => (dn === 1 && cmd === "PutBlock" ? (new TypeError("bug") as unknown as DatanodeError) : undefined) });
    const writer = new EcKeyWriter({ scheme: { coder: createErasureCoder("rs", K, P), cellSize: CELL }, preallocated: [], allocate: c.allocate, open: c.open });
    await writer.write(randomBytes(STRIPE));
    const err = await writer.finish().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    writer.abort();
    expect(c.openStreams()).toBe(0);
  });
});

describe("EC key writes: abandoned", () => {
  it("a stripe in flight when the write is abandoned (the body failed) goes to no new group; every stream is closed", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const c = cluster();
    const slow = c.open;
    // replica 1's first WriteChunk waits until the write is abandoned
    const open = (endpoint: DatanodeEndpoint): BlockStream => {
      const s = slow(endpoint);
      return {
        endpoint,
        async send(cmd, containerID, body) {
          if (endpoint.address.startsWith("dn1") && cmd === "WriteChunk") {
            await held;
            throw new DatanodeError("datanode dn1: stream closed");
          }
          return s.send(cmd, containerID, body);
        },
        close: () => s.close(),
      };
    };
    const writer = new EcKeyWriter({ scheme: { coder: createErasureCoder("rs", K, P), cellSize: CELL }, preallocated: [], allocate: c.allocate, open });
    await writer.write(randomBytes(STRIPE));
    await writer.write(randomBytes(10)); // sends the first stripe, which hangs on replica 1
    writer.abort();
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(c.log.filter((l) => l.startsWith("allocate")).length).toBe(1);
    expect(c.openStreams()).toBe(0);
  });
});
