/**
 * Filter 0: bodies are bytes. Fastify picks a body parser by Content-Type and refuses a value that
 * is not a media type before any handler runs; S3 parses no body by its Content-Type and stores the
 * header verbatim as object metadata (an empty or odd Content-Type is a valid PUT). So the header is
 * set aside before fastify's parser selection (onRequest) and put back before the handler
 * (preValidation). Signature checks read the raw header lines and are not affected.
 */
import type { FastifyRequest } from "fastify";
import type { IncomingMessage } from "node:http";

const contentType = Symbol("s3gw.contentType");

type WithStash = IncomingMessage & { [contentType]?: string };

export async function hideContentType(request: FastifyRequest): Promise<void> {
  const raw = request.raw as WithStash;
  const value = raw.headers["content-type"];
  if (value === undefined) return;
  raw[contentType] = value;
  delete raw.headers["content-type"];
}

export async function restoreContentType(request: FastifyRequest): Promise<void> {
  const raw = request.raw as WithStash;
  const value = raw[contentType];
  if (value !== undefined) raw.headers["content-type"] = value;
}
