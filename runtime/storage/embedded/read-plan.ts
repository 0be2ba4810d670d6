/**
 * A read in two steps, so that the step that needs the database and the step that needs the files
 * can run in different processes (runtime/workers/: the store owner resolves, a worker streams):
 *
 * 1. resolve (reads.ts resolveRead, in the process that owns the database): the object's row, its
 *    segments in order, the bytes of an inline segment, and a pin on every segment file, taken in
 *    one synchronous run so that the snapshot cannot change between the lookup and the pin
 *    (pins.ts). The result is plain data.
 * 2. plan and open (here, wherever the bytes are streamed): the caller's range callback runs
 *    against the snapshot's ObjectInfo (conditions and range see the version being served), the
 *    part or range becomes slices of segments, and the GetObjectResult opens them one file at a
 *    time. The pins are released exactly once: when the stream closes, or by release(), or at once
 *    when planning fails.
 */
import type { SegmentReadStream } from "./segment-read.js";

import { StorageError, type ByteRange, type Checksum, type GetObjectParams, type GetObjectResult, type ObjectInfo, type ObjectPartInfo } from "../types.js";
import { concatSlices, planSlices, type SegmentSlice } from "./segment-stream.js";

/**
 * A worker may keep the answer for an object of at most this many segments (its files stay pinned
 * while kept, see runtime/workers/kept-reads.ts); an object of many parts is large, and the round
 * trip a kept answer saves is small beside its bytes.
 */
export const MAX_KEPT_SEGMENTS = 4;

/** An object as one read sees it; plain data (it crosses the process boundary between workers). */
export interface ResolvedObject {
  info: ObjectInfo;
  /** the number of parts of a completed multipart upload; null for a single PUT */
  partsCount: number | null;
  /** in object order; `data` holds the whole bytes of an inline segment (shared: never written into) */
  segments: ReadonlyArray<{ readonly id: string; readonly size: number; readonly data?: Buffer }>;
  /** the segment files pinned for this read (to unpin once) */
  pinned: string[];
  /** the stored checksum of the part a read of one part asked for (a multipart object's, see object-parts.ts) */
  partChecksum?: Checksum;
  /** the worker that asked may keep this answer until the primary takes it back: its grant (read-leases.ts) */
  lease?: number;
}

/**
 * The byte range of part `partNumber` (1-based position in the completed part list). An object made
 * by a single PUT has exactly one part, the whole object, as in S3 (GET ?partNumber=1 works on it).
 */
export function partOf(
  size: number,
  partsCount: number | null,
  segments: ReadonlyArray<{ size: number }>,
  partNumber: number,
): ObjectPartInfo {
  if (!Number.isInteger(partNumber) || partNumber < 1) {
    throw new StorageError("INVALID_ARGUMENT", "a part number is a positive integer");
  }
  const count = partsCount ?? 1;
  if (partNumber > count) throw new StorageError("INVALID_PART_NUMBER");
  if (partsCount === null) return { partsCount: count, range: { start: 0, end: size - 1 } };
  let start = 0;
  for (let i = 0; i < partNumber - 1; i++) start += segments[i].size;
  return { partsCount: count, range: { start, end: start + segments[partNumber - 1].size - 1 } };
}

function isRangeWithin(range: ByteRange, size: number): boolean {
  return (
    Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 0 && range.start <= range.end && range.end < size
  );
}

/** The range and part served and the slices that hold them; throws what the callback or the part check throws. */
export function planRead(
  resolved: ResolvedObject,
  params: Pick<GetObjectParams, "range" | "partNumber">,
): { range?: ByteRange; part?: ObjectPartInfo; slices: SegmentSlice[] } {
  const { info } = resolved;
  let range: ByteRange | undefined;
  let part: ObjectPartInfo | undefined;
  if (params.partNumber !== undefined) {
    part = partOf(info.size, resolved.partsCount, resolved.segments, params.partNumber);
    if (resolved.partChecksum !== undefined) part.checksum = resolved.partChecksum;
    // S3 rejects Range together with partNumber; the runtime should never ask for both
    if (params.range?.(info) !== undefined) {
      throw new StorageError("INVALID_ARGUMENT", "a byte range and a part number cannot be combined");
    }
    range = part.range.end >= part.range.start ? part.range : undefined;
  } else {
    range = params.range?.(info);
    if (range !== undefined && !isRangeWithin(range, info.size)) {
      throw new StorageError("INVALID_ARGUMENT", `range ${range.start}-${range.end} is not within ${info.size} bytes`);
    }
  }
  const slices = planSlices(resolved.segments, range?.start ?? 0, range?.end ?? info.size - 1);
  for (const slice of slices) {
    const data = resolved.segments.find((s) => s.id === slice.id)?.data;
    if (data === undefined) continue;
    if (data.length <= slice.end) throw new Error(`inline segment ${slice.id} is shorter than its row says`);
    slice.data = slice.start === 0 && slice.end === data.length - 1 ? data : data.subarray(slice.start, slice.end + 1);
  }
  return { ...(range !== undefined && { range }), ...(part !== undefined && { part }), slices };
}

/**
 * The GetObjectResult of a resolved object. Every pin of `resolved` goes back through `unpin`
 * exactly once: those of segments outside the range or part at once, the others when the stream
 * open() returned closes or on release(); all of them at once when planning fails. (A ranged read
 * of an object of many parts so holds only the files it reads.)
 */
export function readResult(
  resolved: ResolvedObject,
  params: Pick<GetObjectParams, "range" | "partNumber">,
  openFile: (id: string, start: number, end: number) => SegmentReadStream,
  unpin: (ids: string[]) => void,
): GetObjectResult {
  let plan: ReturnType<typeof planRead>;
  try {
    plan = planRead(resolved, params);
  } catch (err) {
    unpin(resolved.pinned);
    throw err;
  }
  const needed = new Set<string>();
  for (const s of plan.slices) if (s.data === undefined) needed.add(s.id);
  const kept = [...needed];
  if (kept.length < resolved.pinned.length) {
    const unneeded = resolved.pinned.filter((id) => !needed.has(id));
    unpin(unneeded);
  }
  let state: "ready" | "opened" | "released" = "ready";
  return {
    info: resolved.info,
    ...(plan.range !== undefined && { range: plan.range }),
    ...(plan.part !== undefined && { part: plan.part }),
    open: () => {
      if (state !== "ready") throw new Error(`getObject result already ${state}`);
      state = "opened";
      return concatSlices(plan.slices, (s) => openFile(s.id, s.start, s.end), () => unpin(kept));
    },
    release: () => {
      if (state !== "ready") return;
      state = "released";
      unpin(kept);
    },
  };
}
