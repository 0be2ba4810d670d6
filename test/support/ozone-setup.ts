/**
 * vitest globalSetup of the "ozone" project: makes sure a real Ozone 2.2.0 cluster (SCM, OM, one
 * datanodes and Ozone's own Java S3 gateway) is running, with the project's own script
 * (scripts/ozone/cluster.mjs, idempotent: a cluster already up is reused as is), and hands its
 * endpoints to the tests. A cluster this setup started is stopped at the end; one that was already
 * up (started by .ci/run or by hand) is left running.
 *
 * A cluster that cannot start fails the run. (S3G_TEST_OZONE=0 leaves the whole Ozone project
 * out, see vitest.config.ts; never under CI.)
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = path.join(ROOT, "scripts/ozone/cluster.mjs");
/**
 * How the test cluster is started, shared with .ci/run: with Ozone's Java S3 gateway, and 4 MB
 * blocks (Ozone's default is 256 MB) so that ordinary test objects span several blocks.
 * (Settings apply when the cluster starts; a cluster already up is used as it is.)
 */
export const TEST_CLUSTER_ARGS = readFileSync(path.join(ROOT, "test/support/ozone-test-cluster.args"), "utf8").trim().split(/\s+/);

export interface OzoneEndpoints {
  /** host:port of the OM gRPC endpoint */
  omGrpc: string;
  /** http://host:port of Ozone's Java S3 gateway */
  s3g: string;
  /**
   * How many datanodes the cluster runs (fixed when its directory was made): with 3 or more its
   * defaults are Ozone's own, RATIS/THREE; with fewer, STAND_ALONE/ONE.
   */
  datanodes: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    ozone: OzoneEndpoints;
  }
}

function run(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout }));
  });
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const wasUp = spawnSync(process.execPath, [SCRIPT, "status"], { stdio: "ignore" }).status === 0;
  const up = await run(["up", ...TEST_CLUSTER_ARGS]);
  const lines = up.stdout.trim().split("\n");
  const omGrpc = lines.at(-1) ?? "";
  const s3g = /^S3G (\S+)/.exec(lines.at(-2) ?? "")?.[1];
  if (up.code !== 0 || !/^[\w.-]+:\d+$/.test(omGrpc) || s3g === undefined) {
    throw new Error(`the Ozone test cluster did not start (scripts/ozone/cluster.mjs up exited ${up.code}):\n${up.stdout}`);
  }
  const state = JSON.parse(readFileSync(path.join(ROOT, ".ozone/cluster.json"), "utf8")) as { datanodes?: unknown };
  const datanodes = typeof state.datanodes === "number" ? state.datanodes : 1;
  project.provide("ozone", { omGrpc, s3g, datanodes });
  if (wasUp) return undefined;
  return async () => {
    await run(["down"]);
  };
}
