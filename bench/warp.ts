/**
 * The part of bench:peers (peers.ts) that speaks warp (github.com/minio/warp, the S3 load generator
 * MinIO maintains): the rows of the comparison as warp command lines, and warp's result read back.
 * Pure functions, no I/O, so the parsing is unit-tested (test/bench/warp.test.ts).
 *
 * warp's result: with --json, warp prints its final aggregate (pkg/aggregate/live.go `Realtime`)
 * as one indented JSON object on stdout; its `total.throughput` has `ops`, `objects`, `bytes`,
 * `errors` and `measure_duration_millis` (pkg/aggregate/throughput.go), the averages warp's own
 * report prints are objects (or bytes) * 1000 / measure_duration_millis. A fatal error comes as
 * `warp: {"error": {...}}` instead; its message is what the bench reports. Other lines may come before
 * or after the object (warnings, "Benchmark data written to ..."), so the object is found, not
 * assumed to be the whole output. Without JSON (an older warp, or --json dropped) the text report's
 * " * Average: 12.34 MiB/s, 3158.00 obj/s" line is read instead.
 */

export type WarpOp = "put" | "get" | "list" | "mixed";
export type Unit = "obj/s" | "MiB/s";

export interface WarpRow {
  /** short id for --rows */
  id: string;
  /** the table's first column */
  label: string;
  op: WarpOp;
  /** object size, warp syntax (base-2 units): 4KiB, 1MiB, 64MiB */
  size: string;
  concurrency: number;
  /** objects warp uploads before measuring (get, list, mixed) */
  objects?: number;
  /** what the row reports: objects (or requests for mixed) per second, or MiB/s */
  unit: Unit;
}

/** The comparison's rows, in the order they run (issue 9: the earlier table plus 1 MiB and mixed). */
export const ROWS: readonly WarpRow[] = [
  { id: "put-4k-c32", label: "PUT 4 KiB, c=32", op: "put", size: "4KiB", concurrency: 32, unit: "obj/s" },
  { id: "get-4k-c32", label: "GET 4 KiB, c=32", op: "get", size: "4KiB", concurrency: 32, objects: 2500, unit: "obj/s" },
  { id: "put-4k-c4", label: "PUT 4 KiB, c=4", op: "put", size: "4KiB", concurrency: 4, unit: "obj/s" },
  { id: "get-4k-c4", label: "GET 4 KiB, c=4", op: "get", size: "4KiB", concurrency: 4, objects: 2500, unit: "obj/s" },
  { id: "put-1m-c8", label: "PUT 1 MiB, c=8", op: "put", size: "1MiB", concurrency: 8, unit: "MiB/s" },
  { id: "get-1m-c8", label: "GET 1 MiB, c=8", op: "get", size: "1MiB", concurrency: 8, objects: 128, unit: "MiB/s" },
  { id: "put-64m-c4", label: "PUT 64 MiB, c=4", op: "put", size: "64MiB", concurrency: 4, unit: "MiB/s" },
  { id: "get-64m-c4", label: "GET 64 MiB, c=4", op: "get", size: "64MiB", concurrency: 4, objects: 8, unit: "MiB/s" },
  { id: "list-20k-c8", label: "LIST (20k objects), c=8", op: "list", size: "1KiB", concurrency: 8, objects: 20_000, unit: "obj/s" },
  { id: "mixed-64k-c8", label: "mixed 64 KiB (warp mixed), c=8", op: "mixed", size: "64KiB", concurrency: 8, objects: 1000, unit: "obj/s" },
];

