/**
 * A client of one Ratis group (an Ozone RATIS pipeline) over Ratis' gRPC client protocol, the way
 * Apache Ratis 3.2.1's own client (the one Ozone 2.2.0's XceiverClientRatis uses) talks to it.
 * Sources are in apache/ratis at tag ratis-3.2.1 unless they name apache/ozone; see
 * docs/ozone-backend-notes.md "Writing through Ratis".
 *
 * Writes go on the `ordered` stream of the leader (ratis-grpc GrpcClientProtocolClient), inside a
 * sliding window (ratis-common util/SlidingWindow.java):
 * - every request has a call id (unique for this client id; the server's retry cache is keyed by
 *   client id + call id, so a retry keeps its call id and is applied at most once) and a sequence
 *   number 1, 2, 3...;
 * - on a fresh stream, the lowest unanswered request goes first, flagged `isFirst`, and nothing
 *   else is sent until it is answered: the server's window starts from that request and processes
 *   the rest strictly in sequence order (SlidingWindow.Server.receivedRequest);
 * - a request sent again on the same stream would never be processed (the server's window has
 *   moved past it), so every retry goes on a new stream, starting again with `isFirst`.
 * Leader discovery: start at the pipeline's leader; NotLeaderException names the leader to go to
 * (at once); no name, a broken stream or a timeout moves to the next peer after a back-off;
 * LeaderNotReadyException stays with the peer after a back-off (RaftClientImpl.handleIOException,
 * OrderedAsync.handleException). A request that is not answered by its deadline fails, and with it
 * every later request: the window is closed for good (SlidingWindow.Client.fail), as the order of
 * the requests of a block is its content. So does one once every peer in turn refused the
 * connection (no datanode of the group runs): the writer then moves the block to another pipeline
 * at once instead of after the deadline.
 *
 * Watches go on the `unordered` stream, outside the window (AsyncImpl.watch -> UnorderedAsync);
 * replies there are matched by call id. watchForCommit() is Ozone's XceiverClientRatis
 * .watchForCommit: ALL_COMMITTED, and when that fails, the datanodes behind are reported and the
 * index is accepted at MAJORITY_COMMITTED (and, unlike Ozone's, later watches of this client go
 * to MAJORITY_COMMITTED directly: see watchForCommit).
 */
import type { DuplexCall, GrpcCallError } from "./grpc-h2.js";
import { decodeRatisReply, encodeRatisRequest, encodeRatisRequestWithContent, RATIS_ORDERED_PATH, RATIS_UNORDERED_PATH, type OzoneMessage } from "./proto/index.js";
import { CommitIndexes } from "./ratis-commit-index.js";
import { commitInfosOf, newClientId, replyException, u64, uuidBytes } from "./ratis-replies.js";
import {
  GROUP_MISMATCH_EXCEPTION,
  RESOURCE_UNAVAILABLE_EXCEPTION,
  RatisError,
  RatisChannels,
  type RatisClientOptions,
  type RatisPeer,
  type RatisReply,
  type ReplicationLevel,
  type WatchResult,
} from "./ratis-group.js";

// the options live beside the group's other types; importers of the client find them here too
export type { RatisClientOptions } from "./ratis-group.js";

/** An ordered request of the sliding window. */
interface OrderedCall {
  callId: number;
  seqNum: number;
  /** the priming watch (primeWindow): a watch request, not a write */
  prime?: boolean;
  /** the message content, in parts (sent as one; kept for a resend) */
  content: readonly Buffer[];
  replication: ReplicationLevel;
  repliedCallIds: number[];
  createdAt: number;
  sent: boolean;
  timer?: NodeJS.Timeout;
  resolve(r: RatisReply): void;
  reject(e: Error): void;
}

interface Stream {
  call: DuplexCall;
  peerId: string;
}

interface PendingWatch {
  callId: number;
  index: number;
  level: ReplicationLevel;
  createdAt: number;
  attempts: number;
  peerId?: string;
  timer?: NodeJS.Timeout;
  resolve(r: RatisReply): void;
  reject(e: Error): void;
}

