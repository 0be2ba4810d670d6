/**
 * The Ozone key writer against fake datanodes and a fake OM allocator: chunk and commit order,
 * and moving to a new block when a container closes under a write (what Ozone's own client does),
 * keeping what the failed block had committed. The same against a live cluster is in
 * test/ozone/relocation.test.ts.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DatanodeError, type BlockStream, type DatanodeEndpoint } from "../../runtime/storage/ozone/datanode-client.js";
import { blockRefOf } from "../../runtime/storage/ozone/block-writer.js";
import { KeyWriter, type ExcludeList, type WriteMove } from "../../runtime/storage/ozone/key-writer.js";
import { allocChunk, keptChunks } from "../../runtime/storage/ozone/chunk-buffers.js";
import { StandaloneBlockWriter } from "../../runtime/storage/ozone/standalone-block-writer.js";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { StorageError } from "../../runtime/storage/types.js";

const KiB = 1024;

/** A fake datanode holding blocks by container/localID; `fail` decides which requests fail. */
function fakeDatanodes(fail: (cmd: string, containerID: string, n: number) => string | undefined) {
  const blocks = new Map<string, { data: Buffer[]; committed: number }>();
  let n = 0;
  const log: string[] = [];
  return {
    blocks,
    log,
    open(endpoint: DatanodeEndpoint): BlockStream {
      return {
        endpoint,
        async send(cmd: string, containerID: string, body: OmMessage) {
          n++;
          const result = fail(cmd, containerID, n);
          log.push(`${cmd} ${containerID}${result ? ` ${result}` : ""}`);
          if (result) throw new DatanodeError(`${cmd}: ${result}`, result);
          if (cmd === "WriteChunk") {
            const id = `${containerID}/${body.writeChunk.blockID.localID}`;
            const b = blocks.get(id) ?? { data: [], committed: 0 };
            // a copy, as a datanode receives the bytes: the writer may reuse its buffer afterwards
            b.data.push(Buffer.from(body.writeChunk.data as Buffer));
            blocks.set(id, b);
            return {};
          }
          const id = `${containerID}/${body.putBlock.blockData.blockID.localID}`;
          blocks.get(id)!.committed = Number(body.putBlock.blockData.size);
          return { putBlock: { committedBlockLength: { blockID: body.putBlock.blockData.blockID } } };
        },
        close() {},
      };
    },
  };
}

function allocator(blockSize: number) {
  let next = 1;
  const excludes: ExcludeList[] = [];
  return {
    excludes,
    allocate: async (exclude: ExcludeList): Promise<OmMessage> => {
      excludes.push(structuredClone(exclude));
      const container = String(100 + next);
      return {
        blockID: { containerBlockID: { containerID: container, localID: String(next++) } },
        length: String(blockSize),
        pipeline: { type: "STAND_ALONE", id: { id: `p${container}` }, members: [{ uuid: "dn-1", ipAddress: "127.0.0.1", ports: [{ name: "STANDALONE", value: 1 }] }] },
      };
    },
  };
}

/** STAND_ALONE block writers over the fake datanodes (what the store opens for a STAND_ALONE pipeline) */
function standalone(dn: ReturnType<typeof fakeDatanodes>) {
  return (location: OmMessage) => new StandaloneBlockWriter(dn.open({ address: "fake:1", uuid: "dn-1" }), blockRefOf(location));
}

async function writeAll(w: KeyWriter, data: Buffer, chunk: number): Promise<OmMessage[]> {
  for (let off = 0; off < data.length; ) {
    const n = Math.min(chunk, w.chunkRoom(), data.length - off);
    await w.write(data.subarray(off, off + n));
    off += n;
  }
  return w.finish();
}

/** The key's bytes as CommitKey would record them: each listed block's committed prefix, in order. */
function bytesOf(dn: ReturnType<typeof fakeDatanodes>, locations: OmMessage[]): Buffer {
  return Buffer.concat(
    locations.map((l) => {
      const id = `${l.blockID.containerBlockID.containerID}/${l.blockID.containerBlockID.localID}`;
      const b = dn.blocks.get(id)!;
      expect(b.committed).toBe(Number(l.length));
      return Buffer.concat(b.data).subarray(0, b.committed);
    }),
  );
}

