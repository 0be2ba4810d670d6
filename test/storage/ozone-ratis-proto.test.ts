/**
 * The Ratis 3.2.1 client protocol codec (runtime/storage/ozone/proto/ratis.ts): every field lands on
 * the number Raft.proto / Grpc.proto give it at tag ratis-3.2.1, proto3 rules hold (zero values
 * stay off the wire, repeated uint64 is packed, an empty oneof message is still written), and
 * replies built field by field decode to the names the client reads.
 */
import protobuf from "protobufjs";
import { allocChunk, FRONT_ROOM, keptChunks, releaseChunk } from "../../runtime/storage/ozone/chunk-buffers.js";
import { describe, expect, it } from "vitest";
import { only, rawFields } from "../support/proto-fields.js";

import {
  decodeMessage,
  decodeRatisReply,
  encodeRatisRequest,
  encodeRatisRequestWithContent,
  ozoneProto,
  RATIS_ORDERED_PATH,
  RATIS_UNORDERED_PATH,
} from "../../runtime/storage/ozone/proto/index.js";

function ids(buf: Uint8Array): number[] {
  return rawFields(buf).map((f) => f.id);
}

const CLIENT_ID = Buffer.from("0123456789abcdef0123456789abcdef", "hex");
const GROUP_ID = Buffer.from("6f0d7a0e00004000800000000000a001", "hex");
const PEER = "9a3c2f4e-1111-4222-8333-444455556666";

/** A message built with the Writer, field by field, as a Java server would send it. */
function msg(build: (w: protobuf.Writer) => void): Uint8Array {
  const w = protobuf.Writer.create();
  build(w);
  return w.finish();
}
const bytesField = (w: protobuf.Writer, id: number, b: Uint8Array) => w.uint32((id << 3) | 2).bytes(b);
const varintField = (w: protobuf.Writer, id: number, v: number) => w.uint32((id << 3) | 0).uint64(v);
const stringField = (w: protobuf.Writer, id: number, s: string) => w.uint32((id << 3) | 2).string(s);

function rpcReply(callId: number, success: boolean): Uint8Array {
  return msg((w) => {
    bytesField(w, 1, CLIENT_ID);
    bytesField(w, 2, Buffer.from(PEER));
    bytesField(w, 3, msg((g) => bytesField(g, 1, GROUP_ID)));
    varintField(w, 4, callId);
    if (success) varintField(w, 15, 1);
  });
}

function peerProto(id: string, address: string, clientAddress: string): Uint8Array {
  return msg((p) => {
    bytesField(p, 1, Buffer.from(id));
    stringField(p, 2, address);
    stringField(p, 5, clientAddress);
  });
}

