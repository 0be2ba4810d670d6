/**
 * The unread rest of a request body, after the answer was decided without it.
 *
 * An error can be answered before the request body was read (NoSuchBucket on a PUT, AccessDenied for
 * an anonymous upload, a failed precondition, a checksum that fails halfway). The body's reader (the
 * verifying body of runtime/auth/body.ts) has stopped; left alone, the rest of the body would stall
 * the connection. A small remainder is drained so the connection stays usable and the client reads
 * the S3 error instead of failing with EPIPE while still sending; a large one is not worth
 * receiving: the connection closes after the answer. A body of unknown length (Transfer-Encoding:
 * chunked, as the AWS SDKs send aws-chunked uploads) is drained while it stays under the limit.
 *
 * Every drain is bounded in bytes and in time: a client trickling a byte a minute after its 404
 * would otherwise hold the connection for ever. Past either bound the connection is closed once the
 * answer is out. The same bounds apply to node's own drain of a body nobody read when a successful
 * answer finishes (http.Server dumps it to keep the connection alive).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import "./state.js";

/** Unread request bodies up to this size are drained after an early answer. */
export const DRAIN_LIMIT = 4 * 1024 * 1024;

export function unreadBody(drainTimeoutMs: number) {
  /** Receives and discards the rest of `raw` up to DRAIN_LIMIT bytes and drainTimeoutMs, then closes. */
  function bound(raw: IncomingMessage, res: ServerResponse): void {
    let drained = 0;
    const cut = () => {
      stop();
      raw.pause();
      const socket = raw.socket;
      if (res.writableFinished || res.destroyed) socket?.destroy();
      else res.once("finish", () => socket?.destroy()).once("close", () => socket?.destroy());
    };
    const onData = (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > DRAIN_LIMIT) cut();
    };
    const timer = setTimeout(cut, drainTimeoutMs);
    const stop = () => {
      clearTimeout(timer);
      raw.off("data", onData).off("end", stop).off("close", stop);
    };
    raw.on("data", onData).once("end", stop).once("close", stop);
  }

  return {
    /** Called while an early error answer is prepared (before its headers are sent). */
    discard(request: FastifyRequest, reply: FastifyReply): void {
      const raw = request.raw;
      if (raw.complete || raw.readableEnded || raw.destroyed) return;
      // The client was never told to send its body: it will not; the connection cannot be reused.
      // Or it stopped sending (RequestTimeout): there is nothing to wait for.
      if (request.s3?.continuePending || request.s3?.bodyTimedOut) {
        reply.header("connection", "close");
        return;
      }
      const length = Number(request.headers["content-length"] ?? Number.NaN);
      if (Number.isFinite(length) && length > DRAIN_LIMIT) {
        reply.header("connection", "close");
        return;
      }
      raw.unpipe();
      if (request.s3) request.s3.drainBounded = true;
      bound(raw, reply.raw);
      raw.resume();
    },

    /** onResponse hook: bounds node's own drain of a body left unread by a successful answer. */
    async afterResponse(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const raw = request.raw;
      if (raw.complete || raw.destroyed || request.s3?.drainBounded || request.s3?.bodyTimedOut) return;
      bound(raw, reply.raw);
    },
  };
}