/** How an attempt ended, when it did not end with an answer for the request. */
interface AttemptFailure {
  error: RatisError;
  /** the peer to go to next; undefined: the next one after the current */
  leader?: string;
  /** stay with the same peer (LeaderNotReady) */
  sameLeader?: boolean;
  /** retry at once (a leader was named) */
  immediate?: boolean;
  /** do not retry (GroupMismatch) */
  terminal?: boolean;
  /** the peer accepted no connection: nothing listens there (its datanode is down) */
  unreachable?: boolean;
}

export class RatisClient {
  /** this client's id (16 bytes): with a call id, what the servers' retry cache recognises a retry by */
  readonly clientId: Buffer = newClientId();
  private readonly groupIdBytes: Buffer;
  private readonly peers: RatisPeer[];
  private leader: string;
  private readonly channels: RatisChannels;
  private readonly ownChannels: boolean;
  private readonly requestTimeoutMs: number;
  private readonly watchTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly watchLevel: "ALL_COMMITTED" | "MAJORITY_COMMITTED";
  private readonly now: () => number;

  private nextCallId = 1;
  private closed = false;

  // ordered requests (the sliding window)
  private nextSeqNum = 1;
  /** unanswered requests by sequence number, in sequence order */
  private readonly window = new Map<number, OrderedCall>();
  private firstSeqNum = -1;
  private firstReplied = false;
  private ordered: Stream | undefined;
  private orderedRetry: NodeJS.Timeout | undefined;
  private orderedFailures = 0;
  /** once set, the window is closed: every request fails with it */
  private broken: RatisError | undefined;
  /** write call ids answered since the last new request: the next request tells the leader (it may forget them) */
  private replied: number[] = [];
  /** peers that accepted no connection since the last answer; all of them: no peer runs, nothing to wait for */
  private readonly unreachable = new Set<string>();

  // watches
  private readonly watches = new Map<number, PendingWatch>();
  private readonly unordered = new Map<string, Stream>();
  private readonly watchRetries = new Set<NodeJS.Timeout>();

  /** the peers' commit indexes, and the peers found behind (from then on: MAJORITY_COMMITTED watches) */
  private readonly commits: CommitIndexes;
  private primeWindow: boolean;

  constructor(opts: RatisClientOptions) {
    if (opts.peers.length === 0) throw new TypeError("a Ratis group needs at least one peer");
    this.groupIdBytes = uuidBytes(opts.groupId);
    this.peers = opts.peers.map((p) => ({ ...p }));
    this.leader = opts.leaderId !== undefined && this.peers.some((p) => p.id === opts.leaderId) ? opts.leaderId : this.peers[0]!.id;
    this.ownChannels = opts.channels === undefined;
    this.channels = opts.channels ?? new RatisChannels();
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.watchTimeoutMs = opts.watchTimeoutMs ?? 180_000;
    this.deadlineMs = opts.deadlineMs ?? 300_000;
    this.retryBaseMs = opts.retryBaseMs ?? 200;
    this.retryMaxMs = opts.retryMaxMs ?? 5_000;
    this.watchLevel = opts.watchLevel ?? "ALL_COMMITTED";
    this.now = opts.now ?? Date.now;
    this.commits = new CommitIndexes(
      this.peers.map((p) => p.id),
      this.now,
      opts.behind,
      opts.onBehind,
    );
    this.primeWindow = opts.primeWindow ?? false;
  }

  /** The peer requests go to now. */
  get leaderId(): string {
    return this.leader;
  }

  /** Takes requests: not closed, and its window not broken for good. */
  get usable(): boolean {
    return !this.closed && this.broken === undefined;
  }

  /** Since when this client knows a peer behind (and watches at MAJORITY_COMMITTED); undefined: none. */
  get behindSince(): number | undefined {
    return this.commits.behindSince;
  }

