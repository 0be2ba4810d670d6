/**
 * Pieces shared by the benchmarks (run.ts: gateway vs bare node:http; ozone.ts: gateway on Ozone vs
 * Ozone's Java S3 gateway): child processes and their clean-up, number formatting, the markdown
 * table, bodies, and the alternating order in which a point's slices are measured.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { RunStats, runFor, send, type Operation, type Target } from "./load.js";

// ---------------------------------------------------------------------------------------------
// The workload settings both benchmarks use (--quick: a short smoke run)
// ---------------------------------------------------------------------------------------------

export const QUICK = process.argv.includes("--quick");
export const DURATION_MS = QUICK ? 500 : 3000;
export const WARMUP_MS = QUICK ? 200 : 500;
export const CONCURRENCIES = [1, 8, 32];
export const SMALL_SIZE = 4 * 1024;
/** distinct 4 KiB bodies, each hashed once */
export const SMALL_BODIES = 8;
/** objects read by the 4 KiB GET runs */
export const GET_OBJECTS = 256;
export const BIG_SIZE = 64 * 1024 * 1024;
export const BIG_ITERATIONS = QUICK ? 2 : 4;
export const BIG_CHUNK = 1024 * 1024;
export const LIST_PREFIXES = 100;
export const BULK_CONCURRENCY = 32;
export const LIST_DURATION_MS = QUICK ? 500 : 3000;

// ---------------------------------------------------------------------------------------------
// Child processes and clean-up
// ---------------------------------------------------------------------------------------------

export interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<void>;
  output(): string;
  stopping: boolean;
}

export const children: Child[] = [];
export const tempDirs: string[] = [];

/** At most this much of a child's output is kept (the head holds the start line, the tail the end). */
const OUTPUT_KEEP = 64 * 1024;

/** Starts `node args...`; resolves once its stdout matches `ready` (the match is returned). */
export function startChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  onDeath: (why: string) => void,
  startTimeoutMs = 20_000,
): Promise<{ child: Child; match: RegExpExecArray }> {
  const child = spawnChild(name, process.execPath, args, env, onDeath);
  const proc = child.proc;
  const out = () => child.output();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in ${startTimeoutMs / 1000} s:\n${out()}`)), startTimeoutMs);
    const check = () => {
      const m = ready.exec(out());
      if (m) {
        clearTimeout(timer);
        proc.stdout!.off("data", check);
        resolve({ child, match: m });
      }
    };
    proc.stdout!.on("data", check);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${out()}`));
    });
  });
}

/**
 * Starts `command args...` (any executable: bench:peers runs Go binaries) with only PATH and `env` in
 * its environment, its output kept for the report; a death not asked for by stopChild calls `onDeath`.
 */
export function spawnChild(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  onDeath: (why: string) => void,
  cwd?: string,
): Child {
  const proc = spawn(command, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"], cwd });
  let out = "";
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 2 * OUTPUT_KEEP) out = `${out.slice(0, OUTPUT_KEEP / 2)}\n[...]\n${out.slice(-OUTPUT_KEEP)}`;
  };
  proc.stdout!.on("data", append);
  proc.stderr!.on("data", append);
  const child: Child = {
    name,
    proc,
    // "error" without "exit" when the command could not be started at all
    exited: new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.once("error", () => resolve());
    }),
    output: () => out,
    stopping: false,
  };
  children.push(child);
  proc.once("exit", (code, signal) => {
    if (!child.stopping) onDeath(`${name} exited unexpectedly (code ${code}, signal ${signal})${process.env.S3G_BENCH_DEBUG ? "\n" + child.output() : ""}`);
  });
  // A command that cannot be started (ENOENT, EACCES) emits "error" and then "exit"; without a
  // listener the error would be thrown out of this process.
  proc.once("error", (err) => {
    out += `\n${name}: ${err.message}\n`;
  });
  return child;
}

export async function stopChild(c: Child): Promise<void> {
  c.stopping = true;
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill("SIGTERM");
  const killed = await Promise.race([c.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref())]);
  if (!killed) {
    c.proc.kill("SIGKILL");
    await c.exited;
  }
}

export async function cleanUp(): Promise<void> {
  await Promise.all(children.map(stopChild));
  for (const d of tempDirs) await rm(d, { recursive: true, force: true });
}

/** On a signal or a crash of this process: kill children outright, remove temp dirs, synchronously. */
export function cleanUpNow(): void {
  for (const c of children) {
    c.stopping = true;
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
  }
  for (const d of tempDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort on the way out
    }
  }
}

/** SIGINT/SIGTERM and the process's exit kill the children and remove the temp dirs. */
export function cleanUpOnExit(): void {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      console.error(`\n${sig}: stopping children and removing ${tempDirs.join(", ")}`);
      cleanUpNow();
      process.exit(130);
    });
  }
  process.once("exit", cleanUpNow);
}

