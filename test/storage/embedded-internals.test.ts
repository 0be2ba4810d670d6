/**
 * The embedded store's building blocks tested alone: key order, CRCs and multipart checksums, ids.
 */
import { randomBytes } from "node:crypto";
import { crc32 as crc32Zlib } from "node:zlib";

import { describe, expect, it } from "vitest";

import {
  CRC32,
  CRC32C,
  CRC64NVME,
  checksumMatches,
  multipartChecksum,
  uploadChecksumType,
} from "../../runtime/storage/embedded/checksum.js";
import { prefixSuccessor } from "../../runtime/storage/embedded/listing.js";
import { compareUtf8 as storeCompareUtf8 } from "../../runtime/storage/keys.js";
import { bodyFromBuffer } from "./body.js";
import { expectStorageError } from "./contract.js";
import { params, scratchStore } from "./embedded-fixture.js";

describe("embedded store internals", () => {
  it("orders and bounds keys by UTF-8 bytes", () => {
    expect(storeCompareUtf8("\uFFFD", "\u{1F600}")).toBeLessThan(0);
    expect("\uFFFD" < "\u{1F600}").toBe(false); // what JavaScript's own order would say
    expect(prefixSuccessor("a/")).toBe("a0");
    expect(prefixSuccessor("a\u{10FFFF}")).toBe("b");
    expect(prefixSuccessor("\u{10FFFF}")).toBeUndefined();
    expect(prefixSuccessor("x\uD7FF")).toBe("x\uE000");
    // every string with the prefix sorts below the successor
    for (const s of ["a/", "a/\u{10FFFF}\u{10FFFF}", "a/\uFFFF", "a/zzz"]) expect(storeCompareUtf8(s, prefixSuccessor("a/")!)).toBeLessThan(0);
  });

  it("computes CRCs with the published check values and combines them", () => {
    const check = Buffer.from("123456789");
    expect(CRC32.of(check)).toBe(0xcbf43926n);
    expect(CRC32C.of(check)).toBe(0xe3069283n);
    expect(CRC64NVME.of(check)).toBe(0xae8b14860a799888n);
    const a = randomBytes(1000);
    const b = randomBytes(333);
    for (const crc of [CRC32, CRC32C, CRC64NVME]) {
      expect(crc.combine(crc.of(a), crc.of(b), b.length)).toBe(crc.of(Buffer.concat([a, b])));
    }
  });

  it("derives multipart checksums: FULL_OBJECT by default for CRC64NVME, COMPOSITE otherwise, FULL_OBJECT for any CRC on request", () => {
    const parts = [randomBytes(700), randomBytes(700), randomBytes(5), Buffer.alloc(0)];
    const b64 = (n: bigint, bytes: number) => {
      const buf = Buffer.alloc(8);
      buf.writeBigUInt64BE(n);
      return buf.subarray(8 - bytes).toString("base64");
    };
    const partChecksums = (algorithm: "CRC32" | "CRC32C" | "CRC64NVME", crc: typeof CRC32) =>
      parts.map((p) => ({ size: p.length, checksum: { algorithm, type: "FULL_OBJECT" as const, value: b64(crc.of(p), crc.width / 8) } }));

    const crc64 = multipartChecksum("CRC64NVME", undefined, partChecksums("CRC64NVME", CRC64NVME));
    expect(crc64).toEqual({ algorithm: "CRC64NVME", type: "FULL_OBJECT", value: b64(CRC64NVME.of(Buffer.concat(parts)), 8) });

    const crc32 = multipartChecksum("CRC32", undefined, partChecksums("CRC32", CRC32));
    const raw = Buffer.concat(parts.map((p) => Buffer.from(b64(CRC32.of(p), 4), "base64")));
    expect(crc32).toEqual({ algorithm: "CRC32", type: "COMPOSITE", value: `${b64(CRC32.of(raw), 4)}-4` });
    expect(multipartChecksum("CRC32", "COMPOSITE", partChecksums("CRC32", CRC32))).toEqual(crc32);

    // FULL_OBJECT CRC32 / CRC32C: against zlib's CRC-32 and the bitwise CRC32C of the whole
    const whole = Buffer.concat(parts);
    const zlibCrc = Buffer.alloc(4);
    zlibCrc.writeUInt32BE(crc32Zlib(whole));
    expect(multipartChecksum("CRC32", "FULL_OBJECT", partChecksums("CRC32", CRC32))).toEqual({
      algorithm: "CRC32",
      type: "FULL_OBJECT",
      value: zlibCrc.toString("base64"),
    });
    expect(multipartChecksum("CRC32C", "FULL_OBJECT", partChecksums("CRC32C", CRC32C))).toEqual({
      algorithm: "CRC32C",
      type: "FULL_OBJECT",
      value: b64(CRC32C.of(whole), 4),
    });

    expect(multipartChecksum("CRC32", undefined, [{ size: 1 }])).toBeUndefined();
    expect(multipartChecksum("CRC32", "FULL_OBJECT", [{ size: 1 }])).toBeUndefined();
    expect(
      multipartChecksum(undefined, undefined, [{ size: 1, checksum: { algorithm: "CRC32", type: "FULL_OBJECT", value: "AAAAAA==" } }]),
    ).toBeUndefined();
  });

  it("matches expected checksums: COMPOSITE with or without its -N, FULL_OBJECT exactly", () => {
    const composite = { algorithm: "SHA256", type: "COMPOSITE", value: "abc=-3" } as const;
    expect(checksumMatches(composite, { algorithm: "SHA256", value: "abc=-3" }, 3)).toBe(true);
    expect(checksumMatches(composite, { algorithm: "SHA256", value: "abc=" }, 3)).toBe(true);
    expect(checksumMatches(composite, { algorithm: "SHA256", value: "abc=-2" }, 3)).toBe(false);
    expect(checksumMatches(composite, { algorithm: "SHA256", value: "abd=" }, 3)).toBe(false);
    expect(checksumMatches(composite, { algorithm: "SHA1", value: "abc=-3" }, 3)).toBe(false);
    const full = { algorithm: "CRC32", type: "FULL_OBJECT", value: "AAAAAA==" } as const;
    expect(checksumMatches(full, { algorithm: "CRC32", value: "AAAAAA==" }, 2)).toBe(true);
    expect(checksumMatches(full, { algorithm: "CRC32", value: "AAAAAA==-2" }, 2)).toBe(false);
    expect(checksumMatches(full, { algorithm: "CRC32C", value: "AAAAAA==" }, 2)).toBe(false);
  });

  it("chooses and refuses upload checksum types as S3 does", () => {
    expect(uploadChecksumType(undefined, undefined)).toBeUndefined();
    expect(uploadChecksumType("CRC64NVME", undefined)).toBe("FULL_OBJECT");
    for (const alg of ["CRC32", "CRC32C", "SHA1", "SHA256", "SHA512", "MD5", "XXHASH64", "XXHASH3", "XXHASH128"] as const) expect(uploadChecksumType(alg, undefined)).toBe("COMPOSITE");
    expect(uploadChecksumType("CRC32", "FULL_OBJECT")).toBe("FULL_OBJECT");
    expect(uploadChecksumType("SHA1", "COMPOSITE")).toBe("COMPOSITE");
    for (const [alg, type] of [
      [undefined, "COMPOSITE"],
      [undefined, "FULL_OBJECT"],
      ["SHA1", "FULL_OBJECT"],
      ["SHA256", "FULL_OBJECT"],
      ["CRC64NVME", "COMPOSITE"],
      ["MD5", "FULL_OBJECT"],
      ["XXHASH128", "FULL_OBJECT"],
      ["SHA384", undefined],
      ["CRC32", "WHOLE"],
    ] as const) {
      expect(() => uploadChecksumType(alg as never, type as never), `${alg} ${type}`).toThrow(
        expect.objectContaining({ kind: "INVALID_ARGUMENT" }),
      );
    }
  });

  it("refuses a key with a lone surrogate instead of storing it altered", async () => {
    // "bad\uD800" has no UTF-8 form; SQLite would store "bad\uFFFD" and the key would change
    const { store, cleanup } = await scratchStore();
    try {
      await store.createBucket("b", "owner");
      await expectStorageError(store.putObject(params("b", "bad\uD800"), bodyFromBuffer(Buffer.from("x"))), "INVALID_ARGUMENT");
      await expectStorageError(store.createMultipartUpload(params("b", "\uDC00")), "INVALID_ARGUMENT");
      expect((await store.listObjects({ bucket: "b", maxKeys: 10 })).objects).toEqual([]);
      // a well-formed astral character is fine
      await store.putObject(params("b", "ok\u{1F600}"), bodyFromBuffer(Buffer.from("x")));
      expect((await store.headObject("b", "ok\u{1F600}")).info.key).toBe("ok\u{1F600}");
    } finally {
      await cleanup();
    }
  });
});