describe("ratis proto: schema", () => {
  it("has the enums and the client service of ratis-3.2.1", () => {
    const level = ozoneProto.root.lookupEnum("ratis.common.ReplicationLevel").values;
    expect(level).toEqual({ MAJORITY: 0, ALL: 1, MAJORITY_COMMITTED: 2, ALL_COMMITTED: 3 });
    expect(ozoneProto.root.lookupEnum("ratis.common.RaftPeerRole").values).toEqual({ LEADER: 0, CANDIDATE: 1, FOLLOWER: 2, LISTENER: 3 });
    const service = ozoneProto.root.lookupService("ratis.grpc.RaftClientProtocolService");
    for (const name of ["ordered", "unordered"]) {
      const m = service.methods[name]!;
      expect(m.requestStream && m.responseStream, name).toBe(true);
      expect(m.resolvedRequestType!.fullName).toBe(".ratis.common.RaftClientRequestProto");
      expect(m.resolvedResponseType!.fullName).toBe(".ratis.common.RaftClientReplyProto");
    }
    expect(RATIS_ORDERED_PATH).toBe("/ratis.grpc.RaftClientProtocolService/ordered");
    expect(RATIS_UNORDERED_PATH).toBe("/ratis.grpc.RaftClientProtocolService/unordered");
  });

  it("pins the field numbers of the messages the client uses", () => {
    const numbers = (type: string) =>
      Object.fromEntries(ozoneProto.root.lookupType(type).fieldsArray.map((f) => [f.name, f.id]));
    expect(numbers("ratis.common.RaftRpcRequestProto")).toEqual({
      requestorId: 1, replyId: 2, raftGroupId: 3, callId: 4, toLeader: 5, repliedCallIds: 12, timeoutMs: 13, routingTable: 14, slidingWindowEntry: 15,
    });
    expect(numbers("ratis.common.SlidingWindowEntry")).toEqual({ seqNum: 1, isFirst: 2 });
    expect(numbers("ratis.common.RaftRpcReplyProto")).toEqual({ requestorId: 1, replyId: 2, raftGroupId: 3, callId: 4, success: 15 });
    expect(numbers("ratis.common.RaftClientRequestProto")).toEqual({
      rpcRequest: 1, message: 2, write: 3, read: 4, staleRead: 5, watch: 6, messageStream: 7, dataStream: 8, forward: 9,
    });
    expect(numbers("ratis.common.RaftClientReplyProto")).toEqual({
      rpcReply: 1, message: 2, notLeaderException: 3, notReplicatedException: 4, stateMachineException: 5, leaderNotReadyException: 6,
      alreadyClosedException: 7, dataStreamException: 8, leaderSteppingDownException: 9, transferLeadershipException: 10,
      readException: 11, readIndexException: 12, logIndex: 14, commitInfos: 15,
    });
    expect(numbers("ratis.common.RaftPeerProto")).toEqual({
      id: 1, address: 2, priority: 3, dataStreamAddress: 4, clientAddress: 5, adminAddress: 6, startupRole: 7,
    });
    expect(numbers("ratis.common.WatchRequestTypeProto")).toEqual({ index: 1, replication: 2 });
    expect(numbers("ratis.common.WriteRequestTypeProto")).toEqual({ replication: 1 });
    expect(numbers("ratis.common.NotLeaderExceptionProto")).toEqual({ suggestedLeader: 1, peersInConf: 2 });
    expect(numbers("ratis.common.LeaderNotReadyExceptionProto")).toEqual({ serverId: 1 });
    expect(numbers("ratis.common.NotReplicatedExceptionProto")).toEqual({ callId: 1, replication: 2, logIndex: 3 });
    expect(numbers("ratis.common.StateMachineExceptionProto")).toEqual({ exceptionClassName: 1, errorMsg: 2, stacktrace: 3 });
    expect(numbers("ratis.common.CommitInfoProto")).toEqual({ server: 1, commitIndex: 2 });
    expect(numbers("ratis.common.RoutingTableProto")).toEqual({ routes: 1 });
    expect(numbers("ratis.common.RouteProto")).toEqual({ peerId: 1, successors: 2 });
  });
});