describe("KeyWriter", () => {
  it("fills blocks chunk by chunk, committing every commitEvery bytes and at each block's end", async () => {
    const dn = fakeDatanodes(() => undefined);
    const alloc = allocator(100 * KiB);
    const w = new KeyWriter({ preallocated: [], allocate: alloc.allocate, openBlock: standalone(dn), commitEvery: 40 * KiB });
    const data = randomBytes(250 * KiB);
    const locations = await writeAll(w, data, 16 * KiB);
    expect(locations.map((l) => Number(l.length))).toEqual([100 * KiB, 100 * KiB, 50 * KiB]);
    expect(bytesOf(dn, locations).equals(data)).toBe(true);
    // first block: 16+16+16 -> commit at 48, ..., block end commits (eof)
    expect(dn.log.filter((l) => l.startsWith("PutBlock 101")).length).toBe(3);
    expect(w.relocations).toBe(0);
  });

  it("moves the bytes since the last commit to a new block in another container when a container closes", async () => {
    // the 5th request is a WriteChunk into container 101 after a commit at 48 KiB
    const dn = fakeDatanodes((cmd, container, n) => (cmd === "WriteChunk" && container === "101" && n === 6 ? "CLOSED_CONTAINER_IO" : undefined));
    const alloc = allocator(100 * KiB);
    const moves: WriteMove[] = [];
    const w = new KeyWriter({ preallocated: [], allocate: alloc.allocate, openBlock: standalone(dn), commitEvery: 40 * KiB, onMove: (m) => moves.push(m) });
    const data = randomBytes(250 * KiB);
    const locations = await writeAll(w, data, 16 * KiB);
    expect(w.relocations).toBe(1);
    // told for the operator's log: the block's pipeline; a closed container leaves no datanode out
    expect(moves).toEqual([{ pipeline: "p101", datanodes: [], error: expect.stringContaining("CLOSED_CONTAINER_IO"), moves: 1 }]);
    // container 101 keeps its committed 48 KiB; the rest went elsewhere, avoiding 101
    expect(Number(locations[0].length)).toBe(48 * KiB);
    expect(locations[0].blockID.containerBlockID.containerID).toBe("101");
    expect(alloc.excludes[1].containerIds).toEqual(["101"]);
    expect(locations.slice(1).every((l) => l.blockID.containerBlockID.containerID !== "101")).toBe(true);
    expect(bytesOf(dn, locations).equals(data)).toBe(true);
  });

  it("also moves when the closing PutBlock fails, and skips preallocated blocks of an excluded container", async () => {
    const dn = fakeDatanodes((cmd, container) => (cmd === "PutBlock" && container === "7" ? "CONTAINER_NOT_OPEN" : undefined));
    const alloc = allocator(64 * KiB);
    const pre = (container: string, localID: string) => ({
      blockID: { containerBlockID: { containerID: container, localID } },
      length: String(64 * KiB),
      pipeline: { type: "STAND_ALONE", id: { id: "p7" }, members: [{ uuid: "dn-1", ipAddress: "127.0.0.1", ports: [{ name: "STANDALONE", value: 1 }] }] },
    });
    const w = new KeyWriter({ preallocated: [pre("7", "71"), pre("7", "72")], allocate: alloc.allocate, openBlock: standalone(dn) });
    const data = randomBytes(100 * KiB);
    const locations = await writeAll(w, data, 16 * KiB);
    expect(locations.every((l) => l.blockID.containerBlockID.containerID !== "7")).toBe(true);
    expect(bytesOf(dn, locations).equals(data)).toBe(true);
  });

  it("moves a short key whose only PutBlock fails, and closes the new block", async () => {
    const dn = fakeDatanodes((cmd, container) => (cmd === "PutBlock" && container === "101" ? "CLOSED_CONTAINER_IO" : undefined));
    const alloc = allocator(64 * KiB);
    const w = new KeyWriter({ preallocated: [], allocate: alloc.allocate, openBlock: standalone(dn) });
    const data = randomBytes(10 * KiB);
    const locations = await writeAll(w, data, 4 * KiB);
    expect(w.relocations).toBe(1);
    expect(locations.map((l) => l.blockID.containerBlockID.containerID)).toEqual(["102"]);
    expect(bytesOf(dn, locations).equals(data)).toBe(true);
  });

  it("gives up after a few moves as UNAVAILABLE (a 503: the cluster cannot take the write now), and refuses what another block cannot fix", async () => {
    const always = fakeDatanodes((cmd) => (cmd === "WriteChunk" ? "CLOSED_CONTAINER_IO" : undefined));
    const w = new KeyWriter({ preallocated: [], allocate: allocator(64 * KiB).allocate, openBlock: standalone(always) });
    const err = await writeAll(w, randomBytes(10 * KiB), 4 * KiB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).toMatchObject({ kind: "UNAVAILABLE", cause: { result: "CLOSED_CONTAINER_IO" } });
    expect(w.relocations).toBe(6);

    const mismatch = fakeDatanodes((cmd) => (cmd === "WriteChunk" ? "CHECKSUM_MISMATCH" : undefined));
    const w2 = new KeyWriter({ preallocated: [], allocate: allocator(64 * KiB).allocate, openBlock: standalone(mismatch) });
    await expect(writeAll(w2, randomBytes(10 * KiB), 4 * KiB)).rejects.toMatchObject({ result: "CHECKSUM_MISMATCH" });
    expect(w2.relocations).toBe(0);
  });
});

