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
 * holds only while few Buffers are alive (`EXTERNAL_WIDE_BELOW`, checked every `CHECK_MS`): once
 * many bodies are in flight at once, V8's own factor keeps the garbage as short-lived as before.
 * V8's external memory also counts the WebAssembly memories that live as long as the process (the
 * MD5 lanes' 16 MiB, the direct writes' 32 MiB of staging buffers); their owners note them
 * (`noteFixedExternalMemory`) and they are left out of the count: when the staging buffers were
 * counted, the 48 MiB made the tuner fall back to V8's factor for good, and 1 MiB PUTs at c=8 ran
 * ~8 full collections a second again.
 * The flag is read at each limit computation, so setting it at run time takes effect at the next
 * full collection. A node started with its own --heap-growing-percent (command line or
 * NODE_OPTIONS) keeps it, and nothing is adjusted.
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

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

export interface HeapGrowthOptions {
  execArgv?: readonly string[];
  nodeOptions?: string;
  setFlags?: (flags: string) => void;
  /** V8's count of external memory (the noted fixed memory is taken off it) */
  externalBytes?: () => number;
  /** how often to look; 0 = only once, now (tests call check() themselves) */
  intervalMs?: number;
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
  if ([...execArgv, ...nodeOptions.split(/\s+/)].some((a) => FLAG.test(a))) return undefined;
  const setFlags = opts.setFlags ?? ((flags: string) => v8.setFlagsFromString(flags));
  const externalBytes = opts.externalBytes ?? (() => v8.getHeapStatistics().external_memory);
  let percent = -1;
  const tuner: HeapGrowthTuner = {
    get percent() {
      return percent;
    },
    check() {
      const want = externalBytes() - fixedExternal < EXTERNAL_WIDE_BELOW ? HEAP_GROWING_PERCENT : 0;
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
