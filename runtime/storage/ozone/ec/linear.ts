/**
 * The one hot loop of the erasure coders: outputs[l] = Σ_j coefficient(l, j) · inputs[j] over
 * GF(2^8), byte by byte, where each coefficient is given as its 256-byte multiplication row
 * (gf256.ts mulRow). Measured on Node 20 (bench/ec-coder.ts), two things pay over a plain byte loop:
 * - 32-bit words: one load of four input bytes, four lookups, one read-modify-write of four output
 *   bytes, instead of four of each: about twice the speed of the byte loop.
 * - blocks: all outputs are computed over one block of BLOCK bytes before the next, so the inputs
 *   and outputs of a 1 MiB-cell stripe are read from cache, not from memory, once per output row.
 * Buffers that are not 4-byte aligned (a Buffer sliced at an odd offset) take the byte loop.
 * The Reed-Solomon coder prefers simd.ts (WebAssembly SIMD, ~4× faster) and uses this loop for
 * short units and where WebAssembly SIMD is missing.
 */

const BLOCK = 16 * 1024;

/**
 * Writes Σ_j rows[l·inputs.length + j][inputs[j][i]] into outputs[l][i] for i in [0, length).
 * Every input and output must hold at least `length` bytes.
 */
export function linearCombine(rows: readonly Uint8Array[], inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], length: number): void {
  const k = inputs.length;
  if (k === 0) {
    for (const o of outputs) o.fill(0, 0, length);
    return;
  }
  const aligned = [...inputs, ...outputs].every((b) => b.byteOffset % 4 === 0);
  const words = aligned ? length >>> 2 : 0;
  if (words > 0) {
    const in32 = inputs.map((b) => new Uint32Array(b.buffer, b.byteOffset, words));
    const out32 = outputs.map((b) => new Uint32Array(b.buffer, b.byteOffset, words));
    const blockWords = BLOCK >>> 2;
    for (let s = 0; s < words; s += blockWords) {
      const e = Math.min(words, s + blockWords);
      for (let l = 0; l < out32.length; l++) {
        const o = out32[l];
        let t = rows[l * k];
        let x = in32[0];
        for (let i = s; i < e; i++) {
          const w = x[i];
          o[i] = t[w & 255] | (t[(w >>> 8) & 255] << 8) | (t[(w >>> 16) & 255] << 16) | (t[w >>> 24] << 24);
        }
        for (let j = 1; j < k; j++) {
          t = rows[l * k + j];
          x = in32[j];
          for (let i = s; i < e; i++) {
            const w = x[i];
            o[i] ^= t[w & 255] | (t[(w >>> 8) & 255] << 8) | (t[(w >>> 16) & 255] << 16) | (t[w >>> 24] << 24);
          }
        }
      }
    }
  }
  // the bytes past the last whole word (or all of them, unaligned)
  const from = words << 2;
  if (from === length) return;
  for (let l = 0; l < outputs.length; l++) {
    const o = outputs[l];
    const t0 = rows[l * k];
    const x0 = inputs[0];
    for (let i = from; i < length; i++) o[i] = t0[x0[i]];
    for (let j = 1; j < k; j++) {
      const t = rows[l * k + j];
      const x = inputs[j];
      for (let i = from; i < length; i++) o[i] ^= t[x[i]];
    }
  }
}

/** outputs[0] = XOR of every input, over [0, length): XOR codes, and a whole word at a time. */
export function xorAll(inputs: readonly Uint8Array[], output: Uint8Array, length: number): void {
  if (inputs.length === 0) {
    output.fill(0, 0, length);
    return;
  }
  const aligned = [...inputs, output].every((b) => b.byteOffset % 4 === 0);
  const words = aligned ? length >>> 2 : 0;
  if (words > 0) {
    const o = new Uint32Array(output.buffer, output.byteOffset, words);
    o.set(new Uint32Array(inputs[0].buffer, inputs[0].byteOffset, words));
    for (let j = 1; j < inputs.length; j++) {
      const x = new Uint32Array(inputs[j].buffer, inputs[j].byteOffset, words);
      for (let i = 0; i < words; i++) o[i] ^= x[i];
    }
  }
  const from = words << 2;
  for (let i = from; i < length; i++) {
    let v = 0;
    for (const x of inputs) v ^= x[i];
    output[i] = v;
  }
}