describe("KeyWriter and chunk buffer reuse (chunk-buffers.ts)", () => {
  const MiB = 1024 * KiB;

  /** takes every kept 1 MiB buffer out, so that a test sees only what it gave back */
  function drain(): void {
    for (let i = 0; i < 20 && keptChunks() > 0; i++) allocChunk(MiB);
    expect(keptChunks()).toBe(0);
  }

  function chunkOf(data: Buffer, off: number): Buffer {
    const c = allocChunk(MiB);
    data.copy(c, 0, off, off + MiB);
    return c;
  }

  it("gives a chunk's buffer back once its block holds it, and hands it out again", async () => {
    drain();
    const dn = fakeDatanodes(() => undefined);
    const w = new KeyWriter({ preallocated: [], allocate: allocator(8 * MiB).allocate, openBlock: standalone(dn), commitEvery: 2 * MiB });
    const data = randomBytes(4 * MiB);
    const first = [chunkOf(data, 0), chunkOf(data, MiB)];
    await w.write(first[0]);
    // not committed yet: kept by the writer, not given back
    expect(keptChunks()).toBe(0);
    await w.write(first[1]);
    // the commit point at 2 MiB holds both
    expect(keptChunks()).toBe(2);
    const next = [chunkOf(data, 2 * MiB), chunkOf(data, 3 * MiB)];
    // the same two pieces of memory
    expect(new Set([...first, ...next].map((c) => c.buffer)).size).toBe(2);
    expect(keptChunks()).toBe(0);
    for (const c of next) await w.write(c);
    const locations = await w.finish();
    expect(bytesOf(dn, locations).equals(data)).toBe(true);
    expect(keptChunks()).toBe(2);
  });

  it("gives back nothing of a write that failed: gRPC may still hold its requests", async () => {
    drain();
    const dn = fakeDatanodes((cmd) => (cmd === "PutBlock" ? "CHECKSUM_MISMATCH" : undefined));
    const w = new KeyWriter({ preallocated: [], allocate: allocator(8 * MiB).allocate, openBlock: standalone(dn), commitEvery: MiB });
    const c = chunkOf(randomBytes(MiB), 0);
    await expect(w.write(c)).rejects.toMatchObject({ result: "CHECKSUM_MISMATCH" });
    w.abort();
    expect(keptChunks()).toBe(0);
    expect(allocChunk(MiB).buffer).not.toBe(c.buffer);
  });

  it("gives back the chunks a failed block had not committed once the new block holds them", async () => {
    drain();
    // the first PutBlock (container 101, at 2 MiB) finds its container closed
    const dn = fakeDatanodes((cmd, container) => (cmd === "PutBlock" && container === "101" ? "CLOSED_CONTAINER_IO" : undefined));
    const w = new KeyWriter({ preallocated: [], allocate: allocator(8 * MiB).allocate, openBlock: standalone(dn), commitEvery: 2 * MiB });
    const data = randomBytes(2 * MiB);
    await w.write(chunkOf(data, 0));
    await w.write(chunkOf(data, MiB));
    expect(w.relocations).toBe(1);
    const locations = await w.finish();
    expect(locations.map((l) => l.blockID.containerBlockID.containerID)).toEqual(["102"]);
    expect(bytesOf(dn, locations).equals(data)).toBe(true);
    expect(keptChunks()).toBe(2);
  });
});
