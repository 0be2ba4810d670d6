/**
 * The little it takes to assemble a WebAssembly module by hand (the binary format of the core
 * spec, "Binary Format"), for the SIMD kernels that are written here instruction by instruction
 * instead of fetched or built by a toolchain: storage/ozone/ec/simd.ts (erasure coding) and
 * auth/md5-wasm.ts (MD5 in lanes). Also the part of the WebAssembly JS API they use, which the
 * project's lib settings do not declare.
 */

/** unsigned LEB128 */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** signed LEB128 (i32.const immediates) */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A section: its id, then its content's length. */
export function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** A name (exports): its length, then its UTF-8 bytes. */
export function name(text: string): number[] {
  const bytes = [...Buffer.from(text, "utf8")];
  return [...uleb(bytes.length), ...bytes];
}

/** "\0asm", version 1 */
export const MODULE_HEADER: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
export const I32 = 0x7f;
export const V128 = 0x7b;

/** What the kernels use of the WebAssembly JS API. */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  /** linear memory of `initial` 64 KiB pages; its buffer starts on a page boundary */
  Memory: new (descriptor: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
}

/** The runtime's WebAssembly, when it has one. */
export const wasm: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
