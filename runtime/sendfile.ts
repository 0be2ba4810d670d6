/**
 * Zero-copy responses: the bytes of a file go to a response's socket by sendfile(2)
 * (native/sendfile, an addon of ~300 lines of C that `npm install` builds), not read into a Buffer
 * and written from it, as versitygw serves files. bench/cpu, one process: ~12% less CPU per 1 MiB
 * GET, ~25% less per 64 MiB GET on loopback (README, Architecture).
 *
 * Only where nothing but the file's bytes is to go out after the headers: a plain TCP socket (a TLS
 * one encrypts in user space), a response with a Content-Length (no chunked framing), once it is
 * the connection's current response (a pipelined one waits for its turn). Anywhere else, and when
 * the addon was not built (no C compiler where npm installed the packages; not Linux) or is turned
 * off (`embedded.sendfile: false`), the same bytes are read and written as before.
 *
 * While a send is in flight node does not see the bytes go: a client that reads nothing for
 * `idleMs` fails the send (ETIMEDOUT) and its connection is closed; the bytes sent are added to
 * the response's count (filters/completion.ts: sentBySendfile, afterSends).
 */
import { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { getSystemErrorName } from "node:util";
import { nativeAddon } from "./native-addon.js";

interface Native {
  start(socketFd: number, fileFd: number, offset: number, length: number, idleMs: number, callback: (errno: number, sent: number) => void): object;
  cancel(handle: object): void;
  cork(socketFd: number): void;
}

/**
 * The sends of one response, kept on it from its first send on (none for the others): the bytes
 * they sent, how many are still going, and what runs once the last ended (filters/completion.ts
 * reports an answer the client cut once its sends ended, with what they sent).
 */
interface ResponseSends {
  bytes: number;
  inFlight: number;
  settled?: () => void;
}
const SENDS = Symbol("s3g.sendfileSends");
type WithSends = ServerResponse & { [SENDS]?: ResponseSends };

const native = typeof nativeAddon?.start === "function" ? (nativeAddon as unknown as Native) : undefined;
let enabled = false;
let idleMs = 20_000;

/** Whether zero-copy sends happen in this process (the addon loaded and the setting on). */
export function sendfileAvailable(): boolean {
  return native !== undefined;
}

/** The process's setting (embedded.sendfile; off until set): on or off, and how long a client may read nothing of a send. */
export function configureSendfile(options: { enabled: boolean; idleMs: number }): void {
  enabled = options.enabled && native !== undefined;
  idleMs = options.idleMs;
}

/** Where a file may be sent: the response's socket and its descriptor (see whenZeroCopy). */
export type ZeroCopyTarget = { socket: Socket; fd: number };

type Connection = Socket & { _httpMessage?: unknown; _handle?: { fd?: unknown }; encrypted?: boolean };

function targetOf(conn: Connection): ZeroCopyTarget | undefined {
  const fd = conn._handle?.fd;
  return typeof fd === "number" && fd >= 0 && !conn.destroyed ? { socket: conn, fd } : undefined;
}

/**
 * Whether `dest` is a response a file may be sent to (above): false, and `go` is never called,
 * when it is not. Else `go` runs once the response is its connection's current one: at once, or
 * when node hands it the socket (the answer to a request that came while the one before was
 * still ending waits for its turn), with "fallback" if it cannot be sent to then, and "closed"
 * when the connection closes first.
 */
export function whenZeroCopy(dest: unknown, go: (target: ZeroCopyTarget | "fallback" | "closed") => void): boolean {
  if (!enabled || !(dest instanceof ServerResponse) || dest.headersSent) return false;
  if (dest.getHeader("content-length") === undefined || dest.getHeader("transfer-encoding") !== undefined) return false;
  const conn = dest.req?.socket as Connection | undefined;
  if (conn === undefined || conn.encrypted === true || targetOf(conn) === undefined) return false;
  if (dest.socket === conn && conn._httpMessage === dest) {
    go(targetOf(conn)!);
    return true;
  }
  if (dest.socket !== null) return false;
  const onSocket = () => {
    conn.off("close", onClose);
    const target = conn._httpMessage === dest && !dest.headersSent ? targetOf(conn) : undefined;
    go(target ?? "fallback");
  };
  const onClose = () => {
    dest.off("socket", onSocket);
    go("closed");
  };
  dest.once("socket", onSocket);
  conn.once("close", onClose);
  return true;
}

/**
 * Sends the headers of `res`, then calls `done` once every byte queued on its socket left for the
 * kernel. `cork`: the socket holds them back until the next send's end (sendFile), so that they
 * leave with its first bytes; only when a send follows at once, which uncorks.
 */
export function flushHeaders(res: ServerResponse, socket: Socket, socketFd: number, cork: boolean, done: (err?: Error) => void): void {
  if (cork) native!.cork(socketFd);
  res.flushHeaders();
  if (socket.writableLength === 0) {
    done();
    return;
  }
  // a write of nothing completes after every write queued before it
  socket.write(Buffer.alloc(0), (err) => done(err ?? undefined));
}

/** What this process sent by sendfile(2) so far (the metric s3gw_sendfile_sent_bytes_total). */
export const zeroCopyTotals = { bytes: 0 };

export class FileEndedError extends Error {}

export interface SendHandle {
  cancel(): void;
}

/** A send for `res` begins (see countSent). */
export function sendStarted(res: ServerResponse): void {
  const sends = ((res as WithSends)[SENDS] ??= { bytes: 0, inFlight: 0 });
  sends.inFlight++;
}

/** A send for `res` ended, having sent `bytes`: counted for the response and the process. */
export function countSent(res: ServerResponse, bytes: number): void {
  zeroCopyTotals.bytes += bytes;
  const sends = (res as WithSends)[SENDS];
  if (sends === undefined) return;
  sends.bytes += bytes;
  if (--sends.inFlight === 0 && sends.settled !== undefined) {
    const settled = sends.settled;
    sends.settled = undefined;
    settled();
  }
}

/** The body bytes sent to `res` by sendfile(2), which res.write never saw. */
export function sentBySendfile(res: ServerResponse): number {
  return (res as WithSends)[SENDS]?.bytes ?? 0;
}

/** Whether a send for `res` is going. */
export function sendsInFlight(res: ServerResponse): boolean {
  return ((res as WithSends)[SENDS]?.inFlight ?? 0) > 0;
}

/** Runs `then` when the last send going for `res` ends (see sendsInFlight). */
export function afterSends(res: ServerResponse, then: () => void): void {
  (res as WithSends)[SENDS]!.settled = then;
}

/**
 * Sends bytes [offset, offset + length) of the file `fileFd` on the socket of descriptor `socketFd`.
 * `done` runs once, asynchronously: with the bytes sent, and an error when not all were (the
 * client went away or read nothing for the idle time: an Error with the errno's code; the file
 * ended first: FileEndedError; cancelled: code ECANCELED).
 */
export function sendFile(socketFd: number, fileFd: number, offset: number, length: number, done: (err: Error | undefined, sent: number) => void): SendHandle {
  let handle: object;
  try {
    handle = native!.start(socketFd, fileFd, offset, length, idleMs, (errno, sent) => {
      if (errno === 0) done(undefined, sent);
      else if (errno === -1) done(new FileEndedError(`the file ended ${length - sent} bytes before the planned end`), sent);
      else {
        const code = getSystemErrorName(-errno);
        done(Object.assign(new Error(`sendfile: ${code}`), { code, errno: -errno }), sent);
      }
    });
  } catch (err) {
    // a send that could not start (no descriptor left to duplicate): ends like any other, later
    process.nextTick(done, err as Error, 0);
    return { cancel: () => undefined };
  }
  return { cancel: () => native!.cancel(handle) };
}
