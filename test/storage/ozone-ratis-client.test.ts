/**
 * The Ratis client (runtime/storage/ozone/ratis-client.ts) against a fake Ratis group: grpc-js
 * servers speaking Ratis' RaftClientProtocolService with our codec. The fake does what a Ratis
 * 3.2.1 server does with a client's streams: per ordered stream, a sliding window that starts at
 * the request flagged isFirst and processes requests strictly in sequence order; a retry cache
 * keyed by client id + call id (a retry is answered from it, not applied again); not-leader and
 * not-ready answers; watches on the unordered stream. Each test scripts a deviation (leader
 * change, reset stream, silent watch...) and checks what the client sent and resolved.
 * Needs no Ozone cluster.
 */
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, ozoneProto, RATIS_ORDERED_PATH, RATIS_UNORDERED_PATH } from "../../runtime/storage/ozone/proto/index.js";
import { decodeContainerReply, frameContainerCommand, unframeContainerCommand } from "../../runtime/storage/ozone/ratis-framing.js";
import { mapRatisError, ratisGroupOf, RatisChannels, RatisClient, RatisError, type RatisClientOptions } from "../../runtime/storage/ozone/ratis-client.js";
import { StorageError } from "../../runtime/storage/types.js";

type Msg = Record<string, any>;

const GROUP = "6f0d7a0e-0000-4000-8000-00000000a001";
const GROUP_BYTES = Buffer.from(GROUP.replace(/-/g, ""), "hex");
const [A, B, C] = ["aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002", "cccccccc-0000-4000-8000-000000000003"];

/** What a peer does with one request it processes (default: what a Ratis server would). */
type Action =
  | { kind: "default" }
  | { kind: "notLeader"; suggest?: string }
  | { kind: "leaderNotReady" }
  | { kind: "stateMachine"; className: string; message: string }
  /** apply it, answer after ms (later requests may be answered first) */
  | { kind: "delay"; ms: number }
  /** never answer */
  | { kind: "hold" }
  /** apply it, then break the stream (no answer) */
  | { kind: "resetAfterApply" }
  /** fail the stream with the Java exception class in the trailers, as GrpcUtil.wrapException does */
  | { kind: "streamError"; exceptionType: string }
  /** watch only: answer NotReplicatedException with these commit indexes */
  | { kind: "notReplicated"; commitIndexes: Record<string, number> }
  /** watch only: answer success with these commit indexes */
  | { kind: "watched"; commitIndexes: Record<string, number> };

interface Received {
  peer: string;
  stream: number;
  kind: "ordered" | "unordered";
  callId: number;
  seqNum: number;
  isFirst: boolean;
  request: Msg;
  /** replies the cluster had sent to ordered requests when this one arrived */
  repliesBefore: number;
}

interface StreamRecord {
  peer: string;
  id: number;
  kind: "ordered" | "unordered";
  cancelled: boolean;
}

class FakeRatisGroup {
  readonly addresses = new Map<string, string>();
  leader: string;
  /** applied entries, in log order */
  readonly log: { clientId: string; callId: number; content: Buffer }[] = [];
  readonly received: Received[] = [];
  readonly streams: StreamRecord[] = [];
  /** retry cache hits */
  readonly cacheHits: number[] = [];
  repliesSent = 0;
  script: (r: Received) => Action = () => ({ kind: "default" });
  /** the state machine's answer to an applied entry */
  respond: (content: Buffer, logIndex: number) => Buffer = (content) => Buffer.concat([Buffer.from("ok:"), content]);
  private readonly cache = new Map<string, { content: Buffer; logIndex: number }>();
  private readonly servers: grpc.Server[] = [];

  constructor(leader: string) {
    this.leader = leader;
  }

