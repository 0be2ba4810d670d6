/**
 * How fast V8 lets the old generation grow, adjusted in every gateway process (primary, workers,
 * or the one process) while it runs.
 *
 * V8 counts the bytes of ArrayBuffers allocated since its last full collection against the old
 * generation's limit (Heap::OldGenerationSpaceAvailable), and sets that limit from the live heap
 * times a growing factor it picks from how cheap its last collections were. The gateway's live heap
 * is small (~20 MB) and its collections are cheap, so V8 picks its least factor, 1.1, and leaves
 * ~24 MB of slack; but every body it receives arrives in new Buffers (a socket's reads), so under a
 * PUT load that slack is used up at once and a full collection follows every ~12 MB received:
 * warp's 1 MiB PUTs at c=8 ran ~9 full collections a second, whose marking threads used a third
 * of a core. A factor of 4 (V8's own largest; `--heap-growing-percent=300`) leaves ~80 MB of
 * slack: 2-4 full collections in 14 s of the same load, and 20-30% less CPU per MiB received.
 *
 * But that slack fills with garbage Buffers too: under 64 concurrent 64 MiB PUTs a worker's RSS
 * peaked at 300-441 MiB with the factor of 4 against 226-230 MiB with V8's own. So the large factor
 * holds only while few Buffers are alive (`EXTERNAL_WIDE_BELOW`, looked at every `CHECK_MS`): once
 * many bodies are in flight at once, V8's own factor keeps the garbage as short-lived as before.
 * V8's count of external memory holds the garbage Buffers too until a collection frees them, so
 * one look at it says little: what is alive is at most the least it was over the last
 * `FLOOR_SAMPLES` looks (garbage only adds to it, and a collection of some kind runs every second
 * or two under load). When the factor followed each look, the large factor's own garbage (45-85
 * MiB between collections under 1 MiB PUTs at c=8 on Node 24.22, 5-10 MiB alive after each) set
 * V8's own factor every other second, and the limit V8 computed next was small again: the same 640
 * MiB ran 1 full collection in some runs and 7-14 in the others (most runs on an idle machine),
 * which failed this repository's CI. The least of the last second was not enough: on a busy
 * machine collections ran further apart and 3 runs in 4 still ran 3-13. The least of the last 4
 * s: at most 1 in each of 19 runs, idle or busy, Node 20 or 24. Under 64 concurrent 64 MiB PUTs
 * (warp, two processes) each process peaked at the RSS of before (Node 20: 215-236 against
 * 219-234 MiB; Node 24: 311-348 against 323-380); under warp's 1 MiB PUTs at c=8 on Node 24 the
 * large factor now holds throughout, and each process peaked at 289-309 MiB against 217-307.
 * V8's external memory also counts the WebAssembly memories that live as long as the process (the
 * MD5 lanes' 16 MiB, the direct writes' 16 MiB of staging buffers); their owners note them
 * (`noteFixedExternalMemory`) and they are left out of the count: when the staging buffers (32 MiB
 * then) were counted, the 48 MiB made the tuner fall back to V8's factor for good, and 1 MiB PUTs
 * at c=8 ran ~8 full collections a second again.
 * The flag is read at each limit computation, so setting it at run time takes effect at the next
 * full collection. A node started with its own --heap-growing-percent (command line or
 * NODE_OPTIONS) keeps it, and nothing is adjusted.
 *
 * From V8 13 (Node 24 on), external memory no longer counts against the old generation: it has a
 * limit of its own, 64 MB above what was live after the last collection, and passing it starts a
 * full collection ("external memory pressure"), whatever the growing factor. The same 1 MiB PUTs
 * at c=8 then ran 21 full collections per 640 MiB received on Node 24.22 (at most 4 on Node 20
 * and 22), and a loop allocating 1 MiB Buffers ran 12-13 against 1, at twice the time. V8's
 * `--external-memory-accounted-in-global-limit` (V8 13 and 14: Node 24, 25, 26) counts it in the
 * global limit instead, which the growing factor sets: one full collection in that loop again. So
 * on V8 13 and later it is set at start, unless node's command line or NODE_OPTIONS says either
 * way. Measured on Node 24.22 (`bench/cpu.js`): CPU per 1 MiB PUT (c=8) 3.28 -> 2.65 ms, per 64 MiB
 * aws-chunked PUT 210 -> 162 ms. Its cost: under 64 concurrent 64 MiB PUTs each of two workers
 * peaked at 274-297 MiB of RSS against 225-232 without it (Node 20: 162-174). Turning it off
 * while many Buffers are alive, as the factor is, kept neither: 279-295 MiB and the CPU of before.
 */
