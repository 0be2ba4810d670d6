/**
 * Erasure coders byte-compatible with Ozone's raw coders (apache/ozone ozone-2.2.0,
 * hadoop-hdds/erasurecode/.../org/apache/ozone/erasurecode/rawcoder): the parity they compute is
 * the parity Ozone's Java client writes, and a decode uses the same inputs and yields the same
 * bytes, so keys written by either side reconstruct on the other and on Ozone's datanodes.
 *
 * - `rs` (RSRawEncoder/RSRawDecoder, ISA-L's construction): the (data+parity)×data encode matrix
 *   is the identity on top of a Cauchy matrix, row i ≥ data, column j holding 1/(i ⊕ j)
 *   (RSUtil.genCauchyMatrix = ISA-L gf_gen_cauchy1_matrix; not a Vandermonde matrix). Parity l is
 *   Σ_j M[data+l][j]·d_j. Decoding takes the first `data` inputs that are present (in index
 *   order), inverts their rows of M, and computes each erased unit in the order given: the
 *   inverse's row for a data unit, the parity's row times the inverse for a parity unit. The Java
 *   decoder takes the first erased indexes for the data ones, so it is only right for an ascending
 *   list (Ozone's readers pass a SortedSet); decode() requires one.
 * - `xor` (XORRawEncoder/XORRawDecoder): one parity unit, the XOR of the data units; the erased
 *   unit is the XOR of every other unit.
 *
 * All units of one encode or decode have the same length (Ozone zero-pads a short last stripe's
 * cells to the first cell's length before coding: ECKeyOutputStream.encode and
 * ECBlockReconstructedStripeInputStream.padBuffers). Misuse (wrong counts or lengths) throws, as
 * the Java coders throw IllegalArgumentException.
 */
import { gfInv, gfInvertMatrix, gfMul, mulRow } from "./gf256.js";
import { linearCombine, xorAll } from "./linear.js";
import { createSimdCombiner, type Combiner } from "./simd.js";

export interface ErasureCoder {
  readonly codec: "rs" | "xor";
  readonly dataUnits: number;
  readonly parityUnits: number;
  /** The parity units of `data` (dataUnits buffers of one length); into `parity` when given. */
  encode(data: readonly Uint8Array[], parity?: Uint8Array[]): Uint8Array[];
  /**
   * The units at `erased` (at most parityUnits of them), in that order, computed from `inputs`:
   * dataUnits + parityUnits entries, null where a unit is missing or not to be used, every other
   * one of one length. Into `outputs` when given.
   */
  decode(inputs: readonly (Uint8Array | null)[], erased: readonly number[], outputs?: Uint8Array[]): Uint8Array[];
}

export interface CoderOptions {
  /**
   * Reed-Solomon in WebAssembly SIMD (simd.ts) where the runtime has it (default true); false
   * keeps to the table loop of linear.ts. Both give the same bytes; SIMD is ~4× faster.
   */
  simd?: boolean;
}

/** Below this many bytes per unit the table loop is used: copying into WebAssembly memory would cost more. */
const SIMD_MIN_LENGTH = 256;

/** The coder for an Ozone EC replication's codec ("rs", "xor"), as CodecUtil picks it. */
export function createErasureCoder(codec: string, dataUnits: number, parityUnits: number, options: CoderOptions = {}): ErasureCoder {
  if (!Number.isInteger(dataUnits) || !Number.isInteger(parityUnits) || dataUnits < 1 || parityUnits < 1) {
    throw new Error(`invalid EC scheme ${codec}-${dataUnits}-${parityUnits}`);
  }
  switch (codec.toLowerCase()) {
    case "rs":
      return new ReedSolomonCoder(dataUnits, parityUnits, options.simd === false ? undefined : createSimdCombiner());
    case "xor":
      return new XorCoder(dataUnits, parityUnits);
    default:
      throw new Error(`unknown EC codec ${codec}`);
  }
}

