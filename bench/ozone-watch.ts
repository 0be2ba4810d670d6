/**
 * What bench/ozone.ts watches besides its own requests: the gateways' processes (CPU time and
 * memory from /proc), the JVMs' heaps and full GCs (from their /jmx), and other clients' OM
 * operations on the shared cluster (from the OM audit log). Read between workloads or sampled
 * every SAMPLE_MS, never inside a measured slice's hot path.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { fmt } from "./common.js";

/** how often MemoryWatch samples RSS, ms */
export const SAMPLE_MS = 250;

// ---------------------------------------------------------------------------------------------
// Memory: /proc/<pid>/status
// ---------------------------------------------------------------------------------------------

/**
 * CPU time (user + system) of a gateway so far, ms (/proc/<pid>/stat utime + stime; USER_HZ taken
 * as 100), summed over its processes (ours: the primary and its workers; Java: the JVM).
 */
export function cpuMsOf(pids: number | readonly number[]): number | undefined {
  let total = 0;
  for (const pid of typeof pids === "number" ? [pids] : pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) * 10; // fields 14 and 15 of the whole line
    } catch {
      return undefined;
    }
  }
  return total;
}

/** A /proc/<pid>/status figure, summed over the processes (the first one gone: undefined). */
export function procStatusKiB(pids: number | readonly number[], field: "VmRSS" | "VmHWM"): number | undefined {
  let total = 0;
  for (const pid of typeof pids === "number" ? [pids] : pids) {
    try {
      const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m === null) return undefined;
      total += Number(m[1]);
    } catch {
      return undefined;
    }
  }
  return total;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** When the process started (from /proc/<pid>/stat and the boot time; USER_HZ taken as 100). */
export function processStart(pid: number): Date | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]); // field 22 of the whole line: starttime
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    return new Date((btime + ticks / 100) * 1000);
  } catch {
    return undefined;
  }
}

export function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
}

export class MemoryWatch {
  startKiB: number | undefined;
  peakSampledKiB = 0;
  private timer: NodeJS.Timeout | undefined;

  /** pid: the gateway's main process, whose end is the gateway's; pids: all its processes */
  constructor(
    readonly pid: number,
    readonly pids: readonly number[] = [pid],
  ) {
    this.startKiB = procStatusKiB(pids, "VmRSS");
  }

