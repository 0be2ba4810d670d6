/**
 * Arithmetic in GF(2^8) as Hadoop's and Ozone's Reed-Solomon coders do it: symbol size 8, the
 * primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (285, 0x11d) and primitive root 2 (apache/ozone
 * ozone-2.2.0, hadoop-hdds/erasurecode/.../rawcoder/util/GaloisField.java and GF256.java, whose
 * tables ISA-L's erasure code also uses). Every table is built once, when the module loads.
 */

const POLYNOMIAL = 0x11d;

/** 2^i for i in [0, 510): doubled, so a sum of two logarithms needs no reduction */
const EXP = new Uint8Array(510);
/** log2(a) for a in [1, 256); LOG[0] is unused (0 has no logarithm) */
const LOG = new Uint8Array(256);
for (let i = 0, v = 1; i < 255; i++) {
  EXP[i] = v;
  EXP[i + 255] = v;
  LOG[v] = i;
  v <<= 1;
  if (v & 0x100) v ^= POLYNOMIAL;
}

export function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
}

/** The multiplicative inverse; 0 for 0, as GF256.gfInv answers. */
export function gfInv(a: number): number {
  return a === 0 ? 0 : EXP[255 - LOG[a]];
}

/**
 * c·x for every byte x: one 256-byte row per coefficient, all 256 rows in one 64 KiB table built
 * at load (Hadoop's GF256.gfMulTab). A coder keeps views of the rows its matrix needs, so the
 * inner loops are one lookup and one XOR per byte.
 */
const MUL_TABLE = new Uint8Array(256 * 256);
for (let c = 1; c < 256; c++) for (let x = 1; x < 256; x++) MUL_TABLE[c * 256 + x] = EXP[LOG[c] + LOG[x]];

export function mulRow(c: number): Uint8Array {
  return MUL_TABLE.subarray(c * 256, c * 256 + 256);
}

/**
 * The inverse of the n×n matrix `m` (row-major), by Gauss-Jordan elimination with the same pivot
 * choice as ISA-L's gf_invert_matrix and GF256.gfInvertMatrix (a zero pivot swaps in the next row
 * below with a non-zero entry in that column). `m` is consumed. Throws on a singular matrix, which
 * a Cauchy-derived decode matrix never is.
 */
export function gfInvertMatrix(m: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  for (let i = 0; i < n; i++) {
    if (m[i * n + i] === 0) {
      let j = i + 1;
      while (j < n && m[j * n + i] === 0) j++;
      if (j === n) throw new Error("GF(2^8) matrix is not invertible");
      for (let k = 0; k < n; k++) {
        let t = m[i * n + k];
        m[i * n + k] = m[j * n + k];
        m[j * n + k] = t;
        t = out[i * n + k];
        out[i * n + k] = out[j * n + k];
        out[j * n + k] = t;
      }
    }
    const scale = gfInv(m[i * n + i]);
    for (let k = 0; k < n; k++) {
      m[i * n + k] = gfMul(m[i * n + k], scale);
      out[i * n + k] = gfMul(out[i * n + k], scale);
    }
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const f = m[j * n + i];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        out[j * n + k] ^= gfMul(f, out[i * n + k]);
        m[j * n + k] ^= gfMul(f, m[i * n + k]);
      }
    }
  }
  return out;
}
