/**
 * The condition keys of a request (request.ts AccessRequest.context), as a bucket policy's
 * Condition block reads them ("Amazon S3 condition key examples", "AWS global condition context
 * keys"). Built only when a bucket policy is asked (runtime/access/authorize.ts), never for a
 * request no policy looks at.
 */
import type { FastifyRequest } from "fastify";

/** Request parameters and headers that are condition keys of their own ("s3:<name>"). */
const QUERY_KEYS = ["prefix", "delimiter", "max-keys", "versionid"] as const;
const HEADER_KEYS = [
  "x-amz-acl",
  "x-amz-grant-full-control",
  "x-amz-grant-read",
  "x-amz-grant-read-acp",
  "x-amz-grant-write",
  "x-amz-grant-write-acp",
  "x-amz-copy-source",
  "x-amz-metadata-directive",
  "x-amz-server-side-encryption",
  "x-amz-storage-class",
  "x-amz-content-sha256",
  "x-amz-object-ownership",
] as const;

export function requestContext(request: FastifyRequest): ReadonlyMap<string, readonly string[]> {
  const context = new Map<string, readonly string[]>();
  const now = new Date();
  context.set("aws:currenttime", [now.toISOString()]);
  context.set("aws:epochtime", [String(Math.floor(now.getTime() / 1000))]);
  context.set("aws:securetransport", [String("encrypted" in request.raw.socket && request.raw.socket.encrypted === true)]);
  if (request.ip !== undefined) context.set("aws:sourceip", [request.ip]);
  const userAgent = request.headers["user-agent"];
  if (userAgent !== undefined) context.set("aws:useragent", [userAgent]);
  const referer = request.headers.referer;
  if (referer !== undefined) context.set("aws:referer", [referer]);
  const query = request.s3.url?.query;
  if (query !== undefined) {
    for (const [name, value] of query) {
      const key = name.toLowerCase();
      if ((QUERY_KEYS as readonly string[]).includes(key)) context.set(`s3:${key}`, [...(context.get(`s3:${key}`) ?? []), value]);
    }
  }
  for (const name of HEADER_KEYS) {
    const values = request.raw.headersDistinct[name];
    if (values !== undefined) context.set(`s3:${name}`, values);
  }
  if (request.s3.auth?.kind === "signed") context.set("s3:authtype", [request.raw.headers.authorization !== undefined ? "REST-HEADER" : "REST-QUERY-STRING"]);
  return context;
}
