/**
 * MD5 compression functions (RFC 1321) as a WebAssembly module, written here byte by byte at start
 * (no binary in the repository, no build step, no dependency): `md5x4` hashes four independent
 * streams at once in 128-bit SIMD lanes, `md5x1` hashes one with scalar code. md5-lanes.ts feeds
 * them.
 *
 * Why: MD5 is one long chain of dependent 32-bit steps, so one stream cannot be hashed faster than
 * the chain runs, and most of the CPU waits. Four streams side by side run four chains in about
 * the time of one and a half. Measured on the reference machine (x86-64 with AVX-512, node 20):
 * md5x4 ~2.1 GiB/s over its four lanes, md5x1 ~720 MiB/s, node:crypto's MD5 (OpenSSL) ~690 MiB/s.
 * MinIO does the same in Go assembly (md5-simd); every PUT's ETag is the MD5 of its body, so the
 * gateway hashes every byte it takes.
 *
 * Memory layout (one 64 KiB page for the fixed part, then the lanes' regions, see LAYOUT):
 * - x4 state: four vectors A, B, C, D, lane l of each is stream l's word;
 * - x1 state: four words A, B, C, D;
 * - the x4 message scratch: the 16 message words of the current block, transposed (word j of the
 *   four lanes in one vector);
 * - the 64 round constants, each repeated in four lanes.
 * Data pointers and block counts are the functions' parameters; a block is 64 bytes.
 */

import { I32, MODULE_HEADER, name, section, sleb, uleb, V128, wasm } from "../wasm.js";

/** Byte offsets in the module's memory. */
export const LAYOUT = {
  stateX4: 0,
  stateX1: 64,
  scratch: 128,
  constants: 1024,
  /** a 128-byte area for the final padded block(s) of one stream */
  final: 2048,
  /** where the streams' regions start */
  regions: 65536,
} as const;

/** RFC 1321's T[i] = floor(2^32 * abs(sin(i + 1))). */
export const MD5_CONSTANTS: readonly number[] = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
/** the message word step i reads */
function wordOf(i: number): number {
  const round = i >> 4;
  if (round === 0) return i;
  if (round === 1) return (5 * i + 1) % 16;
  if (round === 2) return (3 * i + 5) % 16;
  return (7 * i) % 16;
}

// Opcodes (WebAssembly core spec 2.0, "Instructions"; SIMD ones follow the 0xfd prefix).
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i32Store: 0x36,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Rotl: 0x77,
} as const;
const SIMD = {
  load: 0x00,
  store: 0x0b,
  shuffle: 0x0d,
  not: 0x4d,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  xor: 0x51,
  shl: 0xab,
  shrU: 0xad,
  add: 0xae,
} as const;

/** A function body being written: its instructions and helpers for the few forms used. */
class Code {
  readonly bytes: number[] = [];
  op(...bytes: number[]): void {
    this.bytes.push(...bytes);
  }
  simd(op: number): void {
    this.bytes.push(0xfd, ...uleb(op));
  }
  get(local: number): void {
    this.op(OP.localGet, ...uleb(local));
  }
  set(local: number): void {
    this.op(OP.localSet, ...uleb(local));
  }
  tee(local: number): void {
    this.op(OP.localTee, ...uleb(local));
  }
  i32(value: number): void {
    this.op(OP.i32Const, ...sleb(value | 0));
  }
  /** v128.load of [address on the stack + offset] */
  loadV(offset: number): void {
    this.simd(SIMD.load);
    this.op(0, ...uleb(offset));
  }
  storeV(offset: number): void {
    this.simd(SIMD.store);
    this.op(0, ...uleb(offset));
  }
  /** i8x16.shuffle picking four 32-bit lanes (0-3 from the first operand, 4-7 from the second) */
  shuffle32(lanes: readonly number[]): void {
    this.simd(SIMD.shuffle);
    for (const lane of lanes) this.op(lane * 4, lane * 4 + 1, lane * 4 + 2, lane * 4 + 3);
  }
}

/** How one kernel does what the MD5 steps need: on vectors (md5x4) or on i32 (md5x1). */
interface StepOps {
  add(): void;
  and(): void;
  or(): void;
  xor(): void;
  /** pushes c & ~d */
  cAndNotD(c: number, d: number): void;
  /** pushes ~d */
  not(d: number): void;
  /** rotates the top of the stack left by s */
  rotl(s: number): void;
  /** pushes step i's message word */
  message(i: number): void;
  /** pushes step i's constant */
  constant(i: number): void;
}

/**
 * The 64 steps of one block, the roles of the four state locals rotating instead of the values
 * moving. Each step sums what does not depend on b (the value the previous step made) first, so
 * that only the round function, one add, the rotation and the last add wait for it: that order
 * made md5x1 as fast as OpenSSL's MD5 (1.5x slower before).
 */
