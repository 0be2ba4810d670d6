/**
 * The gateway process: configuration, credentials, storage, servers, graceful shutdown.
 *   node dist/runtime/main.js [--port 9878] [--admin-port 19878] [--data-dir ./data] [--config file.json] ...
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pino } from "pino";
import { buildApp } from "./app.js";
import { ConfigError, loadConfig, type Config, type Credential } from "./config.js";
import { gracefulShutdown } from "./shutdown.js";
import { openEmbeddedStore } from "./storage/embedded/index.js";
import { openOzoneStore } from "./storage/ozone/index.js";
import type { StorageClient } from "./storage/types.js";

const CREDENTIALS_FILE = "credentials.json";

/**
 * With no credentials configured, the first start generates a random pair, keeps it in the data
 * directory readable by its owner only, and prints it once; later starts reuse it quietly.
 */
async function ensureCredentials(config: Readonly<Config>): Promise<{ credentials: Credential[]; generated?: Credential }> {
  if (config.credentials.length > 0) return { credentials: [...config.credentials] };
  const file = path.join(config.dataDir, CREDENTIALS_FILE);
  try {
    const stored = JSON.parse(await readFile(file, "utf8")) as Credential;
    if (stored.accessKeyId && stored.secretAccessKey) return { credentials: [stored] };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const generated: Credential = {
    accessKeyId: `S3GW${randomBytes(8).toString("hex").toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString("base64url"),
  };
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(generated, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  return { credentials: [generated], generated };
}

async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = await loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ level: config.log.level });
  const { credentials, generated } = await ensureCredentials(config);
  if (generated) {
    console.log(
      `No credentials were configured: generated a pair, kept in ${path.join(config.dataDir, CREDENTIALS_FILE)} (mode 0600).\n` +
        `  access key: ${generated.accessKeyId}\n  secret key: ${generated.secretAccessKey}`,
    );
  }
  let storage: StorageClient;
  let where: string;
  if (config.backend === "ozone") {
    storage = await openOzoneStore({ ...config.ozone, serviceAccessKeyId: credentials[0].accessKeyId, logger });
    where = `OM ${config.ozone.omAddresses.join(",")}, volume ${config.ozone.volume}`;
  } else {
    storage = await openEmbeddedStore({ dataDir: config.dataDir, logger });
    where = config.dataDir;
  }
  const app = buildApp(Object.freeze({ ...config, credentials }), { storage, logger });
  const shutdown = gracefulShutdown({ servers: [app.s3, app.admin], storage, graceMs: config.shutdown.graceMs, logger });
  const { s3Port, adminPort } = await app.listen();
  console.log(`S3 gateway listening on http://${config.s3.host}:${s3Port} (admin http://${config.admin.host}:${adminPort}; storage ${storage.name}: ${where})`);

  const stop = (signal: string) => {
    // should closing the storage hang (an unreachable Ozone), the process still ends
    setTimeout(() => {
      logger.error({ signal }, "shutdown did not finish in time");
      process.exit(1);
    }, config.shutdown.graceMs + 10_000).unref();
    shutdown.run(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
