/**
 * The primary process of a gateway with several workers. Why processes (Node's cluster module) and
 * not worker threads: on Node 20 threads cannot share a listening port (no SO_REUSEPORT option
 * before Node 22.12), while cluster workers share the S3 and admin ports through the primary; and a
 * worker that crashes or is killed takes only itself down.
 *
 * Why the store has one owner: the embedded store's guarantees rest on one process holding the
 * database (exclusive locking, the log file synced through a descriptor of its own, in-memory pins
 * and version counter; see store.ts, wal-sync.ts, pins.ts). Sharing it between processes would mean
 * cross-process locks on every write, pins in the database, and a commit fsync per process instead
 * of one group commit for all. So the primary owns it and serves it to the workers
 * (store-owner.ts), and the workers do what costs CPU per byte and per request: HTTP, signatures,
 * XML, hashing and verifying bodies, writing them to temp files, streaming files out. A request
 * costs the primary one or two small calls (a lookup, a commit), none of them touching bodies.
 *
 * What it does:
 * - forks `workers` workers and prints the start-up lines once all of them listen;
 * - replaces a worker that dies (after a pause that grows while workers keep dying at once), after
 *   giving back what the dead one held (store-owner.ts release);
 * - aggregates the metrics of every worker and its own for /metrics (prom-client's aggregation:
 *   counters and histograms summed; each default metric by its own rule);
 * - runs the lifecycle executor (runtime/lifecycle/executor.ts) on the store it owns;
 * - tells every worker of each segment file the store removes (a worker keeps descriptors of the
 *   files it reads: runtime/storage/embedded/segment-fds.ts);
 * - SIGTERM/SIGINT: every worker runs the graceful shutdown; when the last one has exited, the
 *   lifecycle executor is stopped and the store closed. SIGHUP: every worker reloads its TLS files.
 */
import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { startLifecycleExecutor } from "../lifecycle/executor.js";
import type { EmbeddedStore } from "../storage/embedded/index.js";
import { RpcPeer } from "./rpc.js";
import { storeSession, type WorkerStoreSession } from "./store-owner.js";
import { WORKER_PORTS_ENV } from "./worker.js";

export interface PrimaryOptions {
  workers: number;
  logger: Logger;
  /** the embedded store, when that is the backend */
  store?: EmbeddedStore;
  /** called once, when every first worker listens */
  onListening(ports: { s3Port: number; adminPort: number }): void;
}

/** what Registry.getMetricsAsJSON gives, which AggregatorRegistry.aggregate takes */
type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

interface Running {
  worker: Worker;
  rpc: RpcPeer;
  session?: WorkerStoreSession;
  started: number;
  listening: boolean;
  /** its S3 server finished during a shutdown (its admin server waits for the other workers') */
  drained: boolean;
}

/** A worker's metrics answer; a worker that does not answer in time is left out of that scrape. */
const METRICS_TIMEOUT_MS = 5_000;
/** A worker that lived shorter than this counts as failing at start: its replacement waits longer. */
const QUICK_DEATH_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

