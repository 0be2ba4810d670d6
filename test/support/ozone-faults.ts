/**
 * The fault tests' own Ozone cluster (test/ozone-faults/): four datanodes, RATIS/THREE, 4 MB
 * blocks and SCM node-state timings of seconds, started with scripts/ozone/cluster.mjs from
 * test/support/ozone-faults-cluster.args. Its datanodes and OM are stopped and started by the
 * tests, so it is never the shared test cluster (.ozone) the other Ozone suites use.
 *
 * The settings, and why (Ozone 2.2.0 names; defaults in hdds-common's ozone-default.xml):
 * - `ozone.scm.datanode.pipeline.limit=1`: one RATIS/THREE pipeline per datanode, so the four
 *   datanodes hold exactly one (three of them) and the fourth is free: every RATIS/THREE write goes
 *   through that pipeline (a test knows which datanodes to stop), and once one of its datanodes is
 *   gone and SCM has closed it, SCM can form a new one with the fourth.
 * - `ozone.scm.heartbeat.thread.interval=1s`, `ozone.scm.stale.node.interval=6s`: SCM checks node
 *   health every second and calls a datanode stale after 6 s without a heartbeat (default 5 min);
 *   its StaleNodeHandler then closes the datanode's pipelines. (HddsServerUtil.getStaleNodeInterval:
 *   at least 5 heartbeat-thread intervals and 3 `hdds.heartbeat.interval`s, which cluster.mjs sets
 *   to 1 s.) `ozone.scm.dead.node.interval` stays 10 min (at least twice the stale interval): a
 *   stopped datanode is back long before it would be declared dead and its replicas re-made.
 * - `ozone.scm.pipeline.creation.interval=5s` (default 120 s): the background pipeline creator
 *   forms a pipeline soon after a datanode is back. (SCM also forms one on demand when the OM asks
 *   for a block and none is open: WritableRatisContainerProvider.)
 * - `ozone.scm.pipeline.destroy.timeout=5s`, `ozone.scm.pipeline.scrub.interval=5s`,
 *   `ozone.scm.pipeline.allocated.timeout=20s`: closed pipelines go away, and a pipeline that SCM
 *   allocated with a datanode that had just stopped (still healthy to SCM) does not hold the
 *   datanodes' single pipeline slot for 5 min.
 * - `hdds.pipeline.report.interval=5s` (default 60 s): datanodes report their pipelines often.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = path.join(ROOT, "scripts/ozone/cluster.mjs");
/** `up`'s arguments, shared with .ci/run's clean-up; `--dir` is relative to the project root */
export const FAULTS_CLUSTER_ARGS = readFileSync(path.join(ROOT, "test/support/ozone-faults-cluster.args"), "utf8").trim().split(/\s+/);
export const FAULTS_DIR = path.resolve(ROOT, FAULTS_CLUSTER_ARGS[FAULTS_CLUSTER_ARGS.indexOf("--dir") + 1]);

export interface ClusterRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cluster.mjs COMMAND ARGS... --dir <the fault cluster>`; resolves with its exit code and output. */
export function faultsCluster(...args: string[]): Promise<ClusterRun> {
  return new Promise((resolve, reject) => {
    const withDir = args[0] === "up" ? [...args, ...FAULTS_CLUSTER_ARGS] : [...args, "--dir", FAULTS_DIR];
    const child = spawn(process.execPath, [SCRIPT, ...withDir], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a cluster command that must succeed (a datanode or the OM stopped or started). */
export async function faultsClusterOk(...args: string[]): Promise<void> {
  const r = await faultsCluster(...args);
  if (r.code !== 0) throw new Error(`cluster.mjs ${args.join(" ")} exited ${r.code}:\n${r.stdout}${r.stderr}`);
}

export interface FaultsCluster {
  omGrpc: string;
  /** datanode number (1 = the first, as `cluster.mjs datanode stop I` takes it) by its standalone gRPC port */
  datanodeByStandalonePort: Map<number, number>;
}

/**
 * Starts the fault cluster, or finds it running (`up` is idempotent), and describes it. Called by
 * each fault test file's beforeAll rather than by the project's globalSetup: vitest runs every
 * project's globalSetup before any test, and the cluster's six JVMs would then compete with the
 * whole main suite for the machine. The globalSetup (ozone-faults-setup.ts) stops it at the end.
 */
export async function startFaultsCluster(): Promise<FaultsCluster> {
  const up = await faultsCluster("up");
  const omGrpc = up.stdout.trim().split("\n").at(-1) ?? "";
  if (up.code !== 0 || !/^[\w.-]+:\d+$/.test(omGrpc)) {
    throw new Error(`the Ozone fault cluster did not start (cluster.mjs up exited ${up.code}):\n${up.stdout}${up.stderr}`);
  }
  const state = JSON.parse(readFileSync(path.join(FAULTS_DIR, "cluster.json"), "utf8")) as { datanodes: number; ports: Record<string, number> };
  const datanodeByStandalonePort = new Map<number, number>();
  for (let i = 1; i <= state.datanodes; i++) datanodeByStandalonePort.set(state.ports[i === 1 ? "dnStandalone" : `dn${i}Standalone`], i);
  return { omGrpc, datanodeByStandalonePort };
}
