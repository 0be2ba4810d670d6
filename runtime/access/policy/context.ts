/**
 * The condition keys of a request ("Actions, resources, and condition keys for Amazon S3",
 * Service Authorization Reference; "AWS global condition context keys", IAM User Guide), built
 * once per request from the fastify request after authentication and routing, for
 * AccessRequest.context. Names are lower-case (conditions.ts conditionKey); every value is a list.
 *
 * - aws:SecureTransport: whether the connection is TLS (the gateway terminates TLS itself; a proxy
 *   in front is not trusted to say, so X-Forwarded-Proto is not read);
 * - aws:SourceIp: the peer's address on the socket (X-Forwarded-For is not trusted either), an
 *   IPv4-mapped IPv6 address read as IPv4;
 * - aws:Referer, aws:UserAgent: the headers, when sent;
 * - aws:CurrentTime (ISO 8601), aws:EpochTime (seconds);
 * - aws:username, aws:userid, aws:PrincipalType, aws:PrincipalAccount, aws:PrincipalArn: the caller
 *   (a user here is both the IAM user and its account: AccessPrincipal);
 * - s3:prefix, s3:delimiter, s3:max-keys: the listing's query parameters, for the listing
 *   operations, each when the query names it;
 * - s3:VersionId: the versionId query parameter;
 * - s3:x-amz-acl, s3:x-amz-grant-*, s3:x-amz-copy-source, s3:x-amz-metadata-directive,
 *   s3:x-amz-server-side-encryption, s3:x-amz-storage-class, s3:x-amz-content-sha256: the headers;
 * - s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys: the tags x-amz-tagging gives a new object;
 * - s3:signatureversion ("AWS4-HMAC-SHA256" or "AWS") and s3:authType (REST-HEADER,
 *   REST-QUERY-STRING, POST) when the caller says how the request was signed.
 * s3:ExistingObjectTag/<key> is not here: the object's tags are read only when a policy asks
 * (AccessRequest.existingObjectTags).
 */
import type { FastifyRequest } from "fastify";
import type { AccessPrincipal } from "../request.js";
import { plainIp } from "./conditions.js";

/** Operations whose query parameters are the s3:prefix / s3:delimiter / s3:max-keys keys. */
const LISTINGS = new Set(["ListObjects", "ListObjectsV2", "ListObjectVersions"]);

/** Headers that are condition keys of the same name under `s3:`. */
const HEADER_KEYS = [
  "x-amz-acl",
  "x-amz-grant-read",
  "x-amz-grant-write",
  "x-amz-grant-read-acp",
  "x-amz-grant-write-acp",
  "x-amz-grant-full-control",
  "x-amz-copy-source",
  "x-amz-metadata-directive",
  "x-amz-server-side-encryption",
  "x-amz-server-side-encryption-aws-kms-key-id",
  "x-amz-storage-class",
  "x-amz-content-sha256",
];

export interface ContextInput {
  /** the operation's name (the route's) */
  operation: string;
  /** the caller; undefined for an anonymous request */
  principal?: AccessPrincipal;
  now: Date;
  /** how the request was authenticated, when known */
  auth?: { signatureVersion: "AWS4-HMAC-SHA256" | "AWS"; authType: "REST-HEADER" | "REST-QUERY-STRING" | "POST" };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/** The request's condition keys. */
export function policyContext(request: FastifyRequest, input: ContextInput): Map<string, string[]> {
  const ctx = new Map<string, string[]>();
  // (request.protocol and .ip: the connection's, or a trusted proxy's X-Forwarded-Proto and -For)
  ctx.set("aws:securetransport", [request.protocol === "https" ? "true" : "false"]);
  const ip = request.ip;
  if (ip !== undefined) ctx.set("aws:sourceip", [plainIp(ip)]);
  const referer = header(request, "referer");
  if (referer !== undefined) ctx.set("aws:referer", [referer]);
  const agent = header(request, "user-agent");
  if (agent !== undefined) ctx.set("aws:useragent", [agent]);
  ctx.set("aws:currenttime", [input.now.toISOString()]);
  ctx.set("aws:epochtime", [String(Math.floor(input.now.getTime() / 1000))]);

  const who = input.principal;
  ctx.set("aws:principaltype", [who === undefined ? "Anonymous" : "User"]);
  if (who !== undefined) {
    ctx.set("aws:username", [who.displayName]);
    ctx.set("aws:userid", [who.canonicalId]);
    ctx.set("aws:principalaccount", [who.canonicalId]);
    ctx.set("aws:principalarn", [who.arn]);
  }

  const query = request.s3?.url?.query;
  if (query !== undefined) {
    if (LISTINGS.has(input.operation)) {
      for (const name of ["prefix", "delimiter", "max-keys"]) {
        const v = query.get(name);
        if (v !== undefined) ctx.set(`s3:${name}`, [v]);
      }
    }
    const versionId = query.get("versionId");
    if (versionId !== undefined) ctx.set("s3:versionid", [versionId]);
  }
  for (const name of HEADER_KEYS) {
    const v = header(request, name);
    if (v !== undefined) ctx.set(`s3:${name}`, [v]);
  }
  const tagging = header(request, "x-amz-tagging");
  if (tagging !== undefined) {
    const keys: string[] = [];
    for (const [k, v] of new URLSearchParams(tagging)) {
      keys.push(k);
      // tag keys keep their case after the "/" (conditions.ts conditionKey)
      ctx.set(`s3:requestobjecttag/${k}`, [v]);
    }
    ctx.set("s3:requestobjecttagkeys", keys);
  }
  if (input.auth !== undefined) {
    ctx.set("s3:signatureversion", [input.auth.signatureVersion]);
    ctx.set("s3:authtype", [input.auth.authType]);
  }
  return ctx;
}
