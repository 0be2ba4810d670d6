/**
 * What a gateway process loads at start (runtime/storage/ozone/backend.ts): with the embedded
 * store, neither the primary nor a worker loads the Ozone backend (its protobuf definitions and
 * gRPC clients took ~130 ms of CPU in every process). A module hook records every file each
 * process loads; the embedded store's modules in the list show that the hook saw the processes.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startGateway } from "../support/server.js";

describe("modules loaded at start", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("an embedded-store gateway with three serving processes loads no module of the Ozone backend", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-modules-"));
    const log = path.join(dir, "loaded.txt");
    await writeFile(path.join(dir, "hooks.mjs"), [
      'import { appendFileSync } from "node:fs";',
      "export async function load(url, context, next) {",
      '  if (url.startsWith("file:")) appendFileSync(process.env.S3G_TEST_MODULE_LOG, `${process.pid} ${url}\\n`);',
      "  return next(url, context);",
      "}",
      "",
    ].join("\n"));
    await writeFile(path.join(dir, "register.mjs"), 'import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n');
    const gw = await startGateway({ workers: 3, env: { NODE_OPTIONS: `--import ${path.join(dir, "register.mjs")}`, S3G_TEST_MODULE_LOG: log } });
    try {
      const lines = (await readFile(log, "utf8")).trim().split("\n");
      const processes = new Set(lines.map((l) => l.split(" ")[0]));
      expect(processes.size, "the primary and both workers").toBe(3);
      for (const pid of processes) {
        expect(lines.some((l) => l.startsWith(`${pid} `) && l.includes("/runtime/main.js")), `process ${pid} ran main.js`).toBe(true);
      }
      expect(lines.some((l) => l.includes("/runtime/storage/embedded/"))).toBe(true);
      expect(lines.filter((l) => l.includes("/runtime/storage/ozone/"))).toEqual([]);
    } finally {
      await gw.stop();
    }
  });
});
