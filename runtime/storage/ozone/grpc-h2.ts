/**
 * gRPC calls straight over node:http2: the OM's unary call (om-client.ts), the datanodes'
 * request/response streams (datanode-client.ts) and the Ratis streams of a write (ratis-client.ts).
 *
 * Why not grpc-js: each OM call and each block read is a call of its own, and a call's set-up in
 * grpc-js (its resolver, load balancer, call and filter stacks, metadata objects, deadline
 * plumbing) costs more than the message: one unary call cost its client ~200 µs of CPU, against
 * ~100 µs for the same call made here (measured against a grpc-js server on this 2-core machine,
 * 8 calls at a time). A small GET on Ozone makes one OM call and one datanode stream. The Ratis
 * streams live as long as their pipeline, but each message through grpc-js's layers still cost
 * more than it does here.
 *
 * The wire format (gRPC over HTTP/2, grpc/grpc PROTOCOL-HTTP2.md):
 * - request: POST to `/<service>/<method>` with `content-type: application/grpc`, `te: trailers`,
 *   `grpc-timeout` when the call has a deadline, the caller's metadata as lower-case headers; then
 *   length-prefixed messages: a compressed flag (0 here) and the length (4 bytes, big endian)
 *   before each message's bytes;
 * - answer: HTTP 200, length-prefixed messages, and trailers with `grpc-status` (0 = OK) and
 *   `grpc-message` (percent-encoded). An error may come as a "trailers-only" answer: the status in
 *   the headers, with no body.
 *
 * Failures become a GrpcCallError with the status code grpc-js gives for the same failure, so the
 * callers' failover reads the same codes:
 * - no connection (refused, reset, closed before the status): UNAVAILABLE, as is a stream the
 *   server refused (REFUSED_STREAM, e.g. past its GOAWAY). A connection that never opened (nothing
 *   listens at the address, or it cannot be reached) is flagged `unconnected`: the server is not
 *   running, where a connection that closed may belong to one that is restarting or moving on;
 * - a unary call's deadline passes: DEADLINE_EXCEEDED; the stream is cancelled. If the connection
 *   stayed silent meanwhile it is pinged, and dropped when the ping goes unanswered (a peer that
 *   vanished without closing the TCP connection), so that the next call connects anew; the same
 *   when a duplex call is cancelled (its owner's answer was overdue) on a silent connection;
 * - an HTTP status other than 200 maps as gRPC's spec says (503 UNAVAILABLE, 404 UNIMPLEMENTED...);
 * - a message over `maxMessage` bytes: RESOURCE_EXHAUSTED; a compressed one (never asked for), or a
 *   unary answer without exactly one message: INTERNAL; an answer without a status: UNKNOWN.
 *
 * One HTTP/2 connection per address, made on first use and again after it closed. It does not keep
 * the process alive by itself (a call in flight does, through its timer).
 */
import http2 from "node:http2";

/** gRPC status codes used here (grpc/grpc doc/statuscodes.md) */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const STATUS_NAMES: Record<number, string> = Object.fromEntries(Object.entries(GrpcStatus).map(([name, code]) => [code, name]));

/** the name of a status code, e.g. "UNAVAILABLE" (the number when it has none here) */
export function grpcStatusName(code: number): string {
  return STATUS_NAMES[code] ?? String(code);
}

/** A call that did not end with status OK. */
export class GrpcCallError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    /** the metadata sent with the status (trailers, or the headers of a trailers-only answer) */
    readonly metadata?: http2.IncomingHttpHeaders,
    /** the call's connection never opened: nothing accepted it at the address (refused, unreachable) */
    readonly unconnected = false,
  ) {
    super(`${grpcStatusName(code)}: ${details}`);
    this.name = "GrpcCallError";
  }
}

export interface GrpcChannelOptions {
  /** the largest message accepted, in bytes */
  maxMessage: number;
  /** metadata sent with every call (keys are sent lower-case) */
  metadata?: Readonly<Record<string, string>>;
  /** HTTP/2 receive window, per stream and for the connection (default 8 MiB) */
  window?: number;
  /** how long a ping may go unanswered after a call's deadline before the connection is dropped */
  pingTimeoutMs?: number;
}

/** a large answer (a listing, a few 4 MiB chunks read ahead) is not stalled on window updates */
const DEFAULT_WINDOW = 8 * 1024 * 1024;
const DEFAULT_PING_TIMEOUT_MS = 10_000;

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_INADEQUATE_SECURITY } = http2.constants;

