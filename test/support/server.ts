/**
 * Starts the real gateway process (dist/runtime/main.js, built by `npm test` before vitest runs) on
 * free ports with a fresh data directory, and stops it. Every integration suite goes through this.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import http from "node:http";
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { createTestVolume, ON_OZONE, ozoneEndpoints } from "./ozone.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const MAIN = path.join(ROOT, "dist/runtime/main.js");

export interface RunningGateway {
  endpoint: string;
  adminEndpoint: string;
  port: number;
  adminPort: number;
  dataDir: string;
  accessKeyId: string;
  secretAccessKey: string;
  process: ChildProcess;
  /** everything the process printed so far */
  output(): string;
  /**
   * a client with the SDK's default settings (checksums included), path-style; `checksums:
   * "required"`: one that sends and checks checksums only where an operation requires them
   */
  client(overrides?: { accessKeyId?: string; secretAccessKey?: string; region?: string; checksums?: "required" }): S3Client;
  /** SIGTERM and wait; `removeData` (default true) deletes the data directory */
  stop(opts?: { removeData?: boolean }): Promise<void>;
  /**
   * SIGKILL of the whole gateway (the primary and every worker at once) and wait until all are gone:
   * for crash tests
   */
  kill(): Promise<void>;
  /** the worker processes' pids (none for a single-process gateway) */
  workerPids(): Promise<number[]>;
  /** the gateway's processes: the primary (or only) one and its workers */
  allPids(): Promise<number[]>;
}

export interface StartOptions {
  dataDir?: string;
  env?: Record<string, string>;
  args?: string[];
  accessKeyId?: string;
  secretAccessKey?: string;
  /**
   * `--workers`; default 2, whatever the machine's cores (the gateway's own default is one per
   * core): every suite then runs through a primary and a worker serving in turn (`--placement
   * turn`, unless args or env set it), as a 2-core production machine would under load
   */
  workers?: number;
}

/** The pids of `pid`'s live children (Linux: /proc/<pid>/task/<tid>/children), not the exited ones. */
export async function childPids(pid: number): Promise<number[]> {
  const pids: number[] = [];
  let tasks: string[];
  try {
    tasks = await readdir(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const tid of tasks) {
    const text = await readFile(`/proc/${pid}/task/${tid}/children`, "utf8").catch(() => "");
    for (const p of text.split(/\s+/)) if (p !== "" && !(await isZombie(Number(p)))) pids.push(Number(p));
  }
  return pids;
}

/**
 * A child that exited and is not reaped yet is still listed as a child (state Z) until its parent's
 * event loop gets to the SIGCHLD: under load that is after the kill a test waited for.
 */
async function isZombie(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // the state follows the command name, which is in parentheses and may hold any character
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return stat === "" || state === "Z" || state === "X";
}

/** Files under `dir`, recursively (a worker receives into a directory of its own under tmp/). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** true while `pid` exists (a zombie counts as gone) */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat !== undefined && !/^\d+ \(.*\) Z/.test(stat);
}

