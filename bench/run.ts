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
import { existsSync } from "node:fs";
import { mkdtemp, mkdir } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { EMPTY_SHA256 } from "../runtime/auth/sigv4.js";
import { assertAlive, cleanUp, cleanUpOnExit, failureLines, fmt, inTurn, latency, makeBody, measureAlternating, mustSucceed, printChildOutputs, printTable as printMarkdownTable, progress, startChild, tempDirs, type Body, QUICK, DURATION_MS, WARMUP_MS, CONCURRENCIES, SMALL_SIZE, SMALL_BODIES, GET_OBJECTS, BIG_SIZE, BIG_ITERATIONS, BIG_CHUNK, LIST_PREFIXES, BULK_CONCURRENCY, LIST_DURATION_MS } from "./common.js";
import { RunStats, runCount, runFor, type Operation, type Target } from "./load.js";
import { Signer, queryString, s3Path } from "./sign.js";

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const LIST_KEYS = QUICK ? 5_000 : 100_000;
/**
 * The bulk load stops here even if not done, so that the whole run stays near 5 minutes on a slow
 * disk (the rest takes about 75 s; small objects are stored at ~10k/s on the reference machine).
 */
const BULK_MAX_MS = QUICK ? 30_000 : 210_000;
const BUCKET = "bench";
const LIST_BUCKET = "bench-list";
const ACCESS_KEY = "AKIDS3GWBENCH0001";
const SECRET_KEY = "bench-secret-key-0001-abcdefghijklmnop";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GATEWAY_MAIN = path.resolve(HERE, "../runtime/main.js");
const BASELINE_MAIN = path.join(HERE, "baseline-server.js");

// ---------------------------------------------------------------------------------------------
// Clean-up (children and temp dirs: common.ts)
// ---------------------------------------------------------------------------------------------

cleanUpOnExit();

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

function collectFailures(label: string, target: Target, s: RunStats): void {
  failures.push(...failureLines(label, target, s));
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
  printMarkdownTable(head, rows);
}

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

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

async function measurePoint(targets: Target[], label: string, concurrency: number, next: () => Operation): Promise<Map<Target, RunStats>> {
  // Slices alternating between gateway and baseline (common.ts): the disk drifts over tens of seconds.
  const result = await measureAlternating(targets, concurrency, WARMUP_MS, DURATION_MS, next);
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
    printChildOutputs();
    await cleanUp();
  }
}

main().catch(async (err: unknown) => {
  console.error(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
  // A failure before the measuring started leaves children running, which would keep this process alive.
  await cleanUp();
});
