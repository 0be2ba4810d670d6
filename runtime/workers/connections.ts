/**
 * The S3 port's connections, shared by the primary among itself and its workers.
 *
 * The primary listens on the S3 port with a plain TCP server that takes every connection paused
 * (not one byte read) and gives each one, in turn, to its own HTTP(S) server or to a worker, which
 * gets the descriptor over its IPC channel (child_process handle passing; the primary's copy closes
 * once sent). Node's cluster module does the same hand-over, but to workers only; here the primary,
 * which owns the embedded store, serves its share too, without IPC for its store calls, and N
 * processes serve on N cores instead of N workers beside a mostly idle primary.
 *
 * No HTTP server listens itself: each one serves the connections emitted into it (a `Connections`).
 * A listening server's close() would not do here: once it has sent a descriptor to a child, Node's
 * net.Server counts its connections as the children's and ends its close() when they report theirs
 * closed, whatever connections it still serves itself. So each process tracks the connections it
 * was given and its shutdown waits for them (`drain`); and so that an HTTP server that never
 * listened still times out idle connections and slow headers, its connection tracking is started
 * as a listening server's is.
 */
import type { Server } from "node:http";
import { createServer, type Server as TcpServer, type Socket } from "node:net";

/** The IPC message a handed connection travels with (the RPC ignores it: no `s3gw` member). */
interface ConnectionMessage {
  s3gwConnection: 1;
}

function isConnectionMessage(m: unknown): m is ConnectionMessage {
  return typeof m === "object" && m !== null && (m as { s3gwConnection?: unknown }).s3gwConnection === 1;
}

/** Where the primary can hand a connection: a cluster Worker. */
export interface ConnectionTaker {
  send(message: unknown, handle: Socket, options: undefined, callback: (err: Error | null) => void): boolean;
}

/** The connections one process's HTTP(S) server was given: served, counted, drained. */
export class Connections {
  private readonly sockets = new Set<Socket>();
  private draining: { resolve(): void; promise: Promise<void> } | undefined;

  constructor(private readonly server: Server) {
    // node:http starts its connection tracking (request and headers timeouts, closeIdleConnections,
    // closeAllConnections) on 'listening'; its close() stops it
    server.emit("listening");
  }

  /** how many it serves now */
  get size(): number {
    return this.sockets.size;
  }

  /** Serves `socket` (paused, or fresh from the IPC channel) on the server. */
  take(socket: Socket): void {
    // as a listening HTTP server's sockets are: the end of what the client sends does not end what
    // is sent back (runtime/app.ts httpAllowHalfOpen). Set here for the primary's own connections
    // and for those handed to a worker alike (a handed socket is made anew there, without it).
    socket.allowHalfOpen = true;
    this.sockets.add(socket);
    socket.once("close", () => {
      this.sockets.delete(socket);
      this.settle();
    });
    this.server.emit("connection", socket);
    socket.resume();
  }

  /**
   * Closes the idle connections and resolves once every connection has closed (during a shutdown
   * the answers close theirs, runtime/shutdown.ts).
   */
  drain(): Promise<void> {
    if (this.draining === undefined) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      this.draining = { resolve, promise };
      this.server.closeIdleConnections();
      this.settle();
    }
    return this.draining.promise;
  }

  private settle(): void {
    if (this.draining !== undefined && this.sockets.size === 0) this.draining.resolve();
  }
}

/**
 * The primary's S3 port: a TCP server whose connections go to a worker (`pick()`), or to `own`
 * when it answers undefined. A connection that cannot be sent (the worker's channel closed just
 * now) is closed: the client sees a reset before it sent anything, which every client retries.
 */
export function shareConnections(own: Connections, pick: () => ConnectionTaker | undefined): TcpServer {
  // noDelay: Nagle's algorithm off at accept, as node:http's own listening server does (its noDelay
  // defaults to true; an HTTP server that never listens never sets it). The option belongs to the
  // socket, so a descriptor handed to a worker keeps it. With Nagle on, an answer written in two
  // pieces (a GET whose range spans two parts) waited for the client's delayed ACK: ~44 ms each
  // on one kept-alive connection, against ~2 ms (test/workers/workers.test.ts).
  return createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
    const taker = pick();
    if (taker === undefined) {
      own.take(socket);
      return;
    }
    try {
      taker.send({ s3gwConnection: 1 } satisfies ConnectionMessage, socket, undefined, (err) => {
        if (err) socket.destroy();
      });
    } catch {
      socket.destroy();
    }
  });
}

/** The IPC endpoint of a worker: `process`. */
export interface ConnectionSource {
  on(event: "message", listener: (message: unknown, handle: unknown) => void): unknown;
}

/** A worker's side: the connections the primary hands over are served by `server`. */
export function acceptConnections(server: Server, source: ConnectionSource): Connections {
  const connections = new Connections(server);
  source.on("message", (message, handle) => {
    if (isConnectionMessage(message) && handle !== undefined && handle !== null) connections.take(handle as Socket);
  });
  return connections;
}
