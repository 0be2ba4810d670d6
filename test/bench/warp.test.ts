/**
 * bench:peers reads warp's result (bench/warp.ts): its --json aggregate, found among other lines,
 * or the text report's "Average" line. The samples have the shape of warp's output
 * (pkg/aggregate/live.go Realtime, throughput.go Throughput; the text of LiveAggregate.Report).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ROWS, parseWarpOutput, rowValue, warpArgs } from "../../bench/warp.js";

/** Real outputs of warp (built from github.com/minio/warp d06f8e6) against this gateway, --json. */
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), "utf8");

function aggregate(t: { ops: number; objects: number; bytes: number; errors: number; ms: number }, firstErrors: string[] = []): string {
  const value = {
    v: 1,
    commandline: "warp put --host 127.0.0.1:1 --json",
    final: true,
    total: {
      Title: "",
      total_requests: t.ops,
      total_objects: t.objects,
      total_errors: t.errors,
      total_bytes: t.bytes,
      concurrency: 4,
      first_errors: firstErrors,
      throughput: {
        start_time: "2026-12-02T04:00:00Z",
        end_time: "2026-12-02T04:00:15Z",
        segmented: { segments: [{ start: "x", bytes_per_sec: 1, obj_per_sec: 1 }], median_ops: 1 },
        errors: t.errors,
        measure_duration_millis: t.ms,
        bytes: t.bytes,
        objects: t.objects,
        ops: t.ops,
      },
      requests_by_client: { a: { "}": 1 } },
    },
    by_op_type: { PUT: { throughput: { ops: 1, objects: 1, bytes: 1, measure_duration_millis: 1 } } },
  };
  return JSON.stringify(value, null, 2);
}

