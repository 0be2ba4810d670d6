/**
 * How scripts/ozone/cluster.mjs keeps two clusters (the fault and EC test clusters start side by
 * side) and the connections opened meanwhile off each other's ports: ports are picked below the
 * kernel's ephemeral range, each free at the pick, and one `up` at a time across state dirs holds
 * the start lock from the pick until its daemons listen (state.mjs's pid-checked lock).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types
import { acquireLock } from "../../scripts/ozone/state.mjs";
// @ts-expect-error: a plain .mjs script without types
import { pickPorts, portRange } from "../../scripts/ozone/topology.mjs";

const STATE_MJS = path.resolve(import.meta.dirname, "../../scripts/ozone/state.mjs");
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ host: "0.0.0.0", port, exclusive: true }, () => resolve(server));
  });
}

describe("ports of a local Ozone cluster", () => {
  it("are picked below the kernel's ephemeral range, each once", async () => {
    const { low, high } = portRange() as { low: number; high: number };
    const range = await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8").catch(() => undefined);
    if (range !== undefined) expect(high).toBe(Number(range.trim().split(/\s+/)[0]) - 1);
    const ports = Object.values((await pickPorts(5)) as Record<string, number>);
    expect(ports.length).toBeGreaterThan(45);
    expect(new Set(ports).size).toBe(ports.length);
    for (const p of ports) expect(p >= low && p <= high, `port ${p}`).toBe(true);
  });

  it("skip a port something listens on, and wrap around at the top of the range", async () => {
    const { low, high } = portRange() as { low: number; high: number };
    // the top port held (when it is free at all): the pick starts there, skips it and wraps
    const held = await listen(high).catch(() => undefined);
    try {
      const ports = Object.values((await pickPorts(1, high)) as Record<string, number>);
      expect(ports).not.toContain(high);
      expect(Math.min(...ports)).toBeGreaterThanOrEqual(low);
      expect(ports.filter((p) => p < low + 100).length).toBeGreaterThan(ports.length - 5);
    } finally {
      held?.close();
    }
  });
});

describe("the start lock across state dirs", () => {
  it("makes a second holder wait until the first, another process, lets go", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-lock-"));
    dirs.push(dir);
    const lock = { dir: "a test's start", lock: path.join(dir, "starting.lock") };
    const holder = spawn(
      process.execPath,
      ["--input-type=module", "-e", `const { acquireLock } = await import(${JSON.stringify(STATE_MJS)}); await acquireLock(${JSON.stringify(lock)}); console.log("held"); process.stdin.on("end", () => process.exit(0)); process.stdin.resume();`],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => holder.stdout!.on("data", (d: Buffer) => d.toString().includes("held") && resolve()));
    let acquired = false;
    const second = (acquireLock(lock, Date.now() + 30_000) as Promise<() => void>).then((release) => {
      acquired = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(acquired, "taken while the other process holds it").toBe(false);
    holder.stdin!.end();
    const release = await second;
    expect(acquired).toBe(true);
    release();
  });
});
