/**
 * The primary process of a gateway with several serving processes. Why processes (Node's cluster
 * module) and not worker threads: on Node 20 threads cannot share a listening port (no
 * SO_REUSEPORT option before Node 22.12), while a process can be handed a connection's descriptor;
 * and a worker that crashes or is killed takes only itself down.
 *
 * Why the store has one owner: the embedded store's guarantees rest on one process holding the
 * database (exclusive locking, the log file synced through a descriptor of its own, in-memory pins
 * and version counter; see store.ts, wal-sync.ts, pins.ts). Sharing it between processes would mean
 * cross-process locks on every write, pins in the database, and a commit fsync per process instead
 * of one group commit for all. So the primary owns it, serves it to the workers (store-owner.ts)
 * and serves S3 requests itself with it, without IPC; the workers do what costs CPU per byte and per
 * request (HTTP, signatures, XML, hashing and verifying bodies, writing them to temp files,
 * streaming files out) and reach the store with one or two small calls a request.
 *
 * What it does:
 * - serves the S3 and admin ports (runtime/serve.ts), and hands each S3 connection to itself or
 *   to a worker that is ready (connections.ts): to the first process not overloaded, moving
 *   connections off one that is (placement.ts), or in turn (`placement: turn`);
 * - forks `processes - 1` workers and prints the start-up lines once all of them are ready;
 * - replaces a worker that dies (after a pause that grows while workers keep dying at once), after
 *   giving back what the dead one held (store-owner.ts release);
 * - aggregates the metrics of every worker and its own for /metrics (prom-client's aggregation:
 *   counters and histograms summed; each default metric by its own rule);
 * - runs the lifecycle executor (runtime/lifecycle/executor.ts) on the store it owns;
 * - tells every worker of each segment file the store removes (a worker keeps descriptors of the
 *   files it reads: runtime/storage/embedded/segment-fds.ts), and every process of a bucket whose
 *   configuration changed (its cached policy, CORS rules, getBucket answer);
 * - SIGTERM/SIGINT: its own graceful shutdown and every worker's; the admin port answers 503 until
 *   the last worker has exited, then the lifecycle executor stops and the store closes. SIGHUP:
 *   every process reloads its TLS files.
 */
