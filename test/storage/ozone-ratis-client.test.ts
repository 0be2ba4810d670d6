/**
 * The Ratis client (runtime/storage/ozone/ratis-client.ts) against a fake Ratis group
 * (ozone-ratis-fake.ts). Each test scripts a deviation (leader change, reset stream, silent
 * watch...) and checks what the client sent and resolved. Needs no Ozone cluster.
 */
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { encodeMessage, ozoneProto } from "../../runtime/storage/ozone/proto/index.js";
import { decodeContainerReply, frameContainerCommand, unframeContainerCommand } from "../../runtime/storage/ozone/ratis-framing.js";
import { RatisClient, type RatisClientOptions } from "../../runtime/storage/ozone/ratis-client.js";
import { mapRatisError, ratisGroupOf, RatisChannels, RatisError } from "../../runtime/storage/ozone/ratis-group.js";
import { StorageError } from "../../runtime/storage/types.js";
import { A, B, C, FakeRatisGroup, GROUP, GROUP_BYTES, type Msg } from "./ozone-ratis-fake.js";

let group: FakeRatisGroup | undefined;
let client: RatisClient | undefined;

afterEach(async () => {
  client?.close();
  client = undefined;
  await group?.stop();
  group = undefined;
});

async function startGroup(leader: string, ids = [A, B, C]): Promise<FakeRatisGroup> {
  group = new FakeRatisGroup(leader);
  await group.start(ids);
  return group;
}

function newClient(g: FakeRatisGroup, opts: Partial<RatisClientOptions> = {}): RatisClient {
  client = new RatisClient({ groupId: GROUP, peers: g.peers(), leaderId: A, retryBaseMs: 20, retryMaxMs: 200, requestTimeoutMs: 2_000, deadlineMs: 5_000, ...opts });
  return client;
}

const ordered = (g: FakeRatisGroup) => g.received.filter((r) => r.kind === "ordered");
const text = (b: Buffer) => b.toString("utf8");

/** A port nothing listens on. */
async function closedPort(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `127.0.0.1:${port}`;
}

