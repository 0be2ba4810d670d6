/**
 * What bench/ozone.ts reports: the table's rows, the failed requests per workload and gateway, and
 * the checks, notes and process deaths printed under the table.
 */
import { failureLines, fmt, latency, printTable } from "./common.js";
import type { RunStats, Target } from "./load.js";
import { mib, type Watch } from "./ozone-watch.js";

interface Row {
  workload: string;
  ours: string;
  java: string;
  ratio: string;
  oursLatency: string;
  javaLatency: string;
  /** CPU time of each gateway's process per request: what it costs, whatever share of the cores it got */
  cpu: string;
  failed: string;
  /** the OM's full GCs while the workload ran (both gateways' slices): count (total pause) */
  omGc: string;
}

/** A gateway under test, as a row names it. */
interface Named {
  target: Target;
}

export class Report {
  readonly rows: Row[] = [];
  /** "ours 4 KiB PUT c=8: HTTP 500 InternalError (PUT) x3" */
  readonly failures: string[] = [];
  readonly notes: string[] = [];
  readonly checks: string[] = [];
  readonly deaths: string[] = [];
  /** failed requests per workload label and gateway name, for the table and the summary */
  readonly failedBy = new Map<string, Map<string, number>>();

  /** `watch`: the OM watch of the run (other clients' operations, the OM's full GCs), read by addRow */
  constructor(private readonly watch: () => Watch) {}

  collectFailures(label: string, target: Target, s: RunStats): void {
    this.failures.push(...failureLines(label, target, s));
    const m = this.failedBy.get(label) ?? new Map<string, number>();
    m.set(target.name, (m.get(target.name) ?? 0) + s.failed);
    this.failedBy.set(label, m);
  }

  /**
   * A row. The ratio is above 1 when ours is better: ours/Java for ops/s and MiB/s (`higherIsBetter`),
   * Java/ours for latencies. `labels` are the workload labels (as given to collectFailures and
   * watch.during) whose failed requests, other clients' OM operations and OM full GCs this row shows.
   */
  addRow(workload: string, unit: string, digits: number, gw: [Named, Named], stats: [RunStats, RunStats], value: (s: RunStats) => number, labels: string[], higherIsBetter = true): void {
    const [a, b] = stats.map(value);
    const ratio = higherIsBetter ? a / b : b / a;
    const count = (g: Named) => labels.reduce((n, l) => n + (this.failedBy.get(l)?.get(g.target.name) ?? 0), 0);
    const fa = count(gw[0]);
    const fb = count(gw[1]);
    const watch = this.watch();
    const others = labels.reduce((n, l) => n + (watch.foreignBy.get(l) ?? 0), 0);
    const gcs = labels.map((l) => watch.omGcBy.get(l)).filter((g) => g !== undefined);
    const gc = gcs.reduce((a, g) => ({ count: a.count + g.count, ms: a.ms + g.ms }), { count: 0, ms: 0 });
    let name = fa + fb > 0 ? `${workload} [ERRORS]` : workload;
    if (others > 0) name += ` [SHARED: ${fmt(others)}]`;
    this.rows.push({
      workload: name,
      ours: `${fmt(a, digits)} ${unit}`,
      java: `${fmt(b, digits)} ${unit}`,
      ratio: a > 0 && b > 0 && Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "-",
      oursLatency: latency(stats[0]),
      javaLatency: latency(stats[1]),
      cpu: stats.every((s) => s.cpuMs > 0 && s.ok > 0) ? stats.map((s) => fmt(s.cpuMs / s.ok, 1)).join(" / ") : "",
      failed: `${fa} / ${fb}`,
      omGc: gcs.length === 0 ? "?" : gc.count === 0 ? "0" : `${gc.count} (${fmt(gc.ms / 1000, 1)} s)`,
    });
  }

  /** A memory row (ours, Java in KiB): the ratio is Java/ours, above 1 when ours uses less. */
  memoryRow(workload: string, ours: number | undefined, java: number | undefined): void {
    const ok = ours !== undefined && java !== undefined && ours > 0 && java > 0;
    this.rows.push({ workload, ours: mib(ours), java: mib(java), ratio: ok ? `${(java / ours).toFixed(2)}x` : "-", oursLatency: "", javaLatency: "", cpu: "", failed: "", omGc: "" });
  }

  /** The table, and what its marks mean. */
  printTable(): void {
    printTable(
      {
        workload: "workload",
        ours: "ours",
        java: "Java s3g",
        ratio: "ours vs Java",
        oursLatency: "ours p50 / p99 ms",
        javaLatency: "Java p50 / p99 ms",
        cpu: "CPU ms/request ours / Java",
        failed: "failed ours / Java",
        omGc: "OM full GCs",
      },
      this.rows,
    );
    console.log("");
    console.log("ours vs Java: above 1 = ours better (ours/Java for ops/s and MiB/s, Java/ours for list latency and RSS). [ERRORS] = some requests of that workload failed (non-2xx, socket error, short body or wrong listing); see below.");
    console.log(
      "[SHARED: n] = while that workload ran, other clients did n OM operations on buckets not of this run (OM audit log): its figures may be disturbed.",
    );
    console.log("OM full GCs = the OM's old-generation collections while the workload ran, both gateways' turns together (its /jmx): each stops every OM call.");
  }

  /** The notes, the processes that died, and the failed requests. */
  printOutcome(): void {
    if (this.notes.length > 0) {
      console.log("\nNotes:");
      for (const n of this.notes) console.log(`  - ${n}`);
    }
    for (const d of this.deaths) console.log(`\nPROCESS DIED: ${d}`);
    console.log("\nFailed requests per workload (ours / Java):");
    if (this.failedBy.size === 0) console.log("  (none recorded)");
    for (const [label, m] of this.failedBy) console.log(`  - ${label}: ${m.get("ours") ?? 0} / ${m.get("java") ?? 0}`);
    if (this.failures.length > 0) {
      console.log("\nFailed requests:");
      for (const f of this.failures) console.log(`  - ${f}`);
    }
  }
}
