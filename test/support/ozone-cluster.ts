/**
 * A test suite's own Ozone cluster, run by scripts/ozone/cluster.mjs: the EC read tests'
 * (ozone-ec.ts) and the fault tests' (ozone-faults.ts), each described by an args file of `up`'s
 * arguments (shared with .ci/run's clean-up) whose `--dir`, relative to the project root, is the
 * cluster's directory. Their datanodes (and OM) are stopped and started by the tests, so such a
 * cluster is never the shared test cluster (.ozone) the other Ozone suites use.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = path.join(ROOT, "scripts/ozone/cluster.mjs");

export interface ClusterRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface StartedCluster {
  omGrpc: string;
  /** Ozone's Java S3 gateway, http://host:port, when the args file starts one (`up` prints "S3G <url>" before the OM address) */
  s3g?: string;
  /** datanode number (1 = the first, as `cluster.mjs datanode stop I` takes it) by its STANDALONE gRPC port */
  datanodeByStandalonePort: Map<number, number>;
}

export interface OzoneTestCluster {
  /** `up`'s arguments, from the args file */
  readonly upArgs: readonly string[];
  /** the cluster's directory (absolute) */
  readonly dir: string;
  /**
   * Runs `cluster.mjs COMMAND ARGS... --dir <the cluster>` (`up` with the args file's arguments;
   * `shell` with the dir first, as it requires); resolves with its exit code and output.
   */
  run(...args: string[]): Promise<ClusterRun>;
  /** Runs a command that must succeed (Ozone's shell, a datanode or the OM stopped or started); its stdout. */
  runOk(...args: string[]): Promise<string>;
  /** Starts the cluster, or finds it running (`up` is idempotent), and answers its OM address and datanode numbering. */
  start(): Promise<StartedCluster>;
  /** The command line of each daemon cluster.json records as running (from /proc), by daemon name. */
  daemonCommandLines(): Map<string, string[]>;
}

/**
 * The cluster of `argsFile` (relative to the project root, e.g. "test/support/ozone-ec-cluster.args");
 * `label` names it in a start failure ("the Ozone <label> cluster did not start").
 */
export function ozoneTestCluster(argsFile: string, label: string): OzoneTestCluster {
  const upArgs = readFileSync(path.join(ROOT, argsFile), "utf8").trim().split(/\s+/);
  const dir = path.resolve(ROOT, upArgs[upArgs.indexOf("--dir") + 1]);

  function run(...args: string[]): Promise<ClusterRun> {
    return new Promise((resolve, reject) => {
      const withDir = args[0] === "up" ? [...args, ...upArgs] : args[0] === "shell" ? ["shell", "--dir", dir, ...args.slice(1)] : [...args, "--dir", dir];
      const child = spawn(process.execPath, [SCRIPT, ...withDir], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
  }

  async function runOk(...args: string[]): Promise<string> {
    const r = await run(...args);
    if (r.code !== 0) throw new Error(`cluster.mjs ${args.join(" ")} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  async function start(): Promise<StartedCluster> {
    const up = await run("up");
    const lines = up.stdout.trim().split("\n");
    const omGrpc = lines.at(-1) ?? "";
    const s3g = /^S3G (\S+)/.exec(lines.at(-2) ?? "")?.[1];
    if (up.code !== 0 || !/^[\w.-]+:\d+$/.test(omGrpc)) {
      throw new Error(`the Ozone ${label} cluster did not start (cluster.mjs up exited ${up.code}):\n${up.stdout}${up.stderr}`);
    }
    const state = JSON.parse(readFileSync(path.join(dir, "cluster.json"), "utf8")) as { datanodes: number; ports: Record<string, number> };
    const datanodeByStandalonePort = new Map<number, number>();
    for (let i = 1; i <= state.datanodes; i++) datanodeByStandalonePort.set(state.ports[i === 1 ? "dnStandalone" : `dn${i}Standalone`], i);
    return { omGrpc, s3g, datanodeByStandalonePort };
  }

  function daemonCommandLines(): Map<string, string[]> {
    const state = JSON.parse(readFileSync(path.join(dir, "cluster.json"), "utf8")) as { pids: Record<string, number> };
    const lines = new Map<string, string[]>();
    for (const [name, pid] of Object.entries(state.pids)) {
      try {
        lines.set(name, readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0"));
      } catch {
        // not running (any more): not listed
      }
    }
    return lines;
  }

  return { upArgs, dir, run, runOk, start, daemonCommandLines };
}
