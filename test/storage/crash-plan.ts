/**
 * The deterministic workload of the kill -9 test, shared by the writer child (crash-writer.ts) and
 * the checking test (embedded.test.ts): which operation a lane performs at each step, on which key,
 * with which bytes. Knowing the plan, the test can tell which states are legal after the kill.
 */
import { createHash } from "node:crypto";

import { MIN_PART_SIZE } from "../../runtime/storage/types.js";

export const CRASH_BUCKET = "crash-test";
export const CRASH_OWNER = "AKIDCRASH";
export const LANES = 3;
const KEYS_PER_LANE = 12;

export type PlannedOp =
  | { kind: "put"; key: string; seq: number }
  | { kind: "multipart"; key: string; seq: number }
  | { kind: "delete"; key: string; seq: number };

/** Step `step` of lane `lane`; `seq` is unique over all lanes. */
export function plannedOp(lane: number, step: number): PlannedOp {
  const seq = step * LANES + lane;
  const key = `lane-${lane}/key-${step % KEYS_PER_LANE}`;
  if (step % 7 === 6) return { kind: "delete", key, seq };
  if (step % 11 === 10) return { kind: "multipart", key, seq };
  return { kind: "put", key, seq };
}

/** Deterministic pseudo-random bytes (xorshift32 seeded by seq and salt). */
export function patternBytes(seq: number, salt: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = (seq * 2654435761 + salt * 40503 + 1) >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf.writeUInt32LE(x, i);
  }
  for (; i < size; i++) buf[i] = (seq + i) & 0xff;
  return buf;
}

/** The bytes of a single PUT with this seq: 0 to ~300 KB. */
export function putContent(seq: number): Buffer {
  return patternBytes(seq, 0, (seq * 7919) % 300_000);
}

/** The parts of a multipart upload with this seq: one minimum-size part and a small last one. */
export function multipartContent(seq: number): Buffer[] {
  return [patternBytes(seq, 1, MIN_PART_SIZE), patternBytes(seq, 2, 1000 + (seq % 5000))];
}

export function md5Hex(data: Buffer): string {
  return createHash("md5").update(data).digest("hex");
}
