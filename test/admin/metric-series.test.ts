/**
 * The per-request counters and histograms (runtime/metric-series.ts) print and aggregate exactly as
 * prom-client's own Counter and Histogram do with the same updates: /metrics, the primary's sum
 * over workers and the dashboards cannot tell them apart.
 */
import { AggregatorRegistry, Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";

import { SeriesCounter, SeriesHistogram } from "../../runtime/metric-series.js";

const BUCKETS = [0.001, 0.01, 0.1, 1];
const SAMPLES: Array<[string, string, number]> = [
  ["GetObject", "ok", 0.0004],
  ["GetObject", "ok", 0.001], // on a bound: counted in that bucket (le)
  ["GetObject", "error", 0.05],
  ["PutObject", "ok", 3], // above every bound: +Inf only
  ["PutObject", "ok", 0.2],
  ["GetObject", "ok", 0.0099],
];

function ours(seed: number): Registry {
  const registry = new Registry();
  const h = new SeriesHistogram("t_seconds", "help h", ["operation", "outcome"] as const, BUCKETS, registry);
  const c = new SeriesCounter("t_total", "help c", ["operation", "outcome"] as const, registry);
  for (const [op, outcome, v] of SAMPLES) {
    h.series(op, outcome).observe(v * seed);
    c.series(op, outcome).inc();
    c.series(op, outcome).inc(seed);
  }
  return registry;
}

function theirs(seed: number): Registry {
  const registry = new Registry();
  const h = new Histogram({ name: "t_seconds", help: "help h", labelNames: ["operation", "outcome"], buckets: BUCKETS, registers: [registry] });
  const c = new Counter({ name: "t_total", help: "help c", labelNames: ["operation", "outcome"], registers: [registry] });
  for (const [op, outcome, v] of SAMPLES) {
    h.observe({ operation: op, outcome }, v * seed);
    c.inc({ operation: op, outcome });
    c.inc({ operation: op, outcome }, seed);
  }
  return registry;
}

const sortedLines = (text: string) => text.trim().split("\n").sort();

describe("metric series", () => {
  it("print as prom-client's Counter and Histogram", async () => {
    expect(sortedLines(await ours(1).metrics())).toEqual(sortedLines(await theirs(1).metrics()));
  });

  it("aggregate over workers as prom-client's do", async () => {
    const a = AggregatorRegistry.aggregate([await ours(1).getMetricsAsJSON(), await ours(2).getMetricsAsJSON()] as never);
    const b = AggregatorRegistry.aggregate([await theirs(1).getMetricsAsJSON(), await theirs(2).getMetricsAsJSON()] as never);
    expect(sortedLines(await a.metrics())).toEqual(sortedLines(await b.metrics()));
    expect(await a.metrics()).toMatch(/t_seconds_bucket\{le="\+Inf",operation="PutObject",outcome="ok"\} 4/);
  });
});
