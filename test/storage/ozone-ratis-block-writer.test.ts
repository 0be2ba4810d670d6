/**
 * Writing keys into RATIS blocks (ratis-block-writer.ts under key-writer.ts) against fake Ratis
 * groups (ozone-ratis-fake.ts) whose state machine is a fake datanode: the commands and bytes a
 * block gets, the watch that must answer before a commit point counts, and moving the bytes not
 * yet committed to a block allocated elsewhere when a container refuses or a pipeline fails.
 * Needs no Ozone cluster; test/ozone/replication.test.ts does the same against a live one.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { blockRefOf } from "../../runtime/storage/ozone/block-writer.js";
import { KeyWriter, type ExcludeList } from "../../runtime/storage/ozone/key-writer.js";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { RatisBlockWriter } from "../../runtime/storage/ozone/ratis-block-writer.js";
import { RatisClient } from "../../runtime/storage/ozone/ratis-client.js";
import { RatisChannels, ratisGroupOf } from "../../runtime/storage/ozone/ratis-group.js";
import { A, B, C, commandOf, FakeContainers, FakeRatisGroup, pipelineOf, type Msg } from "./ozone-ratis-fake.js";

const KiB = 1024;
const GROUP_1 = "11111111-0000-4000-8000-000000000001";
const GROUP_2 = "22222222-0000-4000-8000-000000000002";
const CONTAINER_NOT_OPEN = "org.apache.hadoop.hdds.scm.container.common.helpers.ContainerNotOpenException";
const GROUP_MISMATCH = "org.apache.ratis.protocol.exceptions.GroupMismatchException";

const groups: FakeRatisGroup[] = [];
const channels = new RatisChannels();

afterEach(async () => {
  for (const g of groups.splice(0)) await g.stop();
});

async function startGroup(id: string, containers: FakeContainers): Promise<FakeRatisGroup> {
  const g = new FakeRatisGroup(A, id);
  await g.start([A, B, C]);
  containers.attach(g);
  groups.push(g);
  return g;
}

/** An OM allocating blocks of `blockSize` in container 101, 102... on the groups in turn (skipping excluded pipelines). */
function allocator(blockSize: number, pipelines: FakeRatisGroup[]) {
  let next = 1;
  const excludes: ExcludeList[] = [];
  return {
    excludes,
    allocate: async (exclude: ExcludeList): Promise<OmMessage> => {
      excludes.push(structuredClone(exclude));
      const g = pipelines.find((p) => !exclude.pipelineIds.some((x) => x.id === p.groupId));
      if (g === undefined) throw new Error("no pipeline left");
      const container = String(100 + next);
      return { blockID: { containerBlockID: { containerID: container, localID: String(next++) } }, length: String(blockSize), pipeline: pipelineOf(g) };
    },
  };
}

/** What the store opens for a RATIS block (store.ts openBlock), with short timeouts. */
function openRatisBlock(location: OmMessage): RatisBlockWriter {
  const group = ratisGroupOf(location.pipeline);
  const client = new RatisClient({ ...group, channels, retryBaseMs: 20, retryMaxMs: 100, requestTimeoutMs: 1_000, watchTimeoutMs: 1_000, deadlineMs: 2_000 });
  return new RatisBlockWriter(client, blockRefOf(location), group.peers[0]!.id);
}

async function writeAll(w: KeyWriter, data: Buffer, chunk: number): Promise<OmMessage[]> {
  for (let off = 0; off < data.length; ) {
    const n = Math.min(chunk, w.chunkRoom(), data.length - off);
    await w.write(data.subarray(off, off + n));
    off += n;
  }
  return w.finish();
}

/** The key's bytes as CommitKey records them: each listed block's committed prefix, in order. */
function bytesOf(containers: FakeContainers, locations: OmMessage[]): Buffer {
  return Buffer.concat(
    locations.map((l) => {
      const id = `${l.blockID.containerBlockID.containerID}/${l.blockID.containerBlockID.localID}`;
      expect(containers.committed.get(id)).toBeGreaterThanOrEqual(Number(l.length));
      return containers.bytes(id, Number(l.length));
    }),
  );
}

