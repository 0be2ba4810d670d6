/**
 * The Ozone comparison benchmark (not a test: vitest never runs it): this gateway on its Ozone
 * backend against Apache Ozone's own Java S3 gateway, on the same three-datanode cluster writing
 * RATIS/THREE (Ozone's default replication), in one run.
 *
 *   npm run bench:ozone                (= npx tsc -p . && node dist/bench/ozone.js)
 *   node dist/bench/ozone.js --quick   (short smoke run: 0.5 s per point, 1,000 list keys)
 *   node dist/bench/ozone.js --keep    (leave the benchmark's buckets and keys in Ozone)
 *   node dist/bench/ozone.js --ec      (erasure coding, issue 13: the 64 MiB rows only, written with
 *                                      x-amz-storage-class STANDARD_IA, which both gateways map to EC
 *                                      rs-3-2-1024k, on a five-datanode cluster, default .ozone-bench-ec/)
 *   node dist/bench/ozone.js --puts    (the PUT rows only: 4 KiB PUT at c=1/8/32 and 64 MiB PUT; no GET, no listing)
 *   node dist/bench/ozone.js --gateway-main FILE   (our gateway's main.js from another build, for an A/B
 *                                      run of two builds against the same cluster; default dist/runtime/main.js)
 *   S3G_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node dist/bench/ozone.js ...
 *                                      (node options for our gateway, which its workers inherit: e.g. to
 *                                      profile them; --cpu-prof is refused in NODE_OPTIONS)
 *   node dist/bench/ozone.js --ozone-dir DIR   (the cluster of that state dir: cluster.mjs --dir DIR;
 *                                      default .ozone-bench/, the benchmark's own, with Ozone's 256 MB blocks: the tests' .ozone/
 *                                      has 4 MB blocks and is busy with the tests)
 *
 * Set-up: `node scripts/ozone/cluster.mjs up --s3g --datanodes 3 --dir DIR` (idempotent: finds the
 * running cluster or starts it, with the Java gateway, Ozone's default 256 MB blocks; a cluster in
 * DIR with another number of datanodes is refused), then our gateway as a child process on it:
 *   node dist/runtime/main.js --port 0 --admin-port 0 --data-dir <tmp> --backend ozone --ozone-om-address <OM gRPC>
 * Our gateway is killed at the end, on errors and on SIGINT/SIGTERM; the cluster and its Java
 * gateway are left running (they are not ours). Each gateway gets its own buckets in Ozone's s3v
 * volume (see RUN for their names); their keys are deleted at the end with DeleteObjects in batches of 1000
 * through the gateway that wrote them, then the buckets (--keep: left in place).
 *
 * Workloads, the same requests against both gateways: 4 KiB PUT and GET ops/s at concurrency 1, 8,
 * 32 (fixed duration after a warm-up); 64 MiB PUT and GET MiB/s (concurrency 1, a few iterations);
 * a bulk load of 10k small keys per gateway in 100 "directories" at c=32 (ops/s), then
 * ListObjectsV2 latency in that bucket (max-keys 1000 from a random start-after; and delimiter "/").
 * Every request is SigV4-signed with a real payload hash, as in run.ts (security is off on the
 * cluster, so the Java gateway does not check the signature; the client pays for it all the same).
 *
 * Order: interleaved per workload. Each point warms up both gateways, then is measured in slices
 * that alternate between them (ours, Java, Java, ours...) and are added up per gateway. Both talk to
 * the same OM and datanode, so Ozone's background work that one gateway's load sets off (RocksDB
 * flushes and compactions, container work, block deletion) and the disk's drift fall on both about
 * equally, instead of on whichever ran second. The bulk loads are the exception: one gateway after
 * the other (ours first), each into its own bucket.
 *
 * Checks, so that no figure comes from an error path: every non-2xx answer (and every short body
 * or wrong listing) is counted per workload and gateway, and a workload with any is flagged in the
 * table; one 4 KiB object is read back byte for byte through each gateway; the replication of
 * the keys each gateway wrote is read from the OM (GetKeyInfo), expected RATIS/THREE for both.
 *
 * Memory: RSS at the end and peak RSS (VmHWM) from /proc/<pid>/status of our gateway (the node
 * child) and of the Java gateway's JVM (pids.s3g of DIR/cluster.json; its VmHWM counts since the
 * JVM started, which may be before this run, so RSS is also sampled every 250 ms during the run).
 * The table's RSS rows: the peak sampled during the run, and RSS after it.
 *
 * Ratios: ours vs Java with above 1 = ours better on every row: ours/Java for ops/s and MiB/s,
 * Java/ours for latencies and RSS.
 *
 * CPU per request: each gateway process's CPU time (/proc/<pid>/stat utime + stime) during its
 * own measured slices, divided by its requests. On cores shared with other work the throughput
 * of a single-threaded gateway (ours: one event loop) follows the share of CPU the scheduler
 * gives it, which a JVM with many busy threads gets more of; the CPU per request does not.
 *
 * The cluster is shared: per workload the table also shows the OM's full GCs (from its /jmx; an OM
 * whose heap is full stops for ~0.5 s each time, for both gateways) and flags OM operations of
 * other clients on other buckets (from the OM audit log), both read between workloads only.
 *
 * Two cores run the SCM, OM and datanode JVMs, both gateways and this load generator: compare
 * ratios within one run, not absolute numbers across runs.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { EMPTY_SHA256 } from "../runtime/auth/sigv4.js";
import { OmClient, type OmMessage } from "../runtime/storage/ozone/om-client.js";
import { assertAlive, cleanUp, cleanUpOnExit, fmt, inTurn, makeBody, measureAlternating, mustSucceed, printChildOutputs, processTree, progress, startChild, tempDirs, type Body, QUICK, DURATION_MS, WARMUP_MS, CONCURRENCIES, SMALL_SIZE, SMALL_BODIES, GET_OBJECTS, BIG_SIZE, BIG_ITERATIONS, BIG_CHUNK, LIST_PREFIXES, BULK_CONCURRENCY, LIST_DURATION_MS } from "./common.js";
import { RunStats, runCount, type Operation, type Target } from "./load.js";
import { clusterUp, siteProperty } from "./ozone-cluster.js";
import { Report } from "./ozone-report.js";
import { emptyAndDelete, rawRequest, VOLUME } from "./ozone-requests.js";
import { cmdlineOf, cpuMsOf, ForeignOps, jvmGc, jvmHeap, MemoryWatch, mib, procStatusKiB, processStart, Watch, type GcSnapshot } from "./ozone-watch.js";
import { Signer, queryString, s3Path } from "./sign.js";

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const KEEP = process.argv.includes("--keep");
/** --ec: the EC comparison (64 MiB PUT/GET as STANDARD_IA) instead of the RATIS/THREE one */
const EC = process.argv.includes("--ec");
/** --puts: the PUT rows only (profiling and A/B runs of the write path) */
const PUTS_ONLY = process.argv.includes("--puts");
const GATEWAY_MAIN_ARG = process.argv.indexOf("--gateway-main");
if (GATEWAY_MAIN_ARG >= 0 && process.argv[GATEWAY_MAIN_ARG + 1] === undefined) throw new Error("--gateway-main needs a file");
const OZONE_DIR_ARG = process.argv.indexOf("--ozone-dir");
if (OZONE_DIR_ARG >= 0 && process.argv[OZONE_DIR_ARG + 1] === undefined) throw new Error("--ozone-dir needs a directory");
/** Ozone stores small keys far more slowly than the embedded store: 10k, not run.ts's 100k. */
const LIST_KEYS = QUICK ? 1_000 : 10_000;
/** per gateway; the full run stays under ~10 minutes even if a bulk load is slow */
const BULK_MAX_MS = QUICK ? 30_000 : 120_000;
const ACCESS_KEY = "AKIDS3GWBENCH0001";
const SECRET_KEY = "bench-secret-key-0001-abcdefghijklmnop";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** dist/bench -> the project root */
const ROOT = path.resolve(HERE, "../..");
const GATEWAY_MAIN = GATEWAY_MAIN_ARG >= 0 ? path.resolve(process.argv[GATEWAY_MAIN_ARG + 1]) : path.resolve(HERE, "../runtime/main.js");
/** the cluster's state dir, as cluster.mjs --dir takes it */
const OZONE_DIR = OZONE_DIR_ARG >= 0 ? path.resolve(process.argv[OZONE_DIR_ARG + 1]) : path.join(ROOT, EC ? ".ozone-bench-ec" : ".ozone-bench");
/** RATIS/THREE needs three datanodes (Ozone's default replication with three or more, see cluster.mjs); rs-3-2 five */
const DATANODES = EC ? 5 : 3;
const EXPECTED_REPLICATION = EC ? "EC/rs-3-2-1024k" : "RATIS/THREE";
/** what the --ec run's PUTs send: the class both gateways map to EC rs-3-2-1024k (Ozone's S3Utils) */
const PUT_HEADERS: Record<string, string> | undefined = EC ? { "x-amz-storage-class": "STANDARD_IA" } : undefined;

