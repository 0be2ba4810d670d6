/** Filter 5: one structured access/audit line per request (pino), after the response. */
import type { FastifyReply, FastifyRequest } from "fastify";
import "./state.js";

export function auditFilter() {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const st = request.s3;
    request.log.info(
      {
        audit: true,
        requestId: request.id,
        remote: request.ip,
        accessKeyId: st?.accessKeyId,
        operation: st?.route?.operation,
        bucket: st?.target?.bucket,
        key: st?.target?.key,
        method: request.method,
        status: reply.statusCode,
        error: st?.errorCode,
        ms: st ? Number(process.hrtime.bigint() - st.startNs) / 1e6 : undefined,
      },
      "s3 request",
    );
  };
}
