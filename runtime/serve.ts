/**
 * Serving with a storage client in this process: the S3 and admin servers, their graceful shutdown
 * and the signals that drive it. The single-process gateway and each worker process
 * (runtime/workers/) run this; only where the storage lives differs.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { SecureContextOptions } from "node:tls";
import type { Logger } from "pino";
import { buildApp, type App, type AppDeps } from "./app.js";
import type { Config } from "./config.js";
import { gracefulShutdown } from "./shutdown.js";
import type { StorageClient } from "./storage/types.js";
import type { UserDirectory } from "./users.js";
import type { Server as TcpServer } from "node:net";
import { acceptConnections, Connections, shareConnections, type ConnectionSource, type ConnectionTaker } from "./workers/connections.js";

export interface Serving {
  app: App;
  s3Port: number;
  adminPort: number;
  /** Starts the graceful shutdown (a second call cuts what is left); the process exits at its end. */
  stop(reason: string): void;
  /** The S3 connections this process serves (those given to it, with workers; 0 otherwise). */
  connections(): number;
  /**
   * Ends `n` S3 connections at the end of their next answer, which says `Connection: close`: the
   * clients open new ones, which the primary places elsewhere (runtime/workers/placement.ts).
   */
  shedConnections(n: number): void;
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
  /**
   * The primary of a gateway with workers (runtime/workers/connections.ts): who serves each S3
   * connection, a worker or (undefined) this process.
   */
  share?: () => ConnectionTaker | undefined;
  /** A worker: no port of its own; its S3 connections come from the primary over `handed`. */
  handed?: ConnectionSource;
  /** called at each stop() (the primary passes the signal on to its workers) */
  onStop?: (reason: string) => void;
  /** how long past the grace period the process may take to stop before it exits anyway (default 10 s) */
  stopSlackMs?: number;
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
  let servers: Parameters<typeof gracefulShutdown>[0]["servers"] = [app.s3];
  /** the primary's S3 port (runtime/workers/connections.ts) */
  let front: TcpServer | undefined;
  let given: Connections | undefined;
  if (opts.handed !== undefined || opts.share !== undefined) {
    await app.s3.ready();
    given = opts.handed !== undefined ? acceptConnections(app.s3.server, opts.handed) : new Connections(app.s3.server);
    if (opts.share !== undefined) front = shareConnections(given, opts.share);
    servers = [
      {
        server: app.s3.server,
        close: async () => {
          // no new connection from here on, then the ones given finish
          front?.close();
          await given?.drain();
          await app.s3.close();
        },
      },
    ];
  }
  const shutdown = gracefulShutdown({
    servers,
    // the admin server stays up during the grace period, its /readyz answering 503 (a worker has
    // none: the primary serves the admin port)
    ...(opts.handed === undefined && { last: app.admin }),
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
  const ports = opts.handed === undefined ? await app.listen({ s3: front === undefined }) : { s3Port: 0, adminPort: 0 };
  if (front !== undefined) {
    ports.s3Port = await listenOn(front, config.s3.host, config.s3.port);
    // an accept that fails (EMFILE) is logged; the server goes on listening
    front.on("error", (err) => logger.error({ err }, "S3 port: accepting a connection failed"));
  }
  const { s3Port, adminPort } = ports;
  const stop = (reason: string) => {
    opts.onStop?.(reason);
    // should closing the storage hang (an unreachable Ozone), the process still ends
    setTimeout(() => {
      logger.error({ reason }, "shutdown did not finish in time");
      process.exit(1);
    }, config.shutdown.graceMs + (opts.stopSlackMs ?? 10_000)).unref();
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
  return { app, s3Port, adminPort, stop, connections: () => given?.size ?? 0, shedConnections: shedding(app.s3.server) };
}

/**
 * What shedConnections does on `server`: a listener on its requests, there only while answers
 * remain to be marked (no cost per request otherwise), put before fastify's so that no answer has
 * gone yet. Marks not used within SHED_FOR_MS lapse: they were asked for a load of then (a
 * process whose connections are all inside long requests starts no new one for a while).
 */
export function shedding(server: Server, now: () => number = Date.now): (n: number) => void {
  let left = 0;
  let until = 0;
  const mark = (_req: IncomingMessage, res: ServerResponse) => {
    if (now() > until) left = 0;
    else if (left > 0 && !res.headersSent) {
      res.setHeader("Connection", "close");
      left--;
    }
    if (left <= 0) server.off("request", mark);
  };
  return (n) => {
    if (n <= 0) return;
    if (left <= 0) server.prependListener("request", mark);
    left = Math.max(left, n);
    until = now() + SHED_FOR_MS;
  };
}

/** How long a shedConnections mark waits for a request to close (placement.ts samples 4x a second). */
const SHED_FOR_MS = 1_000;

/** Listens on host:port (0: any free port); resolves with the port, rejects with the listen error (EADDRINUSE). */
function listenOn(server: TcpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: Error) => reject(err);
    server.once("error", failed);
    server.listen({ host, port }, () => {
      server.off("error", failed);
      const a = server.address();
      resolve(typeof a === "object" && a !== null ? a.port : 0);
    });
  });
}