/**
 * This run's buckets are RUN-ours, RUN-list-ours, RUN-java, RUN-list-java, with RUN = bench-<time in
 * base 36>-<random>. The time makes every run's names sort after those of earlier runs: a key
 * listing seeks forward in the OM's key table (/s3v/<bucket>/<key>), and a listing that reaches the
 * end of its bucket then skips whatever comes next in the table. Keys deleted by earlier runs (or
 * by anyone) stay there as RocksDB tombstones until a compaction, and skipping tens of thousands
 * of them costs milliseconds per OM call (measured: a 100-prefix delimiter listing over 1k keys
 * took 2 s through ours, 40 ms through the Java s3g, in a bucket sorting before earlier runs'
 * deleted ones; 0.45 s and 6 ms in one sorting after them). In this order each list bucket is
 * followed by a live bucket of this run (list-java by list-ours, list-ours by ours).
 */
const RUN = `bench-${Date.now().toString(36)}-${randomBytes(2).toString("hex")}`;

/** What one gateway under test is: the load target plus its buckets and its process. */
interface Gateway {
  target: Target;
  bucket: string;
  listBucket: string;
  pid: number;
  /** every process of the gateway (ours: the primary and its workers), for CPU and RSS */
  pids: readonly number[];
  memory: MemoryWatch;
}

