/**
 * The EC tests' own Ozone cluster (test/ozone-ec-cluster/): five datanodes, the fewest that
 * hold an rs-3-2 block group (three data and two parity replicas on five datanodes), 4 MB
 * blocks so that a key of a few MiB spans several block groups, and Ozone's Java S3 gateway (EC
 * keys written through either gateway are read through the other). Started with
 * scripts/ozone/cluster.mjs from test/support/ozone-ec-cluster.args by the first test file, stopped
 * (and purged) by the project's globalSetup at the end of the run. Its datanodes are stopped and
 * started by the tests, so it is never the shared test cluster (.ozone) the other Ozone suites use.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openOzoneStore } from "../../runtime/storage/ozone/index.js";
import { StorageError } from "../../runtime/storage/types.js";
import { bodyFromBuffer } from "../storage/body.js";
import { createTestVolume } from "./ozone.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = path.join(ROOT, "scripts/ozone/cluster.mjs");
/** `up`'s arguments, shared with .ci/run's clean-up; `--dir` is relative to the project root */
export const EC_CLUSTER_ARGS = readFileSync(path.join(ROOT, "test/support/ozone-ec-cluster.args"), "utf8").trim().split(/\s+/);
export const EC_DIR = path.resolve(ROOT, EC_CLUSTER_ARGS[EC_CLUSTER_ARGS.indexOf("--dir") + 1]);

export interface ClusterRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cluster.mjs COMMAND ARGS... --dir <the EC cluster>` (`shell`: the dir first, as it requires). */
export function ecCluster(...args: string[]): Promise<ClusterRun> {
  return new Promise((resolve, reject) => {
    const withDir = args[0] === "up" ? [...args, ...EC_CLUSTER_ARGS] : args[0] === "shell" ? ["shell", "--dir", EC_DIR, ...args.slice(1)] : [...args, "--dir", EC_DIR];
    const child = spawn(process.execPath, [SCRIPT, ...withDir], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a cluster command that must succeed (Ozone's shell, a datanode stopped or started). */
export async function ecClusterOk(...args: string[]): Promise<string> {
  const r = await ecCluster(...args);
  if (r.code !== 0) throw new Error(`cluster.mjs ${args.join(" ")} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

export interface EcCluster {
  omGrpc: string;
  /** Ozone's Java S3 gateway, http://host:port */
  s3g: string;
  /** cluster.mjs's datanode number (1-based) by the datanode's STANDALONE gRPC port */
  datanodeByStandalonePort: Map<number, number>;
}

/** Starts the EC cluster (or finds it up) and answers its OM address and datanode numbering. */
export async function startEcCluster(): Promise<EcCluster> {
  const up = await ecCluster("up");
  const lines = up.stdout.trim().split("\n");
  const omGrpc = lines.at(-1) ?? "";
  const s3g = /^S3G (\S+)/.exec(lines.at(-2) ?? "")?.[1];
  if (up.code !== 0 || !/^[\w.-]+:\d+$/.test(omGrpc) || s3g === undefined) {
    throw new Error(`the Ozone EC cluster did not start (cluster.mjs up exited ${up.code}):\n${up.stdout}${up.stderr}`);
  }
  const state = JSON.parse(readFileSync(path.join(EC_DIR, "cluster.json"), "utf8")) as { datanodes: number; ports: Record<string, number> };
  const datanodeByStandalonePort = new Map<number, number>();
  for (let i = 1; i <= state.datanodes; i++) datanodeByStandalonePort.set(state.ports[i === 1 ? "dnStandalone" : `dn${i}Standalone`], i);
  return { omGrpc, s3g, datanodeByStandalonePort };
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
