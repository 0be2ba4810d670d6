/**
 * buildApp(config, deps): the S3 server and the admin server, with no global state.
 *
 *   request -> request id -> routing (path- or virtual-hosted-style, generated route table)
 *           -> authentication (SigV4) -> handler (typed input from the generated bindings)
 *           -> response (typed output through the generated bindings) | error renderer
 *           -> metrics + audit log
 */
import { randomBytes, randomFillSync } from "node:crypto";
import http from "node:http";
import type https from "node:https";
import type { SecureContextOptions } from "node:tls";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { operations } from "../generated/operations.js";
import type { IrOperation } from "../generated/ir-types.js";
import type { Config } from "./config.js";
import { S3Error, s3Message } from "./errors.js";
import { compileBindings, decodeInput, encodeOutput } from "./binding.js";
import { BufferedBody, releaseWrittenChunks } from "./body-buffers.js";
import { renderError } from "./respond.js";
import { configureSendfile } from "./sendfile.js";
import { dropUnsendable } from "./header-values.js";
import { createMetrics, type GatewayMetrics } from "./metrics.js";
import { routingFilter } from "./filters/routing.js";
import { BucketCorsCache, corsPreflight, corsResponseHeaders } from "./filters/cors.js";
import { authFilter, requestBody } from "./filters/auth.js";
import { auditLine } from "./filters/audit.js";
import { completionTracker } from "./filters/completion.js";
import { clientErrorHandler } from "./filters/client-errors.js";
import { requestIdFilter } from "./filters/request-id.js";
import { hideContentType, restoreContentType } from "./filters/raw-body.js";
import { serverTimeouts, watchAnswerIdle } from "./filters/timeouts.js";
import { unreadBody } from "./filters/unread-body.js";
import type { S3RequestState } from "./filters/state.js";
import { createHandlers, type HandlerContext } from "./handlers/index.js";
import { CHECKS_OBJECT_ACCESS } from "./handlers/common.js";
import { addProbes, type Probes } from "./probes.js";
import { addDocs } from "./docs-route.js";
import { tlsReloader } from "./tls.js";
import type { StorageClient } from "./storage/types.js";
import { DEFAULT_CHECKSUM } from "./auth/checksums.js";
import { instrumentStorage } from "./storage/instrumented.js";
import { SigningKeyCache, type VerifiedAuth } from "./auth/sigv4.js";
import { verifyPostSignature } from "./auth/post-policy.js";
import type { User, UserDirectory } from "./users.js";
import { staticUsers } from "./users-file.js";
import { actionOf, createAuthorizer, principalOf, type AuthorizerDeps } from "./access/authorize.js";
import { createBypassCheck } from "./access/bypass-governance.js";
import { createEntryDenyCheck } from "./access/delete-entries.js";
import { BucketPolicyCache, CHANGES_POLICY, bucketPolicyDecision, policyContext } from "./access/policy/index.js";

export interface AppDeps {
  storage: StorageClient;
  logger: FastifyBaseLogger;
  /** injectable clock for signature time checks */
  now?: () => Date;
  /** the S3 port's certificate and key (./tls.ts readTlsFiles): HTTPS; none: plain HTTP */
  tls?: SecureContextOptions;
  /**
   * What /metrics answers, when not this app's own registry: a worker process answers the metrics
   * of every worker, aggregated by the primary (runtime/workers/).
   */
  metricsText?: () => Promise<{ contentType: string; text: string }>;
  /**
   * The users and their keys (runtime/users-file.ts watches a users file); default: the users of
   * the configuration (`credentials` and `users`), fixed.
   */
  users?: UserDirectory;
}

export interface App {
  s3: FastifyInstance;
  admin: FastifyInstance;
  metrics: GatewayMetrics;
  /** "https" when the S3 port serves TLS */
  s3Scheme: "http" | "https";
  probes: Probes;
  /** What SIGHUP does: reads the TLS files again (nothing else is reloaded). Never rejects. */
  reload(): Promise<void>;
  /**
   * Another process changed the bucket's policy, public access block or CORS rules (or made or
   * deleted the bucket): this process's cached copies go, and its next request reads them again.
   * The store's owner tells every worker as it commits such a change (runtime/workers/primary.ts).
   */
  forgetBucketConfig(bucket: string): void;
  /**
   * Listens on the admin port and, unless `s3` is false (a gateway with workers serves S3
   * connections handed to it, runtime/workers/connections.ts), on the S3 port (0 if not).
   */
  listen(opts?: { s3?: boolean }): Promise<{ s3Port: number; adminPort: number }>;
  close(): Promise<void>;
}

