/**
 * bench:peers — this gateway against two other S3 servers, measured by the same load generator.
 * Not a test: vitest never runs it, CI never builds the peers.
 *
 *   npm run bench:peers                 (= npx tsc -p . && node dist/bench/peers.js)
 *   node dist/bench/peers.js --quick    (3 s per server and row instead of 15 s)
 *   options: --duration <s>, --workers <n> (our gateway's S3G_WORKERS), --ours-workers 1,2 (our
 *            gateway twice, once per worker count, e.g. for the 2-vs-1-worker GET ratio),
 *            --rows id,id (a subset; ids below), --ours-env NAME=VALUE[,NAME=VALUE] (more
 *            environment for our gateway only, e.g. LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libeatmydata.so
 *            to see what its fsyncs cost: the Go servers make system calls without libc, so a
 *            preloaded library reaches ours alone), --ours-b NAME=VALUE[,NAME=VALUE] (our gateway
 *            a second time, "ours B", with that environment added: a setting measured against the
 *            default in the same interleaved run, e.g. S3G_SENDFILE=false), --help
 *
 * The servers, each started once with its own temp data dir and port, stopped and its dir removed
 * at the end and on SIGINT/SIGTERM:
 * - ours: node dist/runtime/main.js --port 0 --admin-port 0 --data-dir <tmp> (embedded store);
 * - versitygw (github.com/versity/versitygw) with its posix backend on a temp dir;
 * - MinIO (github.com/minio/minio), single drive (`minio server <tmp>`).
 * The load generator is warp (github.com/minio/warp), run once per row and server. The peers and
 * warp are Go programs built from their public sources OUTSIDE this repository by
 * scripts/peers/build.sh (its header says how to get the sources, and how warp's two pinned MinIO
 * modules are replaced); their paths come from the environment:
 *   S3G_PEER_WARP (required), S3G_PEER_VERSITYGW, S3G_PEER_MINIO (a missing peer is skipped, with a line
 *   saying so; ours always runs).
 *
 * Rows (bench/warp.ts ROWS): PUT and GET 4 KiB at c=32 and c=4 (obj/s), PUT and GET 1 MiB at c=8
 * and 64 MiB at c=4 (MiB/s; warp's client, minio-go, uploads 64 MiB as a multipart upload of
 * 16 MiB parts, as a real client does), LIST of 20k objects at c=8 (objects listed per second),
 * and warp mixed (45% GET, 30% HEAD, 15% PUT, 10% DELETE of 64 KiB objects, c=8; requests/s).
 * Each row runs every server in turn, the order rotated from row to row, so a slow patch of the
 * shared disk or CPU does not always hit the same server. Before each cell the bench waits (up to
 * 15 s) for the machine to be quiet: a server's work after its run (deleting the objects warp
 * removed, flushing files) used to fall on the next server measured (a 1 MiB GET row read 367 MiB/s
 * for ours right after MinIO's cells, 898 MiB/s on a quiet machine). Every request is SigV4-signed by warp
 * (its default; payloads streamed with the chunked signature over plain HTTP), path-style.
 * After each row each server's RSS is read from /proc/<pid>/status (VmRSS; ours: summed over its
 * process tree, for the workers).
 *
 * Table: one column per server, then ours/best peer (above 1 = ours faster); with two of ours, also
 * the second's ratio to the first. Below it, the RSS after each row. On a shared 2-core machine the
 * load generator competes with the server: figures are indicative, compare ratios within one run.
 */