  /**
   * Submits a write (ordered, after every earlier one). Resolves with the state machine's reply.
   * `content` may come in parts (framing's header and a chunk's bytes, not copied): they are sent
   * as one message, and must not change until the promise settles.
   */
  send(content: Buffer | readonly Buffer[], replication: ReplicationLevel = "MAJORITY"): Promise<RatisReply> {
    if (this.closed) return Promise.reject(new RatisError("Ratis client closed", "CLOSED"));
    if (this.broken) return Promise.reject(this.broken);
    if (this.primeWindow) {
      this.primeWindow = false;
      // its answer matters to nobody; its failure fails the writes behind it (the window's rule)
      this.enqueue([], "MAJORITY", true).catch(() => {});
    }
    return this.enqueue(Buffer.isBuffer(content) ? [content] : content, replication, false);
  }

  private enqueue(content: readonly Buffer[], replication: ReplicationLevel, prime: boolean): Promise<RatisReply> {
    return new Promise<RatisReply>((resolve, reject) => {
      const call: OrderedCall = {
        callId: this.nextCallId++,
        seqNum: this.nextSeqNum++,
        ...(prime ? { prime } : {}),
        content,
        replication,
        repliedCallIds: this.replied.splice(0),
        createdAt: this.now(),
        sent: false,
        resolve,
        reject,
      };
      this.window.set(call.seqNum, call);
      this.pump();
    });
  }

  /** Waits until the log index is committed at `level` (one watch request, retried across leaders). */
  watch(index: number, level: ReplicationLevel): Promise<RatisReply> {
    if (this.closed) return Promise.reject(new RatisError("Ratis client closed", "CLOSED"));
    return new Promise<RatisReply>((resolve, reject) => {
      const w: PendingWatch = { callId: this.nextCallId++, index, level, createdAt: this.now(), attempts: 0, resolve, reject };
      this.watches.set(w.callId, w);
      this.sendWatch(w);
    });
  }

  /**
   * Ozone's watchForCommit: done at once when every known peer has reported the index committed;
   * else watch at the configured level; when ALL_COMMITTED fails (a follower is behind or down),
   * the peers behind become `failedPeers` and the index counts as committed by the majority —
   * from the NotReplicatedException's commit infos, or else from a MAJORITY_COMMITTED watch.
   */
  async watchForCommit(index: number): Promise<WatchResult> {
    const known = this.replicatedMinCommitIndex();
    if (known >= index) return { index: known, failedPeers: [] };
    if (this.commits.anyBehind) {
      // A peer is known behind (down, most likely): an ALL_COMMITTED watch would wait out the
      // server's watch timeout (30 s) at every commit point, as Ozone's client does; S3 clients
      // give up on a silent request after about 60 s. The majority is what the first failed
      // watch accepted too.
      const reply = await this.watch(index, "MAJORITY_COMMITTED");
      // still behind: reported to every watcher (the client is shared by the blocks of a pipeline),
      // for its key's next allocation to avoid them
      const failedPeers = reply.commitInfos.filter((i) => this.commits.isBehind(i.peerId) && i.commitIndex < index).map((i) => i.peerId);
      return { index, failedPeers };
    }
    try {
      const reply = await this.watch(index, this.watchLevel);
      const updated = this.commits.update(reply.commitInfos, this.watchLevel);
      if (updated < index) throw new RatisError(`watch for ${index} answered with commit index ${updated}`, "REPLY_EXCEPTION");
      return { index: updated, failedPeers: [] };
    } catch (err) {
      if (!(err instanceof RatisError) || this.watchLevel !== "ALL_COMMITTED" || err.failure === "GROUP_MISMATCH" || err.failure === "CLOSED") throw err;
      if (err.failure === "NOT_REPLICATED") return this.commits.failedAllCommit(index, err.commitInfos);
      const reply = await this.watch(index, "MAJORITY_COMMITTED");
      return this.commits.failedAllCommit(index, reply.commitInfos);
    }
  }

