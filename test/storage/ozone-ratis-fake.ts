/**
 * A fake Ratis group for tests: grpc-js servers speaking Ratis' RaftClientProtocolService with our
 * codec. It does what a Ratis 3.2.1 server does with a client's streams: per ordered stream, a
 * sliding window that starts at the request flagged isFirst and processes requests strictly in
 * sequence order; a retry cache keyed by client id + call id (a retry is answered from it, not
 * applied again); not-leader and not-ready answers; watches on the unordered stream. A test
 * scripts deviations per request (`script`) and the state machine's answer (`respond`).
 * Needs no Ozone cluster.
 */
import * as grpc from "@grpc/grpc-js";
import { decodeMessage, encodeMessage, ozoneProto, RATIS_ORDERED_PATH, RATIS_UNORDERED_PATH } from "../../runtime/storage/ozone/proto/index.js";
import { unframeContainerCommand } from "../../runtime/storage/ozone/ratis-framing.js";

export type Msg = Record<string, any>;

export const GROUP = "6f0d7a0e-0000-4000-8000-00000000a001";
export const GROUP_BYTES = Buffer.from(GROUP.replace(/-/g, ""), "hex");
export const [A, B, C] = ["aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002", "cccccccc-0000-4000-8000-000000000003"];

/** What a peer does with one request it processes (default: what a Ratis server would). */
export type Action =
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

export interface Received {
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

export class FakeRatisGroup {
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

  private readonly groupBytes: Buffer;

  constructor(
    leader: string,
    readonly groupId: string = GROUP,
  ) {
    this.leader = leader;
    this.groupBytes = Buffer.from(groupId.replace(/-/g, ""), "hex");
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

  /** followers' commit indexes lag the log by this many entries in write replies (a watch then has to wait) */
  followerLag = 0;
  /** awaited before a watch is answered (a test holds watches with it) */
  beforeWatchReply: () => Promise<void> = async () => {};

  /** peers the leader reports with commit index -1 (2^64-1 on the wire): not heard from since it started */
  readonly unknownCommitIndex = new Set<string>();

  commitInfos(indexes?: Record<string, number>): Msg[] {
    return [...this.addresses.keys()].map((id) => ({
      server: { id: Buffer.from(id), clientAddress: this.addresses.get(id) },
      commitIndex: this.unknownCommitIndex.has(id)
        ? "18446744073709551615"
        : (indexes?.[id] ?? (id === this.leader ? this.log.length : Math.max(0, this.log.length - this.followerLag))),
    }));
  }

  peerProto(id: string): Msg {
    return { id: Buffer.from(id), address: "server-port-not-for-clients:1", clientAddress: this.addresses.get(id) };
  }

  reply(r: Received, extra: Msg, success: boolean): Buffer {
    const rpc = r.request.rpcRequest;
    return encodeMessage(ozoneProto.RaftClientReplyProto, {
      rpcReply: { requestorId: rpc.requestorId, replyId: Buffer.from(r.peer), raftGroupId: { id: this.groupBytes }, callId: r.callId, success },
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
      send(this.reply(r, { leaderNotReadyException: { serverId: { peerId: Buffer.from(peer), groupId: { id: this.groupBytes } } } }, false));
      return false;
    }
    if (action.kind === "stateMachine") {
      send(this.reply(r, { stateMachineException: { exceptionClassName: action.className, errorMsg: action.message } }, false));
      return false;
    }
    if (action.kind === "hold") return false;
    if (r.request.watch !== undefined) {
      // a watch in the window (Ratis' client opens it with one for index 0): answered from the
      // commit state, no log entry (RaftServerImpl.submitClientRequestAsync -> watchAsync)
      send(this.reply(r, { logIndex: Number(r.request.watch.index ?? 0), commitInfos: this.commitInfos() }, true));
      return false;
    }
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
    call.on("data", async (bytes: Buffer) => {
      const r = this.record(peer, rec.id, "unordered", bytes);
      const action = this.script(r);
      await this.beforeWatchReply();
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

/**
 * A datanode's container state machine behind the fake group: applies framed WriteChunk and
 * PutBlock commands (ratis-framing.ts) to blocks, answers ContainerCommandResponseProto as
 * ContainerStateMachine.applyTransaction does (PutBlock: the block's commit sequence id = the
 * entry's log index).
 */
export class FakeContainers {
  /** chunk bytes by block ("container/localID"), in the order applied */
  readonly chunks = new Map<string, { offset: number; data: Buffer }[]>();
  /** the size each block's last PutBlock stated */
  readonly committed = new Map<string, number>();
  /** commands applied, as "WriteChunk 101/1 @0+4096" / "PutBlock 101/1 size=8192 eof" */
  readonly applied: string[] = [];

  attach(g: FakeRatisGroup): void {
    g.respond = (content, logIndex) => this.apply(unframeContainerCommand(content) as Msg, logIndex);
  }

  private apply(cmd: Msg, logIndex: number): Buffer {
    if (cmd.cmdType === "WriteChunk") {
      const id = `${cmd.writeChunk.blockID.containerID}/${cmd.writeChunk.blockID.localID}`;
      const offset = Number(cmd.writeChunk.chunkData.offset);
      const data = Buffer.from(cmd.writeChunk.data);
      (this.chunks.get(id) ?? this.chunks.set(id, []).get(id)!).push({ offset, data });
      this.applied.push(`WriteChunk ${id} @${offset}+${data.length}`);
      return encodeMessage(ozoneProto.ContainerCommandResponseProto, { cmdType: "WriteChunk", result: "SUCCESS", writeChunk: {} });
    }
    const blockData = cmd.putBlock.blockData;
    const id = `${blockData.blockID.containerID}/${blockData.blockID.localID}`;
    this.committed.set(id, Number(blockData.size));
    this.applied.push(`PutBlock ${id} size=${Number(blockData.size)}${cmd.putBlock.eof ? " eof" : ""}`);
    return encodeMessage(ozoneProto.ContainerCommandResponseProto, {
      cmdType: "PutBlock",
      result: "SUCCESS",
      putBlock: { committedBlockLength: { blockID: { ...blockData.blockID, blockCommitSequenceId: logIndex }, blockLength: Number(blockData.size) } },
    });
  }

  /** A block's first `length` bytes, from its chunks (checks they are contiguous). */
  bytes(id: string, length: number): Buffer {
    const parts = this.chunks.get(id) ?? [];
    let at = 0;
    for (const p of parts) {
      if (p.offset !== at) throw new Error(`block ${id}: chunk at ${p.offset}, expected ${at}`);
      at += p.data.length;
    }
    return Buffer.concat(parts.map((p) => p.data)).subarray(0, length);
  }
}

/** The container command a received ordered request carries. */
/** The pipeline an OM KeyLocation names for a fake group (hdds.proto Pipeline), led by A. */
export function pipelineOf(g: FakeRatisGroup): Msg {
  return {
    id: { id: g.groupId },
    type: "RATIS",
    factor: "THREE",
    leaderID: A,
    members: g.peers().map((p) => ({ uuid: p.id, ipAddress: "127.0.0.1", ports: [{ name: "RATIS", value: Number(p.address.split(":")[1]) }] })),
  };
}

export function commandOf(r: Received): Msg | undefined {
  const content = r.request.message?.content as Uint8Array | undefined;
  return content && content.length > 0 ? (unframeContainerCommand(content) as Msg) : undefined;
}