const ops = operations as unknown as Record<string, IrOperation>;

/** Operations that ask the access decision themselves (see the handler below). */
const SELF_AUTHORIZED = new Set(["CreateBucket", "PostObject"]);
/**
 * Operations whose objects are decided one by one: DeleteObjects, s3:DeleteObject for each key it
 * names ("DeleteObjects", Permissions). A signed caller the bucket-level decision refuses still
 * gets a 200 with AccessDenied in the <Error> of each entry no policy Allow covers
 * (runtime/access/delete-entries.ts).
 */
const PER_OBJECT = new Set(["DeleteObjects"]);

/** The bucket owner a request expects (header `name`), as AccessQuestion.expectedOwner. */
function expectedOwnerOf(request: FastifyRequest, name: string): { expectedOwner?: string } {
  const v = request.headers[name];
  return typeof v === "string" ? { expectedOwner: v.trim() } : {};
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers["content-length"];
  return length !== undefined ? length !== "0" : request.headers["transfer-encoding"] !== undefined;
}

/**
 * Request ids: 64 random bits as 16 hex digits, cut from a pool refilled every 512 ids (a
 * crypto.randomBytes call per request was 2-3% of a 4 KiB GET's CPU time).
 */
function requestIds(): () => string {
  const pool = Buffer.alloc(8 * 512);
  let offset = pool.length;
  return () => {
    if (offset === pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const id = pool.toString("hex", offset, offset + 8).toUpperCase();
    offset += 8;
    return id;
  };
}

/** The headers an error answer keeps of those set before it (the request ids, a connection close). */
const ERROR_KEEPS = new Set(["x-amz-request-id", "x-amz-id-2", "connection"]);

/** The storage client acting for the request's signer, when the engine wants to know who that is. */
function storageFor(storage: StorageClient, auth: VerifiedAuth | undefined): StorageClient {
  if (storage.forRequest === undefined || auth?.kind !== "signed") return storage;
  return storage.forRequest({ accessKeyId: auth.accessKeyId, stringToSign: auth.stringToSign, signature: auth.seedSignature });
}

export function buildApp(config: Readonly<Config>, deps: AppDeps): App {
  // GET bodies of the embedded store's files by sendfile(2), where the addon is built (the setting is the process's)
  configureSendfile({ enabled: config.embedded.sendfile, idleMs: config.limits.bodyIdleTimeoutMs });
  const metrics = createMetrics();
  const storage = instrumentStorage(deps.storage, metrics.observeStorage);
  const handlers = createHandlers() as unknown as Record<string, (input: unknown, ctx: HandlerContext) => Promise<Record<string, unknown>>>;
  compileBindings(Object.values(ops).filter((o) => o.implemented));
  const hostId = randomBytes(24).toString("base64");
  const newRequestId = requestIds();
  // Operations whose x-amz-checksum-* headers are members of their own (the checksum of the object
  // they make) while their body is an XML document: CompleteMultipartUpload.
  const objectChecksumOps = new Set(
    Object.values(ops)
      .filter((o) => o.input.some((m) => m.location === "body" && m.type.kind === "shape"))
      .filter((o) => o.input.some((m) => m.location === "header" && /^x-amz-checksum-(crc|sha)/.test(m.wireName)))
      .map((o) => o.name),
  );
  const users = deps.users ?? staticUsers(config);
  // The one access decision (runtime/access/authorize.ts): the bucket policy (runtime/access/policy/,
  // read through a per-process cache), ownership, then ACLs with PublicAccessBlock's ACL settings.
  const policies = new BucketPolicyCache(storage);
  const publicAccessBlock = async (bucket: string) => {
    const block = (await policies.lookup(bucket)).publicAccessBlock;
    return block === undefined ? undefined : { ignorePublicAcls: block.ignorePublicAcls === true, blockPublicAcls: block.blockPublicAcls === true };
  };
  const authorizerDeps: AuthorizerDeps = {
    storage,
    policy: (bucket, req) => bucketPolicyDecision({ cache: policies, ownerCanonicalId: (o) => users.current.ownerUser(o)?.canonicalId }, bucket, req),
    publicAccessBlock: (bucket) => publicAccessBlock(bucket.name),
  };
  const authorize = createAuthorizer(authorizerDeps);
  // the second decision of a request that asks to bypass GOVERNANCE retention
  const bypassCheck = createBypassCheck(authorizerDeps);
  // DeleteObjects' decision for each object it names
  const entryDenyCheck = createEntryDenyCheck(authorizerDeps);
  // A request's condition keys, built only when a bucket policy is asked about it.
  const contextOf = (request: FastifyRequest) => () => {
    const st = request.s3;
    const auth = st.auth?.kind === "signed" ? st.auth : undefined;
    return policyContext(request, {
      operation: st.route?.operation ?? "",
      ...(st.user !== undefined && { principal: principalOf(st.user, st.accessKeyId ?? "") }),
      now: now(),
      ...(auth !== undefined && {
        auth: { signatureVersion: auth.scope === "" ? ("AWS" as const) : ("AWS4-HMAC-SHA256" as const), authType: auth.presigned ? ("REST-QUERY-STRING" as const) : ("REST-HEADER" as const) },
      }),
    });
  };
  // What a new bucket, object or upload stores as its owner (runtime/users.ts): the canonical id in
  // the embedded store, the user's Ozone user name on Ozone (as Ozone's own gateway names owners).
  const storedOwner: (user: User) => string = config.backend === "ozone" ? (u) => u.ozoneUser : (u) => u.canonicalId;
  const now = deps.now ?? (() => new Date());
  const postSigningKeys = new SigningKeyCache();
  const postSignature = (fields: ReadonlyMap<string, string>) =>
    verifyPostSignature(fields, {
      lookupSecret: (id) => users.current.secretOf(id),
      region: config.s3.region,
      signatureV2: config.s3.signatureV2,
      signingKeys: postSigningKeys,
    });

  const timeouts = serverTimeouts(config.limits);
  const s3 = Fastify({
    loggerInstance: deps.logger,
    // The audit filter writes one line per request instead.
    logController: new LogController({ disableRequestLogging: true }),
    exposeHeadRoutes: false,
    requestIdHeader: false,
    // X-Forwarded-For / -Proto / -Host from the configured proxies only: request.ip, .protocol and
    // .host then name the client, its scheme and the authority it addressed
    trustProxy: config.s3.trustedProxies.length > 0 ? [...config.s3.trustedProxies] : false,
    genReqId: newRequestId,
    // Keys are arbitrary: the router parses the raw URL itself.
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 4096 },
    ...timeouts,
    // fastify hands node's https server its `https` options only: the http ones go there too. A
    // TLS handshake gets the same deadline as a request's headers (node's default is 120 s, room
    // for a slowloris that never finishes its handshake). allowHalfOpen: what node's http server
    // sets and its https server does not (see httpAllowHalfOpen below; a TLS socket takes it from
    // the TCP socket under it).
    ...(deps.tls && { https: { ...deps.tls, ...timeouts.http, handshakeTimeout: config.limits.headersTimeoutMs, allowHalfOpen: true } }),
    // A request arriving on a kept-alive connection during shutdown is served (with Connection:
    // close), not refused with fastify's JSON 503: runtime/shutdown.ts bounds the wait.
    return503OnClosing: false,
    // Fastify's own 400s (a URL it cannot decode, a malformed header) still answer S3 XML.
    frameworkErrors: (err, request, reply) => {
      sendError(request, reply, new S3Error(/url/i.test(err.message) ? "InvalidURI" : "InvalidRequest"));
    },
    // What node's parser refuses before fastify sees it answers S3 XML too.
    clientErrorHandler: clientErrorHandler({
      hostId,
      newRequestId,
      log: deps.logger,
      maxHeaderSize: http.maxHeaderSize,
      answered: (status, code) => metrics.observe({ operation: "unknown", status, code, seconds: 0, bytesIn: 0, bytesOut: 0 }),
    }),
  });
  s3.decorateRequest("s3", null as unknown as S3RequestState);
  // Node answers `Expect: 100-continue` on arrival unless 'checkContinue' is handled; here it is
  // answered when the body is first read (filters/auth.ts requestBody), so that a request refused
  // before gets its error instead of an invitation to send a body that will not be read.
  s3.server.on("checkContinue", (req, res) => s3.server.emit("request", req, res));
  // Node answers any other Expect value with 417 itself; S3 ignores expectations it does not know.
  s3.server.on("checkExpectation", (req, res) => s3.server.emit("request", req, res));
  // A client that half-closes its connection once its request is sent (shutdown(SHUT_WR): it will
  // send no more requests) still gets its answer, then the connection closes, as RFC 9112 9.6
  // has it and versitygw answers (MinIO answers 499). Node's HTTP server ends such a connection at
  // once unless this flag is set (node:_http_server socketOnEnd; unchanged from Node 20 to 26),
  // and an answer that was not ready by then was never sent: a PUT committed without a word. The
  // TCP side stays open for it too (runtime/workers/connections.ts).
  (s3.server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;

  // Bodies are never parsed by fastify: handlers get the raw stream through the verifying body.
  s3.removeAllContentTypeParsers();
  s3.addContentTypeParser("*", (_request, _payload, done) => done(null));

  s3.addHook("onRequest", requestIdFilter(hostId));
  // Metrics and the audit line, once per exchange, also for one the client cut short.
  const completion = completionTracker([(_request, c) => metrics.observe(c), ...(config.log.audit ? [auditLine] : [])]);
  s3.addHook("onRequest", completion.onRequest);
  s3.addHook("onRequest", async (_request, reply) => metrics.requestStarted((done) => reply.raw.once("close", done)));
  s3.addHook("onRequest", hideContentType);
  s3.addHook("preValidation", restoreContentType);
  s3.addHook("onRequest", routingFilter(config));
  // CORS: preflights are answered before authentication (they carry no signature); requests with
  // an Origin header get the bucket's matching rule in their answer, errors included.
  const corsRules = new BucketCorsCache(storage);
  const cors = corsResponseHeaders(corsRules);
  s3.addHook("onRequest", corsPreflight(corsRules));
  s3.addHook("onRequest", cors.onRequest);
  s3.addHook("onSend", cors.onSend);
  // A bucket policy or public access block changed by this process is read again at once (the
  // other workers are told by the store's owner: runtime/bucket-config-cache.ts).
  s3.addHook("onSend", (request, reply, payload, done) => {
    const st = request.s3;
    if (st.route !== undefined && CHANGES_POLICY.has(st.route.operation) && st.target?.bucket !== undefined && reply.statusCode < 300) policies.forget(st.target.bucket);
    done(null, payload);
  });
  // The last onSend hook: an inline object's bytes go out with the headers in one write, not
  // streamed (runtime/body-buffers.ts). Taken here, after fastify chose the headers as for any
  // stream: given a Buffer, send() would put its own Content-Type in place of a stored one it
  // cannot parse (S3 keeps any value).
  s3.addHook("onSend", (_request, _reply, payload, done) => {
    done(null, payload instanceof BufferedBody ? payload.takeBytes() : payload);
  });
  s3.addHook(
    "onRequest",
    authFilter({
      users,
      now,
      maxSkewSeconds: config.limits.maxClockSkewSeconds,
      region: config.s3.region,
      signatureV2: config.s3.signatureV2,
      domains: config.s3.domains,
    }),
  );
  s3.addHook("onResponse", completion.onResponse);

  // The unread rest of a body after an early answer: drained within bounds, or the connection closes.
  const { discard: discardUnreadBody, afterResponse: boundUnreadBody } = unreadBody(config.limits.drainTimeoutMs);
  s3.addHook("onResponse", boundUnreadBody);

  function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
    const st = request.s3;
    const rendered = renderError(err, {
      requestId: request.id,
      hostId,
      resource: (request.raw.url ?? "/").split("?")[0],
      method: request.method,
      bucket: st?.target?.bucket,
      key: st?.target?.key,
      uploadId: st?.url?.query.get("uploadId"),
    });
    if (st) st.errorCode = rendered.error.code;
    // The error answer describes the error only: headers set for the success answer (ETag,
    // Last-Modified, x-amz-meta-*, the object's Content-Length...) go.
    for (const name of Object.keys(reply.getHeaders())) if (!ERROR_KEEPS.has(name)) reply.removeHeader(name);
    discardUnreadBody(request, reply);
    if (rendered.internal !== undefined) request.log.error({ err: rendered.internal, requestId: request.id }, "internal error");
    if (!reply.hasHeader("x-amz-request-id")) reply.header("x-amz-request-id", request.id).header("x-amz-id-2", hostId);
    reply.code(rendered.status);
    if (rendered.headers) reply.headers(rendered.headers);
    if (rendered.body === undefined) return reply.send();
    return reply.type("application/xml").send(rendered.body);
  }

  s3.setErrorHandler((err, request, reply) => {
    // Body already on its way: nothing can be rendered any more; end the connection.
    if (reply.sent || reply.raw.headersSent) {
      request.log.warn({ err, requestId: request.id }, "error after the response started");
      reply.raw.destroy();
      return;
    }
    return sendError(request, reply, err);
  });

  s3.route({
    method: ["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS"],
    url: "*",
    handler: async (request, reply) => {
      const st = request.s3;
      const route = st.route!;
      if (!route.implemented) {
        // an anonymous caller learns no more than S3 would tell it: whether the bucket exists
        if (st.user === undefined && st.target?.bucket !== undefined) {
          await authorize({ action: `s3:${route.operation}`, bucket: st.target.bucket, user: undefined, users: st.users!, context: contextOf(request) });
        }
        throw new S3Error("NotImplemented", `${route.operation} is not implemented by this gateway.`);
      }
      const op = ops[route.operation];
      // The access decision, before anything of the request is read: for every operation on a
      // bucket or object, with the operation's IAM action (the spec's @permission). CreateBucket
      // has no bucket to ask about yet; a PostObject form's caller is known once its signature is
      // checked (handlers/post-object.ts asks then).
      const bucket = st.target?.bucket;
      /** the bucket-level decision allowed the operation (PER_OBJECT operations may go on without it) */
      let bucketWide = true;
      const expectedOwner = expectedOwnerOf(request, "x-amz-expected-bucket-owner");
      const authorized =
        bucket === undefined || op.permission === null || SELF_AUTHORIZED.has(op.name)
          ? undefined
          : await authorize({
              action: actionOf(op, st.url!.query.get("versionId") ?? undefined)!,
              bucket,
              key: st.target?.key,
              versionId: st.url!.query.get("versionId") ?? undefined,
              user: st.user,
              accessKeyId: st.accessKeyId,
              users: st.users!,
              context: contextOf(request),
              ...expectedOwner,
              // the handler checks the object it reads (handlers/common.ts checkObjectAccess)
              objectReadByAsker: CHECKS_OBJECT_ACCESS.has(op.name),
            }).catch(async (err: unknown) => {
              if (!PER_OBJECT.has(op.name) || st.user === undefined || !(err instanceof S3Error) || err.code !== "AccessDenied") throw err;
              // refused on the bucket: the entries are decided one by one, on a bucket that is the
              // one the caller expects (the refusal may have been that check's)
              const found = await storage.getBucket(bucket).catch(() => undefined);
              if (found === undefined || (expectedOwner.expectedOwner !== undefined && st.users!.ownerElement(found.owner).ID !== expectedOwner.expectedOwner)) throw err;
              bucketWide = false;
              return found;
            });
      const input = await decodeInput(
        op,
        {
          bucket: st.target?.bucket,
          key: st.target?.key,
          query: st.url!.query,
          headers: request.headers,
          headersDistinct: () => request.raw.headersDistinct,
          hasBody: hasBody(request),
          // A PostObject form is an envelope: its file gets a verifying body of its own (handlers/post-object.ts).
          // A PutObject without a checksum gets S3's default one (DEFAULT_CHECKSUM), computed as the body streams.
          body: () =>
            requestBody(request, reply, config, {
              checksumHeadersDescribeObject: objectChecksumOps.has(op.name),
              envelope: op.name === "PostObject",
              defaultChecksum: op.name === "PutObject" ? DEFAULT_CHECKSUM : undefined,
              // A part's checksums follow its upload's algorithm, which its handler finds (multipart.ts).
              checksumsChosenLater: op.name === "UploadPart",
            }),
        },
        config.limits.maxXmlBodyBytes,
      );
      // The spec's @checksumRequired: S3 wants the body's integrity stated, as a Content-MD5 or an
      // x-amz-checksum-* header or trailer. Either was verified while decodeInput read the body,
      // which is also when the checksum's form (header or trailer) became known. AWS's wording.
      // A request without a body (PutBucketAcl's headers-only form) has nothing to protect.
      if (op.checksumRequired && hasBody(request) && request.headers["content-md5"] === undefined && st.bodyChecksum === undefined) {
        throw new S3Error("InvalidRequest", s3Message("InvalidRequest", "ContentMD5Required"));
      }
      let entryContext: ReadonlyMap<string, readonly string[]> | undefined;
      const ctx: HandlerContext = {
        requestId: request.id,
        accessKeyId: st.accessKeyId,
        host: request.host,
        scheme: request.protocol,
        // (a PostObject form's caller is known only once the handler checked its signature: signedBy)
        user: st.user,
        owner: st.user === undefined ? "" : storedOwner(st.user),
        bucket: authorized,
        authorize(q) {
          // (a handler asks about a second resource: a copy's source)
          return authorize({ ...q, user: this.user, accessKeyId: this.accessKeyId, users: st.users!, context: contextOf(request), ...expectedOwnerOf(request, "x-amz-source-expected-bucket-owner") });
        },
        mayBypassGovernance(key, versionId) {
          if (authorized === undefined) throw new Error(`${route.operation} asked about a bypass without an authorized bucket`);
          // (DeleteObjects asks once per entry: the condition keys are built once)
          return bypassCheck({ bucket: authorized, key, versionId, user: this.user, accessKeyId: this.accessKeyId, users: st.users!, context: () => (entryContext ??= contextOf(request)()) });
        },
        entryDenied(key, versionId) {
          if (authorized === undefined || op.permission === null) throw new Error(`${route.operation} asked about an entry without an authorized bucket`);
          return entryDenyCheck({ action: actionOf(op, versionId)!, bucketWide, bucket: authorized, key, versionId, user: this.user, accessKeyId: this.accessKeyId, users: st.users!, context: () => (entryContext ??= contextOf(request)()) });
        },
        publicAccessBlock,
        users: st.users!,
        storage: storageFor(storage, st.auth),
        config,
        log: request.log,
        bodyChecksum: () => st.bodyChecksum,
        now,
        verifyPostSignature: postSignature,
        signedBy: (id) => {
          const user = st.users!.userOfKey(id)!;
          st.accessKeyId = id;
          st.user = user;
          return { user, owner: storedOwner(user) };
        },
      };
      const output = await handlers[route.operation](input, ctx);
      const encoded = encodeOutput(op, output);
      // Stored values a client gave (Content-Type, Content-Disposition...) that node cannot send
      // would fail the response after the fact (runtime/header-values.ts).
      const dropped = dropUnsendable(encoded.headers);
      if (dropped.length > 0) request.log.warn({ requestId: request.id, headers: dropped }, "stored header values that cannot be sent left out");
      reply.code(encoded.status).headers(encoded.headers);
      if (encoded.body === undefined) return reply.send();
      if (typeof encoded.body !== "string" && !(encoded.body instanceof BufferedBody)) {
        // a body read into pooled Buffers gets them back as they are written (runtime/body-buffers.ts)
        releaseWrittenChunks(reply.raw);
        // a client that takes no byte of a streamed answer for the idle time is cut, as one that
        // sends none of a body (filters/timeouts.ts)
        watchAnswerIdle(reply.raw, config.limits.bodyIdleTimeoutMs);
      }
      return reply.send(encoded.body);
    },
  });

  const admin = Fastify({
    loggerInstance: deps.logger.child({ server: "admin" }),
    logController: new LogController({ disableRequestLogging: true }),
    ...timeouts,
  });
  const probes = addProbes(admin, { storage: deps.storage, timeoutMs: config.admin.readyTimeoutMs });
  admin.get("/metrics", async (_request, reply) => {
    if (deps.metricsText !== undefined) {
      const { contentType, text } = await deps.metricsText();
      reply.type(contentType);
      return text;
    }
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  addDocs(admin);

  const reloadTls = deps.tls && tlsReloader(s3.server as unknown as https.Server, config.s3.tls, deps.logger);

  return {
    s3,
    admin,
    metrics,
    s3Scheme: deps.tls ? "https" : "http",
    probes,
    forgetBucketConfig(bucket) {
      policies.forget(bucket);
      corsRules.forget(bucket);
    },
    async reload() {
      if (reloadTls) await reloadTls();
      else deps.logger.info({}, "SIGHUP: nothing to reload (no TLS configured)");
    },
    async listen({ s3: onS3Port = true } = {}) {
      if (onS3Port) await s3.listen({ host: config.s3.host, port: config.s3.port });
      await admin.listen({ host: config.admin.host, port: config.admin.port });
      const port = (f: FastifyInstance) => {
        const a = f.server.address();
        return typeof a === "object" && a ? a.port : 0;
      };
      return { s3Port: port(s3), adminPort: port(admin) };
    },
    async close() {
      await s3.close();
      await admin.close();
    },
  };
}
