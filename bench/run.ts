/**
 * The gateway benchmark (not a test: vitest never runs it).
 *
 *   npm run bench            (= npx tsc -p . && node dist/bench/run.js)
 *   node dist/bench/run.js --quick   (short smoke run: 0.5 s per point, 5,000 list keys)
 *
 * In one run, on one machine, it starts two server processes and loads each in turn from this
 * process (so the load generator never shares a server's event loop):
 * - the real gateway: node dist/runtime/main.js --port 0 --admin-port 0 --data-dir <tmp>;
 * - a baseline: a bare node:http server doing only the body work of an S3 PUT/GET (MD5, SHA-256
 *   when a payload hash is sent, write + fdatasync; GET streams the file back). baseline-server.ts
 *   says exactly what it does and does not do.
 * Every request is really signed (SigV4 Authorization header, x-amz-content-sha256 = hex SHA-256
 * of the body); the baseline ignores the signature but the client pays the same to make it.
 *
 * Workloads: 4 KiB PUT and GET ops/s at concurrency 1, 8, 32 (fixed duration after a warm-up);
 * 64 MiB PUT and GET MiB/s (concurrency 1, a few iterations, the body streamed from one buffer);
 * a bulk load of 100k small keys at concurrency 32 (ops/s), then ListObjectsV2 latency in that
 * bucket (max-keys 1000 from a random start-after; and delimiter "/"). Lists have no baseline.
 *
 * The ratio is gateway/baseline: for ops/s and MiB/s, below 1 means the gateway is slower. Two cores
 * are shared by client and server; compare ratios within one run, not absolute numbers across runs.
 * Children and the temp directory are removed at the end, on errors and on SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { EMPTY_SHA256 } from "../runtime/auth/sigv4.js";
import { RunStats, runCount, runFor, send, type Operation, type Target } from "./load.js";
import { Signer, queryString, s3Path } from "./sign.js";

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const QUICK = process.argv.includes("--quick");
const DURATION_MS = QUICK ? 500 : 3000;
const WARMUP_MS = QUICK ? 200 : 500;
const CONCURRENCIES = [1, 8, 32];
const SMALL_SIZE = 4 * 1024;
/** distinct 4 KiB bodies, each hashed once */
const SMALL_BODIES = 8;
/** objects read by the 4 KiB GET runs */
const GET_OBJECTS = 256;
const BIG_SIZE = 64 * 1024 * 1024;
const BIG_ITERATIONS = QUICK ? 2 : 4;
const BIG_CHUNK = 1024 * 1024;
const LIST_PREFIXES = 100;
const LIST_KEYS = QUICK ? 5_000 : 100_000;
const BULK_CONCURRENCY = 32;
/**
 * The bulk load stops here even if not done, so that the whole run stays near 5 minutes on a slow
 * disk (the rest takes about 75 s; small objects are stored at ~10k/s on the reference machine).
 */
const BULK_MAX_MS = QUICK ? 30_000 : 210_000;
const LIST_DURATION_MS = QUICK ? 500 : 3000;
const BUCKET = "bench";
const LIST_BUCKET = "bench-list";
const ACCESS_KEY = "AKIDS3GWBENCH0001";
const SECRET_KEY = "bench-secret-key-0001-abcdefghijklmnop";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GATEWAY_MAIN = path.resolve(HERE, "../runtime/main.js");
const BASELINE_MAIN = path.join(HERE, "baseline-server.js");

// ---------------------------------------------------------------------------------------------
// Child processes and clean-up
// ---------------------------------------------------------------------------------------------

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<void>;
  output(): string;
  stopping: boolean;
}

const children: Child[] = [];
const tempDirs: string[] = [];

/** At most this much of a child's output is kept (the head holds the start line, the tail the end). */
const OUTPUT_KEEP = 64 * 1024;

function startChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  onDeath: (why: string) => void,
): Promise<{ child: Child; match: RegExpExecArray }> {
  const proc = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
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
    exited: new Promise<void>((resolve) => proc.once("exit", () => resolve())),
    output: () => out,
    stopping: false,
  };
  children.push(child);
  proc.once("exit", (code, signal) => {
    if (!child.stopping) onDeath(`${name} exited unexpectedly (code ${code}, signal ${signal})`);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 20 s:\n${out}`)), 20_000);
    const check = () => {
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout!.off("data", check);
        resolve({ child, match: m });
      }
    };
    proc.stdout!.on("data", check);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${out}`));
    });
  });
}

