/**
 * The end of every exchange, answered in full or cut by the client, reported once to the metrics
 * and the audit log. Fastify's onResponse hook runs when the answer has been handed over in full
 * (or the response failed); a client that goes away in the middle of a body leaves no such event,
 * so the response's 'close' without 'finish' reports it.
 *
 * Body bytes are counted as they are written to the response, not taken from Content-Length: a HEAD
 * answer, a 304 and an error carry no object body whatever the headers say, and an aborted GET sent
 * only part of it. An aborted response is reported with status 499 (nginx's "client closed
 * request", no status S3 sends) and code ClientAborted; `sentStatus` keeps the status line that had
 * gone out, if any.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ServerResponse } from "node:http";
import { afterSends, sendsInFlight, sentBySendfile } from "../sendfile.js";
import "./state.js";

export interface Completion {
  operation: string;
  status: number;
  /** S3 error code, or "" */
  code: string;
  aborted: boolean;
  /** the status line sent before the client went away (aborted responses only) */
  sentStatus?: number;
  seconds: number;
  bytesIn: number;
  /** response body bytes written to the connection */
  bytesOut: number;
}

/** Status and code an aborted response is reported with. */
export const ABORTED_STATUS = 499;
export const ABORTED_CODE = "ClientAborted";

type Listener = (request: FastifyRequest, completion: Completion) => void;

function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (chunk === undefined || chunk === null || typeof chunk === "function") return 0;
  if (typeof chunk === "string") return Buffer.byteLength(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
  return (chunk as Uint8Array).byteLength ?? 0;
}

/** Counts the body bytes written to `res` into the request's state. */
function countBodyBytes(request: FastifyRequest, res: ServerResponse): void {
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    request.s3.bytesOut += chunkBytes(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof res.write;
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    request.s3.bytesOut += chunkBytes(chunk, rest[0]);
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as typeof res.end;
}

export function completionTracker(listeners: readonly Listener[]) {
  function complete(request: FastifyRequest, reply: FastifyReply): void {
    const st = request.s3 as FastifyRequest["s3"] | null;
    if (st) {
      if (st.completed) return;
      st.completed = true;
    }
    const res = reply.raw;
    const aborted = !res.writableFinished;
    // Node writes no body for HEAD, 204 and 304 (RFC 9110 6.4.1), whatever was handed to it.
    const bodiless = request.method === "HEAD" || res.statusCode === 204 || res.statusCode === 304;
    // What is still buffered in the response or its socket has not gone out.
    // with what files sent straight to the socket (runtime/sendfile.ts)
    const bytesOut = bodiless || !st ? 0 : Math.max(0, st.bytesOut + sentBySendfile(res) - (aborted ? res.writableLength : 0));
    const completion: Completion = {
      operation: st?.route?.operation ?? "unknown",
      status: aborted ? ABORTED_STATUS : res.statusCode,
      code: aborted ? ABORTED_CODE : (st?.errorCode ?? ""),
      aborted,
      sentStatus: aborted && res.headersSent ? res.statusCode : undefined,
      seconds: st ? Number(process.hrtime.bigint() - st.startNs) / 1e9 : 0,
      bytesIn: Number(request.headers["content-length"] ?? 0) || 0,
      bytesOut,
    };
    for (const l of listeners) l(request, completion);
  }

  /** complete(), once no send by sendfile(2) is going (one the client cut ends soon, cancelled): with what it sent */
  function completeWhenSent(request: FastifyRequest, reply: FastifyReply): void {
    if (sendsInFlight(reply.raw)) afterSends(reply.raw, () => complete(request, reply));
    else complete(request, reply);
  }

  return {
    /** onRequest hook (after the request id filter, which creates the request's state) */
    async onRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      countBodyBytes(request, reply.raw);
      reply.raw.once("close", () => {
        if (!reply.raw.writableFinished) completeWhenSent(request, reply);
      });
    },
    /** onResponse hook */
    async onResponse(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      completeWhenSent(request, reply);
    },
  };
}
