/**
 * The EC tests' own Ozone cluster (test/ozone-ec-cluster/): five datanodes, the fewest that
 * hold an rs-3-2 block group (three data and two parity replicas on five datanodes), 4 MB
 * blocks so that a key of a few MiB spans several block groups, and Ozone's Java S3 gateway (EC
 * keys written through either gateway are read through the other), its daemons JIT with C1 only
 * (`--c1`: a cluster that lives a few minutes of tests gains nothing from C2). Started with
 * scripts/ozone/cluster.mjs from test/support/ozone-ec-cluster.args by the first suite, stopped
 * (and purged) by the project's globalSetup at the end of the run. Its datanodes are stopped and
 * started by the tests, so it is never the shared test cluster (.ozone) the other Ozone suites use
 * (test/support/ozone-cluster.ts runs it).
 */
import { openOzoneStore } from "../../runtime/storage/ozone/index.js";
import { StorageError } from "../../runtime/storage/types.js";
import { bodyFromBuffer } from "../storage/body.js";
import { ozoneTestCluster, type ClusterRun, type StartedCluster } from "./ozone-cluster.js";
import { createTestVolume } from "./ozone.js";

const cluster = ozoneTestCluster("test/support/ozone-ec-cluster.args", "EC");

/** Runs `cluster.mjs COMMAND ARGS... --dir <the EC cluster>` (`shell`: the dir first, as it requires). */
export function ecCluster(...args: string[]): Promise<ClusterRun> {
  return cluster.run(...args);
}

/** Runs a cluster command that must succeed (Ozone's shell, a datanode stopped or started). */
export function ecClusterOk(...args: string[]): Promise<string> {
  return cluster.runOk(...args);
}

export interface EcCluster extends StartedCluster {
  s3g: string;
}

/** Starts the EC cluster (or finds it up) and answers its OM address, its Java S3 gateway and datanode numbering. */
export async function startEcCluster(): Promise<EcCluster> {
  const started = await cluster.start();
  if (started.s3g === undefined) throw new Error("the Ozone EC cluster started without Ozone's Java S3 gateway (cluster.mjs up printed no S3G line)");
  return { ...started, s3g: started.s3g };
}

/**
 * Waits until the cluster places rs-3-2 block groups. After datanodes were stopped and started
 * again (by another test file), SCM's EC pipelines all hold every one of the five datanodes, and
 * until the restarted ones serve writes again and SCM has sorted its pipelines out, an EC write
 * fails on one of them and finds no other group: UNAVAILABLE (503), as it should. A test that
 * needs EC writes waits for that to pass first.
 */
export async function waitEcWritable(cluster: EcCluster, timeoutMs = 240_000): Promise<void> {
  const owner = "AKIDS3GWTEST0001";
  const volume = await createTestVolume(cluster.omGrpc, owner);
  const store = await openOzoneStore({ omAddresses: [cluster.omGrpc], volume, replication: { STANDARD: "EC/rs-3-2-1024k" }, requestTimeoutMs: 10_000, serviceAccessKeyId: owner });
  try {
    await store.createBucket("ec-probe", owner);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await store.putObject({ bucket: "ec-probe", key: "probe", userMetadata: {}, tags: {}, storageClass: "STANDARD", owner }, bodyFromBuffer(Buffer.from("probe")));
        return;
      } catch (err) {
        if (!(err instanceof StorageError && err.kind === "UNAVAILABLE") || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  } finally {
    await store.close();
  }
}