  async start(ids: string[]): Promise<void> {
    for (const id of ids) {
      const server = new grpc.Server();
      const method = (path: string) => ({
        path,
        requestStream: true,
        responseStream: true,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      });
      server.addService(
        { ordered: method(RATIS_ORDERED_PATH), unordered: method(RATIS_UNORDERED_PATH) },
        {
          ordered: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => this.ordered(id, call),
          unordered: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => this.unordered(id, call),
        },
      );
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
      );
      this.servers.push(server);
      this.addresses.set(id, `127.0.0.1:${port}`);
    }
  }

  peers(): { id: string; address: string }[] {
    return [...this.addresses].map(([id, address]) => ({ id, address }));
  }

  async stop(): Promise<void> {
    for (const s of this.servers) s.forceShutdown();
  }

  commitInfos(indexes?: Record<string, number>): Msg[] {
    return [...this.addresses.keys()].map((id) => ({
      server: { id: Buffer.from(id), clientAddress: this.addresses.get(id) },
      commitIndex: indexes?.[id] ?? this.log.length,
    }));
  }

  peerProto(id: string): Msg {
    return { id: Buffer.from(id), address: "server-port-not-for-clients:1", clientAddress: this.addresses.get(id) };
  }

  reply(r: Received, extra: Msg, success: boolean): Buffer {
    const rpc = r.request.rpcRequest;
    return encodeMessage(ozoneProto.RaftClientReplyProto, {
      rpcReply: { requestorId: rpc.requestorId, replyId: Buffer.from(r.peer), raftGroupId: { id: GROUP_BYTES }, callId: r.callId, success },
      ...extra,
    });
  }

  private record(peer: string, stream: number, kind: "ordered" | "unordered", bytes: Buffer): Received {
    const request = decodeMessage(ozoneProto.RaftClientRequestProto, bytes) as Msg;
    const w = request.rpcRequest.slidingWindowEntry ?? {};
    const r: Received = {
      peer,
      stream,
      kind,
      callId: Number(request.rpcRequest.callId ?? 0),
      seqNum: Number(w.seqNum ?? 0),
      isFirst: w.isFirst === true,
      request,
      repliesBefore: this.repliesSent,
    };
    this.received.push(r);
    return r;
  }

  private trackStream(peer: string, kind: "ordered" | "unordered", call: grpc.ServerDuplexStream<Buffer, Buffer>): StreamRecord {
    const rec: StreamRecord = { peer, id: this.streams.length, kind, cancelled: false };
    this.streams.push(rec);
    call.on("cancelled", () => (rec.cancelled = true));
    call.on("error", () => {});
    return rec;
  }

  private ordered(peer: string, call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
    const rec = this.trackStream(peer, "ordered", call);
    // SlidingWindow.Server: starts at the first request, processes in sequence order
    let nextToProcess = -1;
    const queue = new Map<number, Received>();
    let broken = false;
    call.on("data", (bytes: Buffer) => {
      if (broken) return;
      const r = this.record(peer, rec.id, "ordered", bytes);
      if (nextToProcess === -1 && (r.isFirst || r.seqNum === 0)) nextToProcess = r.seqNum;
      if (queue.has(r.seqNum)) return;
      queue.set(r.seqNum, r);
      while (!broken && queue.has(nextToProcess)) {
        const next = queue.get(nextToProcess)!;
        queue.delete(nextToProcess);
        nextToProcess++;
        broken = this.process(peer, next, call);
      }
    });
    call.on("end", () => call.end());
  }

  /** Returns true when the stream was broken. */
  private process(peer: string, r: Received, call: grpc.ServerDuplexStream<Buffer, Buffer>): boolean {
    const action = this.script(r);
    const send = (b: Buffer) => {
      this.repliesSent++;
      call.write(b);
    };
    if (action.kind === "streamError") {
      const metadata = new grpc.Metadata();
      metadata.set("exception-type", action.exceptionType);
      call.emit("error", { code: grpc.status.INTERNAL, details: "scripted", metadata });
      return true;
    }
    if (action.kind === "notLeader" || (action.kind === "default" && peer !== this.leader)) {
      const suggest = action.kind === "notLeader" ? action.suggest : this.leader;
      send(this.reply(r, { notLeaderException: { ...(suggest ? { suggestedLeader: this.peerProto(suggest) } : {}), peersInConf: [...this.addresses.keys()].map((id) => this.peerProto(id)) } }, false));
      return false;
    }
    if (action.kind === "leaderNotReady") {
      send(this.reply(r, { leaderNotReadyException: { serverId: { peerId: Buffer.from(peer), groupId: { id: GROUP_BYTES } } } }, false));
      return false;
    }
    if (action.kind === "stateMachine") {
      send(this.reply(r, { stateMachineException: { exceptionClassName: action.className, errorMsg: action.message } }, false));
      return false;
    }
    if (action.kind === "hold") return false;
    const applied = this.apply(r);
    const answer = this.reply(r, { message: { content: applied.content }, logIndex: applied.logIndex, commitInfos: this.commitInfos() }, true);
    if (action.kind === "resetAfterApply") {
      call.emit("error", { code: grpc.status.UNAVAILABLE, details: "connection reset (scripted)" });
      return true;
    }
    if (action.kind === "delay") setTimeout(() => send(answer), action.ms);
    else send(answer);
    return false;
  }

  /** The retry cache: a (client id, call id) seen before is answered as before, not applied again. */
  private apply(r: Received): { content: Buffer; logIndex: number } {
    const clientId = Buffer.from(r.request.rpcRequest.requestorId).toString("hex");
    const key = `${clientId}:${r.callId}`;
    const cached = this.cache.get(key);
    if (cached) {
      this.cacheHits.push(r.callId);
      return cached;
    }
    const content = Buffer.from(r.request.message?.content ?? []);
    this.log.push({ clientId, callId: r.callId, content });
    const entry = { content: this.respond(content, this.log.length), logIndex: this.log.length };
    this.cache.set(key, entry);
    return entry;
  }

  private unordered(peer: string, call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
    const rec = this.trackStream(peer, "unordered", call);
    call.on("data", (bytes: Buffer) => {
      const r = this.record(peer, rec.id, "unordered", bytes);
      const action = this.script(r);
      const index = Number(r.request.watch?.index ?? 0);
      if (action.kind === "hold") return;
      if (action.kind === "streamError") {
        const metadata = new grpc.Metadata();
        metadata.set("exception-type", action.exceptionType);
        call.emit("error", { code: grpc.status.INTERNAL, details: "scripted", metadata });
        return;
      }
      if (action.kind === "notLeader" || (action.kind === "default" && peer !== this.leader)) {
        const suggest = action.kind === "notLeader" ? action.suggest : this.leader;
        call.write(this.reply(r, { notLeaderException: suggest ? { suggestedLeader: this.peerProto(suggest) } : {} }, false));
      } else if (action.kind === "leaderNotReady") {
        call.write(this.reply(r, { leaderNotReadyException: { serverId: { peerId: Buffer.from(peer) } } }, false));
      } else if (action.kind === "notReplicated") {
        const level = r.request.watch?.replication ?? "MAJORITY";
        call.write(this.reply(r, { notReplicatedException: { callId: r.callId, replication: level, logIndex: index }, logIndex: index, commitInfos: this.commitInfos(action.commitIndexes) }, false));
      } else {
        // a watch answered success: every peer has committed the index
        const all = Object.fromEntries([...this.addresses.keys()].map((id) => [id, Math.max(index, this.log.length)]));
        const infos = this.commitInfos(action.kind === "watched" ? action.commitIndexes : all);
        call.write(this.reply(r, { logIndex: index, commitInfos: infos }, true));
      }
    });
    call.on("end", () => call.end());
  }
}

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
    // every answer comes 40 ms late: what arrived before an answer was sent without waiting for it
    g.script = () => ({ kind: "delay", ms: 40 });
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
    const peers = [
      { id: A, address: await closedPort() },
      { id: B, address: await closedPort() },
    ];
    client = new RatisClient({ groupId: GROUP, peers, leaderId: A, retryBaseMs: 20, retryMaxMs: 50, requestTimeoutMs: 500, deadlineMs: 600 });
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
