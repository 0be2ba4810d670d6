/**
 * The gateway process: configuration, credentials, storage, servers, graceful shutdown. With
 * `workers` above 1 this file is also each worker's entry (Node's cluster module forks it again):
 * runtime/workers/ says who does what.
 *   s3-gateway [--port 9878] [--admin-port 19878] [--data-dir ./data] [--config file.json] ...
 *   s3-gateway --help | --version
 * (bin/s3-gateway.js runs this file, dist/runtime/main.js; `npm start` builds and runs it too.)
 */
import cluster from "node:cluster";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { SecureContextOptions } from "node:tls";
import { pino } from "pino";
import { ConfigError, fixedUsers, loadConfig, type Config, type Credential } from "./config.js";
import { renderHelp } from "./config-doc.js";
import { serve } from "./serve.js";
import { readTlsFiles } from "./tls.js";
import { tuneHeapGrowth } from "./heap-growth.js";
import { sendfileAvailable } from "./sendfile.js";
import { openEmbeddedStore } from "./storage/embedded/index.js";
import type { StorageClient } from "./storage/types.js";
import { startLifecycleExecutor, type LifecycleExecutor } from "./lifecycle/executor.js";
import { runPrimary } from "./workers/primary.js";
import { runWorker } from "./workers/worker.js";
import { openUsers, readUsersFile, serviceAccessKeyId } from "./users-file.js";

const CREDENTIALS_FILE = "credentials.json";

/**
 * With no credentials configured, the first start generates a random pair, keeps it in the data
 * directory readable by its owner only, and prints it once; later starts reuse it quietly.
 */
