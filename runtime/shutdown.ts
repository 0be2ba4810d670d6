/**
 * Graceful shutdown (SIGTERM, SIGINT), for the S3 and the admin server together:
 *
 *   0. readiness fails at once (`onStart`: /readyz answers 503), so that load balancers and
 *      Kubernetes stop sending new requests; the admin server stays open to say so (and to serve
 *      /livez and /metrics) until the S3 server has finished;
 *   1. stop accepting S3 connections; close idle keep-alive connections at once;
 *   2. let the requests in flight finish, for at most `graceMs`: each answer goes out with
 *      `Connection: close` (or, when its headers were already sent, its connection is closed as soon
 *      as it is idle), and a request still arriving on an open connection is served the same way;
 *   3. past the deadline (or at a second signal), cut every connection left: an upload cut off gets
 *      no answer, so it was never acknowledged, and its body fails, so the store keeps nothing of it;
 *   4. close the admin server (its requests in flight get what is left of the deadline); with
 *      workers, once every worker's S3 server is done (`lastWaitsFor`), so that the shared admin
 *      port answers "shutting down" until the whole gateway has drained, never a reset connection;
 *   5. close the storage (the embedded store finishes the commits under way first).
 *
 * An upload answered 200 in step 2 was committed (and fsynced) before its answer: an acknowledged
 * write is never lost.
 */
import type { Server, ServerResponse } from "node:http";
import type { FastifyBaseLogger } from "fastify";

type Closable = { server: Server; close(): PromiseLike<unknown> };

export interface ShutdownOptions {
  /** the servers to drain and stop (fastify instances: `server` is their node:http server) */
  servers: readonly Closable[];
  /** the server closed once `servers` are closed: the admin server, which reports the shutdown */
  last?: Closable;
  /**
   * What the last server's close waits for besides `servers` (a worker: every other worker's S3
   * server too, as the primary tells); never past the deadline.
   */
  lastWaitsFor?: () => Promise<void>;
  /** called as the shutdown begins, before any server stops accepting */
  onStart?: () => void;
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
  let done: Promise<void> | undefined;
  let cut: (() => void) | undefined;
  /** the answers in flight, with their server */
  const inFlight = new Map<ServerResponse, Server>();
  /** the servers whose close has begun: their answers close their connections */
  const closing = new Set<Server>();
  /**
   * The admin server from the shutdown's start on: its answers close their connections too, but
   * its idle ones stay open until its own turn. A probe answered during the shutdown then never
   * reuses a connection this process may close under it (each worker closes its admin server as
   * soon as its own S3 requests are done, while another worker may still be draining).
   */
  const answersClose = new Set<Server>();
  const all = opts.last ? [...opts.servers, opts.last] : opts.servers;

  for (const { server } of all) {
    server.on("request", (_req, res: ServerResponse) => {
      if (inFlight.has(res)) return; // re-emitted by the S3 server for Expect: 100-continue
      inFlight.set(res, server);
      if (closing.has(server) || answersClose.has(server)) res.shouldKeepAlive = false;
      res.once("close", () => {
        inFlight.delete(res);
        // an answer whose headers said keep-alive before the close began: its connection is idle now
        if (closing.has(server)) server.closeIdleConnections();
      });
    });
  }

  /** From now on the server's answers close their connections; those not started yet too (node puts `Connection: close` on them). */
  function beginClose(server: Server): void {
    closing.add(server);
    for (const [res, of] of inFlight) if (of === server && !res.headersSent) res.shouldKeepAlive = false;
  }

  async function stop(reason: string): Promise<void> {
    opts.onStart?.();
    const started = performance.now();
    opts.logger.info({ reason, inFlight: inFlight.size, graceMs: opts.graceMs }, "shutting down: finishing the requests in flight");
    // The last server (the admin server) keeps its idle keep-alive connections until its own turn
    // (a probe must not race a connection being closed under it), and its answers from now on
    // close theirs.
    for (const { server } of opts.servers) beginClose(server);
    if (opts.last) answersClose.add(opts.last.server);
    let wasCut = false;
    let onCut: () => void = () => undefined;
    const cutReached = new Promise<void>((resolve) => (onCut = resolve));
    cut = () => {
      cut = undefined;
      wasCut = true;
      onCut();
      clearTimeout(deadline);
      opts.logger.warn({ inFlight: inFlight.size, afterMs: Math.round(performance.now() - started) }, "shutting down: closing the connections left");
      for (const { server } of all) server.closeAllConnections();
    };
    const deadline = setTimeout(() => cut?.(), opts.graceMs);
    try {
      // fastify's close: no new connections, idle ones closed, resolves when the last one has ended
      await Promise.all(opts.servers.map((s) => s.close()));
      if (opts.last && opts.lastWaitsFor && !wasCut) {
        // (a wait that fails is the same as one that ended: the admin server closes)
        await Promise.race([opts.lastWaitsFor().catch(() => undefined), cutReached]);
      }
      if (opts.last) {
        beginClose(opts.last.server);
        const closed = opts.last.close();
        // past the deadline already: nothing waits any more
        if (wasCut) opts.last.server.closeAllConnections();
        await closed;
      }
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