function emitSteps(code: Code, st: readonly number[], ops: StepOps): void {
  let [a, b, c, d] = st as [number, number, number, number];
  for (let i = 0; i < 64; i++) {
    const round = i >> 4;
    code.get(a);
    ops.message(i);
    ops.add();
    ops.constant(i);
    ops.add();
    if (round === 0) {
      // F = d ^ (b & (c ^ d))
      code.get(d), code.get(c), code.get(d), ops.xor();
      code.get(b), ops.and(), ops.xor();
    } else if (round === 1) {
      // G = (b & d) | (c & ~d), the two terms disjoint: added one after the other
      ops.cAndNotD(c, d), ops.add();
      code.get(b), code.get(d), ops.and();
    } else if (round === 2) {
      // H = b ^ c ^ d
      code.get(c), code.get(d), ops.xor(), code.get(b), ops.xor();
    } else {
      // I = c ^ (b | ~d)
      ops.not(d), code.get(b), ops.or(), code.get(c), ops.xor();
    }
    ops.add();
    ops.rotl(SHIFTS[round * 4 + (i & 3)] as number);
    code.get(b);
    ops.add();
    code.set(a);
    [a, b, c, d] = [d, a, b, c];
  }
}

/**
 * A kernel's body: `pointers` (its first parameters) and `n` (the last) as locals; the state loaded
 * into `st`, then per block: `readBlock`, the saved state, the 64 steps, the state added back, the
 * pointers moved on; the state stored at the end. `locals` are the body's declarations.
 */
function kernelBody(k: {
  code: Code;
  pointers: readonly number[];
  n: number;
  st: readonly number[];
  saved: readonly number[];
  locals: number[];
  ops: StepOps;
  loadState(j: number): void;
  storeState(j: number): void;
  readBlock?(): void;
}): number[] {
  const code = k.code;
  for (let j = 0; j < 4; j++) {
    k.loadState(j);
    code.set(k.st[j] as number);
  }
  code.op(OP.block, 0x40, OP.loop, 0x40);
  code.get(k.n);
  code.op(OP.i32Eqz, OP.brIf, 1);
  k.readBlock?.();
  for (let j = 0; j < 4; j++) {
    code.get(k.st[j] as number);
    code.set(k.saved[j] as number);
  }
  emitSteps(code, k.st, k.ops);
  for (let j = 0; j < 4; j++) {
    code.get(k.st[j] as number);
    code.get(k.saved[j] as number);
    k.ops.add();
    code.set(k.st[j] as number);
  }
  for (const pointer of k.pointers) {
    code.get(pointer);
    code.i32(64);
    code.op(OP.i32Add);
    code.set(pointer);
  }
  code.get(k.n);
  code.i32(1);
  code.op(OP.i32Sub);
  code.set(k.n);
  code.op(OP.br, 0, OP.end, OP.end);
  for (let j = 0; j < 4; j++) k.storeState(j);
  code.op(OP.end);
  return [...k.locals, ...code.bytes];
}

/**
 * md5x4(p0, p1, p2, p3, n): n blocks from each of the four pointers into the x4 state. Each block
 * is read as four 16-byte rows per lane and transposed (4x4, eight shuffles per 16 words) into the
 * scratch, so that every step reads its message word for the four lanes with one load.
 */
function md5x4Body(): number[] {
  // locals after the 5 parameters: state a b c d (5-8), saved state (9-12), t (13), rows (14-17),
  // pairs (18-21)
  const st = [5, 6, 7, 8];
  const t = 13;
  const rows = [14, 15, 16, 17];
  const pairs = [18, 19, 20, 21];
  const code = new Code();
  const ops: StepOps = {
    add: () => code.simd(SIMD.add),
    and: () => code.simd(SIMD.and),
    or: () => code.simd(SIMD.or),
    xor: () => code.simd(SIMD.xor),
    cAndNotD: (c, d) => (code.get(c), code.get(d), code.simd(SIMD.andnot)),
    not: (d) => (code.get(d), code.simd(SIMD.not)),
    rotl: (s) => {
      code.tee(t);
      code.i32(s);
      code.simd(SIMD.shl);
      code.get(t);
      code.i32(32 - s);
      code.simd(SIMD.shrU);
      code.simd(SIMD.or);
    },
    message: (i) => (code.i32(0), code.loadV(LAYOUT.scratch + 16 * wordOf(i))),
    constant: (i) => (code.i32(0), code.loadV(LAYOUT.constants + 16 * i)),
  };
  const readBlock = () => {
    for (let q = 0; q < 4; q++) {
      for (let lane = 0; lane < 4; lane++) {
        code.get(lane);
        code.loadV(16 * q);
        code.set(rows[lane] as number);
      }
      const pick = (a: number, b: number, lanes: readonly number[], into: number) => {
        code.get(a);
        code.get(b);
        code.shuffle32(lanes);
        code.set(into);
      };
      pick(rows[0]!, rows[1]!, [0, 4, 1, 5], pairs[0]!);
      pick(rows[0]!, rows[1]!, [2, 6, 3, 7], pairs[1]!);
      pick(rows[2]!, rows[3]!, [0, 4, 1, 5], pairs[2]!);
      pick(rows[2]!, rows[3]!, [2, 6, 3, 7], pairs[3]!);
      const column = (a: number, b: number, lanes: readonly number[], word: number) => {
        code.i32(0);
        code.get(a);
        code.get(b);
        code.shuffle32(lanes);
        code.storeV(LAYOUT.scratch + 16 * word);
      };
      column(pairs[0]!, pairs[2]!, [0, 1, 4, 5], 4 * q);
      column(pairs[0]!, pairs[2]!, [2, 3, 6, 7], 4 * q + 1);
      column(pairs[1]!, pairs[3]!, [0, 1, 4, 5], 4 * q + 2);
      column(pairs[1]!, pairs[3]!, [2, 3, 6, 7], 4 * q + 3);
    }
  };
  return kernelBody({
    code,
    pointers: [0, 1, 2, 3],
    n: 4,
    st,
    saved: [9, 10, 11, 12],
    locals: [...uleb(1), ...uleb(17), V128],
    ops,
    loadState: (j) => (code.i32(0), code.loadV(LAYOUT.stateX4 + 16 * j)),
    storeState: (j) => (code.i32(0), code.get(st[j] as number), code.storeV(LAYOUT.stateX4 + 16 * j)),
    readBlock,
  });
}