describe("ratis proto: requests", () => {
  it("writes an ordered write request where Ratis reads it, zero values left off", () => {
    const content = Buffer.from("framed container command");
    const buf = encodeRatisRequest({
      rpcRequest: {
        requestorId: CLIENT_ID,
        replyId: Buffer.from(PEER),
        raftGroupId: { id: GROUP_ID },
        callId: 7,
        toLeader: true,
        repliedCallIds: [3, 5, 300],
        slidingWindowEntry: { seqNum: 1, isFirst: true },
      },
      message: { content },
      write: { replication: "MAJORITY" },
    });
    expect(ids(buf)).toEqual([1, 2, 3]);
    const rpc = rawFields(only(rawFields(buf), 1).bytes!);
    expect(Buffer.from(only(rpc, 1).bytes!)).toEqual(CLIENT_ID);
    expect(Buffer.from(only(rpc, 2).bytes!).toString()).toBe(PEER);
    expect(Buffer.from(only(rawFields(only(rpc, 3).bytes!), 1).bytes!)).toEqual(GROUP_ID);
    expect(only(rpc, 4).varint).toBe("7");
    expect(only(rpc, 5).varint).toBe("1");
    // proto3 packs repeated scalars: one length-delimited field 12 holding the three varints
    const packed = only(rpc, 12);
    expect(packed.wireType).toBe(2);
    expect(Buffer.from(packed.bytes!)).toEqual(Buffer.from([3, 5, 0xac, 0x02]));
    const window = rawFields(only(rpc, 15).bytes!);
    expect(window).toEqual([{ id: 1, wireType: 0, varint: "1" }, { id: 2, wireType: 0, varint: "1" }]);
    expect(rpc.some((f) => f.id === 13)).toBe(false); // timeoutMs unset
    expect(Buffer.from(only(rawFields(only(rawFields(buf), 2).bytes!), 1).bytes!).toString()).toBe("framed container command");
    // write{replication: MAJORITY}: the oneof case is on the wire, its zero-valued field is not
    expect(only(rawFields(buf), 3).bytes).toHaveLength(0);

    const back = decodeMessage(ozoneProto.RaftClientRequestProto, buf) as Record<string, any>;
    expect(back.Type).toBe("write");
    expect(back.write).toEqual({});
    expect(back.rpcRequest.repliedCallIds).toEqual(["3", "5", "300"]);
    expect(back.rpcRequest.slidingWindowEntry).toEqual({ seqNum: "1", isFirst: true });
  });

  it("writes a watch request (field 6) with its index and level, and no sliding window entry", () => {
    const buf = encodeRatisRequest({
      rpcRequest: { requestorId: CLIENT_ID, replyId: Buffer.from(PEER), raftGroupId: { id: GROUP_ID }, callId: 9, toLeader: true },
      watch: { index: 42, replication: "ALL_COMMITTED" },
    });
    expect(ids(buf)).toEqual([1, 6]);
    expect(rawFields(only(rawFields(buf), 6).bytes!)).toEqual([
      { id: 1, wireType: 0, varint: "42" },
      { id: 2, wireType: 0, varint: "3" },
    ]);
    expect(ids(only(rawFields(buf), 1).bytes!)).toEqual([1, 2, 3, 4, 5]);
    const majority = encodeRatisRequest({ rpcRequest: { callId: 1 }, watch: { index: 42, replication: "MAJORITY_COMMITTED" } });
    expect(only(rawFields(only(rawFields(majority), 6).bytes!), 2).varint).toBe("2");
  });

  it("writes the message content from parts with one copy: the same request, fields 1, 3 then 2", () => {
    const rpcRequest = { requestorId: CLIENT_ID, replyId: Buffer.from(PEER), raftGroupId: { id: GROUP_ID }, callId: 7, toLeader: true, slidingWindowEntry: { seqNum: 2 } };
    // a content past 127 and 16383 bytes: two- and three-byte lengths
    for (const size of [0, 5, 200, 70_000]) {
      const data = Buffer.alloc(size, 7);
      const parts = [Buffer.from([0, 0, 0, 3, 1, 2, 3]), data];
      const buf = encodeRatisRequestWithContent({ rpcRequest, write: {} }, parts);
      expect(ids(buf)).toEqual([1, 3, 2]);
      const content = Buffer.from(only(rawFields(only(rawFields(buf), 2).bytes!), 1).bytes!);
      expect(content).toEqual(Buffer.concat(parts));
      const back = decodeMessage(ozoneProto.RaftClientRequestProto, buf) as Record<string, any>;
      const same = decodeMessage(ozoneProto.RaftClientRequestProto, encodeRatisRequest({ rpcRequest, message: { content: Buffer.concat(parts) }, write: {} })) as Record<string, any>;
      expect({ ...back, message: { content: Buffer.from(back.message.content) } }).toEqual({ ...same, message: { content: Buffer.from(same.message.content) } });
    }
    expect(() => encodeRatisRequestWithContent({ rpcRequest, message: { content: Buffer.from("x") } }, [])).toThrow(/message comes from/);
  });

  it("builds a request around a chunk from allocChunk in the room in front of it (no copy), once: later requests with the same chunk are copies and leave the first intact", () => {
    const rpcRequest = { requestorId: CLIENT_ID, replyId: Buffer.from(PEER), raftGroupId: { id: GROUP_ID }, callId: 7, toLeader: true, slidingWindowEntry: { seqNum: 2 } };
    for (const size of [1, 4096, 70_000]) {
      const chunk = allocChunk(size);
      chunk.fill(9);
      const head = Buffer.from([0, 0, 0, 3, 1, 2, 3]);
      const expected = encodeRatisRequestWithContent({ rpcRequest, write: {} }, [head, Buffer.from(chunk)]);
      const first = encodeRatisRequestWithContent({ rpcRequest, write: {} }, [head, chunk]);
      expect(first.equals(expected)).toBe(true);
      // the same memory: the request ends where the chunk ends
      expect(first.buffer).toBe(chunk.buffer);
      expect(first.byteOffset + first.length).toBe(chunk.byteOffset + chunk.length);
      // a resend (another call id): a copy; the first request's bytes are not written over
      const again = encodeRatisRequestWithContent({ rpcRequest: { ...rpcRequest, callId: 8 }, write: {} }, [head, chunk]);
      expect(again.buffer).not.toBe(chunk.buffer);
      expect(first.equals(expected)).toBe(true);
      expect((decodeMessage(ozoneProto.RaftClientRequestProto, again) as Record<string, any>).rpcRequest.callId).toBe("8");
    }
    // a part of a chunk buffer that does not start it, or any other buffer, is copied
    const chunk = allocChunk(100);
    const tail = encodeRatisRequestWithContent({ rpcRequest, write: {} }, [chunk.subarray(10)]);
    expect(tail.buffer).not.toBe(chunk.buffer);
    // a prefix larger than the room: copied
    const big = allocChunk(10);
    const bigHead = Buffer.alloc(FRONT_ROOM + 1);
    expect(encodeRatisRequestWithContent({ rpcRequest, write: {} }, [bigHead, big]).buffer).not.toBe(big.buffer);
  });

  it("reuses a large chunk buffer given back (releaseChunk), with its room in front usable again; ignores others", () => {
    const rpcRequest = { requestorId: CLIENT_ID, replyId: Buffer.from(PEER), raftGroupId: { id: GROUP_ID }, callId: 7, toLeader: true, slidingWindowEntry: { seqNum: 2 } };
    const MiB = 1024 * 1024;
    for (let i = 0; i < 20 && keptChunks() > 0; i++) allocChunk(MiB);
    const a = allocChunk(MiB);
    encodeRatisRequestWithContent({ rpcRequest, write: {} }, [Buffer.from([1]), a]); // its room used
    releaseChunk(a.subarray(5)); // any view of it
    releaseChunk(a); // twice: kept once
    releaseChunk(Buffer.alloc(MiB)); // not made by allocChunk
    releaseChunk(allocChunk(4096)); // too small to keep
    expect(keptChunks()).toBe(1);
    expect(allocChunk(2 * MiB).buffer).not.toBe(a.buffer); // another size
    const b = allocChunk(MiB);
    expect(b.buffer).toBe(a.buffer);
    expect(keptChunks()).toBe(0);
    // the room in front is there again: the request is built around the chunk, no copy
    expect(encodeRatisRequestWithContent({ rpcRequest, write: {} }, [Buffer.from([1]), b]).buffer).toBe(b.buffer);
    // at most 8 kept
    const many = Array.from({ length: 10 }, () => allocChunk(MiB));
    for (const c of many) releaseChunk(c);
    expect(keptChunks()).toBe(8);
  });

  it("is strict: unknown fields and enum names throw", () => {
    expect(() => encodeRatisRequest({ rpcRequest: { callid: 1 } })).toThrow(/unknown field 'callid'/);
    expect(() => encodeRatisRequest({ rpcRequest: { callId: 1 }, watch: { index: 1, replication: "EVERYONE" } })).toThrow(/not a ratis\.common\.ReplicationLevel value/);
  });
});

