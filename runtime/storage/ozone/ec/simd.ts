/**
 * The GF(2^8) multiply-and-add loop of linear.ts in WebAssembly SIMD, the way ISA-L's assembly
 * (and Hadoop's native coder over it) does it: a coefficient c is two 16-byte tables, c·x for the
 * 16 values of a low nibble and c·(x<<4) for a high one (ISA-L gf_vect_mul_init, GF256.gfVectMulInit),
 * and 16 bytes v are multiplied with two table lookups, i8x16.swizzle(low, v & 0x0f) ⊕
 * i8x16.swizzle(high, v >> 4): 16 products per few instructions instead of one lookup per byte.
 * The products are the field's, so the bytes are exactly linear.ts's (test/ozone-ec compares both
 * with Ozone's Java coder).
 *
 * The module is 200-odd bytes, assembled here from its instructions (no toolchain, nothing
 * fetched); its text form:
 *
 *   (func (export "combine") (param $tables i32) (param $sources i32) (param $k i32) (param $dst i32) (param $len i32)
 *     ;; for i in 0, 16, ... < len: dst[i..i+16] = XOR over j < k of c_j · sources[j][i..i+16]
 *     (local $i i32) (local $j i32) (local $acc v128) (local $v v128) (local $t i32) (local $mask v128)
 *     mask = i8x16.splat 0x0f; i = 0
 *     block loop  br_if 1 (i >= len)
 *       acc = 0; j = 0
 *       block loop  br_if 1 (j >= k)
 *         v = v128.load(i32.load(sources + 4j) + i); t = tables + 32j
 *         acc ^= swizzle(v128.load t, v & mask) ^ swizzle(v128.load offset=16 t, i8x16.shr_u v 4)
 *         j++  br 0
 *       end end
 *       v128.store(dst + i, acc); i += 16  br 0
 *     end end)
 *   (memory (export "memory") 1)
 *
 * Units are copied into the module's memory, rounded up to 16 bytes, and the outputs copied out:
 * a memcpy is a small cost next to the coding. One instance (and memory) per coder.
 */
import { I32, MODULE_HEADER, name, section, uleb, V128, wasm } from "../../../wasm.js";
import { gfMul } from "./gf256.js";

const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const i32c = (v: number) => [0x41, v]; // small non-negative constants only (< 64)
const [ADD, SHL, GE_U, BR, BR_IF, END] = [0x6a, 0x74, 0x4f, 0x0c, 0x0d, 0x0b];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const load = (offset: number) => simd(0x00, 0, ...uleb(offset));
const STORE = simd(0x0b, 0, 0);
const [SWIZZLE, SPLAT, AND, XOR, SHR_U] = [simd(0x0e), simd(0x0f), simd(0x4e), simd(0x51), simd(0x6d)];

function moduleBytes(): Uint8Array {
  // params 0..4: tables, sources, k, dst, len; locals 5 i, 6 j, 7 acc, 8 v, 9 t, 10 mask
  const code = [
    // locals: 2 i32 (i, j), 2 v128 (acc, v), 1 i32 (t), 1 v128 (mask)
    4, 2, I32, 2, V128, 1, I32, 1, V128,
    ...i32c(15), ...SPLAT, ...set(10),
    ...i32c(0), ...set(5),
    ...BLOCK, ...LOOP,
    ...get(5), ...get(4), GE_U, BR_IF, 1,
    ...simd(0x0c, ...new Array<number>(16).fill(0)), ...set(7),
    ...i32c(0), ...set(6),
    ...BLOCK, ...LOOP,
    ...get(6), ...get(2), GE_U, BR_IF, 1,
    ...get(1), ...get(6), ...i32c(2), SHL, ADD, 0x28, 2, 0, ...get(5), ADD, ...load(0), ...set(8),
    ...get(0), ...get(6), ...i32c(5), SHL, ADD, ...set(9),
    ...get(7),
    ...get(9), ...load(0), ...get(8), ...get(10), ...AND, ...SWIZZLE, ...XOR,
    ...get(9), ...load(16), ...get(8), ...i32c(4), ...SHR_U, ...SWIZZLE, ...XOR,
    ...set(7),
    ...get(6), ...i32c(1), ADD, ...set(6),
    BR, 0,
    END, END,
    ...get(3), ...get(5), ADD, ...get(7), ...STORE,
    ...get(5), ...i32c(16), ADD, ...set(5),
    BR, 0,
    END, END,
    END,
  ];
  const bytes = [
    ...MODULE_HEADER,
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name("combine"), 0x00, 0, ...name("memory"), 0x02, 0]),
    ...section(10, [1, ...uleb(code.length), ...code]),
  ];
  return Uint8Array.from(bytes);
}

export type Combiner = (coefficients: Uint8Array, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[], length: number) => void;

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The module, compiled once when this file loads; null where WebAssembly SIMD is not available. */
const SIMD_MODULE: object | null = (() => {
  const bytes = moduleBytes();
  return wasm !== undefined && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
})();

/**
 * A combiner with its own module instance: outputs[l] = Σ_j coefficients[l·k + j] · inputs[j]
 * over [0, length). Undefined when WebAssembly SIMD is not available (linear.ts then does it all).
 */
export function createSimdCombiner(): Combiner | undefined {
  if (SIMD_MODULE === null || wasm === undefined) return undefined;
  const instance = new wasm.Instance(SIMD_MODULE, {});
  const memory = instance.exports.memory as WasmMemory;
  const combine = instance.exports.combine as (tables: number, sources: number, k: number, dst: number, len: number) => void;
  return (coefficients, inputs, outputs, length) => {
    const k = inputs.length;
    const padded = (length + 15) & ~15;
    // layout: tables (32 bytes per coefficient), source pointers, inputs, outputs
    const tables = 0;
    const sources = tables + coefficients.length * 32;
    const firstInput = (sources + k * 4 + 15) & ~15;
    const firstOutput = firstInput + k * padded;
    const need = firstOutput + outputs.length * padded;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    const heap = new Uint8Array(memory.buffer);
    const view = new DataView(memory.buffer);
    for (let c = 0; c < coefficients.length; c++) {
      const coefficient = coefficients[c];
      for (let x = 0; x < 16; x++) {
        heap[tables + c * 32 + x] = gfMul(coefficient, x);
        heap[tables + c * 32 + 16 + x] = gfMul(coefficient, x << 4);
      }
    }
    for (let j = 0; j < k; j++) {
      const at = firstInput + j * padded;
      view.setUint32(sources + j * 4, at, true);
      heap.set(inputs[j].subarray(0, length), at);
      heap.fill(0, at + length, at + padded);
    }
    for (let l = 0; l < outputs.length; l++) {
      const at = firstOutput + l * padded;
      combine(tables + l * k * 32, sources, k, at, padded);
      outputs[l].set(heap.subarray(at, at + length));
    }
  };
}
