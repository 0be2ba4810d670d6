/**
 * CPU cost per request of the gateway (not a test, not part of `npm run bench`): what a profiling
 * session measures a hot-path change by, on a machine where wall-clock throughput is too noisy
 * (two cores shared with the client and with other work).
 *
 *   npm run -s build && node dist/bench/cpu.js [--prof <dir>] [workload ...]
 *
 * Starts the gateway (node dist/runtime/main.js, with --cpu-prof into <dir> when --prof is given;
 * one process unless `--workers N`; on the embedded store, or with `--ozone <OM gRPC address>` on
 * a running Ozone cluster, e.g. `node scripts/ozone/cluster.mjs up --datanodes 3` prints it: the
 * run's bucket `cpu-<pid>` and its keys stay there), then for each workload sends a fixed number
 * of requests after a warm-up and reads the gateway's CPU time (user + system, /proc/<pid>/stat, the primary and its
 * workers summed) before and after: µs of server CPU per request.
 * Workloads (all by default):
 *   put4k get4k          4 KiB PUT (c=8) and GET (c=32), payload hash signed
 *   head4k               HeadObject of 4 KiB objects, c=32 (warp mixed's STAT)
 *   get1m                1 MiB GET, c=8 (64 objects)
 *   put1m                1 MiB PUT, c=8, as aws-chunked with chunk signatures in 64 KiB chunks (warp's 1 MiB row)
 *   put64 get64          64 MiB PUT (x-amz-content-sha256 = hex SHA-256) and GET, c=1
 *   put64chunked         64 MiB PUT as aws-chunked with chunk signatures in 64 KiB chunks
 *                        (STREAMING-AWS4-HMAC-SHA256-PAYLOAD: what warp and minio-go send)
 *   put64crc32c          the same with x-amz-checksum-crc32c, as minio-go sends with each part
 *   list                 ListObjectsV2 max-keys=1000 over 5,000 keys
 */
import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { computeChecksum } from "../runtime/auth/checksums.js";
import { EMPTY_SHA256 } from "../runtime/auth/sigv4.js";
import { cleanUp, cleanUpOnExit, fmt, makeBody, mustSucceed, startChild, tempDirs, type Body } from "./common.js";
import { runCount, type Operation, type RunStats, type Target } from "./load.js";
import { Signer, queryString, s3Path } from "./sign.js";

const ACCESS_KEY = "AKIDS3GWBENCH0001";
const SECRET_KEY = "bench-secret-key-0001-abcdefghijklmnop";
/** a bucket of its own per run: on Ozone the cluster outlives the run */
const BUCKET = `cpu-${process.pid}`;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const GATEWAY_MAIN = path.resolve(HERE, "../runtime/main.js");
/** minio-go's chunk size for signed streaming uploads */
const AWS_CHUNK = 64 * 1024;
const MIB = 1024 * 1024;

/** S3G_* variables of this process's environment, passed on to the gateway (a setting to compare runs by) */
function gatewayEnvOverrides(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("S3G_") && e[1] !== undefined));
}

interface Workload {
  name: string;
  concurrency: number;
  count: number;
  warmup: number;
  setUp?: (t: Target) => Promise<void>;
  op: (i: number) => Operation;
}

/** One process's CPU time so far in µs, user and system: /proc/<pid>/stat (clock ticks, 100/s). */
function ownCpuMicros(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  return { user: Number(fields[11]) * 10_000, system: Number(fields[12]) * 10_000 };
}

/** The children of a process (its workers), from /proc/<pid>/task/<tid>/children. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${tid}/children`, "latin1").trim();
    if (text !== "") out.push(...text.split(" ").map(Number));
  }
  return out;
}

/** The CPU time of the gateway: the process and its workers (which live as long as the run). */
function cpuMicros(pid: number): { user: number; system: number } {
  const total = ownCpuMicros(pid);
  for (const child of childrenOf(pid)) {
    const c = ownCpuMicros(child);
    total.user += c.user;
    total.system += c.system;
  }
  return total;
}

function put(key: string, body: Body, awsChunked?: number, signedHeaders?: Record<string, string>): Operation {
  return {
    spec: {
      method: "PUT",
      path: s3Path(BUCKET, key),
      body: body.data,
      chunkSize: MIB,
      payloadHash: body.sha256,
      ...(awsChunked ? { awsChunked } : {}),
      ...(signedHeaders ? { signedHeaders } : {}),
    },
    bytes: body.data.length,
  };
}

function get(key: string, size: number): Operation {
  return {
    spec: { method: "GET", path: s3Path(BUCKET, key), payloadHash: EMPTY_SHA256 },
    bytes: size,
    check: (r) => (r.bytes === size ? undefined : `short body: ${r.bytes} of ${size} bytes`),
  };
}

