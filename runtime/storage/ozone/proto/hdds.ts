// Our own subset of Apache Ozone 2.2.0 `hdds.proto` (package hadoop.hdds).
//
// Only the messages the OM and datanode clients touch are declared. Field
// numbers, names, types, labels, defaults and enum values match the
// ozone-2.2.0 tag exactly, so this subset is wire-compatible; anything not
// declared here is skipped by the decoder as an unknown field.
// Registered with protobufjs under the file name "hdds.proto" (see index.ts).

export const HDDS_PROTO = `
syntax = "proto2";
package hadoop.hdds;

// 128-bit id split into two signed halves.
message UUID {
  required int64 mostSigBits = 1;
  required int64 leastSigBits = 2;
}

message DatanodeIDProto {
  required UUID uuid = 1;
}

// A datanode as the OM reports it inside a pipeline.
message DatanodeDetailsProto {
  optional string uuid = 1;
  required string ipAddress = 2;
  required string hostName = 3;
  repeated Port ports = 4;            // look for the "STANDALONE" entry
  optional string certSerialId = 5;
  optional string networkName = 6;
  optional string networkLocation = 7;
  optional NodeOperationalState persistedOpState = 8;
  optional int64 persistedOpStateExpiry = 9;
  optional int32 currentVersion = 10;
  optional UUID uuid128 = 100;
  optional uint32 level = 101;
  optional DatanodeIDProto id = 102;
}

message Port {
  required string name = 1;
  required uint32 value = 2;
}

message PipelineID {
  optional string id = 1;
  optional UUID uuid128 = 100;
}

enum PipelineState {
  PIPELINE_ALLOCATED = 1;
  PIPELINE_OPEN = 2;
  PIPELINE_DORMANT = 3;
  PIPELINE_CLOSED = 4;
}

message Pipeline {
  repeated DatanodeDetailsProto members = 1;
  optional PipelineState state = 2 [default = PIPELINE_ALLOCATED];
  optional ReplicationType type = 3 [default = STAND_ALONE];
  optional ReplicationFactor factor = 4 [default = ONE];
  required PipelineID id = 5;
  optional string leaderID = 6;
  repeated uint32 memberOrders = 7;
  optional uint64 creationTimeStamp = 8;
  optional UUID suggestedLeaderID = 9;
  repeated uint32 memberReplicaIndexes = 10;
  optional ECReplicationConfig ecReplicationConfig = 11;
  optional UUID leaderID128 = 100;
  optional DatanodeIDProto leaderDatanodeID = 101;
  optional DatanodeIDProto suggestedLeaderDatanodeID = 102;
}

// Generic string pair (key metadata, tags, bucket metadata).
message KeyValue {
  required string key = 1;
  optional string value = 2;
}

enum StorageTypeProto {
  DISK = 1;
  SSD = 2;
  ARCHIVE = 3;
  RAM_DISK = 4;
  PROVIDED = 5;
}

// Used by the OM ServiceList answer.
enum NodeType {
  OM = 1;
  SCM = 2;
  DATANODE = 3;
  RECON = 4;
}

enum NodeOperationalState {
  IN_SERVICE = 1;
  ENTERING_MAINTENANCE = 2;
  IN_MAINTENANCE = 3;
  DECOMMISSIONING = 4;
  DECOMMISSIONED = 5;
}

enum ReplicationType {
  RATIS = 1;
  STAND_ALONE = 2;
  CHAINED = 3;
  EC = 4;
  NONE = -1;
}

enum ReplicationFactor {
  ONE = 1;
  THREE = 3;
  ZERO = 0;
}

message ECReplicationConfig {
  required int32 data = 1;
  required int32 parity = 2;
  required string codec = 3;
  required int32 ecChunkSize = 4;
}

message DefaultReplicationConfig {
  required ReplicationType type = 1;
  optional ReplicationFactor factor = 2;
  optional ECReplicationConfig ecReplicationConfig = 3;
}

// What AllocateBlock should avoid after a failed write.
message ExcludeListProto {
  repeated string datanodes = 1;
  repeated int64 containerIds = 2;
  repeated PipelineID pipelineIds = 3;
}

message ContainerBlockID {
  required int64 containerID = 1;
  required int64 localID = 2;
}

message BlockID {
  required ContainerBlockID containerBlockID = 1;
  optional uint64 blockCommitSequenceId = 2 [default = 0];
}
`;
