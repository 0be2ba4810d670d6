/**
 * Serving with a storage client in this process: the S3 and admin servers, their graceful shutdown
 * and the signals that drive it. The single-process gateway and each worker process
 * (runtime/workers/) run this; only where the storage lives differs.
 */
import type { SecureContextOptions } from "node:tls";
import type { Logger } from "pino";
import { buildApp, type App, type AppDeps } from "./app.js";
import type { Config } from "./config.js";
import { gracefulShutdown } from "./shutdown.js";
import type { StorageClient } from "./storage/types.js";
import type { UserDirectory } from "./users.js";

export interface Serving {
  app: App;
  s3Port: number;
  adminPort: number;
  /** Starts the graceful shutdown (a second call cuts what is left); the process exits at its end. */
  stop(reason: string): void;
}

export interface ServeOptions {
  storage: StorageClient;
  logger: Logger;
  tls?: SecureContextOptions;
  metricsText?: AppDeps["metricsText"];
  /** the users (runtime/users-file.ts), closed with the servers */
  users: UserDirectory & { close(): void };
  /** what the admin server's close waits for besides this process's S3 server (runtime/shutdown.ts) */
  adminWaitsFor?: () => Promise<void>;
  /** work running beside the servers on this storage (the lifecycle executor): stopped before the storage closes */
  background?: { stop(): Promise<void> };
}

export async function serve(config: Readonly<Config>, opts: ServeOptions): Promise<Serving> {
  const { storage, logger } = opts;
  const app = buildApp(config, {
    storage,
    logger,
    users: opts.users,
    ...(opts.tls !== undefined && { tls: opts.tls }),
    ...(opts.metricsText !== undefined && { metricsText: opts.metricsText }),
  });
  const shutdown = gracefulShutdown({
    servers: [app.s3],
    // the admin server stays up during the grace period, its /readyz answering 503
    last: app.admin,
    ...(opts.adminWaitsFor !== undefined && { lastWaitsFor: opts.adminWaitsFor }),
    onStart: () => app.probes.shuttingDown(),
    storage: {
      close: async () => {
        await opts.background?.stop();
        await storage.close();
      },
    },
    graceMs: config.shutdown.graceMs,
    logger,
  });
  const { s3Port, adminPort } = await app.listen();
  const stop = (reason: string) => {
    // should closing the storage hang (an unreachable Ozone), the process still ends
    setTimeout(() => {
      logger.error({ reason }, "shutdown did not finish in time");
      process.exit(1);
    }, config.shutdown.graceMs + 10_000).unref();
    shutdown.run(reason).then(
      () => {
        opts.users.close();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  // The handlers are in place before the caller announces the ports: whoever waits for that line
  // (systemd, a test, a script) may signal at once, and a signal without a handler ends the process.
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // SIGHUP reloads the TLS files (systemd's ExecReload); its default action would end the process
  process.on("SIGHUP", () => void app.reload());
  return { app, s3Port, adminPort, stop };
}
