/**
 * The `s3-gateway` executable (bin/s3-gateway.js -> dist/runtime/main.js): --help generated from the
 * config schema, --version from package.json, usage errors, the start-up lines, and the launcher in
 * the states a user meets it in: a fresh clone with no dist/, a stale dist/, and a packed package.
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, utimes } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SETTINGS } from "../../runtime/config.js";
import { ROOT, startGateway } from "../support/server.js";

const BIN = path.join(ROOT, "bin/s3-gateway.js");

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd ?? ROOT,
      // no S3G_* from the environment of the test run
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const gateway = (args: string[], opts?: { cwd?: string }) => run(process.execPath, [BIN, ...args], opts);

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const pkg = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };

/** A description as --help prints it: Markdown code spans without their backticks, wrapped. */
const words = (text: string) => text.replace(/`/g, "").split(/\s+/).join(" ");

describe("s3-gateway --help and --version", () => {
  it("is declared as package.json's bin", () => {
    expect(pkg.bin).toEqual({ "s3-gateway": "bin/s3-gateway.js" });
  });

  it("--help lists every setting of the config schema with its flag, environment variable and description", async () => {
    const r = await gateway(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const help = r.stdout.split(/\s+/).join(" ");
    expect(SETTINGS.length).toBeGreaterThan(20);
    for (const s of SETTINGS) {
      expect(help, s.key).toContain(` ${s.key} `);
      if (s.flag) expect(help, s.key).toContain(`${s.flag} `);
      if (s.env) expect(help, s.key).toContain(`${s.env}=`);
      expect(help, s.key).toContain(words(s.description!));
    }
    expect(help).toContain("--config FILE");
    expect(help).toContain("S3G_CONFIG");
    // the defaults are there too (DEFAULTS, not a copy)
    expect(help).toContain("Default: 9878.");
    expect(help).toContain("Default: 2097152 (2 MiB).");
  });

  it("--help wins over a bad setting on the same line; -h is the same", async () => {
    const r = await gateway(["--port", "not-a-port", "-h"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: s3-gateway");
  });

  it("--version prints package.json's version", async () => {
    const r = await gateway(["--version"]);
    expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });

  it("an unknown flag is a usage error: exit status 2, the problem and a pointer to --help on stderr", async () => {
    const r = await gateway(["--bogus", "1"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("unknown argument --bogus");
    expect(r.stderr).toContain("s3-gateway --help");
  });
});

describe("start-up lines", () => {
  it("name the S3 endpoint and region, the admin endpoint, the data directory and the credentials' source", async () => {
    const gw = await startGateway({ args: ["--domain", "s3.test"] });
    cleanups.push(() => gw.stop());
    await expect.poll(() => gw.output(), { timeout: 5_000 }).toContain("credentials:");
    const out = gw.output();
    expect(out).toContain(`S3 gateway ${pkg.version} listening on ${gw.endpoint} (admin ${gw.adminEndpoint})`);
    expect(out).toContain(`S3 endpoint:    ${gw.endpoint}, region us-east-1, path-style and virtual-hosted-style (<bucket>.s3.test)`);
    expect(out).toContain(`admin endpoint: ${gw.adminEndpoint} (/livez, /readyz, /metrics)`);
    expect(out).toContain(`API reference:  ${gw.adminEndpoint}/docs/`);
    // two serving processes (the harness's default), a primary and a worker: one set of start-up lines
    expect(out).toMatch(/processes: {6}2: the primary \(pid \d+, owns the store\) and 1 worker\n/);
    expect(out.split("listening on").length - 1).toBe(1);
    expect(out).toContain(`storage:        embedded, data directory ${gw.dataDir}`);
    expect(out).toContain(`credentials:    1 configured (access key ${gw.accessKeyId})`);
    expect(out).not.toContain(gw.secretAccessKey);
  });
});

/** The files of a clone: what git tracks here, with this worktree's edits, and the shared node_modules. */
async function freshClone(): Promise<string> {
  const dir = await tempDir("s3gw-clone-");
  const files = (await run("git", ["ls-files", "-z"])).stdout.split("\0").filter(Boolean);
  // untracked files of this change (the test runs before a commit too) and no dist/
  const untracked = (await run("git", ["ls-files", "-z", "--others", "--exclude-standard"])).stdout.split("\0").filter(Boolean);
  for (const f of [...files, ...untracked]) {
    await cp(path.join(ROOT, f), path.join(dir, f), { recursive: true, force: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err; // a file deleted in the work tree
    });
  }
  await symlink(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

describe("the launcher, bin/s3-gateway.js", () => {
  it("in a clone without dist/, builds it first (output on stderr), then runs; later runs reuse it; a stale build is rebuilt", async () => {
    const clone = await freshClone();
    const run1 = await run(process.execPath, ["bin/s3-gateway.js", "--version"], { cwd: clone });
    expect(run1.stderr).toContain("dist/ is not built yet: building it");
    expect(run1).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });

    // npx finds the project's own bin (--no: never fetch a package of that name from a registry)
    const run2 = await run("npm", ["exec", "--offline", "--no", "--", "s3-gateway", "--help"], { cwd: clone });
    expect(run2.code).toBe(0);
    expect(run2.stderr).not.toContain("building");
    expect(run2.stdout).toContain("Usage: s3-gateway");

    // a build older than the sources (a git pull, an edit): rebuilt before it runs
    const old = new Date(Date.now() - 3600_000);
    await utimes(path.join(clone, "dist/runtime/main.js"), old, old);
    const run3 = await run(process.execPath, ["bin/s3-gateway.js", "--version"], { cwd: clone });
    expect(run3.stderr).toContain("runtime/ or generated/ changed since the last build: building it");
    expect(run3).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  }, 300_000);

  it("in a packed package (npm pack: bin/ and the built dist/, no sources, no TypeScript), runs what was shipped", async () => {
    const dir = await tempDir("s3gw-pack-");
    // dist/ is built (npm test builds before vitest); --ignore-scripts: not `prepare` again
    const packed = await run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir]);
    expect(packed.code).toBe(0);
    const tarball = path.join(dir, packed.stdout.trim().split("\n").pop()!);
    expect((await run("tar", ["-xzf", tarball, "-C", dir])).code).toBe(0);
    const installed = path.join(dir, "package");
    const listing = (await run("find", [".", "-type", "f"], { cwd: installed })).stdout;
    expect(listing).toContain("./dist/runtime/main.js");
    expect(listing).not.toContain("./runtime/");
    expect(listing).not.toContain("tsconfig.json");
    await symlink(path.join(ROOT, "node_modules"), path.join(installed, "node_modules"));
    const version = await run(process.execPath, [path.join(installed, "bin/s3-gateway.js"), "--version"], { cwd: dir });
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    const help = await run(process.execPath, [path.join(installed, "bin/s3-gateway.js"), "--help"], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("limits.headersTimeoutMs");
  }, 120_000);
});