  /** The lowest commit index the peers reported (0 before any report). */
  replicatedMinCommitIndex(): number {
    return this.commits.replicatedMin();
  }

  /** Fails whatever is pending, ends the streams and stops every timer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // built only when something waits: a block's client is closed after its last commit point, with
    // nothing pending, and an Error's stack trace costs more than the rest of close()
    let closedError: RatisError | undefined;
    const err = () => (closedError ??= new RatisError("Ratis client closed", "CLOSED"));
    if (this.orderedRetry) clearTimeout(this.orderedRetry);
    this.orderedRetry = undefined;
    for (const t of this.watchRetries) clearTimeout(t);
    this.watchRetries.clear();
    const calls = [...this.window.values()];
    this.window.clear();
    for (const c of calls) {
      if (c.timer) clearTimeout(c.timer);
      c.reject(err());
    }
    const watches = [...this.watches.values()];
    this.watches.clear();
    for (const w of watches) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(err());
    }
    const streams = [this.ordered, ...this.unordered.values()];
    this.ordered = undefined;
    this.unordered.clear();
    for (const s of streams) {
      if (s === undefined) continue;
      // nothing is pending any more: a half-close lets the server finish; cancel does not wait for it
      s.call.end();
      s.call.cancel();
    }
    if (this.ownChannels) this.channels.close();
  }

  // ---- ordered requests ---------------------------------------------------

  private peer(id: string): RatisPeer {
    return this.peers.find((p) => p.id === id) ?? this.peers[0]!;
  }

  private openStream(path: string, peerId: string, onReply: (s: Stream, reply: OzoneMessage) => void, onFailure: (s: Stream, f: AttemptFailure) => void): Stream {
    const stream = {} as Stream;
    stream.peerId = peerId;
    stream.call = this.channels.get(this.peer(peerId).address).duplex(
      path,
      (bytes) => {
        let reply: OzoneMessage;
        try {
          reply = decodeRatisReply(bytes);
        } catch (e) {
          onFailure(stream, { error: new RatisError(`Ratis peer ${peerId}: undecodable reply: ${(e as Error).message}`, "UNAVAILABLE") });
          return;
        }
        try {
          onReply(stream, reply);
        } catch (e) {
          // a reply this client cannot make sense of fails the stream, never the process (this runs in a gRPC callback)
          onFailure(stream, { error: new RatisError(`Ratis peer ${peerId}: unusable reply: ${(e as Error).message}`, "UNAVAILABLE") });
        }
      },
      (e) => {
        // once closed, the streams' ends are close()'s own cancels: nothing to fail (and no error to build)
        if (this.closed) return;
        onFailure(stream, e !== undefined ? this.streamError(peerId, e) : { error: new RatisError(`Ratis peer ${peerId}: stream ended`, "UNAVAILABLE") });
      },
    );
    return stream;
  }

  /** A gRPC error of a stream: the server closes a stream with the Java exception's class in the `exception-type` trailer (ratis-grpc GrpcUtil.wrapException). */
  private streamError(peerId: string, e: GrpcCallError): AttemptFailure {
    const raw = e.metadata?.["exception-type"];
    const cls = Array.isArray(raw) ? raw[0] : raw;
    const error = new RatisError(`Ratis peer ${peerId}: ${cls ? `${cls}: ` : ""}${e.details || e.message}`, cls === GROUP_MISMATCH_EXCEPTION ? "GROUP_MISMATCH" : "UNAVAILABLE", cls);
    return { error, terminal: cls === GROUP_MISMATCH_EXCEPTION, sameLeader: cls === RESOURCE_UNAVAILABLE_EXCEPTION, unreachable: e.unconnected };
  }