  start(onGone: () => void): void {
    this.timer = setInterval(() => {
      const rss = procStatusKiB(this.pids, "VmRSS");
      if (rss === undefined) {
        if (!alive(this.pid)) onGone();
        return;
      }
      if (rss > this.peakSampledKiB) this.peakSampledKiB = rss;
    }, SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export const mib = (kib: number | undefined) => (kib === undefined ? "?" : `${fmt(kib / 1024)} MiB`);

/** The JVM's heap from the Java gateway's /jmx (its web admin port), when it answers. */
export async function jvmHeap(adminPort: number | undefined): Promise<string | undefined> {
  if (adminPort === undefined) return undefined;
  try {
    const res = await fetch(`http://127.0.0.1:${adminPort}/jmx?qry=java.lang:type=Memory`, { signal: AbortSignal.timeout(3000) });
    const bean = ((await res.json()) as { beans?: { HeapMemoryUsage?: Record<string, number> }[] }).beans?.[0]?.HeapMemoryUsage;
    if (!bean) return undefined;
    const m = (b: number) => `${fmt(b / 1024 / 1024)} MiB`;
    return `heap used ${m(bean.used)}, committed ${m(bean.committed)}, max ${m(bean.max)} (JMX)`;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Other clients of the cluster: the OM audit log
// ---------------------------------------------------------------------------------------------

/**
 * Counts the OM operations on buckets that are not this run's (their names do not start with
 * RUN-), from the lines the OM appends to its audit log: someone else's tests or tools using the
 * same cluster while we measure. Read only between workloads (never during a measured slice). The
 * log rolls over at 20 MB: the rest of the rolled file is read too; a second roll-over between two
 * reads loses lines, and the count is then marked as a lower bound.
 */
export class ForeignOps {
  count = 0;
  lost = false;
  private offset = 0;
  private ino = -1;
  private partial = "";
  /** ops on other buckets per workload label */
  readonly byLabel = new Map<string, number>();
  readonly buckets = new Set<string>();

  /** `ownPrefix`: this run's buckets are named `<ownPrefix>-...` */
  constructor(
    private readonly file: string,
    private readonly ownPrefix: string,
  ) {
    try {
      const st = statSync(file);
      this.offset = st.size;
      this.ino = st.ino;
    } catch {
      // no audit log: nothing is counted
    }
  }

  private readFrom(file: string, from: number, to: number): void {
    if (to <= from) return;
    const fd = openSync(file, "r");
    try {
      const buf = Buffer.alloc(to - from);
      const n = readSync(fd, buf, 0, buf.length, from);
      const lines = (this.partial + buf.subarray(0, n).toString("utf8")).split("\n");
      this.partial = lines.pop() ?? "";
      for (const line of lines) {
        const m = /"bucket":"([^"]*)"/.exec(line);
        if (m && !m[1].startsWith(`${this.ownPrefix}-`)) {
          this.count++;
          this.buckets.add(m[1]);
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Reads what was appended since the last call; returns the running count. */
  poll(): number {
    if (this.ino < 0) return this.count;
    try {
      let st = statSync(this.file);
      if (st.ino !== this.ino) {
        // Rolled over: finish the old file (now <log>.N: log4j2's default "max" index strategy gives
        // the newest roll the highest N), then the new one from 0.
        const rolled = [1, 2, 3, 4, 5].map((n) => `${this.file}.${n}`).find((f) => existsSync(f) && statSync(f).ino === this.ino);
        if (rolled !== undefined) this.readFrom(rolled, this.offset, statSync(rolled).size);
        else this.lost = true;
        this.partial = "";
        this.offset = 0;
        this.ino = st.ino;
      }
      st = statSync(this.file);
      this.readFrom(this.file, this.offset, st.size);
      this.offset = st.size;
    } catch {
      this.lost = true;
    }
    return this.count;
  }

}

export interface GcSnapshot {
  /** old-generation (full) collections: count and total ms */
  fullCount: number;
  fullMs: number;
  heapUsed: number;
  heapMax: number;
  /** the old generation after the last full GC (its live set then) and its maximum, bytes */
  oldAfterGc: number;
  oldMax: number;
}

/** A JVM's GC totals and heap from its /jmx (Hadoop's JMX servlet on the daemon's web port). */
export async function jvmGc(port: number | undefined): Promise<GcSnapshot | undefined> {
  if (port === undefined) return undefined;
  try {
    const get = async (qry: string) =>
      ((await (await fetch(`http://127.0.0.1:${port}/jmx?qry=${qry}`, { signal: AbortSignal.timeout(3000) })).json()) as { beans?: Record<string, unknown>[] }).beans ?? [];
    const gcs = await get("java.lang:type=GarbageCollector,*");
    const mem = (await get("java.lang:type=Memory"))[0]?.HeapMemoryUsage as Record<string, number> | undefined;
    const old = gcs.filter((b) => /MarkSweep|Old|Full/i.test(String(b.Name)));
    type Usage = { key: string; value: { used: number; max: number } };
    const after = ((old[0]?.LastGcInfo as { memoryUsageAfterGc?: Usage[] } | undefined)?.memoryUsageAfterGc ?? []).find((u) => /Tenured|Old/i.test(u.key));
    return {
      fullCount: old.reduce((n, b) => n + Number(b.CollectionCount ?? 0), 0),
      fullMs: old.reduce((n, b) => n + Number(b.CollectionTime ?? 0), 0),
      heapUsed: mem?.used ?? NaN,
      heapMax: mem?.max ?? NaN,
      oldAfterGc: after?.value.used ?? NaN,
      oldMax: after?.value.max ?? NaN,
    };
  } catch {
    return undefined;
  }
}

/**
 * What happened around a workload besides our load, booked per workload label: other clients' OM
 * operations (ForeignOps), and the OM's full garbage collections. The single OM runs with the
 * cluster's -Xmx (512m by default); a heap filled by its Ratis log and retry caches after many
 * writes stops it for ~0.5 s per full GC, for both gateways alike.
 */
export class Watch {
  readonly foreignBy = new Map<string, number>();
  readonly omGcBy = new Map<string, { count: number; ms: number }>();

  constructor(
    readonly foreign: ForeignOps,
    private readonly omWebPort: number | undefined,
  ) {}

  async during<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const f0 = this.foreign.poll();
    const g0 = await jvmGc(this.omWebPort);
    try {
      return await fn();
    } finally {
      this.foreignBy.set(label, (this.foreignBy.get(label) ?? 0) + this.foreign.poll() - f0);
      const g1 = await jvmGc(this.omWebPort);
      if (g0 && g1) {
        const prev = this.omGcBy.get(label) ?? { count: 0, ms: 0 };
        this.omGcBy.set(label, { count: prev.count + g1.fullCount - g0.fullCount, ms: prev.ms + g1.fullMs - g0.fullMs });
      }
    }
  }
}
