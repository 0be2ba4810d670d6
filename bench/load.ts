/**
 * The load generator: signed requests over node:http with a keep-alive Agent (undici would need
 * Node 22), bounded runners (a fixed duration or a fixed count, each stopping by itself), and the
 * bookkeeping that turns a run into ops/s, MiB/s and latency percentiles, with every failure kept
 * by what it was (HTTP status and S3 error code, or the socket error).
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { awsChunkedBody, type Signer } from "./sign.js";

/** A server under test: the gateway or the baseline. */
export interface Target {
  name: string;
  host: string;
  port: number;
  agent: http.Agent;
  signer: Signer;
  /** set when the process behind it has died; runners stop early */
  dead?: string;
}

export interface RequestSpec {
  method: "GET" | "PUT" | "HEAD" | "DELETE";
  path: string;
  query?: string;
  /** a small body sent in one write, or a large one streamed in `chunkSize` slices */
  body?: Buffer;
  chunkSize?: number;
  /** hex SHA-256 of the body, computed once per distinct body by the caller */
  payloadHash: string;
  /**
   * Send the body aws-chunked with chunk signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) in chunks
   * of this many bytes, as minio-go and warp do (64 KiB); `payloadHash` is then not used.
   */
  awsChunked?: number;
  /** more headers, signed (lowercase names), e.g. x-amz-checksum-crc32c */
  signedHeaders?: Record<string, string>;
  /** keep the response body (listings); otherwise it is only counted */
  keepBody?: boolean;
}

export interface Reply {
  status: number;
  bytes: number;
  body?: string;
  /** the S3 error code from an error body */
  code?: string;
}

/** No request waits forever: a stuck server turns into a counted error, not a hung benchmark. */
const REQUEST_TIMEOUT_MS = 60_000;