  private requestFor(peerId: string, callId: number, extra: OzoneMessage, slidingWindowEntry?: OzoneMessage, repliedCallIds: number[] = [], content?: readonly Buffer[]): Buffer {
    const request = {
      rpcRequest: {
        requestorId: this.clientId,
        replyId: Buffer.from(peerId, "utf8"),
        raftGroupId: { id: this.groupIdBytes },
        callId,
        toLeader: true,
        repliedCallIds,
        ...(slidingWindowEntry ? { slidingWindowEntry } : {}),
      },
      ...extra,
    };
    return content === undefined ? encodeRatisRequest(request) : encodeRatisRequestWithContent(request, content);
  }

  /** Sends what the window allows on the current stream (opening one if needed). */
  private pump(): void {
    if (this.closed || this.broken || this.orderedRetry !== undefined || this.window.size === 0) return;
    const stream = (this.ordered ??= this.openStream(RATIS_ORDERED_PATH, this.leader, (s, r) => this.onOrderedReply(s, r), (s, f) => this.onOrderedFailure(s, f)));
    for (const call of this.window.values()) {
      if (call.sent) continue;
      if (!this.firstReplied) {
        // before the first request of this stream is answered, only it may go
        if (this.firstSeqNum !== -1 || call.seqNum !== this.window.keys().next().value) break;
        this.firstSeqNum = call.seqNum;
      }
      this.transmit(stream, call);
    }
  }

  private transmit(stream: Stream, call: OrderedCall): void {
    const bytes = this.requestFor(
      stream.peerId,
      call.callId,
      // the priming watch: index 0 at MAJORITY, both zero, so an empty oneof member (RaftClientRequest.watchRequestType())
      call.prime ? { watch: {} } : { write: { replication: call.replication } },
      { seqNum: call.seqNum, isFirst: call.seqNum === this.firstSeqNum },
      call.repliedCallIds,
      call.prime ? undefined : call.content,
    );
    call.sent = true;
    // the deadline is checked when an attempt fails: an attempt always gets its full time
    call.timer = setTimeout(() => {
      call.timer = undefined;
      this.onOrderedFailure(stream, { error: new RatisError(`Ratis peer ${stream.peerId}: no reply to call ${call.callId} within ${this.requestTimeoutMs} ms`, "UNAVAILABLE") });
    }, this.requestTimeoutMs);
    stream.call.write(bytes);
  }

  private onOrderedReply(stream: Stream, reply: OzoneMessage): void {
    if (stream !== this.ordered) return; // a stream given up: its late answers are not ours any more
    this.unreachable.clear();
    const rpc = (reply.rpcReply ?? {}) as OzoneMessage;
    const callId = u64(rpc.callId);
    // replies come in window order as a rule: the search ends at the first entries
    let call: OrderedCall | undefined;
    for (const c of this.window.values()) {
      if (c.callId === callId) {
        if (c.sent) call = c;
        break;
      }
    }
    if (call === undefined) return; // not outstanding (a duplicate)
    const nle = reply.notLeaderException as OzoneMessage | undefined;
    if (nle) {
      this.onOrderedFailure(stream, this.notLeader(stream.peerId, nle));
      return;
    }
    if (reply.leaderNotReadyException) {
      this.onOrderedFailure(stream, { error: new RatisError(`Ratis peer ${stream.peerId}: leader not ready`, "UNAVAILABLE"), sameLeader: true });
      return;
    }
    if (call.timer) clearTimeout(call.timer);
    this.window.delete(call.seqNum);
    if (call.seqNum === this.firstSeqNum) this.firstReplied = true;
    this.orderedFailures = 0;
    this.replied.push(call.callId);
    try {
      const failure = replyException(reply, `Ratis call ${call.callId} on ${stream.peerId}`);
      if (failure) call.reject(failure);
      else {
        const commitInfos = commitInfosOf(reply);
        this.commits.update(commitInfos, this.watchLevel);
        call.resolve({
          content: Buffer.from(((reply.message as OzoneMessage | undefined)?.content as Buffer | undefined) ?? []),
          logIndex: u64(reply.logIndex),
          replierId: Buffer.from((rpc.replyId as Buffer | undefined) ?? []).toString("utf8"),
          commitInfos,
        });
      }
    } catch (e) {
      // answered, but not in a form this client reads: that request fails, the window goes on
      call.reject(new RatisError(`Ratis call ${call.callId} on ${stream.peerId}: unusable reply: ${(e as Error).message}`, "REPLY_EXCEPTION"));
    }
    this.pump();
  }