/** A port that takes connections and never answers on them. */
async function silentPort(): Promise<string> {
  const s = net.createServer((socket) => {
    socket.on("error", () => undefined);
    silentSockets.push(socket);
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  silentServers.push(s);
  return `127.0.0.1:${(s.address() as net.AddressInfo).port}`;
}
const silentServers: net.Server[] = [];
const silentSockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of silentSockets.splice(0)) socket.destroy();
  for (const s of silentServers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

describe("ratis client: ordered writes", () => {
  it("sends the first request alone (isFirst), then the rest in order; each reply resolves its own request", async () => {
    const g = await startGroup(A);
    // the state machine answers like a datanode: the container response, BCSID = log index for PutBlock
    g.respond = (content, logIndex) => {
      const cmd = unframeContainerCommand(content) as Msg;
      return encodeMessage(ozoneProto.ContainerCommandResponseProto, {
        cmdType: cmd.cmdType,
        result: "SUCCESS",
        ...(cmd.cmdType === "PutBlock" ? { putBlock: { committedBlockLength: { blockID: { ...cmd.putBlock.blockData.blockID, blockCommitSequenceId: logIndex }, blockLength: 3 } } } : {}),
      });
    };
    // every answer comes 150 ms late: what arrived before an answer was sent without waiting for it
    // (40 ms was once too little on a loaded machine for the three later requests to arrive first)
    g.script = () => ({ kind: "delay", ms: 150 });
    const c = newClient(g);
    const blockID = { containerID: 1, localID: 2, blockCommitSequenceId: 0 };
    const chunk = (n: number) => ({ chunkName: `2_chunk_${n}`, offset: n - 1, len: 1, checksumData: { type: "NONE", bytesPerChecksum: 16384 } });
    const commands = [1, 2, 3].map((n) =>
      frameContainerCommand({ cmdType: "WriteChunk", containerID: 1, datanodeUuid: A, writeChunk: { blockID, chunkData: chunk(n), data: Buffer.from([n]) } }),
    );
    commands.push(frameContainerCommand({ cmdType: "PutBlock", containerID: 1, datanodeUuid: A, putBlock: { blockData: { blockID, chunks: [1, 2, 3].map(chunk), size: 3 }, eof: true } }));
    const replies = await Promise.all(commands.map((content) => c.send(content)));

    const got = ordered(g);
    expect(got.map((r) => [r.seqNum, r.isFirst])).toEqual([[1, true], [2, false], [3, false], [4, false]]);
    // nothing but the first went out before the first was answered; then the rest went together
    expect(got.map((r) => r.repliesBefore)).toEqual([0, 1, 1, 1]);
    expect(new Set(got.map((r) => r.stream)).size).toBe(1);
    const callIds = got.map((r) => r.callId);
    expect([...callIds].sort((a, b) => a - b)).toEqual(callIds);
    expect(new Set(callIds).size).toBe(4);
    for (const r of got) {
      const rpc = r.request.rpcRequest;
      expect(Buffer.from(rpc.requestorId)).toEqual(c.clientId);
      expect(c.clientId).toHaveLength(16);
      expect(Buffer.from(rpc.replyId).toString()).toBe(A);
      expect(Buffer.from(rpc.raftGroupId.id)).toEqual(GROUP_BYTES);
      expect(rpc.toLeader).toBe(true);
      expect(r.request.Type).toBe("write");
      expect(r.request.write).toEqual({}); // MAJORITY, the zero value
    }
    expect(g.log.map((e) => (unframeContainerCommand(e.content) as Msg).cmdType)).toEqual(["WriteChunk", "WriteChunk", "WriteChunk", "PutBlock"]);
    expect(replies.map((r) => r.logIndex)).toEqual([1, 2, 3, 4]);
    expect(replies.every((r) => r.replierId === A)).toBe(true);
    const putBlock = decodeContainerReply(replies[3]!.content) as Msg;
    expect(putBlock.putBlock.committedBlockLength.blockID.blockCommitSequenceId).toBe("4");

    // the next request tells the leader which call ids were answered (its retry cache may drop them)
    g.script = () => ({ kind: "default" });
    g.respond = (content) => content;
    await c.send(Buffer.from("after"));
    const last = ordered(g).at(-1)!;
    expect(last.request.rpcRequest.repliedCallIds.map(Number)).toEqual(callIds);
    expect(last.seqNum).toBe(5);
    expect(last.isFirst).toBe(false);
  });

  it("with primeWindow, opens the window with a watch for index 0 (as Ratis' client does): the first writes then go back to back", async () => {
    const g = await startGroup(A);
    g.respond = (content) => Buffer.concat([Buffer.from("ok:"), content]);
    // answers come 40 ms late: what arrived before an answer was sent without waiting for it
    g.script = () => ({ kind: "delay", ms: 40 });
    const c = newClient(g, { primeWindow: true });
    const replies = await Promise.all(["chunk", "putblock"].map((m) => c.send([Buffer.from(m.slice(0, 2)), Buffer.from(m.slice(2))])));

    const got = ordered(g);
    expect(got.map((r) => [r.seqNum, r.isFirst, r.request.Type])).toEqual([
      [1, true, "watch"],
      [2, false, "write"],
      [3, false, "write"],
    ]);
    // the watch for index 0 at MAJORITY, both zero values: an empty member, no message
    expect(got[0]!.request.watch).toEqual({});
    expect(got[0]!.request.message).toBeUndefined();
    // both writes went once the watch was answered, the second before the first's answer
    expect(got.map((r) => r.repliesBefore)).toEqual([0, 1, 1]);
    // the watch is no log entry; each write's parts arrived as one message
    expect(g.log.map((e) => text(e.content))).toEqual(["chunk", "putblock"]);
    expect(replies.map((r) => text(r.content))).toEqual(["ok:chunk", "ok:putblock"]);
    expect(replies.map((r) => r.logIndex)).toEqual([1, 2]);

    // once: later writes go behind them, with no other watch
    await c.send(Buffer.from("more"));
    expect(ordered(g).map((r) => r.request.Type)).toEqual(["watch", "write", "write", "write"]);
  });

  it("without primeWindow, the first write goes alone (no watch in the window)", async () => {
    const g = await startGroup(A);
    g.respond = (content) => content;
    g.script = () => ({ kind: "delay", ms: 40 });
    const c = newClient(g);
    await Promise.all(["a", "b"].map((m) => c.send(Buffer.from(m))));
    expect(ordered(g).map((r) => [r.seqNum, r.request.Type, r.repliesBefore])).toEqual([
      [1, "write", 0],
      [2, "write", 1],
    ]);
  });

  it("matches replies by call id when they arrive out of order", async () => {
    const g = await startGroup(A);
    g.script = (r) => (r.seqNum === 2 ? { kind: "delay", ms: 60 } : { kind: "default" });
    const c = newClient(g);
    const order: string[] = [];
    const sends = ["one", "two", "three"].map((s) => c.send(Buffer.from(s)).then((r) => (order.push(s), r)));
    const replies = await Promise.all(sends);
    expect(replies.map((r) => text(r.content))).toEqual(["ok:one", "ok:two", "ok:three"]);
    expect(order).toEqual(["one", "three", "two"]);
    expect(replies.map((r) => r.logIndex)).toEqual([1, 2, 3]);
  });

  it("follows NotLeaderException's suggested leader at once, on a new stream starting again with isFirst", async () => {
    // C leads; A names it (the next peer after A would be B)
    const g = await startGroup(C);
    const c = newClient(g, { retryBaseMs: 5_000 }); // a back-off would show in the time taken
    const t0 = Date.now();
    const replies = await Promise.all(["x", "y", "z"].map((s) => c.send(Buffer.from(s))));
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(replies.map((r) => [text(r.content), r.replierId])).toEqual([["ok:x", C], ["ok:y", C], ["ok:z", C]]);
    expect(c.leaderId).toBe(C);

    const got = ordered(g);
    const atA = got.filter((r) => r.peer === A);
    expect(atA.map((r) => [r.seqNum, r.isFirst])).toEqual([[1, true]]); // only the first went to A
    expect(got.some((r) => r.peer === B)).toBe(false);
    const atC = got.filter((r) => r.peer === C);
    expect(atC.map((r) => [r.seqNum, r.isFirst])).toEqual([[1, true], [2, false], [3, false]]);
    expect(atC[0]!.callId).toBe(atA[0]!.callId); // a retry keeps its call id
    expect(atC.every((r) => Buffer.from(r.request.rpcRequest.replyId).toString() === C)).toBe(true);
    expect(g.streams.find((s) => s.peer === A && s.kind === "ordered")!.cancelled).toBe(true);
    expect(g.log.map((e) => text(e.content))).toEqual(["x", "y", "z"]);
  });

  it("without a suggested leader, tries the next peer after a back-off", async () => {
    const g = await startGroup(C);
    g.script = (r) => (r.peer === A ? { kind: "notLeader" } : { kind: "default" });
    const c = newClient(g, { retryBaseMs: 100, retryMaxMs: 100 });
    const t0 = Date.now();
    const reply = await c.send(Buffer.from("v"));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50); // half the back-off at least
    expect(reply.replierId).toBe(C);
    // A (no suggestion) -> B, the next peer, which names C
    expect(ordered(g).map((r) => r.peer)).toEqual([A, B, C]);
    expect(g.log).toHaveLength(1);
  });

  it("waits out LeaderNotReadyException at the same peer, with growing back-off, on new streams", async () => {
    const g = await startGroup(A);
    let notReady = 2;
    g.script = () => (notReady-- > 0 ? { kind: "leaderNotReady" } : { kind: "default" });
    const c = newClient(g, { retryBaseMs: 80, retryMaxMs: 1_000 });
    const t0 = Date.now();
    const reply = await c.send(Buffer.from("w"));
    // back-offs of 80 then 160 ms, each jittered down to half at most
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40 + 80);
    expect(text(reply.content)).toBe("ok:w");
    const got = ordered(g);
    expect(got.map((r) => [r.peer, r.seqNum, r.isFirst])).toEqual([[A, 1, true], [A, 1, true], [A, 1, true]]);
    expect(new Set(got.map((r) => r.stream)).size).toBe(3);
    expect(new Set(got.map((r) => r.callId)).size).toBe(1);
    expect(g.log).toHaveLength(1);
  });

  it("after a stream reset mid-flight, resends from the first unanswered request; the retry cache keeps each write applied once", async () => {
    const g = await startGroup(A);
    let resets = 1;
    g.script = (r) => (r.peer === A && r.seqNum === 2 && resets-- > 0 ? { kind: "resetAfterApply" } : { kind: "default" });
    const c = newClient(g);
    const replies = await Promise.all(["1", "2", "3", "4"].map((s) => c.send(Buffer.from(s))));
    expect(replies.map((r) => text(r.content))).toEqual(["ok:1", "ok:2", "ok:3", "ok:4"]);
    expect(replies.map((r) => r.logIndex)).toEqual([1, 2, 3, 4]);
    // applied once each, in order, although 2 was sent twice
    expect(g.log.map((e) => text(e.content))).toEqual(["1", "2", "3", "4"]);
    const got = ordered(g);
    const first = got.filter((r) => r.seqNum === 2);
    expect(first.length).toBeGreaterThanOrEqual(2);
    expect(new Set(first.map((r) => r.callId)).size).toBe(1);
    expect(g.cacheHits).toEqual([first[0]!.callId]);
    // the stream broke: the client went to the next peer (B), which sent it back to A; each new stream starts at 2
    const streamsAfter = [...new Set(got.filter((r) => r.stream !== got[0]!.stream).map((r) => r.stream))];
    for (const s of streamsAfter) {
      const onStream = got.filter((r) => r.stream === s);
      expect([onStream[0]!.seqNum, onStream[0]!.isFirst]).toEqual([2, true]);
    }
    expect(got.filter((r) => r.peer === A && r.stream !== got[0]!.stream).map((r) => r.seqNum)).toEqual([2, 3, 4]);
  });

  it("fails a state machine refusal alone and keeps the window going; container refusals are flagged", async () => {
    const g = await startGroup(A);
    g.script = (r) =>
      r.seqNum === 2
        ? { kind: "stateMachine", className: "org.apache.hadoop.hdds.scm.container.common.helpers.ContainerNotOpenException", message: "Container 1 in CLOSED state" }
        : { kind: "default" };
    const c = newClient(g);
    const results = await Promise.allSettled(["a", "b", "c"].map((s) => c.send(Buffer.from(s))));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const err = (results[1] as PromiseRejectedResult).reason as RatisError;
    expect(err).toBeInstanceOf(RatisError);
    expect(err.failure).toBe("STATE_MACHINE");
    expect(err.containerError).toBe(true);
    expect(err.message).toContain("CLOSED state");
    expect(mapRatisError(err)).toBe(err); // not an availability problem
    expect(g.log.map((e) => text(e.content))).toEqual(["a", "c"]);
    expect(ordered(g)).toHaveLength(3); // no retry
  });

  it("gives up on a group the peer does not serve (GroupMismatchException), without retrying", async () => {
    const g = await startGroup(A);
    g.script = () => ({ kind: "streamError", exceptionType: "org.apache.ratis.protocol.exceptions.GroupMismatchException" });
    const c = newClient(g);
    const results = await Promise.allSettled([c.send(Buffer.from("a")), c.send(Buffer.from("b"))]);
    for (const r of results) {
      expect(r.status).toBe("rejected");
      expect(((r as PromiseRejectedResult).reason as RatisError).failure).toBe("GROUP_MISMATCH");
    }
    expect(ordered(g)).toHaveLength(1);
    await expect(c.send(Buffer.from("c"))).rejects.toMatchObject({ failure: "GROUP_MISMATCH" });
  });

  it("stays with a leader whose pending-request limit is full (ResourceUnavailableException), after a back-off", async () => {
    const g = await startGroup(A);
    let full = 1;
    g.script = () => (full-- > 0 ? { kind: "streamError", exceptionType: "org.apache.ratis.protocol.exceptions.ResourceUnavailableException" } : { kind: "default" });
    const c = newClient(g, { retryBaseMs: 60, retryMaxMs: 60 });
    const t0 = Date.now();
    expect(text((await c.send(Buffer.from("r"))).content)).toBe("ok:r");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(30);
    expect(ordered(g).map((r) => [r.peer, r.seqNum, r.isFirst])).toEqual([[A, 1, true], [A, 1, true]]);
  });

  it("fails with UNAVAILABLE when no peer answers within the deadline, and stays failed", async () => {
    // peers that take the connection and never answer
    const peers = [
      { id: A, address: await silentPort() },
      { id: B, address: await silentPort() },
    ];
    client = new RatisClient({ groupId: GROUP, peers, leaderId: A, retryBaseMs: 20, retryMaxMs: 50, requestTimeoutMs: 250, deadlineMs: 600 });
    const t0 = Date.now();
    const err = await client.send(Buffer.from("a")).catch((e: unknown) => e);
    const took = Date.now() - t0;
    expect(err).toBeInstanceOf(RatisError);
    expect((err as RatisError).failure).toBe("UNAVAILABLE");
    expect(took).toBeGreaterThanOrEqual(600);
    expect(took).toBeLessThan(3_000);
    const mapped = mapRatisError(err);
    expect(mapped).toBeInstanceOf(StorageError);
    expect((mapped as StorageError).kind).toBe("UNAVAILABLE");
    await expect(client.send(Buffer.from("b"))).rejects.toBe(err);
  });

  it("fails with UNAVAILABLE at once, not at the deadline, when every peer refuses the connection (no datanode of the group runs)", async () => {
    // a RATIS/ONE pipeline whose datanode is stopped: SCM takes minutes to notice and keeps handing it out
    const one = [{ id: A, address: await closedPort() }];
    client = new RatisClient({ groupId: GROUP, peers: one, leaderId: A, retryBaseMs: 20, retryMaxMs: 200, requestTimeoutMs: 30_000, deadlineMs: 60_000 });
    let t0 = Date.now();
    const err = await client.send(Buffer.from("a")).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(RatisError);
    expect((err as RatisError).failure).toBe("UNAVAILABLE");
    expect((err as RatisError).message).toContain("no peer accepts a connection");
    expect((mapRatisError(err) as StorageError).kind).toBe("UNAVAILABLE");
    await expect(client.send(Buffer.from("b"))).rejects.toBe(err);
    client.close();
    // three peers, none running: each is tried once, then the same
    const three = [
      { id: A, address: await closedPort() },
      { id: B, address: await closedPort() },
      { id: C, address: await closedPort() },
    ];
    client = new RatisClient({ groupId: GROUP, peers: three, leaderId: A, retryBaseMs: 20, retryMaxMs: 200, requestTimeoutMs: 30_000, deadlineMs: 60_000 });
    t0 = Date.now();
    const all = await client.send(Buffer.from("a")).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((all as RatisError).message).toContain("no peer accepts a connection");
  });

  it("goes past a peer that refuses the connection to one that runs", async () => {
    const g = await startGroup(B);
    const refusing = await closedPort();
    const peers = g.peers().map((p) => (p.id === A ? { id: A, address: refusing } : p));
    client = new RatisClient({ groupId: GROUP, peers, leaderId: A, retryBaseMs: 20, retryMaxMs: 200, requestTimeoutMs: 2_000, deadlineMs: 5_000 });
    const reply = await client.send(Buffer.from("past"));
    expect(text(reply.content)).toBe("ok:past");
    expect(ordered(g).every((r) => r.peer !== A)).toBe(true);
  });

  it("times out a request that gets no answer, and retries it elsewhere", async () => {
    const g = await startGroup(A);
    let held = 1;
    g.script = (r) => (r.peer === A && held-- > 0 ? { kind: "hold" } : { kind: "default" });
    const c = newClient(g, { requestTimeoutMs: 150 });
    const reply = await c.send(Buffer.from("slow"));
    expect(text(reply.content)).toBe("ok:slow");
    expect(ordered(g).map((r) => r.peer)).toEqual([A, B, A]); // timed out at A, B names A
    expect(g.streams[0]!.cancelled).toBe(true);
    expect(g.log).toHaveLength(1);
  });
});