async function stopChild(c: Child): Promise<void> {
  c.stopping = true;
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill("SIGTERM");
  const killed = await Promise.race([c.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref())]);
  if (!killed) {
    c.proc.kill("SIGKILL");
    await c.exited;
  }
}

async function cleanUp(): Promise<void> {
  await Promise.all(children.map(stopChild));
  for (const d of tempDirs) await rm(d, { recursive: true, force: true });
}

/** On a signal or a crash of this process: kill children outright, remove temp dirs, synchronously. */
function cleanUpNow(): void {
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

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping children and removing ${tempDirs.join(", ")}`);
    cleanUpNow();
    process.exit(130);
  });
}
process.once("exit", cleanUpNow);

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

interface Row {
  workload: string;
  gateway: string;
  baseline: string;
  ratio: string;
  gatewayLatency: string;
  baselineLatency: string;
}

const rows: Row[] = [];
/** "gateway 4 KiB PUT c=8: HTTP 500 InternalError (PUT) x3" */
const failures: string[] = [];
const notes: string[] = [];
/** "gateway exited unexpectedly (code 1, signal null)" */
const deaths: string[] = [];

function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return "-";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function latency(s: RunStats | undefined): string {
  if (s === undefined || s.latenciesMs.length === 0) return "-";
  return `${fmt(s.percentile(50), 2)} / ${fmt(s.percentile(99), 2)}`;
}

function collectFailures(label: string, target: Target, s: RunStats): void {
  for (const [kind, n] of s.failures) {
    const sample = s.failureSamples.get(kind);
    failures.push(`${target.name} ${label}: ${kind} x${n}${sample ? `\n      first body/message: ${sample.replace(/\s+/g, " ")}` : ""}`);
  }
}

function addRow(workload: string, unit: string, digits: number, gw: RunStats, base: RunStats | undefined, value: (s: RunStats) => number): void {
  const g = value(gw);
  const b = base === undefined ? NaN : value(base);
  rows.push({
    workload,
    gateway: `${fmt(g, digits)} ${unit}`,
    baseline: base === undefined ? "-" : `${fmt(b, digits)} ${unit}`,
    ratio: base === undefined || !(b > 0) ? "-" : `${(g / b).toFixed(2)}x`,
    gatewayLatency: latency(gw),
    baselineLatency: latency(base),
  });
}

function printTable(): void {
  const head: Row = {
    workload: "workload",
    gateway: "gateway",
    baseline: "baseline",
    ratio: "ratio (gw/base)",
    gatewayLatency: "gw p50 / p99 ms",
    baselineLatency: "base p50 / p99 ms",
  };
  const cols = Object.keys(head) as (keyof Row)[];
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...[head, ...rows].map((r) => r[c].length))])) as Record<keyof Row, number>;
  const line = (r: Row) => `| ${cols.map((c) => (c === "workload" ? r[c].padEnd(width[c]) : r[c].padStart(width[c]))).join(" | ")} |`;
  console.log(line(head));
  console.log(`|${cols.map((c) => (c === "workload" ? `:${"-".repeat(width[c] + 1)}` : `${"-".repeat(width[c] + 1)}:`)).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

interface Body {
  data: Buffer;
  sha256: string;
}

function makeBody(size: number): Body {
  const data = randomBytes(size);
  return { data, sha256: createHash("sha256").update(data).digest("hex") };
}

function putOp(key: string, body: Body, bucket = BUCKET): Operation {
  return {
    spec: { method: "PUT", path: s3Path(bucket, key), body: body.data, chunkSize: BIG_CHUNK, payloadHash: body.sha256 },
    bytes: body.data.length,
  };
}

function getOp(key: string, size: number): Operation {
  return {
    spec: { method: "GET", path: s3Path(BUCKET, key), payloadHash: EMPTY_SHA256 },
    bytes: size,
    check: (r) => (r.bytes === size ? undefined : `short body: ${r.bytes} of ${size} bytes (GET)`),
  };
}

function assertAlive(targets: Target[]): void {
  for (const t of targets) if (t.dead !== undefined) throw new Error(t.dead);
}

/** One setup request that must succeed. */
async function mustSucceed(target: Target, op: Operation, what: string): Promise<void> {
  const r = await send(target, op.spec);
  if (r.status < 200 || r.status >= 300) throw new Error(`${target.name}: ${what} answered ${r.status} ${r.code ?? ""}\n${r.body ?? ""}`);
}

/**
 * The disk of these machines drifts by a factor of 2-3 over tens of seconds, so a point is measured
 * in ROUNDS slices that alternate between the targets (gateway first, then baseline first, ...),
 * each target's slices added up: a slow patch of the disk hits both about equally.
 */
const ROUNDS = 3;

function inTurn(targets: Target[], round: number): Target[] {
  return round % 2 === 0 ? targets : [...targets].reverse();
}

async function measurePoint(targets: Target[], label: string, concurrency: number, next: () => Operation): Promise<Map<Target, RunStats>> {
  const result = new Map<Target, RunStats>(targets.map((t) => [t, new RunStats()]));
  for (const t of targets) await runFor(t, concurrency, WARMUP_MS, next);
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of inTurn(targets, round)) {
      // A dead target's runs return at once; its failures are still collected below.
      result.get(t)!.merge(await runFor(t, concurrency, DURATION_MS / ROUNDS, next));
    }
  }
  for (const t of targets) {
    const s = result.get(t)!;
    collectFailures(label, t, s);
    progress(`${label} ${t.name}: ${fmt(s.opsPerSecond())} ops/s${s.failed ? `, ${s.failed} failed` : ""}`);
  }
  assertAlive(targets);
  return result;
}