describe("RATIS blocks", () => {
  it("writes chunks then PutBlock through the leader, and the block's commit sequence id is the PutBlock's log index", async () => {
    const containers = new FakeContainers();
    const g = await startGroup(GROUP_1, containers);
    const alloc = allocator(100 * KiB, [g]);
    const w = new KeyWriter({ preallocated: [], allocate: alloc.allocate, openBlock: openRatisBlock, commitEvery: 40 * KiB });
    const data = randomBytes(150 * KiB);
    const locations = await writeAll(w, data, 16 * KiB);

    expect(bytesOf(containers, locations).equals(data)).toBe(true);
    expect(locations.map((l) => Number(l.length))).toEqual([100 * KiB, 50 * KiB]);
    expect(containers.applied).toEqual([
      ...[0, 16, 32].map((k) => `WriteChunk 101/1 @${k * KiB}+${16 * KiB}`),
      `PutBlock 101/1 size=${48 * KiB}`,
      ...[48, 64, 80].map((k) => `WriteChunk 101/1 @${k * KiB}+${16 * KiB}`),
      `PutBlock 101/1 size=${96 * KiB}`,
      `WriteChunk 101/1 @${96 * KiB}+${4 * KiB}`,
      `PutBlock 101/1 size=${100 * KiB} eof`,
      ...[0, 16, 32].map((k) => `WriteChunk 102/2 @${k * KiB}+${16 * KiB}`),
      `PutBlock 102/2 size=${48 * KiB}`,
      `WriteChunk 102/2 @${48 * KiB}+${2 * KiB}`,
      `PutBlock 102/2 size=${50 * KiB} eof`,
    ]);
    // every command went to the leader, as ordered writes carrying the pipeline's first member as datanode
    const writes = g.received.filter((r) => r.kind === "ordered");
    expect(new Set(writes.map((r) => r.peer))).toEqual(new Set([A]));
    expect(writes.every((r) => commandOf(r)!.datanodeUuid === A)).toBe(true);
    // BCSID: the log index of the block's last PutBlock (the group's log numbers entries from 1)
    const lastPutBlock = (block: string) => 1 + g.log.findLastIndex((e) => commandOfContent(e.content).cmdType === "PutBlock" && blockOf(commandOfContent(e.content)) === block);
    expect(locations.map((l) => Number(l.blockID.blockCommitSequenceId))).toEqual([lastPutBlock("101/1"), lastPutBlock("102/2")]);
  });

  it("keeps up to 8 WriteChunks unanswered (Ozone's 32 MiB of 4 MiB chunks) before it waits for the group", async () => {
    const containers = new FakeContainers();
    const g = await startGroup(GROUP_1, containers);
    g.script = () => ({ kind: "delay", ms: 800 });
    const location = await allocator(100 * KiB, [g]).allocate({ datanodes: [], containerIds: [], pipelineIds: [] });
    const w = openRatisBlock(location);
    try {
      for (let i = 0; i < 7; i++) await w.writeChunk(randomBytes(KiB));
      // seven chunks taken while the group had answered nothing
      expect(g.repliesSent).toBe(0);
      await w.writeChunk(randomBytes(KiB));
      // the eighth waited for the first answer
      expect(g.repliesSent).toBeGreaterThan(0);
      await w.commit(true);
      expect(w.committed).toBe(8 * KiB);
    } finally {
      w.close();
    }
  });

  it("acknowledges a commit point only when the watch for the PutBlock's index answers", async () => {
    const containers = new FakeContainers();
    const g = await startGroup(GROUP_1, containers);
    // followers report lagging commit indexes: the writer must ask the leader to watch
    g.followerLag = 3;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    g.beforeWatchReply = () => held;
    const alloc = allocator(100 * KiB, [g]);
    const w = new KeyWriter({ preallocated: [], allocate: alloc.allocate, openBlock: openRatisBlock });
    const data = randomBytes(20 * KiB);
    let finished = false;
    const done = writeAll(w, data, 16 * KiB).then((l) => ((finished = true), l));
    await until(() => g.received.some((r) => r.kind === "unordered"));
    const watch = g.received.find((r) => r.kind === "unordered")!;
    const putBlockIndex = g.log.findIndex((e) => commandOfContent(e.content).cmdType === "PutBlock") + 1;
    expect(Number(watch.request.watch.index)).toBe(putBlockIndex);
    expect(watch.request.watch.replication).toBe("ALL_COMMITTED");
    await new Promise((r) => setTimeout(r, 100));
    expect(finished).toBe(false); // the PutBlock was answered, the watch not yet
    release();
    const locations = await done;
    expect(bytesOf(containers, locations).equals(data)).toBe(true);
  });

  it("goes on writing while a commit point's watch is pending (one point at a time)", async () => {
    const containers = new FakeContainers();
    const g = await startGroup(GROUP_1, containers);
    g.followerLag = 3;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    g.beforeWatchReply = () => held;
    const alloc = allocator(200 * KiB, [g]);
    const w = new KeyWriter({ preallocated: [], allocate: alloc.allocate, openBlock: openRatisBlock, commitEvery: 40 * KiB });
    const data = randomBytes(150 * KiB);
    const done = writeAll(w, data, 16 * KiB);
    // the first point (48 KiB) waits for its watch; the next interval is written meanwhile, and
    // the second point waits for the first
    await until(() => containers.applied.includes(`PutBlock 101/1 size=${96 * KiB}`) || containers.applied.filter((a) => a.startsWith("WriteChunk")).length >= 6);
    await new Promise((r) => setTimeout(r, 100));
    expect(g.received.filter((r) => r.kind === "unordered")).toHaveLength(1);
    expect(containers.applied).toContain(`WriteChunk 101/1 @${80 * KiB}+${16 * KiB}`);
    expect(containers.applied).not.toContain(`PutBlock 101/1 size=${96 * KiB}`);
    release();
    const locations = await done;
    expect(bytesOf(containers, locations).equals(data)).toBe(true);
  });

  it("rewrites everything since the last settled point when a later point fails after more chunks went out", async () => {
    const containers = new FakeContainers();
    const g = await startGroup(GROUP_1, containers);
    // the second commit point's PutBlock is refused (the container closed meanwhile)
    g.script = (r) => {
      const cmd = r.kind === "ordered" ? commandOf(r) : undefined;
      if (cmd?.cmdType === "PutBlock" && cmd.containerID === "101" && Number(cmd.putBlock.blockData.size) > 48 * KiB) {
        return { kind: "stateMachine", className: CONTAINER_NOT_OPEN, message: "Container 101 in CLOSING state" };
      }
      return { kind: "default" };
    };
    const alloc = allocator(200 * KiB, [g]);
    const w = new KeyWriter({ preallocated: [], allocate: alloc.allocate, openBlock: openRatisBlock, commitEvery: 40 * KiB });
    const data = randomBytes(150 * KiB);
    const locations = await writeAll(w, data, 16 * KiB);
    expect(w.relocations).toBe(1);
    expect(locations.map((l) => [l.blockID.containerBlockID.containerID, Number(l.length)])).toEqual([
      ["101", 48 * KiB],
      ["102", 102 * KiB],
    ]);
    expect(bytesOf(containers, locations).equals(data)).toBe(true);
  });

  it("moves the bytes not yet committed to a block in another container when the container refuses (ContainerNotOpen)", async () => {
    const containers = new FakeContainers();
    const g = await startGroup(GROUP_1, containers);
    // container 101 closes after its first commit point
    g.script = (r) => {
      const cmd = r.kind === "ordered" ? commandOf(r) : undefined;
      if (cmd?.cmdType === "WriteChunk" && cmd.containerID === "101" && Number(cmd.writeChunk.chunkData.offset) >= 48 * KiB) {
        return { kind: "stateMachine", className: CONTAINER_NOT_OPEN, message: "Container 101 in CLOSING state" };
      }
      return { kind: "default" };
    };
    const alloc = allocator(100 * KiB, [g]);
    const w = new KeyWriter({ preallocated: [], allocate: alloc.allocate, openBlock: openRatisBlock, commitEvery: 40 * KiB });
    const data = randomBytes(150 * KiB);
    const locations = await writeAll(w, data, 16 * KiB);

    expect(w.relocations).toBe(1);
    expect(locations[0]!.blockID.containerBlockID.containerID).toBe("101");
    expect(Number(locations[0]!.length)).toBe(48 * KiB);
    expect(alloc.excludes[1]).toEqual({ containerIds: ["101"], pipelineIds: [], datanodes: [] });
    expect(locations.slice(1).every((l) => l.blockID.containerBlockID.containerID !== "101")).toBe(true);
    expect(bytesOf(containers, locations).equals(data)).toBe(true);
  });

  it("moves to a block on another pipeline when the group fails (the peers no longer serve it), keeping what was committed", async () => {
    const containers = new FakeContainers();
    const g1 = await startGroup(GROUP_1, containers);
    const g2 = await startGroup(GROUP_2, containers);
    let failing = false;
    g1.script = (r) => {
      const cmd = r.kind === "ordered" ? commandOf(r) : undefined;
      if (cmd?.cmdType === "PutBlock" && Number(cmd.putBlock.blockData.size) > 48 * KiB) failing = true;
      return failing ? { kind: "streamError", exceptionType: GROUP_MISMATCH } : { kind: "default" };
    };
    const alloc = allocator(200 * KiB, [g1, g2]);
    const w = new KeyWriter({ preallocated: [], allocate: alloc.allocate, openBlock: openRatisBlock, commitEvery: 40 * KiB });
    const data = randomBytes(150 * KiB);
    const locations = await writeAll(w, data, 16 * KiB);

    expect(w.relocations).toBe(1);
    expect(alloc.excludes[1]).toEqual({ containerIds: ["101"], pipelineIds: [{ id: GROUP_1 }], datanodes: [] });
    expect(locations.map((l) => [l.blockID.containerBlockID.containerID, Number(l.length)])).toEqual([
      ["101", 48 * KiB],
      ["102", 102 * KiB],
    ]);
    expect(g2.log.length).toBeGreaterThan(0);
    expect(bytesOf(containers, locations).equals(data)).toBe(true);
  });

  it("goes on when a follower does not commit, and avoids that datanode for the next block", async () => {
    const containers = new FakeContainers();
    const g = await startGroup(GROUP_1, containers);
    g.followerLag = 1;
    // ALL_COMMITTED is not reached: C stays behind (Ratis' NotReplicatedException after its watch timeout)
    g.script = (r) => (r.kind === "unordered" ? { kind: "notReplicated", commitIndexes: { [A]: g.log.length, [B]: g.log.length, [C]: 0 } } : { kind: "default" });
    const alloc = allocator(64 * KiB, [g]);
    const w = new KeyWriter({ preallocated: [], allocate: alloc.allocate, openBlock: openRatisBlock });
    const data = randomBytes(100 * KiB);
    const locations = await writeAll(w, data, 16 * KiB);
    expect(w.relocations).toBe(0);
    expect(alloc.excludes[1]).toEqual({ containerIds: [], pipelineIds: [], datanodes: [C] });
    expect(bytesOf(containers, locations).equals(data)).toBe(true);
  });
});

function commandOfContent(content: Buffer): Msg {
  return commandOf({ request: { message: { content } } } as never)!;
}

function blockOf(cmd: Msg): string {
  const id = cmd.cmdType === "PutBlock" ? cmd.putBlock.blockData.blockID : cmd.writeChunk.blockID;
  return `${id.containerID}/${id.localID}`;
}

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}
