#!/usr/bin/env node
/**
 * The `s3-gateway` executable (package.json "bin"): runs the compiled gateway, dist/runtime/main.js,
 * in this process (so SIGTERM/SIGINT reach its graceful shutdown directly).
 *
 * Where dist/ comes from, for each way of getting the gateway:
 * - a clone, then `npm install`: the `prepare` script builds dist/ (npm runs it on a plain
 *   `npm install` and `npm ci`), so `npx s3-gateway --help` works at once. dist/ can still be
 *   missing (`npm install --ignore-scripts`, a removed dist/) or stale (a `git pull`, an edit under
 *   runtime/): with the sources and TypeScript at hand, this launcher then builds it first, as
 *   `npm start` always does, rather than run old code or fail.
 * - an installed package (`npm pack` tarball, `npm install -g <git URL>`): npm runs `prepare` before
 *   packing, and package.json "files" ships dist/runtime and dist/generated, so nothing is compiled
 *   on the user's machine, which has no TypeScript (a dev dependency) and no sources: the launcher
 *   only runs what was shipped.
 * Building at install time only (prepare alone) would leave a clone with a stale dist/ after every
 * pull; building at run time only would fail for an installed package. Build output goes to stderr,
 * so `s3-gateway --help > file` holds only the help. The check costs a stat of each source file, once
 * at start.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const main = path.join(root, "dist/runtime/main.js");

/** Newest modification time of the TypeScript sources under `dir`, 0 without any. */
function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Why dist/ must be (re)built first, or undefined. Only a source tree (tsconfig.json present) is ever built. */
function buildReason() {
  if (!existsSync(path.join(root, "tsconfig.json"))) return undefined;
  if (!existsSync(main)) return "dist/ is not built yet";
  const built = statSync(main).mtimeMs;
  // generated/ is committed, so runtime/ and generated/ are all the gateway is compiled from
  if (["runtime", "generated"].some((d) => newestSource(path.join(root, d)) > built)) return "runtime/ or generated/ changed since the last build";
  return undefined;
}

function fail(message) {
  process.stderr.write(`s3-gateway: ${message}\n`);
  process.exit(1);
}

const reason = buildReason();
if (reason !== undefined) {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  } catch {
    fail(`${reason}, and TypeScript is not installed to build it: run npm install, then npm run build`);
  }
  process.stderr.write(`s3-gateway: ${reason}: building it...\n`);
  // the gateway only (bin/tsconfig.runtime.json: the project's options, runtime/ and generated/):
  // faster than npm run build, and a type error in a test file does not stop the server
  const built = spawnSync(process.execPath, [tsc, "-p", path.join(root, "bin/tsconfig.runtime.json")], { cwd: root, stdio: ["ignore", 2, 2] });
  if (built.status !== 0) fail(`the build failed (${built.error?.message ?? `tsc exit status ${built.status ?? built.signal}`}); fix it, then run npm run build`);
}
if (!existsSync(main)) fail(`${path.relative(process.cwd(), main) || main} is missing: this copy of s3-gateway was packaged without its build`);
await import(pathToFileURL(main).href);
