/**
 * How an S3 object's metadata sits in an Ozone key's metadata map, the way Ozone's own S3 gateway
 * lays it out (so objects written by either gateway read the same through the other):
 * - `ETag`: lowercase hex MD5 (or the OM's "<hex>-<N>" after a multipart completion);
 * - `Content-Type`, `Content-Encoding`, `Content-Language`, `Content-Disposition`, `Cache-Control`,
 *   `Expires`: the system metadata (and `ozone-s3-internal-x-website-redirect-location`, which
 *   Ozone's gateway does not keep);
 * - every other entry is user metadata (x-amz-meta-<name>), under its bare name; a user name that
 *   would collide with a system one is kept as `ozone-s3-internal-<name>`;
 * - this gateway's own values (the S3 checksum, a storage class Ozone has no name for) also use the
 *   reserved `ozone-s3-internal-` prefix, under names no header can collide with.
 */
import { StorageError, type Checksum, type ChecksumAlgorithm, type SystemMetadata } from "../types.js";
import { setOwn } from "../../own-property.js";
import { CHECKSUM_ALGORITHMS } from "../../auth/checksums.js";

export const ETAG = "ETag";
export const RESERVED_PREFIX = "ozone-s3-internal-";
const CHECKSUM = `${RESERVED_PREFIX}x-checksum`;
const STORAGE_CLASS = `${RESERVED_PREFIX}x-storage-class`;

const SYSTEM: Record<keyof SystemMetadata, string> = {
  contentType: "Content-Type",
  contentEncoding: "Content-Encoding",
  contentLanguage: "Content-Language",
  contentDisposition: "Content-Disposition",
  cacheControl: "Cache-Control",
  expires: "Expires",
  // Ozone's gateway keeps no website redirect: ours, under the reserved prefix
  websiteRedirectLocation: `${RESERVED_PREFIX}x-website-redirect-location`,
};
const SYSTEM_FIELD_OF = new Map(Object.entries(SYSTEM).map(([field, name]) => [name.toLowerCase(), field as keyof SystemMetadata]));
/** user names that must be renamed: they read back as system values otherwise */
const COLLIDING = new Set([...SYSTEM_FIELD_OF.keys(), ETAG.toLowerCase()]);
const ALGORITHMS = new Set<ChecksumAlgorithm>(CHECKSUM_ALGORITHMS);

export interface KeyValue {
  key: string;
  value: string;
}

export interface EncodableMetadata extends SystemMetadata {
  userMetadata: Record<string, string>;
  storageClass?: string;
  checksum?: Checksum;
  etag?: string;
}

export function encodeMetadata(m: EncodableMetadata): KeyValue[] {
  const out: KeyValue[] = [];
  if (m.etag !== undefined) out.push({ key: ETAG, value: m.etag });
  for (const [field, name] of Object.entries(SYSTEM) as [keyof SystemMetadata, string][]) {
    const v = m[field];
    if (v !== undefined) out.push({ key: name, value: v });
  }
  for (const [name, value] of Object.entries(m.userMetadata)) {
    const lower = name.toLowerCase();
    if (lower.startsWith(RESERVED_PREFIX)) {
      throw new StorageError("INVALID_ARGUMENT", `metadata name ${name}`, `User metadata names must not start with ${RESERVED_PREFIX}.`);
    }
    out.push({ key: COLLIDING.has(lower) ? RESERVED_PREFIX + lower : name, value });
  }
  if (m.storageClass !== undefined && m.storageClass !== "STANDARD") out.push({ key: STORAGE_CLASS, value: m.storageClass });
  if (m.checksum !== undefined) out.push({ key: CHECKSUM, value: `${m.checksum.algorithm}:${m.checksum.type}:${m.checksum.value}` });
  return out;
}

export interface DecodedMetadata extends SystemMetadata {
  etag?: string;
  userMetadata: Record<string, string>;
  storageClass?: string;
  checksum?: Checksum;
}

export function decodeMetadata(list: readonly KeyValue[] | undefined): DecodedMetadata {
  const out: DecodedMetadata = { userMetadata: {} };
  for (const { key, value } of list ?? []) {
    const lower = key.toLowerCase();
    const v = value ?? "";
    if (key === ETAG) out.etag = v;
    else if (SYSTEM_FIELD_OF.has(lower)) out[SYSTEM_FIELD_OF.get(lower)!] = v;
    else if (key === STORAGE_CLASS) out.storageClass = v;
    else if (key === CHECKSUM) {
      const [algorithm, type, digest] = v.split(":");
      if (ALGORITHMS.has(algorithm as ChecksumAlgorithm) && (type === "FULL_OBJECT" || type === "COMPOSITE") && digest) {
        out.checksum = { algorithm: algorithm as ChecksumAlgorithm, type, value: digest };
      }
    } else if (lower.startsWith(RESERVED_PREFIX)) {
      const original = lower.slice(RESERVED_PREFIX.length);
      if (COLLIDING.has(original)) setOwn(out.userMetadata, original, v);
    } else setOwn(out.userMetadata, lower, v);
  }
  return out;
}

export function toKeyValues(map: Record<string, string>): KeyValue[] {
  return Object.entries(map).map(([key, value]) => ({ key, value }));
}

export function fromKeyValues(list: readonly KeyValue[] | undefined): Record<string, string> {
  // own properties whatever the key: a tag named "__proto__" stays a tag
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, value ?? ""]));
}