function workloads(): Workload[] {
  const small = Array.from({ length: 8 }, () => makeBody(4096));
  const big = makeBody(64 * MIB);
  const mib = Array.from({ length: 4 }, () => makeBody(MIB));
  const tiny = makeBody(32);
  const bigCrc32c = computeChecksum("CRC32C", big.data);
  let seq = 0;
  /** c=32 reads of 256 small objects under `prefix`, put first */
  const reads4k = (prefix: string, read: (key: string) => Operation): Omit<Workload, "name"> => ({
    concurrency: 32,
    count: 5000,
    warmup: 500,
    setUp: async (t) => {
      await runCount(t, 8, 256, (i) => put(`${prefix}/${i}`, small[i % 8]));
    },
    op: () => read(`${prefix}/${Math.floor(Math.random() * 256)}`),
  });
  return [
    { name: "put4k", concurrency: 8, count: 3000, warmup: 300, op: () => put(`p4/${seq++}`, small[seq % 8]) },
    { name: "get4k", ...reads4k("g4", (key) => get(key, 4096)) },
    { name: "head4k", ...reads4k("h4", (key) => ({ spec: { method: "HEAD", path: s3Path(BUCKET, key), payloadHash: EMPTY_SHA256 }, bytes: 0 })) },
    {
      name: "get1m",
      concurrency: 8,
      count: 3000,
      warmup: 300,
      setUp: async (t) => {
        await runCount(t, 8, 64, (i) => put(`g1m/${i}`, mib[i % 4]));
      },
      op: () => get(`g1m/${Math.floor(Math.random() * 64)}`, MIB),
    },
    { name: "put1m", concurrency: 8, count: 1500, warmup: 150, op: (i) => put(`p1m/${i % 64}`, mib[i % 4], AWS_CHUNK) },
    { name: "put64", concurrency: 1, count: 4, warmup: 1, op: (i) => put(`big/${i % 2}`, big) },
    { name: "put64chunked", concurrency: 1, count: 4, warmup: 1, op: (i) => put(`bigc/${i % 2}`, big, AWS_CHUNK) },
    { name: "put64crc32c", concurrency: 1, count: 4, warmup: 1, op: (i) => put(`bigk/${i % 2}`, big, AWS_CHUNK, { "x-amz-checksum-crc32c": bigCrc32c }) },
    {
      name: "get64",
      concurrency: 1,
      count: 30,
      warmup: 1,
      setUp: async (t) => mustSucceed(t, put("big/get", big), "64 MiB PUT"),
      op: () => get("big/get", 64 * MIB),
    },
    {
      name: "list",
      concurrency: 1,
      count: 300,
      warmup: 30,
      setUp: async (t) => {
        await runCount(t, 16, 5000, (i) => put(`l/d${String(i % 50).padStart(2, "0")}/k${String(i).padStart(5, "0")}`, tiny));
      },
      op: () => ({
        spec: { method: "GET", path: s3Path(BUCKET), query: queryString({ "list-type": "2", prefix: "l/", "max-keys": "1000" }), payloadHash: EMPTY_SHA256 },
        bytes: 0,
      }),
    },
  ];
}

function failures(s: RunStats): string {
  return s.failed === 0 ? "" : ` (${s.failed} failed: ${[...s.failures.keys()].join(", ")})`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const profAt = args.indexOf("--prof");
  const profDir = profAt >= 0 ? args.splice(profAt, 2)[1] : undefined;
  const workersAt = args.indexOf("--workers");
  const workers = workersAt >= 0 ? args.splice(workersAt, 2)[1]! : "1";
  const ozoneAt = args.indexOf("--ozone");
  const backendArgs = ozoneAt >= 0 ? ["--backend", "ozone", "--ozone-om-address", args.splice(ozoneAt, 2)[1]!] : [];
  const chosen = new Set(args);
  const root = await mkdtemp(path.join(os.tmpdir(), "s3g-cpu-"));
  tempDirs.push(root);
  const nodeArgs = profDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profDir];
  const gw = await startChild(
    "gateway",
    [...nodeArgs, GATEWAY_MAIN, "--port", "0", "--admin-port", "0", "--data-dir", path.join(root, "data"), ...backendArgs],
    { ...gatewayEnvOverrides(), S3G_ACCESS_KEY: ACCESS_KEY, S3G_SECRET_KEY: SECRET_KEY, S3G_LOG_LEVEL: "warn", S3G_AUDIT_LOG: "false", S3G_WORKERS: workers },
    /listening on http:\/\/([^:\s]+):(\d+)/,
    (why) => console.error(why),
  );
  const pid = gw.child.proc.pid as number;
  // for a system profiler (perf record -p) run beside this one
  console.error(`gateway pid ${pid}`);
  const target: Target = {
    name: "gateway",
    host: gw.match[1],
    port: Number(gw.match[2]),
    agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    signer: new Signer(ACCESS_KEY, SECRET_KEY),
  };
  try {
    await mustSucceed(target, { spec: { method: "PUT", path: s3Path(BUCKET), payloadHash: EMPTY_SHA256 }, bytes: 0 }, "CreateBucket");
    for (const w of workloads()) {
      if (chosen.size > 0 && !chosen.has(w.name)) continue;
      await w.setUp?.(target);
      await runCount(target, w.concurrency, w.warmup, w.op);
      const before = cpuMicros(pid);
      const s = await runCount(target, w.concurrency, w.count, w.op);
      const after = cpuMicros(pid);
      const user = (after.user - before.user) / w.count;
      const system = (after.system - before.system) / w.count;
      console.log(
        `${w.name.padEnd(13)} ${fmt(user + system).padStart(9)} µs CPU/request (user ${fmt(user)}, system ${fmt(system)})  ` +
          `${s.ok} ok in ${fmt(s.elapsedMs)} ms${failures(s)}`,
      );
    }
  } finally {
    target.agent.destroy();
    await cleanUp();
  }
}

cleanUpOnExit();
main().catch(async (err: unknown) => {
  console.error(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
  await cleanUp();
});
