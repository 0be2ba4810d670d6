/**
 * Requests node's HTTP parser refuses before fastify sees them (the http server's 'clientError'):
 * a malformed request line or header, a header section over node's limit, a broken chunked body,
 * a request that did not arrive in time. Node (and fastify's default handler) would answer those in
 * plain text or fastify's JSON; an S3 client gets an S3 error document with a request id, then the
 * connection closes (the parser cannot go on reading it).
 *
 * Codes, from S3's error table ("Error responses", Amazon S3 API Reference):
 * - header section too large: 400 RequestHeaderSectionTooLarge with MaxSizeAllowed, as S3 answers
 *   (its own limit is 8 KiB; here it is node's `maxHeaderSize`, 16 KiB by default) — not node's 431;
 * - a request that did not arrive in time: 400 RequestTimeout;
 * - anything else the parser refuses: 400 InvalidRequest, with a message naming what was wrong.
 *
 * On the HTTPS port, node's https server re-emits the TLS handshake's failures here too (a client
 * that never finishes its handshake, a plain HTTP request, no common cipher): there is no secure
 * channel to answer on, so the connection is closed at once.
 */
import http from "node:http";
import type { Socket } from "node:net";
import type { FastifyBaseLogger } from "fastify";
import { S3Error } from "../errors.js";
import { renderError } from "../respond.js";

export interface ClientErrorOptions {
  hostId: string;
  newRequestId(): string;
  log: FastifyBaseLogger;
  /** node's header size limit, reported as MaxSizeAllowed */
  maxHeaderSize: number;
  /** called once per answered client error (metrics) */
  answered(status: number, code: string): void;
}

/** How long the closing connection may take to deliver the answer before it is cut. */
const FLUSH_MS = 5_000;

/** A failure of the TLS handshake (node's ERR_TLS_* codes, OpenSSL's ERR_SSL_* with their `library`). */
function tlsHandshakeError(err: NodeJS.ErrnoException): boolean {
  return /^ERR_(TLS|SSL)_/.test(err.code ?? "") || "library" in err;
}

/** The S3 error for one of node's parser or timeout errors. */
export function clientErrorToS3(err: NodeJS.ErrnoException, maxHeaderSize: number): S3Error {
  switch (err.code) {
    case "HPE_HEADER_OVERFLOW":
      return new S3Error("RequestHeaderSectionTooLarge", undefined, { MaxSizeAllowed: maxHeaderSize });
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new S3Error("RequestTimeout");
    case "HPE_INVALID_CHUNK_SIZE":
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
    case "HPE_INVALID_TRANSFER_ENCODING":
      return new S3Error("InvalidRequest", "The request body's chunked transfer coding is malformed.");
    case "HPE_INVALID_HEADER_TOKEN":
    case "HPE_INVALID_CONTENT_LENGTH":
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
      return new S3Error("InvalidRequest", "A request header is malformed.");
    default:
      return new S3Error("InvalidRequest", "The request is not well-formed HTTP/1.1.");
  }
}

export function clientErrorHandler(opts: ClientErrorOptions) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    // A reset connection has no one to answer.
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    if (tlsHandshakeError(err)) {
      socket.destroy();
      return;
    }
    // A response already under way (the error came in a request body while its answer streams)
    // cannot be replaced: the connection is cut, as node does.
    const pending = (socket as Socket & { _httpMessage?: http.ServerResponse })._httpMessage;
    if (!socket.writable || pending?.headersSent) {
      socket.destroy();
      return;
    }
    // Bytes the parser refuses after a request that arrived whole (a client that sent more body
    // than its Content-Length said) belong to the next request: the one being answered keeps its
    // answer, and this one follows it, in order, as HTTP/1.1 answers requests on a connection.
    if (pending?.req?.complete === true) {
      pending.once("finish", () => answer(err, socket));
      pending.once("close", () => {
        if (!pending.writableFinished) socket.destroy();
      });
      return;
    }
    answer(err, socket);
  };

  function answer(err: NodeJS.ErrnoException, socket: Socket): void {
    if (socket.destroyed) return;
    const requestId = opts.newRequestId();
    const rendered = renderError(clientErrorToS3(err, opts.maxHeaderSize), { requestId, hostId: opts.hostId, method: "" });
    const body = Buffer.from(rendered.body ?? "", "utf8");
    opts.log.debug({ requestId, code: err.code, status: rendered.status }, "request refused by the HTTP parser");
    opts.answered(rendered.status, rendered.error.code);
    const head =
      `HTTP/1.1 ${rendered.status} ${http.STATUS_CODES[rendered.status]}\r\n` +
      `x-amz-request-id: ${requestId}\r\nx-amz-id-2: ${opts.hostId}\r\n` +
      `Date: ${new Date().toUTCString()}\r\nContent-Type: application/xml\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    // Half-close after the answer so that the client reads it before the connection goes (cutting
    // at once, with request bytes still unread, can make the client see a reset instead).
    const timer = setTimeout(() => socket.destroy(), FLUSH_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    socket.end(Buffer.concat([Buffer.from(head, "latin1"), body]), () => socket.destroy());
  }
}
