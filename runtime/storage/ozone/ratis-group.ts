/**
 * What a Ratis client of an Ozone pipeline works with besides its streams: the raft group read
 * from an OM pipeline (ids, members' RATIS ports, the leader), the shared gRPC channels to those
 * ports, and the failures a Ratis exchange can end in (RatisError, and which of them a block in
 * another container or pipeline helps), and the options a client is made with. The client itself is
 * ratis-client.ts; sources as named there.
 */
import { GrpcChannel } from "./grpc-h2.js";
import { StorageError } from "../types.js";
/** The datanode port Ozone's Ratis client connects to (RatisHelper: the peer's client address) */
const RATIS_CLIENT_PORT = "RATIS";
/** Ratis' gRPC limit on the datanodes is max(32 MiB, log appender buffer) + 1 MiB (ozone RatisConfUtils) */
const MAX_MESSAGE = 64 * 1024 * 1024;

/** One member of the group: the datanode's UUID (its Ratis peer id) and its RATIS (client) port. */
export interface RatisPeer {
  id: string;
  address: string;
}

export type ReplicationLevel = "MAJORITY" | "ALL" | "MAJORITY_COMMITTED" | "ALL_COMMITTED";

export interface CommitInfo {
  /** the peer id (datanode UUID) */
  peerId: string;
  commitIndex: number;
}

export interface RatisReply {
  /** the state machine's answer (for Ozone, a ContainerCommandResponseProto) */
  content: Buffer;
  /** the log index of a write (Ozone's block commit sequence id); for a watch, the index watched */
  logIndex: number;
  /** the peer that answered */
  replierId: string;
  commitInfos: CommitInfo[];
}

export interface WatchResult {
  /** an index known committed at the level asked for (at least the one watched) */
  index: number;
  /** peers (datanode UUIDs) that did not commit it: Ozone excludes them from the next allocation */
  failedPeers: string[];
}

export type RatisFailure =
  /** no leader answered within the deadline (down, unreachable, no leader elected) */
  | "UNAVAILABLE"
  /** a watch got no answer within its timeout */
  | "TIMEOUT"
  /** the peer does not serve this group: the pipeline is gone */
  | "GROUP_MISMATCH"
  /** the state machine refused the request (Ozone: a container error, the block finalized...) */
  | "STATE_MACHINE"
  /** the level watched was not reached in the server's watch timeout */
  | "NOT_REPLICATED"
  /** any other exception the server answered with */
  | "REPLY_EXCEPTION"
  /** the client was closed */
  | "CLOSED";

/** Java classes of the StorageContainerException family: Ozone's client moves to another container on them. */
const CONTAINER_EXCEPTIONS = new Set(
  ["StorageContainerException", "ContainerNotOpenException", "BlockNotCommittedException", "InvalidContainerStateException"].map(
    (c) => `org.apache.hadoop.hdds.scm.container.common.helpers.${c}`,
  ),
);
export const GROUP_MISMATCH_EXCEPTION = "org.apache.ratis.protocol.exceptions.GroupMismatchException";
/** the leader's pending-request limit is full: its stream fails with this; the leader stays (RaftClientImpl.handleIOException) */
export const RESOURCE_UNAVAILABLE_EXCEPTION = "org.apache.ratis.protocol.exceptions.ResourceUnavailableException";

export class RatisError extends Error {
  constructor(
    message: string,
    readonly failure: RatisFailure,
    /** the Java exception class the server named, if any */
    readonly exceptionClassName?: string,
    /** commit indexes the server reported with the failure (NOT_REPLICATED) */
    readonly commitInfos: CommitInfo[] = [],
  ) {
    super(message);
    this.name = "RatisError";
  }

  /** The container refused the command (closed, unhealthy...): a block in another container helps. */
  get containerError(): boolean {
    return this.failure === "STATE_MACHINE" && this.exceptionClassName !== undefined && CONTAINER_EXCEPTIONS.has(this.exceptionClassName);
  }
}

/** The storage error a Ratis failure is for the gateway: an unreachable pipeline is UNAVAILABLE (retry later). */
export function mapRatisError(err: unknown): unknown {
  if (err instanceof RatisError && (err.failure === "UNAVAILABLE" || err.failure === "TIMEOUT")) {
    return new StorageError("UNAVAILABLE", err.message);
  }
  return err;
}

