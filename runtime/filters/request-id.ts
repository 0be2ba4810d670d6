/** Filter 1: every response carries x-amz-request-id and x-amz-id-2, errors included. */
import type { FastifyReply, FastifyRequest } from "fastify";
import "./state.js";

export function requestIdFilter(hostId: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    request.s3 = { startNs: process.hrtime.bigint(), bytesOut: 0, continuePending: /^\s*100-continue\s*$/i.test(request.headers.expect ?? "") };
    reply.header("x-amz-request-id", request.id).header("x-amz-id-2", hostId);
  };
}