cleanUpOnExit();

// ---------------------------------------------------------------------------------------------
// Reporting (ozone-report.ts), with what the OM watch saw
// ---------------------------------------------------------------------------------------------

let watch = new Watch(new ForeignOps("", RUN), undefined);
const report = new Report(() => watch);

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

function putOp(bucket: string, key: string, body: Body): Operation {
  return {
    spec: { method: "PUT", path: s3Path(bucket, key), body: body.data, chunkSize: BIG_CHUNK, payloadHash: body.sha256, ...(PUT_HEADERS && { signedHeaders: PUT_HEADERS }) },
    bytes: body.data.length,
  };
}

function getOp(bucket: string, key: string, size: number): Operation {
  return {
    spec: { method: "GET", path: s3Path(bucket, key), payloadHash: EMPTY_SHA256 },
    bytes: size,
    check: (r) => (r.bytes === size ? undefined : `short body: ${r.bytes} of ${size} bytes (GET)`),
  };
}

/** One point on both gateways: warm-ups, then slices alternating between them (common.ts). */
async function measurePoint(gws: Gateway[], label: string, concurrency: number, durationMs: number, next: (g: Gateway) => Operation): Promise<RunStats[]> {
  const byTarget = new Map(gws.map((g) => [g.target, g]));
  const result = await watch.during(label, () =>
    measureAlternating(
      gws.map((g) => g.target),
      concurrency,
      WARMUP_MS,
      durationMs,
      (t) => next(byTarget.get(t)!),
      (t) => cpuMsOf(byTarget.get(t)!.pids),
    ),
  );
  const stats = gws.map((g) => result.get(g.target)!);
  gws.forEach((g, i) => {
    const s = stats[i];
    report.collectFailures(label, g.target, s);
    progress(`${label} ${g.target.name}: ${fmt(s.opsPerSecond())} ops/s, p50 ${fmt(s.percentile(50), 2)} ms${s.failed ? `, ${s.failed} failed` : ""}`);
  });
  assertAlive(gws.map((g) => g.target));
  return stats;
}

const pair = (s: RunStats[]) => [s[0], s[1]] as [RunStats, RunStats];

async function smallObjects(gws: [Gateway, Gateway]): Promise<Body[]> {
  const bodies = Array.from({ length: SMALL_BODIES }, () => makeBody(SMALL_SIZE));
  for (const g of gws) {
    const s = await runCount(g.target, 8, GET_OBJECTS, (i) => putOp(g.bucket, `get4k/${i}`, bodies[i % SMALL_BODIES]));
    report.collectFailures("4 KiB GET set-up", g.target, s);
    progress(`4 KiB GET set-up ${g.target.name}: ${GET_OBJECTS} objects at ${fmt(s.opsPerSecond())} ops/s`);
    if (s.ok !== GET_OBJECTS) throw new Error(`${g.target.name}: only ${s.ok} of ${GET_OBJECTS} GET objects could be written`);
  }
  await spotCheck(gws, bodies[0]);
  let seq = 0;
  for (const c of CONCURRENCIES) {
    // New keys every time (no overwrites), as in run.ts.
    const label = `4 KiB PUT c=${c}`;
    const r = await measurePoint(gws, label, c, DURATION_MS, (g) => putOp(g.bucket, `put4k/${seq}`, bodies[seq++ % SMALL_BODIES]));
    report.addRow(`PUT 4 KiB, c=${c}`, "ops/s", 0, gws, pair(r), (s) => s.opsPerSecond(), [label]);
  }
  for (const c of PUTS_ONLY ? [] : CONCURRENCIES) {
    const label = `4 KiB GET c=${c}`;
    const r = await measurePoint(gws, label, c, DURATION_MS, (g) => getOp(g.bucket, `get4k/${Math.floor(Math.random() * GET_OBJECTS)}`, SMALL_SIZE));
    report.addRow(`GET 4 KiB, c=${c}`, "ops/s", 0, gws, pair(r), (s) => s.opsPerSecond(), [label]);
  }
  return bodies;
}

