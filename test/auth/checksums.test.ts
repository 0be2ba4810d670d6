/**
 * S3 checksums: the catalogued check values ("123456789"), the AWS documentation's CRC32C of the
 * chunked-upload example, and a cross-check against the AWS SDK's own implementations
 * (@aws-sdk/checksums, used here only as an oracle) on random data fed in random pieces.
 */
import { createHash } from "node:crypto";
import { Crc32, Crc32cJs, Crc64NvmeJs } from "@aws-sdk/checksums/crc";
import { Xxh3_128, Xxh3_64, Xxh64 } from "@aws-sdk/checksums/xxh";
import { describe, expect, it } from "vitest";
import {
  CHECKSUM_ALGORITHMS,
  checksumAlgorithmOfHeader,
  checksumDigestLength,
  checksumHeaderName,
  computeChecksum,
  CRC32C_IMPLEMENTATION,
  crc32c,
  crc32cSoftware,
  crc64nvme,
  CRC64NVME_IMPLEMENTATION,
  crc64nvmeJavaScript,
  createChecksumHasher,
  isCanonicalBase64Of,
  isValidChecksumValue,
  parseChecksumAlgorithm,
} from "../../runtime/auth/checksums.js";
import type { ChecksumAlgorithm } from "../../runtime/storage/types.js";
import { sendfileAvailable } from "../../runtime/sendfile.js";
import { randomBuffer, randomSplit, seededRandom } from "./helpers.js";

const CHECK = Buffer.from("123456789");

function beHex(value: string): string {
  return Buffer.from(value, "base64").toString("hex");
}