async function ensureCredentials(config: Readonly<Config>): Promise<{ credentials: Credential[]; generated?: Credential }> {
  // users configured some other way: nothing is generated
  if (config.credentials.length > 0 || config.users.length > 0 || config.usersFile !== undefined) return { credentials: [...config.credentials] };
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

/**
 * This package's package.json: next to dist/ when built (dist/runtime/main.js), next to runtime/
 * under tsx. Read once at start, for --version and the start-up line.
 */
async function packageInfo(): Promise<{ version: string; description?: string }> {
  for (const rel of ["../../package.json", "../package.json"]) {
    try {
      const pkg = JSON.parse(await readFile(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string; description?: string };
      if (pkg.name === "s3-gateway" && pkg.version) return { version: pkg.version, description: pkg.description };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  throw new Error("cannot find the package.json of s3-gateway");
}

/** A URL for a listening address; an IPv6 address goes in brackets (RFC 3986 section 3.2.2). */
function urlOf(scheme: "http" | "https", host: string, port: number): string {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** The wildcard addresses: the URL printed is not one a client can use as is. */
function anyInterface(host: string): string {
  return host === "0.0.0.0" || host === "::" || host === "[::]" ? " (every interface)" : "";
}

async function main(): Promise<void> {
  tuneHeapGrowth();
  const argv = process.argv.slice(2);
  const pkg = await packageInfo();
  // --help and --version win over everything else on the line, as in most CLIs; nothing is validated
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(renderHelp(pkg));
    return;
  }
  if (argv.includes("--version") || argv.includes("-v")) {
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  let config: Readonly<Config>;
  try {
    config = await loadConfig(argv, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      // a usage error: exit status 2, as getopt-style tools do
      console.error(`${err.message}\n(s3-gateway --help lists the settings)`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ level: config.log.level });
  let tls: SecureContextOptions | undefined;
  if (config.s3.tls.certFile !== undefined) {
    try {
      tls = await readTlsFiles(config.s3.tls);
    } catch (err) {
      // a certificate that cannot be used is a configuration problem, reported as one
      console.error(`${new ConfigError([(err as Error).message]).message}\n(s3-gateway --help lists the settings)`);
      process.exit(2);
    }
  }
  const { credentials, generated } = await ensureCredentials(config);
  if (generated) {
    // printed at once, not with the start-up lines: should the start fail after this (an unreachable
    // Ozone, a port in use), the pair is still shown, and later starts reuse it without showing it
    console.log(
      `No credentials were configured: generated a pair, kept in ${path.join(config.dataDir, CREDENTIALS_FILE)} (mode 0600).\n` +
        `  access key: ${generated.accessKeyId}\n  secret key: ${generated.secretAccessKey}`,
    );
  }
  const fullConfig = Object.freeze({ ...config, credentials });
  const workers = config.workers === 0 ? os.availableParallelism() : config.workers;
  let userCount = fixedUsers(fullConfig).length;
  if (config.usersFile !== undefined && cluster.isPrimary) {
    // A users file that is not good at start is a configuration error, as a bad config file is;
    // later, a bad edit keeps the last good set (runtime/users-file.ts). Each serving process reads
    // and watches the file itself: this check only stops a start that could not serve its users.
    const first = await readUsersFile(config.usersFile, fixedUsers(fullConfig));
    if ("problems" in first) {
      console.error(`${new ConfigError(first.problems.map((p) => `usersFile ${config.usersFile}: ${p}`)).message}\n(s3-gateway --help lists the settings)`);
      process.exit(2);
    }
    userCount = first.set.users.length;
  }
  if (workers > 1 && !cluster.isPrimary) {
    // a worker process (runtime/workers/): the primary printed what there is to print
    await runWorker(fullConfig, { logger, ...(tls !== undefined && { tls }) });
    return;
  }
  const announce = (ports: { s3Port: number; adminPort: number }, storageName: string, where: string, processes?: string) => {
    const s3Url = urlOf(tls ? "https" : "http", config.s3.host, ports.s3Port);
    const adminUrl = urlOf("http", config.admin.host, ports.adminPort);
    // The first line's shape is what test/support/server.ts and bench/ wait for.
    const lines = [
      `S3 gateway ${pkg.version} listening on ${s3Url} (admin ${adminUrl})`,
      `  S3 endpoint:    ${s3Url}${anyInterface(config.s3.host)}, region ${config.s3.region}, path-style` +
        (config.s3.domains.length > 0 ? ` and virtual-hosted-style (${config.s3.domains.map((d) => `<bucket>.${d}`).join(", ")})` : ""),
      ...(tls ? [`  TLS:            certificate ${config.s3.tls.certFile} (read again on SIGHUP)`] : []),
      `  admin endpoint: ${adminUrl}${anyInterface(config.admin.host)} (/livez, /readyz, /metrics)`,
      `  API reference:  ${adminUrl}/docs/`,
      `  storage:        ${storageName}, ${where}`,
      ...(processes !== undefined ? [`  processes:      ${processes}`] : []),
    ];
    if (generated) {
      lines.push(`  credentials:    access key ${generated.accessKeyId}, generated on this first start (secret key shown above)`);
    } else if (config.usersFile !== undefined || config.users.length > 0) {
      lines.push(`  users:          ${userCount}${config.usersFile !== undefined ? `, from the config and ${config.usersFile} (watched)` : ", from the config"}`);
    } else if (config.credentials.length > 0) {
      lines.push(`  credentials:    ${credentials.length} configured (access key ${credentials.map((c) => c.accessKeyId).join(", ")})`);
    } else {
      lines.push(`  credentials:    access key ${credentials[0].accessKeyId}, from ${path.join(config.dataDir, CREDENTIALS_FILE)}`);
    }
    console.log(lines.join("\n"));
  };
  const where =
    config.backend === "ozone"
      ? `Ozone Managers ${config.ozone.omAddresses.join(", ")}, volume ${config.ozone.volume}`
      : `data directory ${config.dataDir}${zeroCopyNote(config)}`;

  const users = await openUsers(fullConfig, logger, { strict: true });
  if (workers > 1) {
    // the primary: owns the embedded store, serves with it, runs the workers (runtime/workers/primary.ts)
    const store = config.backend === "embedded" ? await openEmbeddedStore({ dataDir: config.dataDir, directWrites: config.embedded.directWrites, logger }) : undefined;
    await runPrimary(fullConfig, {
      processes: workers,
      logger,
      users,
      ...(tls !== undefined && { tls }),
      ...(store !== undefined && { store }),
      ...(config.backend === "ozone" && {
        openOzone: async (onBucketChanged) => {
          const { openOzoneStore, principalsOf: ozonePrincipals } = await import("./storage/ozone/backend.js");
          return openOzoneStore({ ...config.ozone, serviceAccessKeyId: serviceAccessKeyId(users), principals: ozonePrincipals(users), logger, onBucketChanged });
        },
      }),
      onListening: (ports, storageName) =>
        announce(ports, storageName, where, `${workers}: the primary (pid ${process.pid}${store ? ", owns the store" : ""}) and ${workers - 1} worker${workers > 2 ? "s" : ""}`),
    });
    return;
  }

  let storage: StorageClient;
  // the lifecycle executor runs where the store is owned: here, with one process (the primary
  // starts it otherwise); Ozone keeps no lifecycle rules, so there it has nothing to run
  let lifecycle: LifecycleExecutor | undefined;
  if (config.backend === "ozone") {
    const { openOzoneStore, principalsOf: ozonePrincipals } = await import("./storage/ozone/backend.js");
    storage = await openOzoneStore({ ...config.ozone, serviceAccessKeyId: serviceAccessKeyId(users), principals: ozonePrincipals(users), logger });
  } else {
    const store = await openEmbeddedStore({ dataDir: config.dataDir, directWrites: config.embedded.directWrites, logger });
    lifecycle = startLifecycleExecutor(store, config, logger);
    storage = store;
  }
  const serving = await serve(fullConfig, {
    storage,
    logger,
    users,
    ...(tls !== undefined && { tls }),
    ...(lifecycle !== undefined && { background: lifecycle }),
  });
  announce(serving, storage.name, where);
}

/** What the start-up lines say of GET bodies sent by sendfile(2) (runtime/sendfile.ts) */
function zeroCopyNote(config: Readonly<Config>): string {
  // with TLS every byte is encrypted in the process
  if (!config.embedded.sendfile || config.s3.tls.certFile !== undefined) return "";
  return sendfileAvailable() ? ", GET bodies by sendfile(2)" : ", GET bodies through the process (the sendfile addon is not built: npm run build:native)";
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