/** One 4 KiB object read back through each gateway: 200, its length, its bytes, its ETag. */
async function spotCheck(gws: Gateway[], body: Body): Promise<void> {
  const md5 = createHash("md5").update(body.data).digest("hex");
  for (const g of gws) {
    const r = await rawRequest(g.target, "GET", s3Path(g.bucket, "get4k/0"));
    const etag = String(r.headers.etag ?? "").replace(/"/g, "");
    const ok = r.status === 200 && r.body.length === SMALL_SIZE && r.body.equals(body.data) && etag === md5;
    const line = `${g.target.name}: GET ${g.bucket}/get4k/0 -> ${r.status}, ${r.body.length} bytes, ${r.body.equals(body.data) ? "same bytes as PUT" : "DIFFERENT bytes"}, ETag ${etag === md5 ? "= MD5" : `${etag} != MD5 ${md5}`}`;
    report.checks.push(ok ? `spot check ${line}` : `SPOT CHECK FAILED ${line}`);
    progress(`spot check ${line}`);
    if (!ok) report.notes.push(`spot check failed for ${g.target.name}: its figures may come from an error path (see Checks)`);
  }
}

/** A run with the CPU time the gateway's process spent in it. */
async function withCpu(g: Gateway, run: () => Promise<RunStats>): Promise<RunStats> {
  const before = cpuMsOf(g.pids);
  const s = await run();
  const after = cpuMsOf(g.pids);
  if (before !== undefined && after !== undefined) s.cpuMs = after - before;
  return s;
}

async function bigObjects(gws: [Gateway, Gateway]): Promise<void> {
  const body = makeBody(BIG_SIZE);
  const put = gws.map(() => new RunStats());
  const get = gws.map(() => new RunStats());
  const idx = new Map(gws.map((g, i) => [g, i]));
  for (const g of gws) await mustSucceed(g.target, putOp(g.bucket, "big/warm", body), "64 MiB warm-up PUT");
  // One object at a time, alternating gateways, as for the small points.
  await watch.during("64 MiB PUT", async () => {
    for (let i = 0; i < BIG_ITERATIONS; i++) {
      for (const g of inTurn(gws, i)) put[idx.get(g)!].merge(await withCpu(g, () => runCount(g.target, 1, 1, () => putOp(g.bucket, `big/${i}`, body))));
    }
  });
  if (PUTS_ONLY) {
    gws.forEach((g, i) => report.collectFailures("64 MiB PUT", g.target, put[i]));
    report.addRow(`PUT 64 MiB, c=1 (x${BIG_ITERATIONS})`, "MiB/s", 1, gws, pair(put), (s) => s.mibPerSecond(), ["64 MiB PUT"]);
    return;
  }
  for (const g of gws) {
    const warm = await runCount(g.target, 1, 1, () => getOp(g.bucket, "big/warm", BIG_SIZE));
    report.collectFailures("64 MiB GET", g.target, warm);
  }
  await watch.during("64 MiB GET", async () => {
    for (let i = 0; i < BIG_ITERATIONS; i++) {
      for (const g of inTurn(gws, i)) get[idx.get(g)!].merge(await withCpu(g, () => runCount(g.target, 1, 1, () => getOp(g.bucket, `big/${i}`, BIG_SIZE))));
    }
  });
  gws.forEach((g, i) => {
    report.collectFailures("64 MiB PUT", g.target, put[i]);
    report.collectFailures("64 MiB GET", g.target, get[i]);
    progress(`64 MiB ${g.target.name}: PUT ${fmt(put[i].mibPerSecond(), 1)} MiB/s, GET ${fmt(get[i].mibPerSecond(), 1)} MiB/s`);
  });
  assertAlive(gws.map((g) => g.target));
  report.addRow(`PUT 64 MiB, c=1 (x${BIG_ITERATIONS})`, "MiB/s", 1, gws, pair(put), (s) => s.mibPerSecond(), ["64 MiB PUT"]);
  report.addRow(`GET 64 MiB, c=1 (x${BIG_ITERATIONS})`, "MiB/s", 1, gws, pair(get), (s) => s.mibPerSecond(), ["64 MiB GET"]);
}

/** Key i of a listing bucket: LIST_PREFIXES "directories", written round-robin across them. */
function listKey(i: number): string {
  return listKeyAt(i % LIST_PREFIXES, Math.floor(i / LIST_PREFIXES));
}

function listKeyAt(prefix: number, n: number): string {
  return `d${String(prefix).padStart(3, "0")}/k${String(n).padStart(6, "0")}`;
}

async function listing(gws: [Gateway, Gateway]): Promise<void> {
  const tiny = makeBody(32);
  const loaded = new Map<Gateway, number>();
  const bulk: RunStats[] = [];
  // One after the other (ours first): each into its own bucket. The second loads as many keys as
  // the first got in its time: the listings then compare buckets of the same size.
  for (const g of gws) {
    const want = g === gws[0] ? LIST_KEYS : Math.max(1, loaded.get(gws[0]) ?? LIST_KEYS);
    await mustSucceed(g.target, { spec: { method: "PUT", path: s3Path(g.listBucket), payloadHash: EMPTY_SHA256 }, bytes: 0 }, "CreateBucket");
    progress(`bulk load ${g.target.name}: ${fmt(want)} keys of ${tiny.data.length} B at c=${BULK_CONCURRENCY} (stops after ${BULK_MAX_MS / 1000} s)`);
    let lastLog = performance.now();
    const s = await watch.during("bulk load", () =>
      runCount(g.target, BULK_CONCURRENCY, want, (i) => putOp(g.listBucket, listKey(i), tiny), {
        maxMs: BULK_MAX_MS,
        onProgress: (done, st) => {
          const now = performance.now();
          if (now - lastLog < 10_000) return;
          lastLog = now;
          progress(`bulk load ${g.target.name}: ${fmt(done)} done, ${st.failed} failed`);
        },
      }),
    );
    report.collectFailures("bulk load", g.target, s);
    loaded.set(g, s.ok);
    bulk.push(s);
    progress(`bulk load ${g.target.name}: ${fmt(s.ok)} keys in ${fmt(s.elapsedMs / 1000, 1)} s = ${fmt(s.opsPerSecond())} ops/s`);
    if (s.ok < want) {
      report.notes.push(`${g.target.name}: bulk load stopped at ${fmt(s.ok)} of ${fmt(want)} keys (time cap ${BULK_MAX_MS / 1000} s or failures): its list figures are for that many keys`);
    } else if (want < LIST_KEYS) {
      report.notes.push(`${g.target.name}: bulk load of ${fmt(want)} keys, as many as ${gws[0].target.name} loaded in its time: both list buckets hold about as many keys`);
    }
    assertAlive([g.target]);
  }
  // the listings' set-up, not a row of the table (one gateway after the other, not interleaved)
  const bulkLine = (s: RunStats) => `${fmt(s.opsPerSecond())} ops/s`;
  report.notes.push(`bulk load of the list buckets (${fmt(LIST_KEYS / 1000)}k x 32 B PUT, c=${BULK_CONCURRENCY}, ours then Java, not interleaved): ours ${bulkLine(bulk[0]!)}, Java ${bulkLine(bulk[1]!)}`);

  const perPrefix = LIST_KEYS / LIST_PREFIXES;
  const count = (body: string | undefined, re: RegExp) => (body?.match(re) ?? []).length;
  const pageOp = (g: Gateway): Operation => {
    const complete = loaded.get(g) === LIST_KEYS;
    // A page from anywhere in the key space; when the load is complete the keys after start-after
    // are known exactly (all prefixes hold perPrefix keys), so the page must hold min(1000, those).
    const p = Math.floor(Math.random() * Math.max(1, LIST_PREFIXES - Math.ceil(1000 / perPrefix)));
    const n = Math.floor(Math.random() * perPrefix);
    const expected = Math.min(1000, LIST_KEYS - (p * perPrefix + n + 1));
    return {
      spec: {
        method: "GET",
        path: s3Path(g.listBucket),
        query: queryString({ "list-type": "2", "max-keys": "1000", "start-after": listKeyAt(p, n) }),
        payloadHash: EMPTY_SHA256,
        keepBody: true,
      },
      bytes: 0,
      check: (r) => {
        const keys = count(r.body, /<Key>/g);
        return (complete ? keys === expected : keys > 0) ? undefined : `ListObjectsV2 page with ${keys} keys${complete ? ` (expected ${expected})` : ""}`;
      },
    };
  };
  const pageLabel = "ListObjectsV2 max-keys=1000";
  const page = await measurePoint(gws, pageLabel, 1, LIST_DURATION_MS, pageOp);
  const keysListed = loaded.get(gws[0]) === loaded.get(gws[1]) ? fmt(loaded.get(gws[0]) ?? 0) : `${fmt(loaded.get(gws[0]) ?? 0)} / ${fmt(loaded.get(gws[1]) ?? 0)}`;
  report.addRow(`ListObjectsV2 max-keys=1000 (${keysListed} keys)`, "ms p50", 2, gws, pair(page), (s) => s.percentile(50), [pageLabel], false);

  const delimOp = (g: Gateway): Operation => {
    const complete = loaded.get(g) === LIST_KEYS;
    return {
      spec: {
        method: "GET",
        path: s3Path(g.listBucket),
        query: queryString({ "list-type": "2", "max-keys": "1000", delimiter: "/" }),
        payloadHash: EMPTY_SHA256,
        keepBody: true,
      },
      bytes: 0,
      check: (r) => {
        const prefixes = count(r.body, /<CommonPrefixes>/g);
        return prefixes === LIST_PREFIXES || (!complete && prefixes > 0) ? undefined : `delimiter listing with ${prefixes} common prefixes`;
      },
    };
  };
  const delimLabel = "ListObjectsV2 delimiter=/";
  const delim = await measurePoint(gws, delimLabel, 1, LIST_DURATION_MS, delimOp);
  report.addRow(`ListObjectsV2 delimiter=/ (${LIST_PREFIXES} prefixes)`, "ms p50", 2, gws, pair(delim), (s) => s.percentile(50), [delimLabel], false);
}

/** The replication the OM recorded for keys each gateway wrote (GetKeyInfo), and each gateway's HEAD x-amz-storage-class. */
async function replicationCheck(gws: Gateway[], omAddress: string): Promise<void> {
  const om = new OmClient({ addresses: [omAddress], timeoutMs: 10_000, clientId: `bench-ozone-${RUN}` });
  const auth = { accessId: ACCESS_KEY, stringToSign: "", signature: "" };
  try {
    for (const g of gws) {
      const parts: string[] = [];
      let allExpected = true;
      // --puts writes no listing bucket: there is no key of it to ask about
      const probes = EC ? [[g.bucket, "big/0"]] : [[g.bucket, "get4k/0"], [g.bucket, "big/0"], ...(PUTS_ONLY ? [] : [[g.listBucket, listKey(0)]])];
      for (const [bucket, key] of probes) {
        try {
          const r: OmMessage = await om.submit(
            "GetKeyInfo",
            "GetKeyInfoRequest",
            { keyArgs: { volumeName: VOLUME, bucketName: bucket, keyName: key, latestVersionLocation: true, headOp: true }, assumeS3Context: false },
            auth,
          );
          const info = r.GetKeyInfoResponse?.keyInfo ?? {};
          const ec = info.ecReplicationConfig;
          const rep = info.type === "EC" && ec ? `EC/${String(ec.codec).toLowerCase()}-${ec.data}-${ec.parity}-${Math.round(Number(ec.ecChunkSize) / 1024)}k` : `${info.type}/${info.factor}`;
          if (rep !== EXPECTED_REPLICATION) allExpected = false;
          parts.push(`${key} ${rep} (${fmt(Number(info.dataSize))} B)`);
        } catch (err) {
          allExpected = false;
          parts.push(`${key}: ${(err as Error).message}`);
        }
      }
      const headKey = EC ? "big/0" : "get4k/0";
      const head = await rawRequest(g.target, "HEAD", s3Path(g.bucket, headKey));
      const cls = head.headers["x-amz-storage-class"] ?? "(none)";
      report.checks.push(`${allExpected ? "" : `REPLICATION NOT ${EXPECTED_REPLICATION}: `}${g.target.name} keys per the OM (GetKeyInfo): ${parts.join(", ")}; HEAD ${headKey} -> ${head.status}, x-amz-storage-class ${cls}`);
      if (!allExpected) report.notes.push(`${g.target.name} did not write ${EXPECTED_REPLICATION} everywhere: the comparison is not like for like (see Checks)`);
    }
  } finally {
    om.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} is missing: build first (npx tsc -p .)`);
  const started = performance.now();
  progress(`cluster: node scripts/ozone/cluster.mjs up --s3g --datanodes ${DATANODES} --dir ${OZONE_DIR}`);
  const cluster = await clusterUp(ROOT, OZONE_DIR, DATANODES);
  progress(`cluster: OM gRPC ${cluster.omAddress}, Java s3g ${cluster.s3g.origin} (pid ${cluster.s3gPid})`);
  const siteXml = cluster.ozoneSite && existsSync(cluster.ozoneSite) ? readFileSync(cluster.ozoneSite, "utf8") : "";
  const auditLog = path.join(cluster.logs ?? path.join(OZONE_DIR, "logs"), "om-audit.log");
  const foreign = new ForeignOps(auditLog, RUN);
  watch = new Watch(foreign, cluster.omWebPort);
  const foreignAtStart = foreign.poll();
  const omAtStart = await jvmGc(cluster.omWebPort);
  if (omAtStart && omAtStart.oldAfterGc > 0.8 * omAtStart.oldMax) {
    const msg =
      `the OM's old generation was ${fmt((100 * omAtStart.oldAfterGc) / omAtStart.oldMax)}% full right after its last full GC when the run started: ` +
      "expect its full GCs in the figures (it does not empty by waiting; a restarted cluster does better: cluster.mjs down, then up --s3g, and --heap 1g gives the OM room)";
    report.notes.push(msg);
    progress(msg);
  }

  const root = await mkdtemp(path.join(os.tmpdir(), "s3g-bench-ozone-"));
  tempDirs.push(root);
  const gws: Gateway[] = [];
  const onDeath = (why: string) => {
    const g = gws.find((x) => x.target.name === "ours");
    if (g) g.target.dead = why;
    report.deaths.push(why);
    progress(why);
  };
  const ours = await startChild(
    "ours",
    [...(process.env.S3G_BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []), GATEWAY_MAIN, "--port", "0", "--admin-port", "0", "--data-dir", root, "--backend", "ozone", "--ozone-om-address", cluster.omAddress],
    {
      S3G_ACCESS_KEY: ACCESS_KEY,
      S3G_SECRET_KEY: SECRET_KEY,
      S3G_LOG_LEVEL: "warn",
      S3G_AUDIT_LOG: "false",
    },
    /listening on http:\/\/([^:\s]+):(\d+) \(admin http:\/\/([^:\s]+):(\d+)/,
    onDeath,
    60_000,
  );
  const signer = new Signer(ACCESS_KEY, SECRET_KEY);
  const agent = () => new http.Agent({ keepAlive: true, maxSockets: 64 });
  const oursPid = ours.child.proc.pid!;
  // the primary and its workers, all started by the time it prints its address (runtime/workers/)
  const oursPids = processTree(oursPid);
  gws.push({
    target: { name: "ours", host: ours.match[1], port: Number(ours.match[2]), agent: agent(), signer },
    bucket: `${RUN}-ours`,
    listBucket: `${RUN}-list-ours`,
    pid: oursPid,
    pids: oursPids,
    memory: new MemoryWatch(oursPid, oursPids),
  });
  gws.push({
    target: { name: "java", host: cluster.s3g.hostname, port: Number(cluster.s3g.port), agent: agent(), signer },
    bucket: `${RUN}-java`,
    listBucket: `${RUN}-list-java`,
    pid: cluster.s3gPid,
    pids: [cluster.s3gPid],
    memory: new MemoryWatch(cluster.s3gPid),
  });
  const [g0, g1] = gws;
  const both: [Gateway, Gateway] = [g0, g1];
  for (const g of gws) {
    g.memory.start(() => {
      if (g.target.dead === undefined && g.target.name === "java") {
        g.target.dead = `Java s3g (pid ${g.pid}) is gone`;
        report.deaths.push(g.target.dead);
        progress(g.target.dead);
      }
    });
  }
  progress(`ours on ${ours.match[1]}:${ours.match[2]} (pid ${oursPid}), Java s3g on ${cluster.s3g.host} (pid ${cluster.s3gPid}); buckets ${RUN}-* in ${VOLUME}`);

  const created: [Gateway, string][] = [];
  const endMemory = new Map<Gateway, { rss?: number; hwm?: number }>();
  let javaHeap: string | undefined;
  const daemonRss: string[] = [];
  const cleanupLines: string[] = [];
  let measuredSeconds = 0;
  let failure: unknown;
  try {
    for (const g of gws) {
      await mustSucceed(g.target, { spec: { method: "PUT", path: s3Path(g.bucket), payloadHash: EMPTY_SHA256 }, bytes: 0 }, "CreateBucket");
      created.push([g, g.bucket]);
    }
    if (!EC) await smallObjects(both);
    await bigObjects(both);
    if (!EC && !PUTS_ONLY) {
      created.push([g0, g0.listBucket], [g1, g1.listBucket]);
      await listing(both);
    }
    await replicationCheck(gws, cluster.omAddress);
  } catch (err) {
    failure = err;
  }
  measuredSeconds = (performance.now() - started) / 1000;
  const foreignTotal = foreign.poll() - foreignAtStart;
  const omAtEnd = await jvmGc(cluster.omWebPort);
  // Memory after the run, before the clean-up's own load.
  for (const g of gws) {
    g.memory.stop();
    endMemory.set(g, { rss: procStatusKiB(g.pids, "VmRSS"), hwm: procStatusKiB(g.pids, "VmHWM") });
  }
  report.memoryRow("RSS, peak sampled during the run", g0.memory.peakSampledKiB, g1.memory.peakSampledKiB);
  report.memoryRow("RSS after the run", endMemory.get(g0)?.rss, endMemory.get(g1)?.rss);
  javaHeap = await jvmHeap(cluster.s3gAdminPort);
  for (const name of ["scm", "om", "dn"]) {
    const pid = cluster.pids[name];
    if (pid) daemonRss.push(`${name} ${mib(procStatusKiB(pid, "VmRSS"))} (peak ${mib(procStatusKiB(pid, "VmHWM"))})`);
  }

  if (KEEP) {
    cleanupLines.push(`--keep: left ${created.map(([, b]) => `${VOLUME}/${b}`).join(", ")} in place`);
  } else {
    progress(`clean-up: deleting the keys and buckets written (${created.length} buckets)`);
    for (const [g, b] of created) {
      try {
        cleanupLines.push(await emptyAndDelete(g.target, b));
      } catch (err) {
        cleanupLines.push(`${g.target.name} ${b}: ${(err as Error).message}; left in place`);
      }
    }
  }
  for (const g of gws) g.target.agent.destroy();

  const seconds = (performance.now() - started) / 1000;
  const cpus = os.cpus();
  console.log("");
  console.log(
    `Ozone S3 gateway benchmark: node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? "?"}), ${os.platform()} ${os.release()}; ` +
      `${DURATION_MS / 1000} s per point after ${WARMUP_MS / 1000} s warm-up; measured ${fmt(measuredSeconds, 0)} s, total ${fmt(seconds, 0)} s with clean-up${QUICK ? " (--quick)" : ""}`,
  );
  console.log(`ours = node dist/runtime/main.js --backend ozone (OM gRPC ${cluster.omAddress}); Java s3g = Ozone 2.2.0's own S3 gateway (${cluster.s3g.origin}); same cluster, same signed requests`);
  console.log("");
  report.printTable();

  console.log("\nMemory (/proc/<pid>/status; RSS sampled every 250 ms during the measured part):");
  for (const g of gws) {
    const m = endMemory.get(g)!;
    if (g.target.name === "ours") {
      console.log(
        `  ours     (node, pid ${g.pid}${g.pids.length > 1 ? ` and ${g.pids.length - 1} worker processes, summed` : ""}, started by this run): RSS at start ${mib(g.memory.startKiB)}, after the run ${mib(m.rss)}, peak ${mib(m.hwm)} (VmHWM), sampled peak ${mib(g.memory.peakSampledKiB)}`,
      );
    } else {
      const xmx = cmdlineOf(g.pid).find((a) => a.startsWith("-Xmx")) ?? `-Xmx${cluster.heap ?? "?"}`;
      const since = processStart(g.pid);
      console.log(
        `  Java s3g (JVM ${xmx}, pid ${g.pid}, running since ${since ? since.toISOString().replace("T", " ").slice(0, 19) : "?"} UTC): RSS at start ${mib(g.memory.startKiB)}, after the run ${mib(m.rss)}, ` +
          `peak ${mib(m.hwm)} (VmHWM, since the JVM started), sampled peak during this run ${mib(g.memory.peakSampledKiB)}${javaHeap ? `; ${javaHeap}` : ""}`,
      );
    }
  }
  if (daemonRss.length > 0) console.log(`  Ozone daemons after the run (shared by both gateways): ${daemonRss.join(", ")}`);
  const heap = (g: GcSnapshot | undefined) =>
    g === undefined
      ? "?"
      : `heap ${fmt(g.heapUsed / 1048576)} of ${fmt(g.heapMax / 1048576)} MiB used, old generation ${fmt(g.oldAfterGc / 1048576)} of ${fmt(g.oldMax / 1048576)} MiB after the last full GC, ` +
        `${g.fullCount} full GCs (${fmt(g.fullMs / 1000, 1)} s) since the OM started`;
  console.log(`  OM JVM (its /jmx): at the start ${heap(omAtStart)}; after the run ${heap(omAtEnd)}`);

  const site = (k: string) => siteProperty(siteXml, k) ?? "(unset)";
  console.log("\nWhat was measured:");
  console.log(`  - Ozone 2.2.0 on one machine (SCM, OM, ${DATANODES} datanodes; scripts/ozone/cluster.mjs --dir ${OZONE_DIR}), security off; ${cluster.ozoneSite ?? "ozone-site.xml"}:`);
  console.log(`    ozone.scm.block.size=${site("ozone.scm.block.size")}`);
  console.log(`    ozone.replication=${site("ozone.replication")}, ozone.replication.type=${site("ozone.replication.type")}, ozone.server.default.replication=${site("ozone.server.default.replication")}, ozone.server.default.replication.type=${site("ozone.server.default.replication.type")}`);
  console.log("  - ours sends no replication (storage class STANDARD -> DEFAULT), so the OM applies the server default; the Java s3g sends its client default (ozone.replication[.type])");
  console.log(`  - both gateways write into volume ${VOLUME}, each into its own buckets (${RUN}-*, named to sort after earlier runs' deleted keys); every request SigV4-signed with a real payload hash (the Java s3g checks no signature: security is off)`);
  console.log("  - order: interleaved per workload (warm-up of both, then 3 alternating slices per point, summed per gateway), so Ozone's background work and disk drift fall on both; bulk loads: ours, then Java");
  console.log(`  - 2 cores shared by the SCM, OM and datanode JVMs, both gateways and this load generator (only one gateway is under load at a time; the other sits idle)`);
  console.log("\nChecks:");
  for (const c of report.checks) console.log(`  - ${c}`);
  const lower = foreign.lost ? "at least " : "";
  console.log(
    foreignTotal === 0 && !foreign.lost
      ? `  - other clients of the cluster during the run: none seen (no OM operation on another bucket in ${auditLog})`
      : `  - other clients of the cluster during the run: ${lower}${fmt(foreignTotal)} OM operations on ${foreign.buckets.size} other buckets (${[...foreign.buckets].slice(0, 6).join(", ")}${foreign.buckets.size > 6 ? ", ..." : ""}), from ${auditLog}`,
  );
  report.printOutcome();
  console.log("\nClean-up:");
  for (const l of cleanupLines) console.log(`  - ${l}`);
  printChildOutputs();
  await cleanUp();
  if (failure !== undefined) throw failure;
}

main().catch(async (err: unknown) => {
  console.error(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
  // A failure before the measuring started leaves our gateway running, which would keep this process alive.
  await cleanUp();
});