import cluster, { type Worker } from "node:cluster";
import type { SecureContextOptions } from "node:tls";
import { AggregatorRegistry, Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { startLifecycleExecutor } from "../lifecycle/executor.js";
import { serve } from "../serve.js";
import type { EmbeddedStore } from "../storage/embedded/index.js";
import type { StorageClient } from "../storage/types.js";
import type { UserDirectory } from "../users.js";
import type { ConnectionTaker } from "./connections.js";
import { connectionsToShed, loadSampler, overloaded, placeConnection, SAMPLE_MS, type ProcessLoad } from "./placement.js";
import { RpcPeer } from "./rpc.js";
import { CHANGES_BUCKET_CONFIG, storeSession, tellingChange, type WorkerStoreSession } from "./store-owner.js";

export interface PrimaryOptions {
  /** serving processes: this one and `processes - 1` workers */
  processes: number;
  logger: Logger;
  users: UserDirectory & { close(): void };
  tls?: SecureContextOptions;
  /** the embedded store, when that is the backend */
  store?: EmbeddedStore;
  /**
   * The Ozone backend: this process's own client; `onBucketChanged` is what it must call when it
   * created or deleted a bucket (every worker forgets what it kept of it).
   */
  openOzone?: (onBucketChanged: (bucket: string) => Promise<void>) => Promise<StorageClient>;
  /** called once, when every first worker is ready */
  onListening(ports: { s3Port: number; adminPort: number }, storageName: string): void;
}

/** what Registry.getMetricsAsJSON gives, which AggregatorRegistry.aggregate takes */
type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

interface Running {
  worker: Worker;
  rpc: RpcPeer;
  session?: WorkerStoreSession;
  started: number;
  /** its server takes connections */
  ready: boolean;
  /** its last report of its load, and for how many reports in a row it was overloaded (placement.ts) */
  load: ProcessLoad;
  streak: number;
}

/** A worker's metrics answer; a worker that does not answer in time is left out of that scrape. */
const METRICS_TIMEOUT_MS = 5_000;
/** A worker that lived shorter than this counts as failing at start: its replacement waits longer. */
const QUICK_DEATH_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;
/**
 * How long past the grace period the workers may take to stop before the primary kills them
 * (each bounds its own stop at 10 s past it, serve.ts); the primary itself gives up 5 s later.
 */
const WORKER_STOP_SLACK_MS = 15_000;

export async function runPrimary(config: Readonly<Config>, opts: PrimaryOptions): Promise<void> {
  const { logger, store } = opts;
  const running = new Map<number, Running>();
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
  let onAllExited: () => void = () => undefined;
  const allExited = new Promise<void>((resolve) => (onAllExited = resolve));
  const checkAllExited = () => {
    if (stopping && running.size === 0) onAllExited();
  };

  /** what this process's own server and storage kept of the bucket goes (set once serving) */
  let forgetHere: (bucket: string) => void = () => undefined;
  /**
   * A bucket's configuration changed: every process forgets what it kept of it. The notes go out
   * at once, not at the end of the turn: a change made by this process's own request is answered
   * to its client in this turn, and the client's next request, on a connection handed to a worker
   * or one a worker already serves, must find the note there first (as it does when a worker made
   * the change: its answer travels behind the notes to the others).
   */
  const bucketChanged = (bucket: string) => {
    forgetHere(bucket);
    for (const r of running.values()) {
      r.rpc.note("bucketConfigChanged", bucket);
      r.rpc.flushNow();
    }
  };

  // this process's storage: the store itself, whose configuration changes made here are told to
  // the workers as a worker's are (store-owner.ts), or an Ozone client of its own
  let storage: StorageClient;
  if (store !== undefined) storage = tellingBucketChanges(store, bucketChanged);
  else if (opts.openOzone !== undefined) storage = await opts.openOzone(async (bucket) => bucketChanged(bucket));
  else throw new Error("a primary needs a storage");

  // the lifecycle executor runs in the store's owner, this process; stopped before the store closes
  const lifecycle = store !== undefined ? startLifecycleExecutor(store, config, logger) : undefined;
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

  /** set once serving: this process's registry, where the workers' own metrics are added */
  let own: Registry | undefined;
  const metrics = async (): Promise<{ contentType: string; text: string }> => {
    const answers = await Promise.all(
      [...running.values()].map((r) =>
        withTimeout(r.rpc.call<MetricsJson>("metricsJson"), METRICS_TIMEOUT_MS).catch((err: unknown) => {
          logger.warn({ err, worker: r.worker.process.pid }, "a worker did not answer for /metrics");
          return undefined;
        }),
      ),
    );
    const all = [...(own ? [await own.getMetricsAsJSON()] : []), ...answers.filter((a): a is MetricsJson => a !== undefined)];
    const registry = AggregatorRegistry.aggregate(all as Parameters<typeof AggregatorRegistry.aggregate>[0]);
    // The aggregation leaves out the start time (one per process, no sum makes sense); the
    // primary's is the gateway's, which is what a "restarted?" panel or an absence alert wants.
    const startTime = own ? await own.getSingleMetricAsString("s3gw_process_start_time_seconds") : "";
    return { contentType: registry.contentType, text: `${await registry.metrics()}${startTime}\n` };
  };

  // A connection goes to the first process not overloaded (this one first, then the workers by
  // age), or round them all when every one is (placement.ts); with `placement: turn`, round them all.
  const byTurn = config.placement === "turn";
  const ownLoad: ProcessLoad = { busy: 0, connections: 0, requests: 0 };
  let turn = 0;
  const readyWorkers = (): Running[] => [...running.values()].filter((r) => r.ready && r.worker.isConnected());
  const pick = (): ConnectionTaker | undefined => {
    if (stopping) return undefined;
    const ready = readyWorkers();
    if (ready.length === 0) return undefined;
    const i = byTurn ? turn++ % (ready.length + 1) : placeConnection([ownLoad, ...ready.map((r) => r.load)], turn++);
    turn %= ready.length + 1;
    return i === 0 ? undefined : (ready[i - 1].worker as unknown as ConnectionTaker);
  };

  const serving = await serve(config, {
    storage,
    logger,
    users: opts.users,
    ...(opts.tls !== undefined && { tls: opts.tls }),
    metricsText: metrics,
    share: pick,
    onStop: (reason) => {
      if (!stopping) logger.info({ reason, workers: running.size }, "shutting down: stopping the workers too");
      stopping = true;
      // a second signal: the workers cut their connections at once, as this process does
      for (const r of running.values()) r.rpc.note("shutdown");
      checkAllExited();
    },
    // the admin port answers 503 "shutting down" until the last worker is done
    adminWaitsFor: () => allExited,
    // before the store closes: every worker gone (killed if it overstays), then the lifecycle executor
    background: {
      stop: async () => {
        const deadline = setTimeout(() => {
          logger.error({ workers: running.size }, "workers did not stop in time: killing them");
          for (const r of running.values()) r.worker.process.kill("SIGKILL");
        }, config.shutdown.graceMs + WORKER_STOP_SLACK_MS);
        await allExited;
        clearTimeout(deadline);
        await lifecycle?.stop();
      },
    },
    stopSlackMs: WORKER_STOP_SLACK_MS + 5_000,
  });
  own = serving.app.metrics.registry;
  // every SAMPLE_MS (placement: load): this process's load, and connections moved off an
  // overloaded process when another has room (placement.ts)
  const shedTotal = new Counter({
    name: "s3gw_connections_shed_total",
    help: "S3 connections an overloaded process was told to close after their next answer, for their clients to reconnect elsewhere (placement: load)",
    registers: [own],
  });
  if (!byTurn) {
    const sample = loadSampler(serving.connections, () => serving.app.metrics.started);
    let ownStreak = 0;
    setInterval(() => {
      Object.assign(ownLoad, sample());
      if (stopping) return;
      const ready = readyWorkers();
      if (ready.length === 0) return;
      const loads = [ownLoad, ...ready.map((r) => r.load)];
      ownStreak = overloaded(ownLoad) ? ownStreak + 1 : 0;
      for (const r of ready) r.streak = overloaded(r.load) ? r.streak + 1 : 0;
      const shed = connectionsToShed(loads, [ownStreak, ...ready.map((r) => r.streak)]);
      if (!shed.some((n) => n > 0)) return;
      logger.debug({ loads, shed }, "connections move off an overloaded process");
      shedTotal.inc(shed.reduce((a, b) => a + b, 0));
      if (shed[0] > 0) serving.shedConnections(shed[0]);
      for (const [i, r] of ready.entries()) if (shed[i + 1] > 0) r.rpc.note("shed", shed[i + 1]);
    }, SAMPLE_MS).unref();
  }
  forgetHere = (bucket) => {
    storage.forgetBucket?.(bucket);
    serving.app.forgetBucketConfig(bucket);
  };
  const live = new Gauge({ name: "s3gw_workers", help: "Worker processes running (besides the primary, which serves too)", registers: [own] });
  const restarts = new Counter({ name: "s3gw_worker_restarts_total", help: "Workers that died and were replaced", registers: [own] });
  // Each call is an IPC round trip a worker's request waits for (issue 9: a small PUT made three,
  // where one process makes none).
  const storeCalls = new Counter({
    name: "s3gw_worker_store_calls_total",
    help: "Embedded store calls the primary served for workers, by method",
    labelNames: ["method"],
    registers: [own],
  });

  const fork = () => {
    const worker = cluster.fork();
    const session = store ? storeSession(store, `w${worker.id}`, (err) => logger.warn({ err }, "worker cleanup failed"), bucketChanged) : undefined;
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
      ready: false,
      load: { busy: 0, connections: 0, requests: 0 },
      streak: 0,
      rpc: new RpcPeer(
        worker,
        {
          ...storeHandlers,
          // a bucket created or deleted on Ozone by this worker: every process drops what it kept of
          // it before the one that changed it answers (runtime/storage/ozone/store-core.ts getBucket)
          bucketChanged,
          load: (load: ProcessLoad) => {
            entry.load = load;
          },
          ready: () => {
            entry.ready = true;
            // A shutdown told while it started may have come before it listened (a note sent before
            // its RpcPeer exists is lost): told again, without cutting (see worker.ts `stopping`).
            if (stopping) entry.rpc.note("stopping");
            if (!started && [...running.values()].every((r) => r.ready)) {
              started = true;
              startDone?.();
            }
          },
        },
        "the worker process is gone",
      ),
    };
    running.set(worker.id, entry);
    live.set(running.size);
    // a signal came while this one was being forked
    if (stopping) entry.rpc.note("shutdown");
  };

  cluster.on("exit", (worker, code, signal) => {
    const entry = running.get(worker.id);
    if (entry === undefined) return;
    running.delete(worker.id);
    live.set(running.size);
    entry.rpc.close(new Error("the worker process is gone"));
    void entry.session?.release();
    if (stopping) {
      checkAllExited();
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
    // this process serves meanwhile; the timer is unref'd so that it does not hold up an exit
    setTimeout(() => {
      if (!stopping) fork();
    }, delay).unref();
  });

  process.on("SIGHUP", () => {
    for (const r of running.values()) r.rpc.note("reload");
  });

  cluster.setupPrimary({ serialization: "advanced", execArgv: workerExecArgv(process.execArgv) });
  for (let i = 1; i < opts.processes; i++) fork();
  try {
    await firstStart;
  } catch (err) {
    // one worker could not start (an unreachable Ozone): stop the others and this process's servers, report
    stopping = true;
    for (const r of running.values()) r.worker.process.kill("SIGKILL");
    await serving.app.close().catch(() => undefined);
    await lifecycle?.stop();
    await storage.close();
    throw err;
  }
  opts.onListening({ s3Port: serving.s3Port, adminPort: serving.adminPort }, storage.name);
}

/**
 * The store as this process's own server uses it: a change of a bucket's configuration is told to
 * every process (bucketChanged) once made, as a worker's are (store-owner.ts).
 */
function tellingBucketChanges(store: EmbeddedStore, changed: (bucket: string) => void): StorageClient {
  const wrapped = new Map<PropertyKey, unknown>();
  for (const method of CHANGES_BUCKET_CONFIG) {
    wrapped.set(method, tellingChange((store[method] as (bucket: string, ...rest: unknown[]) => Promise<unknown>).bind(store), changed));
  }
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const own = wrapped.get(property);
      if (own !== undefined) return own;
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== "function") return value;
      let fn = bound.get(property);
      if (fn === undefined) bound.set(property, (fn = (value as (...a: unknown[]) => unknown).bind(target)));
      return fn;
    },
  }) as unknown as StorageClient;
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
