/**
 * The deterministic workload of the kill -9 test, shared by the writer child (crash-writer.ts) and
 * the checking test (embedded.test.ts): which operation a lane performs at each step, on which key,
 * with which bytes. Knowing the plan, the test can tell which states are legal after the kill.
 *
 * Bodies are a mix of inline ones (tiny, up to the inline limit, and exactly limit-1 / limit /
 * limit+1 bytes) and files (up to ~300 KB, and the 5 MiB first part of a multipart upload, whose
 * small last part is inline), so one key is overwritten back and forth between the two. Lanes run
 * concurrently, so their commits share group-commit batches; a conditional create (If-None-Match:
 * *) is refused when its key exists, which makes a writer fail inside a batch that others commit.
 */
import { createHash } from "node:crypto";

import { DEFAULT_INLINE_LIMIT } from "../../runtime/storage/embedded/inline.js";
import { MIN_PART_SIZE } from "../../runtime/storage/types.js";

export const CRASH_BUCKET = "crash-test";
export const CRASH_OWNER = "AKIDCRASH";
export const LANES = 4;
const KEYS_PER_LANE = 12;
/** the writer child runs with the default inline limit */
export const CRASH_INLINE_LIMIT = DEFAULT_INLINE_LIMIT;

export type PlannedOp =
  | { kind: "put"; key: string; seq: number }
  /** PUT with If-None-Match: *, refused (no change) when the key exists */
  | { kind: "create"; key: string; seq: number }
  | { kind: "multipart"; key: string; seq: number }
  | { kind: "delete"; key: string; seq: number };

/** Step `step` of lane `lane`; `seq` is unique over all lanes. Keys belong to one lane. */
export function plannedOp(lane: number, step: number): PlannedOp {
  const seq = step * LANES + lane;
  const key = `lane-${lane}/key-${step % KEYS_PER_LANE}`;
  if (step % 7 === 6) return { kind: "delete", key, seq };
  if (step % 11 === 10) return { kind: "multipart", key, seq };
  if (step % 5 === 2) return { kind: "create", key, seq };
  return { kind: "put", key, seq };
}

/**
 * What a key holds after `op`, given what it held before: undefined = absent, else the seq of the
 * operation that wrote it. A lane's keys are written only by that lane, one step at a time, so
 * replaying the lane's plan gives every key's state.
 */
export function stateAfter(op: PlannedOp, before: number | undefined): number | undefined {
  switch (op.kind) {
    case "delete":
      return undefined;
    case "create":
      return before === undefined ? op.seq : before;
    default:
      return op.seq;
  }
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

/** The size of a single PUT's body: one of four classes, picked by a hash of seq. */
export function putSize(seq: number): number {
  const mix = Math.imul(seq + 1, 2654435761) >>> 0;
  switch ((mix >>> 16) % 4) {
    case 0:
      return mix % 4096; // tiny: inline
    case 1:
      return CRASH_INLINE_LIMIT - 1 + (mix % 3); // limit-1 and limit inline, limit+1 a file
    case 2:
      return mix % CRASH_INLINE_LIMIT; // inline, anywhere up to the limit
    default:
      return mix % 300_000; // mostly files
  }
}

/** The bytes of a single PUT (or conditional create) with this seq. */
export function putContent(seq: number): Buffer {
  return patternBytes(seq, 0, putSize(seq));
}

/** The parts of a multipart upload with this seq: one minimum-size part (a file) and a small last one (inline). */
export function multipartContent(seq: number): Buffer[] {
  return [patternBytes(seq, 1, MIN_PART_SIZE), patternBytes(seq, 2, 1000 + (seq % 5000))];
}

export function md5Hex(data: Buffer): string {
  return createHash("md5").update(data).digest("hex");
}