describe("parseWarpOutput", () => {
  it("reads a real run's average (warp get, 7 s: the middle 4 s measured)", () => {
    const r = parseWarpOutput(fixture("warp-get-7s.out"));
    expect(r.source).toBe("json");
    expect(r.durationMs).toBe(4000);
    expect(r.objPerSec).toBeCloseTo(4968.416511913066 / 4, 6);
    expect(r.mibPerSec).toBeCloseTo(20350634.032795917 / 4 / (1 << 20), 6);
    expect(r.requests).toBe(7580);
    expect(r.errors).toBe(0);
  });

  it("takes the whole run's totals when the run was too short for warp's average (3 s)", () => {
    const r = parseWarpOutput(fixture("warp-put-3s.out"));
    expect(r.source).toBe("json-whole-run");
    expect(r.durationMs).toBe(3015); // 04:58:33.259940992 .. 04:58:36.274262492, each read to the ms
    expect(r.objPerSec).toBeCloseTo((777 * 1000) / 3015, 6);
    expect(r.mibPerSec).toBeCloseTo((3182592 * 1000) / 3015 / (1 << 20), 6);
  });

  it("reports warp's own JSON error (cause included) instead of a missing result", () => {
    const out = `warp: {\n "error": {\n  "cause": {\n   "error": {},\n   "message": "Bucket name cannot be shorter than 3 characters"\n  },\n  "message": "Error preparing server",\n  "type": "fatal"\n },\n "status": "error"\n}\n`;
    expect(() => parseWarpOutput(out)).toThrow("warp: Error preparing server: Bucket name cannot be shorter than 3 characters");
  });

  it("reads the --json aggregate's total throughput, with lines before and after it", () => {
    const out = `warp: Benchmark data written to "x.json.zst"\n{\n  "not": "it"\n}\n\n${aggregate({ ops: 3000, objects: 3000, bytes: 3000 * 4096, errors: 0, ms: 15_000 })}\n\nCleanup done\n`;
    const r = parseWarpOutput(out);
    expect(r.source).toBe("json");
    expect(r.objPerSec).toBeCloseTo(200, 6);
    expect(r.opsPerSec).toBeCloseTo(200, 6);
    expect(r.mibPerSec).toBeCloseTo((200 * 4096) / (1 << 20), 6);
    expect(r.errors).toBe(0);
    expect(r.durationMs).toBe(15_000);
  });

  it("counts listed objects (LIST) apart from requests, and carries errors and the first of them", () => {
    const r = parseWarpOutput(aggregate({ ops: 100, objects: 100_000, bytes: 0, errors: 2, ms: 10_000 }, ["PUT: 500 InternalError"]));
    expect(r.objPerSec).toBeCloseTo(10_000, 6);
    expect(r.opsPerSec).toBeCloseTo(10, 6);
    expect(r.errors).toBe(2);
    expect(r.firstErrors).toEqual(["PUT: 500 InternalError"]);
  });

  it("falls back on the text report's Average line, colours stripped", () => {
    const out = "\n\u001b[97mReport: PUT. Concurrency: 8. Ran: 15s\u001b[0m\n * Average: 301.52 MiB/s, 301.52 obj/s, 3 errors\n * Reqs: Avg: 26.3ms\n";
    const r = parseWarpOutput(out);
    expect(r.source).toBe("text");
    expect(r.mibPerSec).toBeCloseTo(301.52, 6);
    expect(r.objPerSec).toBeCloseTo(301.52, 6);
    expect(r.errors).toBe(3);
    expect(r.durationMs).toBe(15_000);
  });

  it("takes the Total block of a mixed text report", () => {
    const out = [
      "Report: GET. Concurrency: 8. Ran: 14s",
      " * Average: 10.00 MiB/s, 160.00 obj/s",
      "Report: PUT. Concurrency: 8. Ran: 14s",
      " * Average: 3.00 MiB/s, 48.00 obj/s",
      "Report: Total. Concurrency: 8. Ran: 1m2s",
      " * Average: 13.00 MiB/s, 355.50 obj/s",
    ].join("\n");
    const r = parseWarpOutput(out);
    expect(r.objPerSec).toBeCloseTo(355.5, 6);
    expect(r.durationMs).toBe(62_000);
  });

  it("says what it saw when there is no result", () => {
    expect(() => parseWarpOutput("warp: <ERROR> Unable to create bucket: Access Denied.\n")).toThrow(/no warp result.*\n.*Access Denied/s);
    expect(() => parseWarpOutput("")).toThrow(/\(empty\)/);
    // JSON without the aggregate's shape is not taken for a result
    expect(() => parseWarpOutput('{\n  "total": 3\n}\n')).toThrow(/no warp result/);
  });
});

describe("rows", () => {
  it("each row reports its unit: MiB/s rows the bytes, obj/s rows the objects", () => {
    const r = parseWarpOutput(aggregate({ ops: 10, objects: 10, bytes: 10 << 20, errors: 0, ms: 1000 }));
    expect(rowValue(ROWS.find((x) => x.id === "put-1m-c8")!, r)).toBeCloseTo(10, 6);
    expect(rowValue(ROWS.find((x) => x.id === "list-20k-c8")!, r)).toBeCloseTo(10, 6);
    expect(new Set(ROWS.map((x) => x.id)).size).toBe(ROWS.length);
  });

  it("warp's command line has the row's operation, size, concurrency, objects and JSON output", () => {
    const row = ROWS.find((x) => x.id === "get-64m-c4")!;
    const args = warpArgs(row, { endpoint: "127.0.0.1:9000", accessKey: "AK", secretKey: "SK" }, { durationS: 3, bucket: "b", benchdata: "/tmp/x" });
    expect(args[0]).toBe("get");
    const flag = (f: string) => args[args.indexOf(f) + 1];
    expect(flag("--host")).toBe("127.0.0.1:9000");
    expect(flag("--obj.size")).toBe("64MiB");
    expect(flag("--concurrent")).toBe("4");
    expect(flag("--objects")).toBe("8");
    expect(flag("--duration")).toBe("3s");
    expect(flag("--lookup")).toBe("path");
    expect(args).toContain("--json");
  });
});
