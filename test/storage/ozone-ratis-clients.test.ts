/**
 * One Ratis client per pipeline, shared by the blocks written to it (ratis-clients.ts), against
 * fake Ratis groups (ozone-ratis-fake.ts): keys written at once share one ordered stream; one
 * key's container refusal leaves its neighbour's write alone; a client whose window broke, that
 * has been idle, or that knows a peer behind for too long is not handed out again.
 * Needs no Ozone cluster; test/ozone/replication.test.ts writes through the store's pool live.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { blockRefOf } from "../../runtime/storage/ozone/block-writer.js";
import { allocChunk } from "../../runtime/storage/ozone/chunk-buffers.js";
import { KeyWriter, type ExcludeList } from "../../runtime/storage/ozone/key-writer.js";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { RatisBlockWriter } from "../../runtime/storage/ozone/ratis-block-writer.js";
import { RatisClients } from "../../runtime/storage/ozone/ratis-clients.js";
import { RatisChannels, ratisGroupOf } from "../../runtime/storage/ozone/ratis-group.js";
import { A, C, commandOf, FakeContainers, FakeRatisGroup, pipelineOf } from "./ozone-ratis-fake.js";

const KiB = 1024;
const GROUP_1 = "11111111-0000-4000-8000-000000000001";
const CONTAINER_NOT_OPEN = "org.apache.hadoop.hdds.scm.container.common.helpers.ContainerNotOpenException";
const GROUP_MISMATCH = "org.apache.ratis.protocol.exceptions.GroupMismatchException";

const groups: FakeRatisGroup[] = [];
const pools: RatisClients[] = [];
const channels = new RatisChannels();

afterEach(async () => {
  for (const p of pools.splice(0)) p.close();
  for (const g of groups.splice(0)) await g.stop();
});

/** A group whose state machine is a fake datanode (with `containers`) or echoes "ok:" + the message. */
async function startGroup(containers?: FakeContainers): Promise<FakeRatisGroup> {
  const g = new FakeRatisGroup(A, GROUP_1);
  await g.start([A, "bbbbbbbb-0000-4000-8000-000000000002", C]);
  containers?.attach(g);
  groups.push(g);
  return g;
}

/** An OM allocating blocks in containers 101, 102... on one group. */
function allocator(blockSize: number, g: FakeRatisGroup) {
  let next = 1;
  return async (_exclude: ExcludeList): Promise<OmMessage> => {
    const container = String(100 + next);
    return { blockID: { containerBlockID: { containerID: container, localID: String(next++) } }, length: String(blockSize), pipeline: pipelineOf(g) };
  };
}

function newPool(opts: { behind?: string[]; behindMemoryMs?: number; idleMs?: number; now?: () => number } = {}): RatisClients {
  const pool = new RatisClients({
    channels,
    client: { retryBaseMs: 20, retryMaxMs: 100, requestTimeoutMs: 1_000, watchTimeoutMs: 1_000, deadlineMs: 2_000, primeWindow: true },
    behind: () => opts.behind ?? [],
    behindMemoryMs: opts.behindMemoryMs ?? 60_000,
    ...(opts.idleMs !== undefined && { idleMs: opts.idleMs }),
    ...(opts.now && { now: opts.now }),
  });
  pools.push(pool);
  return pool;
}

/** What the store opens for a RATIS block (store-core.ts openBlock). */
function opener(pool: RatisClients) {
  return (location: OmMessage): RatisBlockWriter => {
    const group = ratisGroupOf(location.pipeline);
    const lease = pool.acquire(group);
    return new RatisBlockWriter(lease.client, blockRefOf(location), group.peers[0]!.id, lease.release);
  };
}

/** Writes `data` as the store does: each chunk gathered into a buffer from allocChunk (its Ratis request built around it). */
async function writeKey(w: KeyWriter, data: Buffer, chunk: number): Promise<OmMessage[]> {
  for (let off = 0; off < data.length; ) {
    const n = Math.min(chunk, w.chunkRoom(), data.length - off);
    const buf = allocChunk(n);
    data.copy(buf, 0, off, off + n);
    await w.write(buf);
    off += n;
  }
  return w.finish();
}

function bytesOf(containers: FakeContainers, locations: OmMessage[]): Buffer {
  return Buffer.concat(locations.map((l) => containers.bytes(`${l.blockID.containerBlockID.containerID}/${l.blockID.containerBlockID.localID}`, Number(l.length))));
}

const orderedStreams = (g: FakeRatisGroup) => g.streams.filter((s) => s.kind === "ordered");