/** md5x1(p, n): n blocks from p into the x1 state, with the scalar i32 instructions (and rotl). */
function md5x1Body(): number[] {
  const p = 0;
  const st = [2, 3, 4, 5];
  const code = new Code();
  const load32 = (offset: number) => code.op(OP.i32Load, 2, ...uleb(offset));
  const ops: StepOps = {
    add: () => code.op(OP.i32Add),
    and: () => code.op(OP.i32And),
    or: () => code.op(OP.i32Or),
    xor: () => code.op(OP.i32Xor),
    cAndNotD: (c, d) => (code.get(d), code.i32(-1), code.op(OP.i32Xor), code.get(c), code.op(OP.i32And)),
    not: (d) => (code.get(d), code.i32(-1), code.op(OP.i32Xor)),
    rotl: (s) => (code.i32(s), code.op(OP.i32Rotl)),
    message: (i) => (code.get(p), load32(4 * wordOf(i))),
    constant: (i) => code.i32(MD5_CONSTANTS[i] as number),
  };
  return kernelBody({
    code,
    pointers: [p],
    n: 1,
    st,
    saved: [6, 7, 8, 9],
    locals: [...uleb(1), ...uleb(8), I32],
    ops,
    loadState: (j) => (code.i32(0), load32(LAYOUT.stateX1 + 4 * j)),
    storeState: (j) => (code.i32(0), code.get(st[j] as number), code.op(OP.i32Store, 2, ...uleb(LAYOUT.stateX1 + 4 * j))),
  });
}

/** The module's bytes, for `pages` pages (64 KiB each) of memory. */
export function md5ModuleBytes(pages: number): Uint8Array {
  const x4 = md5x4Body();
  const x1 = md5x1Body();
  const types = [2, 0x60, 5, I32, I32, I32, I32, I32, 0, 0x60, 2, I32, I32, 0];
  const exports = [3, ...name("memory"), 2, 0, ...name("md5x4"), 0, 0, ...name("md5x1"), 0, 1];
  return new Uint8Array([
    ...MODULE_HEADER,
    ...section(1, types),
    ...section(3, [2, 0, 1]),
    ...section(5, [1, 0x01, ...uleb(pages), ...uleb(pages)]),
    ...section(7, exports),
    ...section(10, [2, ...uleb(x4.length), ...x4, ...uleb(x1.length), ...x1]),
  ]);
}

export interface Md5Kernels {
  memory: { buffer: ArrayBuffer };
  md5x4(p0: number, p1: number, p2: number, p3: number, blocks: number): void;
  md5x1(p: number, blocks: number): void;
}

/**
 * Compiles and instantiates the module, with the round constants in place; null where
 * WebAssembly SIMD is not available.
 */
export function instantiateMd5(pages: number): Md5Kernels | null {
  const bytes = md5ModuleBytes(pages);
  if (wasm === undefined || !wasm.validate(bytes)) return null;
  const instance = new wasm.Instance(new wasm.Module(bytes), {});
  const kernels = instance.exports as unknown as Md5Kernels;
  const words = new Uint32Array(kernels.memory.buffer, LAYOUT.constants, 256);
  MD5_CONSTANTS.forEach((k, i) => words.fill(k, 4 * i, 4 * i + 4));
  return kernels;
}