  private notLeader(peerId: string, nle: OzoneMessage): AttemptFailure {
    for (const p of (nle.peersInConf ?? []) as OzoneMessage[]) this.learnPeer(p);
    const suggested = nle.suggestedLeader as OzoneMessage | undefined;
    const leader = suggested ? this.learnPeer(suggested) : undefined;
    return {
      error: new RatisError(`Ratis peer ${peerId}: not the leader${leader ? ` (suggests ${leader})` : ""}`, "UNAVAILABLE"),
      leader,
      immediate: leader !== undefined && leader !== peerId,
    };
  }

  /** Adds (or readdresses) a peer a server told us about; returns its id. */
  private learnPeer(p: OzoneMessage): string | undefined {
    const id = Buffer.from((p.id as Buffer | undefined) ?? []).toString("utf8");
    if (!id) return undefined;
    // the client port; `address` is the server-to-server one (ratis GrpcClientProtocolClient)
    const address = (p.clientAddress as string | undefined) || (p.address as string | undefined);
    const known = this.peers.find((x) => x.id === id);
    if (known === undefined && address) this.peers.push({ id, address });
    else if (known !== undefined && address && p.clientAddress) known.address = address;
    return known !== undefined || address ? id : undefined;
  }

  private nextPeer(after: string): string {
    const i = this.peers.findIndex((p) => p.id === after);
    return this.peers[(i + 1) % this.peers.length]!.id;
  }