export interface WarpTarget {
  /** host:port */
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

/** warp's command line for one row against one server. */
export function warpArgs(row: WarpRow, target: WarpTarget, opts: { durationS: number; bucket: string; benchdata: string }): string[] {
  const args = [
    row.op,
    "--host", target.endpoint,
    "--access-key", target.accessKey,
    "--secret-key", target.secretKey,
    // Path style: the servers listen on an IP address, no bucket DNS names.
    "--lookup", "path",
    "--bucket", opts.bucket,
    "--obj.size", row.size,
    "--concurrent", String(row.concurrency),
    "--duration", `${opts.durationS}s`,
    "--benchdata", opts.benchdata,
    "--json",
    "--no-color",
  ];
  if (row.objects !== undefined) args.push("--objects", String(row.objects));
  return args;
}

export interface WarpResult {
  /** averages over the measured period, as warp computes them */
  objPerSec: number;
  mibPerSec: number;
  opsPerSec: number;
  requests: number;
  errors: number;
  firstErrors: string[];
  durationMs: number;
  /**
   * which form of the output was read: "json" (warp's average, ramp-up and tail left out),
   * "json-whole-run" (a run too short for that: the whole run's average), "text"
   */
  source: "json" | "json-whole-run" | "text";
}

/** The row's figure from a result. */
export function rowValue(row: WarpRow, r: WarpResult): number {
  return row.unit === "MiB/s" ? r.mibPerSec : r.objPerSec;
}

interface JsonThroughput {
  ops?: unknown;
  objects?: unknown;
  bytes?: unknown;
  errors?: unknown;
  measure_duration_millis?: unknown;
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : NaN);

/** Reads warp's output (stdout); throws with the reason when neither form is found. */
export function parseWarpOutput(out: string): WarpResult {
  const objects = jsonObjects(out);
  for (const v of objects) {
    const r = fromAggregate(v);
    if (r !== undefined) return r;
  }
  // With --json, warp reports a fatal error as `warp: {"error": {"message", "cause": {"message"}}, "status": "error"}`.
  for (const v of objects) {
    const e = (v as { error?: { message?: unknown; cause?: { message?: unknown } } }).error;
    if (typeof e === "object" && e !== null && typeof e.message === "string") {
      throw new Error(`warp: ${e.message}${typeof e.cause?.message === "string" ? `: ${e.cause.message}` : ""}`);
    }
  }
  const text = parseTextReport(out);
  if (text !== undefined) return text;
  const tail = out.trim().split("\n").slice(-5).join("\n");
  throw new Error(`no warp result (neither its --json aggregate nor a " * Average:" line) in its output${tail ? `; it ended with:\n${tail}` : " (empty)"}`);
}

/**
 * The JSON objects in the output that start a line (or follow "warp: "), each ending at some later
 * `}` that starts a line (warp indents its JSON, so only the outermost braces do).
 */
function jsonObjects(out: string): unknown[] {
  const starts: number[] = [];
  const ends: number[] = [];
  const re = /^(?:warp: )?([{}])/gm;
  for (let m = re.exec(out); m !== null; m = re.exec(out)) (m[1] === "{" ? starts : ends).push(m.index + m[0].length - 1);
  const found: unknown[] = [];
  let from = 0;
  for (const s of starts) {
    if (s < from) continue; // inside the previous object
    for (let i = ends.length - 1; i >= 0 && ends[i] > s; i--) {
      try {
        found.push(JSON.parse(out.slice(s, ends[i] + 1)));
        from = ends[i] + 1;
        break;
      } catch {
        // not this end: an earlier one
      }
    }
  }
  return found;
}

interface JsonTotal {
  throughput?: JsonThroughput;
  first_errors?: unknown;
  total_requests?: unknown;
  total_objects?: unknown;
  total_bytes?: unknown;
  total_errors?: unknown;
  start_time?: unknown;
  end_time?: unknown;
}

/**
 * warp's averages leave out the first and last 2 s of the run (live.go asThroughput: ramp-up and
 * tail), so a run shorter than about 6 s has an empty `throughput`; the whole run's totals
 * (total_objects etc. over start_time..end_time) are taken then, and the result says so.
 */
function fromAggregate(v: unknown): WarpResult | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const total = (v as { total?: JsonTotal }).total;
  if (typeof total !== "object" || total === null) return undefined;
  const t: JsonThroughput = typeof total.throughput === "object" && total.throughput !== null ? total.throughput : {};
  const firstErrors = Array.isArray(total.first_errors) ? total.first_errors.filter((e): e is string => typeof e === "string") : [];
  const totalErrors = num(total.total_errors) || 0;
  const requests = num(total.total_requests);
  const ms = num(t.measure_duration_millis);
  if (ms > 0) {
    return {
      objPerSec: (num(t.objects) * 1000) / ms,
      mibPerSec: (num(t.bytes) * 1000) / ms / (1 << 20),
      opsPerSec: (num(t.ops) * 1000) / ms,
      requests: requests || num(t.ops),
      errors: Math.max(num(t.errors) || 0, totalErrors),
      firstErrors,
      durationMs: ms,
      source: "json",
    };
  }
  const wholeMs = Date.parse(String(total.end_time)) - Date.parse(String(total.start_time));
  if (!(wholeMs > 0) || !(requests > 0)) return undefined;
  return {
    objPerSec: ((num(total.total_objects) || 0) * 1000) / wholeMs,
    mibPerSec: ((num(total.total_bytes) || 0) * 1000) / wholeMs / (1 << 20),
    opsPerSec: (requests * 1000) / wholeMs,
    requests,
    errors: totalErrors,
    firstErrors,
    durationMs: wholeMs,
    source: "json-whole-run",
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * The text report: "Report: PUT. Concurrency: 32. Ran: 15s\n * Average: 12.34 MiB/s, 3158.00 obj/s, 2 errors".
 * A mixed run has one block per operation and a "Report: Total" block; that one is taken when present.
 */
function parseTextReport(out: string): WarpResult | undefined {
  const text = out.replace(ANSI, "");
  const blocks = text.split(/^Report: /m).slice(1);
  if (blocks.length === 0) return undefined;
  const block = blocks.find((b) => /^Total\b/i.test(b)) ?? (blocks.length === 1 ? blocks[0] : undefined);
  if (block === undefined) return undefined;
  const avg = /^\s*\*\s*Average:\s*(.*)$/m.exec(block);
  if (!avg) return undefined;
  const line = avg[1];
  const mib = /([\d.]+) MiB\/s/.exec(line);
  const obj = /([\d.]+) (obj|ops)\/s/.exec(line);
  if (!obj) return undefined;
  const errs = /(\d+) errors/.exec(line);
  const ran = /Ran:? (?:([\d.]+)m)?([\d.]+)s/.exec(block);
  const rate = Number(obj[1]);
  return {
    objPerSec: rate,
    mibPerSec: mib ? Number(mib[1]) : 0,
    opsPerSec: rate,
    requests: NaN,
    errors: errs ? Number(errs[1]) : 0,
    firstErrors: [],
    durationMs: ran ? (Number(ran[1] ?? 0) * 60 + Number(ran[2])) * 1000 : NaN,
    source: "text",
  };
}