/** RSUtil.genCauchyMatrix: identity rows, then M[i][j] = 1/(i ⊕ j) for the parity rows. */
export function cauchyEncodeMatrix(dataUnits: number, parityUnits: number): Uint8Array {
  const k = dataUnits;
  const m = new Uint8Array((k + parityUnits) * k);
  for (let i = 0; i < k; i++) m[i * k + i] = 1;
  for (let i = k; i < k + parityUnits; i++) for (let j = 0; j < k; j++) m[i * k + j] = gfInv(i ^ j);
  return m;
}

/** Decode tables kept per (inputs used, erased) combination; a block group has few of them. */
const MAX_CACHED_DECODERS = 64;

class ReedSolomonCoder implements ErasureCoder {
  readonly codec = "rs" as const;
  private readonly matrix: Uint8Array;
  /** parity row l, column j at [l·k + j]: the coefficients encode() uses, and their multiplication rows */
  private readonly encodeCoefficients: Uint8Array;
  private readonly encodeRows: Uint8Array[];
  private readonly decodeTables = new Map<string, { coefficients: Uint8Array; rows: Uint8Array[] }>();

  constructor(
    readonly dataUnits: number,
    readonly parityUnits: number,
    private readonly simd: Combiner | undefined,
  ) {
    // RSRawEncoder: all units must be distinct field elements
    if (dataUnits + parityUnits >= 256) throw new Error("invalid RS scheme: data + parity must be below 256");
    this.matrix = cauchyEncodeMatrix(dataUnits, parityUnits);
    this.encodeCoefficients = this.matrix.subarray(dataUnits * dataUnits);
    this.encodeRows = Array.from(this.encodeCoefficients, (c) => mulRow(c));
  }

  private combine(coefficients: Uint8Array, rows: Uint8Array[], inputs: readonly Uint8Array[], outputs: Uint8Array[], length: number): void {
    if (this.simd !== undefined && length >= SIMD_MIN_LENGTH) this.simd(coefficients, inputs, outputs, length);
    else linearCombine(rows, inputs, outputs, length);
  }

  encode(data: readonly Uint8Array[], parity?: Uint8Array[]): Uint8Array[] {
    const length = checkUnits(data, this.dataUnits, "data");
    const out = outputsFor(parity, this.parityUnits, length);
    this.combine(this.encodeCoefficients, this.encodeRows, data, out, length);
    return out;
  }

  decode(inputs: readonly (Uint8Array | null)[], erased: readonly number[], outputs?: Uint8Array[]): Uint8Array[] {
    const k = this.dataUnits;
    const { valid, length } = checkDecode(inputs, erased, k, this.parityUnits);
    const out = outputsFor(outputs, erased.length, length);
    if (erased.length === 0 || length === 0) return out;
    const used = valid.slice(0, k);
    const key = `${used.join(",")}/${erased.join(",")}`;
    let tables = this.decodeTables.get(key);
    if (tables === undefined) {
      const coefficients = this.decodeMatrix(used, erased);
      tables = { coefficients, rows: Array.from(coefficients, (c) => mulRow(c)) };
      if (this.decodeTables.size >= MAX_CACHED_DECODERS) this.decodeTables.clear();
      this.decodeTables.set(key, tables);
    }
    this.combine(tables.coefficients, tables.rows, used.map((i) => inputs[i]!), out, length);
    return out;
  }

