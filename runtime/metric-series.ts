/**
 * Counters and histograms for the metrics every request updates (metrics.ts), cheaper per update
 * than prom-client's own: those turn the label object into a sorted hash key and validate it on
 * every inc/observe, labelled child or not, which was ~5% of a 4 KiB GET's CPU (warp GET 4 KiB,
 * c=32, one process). Here a series is looked up once per label tuple (`series(...)`, kept by the
 * caller) and an update is a few additions.
 *
 * Each registers itself in a prom-client Registry and answers `get()` with the JSON prom-client's
 * Counter and Histogram give (the same names, `_bucket`/`_sum`/`_count` lines, cumulative buckets
 * with `le`, and the "sum" aggregator), so /metrics, the primary's aggregation over workers
 * (AggregatorRegistry) and the dashboards in docs/observability/ see no difference.
 */
import type { Registry } from "prom-client";

/** What prom-client's Counter and Histogram answer get() with (its registry and aggregation read it). */
export interface MetricJson {
  name: string;
  help: string;
  type: "counter" | "histogram";
  values: Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;
  aggregator: "sum";
}

type Labels<N extends string> = Record<N, string>;

/** One label tuple's key: label values cannot hold NUL bytes (operation names, codes, digits). */
const keyOf = (values: readonly string[]): string => values.join("\0");

function labelsOf<N extends string>(names: readonly N[], values: readonly string[]): Labels<N> {
  const labels = {} as Labels<N>;
  names.forEach((n, i) => (labels[n] = values[i]));
  return labels;
}

class CounterSeries<N extends string> {
  value = 0;
  constructor(readonly labels: Labels<N>) {}
  inc(by = 1): void {
    this.value += by;
  }
}

export class SeriesCounter<N extends string> {
  readonly type = "counter" as const;
  readonly aggregator = "sum" as const;
  private readonly all = new Map<string, CounterSeries<N>>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly N[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of these label values, in `labelNames` order (made at zero on first use, then the same). */
  series(...values: string[]): { inc(by?: number): void } {
    const key = keyOf(values);
    let s = this.all.get(key);
    if (s === undefined) {
      s = new CounterSeries(labelsOf(this.labelNames, values));
      this.all.set(key, s);
    }
    return s;
  }

  get(): Promise<MetricJson> {
    const values = [...this.all.values()].map((s) => ({ labels: { ...s.labels }, value: s.value }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.all.clear();
  }
}

class HistogramSeries<N extends string> {
  /** observations per bucket (not cumulative); the last one counts those above every bound */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels<N>,
    private readonly bounds: Float64Array,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

export class SeriesHistogram<N extends string> {
  readonly type = "histogram" as const;
  readonly aggregator = "sum" as const;
  private readonly all = new Map<string, HistogramSeries<N>>();
  private readonly bounds: Float64Array;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly N[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
    registry.registerMetric(this as never);
  }

  /** The series of these label values, in `labelNames` order (made empty on first use, then the same). */
  series(...values: string[]): { observe(value: number): void } {
    const key = keyOf(values);
    let s = this.all.get(key);
    if (s === undefined) {
      s = new HistogramSeries(labelsOf(this.labelNames, values), this.bounds);
      this.all.set(key, s);
    }
    return s;
  }

  get(): Promise<MetricJson> {
    const values: MetricJson["values"] = [];
    const bucket = `${this.name}_bucket`;
    for (const d of this.all.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += d.counts[i];
        values.push({ labels: { le, ...d.labels }, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { le: "+Inf", ...d.labels }, value: d.count, metricName: bucket });
      values.push({ labels: { ...d.labels }, value: d.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...d.labels }, value: d.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.all.clear();
  }
}
