/**
 * XXH64, XXH3 (64-bit) and XXH3-128, seed 0, streaming: S3's XXHASH64, XXHASH3 and XXHASH128
 * checksums (x-amz-checksum-xxhash64 and so on: base64 of the digest in xxHash's canonical form,
 * big-endian, the high half of XXH3-128 first; what aws-sdk-go-v2's peers and versitygw's zeebo/xxh3
 * and cespare/xxhash produce).
 *
 * The hashing is xxHash's own C code through xxhash-addon (an N-API addon: one binary serves every
 * Node version; prebuilt for Linux, macOS and Windows on x64 and arm64, compiled at install where
 * none fits). Node has no xxHash and a JavaScript XXH3 would need 64-bit multiplies by hand, so where
 * the addon does not load these three algorithms are refused (501) rather than computed slowly.
 */
import { createRequire } from "node:module";

interface NativeHasher {
  update(data: Buffer): void;
  digest(): Buffer;
}
type NativeHasherClass = new (seed: Buffer) => NativeHasher;

export type XxhashAlgorithm = "XXHASH64" | "XXHASH3" | "XXHASH128";

const SEED_ZERO = Buffer.alloc(8);

const classes = ((): Record<XxhashAlgorithm, NativeHasherClass> | undefined => {
  try {
    const addon = createRequire(import.meta.url)("xxhash-addon") as Record<string, unknown>;
    const found = { XXHASH64: addon.XXHash64, XXHASH3: addon.XXHash3, XXHASH128: addon.XXHash128 };
    if (!Object.values(found).every((c) => typeof c === "function")) return undefined;
    const table = found as Record<XxhashAlgorithm, NativeHasherClass>;
    // xxHash's reference values for the empty input, so that a binding with another contract
    // (seed, byte order) is never used
    const empty = (a: XxhashAlgorithm) => new table[a](SEED_ZERO).digest().toString("hex");
    if (empty("XXHASH64") !== "ef46db3751d8e999") return undefined;
    if (empty("XXHASH3") !== "2d06800538d394c2") return undefined;
    if (empty("XXHASH128") !== "99aa06d3014798d86001c324468d497f") return undefined;
    return table;
  } catch {
    return undefined;
  }
})();

/** Whether the XXHASH algorithms can be computed here. */
export const XXHASH_AVAILABLE = classes !== undefined;

/** A streaming hasher of the algorithm; undefined where the addon did not load. */
export function createXxhash(algorithm: XxhashAlgorithm): NativeHasher | undefined {
  return classes === undefined ? undefined : new classes[algorithm](SEED_ZERO);
}