  /** RSRawDecoder.generateDecodeMatrix: erased unit e from used input i at [e·k + i]. */
  private decodeMatrix(used: readonly number[], erased: readonly number[]): Uint8Array {
    const k = this.dataUnits;
    const m = this.matrix;
    const sub = new Uint8Array(k * k);
    for (let i = 0; i < k; i++) sub.set(m.subarray(used[i] * k, used[i] * k + k), i * k);
    const inverse = gfInvertMatrix(sub, k);
    const dataErased = erased.filter((e) => e < k).length;
    const coefficients = new Uint8Array(erased.length * k);
    // the first dataErased entries are taken as data units: the inverse's row gives them
    for (let p = 0; p < dataErased; p++) coefficients.set(inverse.subarray(erased[p] * k, erased[p] * k + k), p * k);
    // a parity unit: its encode row times the inverse
    for (let p = dataErased; p < erased.length; p++) {
      for (let i = 0; i < k; i++) {
        let s = 0;
        for (let j = 0; j < k; j++) s ^= gfMul(inverse[j * k + i], m[erased[p] * k + j]);
        coefficients[p * k + i] = s;
      }
    }
    return coefficients;
  }
}

class XorCoder implements ErasureCoder {
  readonly codec = "xor" as const;

  constructor(
    readonly dataUnits: number,
    readonly parityUnits: number,
  ) {}

  encode(data: readonly Uint8Array[], parity?: Uint8Array[]): Uint8Array[] {
    const length = checkUnits(data, this.dataUnits, "data");
    // XORRawEncoder writes outputs[0] only; any further parity unit stays zero
    const out = outputsFor(parity, this.parityUnits, length);
    xorAll(data, out[0], length);
    for (let i = 1; i < out.length; i++) out[i].fill(0, 0, length);
    return out;
  }

  decode(inputs: readonly (Uint8Array | null)[], erased: readonly number[], outputs?: Uint8Array[]): Uint8Array[] {
    const { length } = checkDecode(inputs, erased, this.dataUnits, this.parityUnits);
    const out = outputsFor(outputs, erased.length, length);
    if (erased.length === 0) return out;
    // XORRawDecoder: every unit but erased[0] goes in; it reads them all, so none may be missing
    const others: Uint8Array[] = [];
    inputs.forEach((u, i) => {
      if (i === erased[0]) return;
      if (u === null) throw new Error(`xor decode: unit ${i} is missing; only one unit can be recovered`);
      others.push(u);
    });
    xorAll(others, out[0], length);
    return out;
  }
}

function checkUnits(units: readonly Uint8Array[], count: number, what: string): number {
  if (units.length !== count) throw new Error(`expected ${count} ${what} units, got ${units.length}`);
  const length = units[0].length;
  for (const u of units) if (u.length !== length) throw new Error(`${what} units differ in length`);
  return length;
}

/** DecodingState.checkParameters and ByteArrayDecodingState.checkInputBuffers */
function checkDecode(inputs: readonly (Uint8Array | null)[], erased: readonly number[], k: number, p: number): { valid: number[]; length: number } {
  if (inputs.length !== k + p) throw new Error(`expected ${k + p} inputs, got ${inputs.length}`);
  if (erased.length > p) throw new Error(`too many erased units (${erased.length} > ${p}): not recoverable`);
  erased.forEach((e, i) => {
    if (!Number.isInteger(e) || e < 0 || e >= k + p) throw new Error(`invalid erased index ${e}`);
    if (i > 0 && e <= erased[i - 1]) throw new Error("erased indexes must be ascending");
  });
  const valid: number[] = [];
  let length = -1;
  inputs.forEach((u, i) => {
    if (u === null) return;
    if (length < 0) length = u.length;
    else if (u.length !== length) throw new Error("input units differ in length");
    valid.push(i);
  });
  if (valid.length < k) throw new Error(`only ${valid.length} of ${k} needed units present: not recoverable`);
  return { valid, length };
}

function outputsFor(given: Uint8Array[] | undefined, count: number, length: number): Uint8Array[] {
  if (given === undefined) return Array.from({ length: count }, () => new Uint8Array(length));
  if (given.length !== count) throw new Error(`expected ${count} output buffers, got ${given.length}`);
  for (const o of given) if (o.length < length) throw new Error(`output buffer shorter than ${length} bytes`);
  return given;
}
