/**
 * The `embedded.directWrites` setting reaches the process that receives a body: through one process
 * and through a worker, a PUT of 3 MiB is written to a temp file opened O_DIRECT by default and
 * through the page cache with S3G_DIRECT_WRITES=false. The descriptor is found in /proc while the
 * body is half sent; the object then reads back whole. Linux only, and only where the data
 * directory's file system takes O_DIRECT.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { answerOf, openRequest, rawRequest } from "../integration/helpers.js";
import { takesODirect } from "../support/direct-io.js";
import { startGateway, type RunningGateway } from "../support/server.js";

const runs = process.platform === "linux" && (await takesODirect(os.tmpdir()));

/** The open flags of the gateway's descriptors on files under `dir` (its processes' /proc/<pid>/fd). */
async function flagsUnder(gw: RunningGateway, dir: string): Promise<number[]> {
  const flags: number[] = [];
  for (const pid of await gw.allPids()) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      if (!target.startsWith(`${dir}/`)) continue;
      const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, "utf8").catch(() => "");
      const m = /^flags:\s+([0-7]+)$/m.exec(info);
      if (m) flags.push(parseInt(m[1], 8));
    }
  }
  return flags;
}

let gw: RunningGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

describe.skipIf(!runs)("embedded.directWrites", () => {
  for (const [workers, env, direct] of [
    [1, {}, true],
    [2, {}, true],
    [1, { S3G_DIRECT_WRITES: "false" }, false],
    [2, { S3G_DIRECT_WRITES: "false" }, false],
  ] as const) {
    it(`${workers} process(es), ${Object.keys(env).length ? "S3G_DIRECT_WRITES=false" : "default"}: a 3 MiB body is written ${direct ? "around" : "through"} the page cache`, async () => {
      gw = await startGateway({ workers, env });
      expect((await rawRequest(gw, { method: "PUT", path: "/sinks" })).status).toBe(200);
      const data = randomBytes(3 * 1024 * 1024);
      const req = await openRequest(gw, "PUT", "/sinks/big", {}, data.length);
      const answer = answerOf(req);
      await new Promise<void>((resolve) => req.write(data.subarray(0, 2 * 1024 * 1024), () => resolve()));
      const tmp = join(gw.dataDir, "tmp");
      let flags: number[] = [];
      for (let i = 0; i < 100 && flags.length === 0; i++) {
        flags = await flagsUnder(gw, tmp);
        if (flags.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(flags).toHaveLength(1);
      expect((flags[0] & constants.O_DIRECT) !== 0).toBe(direct);
      req.end(data.subarray(2 * 1024 * 1024));
      expect((await answer).status).toBe(200);
      const got = await rawRequest(gw, { method: "GET", path: "/sinks/big" });
      expect(got.status).toBe(200);
      expect(got.body.equals(data)).toBe(true);
    });
  }
});
