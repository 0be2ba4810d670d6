/**
 * The checksum of an object made by CompleteMultipartUpload, computed from its parts' checksums
 * (the parts' bytes are never read again).
 *
 * S3 has two kinds (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):
 * - COMPOSITE ("checksum of checksums"): the algorithm applied to the concatenation of the parts'
 *   binary digests, shown as "<base64>-<number of parts>". S3's default for SHA1, SHA256, CRC32 and
 *   CRC32C.
 * - FULL_OBJECT: the checksum of the whole object's bytes. The only kind S3 supports for CRC64NVME;
 *   a CRC of a concatenation follows from the parts' CRCs and lengths (the zlib crc32_combine method),
 *   so it is computed here without reading the data.
 *
 * The upload carries only an algorithm (not a type), so the type is S3's default for it.
 */
import { createHash } from "node:crypto";

import type { Checksum, ChecksumAlgorithm } from "../types.js";

export interface PartChecksum {
  checksum?: Checksum;
  size: number;
}

/**
 * The object's checksum, or undefined when it cannot be known: no algorithm on the upload, or a part
 * without a checksum of that algorithm.
 */
export function multipartChecksum(algorithm: ChecksumAlgorithm | undefined, parts: readonly PartChecksum[]): Checksum | undefined {
  if (algorithm === undefined || parts.length === 0) return undefined;
  const digests: Buffer[] = [];
  for (const part of parts) {
    if (part.checksum?.algorithm !== algorithm) return undefined;
    const raw = Buffer.from(part.checksum.value, "base64");
    if (raw.length !== DIGEST_BYTES[algorithm]) return undefined;
    digests.push(raw);
  }
  if (algorithm === "CRC64NVME") {
    let crc = digests[0].readBigUInt64BE(0);
    for (let i = 1; i < digests.length; i++) {
      crc = CRC64NVME.combine(crc, digests[i].readBigUInt64BE(0), parts[i].size);
    }
    const out = Buffer.alloc(8);
    out.writeBigUInt64BE(crc);
    return { algorithm, value: out.toString("base64"), type: "FULL_OBJECT" };
  }
  const joined = Buffer.concat(digests);
  let digest: Buffer;
  if (algorithm === "SHA1" || algorithm === "SHA256") {
    digest = createHash(algorithm === "SHA1" ? "sha1" : "sha256").update(joined).digest();
  } else {
    digest = Buffer.alloc(4);
    digest.writeUInt32BE(Number((algorithm === "CRC32" ? CRC32 : CRC32C).of(joined)));
  }
  return { algorithm, value: `${digest.toString("base64")}-${parts.length}`, type: "COMPOSITE" };
}

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

/**
 * A reflected CRC with all-ones initial value and final xor (the shape of CRC-32, CRC-32C and
 * CRC-64/NVME), on BigInt so that one implementation serves 32 and 64 bits. Inputs here are small
 * (at most 10,000 digests), so bitwise speed is not a concern.
 */
export class ReflectedCrc {
  private readonly mask: bigint;
  private readonly table: bigint[] = [];
  /** x^(2^k) mod poly, k = 0.. (grown on demand) */
  private readonly x2n: bigint[];
  /** x^(8*len) mod poly by length: all parts but the last usually share one size */
  private readonly shiftCache = new Map<number, bigint>();

  constructor(
    readonly width: number,
    /** the polynomial, bit-reversed */
    private readonly poly: bigint,
  ) {
    this.mask = (1n << BigInt(width)) - 1n;
    for (let n = 0n; n < 256n; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
      this.table.push(c);
    }
    // in the reflected representation the top bit is x^0, so x^1 is the bit below it
    this.x2n = [1n << BigInt(width - 2)];
  }

  of(data: Uint8Array): bigint {
    let crc = this.mask;
    for (const byte of data) crc = this.table[Number((crc ^ BigInt(byte)) & 0xffn)] ^ (crc >> 8n);
    return crc ^ this.mask;
  }

  /** CRC of A||B from crc(A), crc(B) and the length of B in bytes. */
  combine(crcA: bigint, crcB: bigint, lengthB: number): bigint {
    return this.multiplyModPoly(this.shiftFor(lengthB), crcA) ^ crcB;
  }

  /** (a * b) mod poly, both in reflected representation; a must not be zero */
  private multiplyModPoly(a: bigint, b: bigint): bigint {
    let m = 1n << BigInt(this.width - 1);
    let p = 0n;
    for (;;) {
      if (a & m) {
        p ^= b;
        if ((a & (m - 1n)) === 0n) break;
      }
      m >>= 1n;
      b = b & 1n ? (b >> 1n) ^ this.poly : b >> 1n;
    }
    return p;
  }

  /** x^(8*length) mod poly */
  private shiftFor(length: number): bigint {
    let cached = this.shiftCache.get(length);
    if (cached !== undefined) return cached;
    let p = 1n << BigInt(this.width - 1); // x^0
    let n = BigInt(length);
    let k = 3; // x^(2^3) = x^8: one byte
    while (n > 0n) {
      if (n & 1n) p = this.multiplyModPoly(this.x2nAt(k), p);
      n >>= 1n;
      k++;
    }
    cached = p;
    if (this.shiftCache.size < 64) this.shiftCache.set(length, cached);
    return cached;
  }

  private x2nAt(k: number): bigint {
    while (this.x2n.length <= k) {
      const last = this.x2n[this.x2n.length - 1];
      this.x2n.push(this.multiplyModPoly(last, last));
    }
    return this.x2n[k];
  }
}

export const CRC32 = new ReflectedCrc(32, 0xedb88320n);
export const CRC32C = new ReflectedCrc(32, 0x82f63b78n);
export const CRC64NVME = new ReflectedCrc(64, 0x9a6c9329ac4bc9b5n);