/** A UUID from hdds.proto's UUID message (two signed 64-bit halves as decimal strings). */
function uuidOf(u: { mostSigBits?: unknown; leastSigBits?: unknown } | undefined): string | undefined {
  if (u?.mostSigBits == null || u.leastSigBits == null) return undefined;
  const half = (v: unknown) => BigInt.asUintN(64, BigInt(String(v))).toString(16).padStart(16, "0");
  const hex = half(u.mostSigBits) + half(u.leastSigBits);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The raft group of an OM-returned RATIS pipeline (hdds.proto Pipeline): group id = the pipeline's
 * UUID, a peer per member with a RATIS port (peer id = the datanode's UUID string, address =
 * ipAddress:RATIS), the leader when the pipeline names one (apache/ozone ozone-2.2.0,
 * hadoop-hdds/common/.../hdds/ratis/RatisHelper.java newRaftClient / toRaftPeer, and
 * scm/pipeline/Pipeline.java getLeaderNode: without a leader, the first member).
 */
export function ratisGroupOf(pipeline: Record<string, any>): { groupId: string; peers: RatisPeer[]; leaderId?: string } {
  const groupId = (pipeline.id?.id as string | undefined) || uuidOf(pipeline.id?.uuid128);
  if (!groupId) throw new TypeError("the pipeline has no id");
  const peers: RatisPeer[] = [];
  for (const m of (pipeline.members ?? []) as Record<string, any>[]) {
    const id = (m.uuid as string | undefined) || uuidOf(m.uuid128) || uuidOf(m.id?.uuid);
    const port = ((m.ports ?? []) as Record<string, any>[]).find((p) => p.name === RATIS_CLIENT_PORT);
    const host = (m.ipAddress as string | undefined) || (m.hostName as string | undefined);
    if (!id || port === undefined || !host) continue;
    peers.push({ id, address: `${host.includes(":") ? `[${host}]` : host}:${port.value}` });
  }
  const named = (pipeline.leaderID as string | undefined) || uuidOf(pipeline.leaderID128);
  const leaderId = named !== undefined && peers.some((p) => p.id === named) ? named : undefined;
  return { groupId, peers, ...(leaderId ? { leaderId } : {}) };
}

/** gRPC channels to Ratis client ports, one per address; shareable by the clients of several pipelines. */
export class RatisChannels {
  private readonly channels = new Map<string, GrpcChannel>();

  get(address: string): GrpcChannel {
    let c = this.channels.get(address);
    if (c === undefined) {
      // No keep-alive pings: Ratis' own client sets none (GrpcClientProtocolClient.buildChannel), and a
      // Java gRPC server answers pings more frequent than its permitted rate with GOAWAY. (grpc-h2.ts
      // pings only a connection that stayed silent while a call waited for it.)
      c = new GrpcChannel(address, { maxMessage: MAX_MESSAGE });
      this.channels.set(address, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.channels.values()) c.close();
    this.channels.clear();
  }
}

/** What a RatisClient (ratis-client.ts) is made with: its group, channels, time limits and watch level. */
export interface RatisClientOptions {
  /** the raft group id: the pipeline's UUID */
  groupId: string;
  peers: RatisPeer[];
  /** where to start (the pipeline's leader); default the first peer */
  leaderId?: string;
  /** channels to use (not closed by close()); default: the client's own */
  channels?: RatisChannels;
  /** one attempt's wait for a reply; then the stream counts as broken (Ozone: 60 s) */
  requestTimeoutMs?: number;
  /** one watch's wait for a reply; then the watch fails (Ozone: 180 s, the server's own is 30 s) */
  watchTimeoutMs?: number;
  /** a request's time from submission to failure, retries included (Ozone's write timeout: 5 min) */
  deadlineMs?: number;
  /** first back-off between attempts, doubled up to retryMaxMs, jittered down to half */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Ozone's hdds.ratis.client.request.watch.type (default ALL_COMMITTED) */
  watchLevel?: "ALL_COMMITTED" | "MAJORITY_COMMITTED";
  /** clock for deadlines (tests) */
  now?: () => number;
  /** peers already known behind (found by another client of the gateway, e.g. a stopped datanode) */
  behind?: Iterable<string>;
  /** told the peers a watch finds behind, so that later clients start knowing them */
  onBehind?: (peers: string[]) => void;
  /**
   * Open the window with a watch for index 0 as the first ordered request, as Ratis' own client
   * does (raft.client.async.experimental.send-dummy-request, default true; OrderedAsync.newInstance).
   * The first request of a stream goes alone until answered: without this, that is the first
   * write, whose answer takes a Raft commit (log append on the majority, the chunk on disk); a
   * watch for an index already committed is answered at once, and the writes then go back to
   * back (a small key's WriteChunk and PutBlock in one round trip instead of two).
   */
  primeWindow?: boolean;
}
