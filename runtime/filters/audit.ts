/** Filter 5: one structured access/audit line per request (pino), after the response or its abort. */
import type { FastifyRequest } from "fastify";
import type { Completion } from "./completion.js";
import "./state.js";

export function auditLine(request: FastifyRequest, c: Completion): void {
  const st = request.s3 as FastifyRequest["s3"] | null;
  request.log.info(
    {
      audit: true,
      requestId: request.id,
      remote: request.ip,
      accessKeyId: st?.accessKeyId,
      user: st?.user?.canonicalId,
      operation: st?.route?.operation,
      bucket: st?.target?.bucket,
      key: st?.target?.key,
      method: request.method,
      status: c.status,
      error: c.code || undefined,
      // a response the client went away from: the status line it had been sent, if any
      aborted: c.aborted || undefined,
      sentStatus: c.sentStatus,
      bytesSent: c.bytesOut,
      ms: c.seconds * 1000,
    },
    "s3 request",
  );
}
