/**
 * Graceful shutdown (SIGTERM, SIGINT), for the S3 and the admin server together:
 *
 *   1. stop accepting connections; close idle keep-alive connections at once;
 *   2. let the requests in flight finish, for at most `graceMs`: each answer goes out with
 *      `Connection: close` (or, when its headers were already sent, its connection is closed as soon
 *      as it is idle), and a request still arriving on an open connection is served the same way;
 *   3. past the deadline (or at a second signal), cut every connection left: an upload cut off gets
 *      no answer, so it was never acknowledged, and its body fails, so the store keeps nothing of it;
 *   4. close the storage (the embedded store finishes the commits under way first).
 *
 * An upload answered 200 in step 2 was committed (and fsynced) before its answer: an acknowledged
 * write is never lost.
 */
import type { Server, ServerResponse } from "node:http";
import type { FastifyBaseLogger } from "fastify";

export interface ShutdownOptions {
  /** the servers to stop (fastify instances: `server` is their node:http server) */
  servers: readonly { server: Server; close(): PromiseLike<unknown> }[];
  storage: { close(): Promise<void> };
  graceMs: number;
  logger: FastifyBaseLogger;
}

export interface Shutdown {
  /** Starts the shutdown (a second call cuts the remaining connections at once); resolves when it is done. */
  run(reason: string): Promise<void>;
}

/** Call before the servers listen: it follows the answers in flight from the first request on. */
export function gracefulShutdown(opts: ShutdownOptions): Shutdown {
  let closing = false;
  let done: Promise<void> | undefined;
  let cut: (() => void) | undefined;
  const inFlight = new Set<ServerResponse>();

  for (const { server } of opts.servers) {
    server.on("request", (_req, res: ServerResponse) => {
      if (inFlight.has(res)) return; // re-emitted by the S3 server for Expect: 100-continue
      inFlight.add(res);
      if (closing) res.shouldKeepAlive = false;
      res.once("close", () => {
        inFlight.delete(res);
        // an answer whose headers said keep-alive before the shutdown began: its connection is idle now
        if (closing) server.closeIdleConnections();
      });
    });
  }

  async function stop(reason: string): Promise<void> {
    closing = true;
    const started = performance.now();
    opts.logger.info({ reason, inFlight: inFlight.size, graceMs: opts.graceMs }, "shutting down: finishing the requests in flight");
    // Answers not started yet close their connection; node puts `Connection: close` on them.
    for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
    cut = () => {
      cut = undefined;
      clearTimeout(deadline);
      opts.logger.warn({ inFlight: inFlight.size, afterMs: Math.round(performance.now() - started) }, "shutting down: closing the connections left");
      for (const { server } of opts.servers) server.closeAllConnections();
    };
    const deadline = setTimeout(() => cut?.(), opts.graceMs);
    try {
      // fastify's close: no new connections, idle ones closed, resolves when the last one has ended
      await Promise.all(opts.servers.map((s) => s.close()));
    } finally {
      clearTimeout(deadline);
      cut = undefined;
    }
    await opts.storage.close();
    opts.logger.info({ ms: Math.round(performance.now() - started) }, "shut down");
  }

  return {
    run(reason) {
      if (done === undefined) done = stop(reason);
      else cut?.();
      return done;
    },
  };
}
