// Our own subset of Apache Ozone 2.2.0 `OmClientProtocol.proto` (package
// hadoop.ozone), enough for an S3 gateway talking to the OM over gRPC.
//
// Rules followed here:
// - Field numbers, names, types, labels (required/optional/repeated),
//   [default = ...] values and enum values are exactly those of the
//   ozone-2.2.0 tag. Message, field and enum names keep Ozone's spelling so
//   fully qualified names (hadoop.ozone.OMRequest, ...) match.
// - `Type` and `Status` are complete: proto2 enums are closed, so a value we
//   did not declare would make a required field look missing on decode.
// - Only the sub-requests/responses we use are declared in OMRequest and
//   OMResponse. Fields whose message types we do not carry are left out
//   (the decoder skips them): KeyArgs.fileEncryptionInfo (15),
//   KeyInfo.fileEncryptionInfo (12), KeyInfo.fileChecksum (18),
//   KeyLocationList.fileEncryptionInfo (3), OMRequest.readConsistencyHint (7),
//   and every snapshot / tenant / prefix / volume-admin / FSO message but
//   CreateDirectory (a folder marker in an FSO bucket, fso.ts).
// - Careful: a Type number is not always the OMRequest/OMResponse field
//   number (ListMultipartUploads 82 -> request field 83; PutObjectTagging
//   140 -> field 141; GetObjectTagging 141 -> field 140; ListKeysLight 126 ->
//   request field 35, response field 126).
// Registered with protobufjs as "OmClientProtocol.proto" (see index.ts).
//
// The file's text is assembled from three modules: this one (the OMRequest/OMResponse envelope,
// the Type and Status enums, identity, the service), om-buckets-keys.ts (volumes, buckets, keys)
// and om-multipart.ts (multipart uploads, S3 volume, tagging, service info, ACLs, echo).

import { OM_BUCKET_KEY_MESSAGES } from "./om-buckets-keys.js";
import { OM_MULTIPART_MESSAGES } from "./om-multipart.js";