export async function runPrimary(config: Readonly<Config>, opts: PrimaryOptions): Promise<void> {
  const { logger, store } = opts;
  // the lifecycle executor runs in the store's owner, this process; stopped before the store closes
  const lifecycle = store !== undefined ? startLifecycleExecutor(store, config, logger) : undefined;
  const running = new Map<number, Running>();
  // a removed segment file: every worker closes the descriptor it may keep of it (segment-fds.ts);
  // the notes of one turn go to each worker as one message (rpc.ts)
  store?.onSegmentRemoved((id) => {
    for (const r of running.values()) r.rpc.note("segmentRemoved", id);
  });
  // objects a worker keeps (kept-reads.ts) are taken back by a call it answers; a worker gone
  // has nothing left to take back (its calls fail at its exit), a hung one is killed (read-leases.ts)
  store?.attachLeaseHolders({
    revoke: (holder, ids) => {
      const r = running.get(Number(holder.slice(1)));
      return r === undefined ? Promise.resolve() : r.rpc.call<void>("revokeReads", ids);
    },
    unresponsive: (holder) => {
      const r = running.get(Number(holder.slice(1)));
      if (r === undefined) return;
      logger.error({ worker: r.worker.process.pid }, "a worker did not answer a revocation of kept reads in time: killing it");
      r.worker.process.kill("SIGKILL");
    },
  });
  let stopping = false;
  let quickDeaths = 0;
  let started = false;
  let startFailed: ((err: Error) => void) | undefined;
  let startDone: (() => void) | undefined;
  const firstStart = new Promise<void>((resolve, reject) => {
    startDone = resolve;
    startFailed = reject;
  });
  firstStart.catch(() => undefined);

  const own = new Registry();
  collectDefaultMetrics({ register: own, prefix: "s3gw_" });
  const live = new Gauge({ name: "s3gw_workers", help: "Worker processes running", registers: [own] });
  const restarts = new Counter({ name: "s3gw_worker_restarts_total", help: "Workers that died and were replaced", registers: [own] });
  // Each call is an IPC round trip a worker's request waits for: the count per request is the
  // latency with workers (issue 9: a small PUT made three, where one process makes none).
  const storeCalls = new Counter({
    name: "s3gw_worker_store_calls_total",
    help: "Embedded store calls the primary served for workers, by method",
    labelNames: ["method"],
    registers: [own],
  });

  const metrics = async (): Promise<{ contentType: string; text: string }> => {
    const answers = await Promise.all(
      [...running.values()].map((r) =>
        withTimeout(r.rpc.call<MetricsJson>("metricsJson"), METRICS_TIMEOUT_MS).catch((err: unknown) => {
          logger.warn({ err, worker: r.worker.process.pid }, "a worker did not answer for /metrics");
          return undefined;
        }),
      ),
    );
    const all = [await own.getMetricsAsJSON(), ...answers.filter((a): a is MetricsJson => a !== undefined)];
    const registry = AggregatorRegistry.aggregate(all as Parameters<typeof AggregatorRegistry.aggregate>[0]);
    // The aggregation leaves out the start time (one per process, no sum makes sense); the
    // primary's is the gateway's, which is what a "restarted?" panel or an absence alert wants.
    const startTime = await own.getSingleMetricAsString("s3gw_process_start_time_seconds");
    return { contentType: registry.contentType, text: `${await registry.metrics()}${startTime}\n` };
  };

  /** the ports the first workers got (a configured port 0 is a random one) */
  let boundPorts: { s3Port: number; adminPort: number } | undefined;
  const fork = () => {
    // When every worker is gone, the cluster module closes the listening sockets; a replacement
    // then listens anew, and must get the same ports again, not new random ones.
    const worker = cluster.fork(boundPorts ? { [WORKER_PORTS_ENV]: `${boundPorts.s3Port},${boundPorts.adminPort}` } : {});
    const session = store
      ? storeSession(
          store,
          `w${worker.id}`,
          (err) => logger.warn({ err }, "worker cleanup failed"),
          // every worker, the changing one too: its own onSend hook forgets as well, harmlessly
          (bucket) => {
            for (const r of running.values()) r.rpc.note("bucketConfigChanged", bucket);
          },
        )
      : undefined;
    const storeHandlers: WorkerStoreSession["handlers"] = {};
    for (const [method, handler] of Object.entries(session?.handlers ?? {})) {
      const calls = storeCalls.labels(method);
      storeHandlers[method] = (...args: unknown[]) => {
        calls.inc();
        return handler(...args);
      };
    }
    const entry: Running = {
      worker,
      session,
      started: Date.now(),
      listening: false,
      drained: false,
      rpc: new RpcPeer(
        worker,
        {
          ...storeHandlers,
          metrics,
          // a bucket created or deleted on Ozone by this worker: every worker drops what it kept of
          // it before the one that changed it answers (runtime/storage/ozone/store-core.ts getBucket)
          bucketChanged: (bucket: string) => {
            for (const r of running.values()) r.rpc.note("bucketConfigChanged", bucket);
          },
          // its S3 server is done; its admin server waits for the others' (closeAdminsWhenDrained)
          drained: () => {
            entry.drained = true;
            closeAdminsWhenDrained();
          },
          listening: (ports: { s3Port: number; adminPort: number }) => {
            entry.listening = true;
            boundPorts ??= ports;
            if (!started && [...running.values()].every((r) => r.listening)) {
              started = true;
              opts.onListening(ports);
              startDone?.();
            }
          },
        },
        "the worker process is gone",
      ),
    };
    running.set(worker.id, entry);
    live.set(running.size);
  };

  cluster.on("exit", (worker, code, signal) => {
    const entry = running.get(worker.id);
    if (entry === undefined) return;
    running.delete(worker.id);
    live.set(running.size);
    entry.rpc.close(new Error("the worker process is gone"));
    void entry.session?.release();
    if (stopping) {
      closeAdminsWhenDrained();
      return;
    }
    if (!started) {
      startFailed?.(new Error(`a worker exited during start-up (${signal ?? `exit code ${code}`})`));
      return;
    }
    const lived = Date.now() - entry.started;
    quickDeaths = lived < QUICK_DEATH_MS ? quickDeaths + 1 : 0;
    const delay = quickDeaths === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** (quickDeaths - 1));
    logger.error({ worker: worker.process.pid, code, signal, livedMs: lived, restartInMs: delay }, "a worker died; starting another");
    restarts.inc();
    // not unref'd: with every worker gone, this timer is what keeps the primary alive
    setTimeout(() => {
      if (!stopping) fork();
    }, delay);
  });

  /**
   * During a shutdown, once every worker left has drained its S3 server: their admin servers may
   * close (until then each one answers the shared admin port's probes with 503 "shutting down").
   */
  function closeAdminsWhenDrained(): void {
    if (!stopping || ![...running.values()].every((r) => r.drained)) return;
    for (const r of running.values()) r.rpc.note("closeAdmin");
  }

  const stopAll = async (reason: string): Promise<void> => {
    if (stopping) {
      // a second signal: the workers cut their connections at once
      for (const r of running.values()) r.rpc.note("shutdown");
      return;
    }
    stopping = true;
    logger.info({ reason, workers: running.size }, "shutting down: stopping the workers");
    const exited = new Promise<void>((resolve) => {
      const check = () => {
        if (running.size === 0) resolve();
      };
      cluster.on("exit", check);
      check();
    });
    for (const r of running.values()) r.rpc.note("shutdown");
    // each worker bounds its own shutdown (graceMs + 10 s, serve.ts); this is the backstop
    const deadline = setTimeout(() => {
      logger.error({ workers: running.size }, "workers did not stop in time: killing them");
      for (const r of running.values()) r.worker.process.kill("SIGKILL");
    }, config.shutdown.graceMs + 15_000);
    await exited;
    clearTimeout(deadline);
    await lifecycle?.stop();
    await store?.close();
    logger.info({}, "shut down");
  };

  // Installed before the first worker starts: a signal during start-up stops what has started.
  const onSignal = (signal: string) => {
    stopAll(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGHUP", () => {
    for (const r of running.values()) r.rpc.note("reload");
  });

  cluster.setupPrimary({ serialization: "advanced", execArgv: workerExecArgv(process.execArgv) });
  for (let i = 0; i < opts.workers; i++) fork();
  try {
    await firstStart;
  } catch (err) {
    // one worker could not start (a port in use, an unreachable Ozone): stop the others, report
    stopping = true;
    for (const r of running.values()) r.worker.process.kill("SIGKILL");
    await lifecycle?.stop();
    await store?.close();
    throw err;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The workers' node options: the primary's, and V8's memory reducer off. After about half a minute
 * idle the reducer shrinks the heap, and a worker then collects garbage far more often under the
 * gateway's load, whose allocations are mostly Buffers outside the heap (a body's pieces, a file's
 * 1 MiB reads): warp's 1 MiB GETs at c=8, 6 s runs 30 s apart, gave 854, 463, 316 MiB/s with the
 * reducer (garbage collection 5% of the CPU in the first run, 24% in the second), 871, 925, 968
 * MiB/s without. The flag only works on the command line (v8.setFlagsFromString comes too late),
 * which the primary writes for its workers; a one-process gateway gets it from whoever starts node.
 * An idle worker keeps the heap its load grew instead of returning it.
 */
export function workerExecArgv(primary: readonly string[]): string[] {
  return primary.some((a) => a === "--memory-reducer" || a === "--no-memory-reducer") ? [...primary] : [...primary, "--no-memory-reducer"];
}
