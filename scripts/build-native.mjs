#!/usr/bin/env node
// Builds native/sendfile (runtime/sendfile.ts: GET bodies from file to socket by sendfile(2)) with
// node-gyp: npm runs this as the package's install script, `npm run build:native` runs it again.
// It needs what any addon needs (python3, make, a C compiler, node's headers). Without them the
// gateway works all the same, reading and writing file bytes through the process: a failed
// build is reported in a few lines and never fails the install.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = path.join(root, "native/sendfile");

if (process.platform !== "linux") {
  console.log("s3-gateway: zero-copy GETs (sendfile) are built on Linux only; GET bodies pass through the process here");
  process.exit(0);
}

/** node-gyp: npm's own (npm names it to install scripts), else the one beside this node's npm, else PATH's */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), "../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
  ];
  for (const c of candidates) if (c && existsSync(c)) return [process.execPath, [c]];
  return ["node-gyp", []];
}

/**
 * Node's headers: npm names its `nodedir` setting to install scripts; run by hand, the headers
 * installed beside this node (Node's release archives and Debian's nodejs both have
 * <prefix>/include/node), so that node-gyp needs no download of them.
 */
function nodeDir() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  return existsSync(path.join(prefix, "include/node/node_api.h")) ? [`--nodedir=${prefix}`] : [];
}

const [command, prefix] = nodeGyp();
const run = spawnSync(command, [...prefix, "rebuild", "--directory", dir, ...nodeDir()], { encoding: "utf8", timeout: 300_000 });
if (run.status === 0) process.exit(0);
const output = `${run.stdout ?? ""}${run.stderr ?? ""}`
  .split("\n")
  .filter((l) => l.trim() !== "" && !l.startsWith("gyp info"))
  .slice(-8);
console.warn(
  [
    `s3-gateway: native/sendfile was not built (${run.error?.message ?? `node-gyp exited with ${run.status ?? run.signal}`}); the gateway works without it, GET bodies then pass through the process. The last lines:`,
    ...output.map((l) => `  ${l}`),
  ].join("\n"),
);
process.exit(0);