export function send(target: Target, spec: RequestSpec): Promise<Reply> {
  const query = spec.query ?? "";
  const signInput = {
    method: spec.method,
    path: spec.path,
    query,
    host: `${target.host}:${target.port}`,
    ...(spec.signedHeaders !== undefined ? { signedExtra: spec.signedHeaders } : {}),
  };
  let headers: Record<string, string>;
  let pieces: Iterable<Buffer> | undefined;
  if (spec.awsChunked !== undefined && spec.body !== undefined) {
    const signed = target.signer.signStreaming(signInput, spec.body.length, spec.awsChunked);
    headers = signed.headers;
    pieces = awsChunkedBody(signed.context, spec.body, spec.awsChunked);
  } else {
    headers = target.signer.sign({ ...signInput, payloadHash: spec.payloadHash });
    if (spec.body !== undefined) headers["content-length"] = String(spec.body.length);
    else if (spec.method === "PUT") headers["content-length"] = "0";
  }

  return new Promise<Reply>((resolve, reject) => {
    const req = http.request({
      host: target.host,
      port: target.port,
      method: spec.method,
      path: query === "" ? spec.path : `${spec.path}?${query}`,
      headers,
      agent: target.agent,
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      const keep = spec.keepBody === true || status >= 300;
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on("data", (c: Buffer) => {
        bytes += c.length;
        if (keep) chunks.push(c);
      });
      res.on("error", reject);
      res.on("end", () => {
        const reply: Reply = { status, bytes };
        if (keep) {
          reply.body = Buffer.concat(chunks).toString("utf8");
          const m = /<Code>([^<]*)<\/Code>/.exec(reply.body);
          if (m) reply.code = m[1];
        }
        resolve(reply);
      });
    });
    const body = spec.body;
    if (pieces !== undefined) {
      pipeline(Readable.from(pieces, { objectMode: false }), req).catch(reject);
    } else if (body === undefined) {
      req.end();
    } else if (spec.chunkSize === undefined || body.length <= spec.chunkSize) {
      req.end(body);
    } else {
      // Slices of one shared buffer: streaming a large body allocates nothing per request.
      const size = spec.chunkSize;
      const slices = function* () {
        for (let off = 0; off < body.length; off += size) yield body.subarray(off, off + size);
      };
      pipeline(Readable.from(slices(), { objectMode: false }), req).catch(reject);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Runs and their figures
// ---------------------------------------------------------------------------------------------

export class RunStats {
  readonly latenciesMs: number[] = [];
  ok = 0;
  bytes = 0;
  elapsedMs = 0;
  /** CPU time (user + system) the target's process spent during the run, when measured */
  cpuMs = 0;
  /** "503 SlowDown", "ECONNRESET"... -> count */
  readonly failures = new Map<string, number>();
  /** the first body of each kind of failure, to report verbatim */
  readonly failureSamples = new Map<string, string>();

  fail(kind: string, sample?: string): void {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
    if (sample !== undefined && !this.failureSamples.has(kind)) this.failureSamples.set(kind, sample.slice(0, 600));
  }

  /** Adds another run's figures to this one (a point measured in several alternating slices). */
  merge(other: RunStats): void {
    this.ok += other.ok;
    this.bytes += other.bytes;
    this.elapsedMs += other.elapsedMs;
    this.cpuMs += other.cpuMs;
    for (const ms of other.latenciesMs) this.latenciesMs.push(ms);
    for (const [kind, n] of other.failures) {
      this.failures.set(kind, (this.failures.get(kind) ?? 0) + n);
      const sample = other.failureSamples.get(kind);
      if (sample !== undefined && !this.failureSamples.has(kind)) this.failureSamples.set(kind, sample);
    }
  }

  get failed(): number {
    let n = 0;
    for (const v of this.failures.values()) n += v;
    return n;
  }

  opsPerSecond(): number {
    return this.elapsedMs > 0 ? (this.ok * 1000) / this.elapsedMs : 0;
  }

  mibPerSecond(): number {
    return this.elapsedMs > 0 ? this.bytes / (1024 * 1024) / (this.elapsedMs / 1000) : 0;
  }

  percentile(p: number): number {
    if (this.latenciesMs.length === 0) return NaN;
    const sorted = [...this.latenciesMs].sort((a, b) => a - b);
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[i];
  }
}

/**
 * One operation of a run: sends its request(s) and says how many payload bytes it moved, or throws /
 * returns a failed Reply. `check` lets the caller reject a 2xx whose content is wrong.
 */
export interface Operation {
  spec: RequestSpec;
  /** payload bytes counted for MiB/s (the body sent, or the body expected back) */
  bytes: number;
  /** extra validation of a 2xx reply; returns a failure kind, or undefined when fine */
  check?: (reply: Reply) => string | undefined;
}

async function runOne(target: Target, op: Operation, stats: RunStats): Promise<void> {
  const t0 = performance.now();
  try {
    const reply = await send(target, op.spec);
    const ms = performance.now() - t0;
    if (reply.status < 200 || reply.status >= 300) {
      stats.fail(`HTTP ${reply.status}${reply.code ? ` ${reply.code}` : ""} (${op.spec.method})`, reply.body);
      return;
    }
    const problem = op.check?.(reply);
    if (problem !== undefined) {
      stats.fail(problem, reply.body);
      return;
    }
    stats.ok++;
    stats.bytes += op.bytes;
    stats.latenciesMs.push(ms);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    stats.fail(`${e.code ?? "error"} (${op.spec.method})`, e.message);
  }
}

/**
 * `concurrency` workers each send one request at a time until `durationMs` has passed (a request in
 * flight at the deadline still completes and counts; elapsed time runs to the last completion).
 */
export async function runFor(
  target: Target,
  concurrency: number,
  durationMs: number,
  next: (worker: number) => Operation,
): Promise<RunStats> {
  const stats = new RunStats();
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async (w: number) => {
    while (performance.now() < deadline && target.dead === undefined) await runOne(target, next(w), stats);
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  stats.elapsedMs = performance.now() - start;
  return stats;
}

/**
 * `concurrency` workers share `total` operations (op i for i in 0..total-1), stopping early when
 * `maxMs` has passed; `onProgress` is called about once per second.
 */
export async function runCount(
  target: Target,
  concurrency: number,
  total: number,
  next: (i: number) => Operation,
  opts: { maxMs?: number; onProgress?: (done: number, stats: RunStats) => void } = {},
): Promise<RunStats> {
  const stats = new RunStats();
  const start = performance.now();
  const deadline = start + (opts.maxMs ?? Infinity);
  let issued = 0;
  let lastReport = start;
  const worker = async () => {
    while (issued < total && performance.now() < deadline && target.dead === undefined) {
      const i = issued++;
      await runOne(target, next(i), stats);
      const now = performance.now();
      if (opts.onProgress && now - lastReport >= 1000) {
        lastReport = now;
        opts.onProgress(stats.ok + stats.failed, stats);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, () => worker()));
  stats.elapsedMs = performance.now() - start;
  return stats;
}
