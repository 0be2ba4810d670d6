/**
 * Helpers of the storage contract (contract.ts and its parts), also used by the engines' own tests:
 * digests computed independently of any store, S3's listing order, and the StorageError check.
 */
import { createHash } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";

import { expect } from "vitest";

import { StorageError, type StorageErrorKind } from "../../runtime/storage/types.js";

/** the owner of the contract's buckets, and someone else */
export const OWNER = "AKIDCONTRACTOWNER";
export const OTHER_OWNER = "AKIDSOMEONEELSE";

export function md5Hex(data: Buffer): string {
  return createHash("md5").update(data).digest("hex");
}

/** The AWS multipart ETag, computed independently of any store: md5(md5(p1) || md5(p2) ...)-N. */
export function multipartEtag(parts: Buffer[]): string {
  const digests = parts.map((p) => createHash("md5").update(p).digest());
  return `${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${parts.length}`;
}

/** CRC-32C (Castagnoli), bit by bit: slow and obviously right, independent of the stores' code. */
function crc32cBitwise(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const crcCache = new Map<string, Map<Buffer, string>>();

/** x-amz-checksum-crc32 / -crc32c of `data`: base64 of the big-endian CRC (zlib's CRC-32, the bitwise CRC-32C) */
export function crcBase64(algorithm: "CRC32" | "CRC32C", data: Buffer): string {
  let cache = crcCache.get(algorithm);
  if (cache === undefined) crcCache.set(algorithm, (cache = new Map()));
  let value = cache.get(data);
  if (value === undefined) {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(algorithm === "CRC32" ? zlibCrc32(data) : crc32cBitwise(data));
    value = out.toString("base64");
    cache.set(data, value);
  }
  return value;
}

/** S3 listing order: UTF-8 bytes. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export async function expectStorageError(
  promise: Promise<unknown>,
  kind: StorageErrorKind | StorageErrorKind[],
): Promise<StorageError> {
  const outcome = await promise.then(
    () => ({ ok: true as const }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  const kinds = Array.isArray(kind) ? kind : [kind];
  if (outcome.ok) throw new Error(`expected StorageError ${kinds.join(" or ")}, but the call succeeded`);
  expect(outcome.err, `expected StorageError ${kinds.join(" or ")}`).toBeInstanceOf(StorageError);
  expect(kinds).toContain((outcome.err as StorageError).kind);
  return outcome.err as StorageError;
}
