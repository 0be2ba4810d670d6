/**
 * docs/deploy/: the example config file goes through the real config loader, and the systemd unit
 * agrees with it (data directory, config path, stop timeout) and passes `systemd-analyze verify`
 * where systemd's tools are installed.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../runtime/config.js";
import { ROOT } from "../support/server.js";

const run = promisify(execFile);
const EXAMPLE = path.join(ROOT, "docs/deploy/config.example.json");
const UNIT = path.join(ROOT, "docs/deploy/s3-gateway.service");

/** The unit's [Service] settings: name -> every value given (systemd lets some repeat). */
async function serviceSettings(): Promise<Map<string, string[]>> {
  const settings = new Map<string, string[]>();
  let section = "";
  for (const line of (await readFile(UNIT, "utf8")).split("\n")) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) section = header[1];
    const m = /^(\w+)=(.*)$/.exec(line);
    if (m && section === "Service") settings.set(m[1], [...(settings.get(m[1]) ?? []), m[2]]);
  }
  return settings;
}

const systemdAnalyze = await run("systemd-analyze", ["--version"]).then(
  () => true,
  () => false,
);

describe("docs/deploy", () => {
  it("config.example.json is a valid configuration: HTTPS on, data in /var/lib/s3-gateway", async () => {
    const config = await loadConfig(["--config", EXAMPLE], {});
    expect(config.s3.tls.certFile).toBe("/etc/s3-gateway/tls/fullchain.pem");
    expect(config.s3.tls.keyFile).toBe("/etc/s3-gateway/tls/privkey.pem");
    expect(config.dataDir).toBe("/var/lib/s3-gateway");
    // the admin server (plain HTTP, metrics) stays on loopback in the example
    expect(config.admin.host).toBe("127.0.0.1");
  });

  it("s3-gateway.service runs it hardened, writes only the data directory, reloads on SIGHUP, waits out the grace period", async () => {
    const config = await loadConfig(["--config", EXAMPLE], {});
    const unit = await serviceSettings();
    const one = (name: string) => {
      expect(unit.get(name), name).toHaveLength(1);
      return unit.get(name)![0];
    };
    expect(one("ExecStart")).toMatch(/ --config \/etc\/s3-gateway\/config\.json$/);
    expect(one("ExecReload")).toBe("/bin/kill -HUP $MAINPID");
    expect(one("Restart")).toBe("on-failure");
    expect(one("User")).toBe("s3gw");
    expect(one("NoNewPrivileges")).toBe("yes");
    expect(one("ProtectSystem")).toBe("strict");
    expect(one("ReadWritePaths")).toBe(config.dataDir);
    expect(`/var/lib/${one("StateDirectory")}`).toBe(config.dataDir);
    expect(one("StateDirectoryMode")).toBe("0700");
    expect(one("CapabilityBoundingSet")).toBe("");
    // V8 needs writable code pages
    expect(unit.has("MemoryDenyWriteExecute")).toBe(false);
    // systemd's SIGKILL must not come before the gateway's own deadline (plus the storage's close)
    expect(Number(one("TimeoutStopSec").replace(/s$/, "")) * 1000).toBeGreaterThan(config.shutdown.graceMs + 5000);
  });

  it.skipIf(!systemdAnalyze)("s3-gateway.service passes systemd-analyze verify", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-unit-"));
    try {
      // the launcher is not installed here: node stands in for it, the rest is checked as written
      const text = (await readFile(UNIT, "utf8")).replace("/usr/local/bin/s3-gateway", process.execPath);
      const file = path.join(dir, "s3-gateway.service");
      await writeFile(file, text);
      const { stdout, stderr } = await run("systemd-analyze", ["verify", file]);
      expect(stderr).toBe("");
      expect(stdout).toBe("");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