/** gRPC's mapping of an HTTP status other than 200 (grpc/grpc doc/http-grpc-status-mapping.md) */
function statusOfHttp(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** what a stream reset by the peer means (the codes grpc-js gives for the same resets) */
function statusOfReset(rstCode: number): number {
  switch (rstCode) {
    case NGHTTP2_REFUSED_STREAM:
      return GrpcStatus.UNAVAILABLE;
    case NGHTTP2_CANCEL:
      return GrpcStatus.CANCELLED;
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case NGHTTP2_INADEQUATE_SECURITY:
      return GrpcStatus.PERMISSION_DENIED;
    default:
      return GrpcStatus.INTERNAL;
  }
}

function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function headerValue(v: string | string[] | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v[0] : String(v);
}

/** the longest a timer can wait (setTimeout's limit) */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A `grpc-timeout` value: at most 8 digits and a unit (PROTOCOL-HTTP2.md), so milliseconds up to
 * 99,999,999, seconds beyond.
 */
export function grpcTimeout(ms: number): string {
  return ms <= 99_999_999 ? `${ms}m` : `${Math.min(99_999_999, Math.ceil(ms / 1000))}S`;
}

/** A message frame's 5-byte prefix. */
function prefix(length: number): Buffer {
  const head = Buffer.allocUnsafe(5);
  head[0] = 0;
  head.writeUInt32BE(length, 1);
  return head;
}

/**
 * Splits the answer's bytes into messages. A message that lies whole within one DATA chunk is
 * handed on as a view of that chunk (node:http2 gives every chunk memory of its own); one spread
 * over chunks is gathered into a buffer of its size.
 */
export class MessageReader {
  private readonly head = Buffer.alloc(5);
  private headHave = 0;
  private body: Buffer | undefined;
  private bodyHave = 0;

  constructor(private readonly maxMessage: number) {}

  /** true while a message has begun and not ended */
  get partial(): boolean {
    return this.headHave > 0 || this.body !== undefined;
  }

  /** Takes one chunk; calls `emit` per whole message. Returns an error instead of going on. */
  push(chunk: Buffer, emit: (message: Buffer) => void): GrpcCallError | undefined {
    let at = 0;
    while (at < chunk.length) {
      if (this.body === undefined) {
        if (this.headHave === 0 && chunk.length - at >= 5) {
          chunk.copy(this.head, 0, at, at + 5);
          at += 5;
        } else {
          const n = Math.min(5 - this.headHave, chunk.length - at);
          chunk.copy(this.head, this.headHave, at, at + n);
          this.headHave += n;
          at += n;
          if (this.headHave < 5) return undefined;
        }
        this.headHave = 0;
        if (this.head[0] !== 0) return new GrpcCallError(GrpcStatus.INTERNAL, "a compressed message was not asked for");
        const length = this.head.readUInt32BE(1);
        if (length > this.maxMessage) {
          return new GrpcCallError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.maxMessage})`);
        }
        if (chunk.length - at >= length) {
          emit(chunk.subarray(at, at + length));
          at += length;
          continue;
        }
        this.body = Buffer.allocUnsafe(length);
        this.bodyHave = 0;
      }
      const n = Math.min(this.body.length - this.bodyHave, chunk.length - at);
      chunk.copy(this.body, this.bodyHave, at, at + n);
      this.bodyHave += n;
      at += n;
      if (this.bodyHave === this.body.length) {
        const done = this.body;
        this.body = undefined;
        emit(done);
      }
    }
    return undefined;
  }
}

/** What a call's owner hears: each message, then the end (an error unless the status was OK). */
interface CallSink {
  message(m: Buffer): void;
  end(err: GrpcCallError | undefined): void;
}

/**
 * One call on one HTTP/2 stream: sends messages, reads messages, and ends exactly once, with the
 * status (or the failure) worked out when the stream closes.
 */
class Call {
  private ended = false;
  private httpStatus: number | undefined;
  private grpcStatus: string | undefined;
  private grpcMessage = "";
  private statusMetadata: http2.IncomingHttpHeaders | undefined;
  private streamError: Error | undefined;
  private readonly reader: MessageReader;

  constructor(
    private readonly channel: GrpcChannel,
    readonly session: http2.ClientHttp2Session,
    readonly stream: http2.ClientHttp2Stream,
    maxMessage: number,
    private readonly sink: CallSink,
  ) {
    this.reader = new MessageReader(maxMessage);
    stream.on("response", (headers) => {
      channel.heard();
      this.httpStatus = Number(headers[":status"]);
      this.takeStatus(headers);
    });
    stream.on("trailers", (trailers) => {
      channel.heard();
      this.takeStatus(trailers);
    });
    stream.on("data", (chunk: Buffer) => {
      channel.heard();
      if (this.ended) return;
      const err = this.reader.push(chunk, (m) => {
        if (!this.ended) sink.message(m);
      });
      if (err !== undefined) this.fail(err);
    });
    // The call is over when the server's side ends with a status (its trailers), even while this
    // side may still send (a duplex call the server ended): that side is then cancelled. Without
    // a status the verdict waits for 'close', which always comes (after 'error' if there was one).
    stream.on("end", () => {
      if (this.grpcStatus === undefined) return;
      this.verdict();
      if (!stream.writableEnded && !stream.closed) stream.close(NGHTTP2_CANCEL);
    });
    // (the error of a connection that failed reaches its streams before the connection's own)
    stream.on("error", (err: Error) => (this.streamError = err));
    stream.on("close", () => this.verdict());
  }

  private takeStatus(headers: http2.IncomingHttpHeaders): void {
    const s = headerValue(headers["grpc-status"]);
    if (s === undefined) return;
    this.grpcStatus = s;
    this.grpcMessage = percentDecoded(headerValue(headers["grpc-message"]) ?? "");
    this.statusMetadata = headers;
  }

  /**
   * Ends the call with `err` now and cancels its stream. `later`: the owner hears of it on the next
   * tick, not from inside this call (as grpc-js reports a cancel).
   */
  fail(err: GrpcCallError, later = false): void {
    this.finish(err, later);
    if (!this.stream.closed) this.stream.close(NGHTTP2_CANCEL);
  }

  private finish(err: GrpcCallError | undefined, later = false): void {
    if (this.ended) return;
    this.ended = true;
    if (later) process.nextTick(() => this.sink.end(err));
    else this.sink.end(err);
  }

  private verdict(): void {
    if (this.ended) return;
    if (this.grpcStatus !== undefined) {
      const code = Number(this.grpcStatus);
      if (code !== GrpcStatus.OK) this.finish(new GrpcCallError(Number.isInteger(code) ? code : GrpcStatus.UNKNOWN, this.grpcMessage, this.statusMetadata));
      else if (this.reader.partial) this.finish(new GrpcCallError(GrpcStatus.INTERNAL, "the answer ended inside a message"));
      else this.finish(undefined);
      return;
    }
    const rst = this.stream.rstCode ?? 0;
    const session = this.session;
    if (this.httpStatus !== undefined && this.httpStatus !== 200) {
      this.finish(new GrpcCallError(statusOfHttp(this.httpStatus), `Received HTTP status code ${this.httpStatus}`));
    } else if (session.destroyed || session.closed || rst === NGHTTP2_REFUSED_STREAM || (this.httpStatus === undefined && rst === 0)) {
      // the connection went away (or never opened), or the server refused the stream
      const unconnected = session.destroyed && !openedSessions.has(session);
      const cause = sessionErrors.get(session) ?? this.streamError;
      const details = !session.destroyed
        ? `stream refused (code ${rst})`
        : unconnected
          ? `cannot connect to ${this.channel.address}${cause !== undefined ? `: ${cause.message}` : ""}`
          : `connection to ${this.channel.address} closed`;
      this.finish(new GrpcCallError(GrpcStatus.UNAVAILABLE, details, undefined, unconnected));
    } else if (rst !== 0) {
      this.finish(new GrpcCallError(statusOfReset(rst), `Received RST_STREAM with code ${rst}`));
    } else {
      this.finish(new GrpcCallError(GrpcStatus.UNKNOWN, "the answer ended without a status"));
    }
  }
}

/**
 * A call with any number of messages each way (a bidirectional-streaming method). `onMessage` gets
 * each message the server sends; `onEnd` once, when the call is over: undefined after status OK.
 */
export interface DuplexCall {
  write(message: Uint8Array): void;
  /** half-closes: no more messages from this side */
  end(): void;
  /** abandons the call: the server sees it cancelled, `onEnd` gets CANCELLED on the next tick (if not ended yet) */
  cancel(): void;
}

/** the sessions whose connection opened ('connect'), and the error each closed with */
const openedSessions = new WeakSet<http2.ClientHttp2Session>();
const sessionErrors = new WeakMap<http2.ClientHttp2Session, Error>();

/** Calls to one gRPC server address ("host:port", plain text). */
export class GrpcChannel {
  private session: http2.ClientHttp2Session | undefined;
  /** when the connection last received a frame of some call (headers, data, trailers) */
  private lastHeard = 0;
  private closedForGood = false;
  private readonly headers: Record<string, string> = {};

  constructor(
    readonly address: string,
    private readonly opts: GrpcChannelOptions,
  ) {
    for (const [k, v] of Object.entries(opts.metadata ?? {})) this.headers[k.toLowerCase()] = v;
  }

  /** @internal (Call) */
  heard(): void {
    this.lastHeard = Date.now();
  }

  private connect(): http2.ClientHttp2Session {
    const current = this.session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const window = this.opts.window ?? DEFAULT_WINDOW;
    const session = http2.connect(`http://${this.address}`, { settings: { initialWindowSize: window, enablePush: false } });
    this.session = session;
    const forget = (): void => {
      if (this.session === session) this.session = undefined;
    };
    session.on("connect", () => {
      openedSessions.add(session);
      session.setLocalWindowSize(window);
    });
    // each stream reports its own failure; the session's error retires it (and names the cause)
    session.on("error", (err: Error) => {
      sessionErrors.set(session, err);
      forget();
    });
    session.on("close", forget);
    // the server takes no new streams: later calls go on a new connection, and this one closes
    // once the streams it still carries have ended
    session.on("goaway", () => {
      forget();
      if (!session.closed && !session.destroyed) session.close();
    });
    session.unref();
    return session;
  }

  /**
   * Opens a stream for `path`; undefined when it cannot be made, and then the sink hears
   * UNAVAILABLE on the next tick (never before its caller has its own state in place).
   */
  private open(path: string, timeoutMs: number | undefined, sink: CallSink): Call | undefined {
    const refuse = (details: string): undefined => {
      process.nextTick(() => sink.end(new GrpcCallError(GrpcStatus.UNAVAILABLE, details)));
      return undefined;
    };
    if (this.closedForGood) return refuse("channel closed");
    let session: http2.ClientHttp2Session | undefined;
    try {
      session = this.connect();
      const stream = session.request(
        {
          ":method": "POST",
          ":path": path,
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-accept-encoding": "identity",
          ...(timeoutMs !== undefined && { "grpc-timeout": grpcTimeout(timeoutMs) }),
          ...this.headers,
        },
        { endStream: false },
      );
      return new Call(this, session, stream, this.opts.maxMessage, sink);
    } catch (err) {
      // A connection that cannot open a stream (its 2^31 stream ids used up after a long life, or
      // closing) is retired, so that the next call connects anew instead of failing the same way.
      if (session !== undefined) {
        if (this.session === session) this.session = undefined;
        if (!session.closed && !session.destroyed) session.close();
      }
      return refuse(err instanceof Error ? err.message : String(err));
    }
  }

  /**
   * A unary call: one message to `path` ("/package.Service/Method"), one back. Resolves with the
   * answer's bytes; rejects with a GrpcCallError.
   */
  unary(path: string, message: Uint8Array, deadline: number): Promise<Buffer> {
    // (a timer longer than 2^31-1 ms would fire at once: Node's setTimeout limit)
    const timeLeft = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(deadline - Date.now())));
    return new Promise<Buffer>((resolve, reject) => {
      const started = Date.now();
      let answer: Buffer | undefined;
      let count = 0;
      let timer: NodeJS.Timeout | undefined;
      const call = this.open(path, timeLeft, {
        message: (m) => {
          answer = m;
          count++;
        },
        end: (err) => {
          clearTimeout(timer);
          if (err !== undefined) reject(err);
          else if (count !== 1) reject(new GrpcCallError(GrpcStatus.INTERNAL, `a unary call answered with ${count} messages`));
          else resolve(answer!);
        },
      });
      if (call === undefined) return;
      timer = setTimeout(() => {
        call.fail(new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, "Deadline exceeded"));
        if (this.lastHeard < started) this.probe(call.session);
      }, timeLeft);
      call.stream.write(prefix(message.length));
      call.stream.end(message);
    });
  }

  /** A call to a streaming method, without a deadline of its own (the caller times its requests). */
  duplex(path: string, onMessage: (m: Buffer) => void, onEnd: (err: GrpcCallError | undefined) => void): DuplexCall {
    let ended = false;
    const started = Date.now();
    const call = this.open(path, undefined, {
      message: onMessage,
      end: (err) => {
        ended = true;
        onEnd(err);
      },
    });
    return {
      write: (message) => {
        if (call === undefined || ended || call.stream.writableEnded) return;
        call.stream.write(prefix(message.length));
        call.stream.write(message);
      },
      end: () => {
        if (call !== undefined && !call.stream.writableEnded) call.stream.end();
      },
      cancel: () => {
        if (call === undefined) return;
        call.fail(new GrpcCallError(GrpcStatus.CANCELLED, "Cancelled on client"), true);
        // cancelled because an answer was overdue (datanode-client.ts): was the connection silent?
        if (this.lastHeard < started) this.probe(call.session);
      },
    };
  }

  /** After a deadline on a silent connection: ping it, and drop it if the ping is not answered. */
  private probe(session: http2.ClientHttp2Session): void {
    if (session.destroyed || session.closed) return;
    const timeout = setTimeout(() => session.destroy(), this.opts.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS);
    timeout.unref();
    const answered = (err: Error | null): void => {
      clearTimeout(timeout);
      if (err) session.destroy();
    };
    try {
      if (!session.ping(answered)) answered(new Error("ping not sent"));
    } catch (err) {
      answered(err as Error);
    }
  }

  /** Closes the connection: calls in flight end with UNAVAILABLE, later ones at once. */
  close(): void {
    this.closedForGood = true;
    this.session?.destroy();
    this.session = undefined;
  }
}