async function smallObjects(targets: Target[]): Promise<void> {
  const bodies = Array.from({ length: SMALL_BODIES }, () => makeBody(SMALL_SIZE));
  let seq = 0;
  for (const t of targets) {
    const s = await runCount(t, 8, GET_OBJECTS, (i) => putOp(`get4k/${i}`, bodies[i % SMALL_BODIES]));
    collectFailures("4 KiB GET set-up", t, s);
    if (s.ok !== GET_OBJECTS) throw new Error(`${t.name}: only ${s.ok} of ${GET_OBJECTS} GET objects could be written`);
  }
  const [gw, base] = targets;
  for (const c of CONCURRENCIES) {
    // New keys every time (no overwrites): the common case, and no old version to clean up.
    const r = await measurePoint(targets, `4 KiB PUT c=${c}`, c, () => putOp(`put4k/${seq}`, bodies[seq++ % SMALL_BODIES]));
    addRow(`PUT 4 KiB, c=${c}`, "ops/s", 0, r.get(gw)!, r.get(base)!, (s) => s.opsPerSecond());
  }
  for (const c of CONCURRENCIES) {
    const r = await measurePoint(targets, `4 KiB GET c=${c}`, c, () => getOp(`get4k/${Math.floor(Math.random() * GET_OBJECTS)}`, SMALL_SIZE));
    addRow(`GET 4 KiB, c=${c}`, "ops/s", 0, r.get(gw)!, r.get(base)!, (s) => s.opsPerSecond());
  }
}

async function bigObjects(targets: Target[]): Promise<void> {
  const body = makeBody(BIG_SIZE);
  const put = new Map<Target, RunStats>(targets.map((t) => [t, new RunStats()]));
  const get = new Map<Target, RunStats>(targets.map((t) => [t, new RunStats()]));
  for (const t of targets) await mustSucceed(t, putOp("big/warm", body), "64 MiB warm-up PUT");
  // One object at a time, alternating targets, as for the small points.
  for (let i = 0; i < BIG_ITERATIONS; i++) {
    for (const t of inTurn(targets, i)) {
      put.get(t)!.merge(await runCount(t, 1, 1, () => putOp(`big/${i}`, body)));
    }
  }
  for (const t of targets) await runCount(t, 1, 1, () => getOp("big/warm", BIG_SIZE));
  for (let i = 0; i < BIG_ITERATIONS; i++) {
    for (const t of inTurn(targets, i)) {
      get.get(t)!.merge(await runCount(t, 1, 1, () => getOp(`big/${i}`, BIG_SIZE)));
    }
  }
  for (const t of targets) {
    collectFailures("64 MiB PUT", t, put.get(t)!);
    collectFailures("64 MiB GET", t, get.get(t)!);
    progress(`64 MiB ${t.name}: PUT ${fmt(put.get(t)!.mibPerSecond(), 1)} MiB/s, GET ${fmt(get.get(t)!.mibPerSecond(), 1)} MiB/s`);
  }
  assertAlive(targets);
  addRow(`PUT 64 MiB, c=1 (x${BIG_ITERATIONS})`, "MiB/s", 1, put.get(targets[0])!, put.get(targets[1])!, (s) => s.mibPerSecond());
  addRow(`GET 64 MiB, c=1 (x${BIG_ITERATIONS})`, "MiB/s", 1, get.get(targets[0])!, get.get(targets[1])!, (s) => s.mibPerSecond());
}

