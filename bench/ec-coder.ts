/**
 * Speed of the erasure coders (runtime/storage/ozone/ec/) on one core, next to the "hashing
 * ceiling": MD5 of the same bytes (every PUT hashes its body once for the ETag, so a coder at or
 * above MD5's speed does not set the write path's pace). Not a test: vitest never runs it.
 *
 *   npm run bench:ec              (= npx tsc -p . && node dist/bench/ec-coder.js)
 *
 * Per scheme at 1 MiB cells (Ozone's rs-*-1024k): encode of one stripe (data units in, parity
 * out) with WebAssembly SIMD (the default) and with the table loop, decode of `parity` lost data
 * units, and MD5 over the stripe's data, all in MiB of data per second. Each figure is the best of
 * 5 rounds of at least 0.5 s: the machine is shared.
 */
import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createErasureCoder } from "../runtime/storage/ozone/ec/coder.js";

const CELL = 1024 * 1024;
const SCHEMES: [string, number, number][] = [
  ["rs", 3, 2],
  ["rs", 6, 3],
  ["rs", 10, 4],
  ["xor", 2, 1],
];

/** MiB of stripe data per second: the best of 5 rounds */
function rate(dataBytes: number, f: () => void): number {
  for (let i = 0; i < 3; i++) f();
  let best = 0;
  for (let round = 0; round < 5; round++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 500) {
      f();
      n++;
      t = performance.now();
    }
    best = Math.max(best, (n * dataBytes) / 2 ** 20 / ((t - t0) / 1000));
  }
  return best;
}

const rows: string[][] = [["scheme", "encode MiB/s", "encode, table loop", "decode MiB/s (parity-many data units lost)", "MD5 MiB/s", "encode / MD5"]];
for (const [codec, k, p] of SCHEMES) {
  const coder = createErasureCoder(codec, k, p);
  const data = Array.from({ length: k }, () => randomBytes(CELL));
  const parity = coder.encode(data);
  const units: (Uint8Array | null)[] = [...data, ...parity];
  const lost = [...Array(p).keys()];
  for (const i of lost) units[i] = null;
  const outputs = lost.map(() => new Uint8Array(CELL));
  const encode = rate(k * CELL, () => coder.encode(data, parity));
  const tableLoop = createErasureCoder(codec, k, p, { simd: false });
  const encodeTables = rate(k * CELL, () => tableLoop.encode(data, parity));
  const decode = rate(k * CELL, () => coder.decode(units, lost, outputs));
  const md5 = rate(k * CELL, () => {
    const h = createHash("md5");
    for (const d of data) h.update(d);
    h.digest();
  });
  rows.push([`${codec}-${k}-${p}-1024k`, encode.toFixed(0), encodeTables.toFixed(0), decode.toFixed(0), md5.toFixed(0), (encode / md5).toFixed(2)]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c])).join("  "));
