/**
 * Prometheus metrics on a registry of the app's own (no global state). Generic and labelled by the
 * operation name from the IR: one request counter, one latency histogram, byte counters.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

export interface GatewayMetrics {
  registry: Registry;
  observe(sample: { operation: string; status: number; code: string; seconds: number; bytesIn: number; bytesOut: number }): void;
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
  return {
    registry,
    observe(s) {
      requests.inc({ operation: s.operation, status: String(s.status), code: s.code });
      duration.observe({ operation: s.operation }, s.seconds);
      if (s.bytesIn > 0) bytesIn.inc({ operation: s.operation }, s.bytesIn);
      if (s.bytesOut > 0) bytesOut.inc({ operation: s.operation }, s.bytesOut);
    },
  };
}
