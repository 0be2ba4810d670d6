/**
 * Prometheus metrics on a registry of the app's own (no global state). Generic and labelled by the
 * operation name from the IR: one request counter, one latency histogram, byte counters, the
 * requests in flight, and the storage engine's latency by method. docs/observability/ holds a
 * Grafana dashboard and alert rules over exactly these names (test/docs/observability.test.ts).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { zeroCopyTotals } from "./sendfile.js";

import { SeriesCounter, SeriesHistogram } from "./metric-series.js";

export interface GatewayMetrics {
  registry: Registry;
  observe(sample: { operation: string; status: number; code: string; seconds: number; bytesIn: number; bytesOut: number }): void;
  /** A request began; `done` is called when its response closes (answered in full or cut). */
  requestStarted(done: (listener: () => void) => void): void;
  /** requests started so far in this process (a plain count: runtime/workers/placement.ts reads it) */
  readonly started: number;
  /** One call of the storage engine: its method, how long until it answered, and whether it failed. */
  observeStorage(sample: { backend: string; method: string; seconds: number; failed: boolean }): void;
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "s3gw_" });
  // the per-request metrics: series looked up once per label tuple (metric-series.ts)
  const requests = new SeriesCounter(
    "s3gw_requests_total",
    "S3 requests by operation, HTTP status and S3 error code (empty when none)",
    ["operation", "status", "code"] as const,
    registry,
  );
  const duration = new SeriesHistogram(
    "s3gw_request_duration_seconds",
    "Time from request start to the last byte of the response, by operation",
    ["operation"] as const,
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registry,
  );
  const bytesIn = new SeriesCounter("s3gw_received_bytes_total", "Request body bytes received, by operation", ["operation"] as const, registry);
  const bytesOut = new SeriesCounter("s3gw_sent_bytes_total", "Response body bytes sent, by operation", ["operation"] as const, registry);
  // the process's count, read at each scrape (runtime/sendfile.ts)
  new Counter({
    name: "s3gw_sendfile_sent_bytes_total",
    help: "Response body bytes sent from files by sendfile(2), without passing through the process (also counted in s3gw_sent_bytes_total)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(zeroCopyTotals.bytes);
    },
  });
  const inFlight = new Gauge({ name: "s3gw_requests_in_flight", help: "S3 requests received and not yet answered in full (or cut)", registers: [registry] });
  const storage = new SeriesHistogram(
    "s3gw_storage_duration_seconds",
    "Time until the storage engine answered a call, by backend, method and outcome (ok | error); for putObject and uploadPart it includes receiving the body",
    ["backend", "method", "outcome"] as const,
    [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registry,
  );
  /** an operation's series of the metrics every request updates */
  interface PerOperation {
    duration: { observe(value: number): void };
    /** made at the operation's first body byte, as prom-client's counters make their series */
    bytesIn?: { inc(by: number): void };
    bytesOut?: { inc(by: number): void };
    /** by status and code */
    requests: Map<string, { inc(): void }>;
  }
  const operations = new Map<string, PerOperation>();
  const storageSeries = new Map<string, { observe(value: number): void }>();
  let started = 0;
  return {
    registry,
    get started() {
      return started;
    },
    requestStarted(done) {
      started++;
      inFlight.inc();
      done(() => inFlight.dec());
    },
    observeStorage(s) {
      const key = `${s.backend}\0${s.method}\0${s.failed ? 1 : 0}`;
      let series = storageSeries.get(key);
      if (series === undefined) {
        series = storage.series(s.backend, s.method, s.failed ? "error" : "ok");
        storageSeries.set(key, series);
      }
      series.observe(s.seconds);
    },
    observe(s) {
      let op = operations.get(s.operation);
      if (op === undefined) {
        op = { duration: duration.series(s.operation), requests: new Map() };
        operations.set(s.operation, op);
      }
      const outcome = `${s.status}\0${s.code}`;
      let counter = op.requests.get(outcome);
      if (counter === undefined) {
        counter = requests.series(s.operation, String(s.status), s.code);
        op.requests.set(outcome, counter);
      }
      counter.inc();
      op.duration.observe(s.seconds);
      if (s.bytesIn > 0) (op.bytesIn ??= bytesIn.series(s.operation)).inc(s.bytesIn);
      if (s.bytesOut > 0) (op.bytesOut ??= bytesOut.series(s.operation)).inc(s.bytesOut);
    },
  };
}