export async function startGateway(opts: StartOptions = {}): Promise<RunningGateway> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), "s3gw-test-")));
  const accessKeyId = opts.accessKeyId ?? "AKIDS3GWTEST0001";
  const secretAccessKey = opts.secretAccessKey ?? "test-secret-key-0001-abcdefghijklmnop";
  // In the "ozone" test project every gateway runs on the Ozone test cluster, in a volume of its own.
  const backendArgs: string[] = [];
  if (ON_OZONE && !opts.args?.includes("--backend")) {
    const ozone = ozoneEndpoints();
    if (ozone === undefined) throw new Error("the ozone test project needs the Ozone test cluster");
    const volume = await createTestVolume(ozone.omGrpc, accessKeyId);
    backendArgs.push("--backend", "ozone", "--ozone-om-address", ozone.omGrpc, "--ozone-volume", volume);
  }
  // connections in turn (`--placement turn`), unless a test says otherwise: every suite's requests
  // then reach the workers too, whatever the load (the default, `load`, keeps a light load on the
  // primary: test/workers/placement.test.ts)
  const workerArgs = [
    ...(opts.args?.includes("--workers") ? [] : ["--workers", String(opts.workers ?? 2)]),
    ...(opts.args?.includes("--placement") || opts.env?.S3G_PLACEMENT !== undefined ? [] : ["--placement", "turn"]),
  ];
  const child = spawn(process.execPath, [MAIN, "--port", "0", "--admin-port", "0", "--data-dir", dataDir, ...backendArgs, ...workerArgs, ...(opts.args ?? [])], {
    env: {
      PATH: process.env.PATH ?? "",
      S3G_ACCESS_KEY: accessKeyId,
      S3G_SECRET_KEY: secretAccessKey,
      S3G_LOG_LEVEL: "warn",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const ports = await new Promise<{ scheme: string; port: number; adminPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      // no one will stop it: it must not outlive the test (seen on a loaded machine)
      child.kill("SIGKILL");
      reject(new Error(`gateway did not start in 20 s:\n${out}`));
    }, 20_000);
    const check = () => {
      const m = /listening on (https?):\/\/[^:]+:(\d+) \(admin http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ scheme: m[1], port: Number(m[2]), adminPort: Number(m[3]) });
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${out}`));
    });
  });
  // https when the gateway was given a certificate (its client() then needs a handler trusting it)
  const endpoint = `${ports.scheme}://127.0.0.1:${ports.port}`;
  return {
    endpoint,
    adminEndpoint: `http://127.0.0.1:${ports.adminPort}`,
    port: ports.port,
    adminPort: ports.adminPort,
    dataDir,
    accessKeyId,
    secretAccessKey,
    process: child,
    output: () => out,
    client(o = {}) {
      return new S3Client({
        endpoint,
        region: o.region ?? "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId: o.accessKeyId ?? accessKeyId, secretAccessKey: o.secretAccessKey ?? secretAccessKey },
        maxAttempts: 1,
        ...(o.checksums === "required" && { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" }),
      });
    },
    async stop({ removeData = true } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      if (removeData && !opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
    async kill() {
      // the primary first, so that it cannot replace the workers killed next
      const workers = child.pid !== undefined ? await childPids(child.pid) : [];
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      for (const pid of workers) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
      await exited;
      for (const pid of workers) while (await alive(pid)) await new Promise((r) => setTimeout(r, 10));
    },
    allPids: async () => (child.pid !== undefined && child.exitCode === null ? [child.pid, ...(await childPids(child.pid))] : []),
    workerPids: () => (child.pid !== undefined && child.exitCode === null ? childPids(child.pid) : Promise.resolve([])),
  };
}

/** A user of a test gateway, as its config file gives it: one access key. */
export interface TestUser {
  canonicalId: string;
  displayName: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface UsersGateway {
  gw: RunningGateway;
  /** an SDK client per user, in the order given */
  clients: S3Client[];
  /** destroys the clients, stops the gateway and removes its config */
  stop(): Promise<void>;
}

/** A gateway whose config file has these users (and no other credential), with an SDK client for each. */
export async function startWithUsers(users: readonly TestUser[], opts: Omit<StartOptions, "args"> = {}): Promise<UsersGateway> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-users-"));
  try {
    const config = path.join(dir, "config.json");
    const entries = users.map((u) => ({ canonicalId: u.canonicalId, displayName: u.displayName, accessKeys: [{ accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey }] }));
    await writeFile(config, JSON.stringify({ users: entries }));
    const gw = await startGateway({ ...opts, args: ["--config", config] });
    const clients = users.map((u) => gw.client({ accessKeyId: u.accessKeyId, secretAccessKey: u.secretAccessKey }));
    return {
      gw,
      clients,
      async stop() {
        for (const c of clients) c.destroy();
        await gw.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * A client of `gw` that opens a new connection per request: the primary hands connections to
 * itself and its workers in turn (runtime/workers/connections.ts), so successive requests reach
 * different processes.
 */
export function connectionPerRequest(gw: RunningGateway): S3Client {
  return clientWith(gw, new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: false }) }));
}

/** A client of `gw` (its credentials, one attempt) whose connections `handler` makes. */
export function clientWith(gw: RunningGateway, handler: NodeHttpHandler): S3Client {
  return new S3Client({
    endpoint: gw.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
    maxAttempts: 1,
    requestHandler: handler,
  });
}