import { accessSync, constants, readFileSync } from "node:fs";
import { mkdtemp, mkdir, readFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { cleanUp, cleanUpOnExit, fmt, printTable, processTree, progress, settle, spawnChild, startChild, stopChild, tempDirs, type Child } from "./common.js";
import { ROWS, parseWarpOutput, rowValue, warpArgs, type WarpResult, type WarpRow } from "./warp.js";

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const ACCESS_KEY = "AKIDS3GWBENCH0001";
const SECRET_KEY = "bench-secret-key-0001-abcdefghijklmnop";
const HERE = path.dirname(fileURLToPath(import.meta.url));
const GATEWAY_MAIN = path.resolve(HERE, "../runtime/main.js");
/** How long a peer may take to answer HTTP after its start (MinIO formats its drive first). */
const START_TIMEOUT_MS = 60_000;
/** warp's own time beyond --duration: uploading the objects of a GET/LIST row, and its clean-up. */
const WARP_EXTRA_MS = 10 * 60_000;

const HELP = `usage: node dist/bench/peers.js [--quick] [--duration S] [--workers N] [--ours-workers N,M] [--rows ID,...] [--ours-env NAME=VALUE,...]
env: S3G_PEER_WARP (required), S3G_PEER_VERSITYGW, S3G_PEER_MINIO: paths of the binaries built by scripts/peers/build.sh
rows: ${ROWS.map((r) => r.id).join(", ")}`;

interface Options {
  durationS: number;
  quick: boolean;
  oursWorkers: (number | undefined)[];
  rows: WarpRow[];
  /** the environment added for a second instance of our gateway, "ours B" (--ours-b) */
  oursB: Record<string, string> | undefined;
  /** more environment for our gateway (--ours-env) */
  oursEnv: Record<string, string>;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) fail(`${flag} needs a value\n${HELP}`);
    return v;
  };
  const known = new Set(["--quick", "--duration", "--workers", "--ours-workers", "--rows", "--ours-env", "--ours-b", "--help"]);
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith("--")) continue;
    if (!known.has(argv[i])) fail(`unknown option ${argv[i]}\n${HELP}`);
  }
  const quick = argv.includes("--quick");
  const durationS = Number(value("--duration") ?? (quick ? 3 : 15));
  if (!(durationS >= 1)) fail(`--duration must be a number of seconds >= 1`);
  const count = (s: string, flag: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) fail(`${flag}: ${s} is not a worker count (an integer >= 1)`);
    return n;
  };
  const ow = value("--ours-workers");
  const w = value("--workers");
  if (ow !== undefined && w !== undefined) fail("--workers and --ours-workers exclude each other");
  const oursWorkers = ow !== undefined ? ow.split(",").map((s) => count(s.trim(), "--ours-workers")) : [w === undefined ? undefined : count(w, "--workers")];
  const ids = value("--rows")?.split(",").map((s) => s.trim());
  const rows = ids === undefined ? [...ROWS] : ids.map((id) => ROWS.find((r) => r.id === id) ?? fail(`unknown row ${id}\n${HELP}`));
  const envOf = (flag: string): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const pair of value(flag)?.split(",") ?? []) {
      const eq = pair.indexOf("=");
      if (eq < 1) fail(`${flag}: ${pair} is not NAME=VALUE`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return env;
  };
  const oursB = value("--ours-b") === undefined ? undefined : envOf("--ours-b");
  if (oursB !== undefined && oursWorkers.length > 1) fail("--ours-b and --ours-workers exclude each other");
  return { durationS, quick, oursWorkers, rows, oursEnv: envOf("--ours-env"), oursB };
}

/** A mistake in the options or the environment: reported without a stack trace. */
class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

// ---------------------------------------------------------------------------------------------
// Memory: /proc
// ---------------------------------------------------------------------------------------------

function vmRssKiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // gone
  }
}

function treeRssKiB(root: number): number | undefined {
  const rss = processTree(root).map(vmRssKiB);
  if (rss[0] === undefined) return undefined;
  return rss.reduce<number>((a, b) => a + (b ?? 0), 0);
}

// ---------------------------------------------------------------------------------------------
// The servers
// ---------------------------------------------------------------------------------------------

interface Server {
  /** column title */
  label: string;
  kind: "ours" | "peer";
  child: Child;
  endpoint: string;
  dead?: string;
  rssKiB(): number | undefined;
}

