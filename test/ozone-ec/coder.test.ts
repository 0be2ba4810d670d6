/**
 * The TypeScript erasure coders give the bytes Ozone's Java coders give: parity and reconstructed
 * units compared with vectors.json, which scripts/ozone/EcVectors.java produced with
 * org.apache.ozone:hdds-erasurecode:2.2.0 (RSRawEncoder/RSRawDecoder, XORRawEncoder/XORRawDecoder).
 * No Java needed here: the data units are regenerated from the same xorshift32 stream.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { cauchyEncodeMatrix, createErasureCoder } from "../../runtime/storage/ozone/ec/coder.js";
import { gfInv, gfInvertMatrix, gfMul } from "../../runtime/storage/ozone/ec/gf256.js";

interface EncodeVector {
  scheme: string;
  seed: number;
  cellLength: number;
  parity: string[];
}
interface DecodeVector extends EncodeVector {
  missing: number[];
  erased: number[];
  outputs: string[];
}
const vectors = JSON.parse(readFileSync(new URL("./vectors.json", import.meta.url), "utf8")) as { encode: EncodeVector[]; decode: DecodeVector[] };

/** EcVectors.data: one xorshift32 stream over the data units, in order */
function dataUnits(units: number, length: number, seed: number): Buffer[] {
  let x = seed | 0;
  return Array.from({ length: units }, () => {
    const b = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x & 0xff;
    }
    return b;
  });
}

/** base64 of a small unit, "sha256:<hex>" of a large one */
function asVector(b: Uint8Array): string {
  return b.length <= 64 * 1024 ? Buffer.from(b.buffer, b.byteOffset, b.length).toString("base64") : `sha256:${createHash("sha256").update(b).digest("hex")}`;
}

function scheme(s: string): { codec: string; data: number; parity: number } {
  const [codec, data, parity] = s.split("-");
  return { codec, data: Number(data), parity: Number(parity) };
}

describe("GF(2^8) as Hadoop's GF256", () => {
  it("multiplies with the primitive polynomial 0x11d (2^8 = 0x1d) and inverts", () => {
    expect(gfMul(0x80, 2)).toBe(0x1d);
    expect(gfMul(0x02, 0x8e)).toBe(1); // GF256's table: 2^254 = 0x8e
    for (let a = 1; a < 256; a++) expect(gfMul(a, gfInv(a))).toBe(1);
    expect(gfInv(0)).toBe(0);
  });

  it("builds the Cauchy encode matrix RSUtil.genCauchyMatrix builds", () => {
    // rs-3-2: identity, then 1/(3^j) and 1/(4^j): inv(3)=0xf4, inv(2)=0x8e, inv(1)=1, inv(4)=0x47, inv(5)=0xa7, inv(6)=0x7a
    expect([...cauchyEncodeMatrix(3, 2)]).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1, 0xf4, 0x8e, 1, 0x47, 0xa7, 0x7a]);
  });

  it("inverts a matrix that needs a row swap", () => {
    const m = Uint8Array.from([0, 1, 1, 0]);
    expect([...gfInvertMatrix(Uint8Array.from(m), 2)]).toEqual([0, 1, 1, 0]);
    expect(() => gfInvertMatrix(Uint8Array.from([1, 1, 1, 1]), 2)).toThrow(/not invertible/);
  });
});

for (const simd of [true, false]) {
describe(`encode matches Ozone's Java coders (${simd ? "WebAssembly SIMD" : "table loop"})`, () => {
  for (const v of vectors.encode) {
    it(`${v.scheme}, ${v.cellLength}-byte cells`, () => {
      const s = scheme(v.scheme);
      const coder = createErasureCoder(s.codec, s.data, s.parity, { simd });
      const parity = coder.encode(dataUnits(s.data, v.cellLength, v.seed));
      expect(parity.map(asVector)).toEqual(v.parity);
    });
  }

  it("gives the same parity from unaligned buffers (the byte loop) as from aligned ones", () => {
    const v = vectors.encode.find((e) => e.scheme === "rs-6-3" && e.cellLength === 1024)!;
    const data = dataUnits(6, 1024, v.seed).map((d) => {
      const b = Buffer.alloc(1025);
      d.copy(b, 1);
      return b.subarray(1);
    });
    const parity = Array.from({ length: 3 }, () => Buffer.alloc(1025).subarray(1));
    createErasureCoder("rs", 6, 3, { simd }).encode(data, parity);
    expect(parity.map(asVector)).toEqual(v.parity);
  });
});

describe(`decode matches Ozone's Java coders (${simd ? "WebAssembly SIMD" : "table loop"})`, () => {
  for (const v of vectors.decode) {
    it(`${v.scheme}, ${v.cellLength}-byte cells, missing ${v.missing.join(",")}, erased ${v.erased.join(",")}`, () => {
      const s = scheme(v.scheme);
      const coder = createErasureCoder(s.codec, s.data, s.parity, { simd });
      const data = dataUnits(s.data, v.cellLength, v.seed);
      const units: (Uint8Array | null)[] = [...data, ...coder.encode(data)];
      for (const m of v.missing) units[m] = null;
      const out = coder.decode(units, v.erased);
      expect(out.map(asVector)).toEqual(v.outputs);
      // the same decode again takes the cached tables
      expect(coder.decode(units, v.erased).map(asVector)).toEqual(v.outputs);
    });
  }

  it("recovers every combination of up to `parity` erasures of rs-6-3 and rs-3-2", () => {
    for (const [k, p] of [
      [3, 2],
      [6, 3],
    ]) {
      const coder = createErasureCoder("rs", k, p, { simd });
      const data = dataUnits(k, 257, 7);
      const all = [...data, ...coder.encode(data)];
      const n = k + p;
      for (let mask = 1; mask < 1 << n; mask++) {
        const erased = [...Array(n).keys()].filter((i) => mask & (1 << i));
        if (erased.length > p) continue;
        const inputs = all.map((u, i) => (erased.includes(i) ? null : u));
        const out = coder.decode(inputs, erased);
        erased.forEach((e, i) => expect(Buffer.from(out[i]).equals(Buffer.from(all[e])), `${k}-${p} erased ${erased}`).toBe(true));
      }
    }
  });

  it("refuses what the Java decoder refuses", () => {
    const coder = createErasureCoder("rs", 3, 2);
    const u = new Uint8Array(8);
    expect(() => coder.decode([null, null, null, u, u], [0, 1, 2])).toThrow(/too many erased/);
    expect(() => coder.decode([null, null, u, u], [0])).toThrow(/expected 5 inputs/);
    expect(() => coder.decode([null, null, u, u, null], [0, 1])).toThrow(/not recoverable/);
    expect(() => coder.decode([null, u, u, u, new Uint8Array(4)], [0])).toThrow(/differ in length/);
    expect(() => coder.decode([null, u, u, u, u], [3, 0])).toThrow(/ascending/);
    expect(() => createErasureCoder("lrc", 3, 2)).toThrow(/unknown EC codec/);
    expect(() => createErasureCoder("xor", 2, 1).decode([null, null, u], [0])).toThrow(/not recoverable/);
  });
});
}

it("uses WebAssembly SIMD on this Node", async () => {
  const { createSimdCombiner } = await import("../../runtime/storage/ozone/ec/simd.js");
  expect(createSimdCombiner()).toBeTypeOf("function");
});
