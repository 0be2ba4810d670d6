/**
 * The one place where Ozone Manager result codes (OMResponse.status, by name) become storage error
 * kinds. Context-dependent meanings (a missing key on delete is success; KEY_ALREADY_EXISTS is a
 * failed precondition at create time and a lost race at commit) are decided by the caller, which
 * passes an override map.
 */
import { StorageError, type StorageErrorKind } from "../types.js";
import { OmStatusError, OmUnavailableError } from "./om-client.js";

const KIND_OF: Record<string, StorageErrorKind> = {
  VOLUME_NOT_FOUND: "BUCKET_NOT_FOUND",
  BUCKET_NOT_FOUND: "BUCKET_NOT_FOUND",
  // a bucket link that leads back to itself (bucket-links.ts finds most first)
  DETECTED_LOOP_IN_BUCKET_LINKS: "BUCKET_NOT_FOUND",
  BUCKET_NOT_EMPTY: "BUCKET_NOT_EMPTY",
  CONTAINS_SNAPSHOT: "BUCKET_NOT_EMPTY",
  BUCKET_ALREADY_EXISTS: "BUCKET_ALREADY_EXISTS",
  KEY_NOT_FOUND: "KEY_NOT_FOUND",
  NO_SUCH_MULTIPART_UPLOAD_ERROR: "UPLOAD_NOT_FOUND",
  INVALID_PART: "INVALID_PART",
  INVALID_PART_ORDER: "INVALID_PART_ORDER",
  MISMATCH_MULTIPART_LIST: "INVALID_PART",
  MISSING_UPLOAD_PARTS: "INVALID_PART",
  ENTITY_TOO_SMALL: "ENTITY_TOO_SMALL",
  KEY_ALREADY_EXISTS: "PRECONDITION_FAILED",
  ETAG_MISMATCH: "PRECONDITION_FAILED",
  ETAG_NOT_AVAILABLE: "PRECONDITION_FAILED",
  ATOMIC_WRITE_CONFLICT: "CONFLICT",
  INVALID_BUCKET_NAME: "INVALID_ARGUMENT",
  INVALID_KEY_NAME: "INVALID_ARGUMENT",
  INVALID_REQUEST: "INVALID_ARGUMENT",
  INVALID_PATH: "INVALID_ARGUMENT",
  // a path that runs into the tree of an FSO bucket (fso.ts): a file where a directory is, or the
  // other way round
  NOT_A_FILE: "INVALID_REQUEST",
  FILE_ALREADY_EXISTS: "INVALID_REQUEST",
  DIRECTORY_NOT_EMPTY: "INVALID_REQUEST",
  NOT_SUPPORTED_OPERATION: "NOT_SUPPORTED",
  FEATURE_NOT_ENABLED: "NOT_SUPPORTED",
  QUOTA_EXCEEDED: "QUOTA_EXCEEDED",
  ACCESS_DENIED: "ACCESS_DENIED",
  PERMISSION_DENIED: "ACCESS_DENIED",
  INVALID_TOKEN: "ACCESS_DENIED",
  TOKEN_EXPIRED: "ACCESS_DENIED",
  UNAUTHORIZED: "ACCESS_DENIED",
  USER_MISMATCH: "ACCESS_DENIED",
  // not ready yet: the client should come back
  SCM_IN_SAFE_MODE: "UNAVAILABLE",
};

const TREE_CONFLICT =
  "This bucket keeps keys as file-system paths (Ozone FILE_SYSTEM_OPTIMIZED): a key cannot be both a file and a directory (\"a\" beside \"a/b\"), nor lie below a file.";

/** Messages the client may see for kinds whose S3 default message would mislead. */
const CLIENT_MESSAGE: Record<string, string> = {
  INVALID_KEY_NAME: "The key name is not allowed by Ozone (for example, \".snapshot\" is reserved).",
  NOT_SUPPORTED_OPERATION: "Ozone does not support this operation on this bucket.",
  NOT_A_FILE: TREE_CONFLICT,
  FILE_ALREADY_EXISTS: TREE_CONFLICT,
  DIRECTORY_NOT_EMPTY: TREE_CONFLICT,
  FEATURE_NOT_ENABLED: "The Ozone cluster does not have this feature enabled.",
};

/**
 * SCM finds no container for a block's replication (e.g. RATIS/THREE with fewer than three
 * healthy datanodes, rs-3-2 with fewer than five, or every pipeline excluded after failures): the
 * OM passes SCM's exception on as INTERNAL_ERROR with SCM's message (OMKeyRequest.allocateBlock
 * maps only SCM's safe mode to a code of its own). Seen live on Ozone 2.2.0: "Unable to allocate
 * a container to the block of size: 4194304, replicationConfig: RATIS/THREE. Cannot create
 * pipeline as it would exceed the limit per datanode: 2 ..." (WritableRatisContainerProvider), and
 * for EC "Pipeline limit (5) reached (5), none closed" (WritableECContainerProvider, which passes
 * its own and the placement policy's messages on unwrapped: SCMCommonPlacementPolicy,
 * SCMContainerPlacementRackScatter). The cluster cannot take the write now: UNAVAILABLE (503,
 * retried).
 */
const NO_CONTAINER_FOR_BLOCK = new RegExp(
  [
    "^Unable to allocate a container to the block\\b",
    "^Pipeline limit \\(\\d+\\) reached",
    "^Could not allocate a new container",
    "No healthy node found to allocate container",
    "Not enough healthy nodes to allocate container",
    "Unable to find enough nodes that meet the space requirement",
    "Unable to find required number of nodes",
    "No enough datanodes to choose",
  ].join("|"),
);

/**
 * Rethrows an OM failure as the StorageError it means: an OM that cannot be reached (or has no
 * leader) within the deadline is UNAVAILABLE (S3's 503, which clients retry); result codes with no
 * S3 meaning (INTERNAL_ERROR, ...) and anything else pass through unchanged and become an internal
 * error.
 */
export function mapOmError(err: unknown, overrides: Partial<Record<string, StorageErrorKind>> = {}): unknown {
  if (err instanceof OmUnavailableError) return new StorageError("UNAVAILABLE", err.message);
  if (!(err instanceof OmStatusError)) return err;
  if (err.status === "INTERNAL_ERROR" && NO_CONTAINER_FOR_BLOCK.test(err.omMessage)) return new StorageError("UNAVAILABLE", err.message);
  const kind = overrides[err.status] ?? KIND_OF[err.status];
  if (kind === undefined) return err;
  return new StorageError(kind, err.message, CLIENT_MESSAGE[err.status]);
}