const OM_ENVELOPE = `
syntax = "proto2";
package hadoop.ozone;

import "hdds.proto";
import "Security.proto";

// Command selector of OMRequest/OMResponse (complete list).
enum Type {
  UnknownCommand = 0;
  CreateVolume = 11;
  SetVolumeProperty = 12;
  CheckVolumeAccess = 13;
  InfoVolume = 14;
  DeleteVolume = 15;
  ListVolume = 16;
  CreateBucket = 21;
  InfoBucket = 22;
  SetBucketProperty = 23;
  DeleteBucket = 24;
  ListBuckets = 25;
  CreateKey = 31;
  LookupKey = 32;
  RenameKey = 33;
  DeleteKey = 34;
  ListKeys = 35;
  CommitKey = 36;
  AllocateBlock = 37;
  DeleteKeys = 38;
  RenameKeys = 39;
  DeleteOpenKeys = 40;
  InitiateMultiPartUpload = 45;
  CommitMultiPartUpload = 46;
  CompleteMultiPartUpload = 47;
  AbortMultiPartUpload = 48;
  GetS3Secret = 49;
  ListMultiPartUploadParts = 50;
  ServiceList = 51;
  DBUpdates = 53;
  FinalizeUpgrade = 54;
  FinalizeUpgradeProgress = 55;
  Prepare = 56;
  PrepareStatus = 57;
  CancelPrepare = 58;
  GetDelegationToken = 61;
  RenewDelegationToken = 62;
  CancelDelegationToken = 63;
  GetFileStatus = 70;
  CreateDirectory = 71;
  CreateFile = 72;
  LookupFile = 73;
  ListStatus = 74;
  AddAcl = 75;
  RemoveAcl = 76;
  SetAcl = 77;
  GetAcl = 78;
  PurgeKeys = 81;
  ListMultipartUploads = 82;
  ListTrash = 91;
  RecoverTrash = 92;
  RevokeS3Secret = 93;
  PurgePaths = 94;
  PurgeDirectories = 95;
  CreateTenant = 96;
  DeleteTenant = 97;
  ListTenant = 98;
  TenantGetUserInfo = 99;
  TenantAssignUserAccessId = 100;
  TenantRevokeUserAccessId = 101;
  TenantAssignAdmin = 102;
  TenantRevokeAdmin = 103;
  GetS3VolumeContext = 104;
  TenantListUser = 105;
  SetS3Secret = 106;
  SetRangerServiceVersion = 107;
  RangerBGSync = 109;
  EchoRPC = 110;
  GetKeyInfo = 111;
  CreateSnapshot = 112;
  ListSnapshot = 113;
  SnapshotDiff = 114;
  DeleteSnapshot = 115;
  SnapshotMoveDeletedKeys = 116;
  TransferLeadership = 117;
  SnapshotPurge = 118;
  RecoverLease = 119;
  SetTimes = 120;
  RefetchSecretKey = 121;
  ListSnapshotDiffJobs = 122;
  CancelSnapshotDiff = 123;
  SetSafeMode = 124;
  PrintCompactionLogDag = 125;
  ListKeysLight = 126;
  AbortExpiredMultiPartUploads = 127;
  SetSnapshotProperty = 128;
  ListStatusLight = 129;
  GetSnapshotInfo = 130;
  RenameSnapshot = 131;
  ListOpenFiles = 132;
  QuotaRepair = 133;
  GetQuotaRepairStatus = 135;
  StartQuotaRepair = 136;
  SnapshotMoveTableKeys = 137;
  PutObjectTagging = 140;
  GetObjectTagging = 141;
  DeleteObjectTagging = 142;
  SubmitSnapshotDiff = 143;
}

// Request envelope. Exactly one sub-request, matching cmdType, is set.
message OMRequest {
  required Type cmdType = 1;
  optional string traceID = 2;
  required string clientId = 3;
  optional UserInfo userInfo = 4;
  optional uint32 version = 5;                 // send 3
  optional LayoutVersion layoutVersion = 6;

  optional CreateVolumeRequest createVolumeRequest = 11;
  optional InfoVolumeRequest infoVolumeRequest = 14;
  optional DeleteVolumeRequest deleteVolumeRequest = 15;
  optional CreateBucketRequest createBucketRequest = 21;
  optional InfoBucketRequest infoBucketRequest = 22;
  optional DeleteBucketRequest deleteBucketRequest = 24;
  optional ListBucketsRequest listBucketsRequest = 25;

  optional CreateKeyRequest createKeyRequest = 31;
  optional LookupKeyRequest lookupKeyRequest = 32;
  optional DeleteKeyRequest deleteKeyRequest = 34;
  optional ListKeysRequest listKeysRequest = 35;
  optional ListStatusRequest listStatusRequest = 74;   // also used by ListStatusLight   // also used by ListKeysLight
  optional CreateDirectoryRequest createDirectoryRequest = 71;
  optional AddAclRequest addAclRequest = 75;
  optional RemoveAclRequest removeAclRequest = 76;
  optional SetAclRequest setAclRequest = 77;
  optional GetAclRequest getAclRequest = 78;
  optional CommitKeyRequest commitKeyRequest = 36;
  optional AllocateBlockRequest allocateBlockRequest = 37;
  optional DeleteKeysRequest deleteKeysRequest = 38;

  optional MultipartInfoInitiateRequest initiateMultiPartUploadRequest = 45;
  optional MultipartCommitUploadPartRequest commitMultiPartUploadRequest = 46;
  optional MultipartUploadCompleteRequest completeMultiPartUploadRequest = 47;
  optional MultipartUploadAbortRequest abortMultiPartUploadRequest = 48;
  optional MultipartUploadListPartsRequest listMultipartUploadPartsRequest = 50;

  optional ServiceListRequest serviceListRequest = 51;

  // Type ListMultipartUploads is 82, but its request lives in field 83.
  optional ListMultipartUploadsRequest listMultipartUploadsRequest = 83;

  optional S3Authentication s3Authentication = 95;   // send on every call

  optional GetS3VolumeContextRequest getS3VolumeContextRequest = 104;

  // These two field names start with a capital letter in Ozone.
  optional EchoRPCRequest EchoRPCRequest = 110;
  optional GetKeyInfoRequest GetKeyInfoRequest = 111;

  // Tagging: note 140 = get, 141 = put (the Type numbers are the other way round).
  optional GetObjectTaggingRequest getObjectTaggingRequest = 140;
  optional PutObjectTaggingRequest putObjectTaggingRequest = 141;
  optional DeleteObjectTaggingRequest deleteObjectTaggingRequest = 142;
}

// Response envelope. status != OK means the sub-response is usually absent.
message OMResponse {
  required Type cmdType = 1;
  optional string traceID = 2;
  optional bool success = 3 [default = true];
  optional string message = 4;
  required Status status = 5;
  optional string leaderOMNodeId = 6;

  optional CreateVolumeResponse createVolumeResponse = 11;
  optional InfoVolumeResponse infoVolumeResponse = 14;
  optional DeleteVolumeResponse deleteVolumeResponse = 15;
  optional CreateBucketResponse createBucketResponse = 21;
  optional InfoBucketResponse infoBucketResponse = 22;
  optional DeleteBucketResponse deleteBucketResponse = 24;
  optional ListBucketsResponse listBucketsResponse = 25;

  optional CreateKeyResponse createKeyResponse = 31;
  optional LookupKeyResponse lookupKeyResponse = 32;
  optional DeleteKeyResponse deleteKeyResponse = 34;
  optional CreateDirectoryResponse createDirectoryResponse = 71;
  optional ListKeysResponse listKeysResponse = 35;
  optional CommitKeyResponse commitKeyResponse = 36;
  optional AllocateBlockResponse allocateBlockResponse = 37;
  optional DeleteKeysResponse deleteKeysResponse = 38;

  optional AddAclResponse addAclResponse = 75;
  optional RemoveAclResponse removeAclResponse = 76;
  optional SetAclResponse setAclResponse = 77;
  optional GetAclResponse getAclResponse = 78;

  optional MultipartInfoInitiateResponse initiateMultiPartUploadResponse = 45;
  optional MultipartCommitUploadPartResponse commitMultiPartUploadResponse = 46;
  optional MultipartUploadCompleteResponse completeMultiPartUploadResponse = 47;
  optional MultipartUploadAbortResponse abortMultiPartUploadResponse = 48;
  optional MultipartUploadListPartsResponse listMultipartUploadPartsResponse = 50;

  optional ServiceListResponse ServiceListResponse = 51;

  optional ListMultipartUploadsResponse listMultipartUploadsResponse = 82;

  optional GetS3VolumeContextResponse getS3VolumeContextResponse = 104;

  optional EchoRPCResponse EchoRPCResponse = 110;
  optional GetKeyInfoResponse GetKeyInfoResponse = 111;

  // Answer to Type ListKeysLight.
  optional ListKeysLightResponse listKeysLightResponse = 126;
  optional ListStatusLightResponse listStatusLightResponse = 129;

  optional OMLockDetailsProto omLockDetails = 131;

  optional GetObjectTaggingResponse getObjectTaggingResponse = 140;
  optional PutObjectTaggingResponse putObjectTaggingResponse = 141;
  optional DeleteObjectTaggingResponse deleteObjectTaggingResponse = 142;
}

// Result codes (complete list).
enum Status {
  OK = 1;
  VOLUME_NOT_UNIQUE = 2;
  VOLUME_NOT_FOUND = 3;
  VOLUME_NOT_EMPTY = 4;
  VOLUME_ALREADY_EXISTS = 5;
  USER_NOT_FOUND = 6;
  USER_TOO_MANY_VOLUMES = 7;
  BUCKET_NOT_FOUND = 8;
  BUCKET_NOT_EMPTY = 9;
  BUCKET_ALREADY_EXISTS = 10;
  KEY_ALREADY_EXISTS = 11;
  KEY_NOT_FOUND = 12;
  INVALID_KEY_NAME = 13;
  ACCESS_DENIED = 14;
  INTERNAL_ERROR = 15;
  KEY_ALLOCATION_ERROR = 16;
  KEY_DELETION_ERROR = 17;
  KEY_RENAME_ERROR = 18;
  METADATA_ERROR = 19;
  OM_NOT_INITIALIZED = 20;
  SCM_VERSION_MISMATCH_ERROR = 21;
  INITIATE_MULTIPART_UPLOAD_ERROR = 24;
  MULTIPART_UPLOAD_PARTFILE_ERROR = 25;
  NO_SUCH_MULTIPART_UPLOAD_ERROR = 26;
  MISMATCH_MULTIPART_LIST = 27;
  MISSING_UPLOAD_PARTS = 28;
  COMPLETE_MULTIPART_UPLOAD_ERROR = 29;
  ENTITY_TOO_SMALL = 30;
  ABORT_MULTIPART_UPLOAD_FAILED = 31;
  S3_SECRET_NOT_FOUND = 32;
  INVALID_AUTH_METHOD = 33;
  INVALID_TOKEN = 34;
  TOKEN_EXPIRED = 35;
  TOKEN_ERROR_OTHER = 36;
  LIST_MULTIPART_UPLOAD_PARTS_FAILED = 37;
  SCM_IN_SAFE_MODE = 38;
  INVALID_REQUEST = 39;
  BUCKET_ENCRYPTION_KEY_NOT_FOUND = 40;
  UNKNOWN_CIPHER_SUITE = 41;
  INVALID_KMS_PROVIDER = 42;
  TOKEN_CREATION_ERROR = 43;
  FILE_NOT_FOUND = 44;
  DIRECTORY_NOT_FOUND = 45;
  FILE_ALREADY_EXISTS = 46;
  NOT_A_FILE = 47;
  PERMISSION_DENIED = 48;
  TIMEOUT = 49;
  PREFIX_NOT_FOUND = 50;
  RATIS_ERROR = 52;
  INVALID_PATH_IN_ACL_REQUEST = 53;
  USER_MISMATCH = 54;
  INVALID_PART = 55;
  INVALID_PART_ORDER = 56;
  SCM_GET_PIPELINE_EXCEPTION = 57;
  INVALID_BUCKET_NAME = 58;
  CANNOT_CREATE_DIRECTORY_AT_ROOT = 59;
  DIRECTORY_ALREADY_EXISTS = 60;
  INVALID_VOLUME_NAME = 61;
  PARTIAL_DELETE = 62;
  DETECTED_LOOP_IN_BUCKET_LINKS = 63;
  NOT_SUPPORTED_OPERATION = 64;
  PARTIAL_RENAME = 65;
  QUOTA_EXCEEDED = 66;
  QUOTA_ERROR = 67;
  DIRECTORY_NOT_EMPTY = 68;
  PERSIST_UPGRADE_TO_LAYOUT_VERSION_FAILED = 69;
  REMOVE_UPGRADE_TO_LAYOUT_VERSION_FAILED = 70;
  UPDATE_LAYOUT_VERSION_FAILED = 71;
  LAYOUT_FEATURE_FINALIZATION_FAILED = 72;
  PREPARE_FAILED = 73;
  NOT_SUPPORTED_OPERATION_WHEN_PREPARED = 74;
  NOT_SUPPORTED_OPERATION_PRIOR_FINALIZATION = 75;
  TENANT_NOT_FOUND = 76;
  TENANT_ALREADY_EXISTS = 77;
  INVALID_TENANT_ID = 78;
  ACCESS_ID_NOT_FOUND = 79;
  TENANT_USER_ACCESS_ID_ALREADY_EXISTS = 80;
  INVALID_TENANT_USERNAME = 81;
  INVALID_ACCESS_ID = 82;
  TENANT_AUTHORIZER_ERROR = 83;
  VOLUME_IS_REFERENCED = 84;
  TENANT_NOT_EMPTY = 85;
  FEATURE_NOT_ENABLED = 86;
  INVALID_SNAPSHOT_ERROR = 87;
  CONTAINS_SNAPSHOT = 88;
  SSL_CONNECTION_FAILURE = 89;
  RENAME_OPEN_FILE = 90;
  UNAUTHORIZED = 91;
  S3_SECRET_ALREADY_EXISTS = 92;
  INVALID_PATH = 93;
  TOO_MANY_BUCKETS = 94;
  KEY_UNDER_LEASE_RECOVERY = 95;
  KEY_ALREADY_CLOSED = 96;
  KEY_UNDER_LEASE_SOFT_LIMIT_PERIOD = 97;
  TOO_MANY_SNAPSHOTS = 98;
  ETAG_MISMATCH = 99;
  ETAG_NOT_AVAILABLE = 100;
  ATOMIC_WRITE_CONFLICT = 101;
}

// ---- identity -------------------------------------------------------------

message UserInfo {
  optional string userName = 1;
  optional string remoteAddress = 3;
  optional string hostName = 4;
}

// With security off only accessId matters (it becomes the caller's user).
message S3Authentication {
  optional string stringToSign = 1;
  optional string signature = 2;
  optional string accessId = 3;
}

message LayoutVersion {
  required uint64 version = 1;
}

message OMLockDetailsProto {
  optional bool isLockAcquired = 1;
  optional uint64 waitLockNanos = 2;
  optional uint64 readLockNanos = 3;
  optional uint64 writeLockNanos = 4;
}
`;

const OM_SERVICE = `
// Unary gRPC service: /hadoop.ozone.OzoneManagerService/submitRequest
service OzoneManagerService {
  rpc submitRequest(OMRequest) returns (OMResponse);
}
`;

export const OM_PROTO = OM_ENVELOPE + OM_BUCKET_KEY_MESSAGES + OM_MULTIPART_MESSAGES + OM_SERVICE;
