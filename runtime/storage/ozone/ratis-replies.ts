/**
 * What the Ratis client (ratis-client.ts) reads out of a RaftClientReplyProto, and the ids it
 * sends: plain functions of the bytes, shared by the ordered stream's replies and the watches'.
 */
import { randomUUID } from "node:crypto";
import { toNumber, type OzoneMessage } from "./proto/index.js";
import { RatisError, type CommitInfo } from "./ratis-group.js";

export function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, "hex");
}

/**
 * A random version-4 UUID's 16 bytes: Ratis' ClientId.randomId() (any 16 bytes but all-zero would
 * do). One per block written, so per PUT: randomUUID draws from Node's cached entropy pool, where
 * randomBytes(16) is a synchronous trip to the system's generator each time (0.75% of a worker's
 * CPU under 4 KiB PUTs, profiled for issue 8).
 */
export function newClientId(): Buffer {
  return Buffer.from(randomUUID().replace(/-/g, ""), "hex");
}

/** Ratis' "no index yet" (RaftLog.INVALID_LOG_INDEX, -1), which a uint64 field carries as 2^64-1 */
const UNKNOWN_INDEX = -1;

/**
 * A uint64 of a reply. A leader reports a follower it has not heard from since it (re)started
 * with commit index -1, on the wire 2^64-1 (seen live: a datanode restarted under a write); that
 * and any other value past 2^53 is UNKNOWN_INDEX, behind every real index.
 */
export function u64(v: unknown): number {
  const n = typeof v === "string" && v.length >= 16 ? Number(v) : undefined;
  if (n !== undefined && !Number.isSafeInteger(n)) return UNKNOWN_INDEX;
  return toNumber(v as string | undefined, 0);
}

export function commitInfosOf(reply: OzoneMessage): CommitInfo[] {
  return ((reply.commitInfos ?? []) as OzoneMessage[]).map((c) => ({
    peerId: Buffer.from(((c.server as OzoneMessage | undefined)?.id as Buffer | undefined) ?? []).toString("utf8"),
    commitIndex: u64(c.commitIndex),
  }));
}

/** The exception a reply carries, as the client's error (NotLeader and LeaderNotReady are handled before). */
export function replyException(reply: OzoneMessage, what: string): RatisError | undefined {
  const sme = reply.stateMachineException as OzoneMessage | undefined;
  if (sme) {
    const cls = (sme.exceptionClassName as string | undefined) || undefined;
    return new RatisError(`${what}: ${cls ?? "StateMachineException"}: ${String(sme.errorMsg ?? "")}`, "STATE_MACHINE", cls);
  }
  const nre = reply.notReplicatedException as OzoneMessage | undefined;
  if (nre) {
    return new RatisError(`${what}: index ${u64(nre.logIndex)} not replicated at ${String(nre.replication ?? "MAJORITY")}`, "NOT_REPLICATED", "org.apache.ratis.protocol.exceptions.NotReplicatedException", commitInfosOf(reply));
  }
  const ace = reply.alreadyClosedException as OzoneMessage | undefined;
  if (ace) return new RatisError(`${what}: ${String(ace.exceptionClassName ?? "AlreadyClosedException")}: ${String(ace.errorMsg ?? "")}`, "REPLY_EXCEPTION", ace.exceptionClassName as string | undefined);
  const details = reply.ExceptionDetails as string | undefined;
  if (details !== undefined) {
    const t = reply[details] as OzoneMessage;
    return new RatisError(`${what}: ${details}: ${String(t.className ?? "")} ${String(t.errorMessage ?? "")}`.trim(), "REPLY_EXCEPTION", t.className as string | undefined);
  }
  if (!(reply.rpcReply as OzoneMessage | undefined)?.success) return new RatisError(`${what}: the server answered failure without an exception`, "REPLY_EXCEPTION");
  return undefined;
}
