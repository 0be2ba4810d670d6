// Part of our subset of Apache Ozone 2.2.0 `OmClientProtocol.proto` (see om.ts for the rules it
// follows and how the parts are assembled): volumes, buckets and keys.

export const OM_BUCKET_KEY_MESSAGES = `
// ---- volumes and buckets --------------------------------------------------

message VolumeInfo {
  required string adminName = 1;
  required string ownerName = 2;
  required string volume = 3;
  optional uint64 quotaInBytes = 4;
  repeated hadoop.hdds.KeyValue metadata = 5;
  repeated OzoneAclInfo volumeAcls = 6;
  optional uint64 creationTime = 7;
  optional uint64 objectID = 8;
  optional uint64 updateID = 9;
  optional uint64 modificationTime = 10;
  optional int64 quotaInNamespace = 11 [default = -2];
  optional uint64 usedNamespace = 12;
  optional int64 refCount = 13;
}

message OzoneAclInfo {
  enum OzoneAclType {
    USER = 1;
    GROUP = 2;
    WORLD = 3;
    ANONYMOUS = 4;
    CLIENT_IP = 5;
  }
  enum OzoneAclScope {
    ACCESS = 0;
    DEFAULT = 1;
  }
  required OzoneAclType type = 1;
  required string name = 2;
  required bytes rights = 3;          // bit set of ACL rights
  required OzoneAclScope aclScope = 4 [default = ACCESS];
}

enum BucketLayoutProto {
  LEGACY = 1;
  FILE_SYSTEM_OPTIMIZED = 2;
  OBJECT_STORE = 3;
}

// Only used to notice encrypted buckets (we cannot serve them).
enum CipherSuiteProto {
  UNKNOWN = 1;
  AES_CTR_NOPADDING = 2;
}

enum CryptoProtocolVersionProto {
  UNKNOWN_PROTOCOL_VERSION = 1;
  ENCRYPTION_ZONES = 2;
}

message BucketEncryptionInfoProto {
  required string keyName = 1;
  optional CipherSuiteProto suite = 2;
  optional CryptoProtocolVersionProto cryptoProtocolVersion = 3;
}

// isVersionEnabled and storageType are required: always put them on the wire.
message BucketInfo {
  required string volumeName = 1;
  required string bucketName = 2;
  repeated OzoneAclInfo acls = 3;
  required bool isVersionEnabled = 4 [default = false];
  required hadoop.hdds.StorageTypeProto storageType = 5 [default = DISK];
  optional uint64 creationTime = 6;
  repeated hadoop.hdds.KeyValue metadata = 7;
  optional BucketEncryptionInfoProto beinfo = 8;
  optional uint64 objectID = 9;
  optional uint64 updateID = 10;
  optional uint64 modificationTime = 11;
  optional string sourceVolume = 12;
  optional string sourceBucket = 13;
  optional uint64 usedBytes = 14;
  optional int64 quotaInBytes = 15 [default = -2];
  optional int64 quotaInNamespace = 16 [default = -2];
  optional uint64 usedNamespace = 17;
  optional BucketLayoutProto bucketLayout = 18;   // send OBJECT_STORE
  optional string owner = 19;
  optional hadoop.hdds.DefaultReplicationConfig defaultReplicationConfig = 20;
  optional uint64 snapshotUsedBytes = 21;
  optional uint64 snapshotUsedNamespace = 22;
}

// volumes: the gateway's tests give every gateway a volume of its own
// shallow ("file system") listing: the immediate children of a path
message ListStatusRequest {
  required KeyArgs keyArgs = 1;
  required bool recursive = 2;
  required string startKey = 3;
  required uint64 numEntries = 4;
  optional bool allowPartialPrefix = 5;
}
message OzoneFileStatusProtoLight {
  optional string volumeName = 1;
  optional string bucketName = 2;
  optional BasicKeyInfo basicKeyInfo = 3;
  optional uint64 blockSize = 4;
  optional bool isDirectory = 5;
}
message ListStatusLightResponse {
  repeated OzoneFileStatusProtoLight statuses = 1;
}

message CreateVolumeRequest {
  required VolumeInfo volumeInfo = 1;
}
message CreateVolumeResponse {
}
message InfoVolumeRequest {
  required string volumeName = 1;
}
message InfoVolumeResponse {
  optional VolumeInfo volumeInfo = 2;
}
message DeleteVolumeRequest {
  required string volumeName = 1;
}
message DeleteVolumeResponse {
}

message CreateBucketRequest {
  required BucketInfo bucketInfo = 1;
}

message CreateBucketResponse {
}

message InfoBucketRequest {
  required string volumeName = 1;
  required string bucketName = 2;
}

message InfoBucketResponse {
  optional BucketInfo bucketInfo = 2;
}

message DeleteBucketRequest {
  required string volumeName = 1;
  required string bucketName = 2;
}

message DeleteBucketResponse {
}

message ListBucketsRequest {
  required string volumeName = 1;
  optional string startKey = 2;       // exclusive
  optional string prefix = 3;
  optional int32 count = 4;
  optional bool hasSnapshot = 5;
}

message ListBucketsResponse {
  repeated BucketInfo bucketInfo = 2;
}

// ---- keys -----------------------------------------------------------------

message KeyArgs {
  required string volumeName = 1;
  required string bucketName = 2;
  required string keyName = 3;
  optional uint64 dataSize = 4;
  optional hadoop.hdds.ReplicationType type = 5 [default = NONE];
  optional hadoop.hdds.ReplicationFactor factor = 6 [default = ZERO];
  repeated KeyLocation keyLocations = 7;
  optional bool isMultipartKey = 8;
  optional string multipartUploadID = 9;
  optional uint32 multipartNumber = 10;
  repeated hadoop.hdds.KeyValue metadata = 11;
  repeated OzoneAclInfo acls = 12;
  optional uint64 modificationTime = 13;
  optional bool sortDatanodes = 14;
  // 15 (fileEncryptionInfo) not declared.
  optional bool latestVersionLocation = 16;
  optional bool recursive = 17;
  optional bool headOp = 18;
  optional hadoop.hdds.ECReplicationConfig ecReplicationConfig = 19;
  optional bool forceUpdateContainerCacheFromSCM = 20;
  optional string ownerName = 21;
  repeated hadoop.hdds.KeyValue tags = 22;
  optional uint64 expectedDataGeneration = 23;
  optional string expectedETag = 24;
}

// One block of a key. offset and length are required.
message KeyLocation {
  required hadoop.hdds.BlockID blockID = 1;
  required uint64 offset = 3;
  required uint64 length = 4;
  optional uint64 createVersion = 5;
  optional hadoop.common.TokenProto token = 6;
  optional hadoop.hdds.Pipeline pipeline = 7;
  optional int32 partNumber = 9 [default = -1];
}

message KeyLocationList {
  optional uint64 version = 1;
  repeated KeyLocation keyLocations = 2;
  // 3 (fileEncryptionInfo) not declared.
  optional bool isMultipartKey = 4 [default = false];
}

message KeyInfo {
  required string volumeName = 1;
  required string bucketName = 2;
  required string keyName = 3;
  required uint64 dataSize = 4;
  required hadoop.hdds.ReplicationType type = 5;
  optional hadoop.hdds.ReplicationFactor factor = 6;
  repeated KeyLocationList keyLocationList = 7;   // newest version last
  required uint64 creationTime = 8;
  required uint64 modificationTime = 9;
  optional uint64 latestVersion = 10;
  repeated hadoop.hdds.KeyValue metadata = 11;
  // 12 (fileEncryptionInfo) not declared.
  repeated OzoneAclInfo acls = 13;
  optional uint64 objectID = 14;
  optional uint64 updateID = 15;
  optional uint64 parentID = 16;
  optional hadoop.hdds.ECReplicationConfig ecReplicationConfig = 17;
  // 18 (fileChecksum) not declared.
  optional bool isFile = 19;
  optional string ownerName = 20;
  repeated hadoop.hdds.KeyValue tags = 21;
  optional uint64 expectedDataGeneration = 22;
}

// Listing entry of ListKeysLight.
message BasicKeyInfo {
  optional string keyName = 1;
  optional uint64 dataSize = 2;
  optional uint64 creationTime = 3;
  optional uint64 modificationTime = 4;
  optional hadoop.hdds.ReplicationType type = 5;
  optional hadoop.hdds.ReplicationFactor factor = 6;
  optional hadoop.hdds.ECReplicationConfig ecReplicationConfig = 7;
  optional string eTag = 8;
  optional string ownerName = 9;
  optional bool isEncrypted = 10;
  optional bool isFile = 11;
}

message CreateKeyRequest {
  required KeyArgs keyArgs = 1;
  optional uint64 clientID = 2;       // replaced by the OM
}

message CreateKeyResponse {
  optional KeyInfo keyInfo = 2;
  optional uint64 ID = 3;             // open-key id for AllocateBlock/Commit
  optional uint64 openVersion = 4;
}

message LookupKeyRequest {
  required KeyArgs keyArgs = 1;
}

message LookupKeyResponse {
  optional KeyInfo keyInfo = 2;
  optional uint64 ID = 3;
  optional uint64 openVersion = 4;
}

message GetKeyInfoRequest {
  required KeyArgs keyArgs = 1;
  optional bool assumeS3Context = 2;
}

message GetKeyInfoResponse {
  optional KeyInfo keyInfo = 1;
  optional VolumeInfo volumeInfo = 2;
  optional string UserPrincipal = 3;
}

message CreateDirectoryRequest {
  required KeyArgs keyArgs = 1;
}

message CreateDirectoryResponse {
}

message DeleteKeyRequest {
  required KeyArgs keyArgs = 1;
}

message DeleteKeyResponse {
  optional KeyInfo keyInfo = 2;
  optional uint64 ID = 3;
  optional uint64 openVersion = 4;
}

message DeleteKeysRequest {
  optional DeleteKeyArgs deleteKeys = 1;
}

message DeleteKeyArgs {
  required string volumeName = 1;
  required string bucketName = 2;
  repeated string keys = 3;
}

message DeleteKeyError {
  optional string key = 1;
  optional string errorCode = 2;
  optional string errorMsg = 3;
}

// Comes with status PARTIAL_DELETE when some keys could not be deleted.
message DeleteKeysResponse {
  optional DeleteKeyArgs unDeletedKeys = 1;
  optional bool status = 2;
  repeated DeleteKeyError errors = 3;
}

message ListKeysRequest {
  required string volumeName = 1;
  required string bucketName = 2;
  optional string startKey = 3;
  optional string prefix = 4;
  optional int32 count = 5;
}

message ListKeysResponse {
  repeated KeyInfo keyInfo = 2;
  optional bool isTruncated = 3;
}

message ListKeysLightResponse {
  repeated BasicKeyInfo basicKeyInfo = 1;
  optional bool isTruncated = 2;
}

message CommitKeyRequest {
  required KeyArgs keyArgs = 1;
  required uint64 clientID = 2;
  optional bool hsync = 3;
  optional bool recovery = 4;
}

message CommitKeyResponse {
}

// keyArgs must repeat type/factor: the OM takes replication from here.
message AllocateBlockRequest {
  required KeyArgs keyArgs = 1;
  required uint64 clientID = 2;
  optional hadoop.hdds.ExcludeListProto excludeList = 3;
  optional KeyLocation keyLocation = 4;
}

message AllocateBlockResponse {
  optional KeyLocation keyLocation = 2;
}
`;
