// Our own subset of Apache Ratis 3.2.1 `Raft.proto` (package ratis.common) and `Grpc.proto`
// (package ratis.grpc): what a client of the Ratis client protocol sends and receives.
//
// Source: apache/ratis tag `ratis-3.2.1` (commit 07a340e3), files
// ratis-proto/src/main/proto/Raft.proto and ratis-proto/src/main/proto/Grpc.proto. 3.2.1 is the
// Ratis that Ozone 2.2.0 ships (`ratis.version` in apache/ozone's root pom.xml at tag ozone-2.2.0).
// Field numbers, names, types and enum values are exactly the tag's; test/storage/ozone-proto.test.ts
// pins them. Server-to-server messages (AppendEntries, votes, snapshots), the admin requests and
// the data-stream headers are left out.
//
// Both files are proto3, unlike Ozone's own protos (proto2). What that means on the wire:
// - a scalar without `optional` has no presence: its zero value (0, false, "", empty bytes,
//   the enum's 0 entry) is never written and a decoded message simply lacks the field, so the
//   reader applies the zero value itself (callId 0, success false, replication MAJORITY...);
// - `repeated uint64` (repliedCallIds) is packed by default; decoders accept both forms;
// - enums are open: an unknown number stays a number after decoding;
// - a message field (including an empty one such as `write {}` that selects a oneof case) is
//   written whenever it is set, so a oneof case is visible on the wire even when its message is
//   empty; `RaftPeerProto.startupRole` is the one proto3 `optional` (explicit presence).
// Registered as "Raft.proto" and "Grpc.proto" (see index.ts).

export const RAFT_PROTO = `
syntax = "proto3";
package ratis.common;

message RaftPeerProto {
  bytes id = 1;                 // UTF-8 of the peer id: for Ozone, the datanode's UUID string
  string address = 2;           // server-to-server address (Ozone: the RATIS_SERVER port)
  uint32 priority = 3;
  string dataStreamAddress = 4;
  string clientAddress = 5;     // client protocol address (Ozone: the RATIS port); address when empty
  string adminAddress = 6;
  optional RaftPeerRole startupRole = 7;
}

message RaftPeerIdProto {
  bytes id = 1;
}

// 16 bytes: the UUID's most then least significant 64 bits, big-endian.
message RaftGroupIdProto {
  bytes id = 1;
}

message RaftGroupMemberIdProto {
  bytes peerId = 1;
  RaftGroupIdProto groupId = 2;
}

message RaftRpcRequestProto {
  bytes requestorId = 1;        // the client id (16 bytes)
  bytes replyId = 2;            // the peer id the request is sent to
  RaftGroupIdProto raftGroupId = 3;
  uint64 callId = 4;
  bool toLeader = 5;

  repeated uint64 repliedCallIds = 12;
  uint64 timeoutMs = 13;
  RoutingTableProto routingTable = 14;
  SlidingWindowEntry slidingWindowEntry = 15;
}

message SlidingWindowEntry {
  uint64 seqNum = 1;            // 0 outside a sliding window, >= 1 inside
  bool isFirst = 2;
}

message RaftRpcReplyProto {
  bytes requestorId = 1;
  bytes replyId = 2;
  RaftGroupIdProto raftGroupId = 3;
  uint64 callId = 4;

  bool success = 15;
}

message CommitInfoProto {
  RaftPeerProto server = 1;
  uint64 commitIndex = 2;
}

message ClientMessageEntryProto {
  bytes content = 1;
}

enum ReplicationLevel {
  MAJORITY = 0;
  ALL = 1;
  MAJORITY_COMMITTED = 2;
  ALL_COMMITTED = 3;
}

enum RaftPeerRole {
  LEADER = 0;
  CANDIDATE = 1;
  FOLLOWER = 2;
  LISTENER = 3;
}

message WriteRequestTypeProto {
  ReplicationLevel replication = 1;
}

message MessageStreamRequestTypeProto {
  uint64 streamId = 1;
  uint64 messageId = 2;
  bool endOfRequest = 3;
}

message DataStreamRequestTypeProto {
}

message ForwardRequestTypeProto {
}

message ReadRequestTypeProto {
  bool preferNonLinearizable = 1;
  bool readAfterWriteConsistent = 2;
}

message StaleReadRequestTypeProto {
  uint64 minIndex = 1;
}

message WatchRequestTypeProto {
  uint64 index = 1;
  ReplicationLevel replication = 2;
}

message RouteProto {
  RaftPeerIdProto peerId = 1;
  repeated RaftPeerIdProto successors = 2;
}

message RoutingTableProto {
  repeated RouteProto routes = 1;
}

message RaftClientRequestProto {
  RaftRpcRequestProto rpcRequest = 1;
  ClientMessageEntryProto message = 2;

  oneof Type {
    WriteRequestTypeProto write = 3;
    ReadRequestTypeProto read = 4;
    StaleReadRequestTypeProto staleRead = 5;
    WatchRequestTypeProto watch = 6;
    MessageStreamRequestTypeProto messageStream = 7;
    DataStreamRequestTypeProto dataStream = 8;
    ForwardRequestTypeProto forward = 9;
  }
}

message NotLeaderExceptionProto {
  RaftPeerProto suggestedLeader = 1;
  repeated RaftPeerProto peersInConf = 2;
}

message LeaderNotReadyExceptionProto {
  RaftGroupMemberIdProto serverId = 1;
}

message NotReplicatedExceptionProto {
  uint64 callId = 1;
  ReplicationLevel replication = 2;
  uint64 logIndex = 3;
}

message StateMachineExceptionProto {
  string exceptionClassName = 1;
  string errorMsg = 2;
  bytes stacktrace = 3;         // Java-serialized StackTraceElement[]; not read here
}

message AlreadyClosedExceptionProto {
  string exceptionClassName = 1;
  string errorMsg = 2;
  bytes stacktrace = 3;
}

message ThrowableProto {
  string className = 1;
  string errorMessage = 2;
  bytes stackTrace = 3;
  bytes cause = 4;
}

message RaftClientReplyProto {
  RaftRpcReplyProto rpcReply = 1;
  ClientMessageEntryProto message = 2;

  oneof ExceptionDetails {
    NotLeaderExceptionProto notLeaderException = 3;
    NotReplicatedExceptionProto notReplicatedException = 4;
    StateMachineExceptionProto stateMachineException = 5;
    LeaderNotReadyExceptionProto leaderNotReadyException = 6;
    AlreadyClosedExceptionProto alreadyClosedException = 7;
    ThrowableProto dataStreamException = 8;
    ThrowableProto leaderSteppingDownException = 9;
    ThrowableProto transferLeadershipException = 10;
    ThrowableProto readException = 11;
    ThrowableProto readIndexException = 12;
  }

  uint64 logIndex = 14;         // a successful write's log index (Ozone's block commit sequence id)
  repeated CommitInfoProto commitInfos = 15;
}
`;

// Grpc.proto: only the client service. Both methods are bidirectional streams:
// /ratis.grpc.RaftClientProtocolService/ordered and /ratis.grpc.RaftClientProtocolService/unordered.
export const RATIS_GRPC_PROTO = `
syntax = "proto3";
package ratis.grpc;

import "Raft.proto";

service RaftClientProtocolService {
  rpc ordered(stream ratis.common.RaftClientRequestProto)
      returns (stream ratis.common.RaftClientReplyProto) {}

  rpc unordered(stream ratis.common.RaftClientRequestProto)
      returns (stream ratis.common.RaftClientReplyProto) {}
}
`;
