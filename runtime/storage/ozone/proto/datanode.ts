// Our own subset of Apache Ozone 2.2.0 `DatanodeClientProtocol.proto`
// (package hadoop.hdds.datanode): the block/chunk commands a client needs on
// the datanode's standalone gRPC port.
//
// Field numbers, names, types, labels, defaults and enum values are exactly
// those of the ozone-2.2.0 tag. `Type` and `Result` are complete (closed proto2
// enums). Container-admin, small-file, list and delete commands are not
// declared; their envelope fields are left out and skipped on decode.
// The file is self-contained (no imports). Registered as
// "DatanodeClientProtocol.proto" (see index.ts).

export const DATANODE_PROTO = `
syntax = "proto2";
package hadoop.hdds.datanode;

// Command selector (complete list).
enum Type {
  CreateContainer = 1;
  ReadContainer = 2;
  UpdateContainer = 3;
  DeleteContainer = 4;
  ListContainer = 5;
  PutBlock = 6;
  GetBlock = 7;
  DeleteBlock = 8;
  ListBlock = 9;
  ReadChunk = 10;
  DeleteChunk = 11;
  WriteChunk = 12;
  ListChunk = 13;
  CompactChunk = 14;
  PutSmallFile = 15;
  GetSmallFile = 16;
  CloseContainer = 17;
  GetCommittedBlockLength = 18;
  StreamInit = 19;
  StreamWrite = 20;
  FinalizeBlock = 21;
  Echo = 22;
  GetContainerChecksumInfo = 23;
  ReadBlock = 24;
}

// Outcome of a command (complete list).
enum Result {
  SUCCESS = 1;
  UNSUPPORTED_REQUEST = 2;
  MALFORMED_REQUEST = 3;
  CONTAINER_INTERNAL_ERROR = 4;
  INVALID_CONFIG = 5;
  INVALID_FILE_HASH_FOUND = 6;
  CONTAINER_EXISTS = 7;
  NO_SUCH_ALGORITHM = 8;
  CONTAINER_NOT_FOUND = 9;
  IO_EXCEPTION = 10;
  UNABLE_TO_READ_METADATA_DB = 11;
  NO_SUCH_BLOCK = 12;
  OVERWRITE_FLAG_REQUIRED = 13;
  UNABLE_TO_FIND_DATA_DIR = 14;
  INVALID_WRITE_SIZE = 15;
  CHECKSUM_MISMATCH = 16;
  UNABLE_TO_FIND_CHUNK = 17;
  PROTOC_DECODING_ERROR = 18;
  INVALID_ARGUMENT = 19;
  PUT_SMALL_FILE_ERROR = 20;
  GET_SMALL_FILE_ERROR = 21;
  CLOSED_CONTAINER_IO = 22;
  ERROR_IN_COMPACT_DB = 24;
  UNCLOSED_CONTAINER_IO = 25;
  DELETE_ON_OPEN_CONTAINER = 26;
  CLOSED_CONTAINER_RETRY = 27;
  INVALID_CONTAINER_STATE = 28;
  DISK_OUT_OF_SPACE = 29;
  CONTAINER_ALREADY_EXISTS = 30;
  CONTAINER_METADATA_ERROR = 31;
  CONTAINER_FILES_CREATE_ERROR = 32;
  CONTAINER_CHECKSUM_ERROR = 33;
  UNKNOWN_CONTAINER_TYPE = 34;
  BLOCK_NOT_COMMITTED = 35;
  CONTAINER_UNHEALTHY = 36;
  UNKNOWN_BCSID = 37;
  BCSID_MISMATCH = 38;
  CONTAINER_NOT_OPEN = 39;
  CONTAINER_MISSING = 40;
  BLOCK_TOKEN_VERIFICATION_FAILED = 41;
  ERROR_IN_DB_SYNC = 42;
  CHUNK_FILE_INCONSISTENCY = 43;
  DELETE_ON_NON_EMPTY_CONTAINER = 44;
  EXPORT_CONTAINER_METADATA_FAILED = 45;
  IMPORT_CONTAINER_METADATA_FAILED = 46;
  BLOCK_ALREADY_FINALIZED = 47;
  CONTAINER_ID_MISMATCH = 48;
}

// Block address on a datanode (BCSID from the OM's BlockID).
message DatanodeBlockID {
  required int64 containerID = 1;
  required int64 localID = 2;
  optional uint64 blockCommitSequenceId = 3 [default = 0];
  optional int32 replicaIndex = 4;    // EC only
}

// The datanode's own string pair (not hadoop.hdds.KeyValue).
message KeyValue {
  required string key = 1;
  optional string value = 2;
}

// Request envelope: containerID and datanodeUuid are required.
message ContainerCommandRequestProto {
  required Type cmdType = 1;
  optional string traceID = 2;
  required int64 containerID = 3;
  required string datanodeUuid = 4;
  optional string pipelineID = 5;

  optional PutBlockRequestProto putBlock = 12;
  optional GetBlockRequestProto getBlock = 13;
  optional ReadChunkRequestProto readChunk = 16;
  optional WriteChunkRequestProto writeChunk = 17;
  optional GetCommittedBlockLengthRequestProto getCommittedBlockLength = 22;

  optional string encodedToken = 23;  // only with block tokens
  optional uint32 version = 24;       // send 3
  optional FinalizeBlockRequestProto finalizeBlock = 25;
  optional EchoRequestProto echo = 26;
  optional ReadBlockRequestProto readBlock = 28;
}

message ContainerCommandResponseProto {
  required Type cmdType = 1;
  optional string traceID = 2;
  required Result result = 3;
  optional string message = 4;

  optional PutBlockResponseProto putBlock = 11;
  optional GetBlockResponseProto getBlock = 12;
  optional WriteChunkResponseProto writeChunk = 15;
  optional ReadChunkResponseProto readChunk = 16;
  optional GetCommittedBlockLengthResponseProto getCommittedBlockLength = 21;
  optional FinalizeBlockResponseProto finalizeBlock = 22;
  optional EchoResponseProto echo = 23;
  optional ReadBlockResponseProto readBlock = 25;
}

// ---- blocks ---------------------------------------------------------------

message BlockData {
  required DatanodeBlockID blockID = 1;
  optional int64 flags = 2;
  repeated KeyValue metadata = 3;     // the Java client sends TYPE=KEY
  repeated ChunkInfo chunks = 4;
  optional int64 size = 5;
}

message PutBlockRequestProto {
  required BlockData blockData = 1;
  optional bool eof = 2;
}

message PutBlockResponseProto {
  required GetCommittedBlockLengthResponseProto committedBlockLength = 1;
}

message FinalizeBlockRequestProto {
  required DatanodeBlockID blockID = 1;
}

message FinalizeBlockResponseProto {
  required BlockData blockData = 1;
}

message GetBlockRequestProto {
  required DatanodeBlockID blockID = 1;
}

message GetBlockResponseProto {
  required BlockData blockData = 1;
}

message GetCommittedBlockLengthRequestProto {
  required DatanodeBlockID blockID = 1;
}

message GetCommittedBlockLengthResponseProto {
  required DatanodeBlockID blockID = 1;
  required int64 blockLength = 2;
}

// Streaming read: one request, several responses.
message ReadBlockRequestProto {
  required DatanodeBlockID blockID = 1;
  required uint64 offset = 2;
  optional uint64 length = 3;
  optional uint32 responseDataSize = 4;
}

message ReadBlockResponseProto {
  required ChecksumData checksumData = 1;
  required uint64 offset = 2;
  required bytes data = 3;
}

message EchoRequestProto {
  optional bytes payload = 1;
  optional int32 payloadSizeResp = 2;
  optional int32 sleepTimeMs = 3;
  optional bool readOnly = 4;
}

message EchoResponseProto {
  optional bytes payload = 1;
}

// ---- chunks ---------------------------------------------------------------

// offset is relative to the block; checksumData is required.
message ChunkInfo {
  required string chunkName = 1;
  required uint64 offset = 2;
  required uint64 len = 3;
  repeated KeyValue metadata = 4;
  required ChecksumData checksumData = 5;
  optional bytes stripeChecksum = 6;
}

// One checksum per bytesPerChecksum window (CRC32: 4 bytes, big-endian).
message ChecksumData {
  required ChecksumType type = 1;
  required uint32 bytesPerChecksum = 2;
  repeated bytes checksums = 3;
}

enum ChecksumType {
  NONE = 1;
  CRC32 = 2;
  CRC32C = 3;
  SHA256 = 4;
  MD5 = 5;
}

message WriteChunkRequestProto {
  required DatanodeBlockID blockID = 1;
  optional ChunkInfo chunkData = 2;
  optional bytes data = 3;
  optional PutBlockRequestProto block = 4;
}

message WriteChunkResponseProto {
  optional GetCommittedBlockLengthResponseProto committedBlockLength = 1;
}

enum ReadChunkVersion {
  V0 = 0;   // data in one buffer
  V1 = 1;   // data split into DataBuffers
}

message ReadChunkRequestProto {
  required DatanodeBlockID blockID = 1;
  required ChunkInfo chunkData = 2;
  optional ReadChunkVersion readChunkVersion = 3;
}

message ReadChunkResponseProto {
  required DatanodeBlockID blockID = 1;
  required ChunkInfo chunkData = 2;
  oneof responseData {
    bytes data = 3;
    DataBuffers dataBuffers = 4;
  }
}

message DataBuffers {
  repeated bytes buffers = 1;
}

// Bidirectional stream: /hadoop.hdds.datanode.XceiverClientProtocolService/send
service XceiverClientProtocolService {
  rpc send(stream ContainerCommandRequestProto) returns (stream ContainerCommandResponseProto);
}
`;
