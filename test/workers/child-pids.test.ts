/**
 * test/support/server.ts childPids, which the worker suites use to see a killed worker replaced:
 * a child that exited and that its parent has not reaped yet is listed by /proc as a child (state
 * Z) until the parent's loop handles the SIGCHLD, and is left out.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { childPids } from "../support/server.js";

it("leaves out a child that exited and is not reaped yet, and lists a live one", async () => {
  // after the exec, `sleep 30` is the parent of both children and never reaps the first one
  const parent = spawn("bash", ["-c", "sleep 0.1 & sleep 30 & exec sleep 30"], { stdio: "ignore" });
  try {
    const pid = parent.pid as number;
    let listed: string[] = [];
    for (let i = 0; i < 50 && listed.length < 2; i++) {
      await sleep(100);
      listed = (await readFile(`/proc/${pid}/task/${pid}/children`, "utf8")).trim().split(/\s+/).filter(Boolean);
    }
    // wait until the short one has exited (a zombie, still listed)
    let zombie: string | undefined;
    for (let i = 0; i < 50 && zombie === undefined; i++) {
      for (const child of listed) {
        const stat = await readFile(`/proc/${child}/stat`, "utf8");
        if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) zombie = child;
      }
      if (zombie === undefined) await sleep(100);
    }
    expect(zombie).toBeDefined();
    const live = listed.filter((p) => p !== zombie).map(Number);
    expect(live).toHaveLength(1);
    expect(await childPids(pid)).toEqual(live);
  } finally {
    parent.kill("SIGKILL");
  }
});