/** A free port on 127.0.0.1 (closed again at once; the server that gets it binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once `host:port` answers HTTP at all (any status: an anonymous GET / is refused by all three). */
async function waitForHttp(child: Child, port: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      throw new Error(`${child.name} exited (code ${child.proc.exitCode}) before answering:\n${child.output()}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/", timeout: 2000, agent: false }, (res) => {
        res.resume();
        resolve(true);
      });
      req.once("error", () => resolve(false));
      req.once("timeout", () => req.destroy());
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`${child.name} did not answer HTTP on port ${port} in ${timeoutMs / 1000} s:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function executable(envVar: string): { path?: string; skip?: string } {
  const p = process.env[envVar];
  if (p === undefined || p === "") return { skip: `${envVar} is not set` };
  try {
    accessSync(p, constants.X_OK);
  } catch {
    return { skip: `${envVar}=${p} is not an executable file` };
  }
  return { path: path.resolve(p) };
}

/** `binary --version`'s first line, for the report ("" if it has none). */
async function versionOf(binary: string, args: string[], lines = 1): Promise<string> {
  const c = spawnChild(`${path.basename(binary)} --version`, binary, args, { HOME: os.tmpdir() }, () => {});
  c.stopping = true;
  const timer = setTimeout(() => c.proc.kill("SIGKILL"), 10_000);
  await c.exited;
  clearTimeout(timer);
  // versitygw prints "Version  : x\nBuild    : y\nBuildTime: z"
  return c
    .output()
    .trim()
    .split("\n")
    .slice(0, lines)
    .map((l) => l.replace(/\s+/g, " ").trim())
    .filter((l) => l !== "")
    .join(", ");
}

async function startOurs(root: string, workers: number | undefined, label: string, extraEnv: Record<string, string>, onDeath: (why: string) => void): Promise<Server> {
  const dir = path.join(root, label.replace(/\W+/g, "-"));
  const env: Record<string, string> = { ...extraEnv, S3G_ACCESS_KEY: ACCESS_KEY, S3G_SECRET_KEY: SECRET_KEY, S3G_LOG_LEVEL: "warn", S3G_AUDIT_LOG: "false" };
  // The gateway's worker count (S3G_WORKERS; a gateway without that setting ignores the variable).
  if (workers !== undefined) env.S3G_WORKERS = String(workers);
  const { child, match } = await startChild(
    label,
    // as the README says to start a one-process gateway (workers get the flag from their primary)
    ["--no-memory-reducer", GATEWAY_MAIN, "--port", "0", "--admin-port", "0", "--data-dir", dir],
    env,
    /listening on http:\/\/([^:\s]+):(\d+)/,
    onDeath,
  );
  const pid = child.proc.pid!;
  return { label, kind: "ours", child, endpoint: `${match[1]}:${match[2]}`, rssKiB: () => treeRssKiB(pid) };
}

async function startVersitygw(binary: string, root: string, onDeath: (why: string) => void): Promise<Server> {
  const dir = path.join(root, "versitygw");
  await mkdir(dir);
  const port = await freePort();
  const child = spawnChild(
    "versitygw",
    binary,
    // --quiet: no line per request on stdout
    ["--port", `127.0.0.1:${port}`, "--quiet", "posix", dir],
    { ROOT_ACCESS_KEY: ACCESS_KEY, ROOT_SECRET_KEY: SECRET_KEY, HOME: root },
    onDeath,
  );
  await waitForHttp(child, port, START_TIMEOUT_MS);
  const pid = child.proc.pid!;
  return { label: "versitygw", kind: "peer", child, endpoint: `127.0.0.1:${port}`, rssKiB: () => vmRssKiB(pid) };
}

async function startMinio(binary: string, root: string, onDeath: (why: string) => void): Promise<Server> {
  const dir = path.join(root, "minio");
  await mkdir(dir);
  const port = await freePort();
  const consolePort = await freePort();
  const child = spawnChild(
    "MinIO",
    binary,
    ["server", dir, "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`, "--quiet"],
    // HOME: its config and certs dir (~/.minio) stays in the temp dir
    { MINIO_ROOT_USER: ACCESS_KEY, MINIO_ROOT_PASSWORD: SECRET_KEY, MINIO_BROWSER: "off", MINIO_UPDATE: "off", HOME: root },
    onDeath,
  );
  await waitForHttp(child, port, START_TIMEOUT_MS);
  const pid = child.proc.pid!;
  return { label: "MinIO", kind: "peer", child, endpoint: `127.0.0.1:${port}`, rssKiB: () => vmRssKiB(pid) };
}

// ---------------------------------------------------------------------------------------------
// One warp run
// ---------------------------------------------------------------------------------------------

interface Cell {
  result?: WarpResult;
  failure?: string;
  rssKiB?: number;
}

async function runWarp(warp: string, row: WarpRow, server: Server, opts: Options, work: string, seq: number): Promise<WarpResult> {
  const name = `warp ${row.id} ${server.label}`;
  const args = warpArgs(row, { endpoint: server.endpoint, accessKey: ACCESS_KEY, secretKey: SECRET_KEY }, {
    durationS: opts.durationS,
    bucket: `warp-${row.id}`,
    benchdata: path.join(work, `${seq}-${row.id}-${server.label.replace(/\W+/g, "-")}`),
  });
  const c = spawnChild(name, warp, args, { HOME: work }, () => {}, work);
  c.stopping = true; // its exit is expected
  // All of stdout: the JSON aggregate can be larger than what Child keeps of an output.
  let stdout = "";
  c.proc.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  const limit = opts.durationS * 1000 + WARP_EXTRA_MS;
  const timer = setTimeout(() => c.proc.kill("SIGKILL"), limit);
  await c.exited;
  clearTimeout(timer);
  const code = c.proc.exitCode;
  try {
    const r = parseWarpOutput(stdout);
    if (code !== 0) throw new Error(`exit code ${code}`);
    return r;
  } catch (err) {
    const tail = c.output().trim().split("\n").slice(-8).join("\n    ");
    throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)} (exit ${code ?? c.proc.signalCode})\n    ${tail}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const mib = (kib: number | undefined) => (kib === undefined ? "-" : `${fmt(kib / 1024, 0)} MiB`);

function cellText(row: WarpRow, c: Cell | undefined): string {
  if (c === undefined) return "-";
  if (c.result === undefined) return "FAILED";
  const v = rowValue(row, c.result);
  const digits = row.unit === "MiB/s" ? 1 : 0;
  return `${fmt(v, digits)} ${row.unit}${c.result.errors > 0 ? ` [${c.result.errors} errors]` : ""}`;
}

function report(servers: Server[], rows: WarpRow[], cells: Map<WarpRow, Map<Server, Cell>>): void {
  const ours = servers.filter((s) => s.kind === "ours");
  const peers = servers.filter((s) => s.kind === "peer");
  type Col = string;
  const head: Record<Col, string> = { workload: "workload" };
  for (const s of servers) head[s.label] = s.label;
  if (peers.length > 0) for (const o of ours) head[`ratio ${o.label}`] = `${ours.length > 1 ? o.label : "ours"}/best`;
  for (const o of ours.slice(1)) head[`vs ${o.label}`] = `${o.label}/${ours[0].label}`;
  const value = (row: WarpRow, s: Server): number | undefined => {
    const r = cells.get(row)?.get(s)?.result;
    return r === undefined ? undefined : rowValue(row, r);
  };
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !(b > 0) ? "-" : `${(a / b).toFixed(2)}x`);
  const lines: Record<Col, string>[] = [];
  for (const row of rows) {
    const line: Record<Col, string> = { workload: row.label };
    for (const s of servers) line[s.label] = cellText(row, cells.get(row)?.get(s));
    const peerValues = peers.map((p) => value(row, p)).filter((v): v is number => v !== undefined);
    const best = peerValues.length > 0 ? Math.max(...peerValues) : undefined;
    if (peers.length > 0) for (const o of ours) line[`ratio ${o.label}`] = ratio(value(row, o), best);
    for (const o of ours.slice(1)) line[`vs ${o.label}`] = ratio(value(row, o), value(row, ours[0]));
    lines.push(line);
  }
  // RSS: the largest reading after a row, and (below the table) every reading.
  const maxRss = (s: Server) => {
    const all = rows.map((r) => cells.get(r)?.get(s)?.rssKiB).filter((v): v is number => v !== undefined);
    return all.length > 0 ? Math.max(...all) : undefined;
  };
  const rssLine: Record<Col, string> = { workload: "RSS, largest after a row (ratio above 1: ours smaller)" };
  for (const s of servers) rssLine[s.label] = mib(maxRss(s));
  const bestPeerRss = peers.map(maxRss).filter((v): v is number => v !== undefined);
  // For memory lower is better: best peer / ours, so above 1 = ours smaller, as for the other rows.
  if (peers.length > 0) for (const o of ours) rssLine[`ratio ${o.label}`] = ratio(bestPeerRss.length > 0 ? Math.min(...bestPeerRss) : undefined, maxRss(o));
  for (const o of ours.slice(1)) rssLine[`vs ${o.label}`] = ratio(maxRss(ours[0]), maxRss(o));
  lines.push(rssLine);
  for (const k of Object.keys(head)) for (const l of lines) l[k] ??= "";
  printTable(head, lines);

  console.log("\nRSS after each row (VmRSS; ours: its process tree):");
  const rssHead: Record<Col, string> = { workload: "after" };
  for (const s of servers) rssHead[s.label] = s.label;
  printTable(
    rssHead,
    rows.map((row) => {
      const l: Record<Col, string> = { workload: row.label };
      for (const s of servers) l[s.label] = mib(cells.get(row)?.get(s)?.rssKiB);
      return l;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

cleanUpOnExit();

async function main(): Promise<void> {
  if (process.argv.includes("--help")) {
    console.log(HELP);
    return;
  }
  const opts = parseOptions(process.argv.slice(2));
  const warp = executable("S3G_PEER_WARP");
  if (warp.path === undefined) {
    fail(`${warp.skip}: bench:peers needs warp (scripts/peers/build.sh builds it, with versitygw and MinIO; see its header)`);
  }
  try {
    await readFile(GATEWAY_MAIN);
  } catch {
    fail(`${GATEWAY_MAIN} is missing: build first (npx tsc -p .)`);
  }
  const started = performance.now();
  const root = await mkdtemp(path.join(os.tmpdir(), "s3g-peers-"));
  tempDirs.push(root);
  const work = path.join(root, "warp");
  await mkdir(work);

  const servers: Server[] = [];
  const deaths: string[] = [];
  const skipped: string[] = [];
  const onDeath = (label: string) => (why: string) => {
    const s = servers.find((x) => x.label === label);
    if (s) s.dead = why;
    deaths.push(why);
    progress(why);
  };
  const versions: string[] = [];
  for (const w of opts.oursWorkers) {
    const label = opts.oursWorkers.length > 1 ? `ours ${w}w` : "ours";
    servers.push(await startOurs(root, w, label, opts.oursEnv, onDeath(label)));
  }
  if (opts.oursB !== undefined) {
    servers.push(await startOurs(root, opts.oursWorkers[0], "ours B", { ...opts.oursEnv, ...opts.oursB }, onDeath("ours B")));
    versions.push(`ours B: ours with ${Object.entries(opts.oursB).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  }
  versions.unshift(`warp: ${await versionOf(warp.path, ["--version"])}`);
  const vgw = executable("S3G_PEER_VERSITYGW");
  if (vgw.path !== undefined) {
    servers.push(await startVersitygw(vgw.path, root, onDeath("versitygw")));
    versions.push(`versitygw: ${await versionOf(vgw.path, ["--version"], 3)}`);
  } else skipped.push(`versitygw skipped: ${vgw.skip}`);
  const minio = executable("S3G_PEER_MINIO");
  if (minio.path !== undefined) {
    servers.push(await startMinio(minio.path, root, onDeath("MinIO")));
    versions.push(`MinIO: ${await versionOf(minio.path, ["--version"])}`);
  } else skipped.push(`MinIO skipped: ${minio.skip}`);
  for (const s of skipped) progress(s);
  progress(`servers: ${servers.map((s) => `${s.label} on ${s.endpoint}`).join(", ")}; data in ${root}`);

  const cells = new Map<WarpRow, Map<Server, Cell>>();
  const failures: string[] = [];
  const settles: { waitedMs: number; quiet: boolean }[] = [];
  let seq = 0;
  try {
    for (const [i, row] of opts.rows.entries()) {
      const rowCells = new Map<Server, Cell>();
      cells.set(row, rowCells);
      // Rotated order: row i starts with server i mod n.
      const order = servers.map((_, k) => servers[(i + k) % servers.length]);
      for (const s of order) {
        if (s.dead !== undefined) {
          rowCells.set(s, { failure: s.dead });
          continue;
        }
        const cell: Cell = {};
        // the previous cell's server may still be at work (deleting what warp removed, flushing)
        const quiet = await settle();
        settles.push(quiet);
        try {
          cell.result = await runWarp(warp.path, row, s, opts, work, seq++);
          const r = cell.result;
          progress(`${row.label} ${s.label}: ${fmt(rowValue(row, r), row.unit === "MiB/s" ? 1 : 0)} ${row.unit}${r.errors ? `, ${r.errors} errors (${r.firstErrors.slice(0, 2).join("; ")})` : ""}`);
          if (r.errors > 0) failures.push(`${s.label} ${row.label}: ${r.errors} errors; first: ${r.firstErrors.slice(0, 3).join("; ") || "?"}`);
        } catch (err) {
          cell.failure = err instanceof Error ? err.message : String(err);
          failures.push(cell.failure);
          progress(cell.failure);
        }
        cell.rssKiB = s.rssKiB();
        rowCells.set(s, cell);
      }
    }
  } finally {
    const seconds = (performance.now() - started) / 1000;
    const cpus = os.cpus();
    console.log("");
    console.log(
      `bench:peers: node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? "?"}), ${os.platform()} ${os.release()}; ` +
        `warp --duration ${opts.durationS}s per server and row; total ${fmt(seconds, 0)} s${opts.quick ? " (--quick)" : ""}`,
    );
    console.log(versions.join("; "));
    for (const s of skipped) console.log(s);
    if (settles.length > 0) {
      const noisy = settles.filter((q) => !q.quiet).length;
      const avg = settles.reduce((a, q) => a + q.waitedMs, 0) / settles.length / 1000;
      console.log(`Before each cell the machine was let settle (CPUs under 20% busy, under 64 MiB dirty pages): ${fmt(avg, 1)} s on average; ${noisy === 0 ? "every cell started quiet" : `${noisy} of ${settles.length} cells started on a busy machine (15 s limit): other work shared it`}.`);
    }
    console.log("");
    report(servers, opts.rows, cells);
    const whole = [...cells.values()].some((m) => [...m.values()].some((c) => c.result?.source === "json-whole-run"));
    if (whole) console.log(`\nNote: warp's average leaves out the first and last 2 s of a run; runs too short for that (--duration under ~6 s) show the whole run's average, ramp-up included.`);
    for (const d of deaths) console.log(`\nPROCESS DIED: ${d} (any output it printed is below)`);
    console.log(failures.length === 0 ? "\nNo failed runs or requests." : "\nFailures:");
    for (const f of failures) console.log(`  - ${f}`);
    await Promise.all(servers.map((s) => stopChild(s.child)));
    // The servers' own output (a failed warp run's is in its failure line).
    printServerOutputs(servers);
    await cleanUp();
  }
}

function printServerOutputs(servers: Server[]): void {
  for (const s of servers) {
    const lines = s.child
      .output()
      .split("\n")
      // not the gateway's start-up lines
      .filter((l) => l.trim() !== "" && !/listening on http|^\s*(S3 endpoint|admin endpoint|storage|credentials):/.test(l));
    if (lines.length > 0) {
      console.log(`\n${s.label} output (${lines.length} lines${lines.length > 20 ? ", last 20 shown" : ""}):`);
      for (const l of lines.slice(-20)) console.log(`  ${l}`);
    }
  }
}

main().catch(async (err: unknown) => {
  console.error(`bench:peers failed: ${err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
  await cleanUp();
});