describe("ratis proto: replies", () => {
  it("decodes a successful write reply: content, log index, commit infos, absent zero values", () => {
    const buf = msg((w) => {
      bytesField(w, 1, rpcReply(7, true));
      bytesField(w, 2, msg((m) => bytesField(m, 1, Buffer.from("response"))));
      varintField(w, 14, 123);
      for (const [id, index] of [[PEER, 123], ["other", 120]] as const) {
        bytesField(w, 15, msg((c) => {
          bytesField(c, 1, peerProto(id, "10.0.0.1:9856", "10.0.0.1:9858"));
          varintField(c, 2, index);
        }));
      }
    });
    const reply = decodeRatisReply(buf) as Record<string, any>;
    expect(reply.rpcReply.callId).toBe("7");
    expect(reply.rpcReply.success).toBe(true);
    expect(Buffer.from(reply.rpcReply.replyId).toString()).toBe(PEER);
    expect(reply.message.content.toString()).toBe("response");
    expect(reply.logIndex).toBe("123");
    expect(reply.ExceptionDetails).toBeUndefined();
    expect(reply.commitInfos.map((c: any) => [Buffer.from(c.server.id).toString(), c.server.clientAddress, c.commitIndex])).toEqual([
      [PEER, "10.0.0.1:9858", "123"],
      ["other", "10.0.0.1:9858", "120"],
    ]);

    // a reply whose callId is 0 and success false carries neither field (proto3)
    const bare = decodeRatisReply(msg((w) => bytesField(w, 1, new Uint8Array(0)))) as Record<string, any>;
    expect(bare.rpcReply).toEqual({});
  });

  it("decodes each exception in its oneof field", () => {
    const throwable = msg((t) => {
      stringField(t, 1, "org.example.Boom");
      stringField(t, 2, "boom");
    });
    const cases: Array<[number, string, Uint8Array]> = [
      [3, "notLeaderException", msg((n) => {
        bytesField(n, 1, peerProto("leader-2", "h2:9856", "h2:9858"));
        bytesField(n, 2, peerProto("leader-2", "h2:9856", "h2:9858"));
        bytesField(n, 2, peerProto("p3", "h3:9856", "h3:9858"));
      })],
      [4, "notReplicatedException", msg((n) => {
        varintField(n, 1, 7);
        varintField(n, 2, 3);
        varintField(n, 3, 99);
      })],
      [5, "stateMachineException", msg((s) => {
        stringField(s, 1, "org.apache.hadoop.hdds.scm.container.common.helpers.ContainerNotOpenException");
        stringField(s, 2, "Container 1 in CLOSED state");
      })],
      [6, "leaderNotReadyException", msg((l) => bytesField(l, 1, msg((m) => {
        bytesField(m, 1, Buffer.from(PEER));
        bytesField(m, 2, msg((g) => bytesField(g, 1, GROUP_ID)));
      })))],
      [7, "alreadyClosedException", msg((a) => stringField(a, 1, "org.apache.ratis.protocol.exceptions.AlreadyClosedException"))],
      [8, "dataStreamException", throwable],
      [9, "leaderSteppingDownException", throwable],
      [10, "transferLeadershipException", throwable],
      [11, "readException", throwable],
      [12, "readIndexException", throwable],
    ];
    for (const [id, name, body] of cases) {
      const reply = decodeRatisReply(msg((w) => {
        bytesField(w, 1, rpcReply(7, false));
        bytesField(w, id, body);
      })) as Record<string, any>;
      expect(reply.ExceptionDetails, name).toBe(name);
      expect(reply[name], name).toBeDefined();
    }
    const nle = decodeRatisReply(msg((w) => bytesField(w, 3, cases[0]![2]))).notLeaderException as Record<string, any>;
    expect(Buffer.from(nle.suggestedLeader.id).toString()).toBe("leader-2");
    expect(nle.peersInConf.map((p: any) => p.clientAddress)).toEqual(["h2:9858", "h3:9858"]);
    const nre = decodeRatisReply(msg((w) => bytesField(w, 4, cases[1]![2]))).notReplicatedException;
    expect(nre).toEqual({ callId: "7", replication: "ALL_COMMITTED", logIndex: "99" });
    const lnre = decodeRatisReply(msg((w) => bytesField(w, 6, cases[3]![2]))).leaderNotReadyException as Record<string, any>;
    expect(Buffer.from(lnre.serverId.groupId.id)).toEqual(GROUP_ID);
  });
});
