/**
 * Prometheus metrics on a registry of the app's own (no global state). Generic and labelled by the
 * operation name from the IR: one request counter, one latency histogram, byte counters, the
 * requests in flight, and the storage engine's latency by method. docs/observability/ holds a
 * Grafana dashboard and alert rules over exactly these names (test/docs/observability.test.ts).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface GatewayMetrics {
  registry: Registry;
  observe(sample: { operation: string; status: number; code: string; seconds: number; bytesIn: number; bytesOut: number }): void;
  /** A request began; `done` is called when its response closes (answered in full or cut). */
  requestStarted(done: (listener: () => void) => void): void;
  /** One call of the storage engine: its method, how long until it answered, and whether it failed. */
  observeStorage(sample: { backend: string; method: string; seconds: number; failed: boolean }): void;
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "s3gw_" });
  const requests = new Counter({
    name: "s3gw_requests_total",
    help: "S3 requests by operation, HTTP status and S3 error code (empty when none)",
    labelNames: ["operation", "status", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "s3gw_request_duration_seconds",
    help: "Time from request start to the last byte of the response, by operation",
    labelNames: ["operation"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const bytesIn = new Counter({ name: "s3gw_received_bytes_total", help: "Request body bytes received, by operation", labelNames: ["operation"] as const, registers: [registry] });
  const bytesOut = new Counter({ name: "s3gw_sent_bytes_total", help: "Response body bytes sent, by operation", labelNames: ["operation"] as const, registers: [registry] });
  const inFlight = new Gauge({ name: "s3gw_requests_in_flight", help: "S3 requests received and not yet answered in full (or cut)", registers: [registry] });
  const storage = new Histogram({
    name: "s3gw_storage_duration_seconds",
    help: "Time until the storage engine answered a call, by backend, method and outcome (ok | error); for putObject and uploadPart it includes receiving the body",
    labelNames: ["backend", "method", "outcome"] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const storageChildren = new Map<string, { observe(value: number): void }>();
  return {
    registry,
    requestStarted(done) {
      inFlight.inc();
      done(() => inFlight.dec());
    },
    observeStorage(s) {
      // Called on every storage call: the labelled child is made once per label set (its labels
      // object and their validation), though prom-client 15 still hashes the labels on each
      // observe, child or not.
      const key = `${s.backend}\0${s.method}\0${s.failed ? 1 : 0}`;
      let child = storageChildren.get(key);
      if (child === undefined) {
        child = storage.labels({ backend: s.backend, method: s.method, outcome: s.failed ? "error" : "ok" });
        storageChildren.set(key, child);
      }
      child.observe(s.seconds);
    },
    observe(s) {
      requests.inc({ operation: s.operation, status: String(s.status), code: s.code });
      duration.observe({ operation: s.operation }, s.seconds);
      if (s.bytesIn > 0) bytesIn.inc({ operation: s.operation }, s.bytesIn);
      if (s.bytesOut > 0) bytesOut.inc({ operation: s.operation }, s.bytesOut);
    },
  };
}