describe("check values of the catalogue (input '123456789')", () => {
  it("CRC32 = 0xCBF43926", () => {
    expect(beHex(computeChecksum("CRC32", CHECK))).toBe("cbf43926");
  });
  it("CRC32C = 0xE3069283", () => {
    expect(beHex(computeChecksum("CRC32C", CHECK))).toBe("e3069283");
    expect(crc32c(CHECK)).toBe(0xe3069283);
  });
  it("CRC64NVME = 0xAE8B14860A799888", () => {
    expect(beHex(computeChecksum("CRC64NVME", CHECK))).toBe("ae8b14860a799888");
    expect(crc64nvme(CHECK)).toBe(0xae8b14860a799888n);
  });
  it("SHA1 and SHA256 of 'abc' (FIPS 180 examples)", () => {
    expect(beHex(computeChecksum("SHA1", "abc"))).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    expect(beHex(computeChecksum("SHA256", "abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
  it("SHA512 and MD5 of 'abc' (FIPS 180, RFC 1321 examples)", () => {
    expect(beHex(computeChecksum("SHA512", "abc"))).toBe(
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    );
    expect(beHex(computeChecksum("MD5", "abc"))).toBe("900150983cd24fb0d6963f7d28e17f72");
  });
  it("XXH64, XXH3 and XXH3-128 of the empty input (xxHash's reference values, canonical byte order)", () => {
    expect(beHex(computeChecksum("XXHASH64", ""))).toBe("ef46db3751d8e999");
    expect(beHex(computeChecksum("XXHASH3", ""))).toBe("2d06800538d394c2");
    expect(beHex(computeChecksum("XXHASH128", ""))).toBe("99aa06d3014798d86001c324468d497f");
  });
  it("the empty input", () => {
    expect(computeChecksum("CRC32", "")).toBe("AAAAAA==");
    expect(computeChecksum("CRC32C", "")).toBe("AAAAAA==");
    expect(computeChecksum("CRC64NVME", "")).toBe("AAAAAAAAAAA=");
    expect(beHex(computeChecksum("SHA256", ""))).toBe(createHash("sha256").digest("hex"));
  });
});

describe("AWS documentation values", () => {
  it("CRC32C of the 66560 'a' bytes of 'Including Trailing Headers' is sOO8/Q==", () => {
    expect(computeChecksum("CRC32C", Buffer.alloc(66560, "a"))).toBe("sOO8/Q==");
  });
});

async function oracle(algorithm: ChecksumAlgorithm, data: Uint8Array): Promise<string> {
  if (algorithm === "SHA1" || algorithm === "SHA256" || algorithm === "SHA512" || algorithm === "MD5") {
    return createHash(algorithm.toLowerCase()).update(data).digest("base64");
  }
  const hashers = { CRC32: Crc32, CRC32C: Crc32cJs, CRC64NVME: Crc64NvmeJs, XXHASH64: Xxh64, XXHASH3: Xxh3_64, XXHASH128: Xxh3_128 };
  const hasher = new hashers[algorithm]();
  hasher.update(data);
  return Buffer.from(await hasher.digest()).toString("base64");
}

describe("agrees with the AWS SDK's implementations", () => {
  const rand = seededRandom(0x5eed);
  const lengths = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 1000, 4096, 65536, 65537, 100_003];

  describe.each(CHECKSUM_ALGORITHMS.map((a) => [a]))("%s", (algorithm) => {
    it.each(lengths)("random data of %i bytes, whole and in random pieces", async (length) => {
      const data = randomBuffer(rand, length);
      const expected = await oracle(algorithm, data);
      expect(computeChecksum(algorithm, data)).toBe(expected);
      const hasher = createChecksumHasher(algorithm);
      for (const piece of randomSplit(data, rand, 37)) hasher.update(piece);
      expect(hasher.digest().toString("base64")).toBe(expected);
    });

    it("every alignment and length around the 16-byte word steps, hashed whole and continued", async () => {
      const big = randomBuffer(rand, 4096 + 8);
      for (let offset = 0; offset < 8; offset++) {
        for (const length of [31, 32, 33, 35, 47, 48, 49, 63, 64, 65, 79, 80, 81, 4096]) {
          const view = big.subarray(offset, offset + length);
          const expected = await oracle(algorithm, view);
          expect(computeChecksum(algorithm, view)).toBe(expected);
          // a running checksum picked up at an odd position goes on through the word loop
          const hasher = createChecksumHasher(algorithm);
          hasher.update(view.subarray(0, 3));
          hasher.update(view.subarray(3));
          expect(hasher.digest().toString("base64")).toBe(expected);
        }
      }
    });

    it("unaligned views into a larger buffer", async () => {
      const big = randomBuffer(rand, 4099);
      for (const [start, end] of [[1, 4098], [3, 10], [7, 4099], [5, 5]]) {
        const view = big.subarray(start, end);
        expect(computeChecksum(algorithm, view)).toBe(await oracle(algorithm, view));
      }
    });
  });
});

describe("CRC64NVME: the addon and the JavaScript fallback", () => {
  it("the addon's is the one in use wherever the addon loaded (it carries sendfile too)", () => {
    expect(CRC64NVME_IMPLEMENTATION).toBe(sendfileAvailable() ? "native" : "javascript");
  });

  it("the JavaScript one gives the catalogue's check value and agrees with the SDK on random data", async () => {
    expect(crc64nvmeJavaScript(CHECK)).toBe(0xae8b14860a799888n);
    const rand = seededRandom(0xc64);
    for (const length of [0, 1, 7, 15, 16, 17, 33, 4096, 65_536, 200_003]) {
      const data = randomBuffer(rand, length + 5).subarray(5);
      expect(crc64nvmeJavaScript(data)).toBe(Buffer.from(await oracle("CRC64NVME", data), "base64").readBigUInt64BE(0));
    }
  });
});

describe("CRC32C: the CPU's instruction and the JavaScript fallback", () => {
  // @node-rs/crc32 ships prebuilt binaries for these (its optionalDependencies); elsewhere the
  // fallback is the expected outcome, not a failure.
  const prebuilt = new Set(["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "win32-x64", "win32-arm64", "freebsd-x64"]);
  it.runIf(prebuilt.has(`${process.platform}-${process.arch}`))("the hardware one is the one in use on this platform", () => {
    expect(CRC32C_IMPLEMENTATION).toBe("hardware");
  });

  it("both give the catalogue's check value and agree with the SDK on random data, whole and continued", async () => {
    expect(crc32cSoftware(CHECK)).toBe(0xe3069283);
    expect(crc32c(CHECK)).toBe(0xe3069283);
    const rand = seededRandom(0xc32c);
    for (const length of [0, 1, 7, 31, 33, 4096, 65_536, 200_003]) {
      const data = randomBuffer(rand, length + 3).subarray(3);
      const expected = Buffer.from(await oracle("CRC32C", data), "base64").readUInt32BE(0);
      expect(crc32c(data)).toBe(expected);
      expect(crc32cSoftware(data)).toBe(expected);
      let running = 0;
      let soft = 0;
      for (const piece of randomSplit(data, rand, 11)) {
        running = crc32c(piece, running);
        soft = crc32cSoftware(piece, soft);
      }
      expect(running).toBe(expected);
      expect(soft).toBe(expected);
      // a plain Uint8Array view (not a Buffer) is read in place as well
      expect(crc32c(new Uint8Array(data.buffer, data.byteOffset, data.length))).toBe(expected);
    }
  });
});

describe("names and values", () => {
  it("header names and digest lengths", () => {
    expect(CHECKSUM_ALGORITHMS.map(checksumHeaderName)).toEqual([
      "x-amz-checksum-crc32",
      "x-amz-checksum-crc32c",
      "x-amz-checksum-crc64nvme",
      "x-amz-checksum-sha1",
      "x-amz-checksum-sha256",
      "x-amz-checksum-sha512",
      "x-amz-checksum-md5",
      "x-amz-checksum-xxhash64",
      "x-amz-checksum-xxhash3",
      "x-amz-checksum-xxhash128",
    ]);
    expect(CHECKSUM_ALGORITHMS.map(checksumDigestLength)).toEqual([4, 4, 8, 20, 32, 64, 16, 8, 8, 16]);
    for (const a of CHECKSUM_ALGORITHMS) expect(createChecksumHasher(a).digest().length).toBe(checksumDigestLength(a));
  });

  it("reads algorithm names without regard to case", () => {
    expect(parseChecksumAlgorithm("crc32c")).toBe("CRC32C");
    expect(parseChecksumAlgorithm("Sha256")).toBe("SHA256");
    expect(parseChecksumAlgorithm("md5")).toBe("MD5");
    expect(parseChecksumAlgorithm("XxHash128")).toBe("XXHASH128");
    expect(parseChecksumAlgorithm("xxhash32")).toBeUndefined();
    expect(parseChecksumAlgorithm("")).toBeUndefined();
    expect(checksumAlgorithmOfHeader("x-amz-checksum-crc64nvme")).toBe("CRC64NVME");
    expect(checksumAlgorithmOfHeader("X-Amz-Checksum-SHA1")).toBe("SHA1");
    expect(checksumAlgorithmOfHeader("x-amz-checksum-xxhash64")).toBe("XXHASH64");
    expect(checksumAlgorithmOfHeader("x-amz-checksum-sha384")).toBeUndefined();
    expect(checksumAlgorithmOfHeader("content-md5")).toBeUndefined();
  });

  it("accepts only canonical base64 of the digest's length", () => {
    const good = computeChecksum("CRC32", "hello world");
    expect(good).toBe("DUoRhQ==");
    expect(isValidChecksumValue("CRC32", good)).toBe(true);
    expect(isValidChecksumValue("CRC32C", good)).toBe(true);
    expect(isValidChecksumValue("CRC64NVME", good)).toBe(false);
    for (const bad of ["DUoRhQ=", "DUoRhQ", "DUoRhR==", "DUoRhQ==\n", " DUoRhQ==", "DUo-hQ==", "", "AAAAAAAA"]) {
      expect(isValidChecksumValue("CRC32", bad), bad).toBe(false);
    }
    expect(isValidChecksumValue("SHA256", computeChecksum("SHA256", "x"))).toBe(true);
    expect(isValidChecksumValue("SHA1", computeChecksum("SHA256", "x"))).toBe(false);
    expect(isCanonicalBase64Of("1B2M2Y8AsgTpgAmY7PhCfg==", 16)).toBe(true);
    expect(isCanonicalBase64Of("1B2M2Y8AsgTpgAmY7PhCfg", 16)).toBe(false);
  });
});