/** Key i of the listing bucket: LIST_PREFIXES "directories", written round-robin across them. */
function listKey(i: number): string {
  return listKeyAt(i % LIST_PREFIXES, Math.floor(i / LIST_PREFIXES));
}

function listKeyAt(prefix: number, n: number): string {
  return `d${String(prefix).padStart(3, "0")}/k${String(n).padStart(6, "0")}`;
}

async function listing(gateway: Target): Promise<void> {
  await mustSucceed(gateway, { spec: { method: "PUT", path: s3Path(LIST_BUCKET), payloadHash: EMPTY_SHA256 }, bytes: 0 }, "CreateBucket");
  const tiny = makeBody(32);
  progress(`bulk load: ${fmt(LIST_KEYS)} keys of ${tiny.data.length} B at c=${BULK_CONCURRENCY} (stops after ${BULK_MAX_MS / 1000} s)`);
  let lastLog = 0;
  const bulk = await runCount(gateway, BULK_CONCURRENCY, LIST_KEYS, (i) => putOp(listKey(i), tiny, LIST_BUCKET), {
    maxMs: BULK_MAX_MS,
    onProgress: (done, s) => {
      const now = performance.now();
      if (now - lastLog < 10_000) return;
      lastLog = now;
      progress(`bulk load: ${fmt(done)} done, ${s.failed} failed`);
    },
  });
  collectFailures("bulk load", gateway, bulk);
  const loaded = bulk.ok;
  progress(`bulk load: ${fmt(loaded)} keys in ${fmt(bulk.elapsedMs / 1000, 1)} s = ${fmt(bulk.opsPerSecond())} ops/s`);
  if (loaded < LIST_KEYS) {
    notes.push(`bulk load stopped at ${fmt(loaded)} of ${fmt(LIST_KEYS)} keys (time cap ${BULK_MAX_MS / 1000} s or failures): list figures are for that many keys`);
  }
  addRow(`bulk load ${fmt(LIST_KEYS / 1000)}k x 32 B PUT, c=${BULK_CONCURRENCY}`, "ops/s", 0, bulk, undefined, (s) => s.opsPerSecond());
  assertAlive([gateway]);

  const complete = loaded === LIST_KEYS;
  const perPrefix = Math.ceil(LIST_KEYS / LIST_PREFIXES);
  const count = (body: string | undefined, re: RegExp) => (body?.match(re) ?? []).length;
  const pageOp = (): Operation => {
    // A page from anywhere in the key space, always with 1000 keys after it when the load is complete.
    const p = Math.floor(Math.random() * (LIST_PREFIXES - Math.ceil(1000 / perPrefix)));
    const startAfter = listKeyAt(p, Math.floor(Math.random() * perPrefix));
    return {
      spec: {
        method: "GET",
        path: s3Path(LIST_BUCKET),
        query: queryString({ "list-type": "2", "max-keys": "1000", "start-after": startAfter }),
        payloadHash: EMPTY_SHA256,
        keepBody: true,
      },
      bytes: 0,
      check: (r) => {
        const keys = count(r.body, /<Key>/g);
        return (complete ? keys === 1000 : keys > 0) ? undefined : `ListObjectsV2 page with ${keys} keys`;
      },
    };
  };
  await runFor(gateway, 1, WARMUP_MS, pageOp);
  const page = await runFor(gateway, 1, LIST_DURATION_MS, pageOp);
  collectFailures("ListObjectsV2 max-keys=1000", gateway, page);
  addRow(`ListObjectsV2 max-keys=1000 (${fmt(loaded / 1000)}k keys)`, "ms p50", 2, page, undefined, (s) => s.percentile(50));
  progress(`ListObjectsV2 max-keys=1000: p50 ${latency(page)} ms (${page.ok} samples)`);

  const delimOp = (): Operation => ({
    spec: {
      method: "GET",
      path: s3Path(LIST_BUCKET),
      query: queryString({ "list-type": "2", "max-keys": "1000", delimiter: "/" }),
      payloadHash: EMPTY_SHA256,
      keepBody: true,
    },
    bytes: 0,
    check: (r) => {
      const prefixes = count(r.body, /<CommonPrefixes>/g);
      return prefixes === LIST_PREFIXES || (!complete && prefixes > 0) ? undefined : `delimiter listing with ${prefixes} common prefixes`;
    },
  });
  await runFor(gateway, 1, WARMUP_MS, delimOp);
  const delim = await runFor(gateway, 1, LIST_DURATION_MS, delimOp);
  collectFailures("ListObjectsV2 delimiter=/", gateway, delim);
  addRow(`ListObjectsV2 delimiter=/ (${LIST_PREFIXES} prefixes)`, "ms p50", 2, delim, undefined, (s) => s.percentile(50));
  progress(`ListObjectsV2 delimiter=/: p50 ${latency(delim)} ms (${delim.ok} samples)`);
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  for (const f of [GATEWAY_MAIN, BASELINE_MAIN]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: build first (npx tsc -p .)`);
  }
  const started = performance.now();
  const root = await mkdtemp(path.join(os.tmpdir(), "s3g-bench-"));
  tempDirs.push(root);
  const gwDir = path.join(root, "gateway");
  const baseDir = path.join(root, "baseline");
  await mkdir(baseDir);

  const targets: Target[] = [];
  const onDeath = (name: string) => (why: string) => {
    const t = targets.find((x) => x.name === name);
    if (t) t.dead = why;
    deaths.push(why);
    progress(why);
  };
  const gw = await startChild(
    "gateway",
    [GATEWAY_MAIN, "--port", "0", "--admin-port", "0", "--data-dir", gwDir],
    { S3G_ACCESS_KEY: ACCESS_KEY, S3G_SECRET_KEY: SECRET_KEY, S3G_LOG_LEVEL: "warn", S3G_AUDIT_LOG: "false" },
    /listening on http:\/\/([^:\s]+):(\d+) \(admin http:\/\/([^:\s]+):(\d+)/,
    onDeath("gateway"),
  );
  const base = await startChild("baseline", [BASELINE_MAIN, "--dir", baseDir], {}, /listening on http:\/\/([^:\s]+):(\d+)/, onDeath("baseline"));
  const signer = new Signer(ACCESS_KEY, SECRET_KEY);
  const agent = () => new http.Agent({ keepAlive: true, maxSockets: 64 });
  targets.push({ name: "gateway", host: gw.match[1], port: Number(gw.match[2]), agent: agent(), signer });
  targets.push({ name: "baseline", host: base.match[1], port: Number(base.match[2]), agent: agent(), signer });
  progress(`gateway on ${gw.match[1]}:${gw.match[2]} (admin ${gw.match[4]}), baseline on ${base.match[1]}:${base.match[2]}; data in ${root}`);

  try {
    for (const t of targets) {
      await mustSucceed(t, { spec: { method: "PUT", path: s3Path(BUCKET), payloadHash: EMPTY_SHA256 }, bytes: 0 }, "CreateBucket");
    }
    await smallObjects(targets);
    await bigObjects(targets);
    await listing(targets[0]);
  } finally {
    for (const t of targets) t.agent.destroy();
    const seconds = (performance.now() - started) / 1000;
    const cpus = os.cpus();
    console.log("");
    console.log(
      `S3 gateway benchmark: node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? "?"}), ${os.platform()} ${os.release()}; ` +
        `${DURATION_MS / 1000} s per point after ${WARMUP_MS / 1000} s warm-up; total ${fmt(seconds, 0)} s${QUICK ? " (--quick)" : ""}`,
    );
    console.log("baseline = bare node:http, MD5 + SHA-256 of the body, write + fdatasync (PUT) / stream the file (GET); every request SigV4-signed with a payload hash");
    console.log("");
    printTable();
    if (notes.length > 0) {
      console.log("\nNotes:");
      for (const n of notes) console.log(`  - ${n}`);
    }
    for (const d of deaths) console.log(`\nPROCESS DIED: ${d} (any output it printed is below)`);
    console.log(failures.length === 0 ? "\nNo failed requests." : "\nFailed requests:");
    for (const f of failures) console.log(`  - ${f}`);
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
    await cleanUp();
  }
}

main().catch(async (err: unknown) => {
  console.error(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
  // A failure before the measuring started leaves children running, which would keep this process alive.
  await cleanUp();
});