  private backoff(failures: number): number {
    const d = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.max(0, failures - 1));
    return Math.round(d / 2 + (Math.random() * d) / 2);
  }

  /** The current stream is given up: requests not answered go again on a new one, after a back-off. */
  private onOrderedFailure(stream: Stream, f: AttemptFailure): void {
    if (stream !== this.ordered) return;
    this.ordered = undefined;
    stream.call.cancel();
    for (const c of this.window.values()) {
      if (c.timer) clearTimeout(c.timer);
      c.timer = undefined;
      c.sent = false;
    }
    this.firstSeqNum = -1;
    this.firstReplied = false;
    const oldest = this.window.values().next().value as OrderedCall | undefined;
    if (oldest === undefined) return;
    // Every peer refused the connection (a RATIS/ONE group's one datanode stopped, which SCM takes
    // minutes to notice): waiting out the deadline would only wait for a restart, where the block
    // can go to another pipeline now.
    if (f.unreachable === true) this.unreachable.add(stream.peerId);
    const noneRuns = this.unreachable.size >= this.peers.length;
    if (f.terminal || noneRuns || this.now() - oldest.createdAt >= this.deadlineMs) {
      const why = f.terminal
        ? f.error
        : new RatisError(
            noneRuns ? `Ratis group: no peer accepts a connection (last: ${f.error.message})` : `Ratis group: no answer within ${this.deadlineMs} ms (last: ${f.error.message})`,
            "UNAVAILABLE",
            f.error.exceptionClassName,
          );
      this.breakWindow(why);
      return;
    }
    this.moveLeader(stream.peerId, f);
    const delay = f.immediate ? 0 : Math.min(this.backoff(++this.orderedFailures), Math.max(0, oldest.createdAt + this.deadlineMs - this.now()));
    this.orderedRetry = setTimeout(() => {
      this.orderedRetry = undefined;
      this.pump();
    }, delay);
  }

  private moveLeader(failedPeer: string, f: AttemptFailure): void {
    if (f.sameLeader) return;
    if (f.leader !== undefined) this.leader = f.leader;
    else if (this.leader === failedPeer) this.leader = this.nextPeer(failedPeer);
  }

  /** A request failed for good: it and every later one fail, and so will every new one. */
  private breakWindow(err: RatisError): void {
    this.broken = err;
    const calls = [...this.window.values()];
    this.window.clear();
    for (const c of calls) {
      if (c.timer) clearTimeout(c.timer);
      c.reject(err);
    }
  }

  // ---- watches --------------------------------------------------------------

  private unorderedStream(peerId: string): Stream {
    let s = this.unordered.get(peerId);
    if (s === undefined) {
      s = this.openStream(RATIS_UNORDERED_PATH, peerId, (st, r) => this.onWatchReply(st, r), (st, f) => this.onUnorderedFailure(st, f));
      this.unordered.set(peerId, s);
    }
    return s;
  }

  private sendWatch(w: PendingWatch): void {
    if (this.closed || !this.watches.has(w.callId)) return;
    w.attempts++;
    w.peerId = this.leader;
    const stream = this.unorderedStream(w.peerId);
    // Ozone's policy for a watch that times out is no retry (RequestTypeDependentRetryPolicyCreator)
    const wait = this.watchTimeoutMs;
    w.timer = setTimeout(() => this.finishWatch(w, new RatisError(`Ratis watch for ${w.index} at ${w.level}: no answer within ${wait} ms`, "TIMEOUT")), wait);
    stream.call.write(this.requestFor(w.peerId, w.callId, { watch: { index: w.index, replication: w.level } }));
  }

  private finishWatch(w: PendingWatch, result: RatisReply | RatisError): void {
    if (!this.watches.delete(w.callId)) return;
    if (w.timer) clearTimeout(w.timer);
    if (result instanceof RatisError) w.reject(result);
    else w.resolve(result);
  }

  private onWatchReply(stream: Stream, reply: OzoneMessage): void {
    const rpc = (reply.rpcReply ?? {}) as OzoneMessage;
    const w = this.watches.get(u64(rpc.callId));
    if (w === undefined || w.peerId !== stream.peerId) return;
    const nle = reply.notLeaderException as OzoneMessage | undefined;
    if (nle) return this.retryWatch(w, stream.peerId, this.notLeader(stream.peerId, nle));
    if (reply.leaderNotReadyException) {
      return this.retryWatch(w, stream.peerId, { error: new RatisError(`Ratis peer ${stream.peerId}: leader not ready`, "UNAVAILABLE"), sameLeader: true });
    }
    const failure = replyException(reply, `Ratis watch for ${w.index} at ${w.level} on ${stream.peerId}`);
    this.finishWatch(
      w,
      failure ?? {
        content: Buffer.alloc(0),
        logIndex: u64(reply.logIndex),
        replierId: Buffer.from((rpc.replyId as Buffer | undefined) ?? []).toString("utf8"),
        commitInfos: commitInfosOf(reply),
      },
    );
  }

  private onUnorderedFailure(stream: Stream, f: AttemptFailure): void {
    if (this.unordered.get(stream.peerId) !== stream) return;
    this.unordered.delete(stream.peerId);
    stream.call.cancel();
    for (const w of [...this.watches.values()]) if (w.peerId === stream.peerId) this.retryWatch(w, stream.peerId, f);
  }

  private retryWatch(w: PendingWatch, peerId: string, f: AttemptFailure): void {
    if (w.timer) clearTimeout(w.timer);
    w.timer = undefined;
    w.peerId = undefined;
    if (f.terminal || this.now() - w.createdAt >= this.deadlineMs) {
      this.finishWatch(w, f.terminal ? f.error : new RatisError(`Ratis watch for ${w.index}: no answer within ${this.deadlineMs} ms (last: ${f.error.message})`, "UNAVAILABLE"));
      return;
    }
    this.moveLeader(peerId, f);
    const delay = f.immediate ? 0 : Math.min(this.backoff(w.attempts), Math.max(0, w.createdAt + this.deadlineMs - this.now()));
    const t = setTimeout(() => {
      this.watchRetries.delete(t);
      this.sendWatch(w);
    }, delay);
    this.watchRetries.add(t);
  }
}