describe("ratis client: watch for commit", () => {
  it("watches ALL_COMMITTED on the unordered stream; when that times out, accepts MAJORITY_COMMITTED and reports the peer behind", async () => {
    const g = await startGroup(A);
    g.script = (r) => {
      if (r.kind !== "unordered") return { kind: "default" };
      return r.request.watch.replication === "ALL_COMMITTED" ? { kind: "hold" } : { kind: "watched", commitIndexes: { [A]: 5, [B]: 5, [C]: 2 } };
    };
    const c = newClient(g, { watchTimeoutMs: 150 });
    const t0 = Date.now();
    const result = await c.watchForCommit(5);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(result).toEqual({ index: 5, failedPeers: [C] });
    const watches = g.received.filter((r) => r.kind === "unordered");
    expect(watches.map((r) => [r.peer, r.request.Type, r.request.watch.replication, Number(r.request.watch.index)])).toEqual([
      [A, "watch", "ALL_COMMITTED", 5],
      [A, "watch", "MAJORITY_COMMITTED", 5],
    ]);
    expect(watches.every((r) => r.request.rpcRequest.slidingWindowEntry === undefined && r.request.message === undefined)).toBe(true);
    expect(watches[0]!.callId).not.toBe(watches[1]!.callId);
    expect(ordered(g)).toHaveLength(0);
  });

  it("takes the peers behind from NotReplicatedException's commit infos, without a second watch", async () => {
    const g = await startGroup(A);
    g.script = (r) => (r.kind === "unordered" ? { kind: "notReplicated", commitIndexes: { [A]: 9, [B]: 3, [C]: 9 } } : { kind: "default" });
    const c = newClient(g);
    expect(await c.watchForCommit(9)).toEqual({ index: 9, failedPeers: [B] });
    expect(g.received.filter((r) => r.kind === "unordered")).toHaveLength(1);
  });

  it("once a peer was found behind, watches at MAJORITY_COMMITTED: no wait for the dead peer at every commit point", async () => {
    const g = await startGroup(A);
    // C stopped answering: an ALL_COMMITTED watch is never satisfied (here: answered NotReplicated)
    g.script = (r) =>
      r.kind === "unordered" && r.request.watch.replication === "ALL_COMMITTED" ? { kind: "notReplicated", commitIndexes: { [A]: 9, [B]: 9, [C]: 1 } } : { kind: "default" };
    const c = newClient(g);
    expect(await c.watchForCommit(9)).toEqual({ index: 9, failedPeers: [C] });
    expect(await c.watchForCommit(12)).toEqual({ index: 12, failedPeers: [] });
    expect(g.received.filter((r) => r.kind === "unordered").map((r) => [r.request.watch.replication, Number(r.request.watch.index)])).toEqual([
      ["ALL_COMMITTED", 9],
      ["MAJORITY_COMMITTED", 12],
    ]);
  });

  it("starts at MAJORITY_COMMITTED for peers another client found behind, reports them to every watch while they stay behind, and tells of peers it finds behind", async () => {
    const g = await startGroup(A);
    g.script = (r) => (r.kind === "unordered" ? { kind: "watched", commitIndexes: { [A]: 20, [B]: 20, [C]: 1 } } : { kind: "default" });
    const c = newClient(g, { behind: [C, "not-a-member"] });
    expect(await c.watchForCommit(9)).toEqual({ index: 9, failedPeers: [C] });
    // the client is shared by the blocks of the pipeline: each watcher hears of the peer behind (its key avoids it)
    expect(await c.watchForCommit(12)).toEqual({ index: 12, failedPeers: [C] });
    expect(g.received.filter((r) => r.kind === "unordered").map((r) => r.request.watch.replication)).toEqual(["MAJORITY_COMMITTED", "MAJORITY_COMMITTED"]);
    expect(c.behindSince).toBeTypeOf("number");
    c.close();

    const told: string[][] = [];
    g.script = (r) => (r.kind === "unordered" ? { kind: "notReplicated", commitIndexes: { [A]: 9, [B]: 2, [C]: 9 } } : { kind: "default" });
    const fresh = newClient(g, { onBehind: (peers) => told.push(peers) });
    expect(await fresh.watchForCommit(9)).toEqual({ index: 9, failedPeers: [B] });
    expect(told).toEqual([[B]]);
  });

  it("takes a follower's commit index -1 (2^64-1 on the wire, a restarted peer) as behind, without failing", async () => {
    const g = await startGroup(A);
    g.unknownCommitIndex.add(C);
    g.script = (r) =>
      r.kind === "unordered" && r.request.watch.replication === "ALL_COMMITTED" ? { kind: "notReplicated", commitIndexes: { [A]: 2, [B]: 2 } } : { kind: "default" };
    const c = newClient(g);
    await c.send(Buffer.from("a"));
    const { logIndex } = await c.send(Buffer.from("b"));
    expect(c.replicatedMinCommitIndex()).toBe(-1);
    expect(await c.watchForCommit(logIndex)).toEqual({ index: 2, failedPeers: [C] });
  });

  it("answers at once when the replies already showed every peer past the index", async () => {
    const g = await startGroup(A);
    const c = newClient(g);
    await c.send(Buffer.from("a"));
    const { logIndex } = await c.send(Buffer.from("b"));
    expect(c.replicatedMinCommitIndex()).toBe(2);
    expect(await c.watchForCommit(logIndex)).toEqual({ index: 2, failedPeers: [] });
    expect(g.received.filter((r) => r.kind === "unordered")).toHaveLength(0);
    // a higher index needs a watch: answered ALL_COMMITTED
    expect(await c.watchForCommit(3)).toEqual({ index: 3, failedPeers: [] });
    expect(g.received.filter((r) => r.kind === "unordered").map((r) => r.request.watch.replication)).toEqual(["ALL_COMMITTED"]);
  });

  it("retries a watch whose stream broke on a new stream, with the same call id", async () => {
    const g = await startGroup(A);
    let broken = 1;
    g.script = (r) => (r.kind === "unordered" && broken-- > 0 ? { kind: "streamError", exceptionType: "java.io.IOException" } : { kind: "default" });
    const c = newClient(g);
    const reply = await c.watch(4, "ALL_COMMITTED");
    expect(reply.logIndex).toBe(4);
    expect(reply.replierId).toBe(A);
    const watches = g.received.filter((r) => r.kind === "unordered");
    // broken at A -> the next peer (B), which names A
    expect(watches.map((r) => r.peer)).toEqual([A, B, A]);
    expect(new Set(watches.map((r) => r.callId)).size).toBe(1);
    expect(new Set(watches.map((r) => r.stream)).size).toBe(3);
  });

  it("follows a watch to the leader and waits out a not-ready leader", async () => {
    const g = await startGroup(B);
    let notReady = 1;
    g.script = (r) => (r.kind === "unordered" && r.peer === B && notReady-- > 0 ? { kind: "leaderNotReady" } : { kind: "default" });
    const c = newClient(g);
    const reply = await c.watch(0, "MAJORITY_COMMITTED");
    expect(reply.replierId).toBe(B);
    const watches = g.received.filter((r) => r.kind === "unordered");
    expect(watches.map((r) => r.peer)).toEqual([A, B, B]);
    expect(new Set(watches.map((r) => r.callId)).size).toBe(1); // one watch, retried
  });
});

