/**
 * S3 storage classes and Ozone replications, as Ozone's own S3 gateway maps them (apache/ozone
 * ozone-2.2.0, hadoop-ozone/s3gateway/.../s3/util/S3Utils.resolveS3ClientSideReplicationConfig,
 * S3StorageType):
 *
 * - A write's class picks a replication from the configuration (`ozone.replication`; a class not
 *   listed takes STANDARD's). "DEFAULT" sends none, so the OM applies the bucket's default
 *   replication, then the cluster's: a bucket whose default is EC gets EC keys for STANDARD.
 * - When the class maps to EC, the user metadata `x-amz-meta-storage-config` may name another EC
 *   scheme (`rs-6-3-1024k`), as Ozone's gateway takes it for STANDARD_IA. It must match
 *   `ozone.ecSchemesAllowed` (Ozone's OM checks ozone.replication.allowed-configs); anything else
 *   answers 400. Ozone's gateway answers a malformed one with InvalidStorageClass; this one answers
 *   InvalidArgument, since the storage class itself is valid and it is a header value that is not.
 *   The header is not stored with the key's metadata (Ozone's EndpointBase.excludeMetadataFields).
 * - A key is shown with the class it was written with; an EC key whose class does not map to EC
 *   (written under a bucket's EC default, or by another client) is shown as STANDARD_IA, the class
 *   Ozone's gateway shows for every EC key (S3StorageType.fromReplicationConfig).
 */
import { StorageError } from "../types.js";
import type { OmMessage } from "./om-client.js";

/** the user metadata (x-amz-meta-*) that names an EC scheme (Ozone's S3Consts.STORAGE_CONFIG_HEADER) */
export const STORAGE_CONFIG_METADATA = "storage-config";
/** the class an EC key is shown with when its own class does not say EC */
export const EC_STORAGE_CLASS = "STANDARD_IA";

/** KeyArgs replication fields for one replication string of the configuration. */
export interface Replication {
  /** as configured: "DEFAULT", "STANDALONE/ONE", "RATIS/THREE", "EC/rs-3-2-1024k" */
  label: string;
  fields: OmMessage;
}

const EC_SCHEME = /^([a-z]+)-(\d+)-(\d+)-(\d+)k$/;

export function parseReplication(label: string): Replication {
  if (label === "DEFAULT") return { label, fields: {} };
  const [type, rest] = label.split("/");
  if (type === "STANDALONE") return { label, fields: { type: "STAND_ALONE", factor: rest } };
  if (type === "RATIS") return { label, fields: { type: "RATIS", factor: rest } };
  const m = EC_SCHEME.exec(rest ?? "");
  if (type === "EC" && m) {
    return { label, fields: { type: "EC", ecReplicationConfig: { codec: m[1], data: Number(m[2]), parity: Number(m[3]), ecChunkSize: Number(m[4]) * 1024 } } };
  }
  throw new Error(`unknown replication ${label}`);
}

/** "STANDALONE/ONE", "RATIS/THREE", "EC/rs-3-2-1024k": a key's replication as the configuration writes it */
export function replicationLabel(info: OmMessage): string {
  if (info.type === "EC") {
    const ec = info.ecReplicationConfig ?? {};
    return `EC/${String(ec.codec).toLowerCase()}-${ec.data}-${ec.parity}-${Math.round(Number(ec.ecChunkSize) / 1024)}k`;
  }
  return `${info.type === "STAND_ALONE" ? "STANDALONE" : info.type}/${info.factor ?? "ONE"}`;
}

export class StorageClasses {
  constructor(
    /** class -> replication; has STANDARD */
    readonly replication: ReadonlyMap<string, Replication>,
    private readonly ecAllowed: RegExp,
  ) {}

  /** The replication a write of `storageClass` with this user metadata asks the OM for. */
  forWrite(storageClass: string, userMetadata: Readonly<Record<string, string>>): Replication {
    const configured = this.replication.get(storageClass) ?? this.replication.get("STANDARD")!;
    const named = userMetadata[STORAGE_CONFIG_METADATA];
    if (configured.fields.type !== "EC" || named === undefined || named === "") return configured;
    // ECReplicationConfig accepts RS-3-2-1024K as well as rs-3-2-1024k
    const scheme = named.trim().toLowerCase();
    if (!EC_SCHEME.test(scheme) || !this.ecAllowed.test(scheme)) {
      throw new StorageError(
        "INVALID_ARGUMENT",
        `x-amz-meta-${STORAGE_CONFIG_METADATA}: ${JSON.stringify(named)} is not an allowed EC scheme`,
        `The EC scheme in x-amz-meta-${STORAGE_CONFIG_METADATA} is not one this gateway writes (for example rs-3-2-1024k, rs-6-3-1024k, rs-10-4-1024k).`,
      );
    }
    return parseReplication(`EC/${scheme}`);
  }

  /** The class a key is shown with: the one it was written with, unless that does not say what the key is (EC). */
  shown(info: OmMessage, stored?: string): string {
    const ec = info.type === "EC";
    if (stored) {
      const mapped = this.replication.get(stored) ?? this.replication.get("STANDARD")!;
      return !ec || mapped.fields.type === "EC" ? stored : EC_STORAGE_CLASS;
    }
    const label = replicationLabel(info);
    for (const [cls, r] of this.replication) if (r.label === label) return cls;
    return ec ? EC_STORAGE_CLASS : "STANDARD";
  }
}

/** User metadata as stored: without the scheme request, which Ozone's gateway does not keep either. */
export function storedUserMetadata(userMetadata: Readonly<Record<string, string>>): Record<string, string> {
  if (!(STORAGE_CONFIG_METADATA in userMetadata)) return userMetadata as Record<string, string>;
  const { [STORAGE_CONFIG_METADATA]: _scheme, ...rest } = userMetadata;
  return rest;
}