describe("Ratis clients shared per pipeline", () => {
  it("keys written at once on one pipeline share one client (one ordered stream, one priming watch); a later key reuses it", async () => {
    const containers = new FakeContainers();
    const g = await startGroup(containers);
    const pool = newPool();
    const allocate = allocator(1024 * KiB, g);
    const datas = [randomBytes(100 * KiB), randomBytes(40 * KiB), randomBytes(4 * KiB)];
    const writers = datas.map(() => new KeyWriter({ preallocated: [], allocate, openBlock: opener(pool), commitEvery: 32 * KiB }));
    const locations = await Promise.all(writers.map((w, i) => writeKey(w, datas[i]!, 16 * KiB)));
    for (const [i, l] of locations.entries()) expect(bytesOf(containers, l).equals(datas[i]!)).toBe(true);
    expect(orderedStreams(g)).toHaveLength(1);
    expect(new Set(g.log.map((e) => e.clientId)).size).toBe(1);

    const later = randomBytes(8 * KiB);
    const again = await writeKey(new KeyWriter({ preallocated: [], allocate, openBlock: opener(pool) }), later, 16 * KiB);
    expect(bytesOf(containers, again).equals(later)).toBe(true);
    expect(orderedStreams(g)).toHaveLength(1);
    expect(new Set(g.log.map((e) => e.clientId)).size).toBe(1);
    // one priming watch: the window opened once
    expect(g.received.filter((r) => r.kind === "ordered" && r.request.watch !== undefined)).toHaveLength(1);
    expect(pool.open).toBe(1);
  });

  it("one key's container refusal moves that key alone; its neighbour on the same client goes on untouched", async () => {
    const containers = new FakeContainers();
    const g = await startGroup(containers);
    g.script = (r) => {
      const cmd = r.kind === "ordered" ? commandOf(r) : undefined;
      return cmd?.cmdType === "WriteChunk" && cmd.containerID === "101"
        ? { kind: "stateMachine", className: CONTAINER_NOT_OPEN, message: "Container 101 in CLOSING state" }
        : { kind: "default" };
    };
    const pool = newPool();
    const allocate = allocator(1024 * KiB, g);
    const one = new KeyWriter({ preallocated: [], allocate, openBlock: opener(pool), commitEvery: 32 * KiB });
    const two = new KeyWriter({ preallocated: [], allocate, openBlock: opener(pool), commitEvery: 32 * KiB });
    const [d1, d2] = [randomBytes(96 * KiB), randomBytes(96 * KiB)];
    const [l1, l2] = await Promise.all([writeKey(one, d1, 16 * KiB), writeKey(two, d2, 16 * KiB)]);
    expect(one.relocations).toBe(1);
    expect(l1.map((l) => l.blockID.containerBlockID.containerID)).toEqual(["103"]);
    expect(two.relocations).toBe(0);
    expect(l2.map((l) => l.blockID.containerBlockID.containerID)).toEqual(["102"]);
    expect(bytesOf(containers, l1).equals(d1)).toBe(true);
    expect(bytesOf(containers, l2).equals(d2)).toBe(true);
    expect(orderedStreams(g)).toHaveLength(1);
  });

  it("does not hand out a client whose window broke (the group gone): the next block gets a fresh one", async () => {
    const g = await startGroup();
    const pool = newPool();
    const first = pool.acquire({ groupId: GROUP_1, peers: g.peers(), leaderId: A });
    g.script = () => ({ kind: "streamError", exceptionType: GROUP_MISMATCH });
    await expect(first.client.send(Buffer.from("x"))).rejects.toMatchObject({ failure: "GROUP_MISMATCH" });
    expect(first.client.usable).toBe(false);
    g.script = () => ({ kind: "default" });
    const second = pool.acquire({ groupId: GROUP_1, peers: g.peers(), leaderId: A });
    expect(second.client).not.toBe(first.client);
    await expect(second.client.send(Buffer.from("y"))).resolves.toMatchObject({ logIndex: expect.any(Number) });
    first.release();
    second.release();
    expect(pool.open).toBe(1);
  });

  it("closes a client unused for idleMs, cancelling its streams; a client in use is kept", async () => {
    const g = await startGroup();
    const pool = newPool({ idleMs: 100 });
    const lease = pool.acquire({ groupId: GROUP_1, peers: g.peers(), leaderId: A });
    await lease.client.send(Buffer.from("x"));
    await new Promise((r) => setTimeout(r, 200));
    expect(pool.open).toBe(1);
    lease.release();
    lease.release(); // twice is once
    const again = pool.acquire({ groupId: GROUP_1, peers: g.peers(), leaderId: A });
    expect(again.client).toBe(lease.client);
    again.release();
    await until(() => pool.open === 0);
    expect(lease.client.usable).toBe(false);
    await until(() => orderedStreams(g).every((s) => s.cancelled));
  });

  it("replaces a client that has known a peer behind for longer than the lagging memory, once its users are done", async () => {
    const g = await startGroup();
    let now = 1_000;
    const pool = newPool({ behind: [C], behindMemoryMs: 60_000, now: () => now });
    const group = { groupId: GROUP_1, peers: g.peers(), leaderId: A };
    const first = pool.acquire(group);
    const second = pool.acquire(group);
    expect(second.client).toBe(first.client);
    expect(first.client.behindSince).toBe(1_000);
    now += 61_000;
    const fresh = pool.acquire(group);
    expect(fresh.client).not.toBe(first.client);
    // the retired client serves its users until the last lets go
    first.release();
    expect(first.client.usable).toBe(true);
    second.release();
    expect(first.client.usable).toBe(false);
    expect(pool.open).toBe(1);
    fresh.release();
  });

  it("close() fails what is pending on every client", async () => {
    const g = await startGroup();
    g.script = () => ({ kind: "hold" });
    const pool = newPool();
    const lease = pool.acquire({ groupId: GROUP_1, peers: g.peers(), leaderId: A });
    const pending = lease.client.send(Buffer.from("x"));
    pool.close();
    await expect(pending).rejects.toMatchObject({ failure: "CLOSED" });
    expect(pool.open).toBe(0);
    expect(() => pool.acquire({ groupId: GROUP_1, peers: g.peers(), leaderId: A })).toThrow(/closed/);
  });
});

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}