describe("ratis client: close", () => {
  it("fails what is pending, cancels its streams and leaves no timer behind", async () => {
    const g = await startGroup(A);
    g.script = (r) => (r.kind === "ordered" && r.seqNum === 2 ? { kind: "hold" } : r.kind === "unordered" ? { kind: "hold" } : { kind: "default" });
    const before = timeouts();
    const channels = new RatisChannels();
    const c = newClient(g, { channels });
    await c.send(Buffer.from("done"));
    const pending = c.send(Buffer.from("held")).catch((e: unknown) => e);
    const watch = c.watch(1, "ALL_COMMITTED").catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    expect(timeouts()).toBeGreaterThan(before);
    c.close();
    expect(await pending).toMatchObject({ failure: "CLOSED" });
    expect(await watch).toMatchObject({ failure: "CLOSED" });
    await expect(c.send(Buffer.from("late"))).rejects.toMatchObject({ failure: "CLOSED" });
    expect(timeouts()).toBeLessThanOrEqual(before);
    await new Promise((r) => setTimeout(r, 100));
    expect(g.streams.map((s) => [s.kind, s.cancelled])).toEqual([["ordered", true], ["unordered", true]]);
    channels.close();
  });
});

describe("ratis client: the group of an OM pipeline", () => {
  const member = (uuid: string, ip: string, ratis?: number) => ({
    uuid,
    ipAddress: ip,
    hostName: "dn",
    ports: [{ name: "STANDALONE", value: 9859 }, { name: "RATIS_SERVER", value: 9856 }, ...(ratis ? [{ name: "RATIS", value: ratis }] : [])],
  });

  it("takes the pipeline id, each member's RATIS port and the named leader", () => {
    const pipeline = {
      id: { id: GROUP },
      type: "RATIS",
      factor: "THREE",
      leaderID: B,
      members: [member(A, "10.0.0.1", 9858), member(B, "10.0.0.2", 9858), member(C, "::1", 19858)],
    };
    expect(ratisGroupOf(pipeline)).toEqual({
      groupId: GROUP,
      peers: [
        { id: A, address: "10.0.0.1:9858" },
        { id: B, address: "10.0.0.2:9858" },
        { id: C, address: "[::1]:19858" },
      ],
      leaderId: B,
    });
  });

  it("reads 128-bit ids when the strings are absent, and leaves out an unknown or empty leader", () => {
    // -6917529027641081856 is 0xa000000000000000 as a signed 64-bit number
    const uuid128 = { mostSigBits: "-6917529027641081856", leastSigBits: "1" };
    const pipeline = {
      id: { uuid128 },
      leaderID: "",
      members: [{ uuid128: { mostSigBits: "1", leastSigBits: "2" }, ipAddress: "h", hostName: "h", ports: [{ name: "RATIS", value: 1 }] }, member(C, "h3")],
    };
    expect(ratisGroupOf(pipeline)).toEqual({
      groupId: "a0000000-0000-0000-0000-000000000001",
      peers: [{ id: "00000000-0000-0001-0000-000000000002", address: "h:1" }],
    });
    expect(ratisGroupOf({ id: { id: GROUP }, leaderID: "not-a-member", members: [member(A, "h", 1)] }).leaderId).toBeUndefined();
    expect(() => ratisGroupOf({ members: [] })).toThrow(/no id/);
  });
});
