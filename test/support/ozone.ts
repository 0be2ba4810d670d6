/**
 * What tests need to use the Ozone test cluster: its endpoints (from the ozone project's
 * globalSetup, test/support/ozone-setup.ts) and fresh volumes, so that every gateway or store a
 * test opens has a namespace of its own on the shared cluster.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { OmClient } from "../../runtime/storage/ozone/om-client.js";
import type { OzoneEndpoints } from "./ozone-setup.js";

export const ON_OZONE = process.env.S3G_TEST_BACKEND === "ozone";

/** The cluster's endpoints; undefined when the Ozone suites are skipped (S3G_TEST_OZONE=0). */
export function ozoneEndpoints(): OzoneEndpoints | undefined {
  return inject("ozone") ?? undefined;
}

/** Creates a volume with a random name on the cluster and returns the name. */
export async function createTestVolume(omGrpc: string, owner: string): Promise<string> {
  const volume = `s3gw-test-${randomBytes(5).toString("hex")}`;
  const om = new OmClient({ addresses: [omGrpc], timeoutMs: 30_000, clientId: "s3gw-tests" });
  try {
    await om.submit(
      "CreateVolume",
      "createVolumeRequest",
      {
        volumeInfo: {
          adminName: owner,
          ownerName: owner,
          volume,
          // no quota: -1 as the uint64 the field is
          quotaInBytes: "18446744073709551615",
          quotaInNamespace: "-1",
        },
      },
      { accessId: owner, stringToSign: "", signature: "" },
    );
  } finally {
    om.close();
  }
  return volume;
}

/**
 * Ozone 2.2.0's listings (and its empty-bucket check) can still show keys deleted a moment ago:
 * the OM reads its key table through a snapshot that may predate the delete while its cache
 * already forgot it (measured: about 1 in 400 list-after-delete rounds under load, gone within
 * ~20 ms, while a HEAD already answers 404). On Ozone, `settled` reads again until `done` holds
 * or `ms` pass, and returns the last value for the test to assert; elsewhere it reads once.
 */
export async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 3000): Promise<T> {
  let value = await read();
  if (!ON_OZONE) return value;
  for (const until = Date.now() + ms; !done(value) && Date.now() < until; value = await read()) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return value;
}

const CLUSTER_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../scripts/ozone/cluster.mjs");

/**
 * Runs Ozone's own `ozone sh ARGS...` against the test cluster (through the project's script, as a
 * user does with `npm run ozone:shell -- ARGS`) and returns its standard output; fails with its
 * output when it exits non-zero.
 */
export function ozoneShell(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLUSTER_SCRIPT, "shell", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`ozone sh ${args.join(" ")} exited ${code}:\n${out}${err}`))));
  });
}

/** The replication `ozone sh key info` reports for a key ("RATIS/THREE", "STAND_ALONE/ONE", ...). */
export async function keyInfoReplication(volume: string, bucket: string, key: string): Promise<string> {
  const info = JSON.parse(await ozoneShell(["key", "info", `/${volume}/${bucket}/${key}`])) as {
    replicationConfig?: { replicationType?: string; replicationFactor?: string; replication?: string };
  };
  const r = info.replicationConfig ?? {};
  return `${r.replicationType}/${r.replicationFactor ?? r.replication}`;
}
