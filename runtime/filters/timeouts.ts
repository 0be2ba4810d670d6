/**
 * Time limits on what a client sends, so that a slow or silent client cannot hold a connection (and
 * its file descriptor) for ever:
 *
 * - headers: a request whose headers are not complete `headersTimeoutMs` after its first byte (a
 *   slowloris), or a connection that sends nothing at all, is answered 400 RequestTimeout and closed.
 *   node:http measures this itself (server.headersTimeout, checked every connectionsCheckingInterval);
 *   this module sets it; filters/client-errors.ts renders its answer as S3 XML.
 * - body: while the gateway waits for body bytes, a client that sends none for `bodyIdleTimeoutMs`
 *   fails the request with 400 RequestTimeout and the connection is closed, as S3 does after ~20 s
 *   ("Your socket connection to the server was not read from or written to within the timeout
 *   period", AWS S3 API Reference, Error responses). The whole request has no deadline (node's
 *   requestTimeout stays 0): a 5 GiB upload over a slow but steady link is legitimate.
 * - an answer: a client that takes no byte of a streamed answer (a GET's body) for `bodyIdleTimeoutMs`
 *   while bytes wait for it has its connection closed (watchAnswerIdle; a body sent by sendfile(2)
 *   keeps the same limit itself, runtime/sendfile.ts).
 * - idle keep-alive connections: node:http's keepAliveTimeout.
 *
 * The unread rest of a body after an early answer is bounded in unread-body.ts.
 */
import type { ServerOptions, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { FastifyBaseLogger, FastifyRequest } from "fastify";
import type { Config } from "../config.js";
import { S3Error } from "../errors.js";
import { renderError } from "../respond.js";
import "./state.js";

type TimeoutLimits = Pick<Config["limits"], "headersTimeoutMs" | "keepAliveTimeoutMs">;

/**
 * The fastify options that set node:http's own timeouts (for the S3 and the admin server alike).
 * Node checks its headers deadline every connectionsCheckingInterval (30 s by default): a quarter of
 * the timeout, at most a second, keeps the cut close to the configured time at the cost of one walk
 * over the open connections per interval.
 */
export function serverTimeouts(limits: Readonly<TimeoutLimits>): { keepAliveTimeout: number; requestTimeout: number; http: ServerOptions } {
  return {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: 0,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(25, Math.floor(limits.headersTimeoutMs / 4))),
    },
  };
}

/**
 * Fails `body` (the verifying body reading `request.raw`) with RequestTimeout when the client sends
 * no byte for `idleMs` while the gateway waits for one. Time in which the gateway is the one not
 * reading does not count: backpressure (the store is slower than the client: the source is paused)
 * or a client still waiting for its `100 Continue`. One timer per body, re-armed only when it fires;
 * a chunk costs one clock read.
 */
export function watchBodyIdle(request: FastifyRequest, body: Readable, idleMs: number): void {
  const source = request.raw;
  let last = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const onData = () => {
    last = performance.now();
  };
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
    source.off("data", onData);
  };
  const check = () => {
    if (source.complete || body.destroyed) return stop();
    const now = performance.now();
    if (source.readableFlowing === false || request.s3.continuePending) last = now;
    const idle = now - last;
    if (idle >= idleMs) {
      stop();
      request.s3.bodyTimedOut = true;
      body.destroy(new S3Error("RequestTimeout"));
      return;
    }
    timer = setTimeout(check, idleMs - idle);
  };
  source.on("data", onData);
  body.once("close", stop);
  timer = setTimeout(check, idleMs);
}

/**
 * Closes the connection of `res` when its client takes none of the bytes waiting for it for
 * `idleMs`. Only the client's silence counts: while nothing waits in the response or its socket
 * (the storage is slower than the client, or the kernel sends a file by itself) the clock does not
 * run. Progress is a 'drain' (everything queued went to the kernel, which a piped body waits for
 * before it writes more). One timer per answer, re-armed every quarter of the idle time.
 */
export function watchAnswerIdle(res: ServerResponse, idleMs: number): void {
  let last = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const onDrain = () => {
    last = performance.now();
  };
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
    res.off("drain", onDrain);
  };
  const check = () => {
    const now = performance.now();
    if (res.writableLength === 0) last = now;
    else if (now - last >= idleMs) {
      stop();
      res.destroy();
      return;
    }
    timer = setTimeout(check, idleMs / 4);
  };
  res.on("drain", onDrain);
  res.once("close", stop);
  res.once("finish", stop);
  timer = setTimeout(check, idleMs / 4);
}
