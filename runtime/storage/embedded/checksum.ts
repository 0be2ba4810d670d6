/**
 * The checksum of an object made by CompleteMultipartUpload, computed from its parts' checksums
 * (the parts' bytes are never read again), and the rules for an upload's checksum type.
 *
 * S3 has two kinds (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):
 * - COMPOSITE ("checksum of checksums"): the algorithm applied to the concatenation of the parts'
 *   binary digests, shown as "<base64>-<number of parts>". S3's default for every algorithm but
 *   CRC64NVME, and not available for it.
 * - FULL_OBJECT: the checksum of the whole object's bytes. S3 offers it for the CRCs only (CRC32,
 *   CRC32C, CRC64NVME; the only kind for CRC64NVME): a CRC of a concatenation follows from the
 *   parts' CRCs and lengths (the zlib crc32_combine method), so it is computed here without reading
 *   the data. A SHA, MD5 or XXHASH of a concatenation does not follow from the parts', hence
 *   no FULL_OBJECT for them.
 * The type is chosen per upload at CreateMultipartUpload (x-amz-checksum-type), defaulting as above.
 */
import { checksumDigestLength, createChecksumHasher, CHECKSUM_ALGORITHMS, isCrcAlgorithm } from "../../auth/checksums.js";
import { StorageError, type Checksum, type ChecksumAlgorithm } from "../types.js";

export type ChecksumType = Checksum["type"];

export interface PartChecksum {
  checksum?: Checksum;
  size: number;
}


/** S3's default type for an upload with this algorithm. */
export function defaultChecksumType(algorithm: ChecksumAlgorithm): ChecksumType {
  return algorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE";
}

/**
 * The checksum type an upload is created with: the requested one, or the default for its algorithm;
 * undefined without an algorithm. INVALID_ARGUMENT for what S3 refuses: a type without an algorithm,
 * FULL_OBJECT with an algorithm that is no CRC, COMPOSITE with CRC64NVME (and names that are no algorithm or type at all).
 */
export function uploadChecksumType(
  algorithm: ChecksumAlgorithm | undefined,
  type: ChecksumType | undefined,
): ChecksumType | undefined {
  if (algorithm !== undefined && !CHECKSUM_ALGORITHMS.includes(algorithm)) {
    throw new StorageError("INVALID_ARGUMENT", `unknown checksum algorithm ${JSON.stringify(algorithm)}`);
  }
  if (type !== undefined && type !== "COMPOSITE" && type !== "FULL_OBJECT") {
    throw new StorageError("INVALID_ARGUMENT", `unknown checksum type ${JSON.stringify(type)}`);
  }
  if (algorithm === undefined) {
    if (type !== undefined) throw new StorageError("INVALID_ARGUMENT", "a checksum type needs a checksum algorithm");
    return undefined;
  }
  if (type === undefined) return defaultChecksumType(algorithm);
  if (type === "FULL_OBJECT" && !isCrcAlgorithm(algorithm)) {
    throw new StorageError("INVALID_ARGUMENT", `${algorithm} has no FULL_OBJECT multipart checksum`);
  }
  if (type === "COMPOSITE" && algorithm === "CRC64NVME") {
    throw new StorageError("INVALID_ARGUMENT", "CRC64NVME has no COMPOSITE multipart checksum");
  }
  return type;
}

/**
 * The object's checksum, or undefined when it cannot be known: no algorithm on the upload, or a part
 * without a checksum of that algorithm. `type` undefined: the algorithm's default.
 */
export function multipartChecksum(
  algorithm: ChecksumAlgorithm | undefined,
  type: ChecksumType | undefined,
  parts: readonly PartChecksum[],
): Checksum | undefined {
  if (algorithm === undefined || parts.length === 0) return undefined;
  const digests: Buffer[] = [];
  for (const part of parts) {
    if (part.checksum?.algorithm !== algorithm) return undefined;
    const raw = Buffer.from(part.checksum.value, "base64");
    if (raw.length !== checksumDigestLength(algorithm)) return undefined;
    digests.push(raw);
  }
  if ((type ?? defaultChecksumType(algorithm)) === "FULL_OBJECT") {
    const crc = CRC_OF[algorithm];
    if (crc === undefined) return undefined; // refused at CreateMultipartUpload (uploadChecksumType)
    let value = crc.decode(digests[0]);
    for (let i = 1; i < digests.length; i++) value = crc.combine(value, crc.decode(digests[i]), parts[i].size);
    return { algorithm, value: crc.encode(value).toString("base64"), type: "FULL_OBJECT" };
  }
  const hasher = createChecksumHasher(algorithm);
  hasher.update(Buffer.concat(digests));
  const digest = hasher.digest();
  return { algorithm, value: `${digest.toString("base64")}-${parts.length}`, type: "COMPOSITE" };
}

/**
 * Whether `expected` (x-amz-checksum-<alg> sent with CompleteMultipartUpload) names the checksum
 * `computed` of an object of `partsCount` parts. A COMPOSITE value may come without its "-N" suffix
 * (clients differ: the SDKs send the bare digest); when it has one, N must be the part count. A
 * FULL_OBJECT value is the bare digest, exactly.
 */
export function checksumMatches(
  computed: Checksum,
  expected: { algorithm: ChecksumAlgorithm; value: string },
  partsCount: number,
): boolean {
  if (expected.algorithm !== computed.algorithm) return false;
  if (computed.type === "FULL_OBJECT") return expected.value === computed.value;
  const suffix = /-([0-9]+)$/.exec(expected.value);
  if (suffix !== null && Number(suffix[1]) !== partsCount) return false;
  const bare = suffix === null ? expected.value : expected.value.slice(0, suffix.index);
  return bare === computed.value.replace(/-[0-9]+$/, "");
}

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

  /** the big-endian bytes of a CRC value, as S3 shows them (base64 of these) */
  encode(crc: bigint): Buffer {
    const bytes = Buffer.alloc(this.width / 8);
    for (let i = bytes.length - 1, v = crc; i >= 0; i--, v >>= 8n) bytes[i] = Number(v & 0xffn);
    return bytes;
  }

  decode(bytes: Uint8Array): bigint {
    let v = 0n;
    for (const byte of bytes) v = (v << 8n) | BigInt(byte);
    return v;
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

/** The CRCs (isCrcAlgorithm) as combinable polynomials: their FULL_OBJECT checksum follows from the parts'. */
const CRC_OF: Partial<Record<ChecksumAlgorithm, ReflectedCrc>> = { CRC32, CRC32C, CRC64NVME };
