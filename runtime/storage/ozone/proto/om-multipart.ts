// Part of our subset of Apache Ozone 2.2.0 `OmClientProtocol.proto` (see om.ts for the rules it
// follows and how the parts are assembled): multipart uploads, then the smaller requests (S3
// volume, object tagging, service info, ACLs, echo).

export const OM_MULTIPART_MESSAGES = `
// ---- multipart uploads ----------------------------------------------------

message MultipartInfoInitiateRequest {
  required KeyArgs keyArgs = 1;
}

message MultipartInfoInitiateResponse {
  required string volumeName = 1;
  required string bucketName = 2;
  required string keyName = 3;
  required string multipartUploadID = 4;
}

message MultipartCommitUploadPartRequest {
  required KeyArgs keyArgs = 1;
  required uint64 clientID = 2;
}

message MultipartCommitUploadPartResponse {
  optional string partName = 1;
  optional string eTag = 2;
}

message MultipartUploadCompleteRequest {
  required KeyArgs keyArgs = 1;
  repeated Part partsList = 2;
}

message MultipartUploadCompleteResponse {
  optional string volume = 1;
  optional string bucket = 2;
  optional string key = 3;
  optional string hash = 4;           // final ETag
}

message Part {
  required uint32 partNumber = 1;
  required string partName = 2;
  optional string eTag = 3;
}

message MultipartUploadAbortRequest {
  required KeyArgs keyArgs = 1;
}

message MultipartUploadAbortResponse {
}

message MultipartUploadListPartsRequest {
  required string volume = 1;
  required string bucket = 2;
  required string key = 3;
  required string uploadID = 4;
  optional uint32 partNumbermarker = 5;
  optional uint32 maxParts = 6;
}

message MultipartUploadListPartsResponse {
  optional hadoop.hdds.ReplicationType type = 2;
  optional hadoop.hdds.ReplicationFactor factor = 3;
  optional uint32 nextPartNumberMarker = 4;
  optional bool isTruncated = 5;
  repeated PartInfo partsList = 6;
  optional hadoop.hdds.ECReplicationConfig ecReplicationConfig = 7;
}

message PartInfo {
  required uint32 partNumber = 1;
  required string partName = 2;
  required uint64 modificationTime = 3;
  required uint64 size = 4;
  optional string eTag = 5;
}

message ListMultipartUploadsRequest {
  required string volume = 1;
  required string bucket = 2;
  required string prefix = 3;         // required, "" allowed
  optional string keyMarker = 4;
  optional string uploadIdMarker = 5;
  optional int32 maxUploads = 6;
  optional bool withPagination = 7;   // send true to get markers
}

message ListMultipartUploadsResponse {
  optional bool isTruncated = 1;
  repeated MultipartUploadInfo uploadsList = 2;
  optional string nextKeyMarker = 3;
  optional string nextUploadIdMarker = 4;
}

message MultipartUploadInfo {
  required string volumeName = 1;
  required string bucketName = 2;
  required string keyName = 3;
  required string uploadId = 4;
  required uint64 creationTime = 5;
  required hadoop.hdds.ReplicationType type = 6;
  optional hadoop.hdds.ReplicationFactor factor = 7;
  optional hadoop.hdds.ECReplicationConfig ecReplicationConfig = 8;
}

// ---- S3 volume, tagging, service info, echo -------------------------------

message GetS3VolumeContextRequest {
}

message GetS3VolumeContextResponse {
  optional VolumeInfo volumeInfo = 1;
  optional string userPrincipal = 2;
}

message PutObjectTaggingRequest {
  required KeyArgs keyArgs = 1;       // keyArgs.tags = the new tag set
}

message PutObjectTaggingResponse {
}

message GetObjectTaggingRequest {
  required KeyArgs keyArgs = 1;
}

message GetObjectTaggingResponse {
  repeated hadoop.hdds.KeyValue tags = 1;
}

message DeleteObjectTaggingRequest {
  required KeyArgs keyArgs = 1;
}

message DeleteObjectTaggingResponse {
}

message ServiceListRequest {
}

message ServiceListResponse {
  repeated ServiceInfo serviceInfo = 2;
  optional string caCertificate = 3;
  repeated string caCerts = 4;
}

message ServicePort {
  enum Type {
    RPC = 1;
    HTTP = 2;
    HTTPS = 3;
    RATIS = 4;
  }
  required Type type = 1;
  required uint32 value = 2;
}

message OMRoleInfo {
  required string nodeId = 1;
  required string serverRole = 2;
}

message FsServerDefaultsProto {
  optional string keyProviderUri = 1;
}

message ServiceInfo {
  required hadoop.hdds.NodeType nodeType = 1;
  required string hostname = 2;
  repeated ServicePort servicePorts = 3;
  optional OMRoleInfo omRole = 4;
  optional int32 OMVersion = 5 [default = 0];
  optional FsServerDefaultsProto serverDefaults = 6;
}

// ACLs of a volume, bucket, key or prefix (ozone/acl.ts).
message OzoneObj {
  enum ObjectType {
    VOLUME = 1;
    BUCKET = 2;
    KEY = 3;
    PREFIX = 4;
  }
  enum StoreType {
    OZONE = 1;
    S3 = 2;
  }
  required ObjectType resType = 1;
  required StoreType storeType = 2 [default = S3];
  required string path = 3;
}

message GetAclRequest {
  required OzoneObj obj = 1;
}

message GetAclResponse {
  repeated OzoneAclInfo acls = 1;
}

message AddAclRequest {
  required OzoneObj obj = 1;
  required OzoneAclInfo acl = 2;
  optional uint64 modificationTime = 3;
}

message AddAclResponse {
  required bool response = 1;
}

message RemoveAclRequest {
  required OzoneObj obj = 1;
  required OzoneAclInfo acl = 2;
  optional uint64 modificationTime = 3;
}

message RemoveAclResponse {
  required bool response = 1;
}

message SetAclRequest {
  required OzoneObj obj = 1;
  repeated OzoneAclInfo acl = 2;
  optional uint64 modificationTime = 3;
}

message SetAclResponse {
  required bool response = 1;
}

// Cheap liveness probe.
message EchoRPCRequest {
  optional bytes payloadReq = 1;
  optional int32 payloadSizeResp = 2;
  optional bool readOnly = 3 [default = true];
}

message EchoRPCResponse {
  optional bytes payload = 1;
}
`;
