/**
 * The fault tests' own Ozone cluster (test/ozone-faults/): four datanodes, RATIS/THREE, 4 MB
 * blocks and SCM node-state timings of seconds, started with scripts/ozone/cluster.mjs from
 * test/support/ozone-faults-cluster.args. Its datanodes and OM are stopped and started by the
 * tests, so it is never the shared test cluster (.ozone) the other Ozone suites use
 * (test/support/ozone-cluster.ts runs it).
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
 * - `--c1`: the daemons JIT with C1 only; a cluster that lives a few minutes of tests gains nothing
 *   from C2, whose compilations took CPU from the tests (scripts/ozone/README.md has the figures).
 */
import { ozoneTestCluster, type ClusterRun, type StartedCluster } from "./ozone-cluster.js";

const cluster = ozoneTestCluster("test/support/ozone-faults-cluster.args", "fault");

/** Runs `cluster.mjs COMMAND ARGS... --dir <the fault cluster>`; resolves with its exit code and output. */
export function faultsCluster(...args: string[]): Promise<ClusterRun> {
  return cluster.run(...args);
}

/** Runs a cluster command that must succeed (a datanode or the OM stopped or started). */
export async function faultsClusterOk(...args: string[]): Promise<void> {
  await cluster.runOk(...args);
}

export type FaultsCluster = StartedCluster;

/** The command line of each running daemon of the fault cluster, by name (scm, om, dn, dn2...). */
export function faultsDaemonCommandLines(): Map<string, string[]> {
  return cluster.daemonCommandLines();
}

/**
 * Starts the fault cluster, or finds it running (`up` is idempotent), and describes it. Called by
 * each fault suite's beforeAll rather than by the project's globalSetup: vitest runs every
 * project's globalSetup before any test, and the cluster's six JVMs would then compete with the
 * whole main suite for the machine. The globalSetup (ozone-faults-setup.ts) stops it at the end.
 */
export function startFaultsCluster(): Promise<FaultsCluster> {
  return cluster.start();
}