/** A child's output other than its start line, as "name output (N lines...)" blocks for the report. */
export function printChildOutputs(): void {
  for (const c of children) {
    const extra = c
      .output()
      .split("\n")
      .filter((l) => l.trim() !== "" && !/listening on http/.test(l));
    if (extra.length > 0) {
      console.log(`\n${c.name} output (${extra.length} lines${extra.length > 40 ? ", last 40 shown" : ""}):`);
      for (const l of extra.slice(-40)) console.log(`  ${l}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return "-";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "p50 / p99" in ms, "-" without samples. */
export function latency(s: RunStats | undefined): string {
  if (s === undefined || s.latenciesMs.length === 0) return "-";
  return `${fmt(s.percentile(50), 2)} / ${fmt(s.percentile(99), 2)}`;
}

/** One line per kind of failure of a run: "gateway 4 KiB PUT c=8: HTTP 500 InternalError (PUT) x3" + its first body. */
export function failureLines(label: string, target: Target, s: RunStats): string[] {
  const out: string[] = [];
  for (const [kind, n] of s.failures) {
    const sample = s.failureSamples.get(kind);
    out.push(`${target.name} ${label}: ${kind} x${n}${sample ? `\n      first body/message: ${sample.replace(/\s+/g, " ")}` : ""}`);
  }
  return out;
}

/** A markdown table: the first column left-aligned, the others right-aligned. */
export function printTable<K extends string>(head: Record<K, string>, rows: readonly Record<K, string>[]): void {
  const cols = Object.keys(head) as K[];
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...[head, ...rows].map((r) => r[c].length))])) as Record<K, number>;
  const first = cols[0];
  const line = (r: Record<K, string>) => `| ${cols.map((c) => (c === first ? r[c].padEnd(width[c]) : r[c].padStart(width[c]))).join(" | ")} |`;
  console.log(line(head));
  console.log(`|${cols.map((c) => (c === first ? `:${"-".repeat(width[c] + 1)}` : `${"-".repeat(width[c] + 1)}:`)).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Workload helpers
// ---------------------------------------------------------------------------------------------

export interface Body {
  data: Buffer;
  sha256: string;
}

export function makeBody(size: number): Body {
  const data = randomBytes(size);
  return { data, sha256: createHash("sha256").update(data).digest("hex") };
}

export function assertAlive(targets: Target[]): void {
  for (const t of targets) if (t.dead !== undefined) throw new Error(t.dead);
}

/** One setup request that must succeed. */
export async function mustSucceed(target: Target, op: Operation, what: string): Promise<void> {
  const r = await send(target, op.spec);
  if (r.status < 200 || r.status >= 300) throw new Error(`${target.name}: ${what} answered ${r.status} ${r.code ?? ""}\n${r.body ?? ""}`);
}

/**
 * The disk of these machines drifts by a factor of 2-3 over tens of seconds, so a point is measured
 * in ROUNDS slices that alternate between the targets (first target first, then last first, ...),
 * each target's slices added up: a slow patch of the disk hits both about equally.
 */
export const ROUNDS = 3;

export function inTurn<T>(targets: T[], round: number): T[] {
  return round % 2 === 0 ? targets : [...targets].reverse();
}

/**
 * One point: each target warmed up for `warmupMs`, then ROUNDS slices of `durationMs / ROUNDS` each,
 * alternating between the targets; each target's slices added up. `next` is told whose turn it is.
 */
export async function measureAlternating(
  targets: Target[],
  concurrency: number,
  warmupMs: number,
  durationMs: number,
  next: (target: Target) => Operation,
  /** the target process's CPU time so far (ms), to book each slice's into its RunStats.cpuMs */
  cpuMs?: (target: Target) => number | undefined,
): Promise<Map<Target, RunStats>> {
  const result = new Map<Target, RunStats>(targets.map((t) => [t, new RunStats()]));
  for (const t of targets) await runFor(t, concurrency, warmupMs, () => next(t));
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of inTurn(targets, round)) {
      // A dead target's runs return at once; its failures are still collected by the caller.
      const before = cpuMs?.(t);
      const slice = await runFor(t, concurrency, durationMs / ROUNDS, () => next(t));
      const after = cpuMs?.(t);
      if (before !== undefined && after !== undefined) slice.cpuMs = after - before;
      result.get(t)!.merge(slice);
    }
  }
  return result;
}

/** The pid and its descendants (parent links from /proc/<pid>/stat: the field after the ")" of the name). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, "utf8");
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(e));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

/** The machine's CPU time so far (/proc/stat's first line): busy and total jiffies. */
function cpuJiffies(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  // idle and iowait are the time nobody ran
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/** Dirty and under-writeback page cache, in KiB (/proc/meminfo): what the disk still has to take. */
function dirtyKiB(): number {
  let kib = 0;
  for (const line of readFileSync("/proc/meminfo", "utf8").split("\n")) {
    const m = /^(Dirty|Writeback):\s+(\d+)/.exec(line);
    if (m) kib += Number(m[2]);
  }
  return kib;
}

/**
 * Waits until the machine is quiet before a measurement: the CPUs less than `busyBelow` busy over
 * half a second and less than 64 MiB of page cache waiting for the disk, or `maxMs` at most. A
 * server's work after a run (deleting the objects the load generator removed, flushing its files)
 * otherwise falls on whichever server is measured next. Returns how long it waited and whether
 * the machine got quiet.
 */
export async function settle(maxMs = 15_000, busyBelow = 0.2): Promise<{ waitedMs: number; quiet: boolean }> {
  const start = Date.now();
  for (;;) {
    const a = cpuJiffies();
    await new Promise((r) => setTimeout(r, 500));
    const b = cpuJiffies();
    const busy = b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
    const waitedMs = Date.now() - start;
    if (busy < busyBelow && dirtyKiB() < 64 * 1024) return { waitedMs, quiet: true };
    if (waitedMs >= maxMs) return { waitedMs, quiet: false };
  }
}
