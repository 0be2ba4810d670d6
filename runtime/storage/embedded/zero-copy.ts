/**
 * A GET's body sent by sendfile(2) (runtime/sendfile.ts): the pieces of the answer, in order, on
 * the response's socket after its headers, each file slice from its descriptor straight to the
 * socket and each inline slice written as it is; then the response ends. segment-read.ts (one
 * file) and segment-stream.ts (several slices) take this way when piped into a response that can
 * take it, and read and write as before otherwise.
 *
 * The first file is opened before the headers go: a file that cannot be opened still gets the
 * client an error answer, as when it is read. After the headers, a failure can only cut the
 * connection, as a failed read does.
 */
import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import { flushHeaders } from "../../sendfile.js";
import type { SegmentReadStream } from "./segment-read.js";

const ignore = (): void => undefined;

/** One piece of an answer: bytes held in memory, or a file slice's stream (not yet read). */
export type Piece = Buffer | (() => SegmentReadStream);

export interface ZeroCopySend {
  /** Stops at the next step; `done` still runs once, with an error. */
  cancel(): void;
}

/**
 * Sends `pieces` on `target` (the socket of `res` and its descriptor), then ends `res`; `done`
 * runs once, after the end or with the first failure. A file piece's stream is destroyed once
 * sent (or failed), which gives its descriptor back, unless it is `owner` (the stream whose
 * answer this is, which ends itself).
 */
export function sendPieces(
  res: ServerResponse,
  target: { socket: Socket; fd: number },
  pieces: readonly Piece[],
  owner: Readable,
  done: (err?: Error) => void,
): ZeroCopySend {
  let next = 0;
  let headersSent = false;
  let current: SegmentReadStream | undefined;
  let cancelled: Error | undefined;
  let ended = false;
  const release = (stream: SegmentReadStream | undefined) => {
    if (stream !== undefined && stream !== owner) stream.destroy();
  };
  const end = (err?: Error) => {
    if (ended) return;
    ended = true;
    release(current);
    current = undefined;
    if (err === undefined) res.end();
    done(err);
  };
  // `cork`: a file's send comes next (and uncorks at its end), not bytes of the process's own
  const withHeaders = (cork: boolean, then: () => void) => {
    if (headersSent) return then();
    headersSent = true;
    flushHeaders(res, target.socket, target.fd, cork, (err) => (err !== undefined ? end(err) : cancelled !== undefined ? end(cancelled) : then()));
  };
  const step = (): void => {
    if (cancelled !== undefined) return end(cancelled);
    if (next === pieces.length) return withHeaders(false, () => end());
    const piece = pieces[next++];
    if (Buffer.isBuffer(piece)) {
      withHeaders(false, () => {
        if (piece.length === 0) return step();
        target.socket.write(piece, (err) => (err ? end(err) : step()));
      });
      return;
    }
    const stream = (current = piece());
    // its failures come through the callbacks below; one it is destroyed with (a failed open) must
    // not reach the process as an 'error' no one listens to
    if (stream !== owner) stream.on("error", ignore);
    stream.openForSend((openErr) => {
      if (openErr !== undefined) return end(openErr);
      if (cancelled !== undefined) return end(cancelled);
      withHeaders(true, () =>
        stream.sendTo(res, target.fd, (sendErr) => {
          current = undefined;
          release(stream);
          if (sendErr !== undefined) end(sendErr);
          else step();
        }),
      );
    });
  };
  step();
  return {
    cancel() {
      if (ended || cancelled !== undefined) return;
      cancelled = Object.assign(new Error("the response was closed during a zero-copy send"), { code: "ECANCELED" });
      // a send in flight ends with ECANCELED (its stream's destroy cancels it), and that ends this;
      // no error to destroy it with: a piece's failures travel by openForSend's and sendTo's callbacks
      if (current !== owner) current?.destroy();
    },
  };
}
