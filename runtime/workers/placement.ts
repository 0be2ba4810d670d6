/**
 * Which serving process takes a new S3 connection, and when an overloaded one gives some back
 * (issue 9).
 *
 * Handing connections round the processes in turn puts load on every process from the first
 * request on. A worker's request costs more than the primary's own (its store call is an IPC round
 * trip, a wake-up of each process), and that cost is the same however loaded the processes are.
 * Measured on the 2-core reference machine with warp beside the gateway (two processes, December
 * 2026, interleaved), every connection on the primary against connections in turn: GET 4 KiB c=4
 * 2,983 against 2,026 obj/s, warp mixed c=8 1,726 against 1,227, PUT 4 KiB c=4 1,182 against
 * 1,147; but GET 4 KiB c=32 3,738 against 5,011, PUT 4 KiB c=32 1,681 against 1,900 and PUT 64 MiB
 * c=4 264 against 309 MiB/s. A second event loop pays when the first is saturated with a deep queue
 * of requests or with requests that take long each; for a few cheap requests it costs more than
 * it gives.
 *
 * So a process is overloaded when its event loop is SATURATED and it serves more than DEEP_QUEUE
 * connections or spends HEAVY_REQUEST_MS of its loop per request. A connection goes to the first
 * process, in a fixed order (the primary, then the workers by age), that is not overloaded; only
 * when every one is do connections go round them all in turn, as before. A process's load shows
 * only after its connections' requests come, and clients open theirs at once (warp opens all of
 * its at its start; an SDK's pool in its first burst). So connections are also moved afterwards: a
 * process overloaded for OVERLOADED_SAMPLES samples in a row, while another is under ROOM, closes a
 * quarter of its connections (at least one) at the end of their next answer (`Connection: close`,
 * which HTTP/1.1 clients honour by opening a new connection for their next request), and the new
 * connections go where there is room. Each sample may move another quarter, until the loads even
 * out. (Measured with these: README, Workers.)
 *
 * The decisions are here, as functions of the samples; primary.ts samples and acts.
 */
import { performance } from "node:perf_hooks";

/** How often each process reports its load, and the primary decides. */
export const SAMPLE_MS = 250;
/** A process this busy is saturated... */
export const SATURATED = 0.8;
/** ... and overloaded when it serves more connections than this ... */
export const DEEP_QUEUE = 16;
/** ... or its requests take this much of its event loop each (ms), on average. */
export const HEAVY_REQUEST_MS = 10;
/** Connections move off a process overloaded for this many samples in a row ... */
export const OVERLOADED_SAMPLES = 2;
/** ... to one whose event loop is less busy than this. */
export const ROOM = 0.5;

/** One serving process's load over the last sample. */
export interface ProcessLoad {
  /** event loop utilization, 0..1 (performance.eventLoopUtilization) */
  busy: number;
  /** connections it serves */
  connections: number;
  /** requests it started during the sample */
  requests: number;
}

/** Saturated, with a deep queue of connections or with heavy requests (see above). */
export function overloaded(l: ProcessLoad): boolean {
  if (l.busy < SATURATED || l.connections === 0) return false;
  return l.connections > DEEP_QUEUE || (l.busy * SAMPLE_MS) / Math.max(1, l.requests) >= HEAVY_REQUEST_MS;
}

/**
 * The process for a new connection: the index of the first in `loads` (the primary at 0, then the
 * workers in their fixed order) not overloaded; when every one is, `turn` (round robin).
 */
export function placeConnection(loads: readonly ProcessLoad[], turn: number): number {
  for (let i = 0; i < loads.length; i++) if (!overloaded(loads[i])) return i;
  return turn % loads.length;
}

/**
 * How many connections each process should close at the end of their next answer (same order as
 * `loads`, with `streaks`: how many samples in a row each has been overloaded): a quarter of the
 * connections of one overloaded for OVERLOADED_SAMPLES samples, at least one, when another process
 * has room. Nothing moves otherwise.
 */
export function connectionsToShed(loads: readonly ProcessLoad[], streaks: readonly number[]): number[] {
  const shed = loads.map(() => 0);
  if (!loads.some((l) => l.busy < ROOM)) return shed;
  for (let i = 0; i < loads.length; i++) {
    if (streaks[i] >= OVERLOADED_SAMPLES) shed[i] = Math.max(1, Math.floor(loads[i].connections / 4));
  }
  return shed;
}

/** This process's load sampler: each call gives the load since the previous one. */
export function loadSampler(connections: () => number, requestsStarted: () => number): () => ProcessLoad {
  let last = performance.eventLoopUtilization();
  let started = requestsStarted();
  return () => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    const total = requestsStarted();
    const requests = total - started;
    started = total;
    return { busy, connections: connections(), requests };
  };
}