import v8 from "node:v8";

export const HEAP_GROWING_PERCENT = 300;
/** Live external memory (Buffers, fixed memories left out) under which the large factor applies. */
export const EXTERNAL_WIDE_BELOW = 32 * 1024 * 1024;

/** bytes of the external memory that lives as long as the process */
let fixedExternal = 0;

/** Notes memory outside V8's heap that V8 counts as external but that is never garbage. */
export function noteFixedExternalMemory(bytes: number): void {
  fixedExternal += bytes;
}
const CHECK_MS = 250;
/** how many of the last looks the least external memory is taken from (4 s of them) */
export const FLOOR_SAMPLES = 16;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;
const EXTERNAL_IN_GLOBAL = "--external-memory-accounted-in-global-limit";
const EXTERNAL_FLAG = /^--(no[-_])?external[-_]memory[-_]accounted[-_]in[-_]global[-_]limit(=|$)/;
/** the first V8 whose external memory has a limit of its own, and that has EXTERNAL_IN_GLOBAL */
const EXTERNAL_LIMIT_V8 = 13;

export interface HeapGrowthOptions {
  execArgv?: readonly string[];
  nodeOptions?: string;
  setFlags?: (flags: string) => void;
  /** V8's count of external memory (the noted fixed memory is taken off it) */
  externalBytes?: () => number;
  /** how often to look; 0 = only once, now (tests call check() themselves) */
  intervalMs?: number;
  /** V8's version (default process.versions.v8) */
  v8Version?: string;
}

export interface HeapGrowthTuner {
  /** the factor in force: HEAP_GROWING_PERCENT, or 0 for V8's own */
  readonly percent: number;
  /** looks at the external memory now and sets the flag if the factor should change */
  check(): void;
  stop(): void;
}

/**
 * Starts adjusting V8's heap growing factor, unless this node was started with one (then
 * undefined). The timer does not keep the process alive.
 */
export function tuneHeapGrowth(opts: HeapGrowthOptions = {}): HeapGrowthTuner | undefined {
  const execArgv = opts.execArgv ?? process.execArgv;
  const nodeOptions = opts.nodeOptions ?? process.env.NODE_OPTIONS ?? "";
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  const setFlags = opts.setFlags ?? ((flags: string) => v8.setFlagsFromString(flags));
  const v8Major = Number.parseInt(opts.v8Version ?? process.versions.v8, 10);
  if (v8Major >= EXTERNAL_LIMIT_V8 && !given.some((a) => EXTERNAL_FLAG.test(a))) setFlags(EXTERNAL_IN_GLOBAL);
  if (given.some((a) => FLAG.test(a))) return undefined;
  const externalBytes = opts.externalBytes ?? (() => v8.getHeapStatistics().external_memory);
  let percent = -1;
  // the last FLOOR_SAMPLES looks, oldest overwritten first
  const looks: number[] = [];
  let nextLook = 0;
  const tuner: HeapGrowthTuner = {
    get percent() {
      return percent;
    },
    check() {
      looks[nextLook] = externalBytes() - fixedExternal;
      nextLook = (nextLook + 1) % FLOOR_SAMPLES;
      const want = Math.min(...looks) < EXTERNAL_WIDE_BELOW ? HEAP_GROWING_PERCENT : 0;
      if (want === percent) return;
      percent = want;
      setFlags(`--heap-growing-percent=${want}`);
    },
    stop() {
      clearInterval(timer);
    },
  };
  tuner.check();
  const interval = opts.intervalMs ?? CHECK_MS;
  const timer = interval > 0 ? setInterval(() => tuner.check(), interval) : undefined;
  timer?.unref();
  return tuner;
}
