/**
 * The one place where S3 errors become responses. Every failure of every request comes through
 * here: S3Errors render from the generated error table; anything else is an InternalError whose
 * details go to the log with the request id, never to the client.
 */
import { errorTable } from "../generated/errors.js";
import { S3Error } from "./errors.js";
import { toS3Error } from "./storage/errors.js";
import { escapeXml } from "./xml.js";

export interface ErrorContext {
  requestId: string;
  hostId: string;
  /** the path the request addressed, for <Resource> (none when the request could not be read) */
  resource?: string;
  method: string;
  bucket?: string;
  key?: string;
  uploadId?: string;
}

export interface RenderedError {
  error: S3Error;
  status: number;
  body?: string;
  /** headers to send with the error (a 304's ETag and Last-Modified, a delete marker's version id) */
  headers?: Record<string, string>;
  /** the original error when it was not an S3 error (to be logged) */
  internal?: unknown;
}

/** Fields AWS adds to some errors, so that clients can tell which resource was missing. */
function contextFields(code: string, ctx: ErrorContext): Record<string, string> {
  switch (code) {
    case "NoSuchBucket":
    case "BucketAlreadyExists":
    case "BucketAlreadyOwnedByYou":
    case "BucketNotEmpty":
    case "InvalidBucketName":
    case "NoSuchTagSet":
    case "NoSuchCORSConfiguration":
    case "NoSuchLifecycleConfiguration":
      return ctx.bucket !== undefined ? { BucketName: ctx.bucket } : {};
    case "NoSuchKey":
      return ctx.key !== undefined ? { Key: ctx.key } : {};
    case "NoSuchUpload":
    case "InvalidPart": // AWS: <UploadId>, then the <PartNumber> and <ETag> that did not match
      return ctx.uploadId !== undefined ? { UploadId: ctx.uploadId } : {};
    default:
      return {};
  }
}

export function renderError(err: unknown, ctx: ErrorContext): RenderedError {
  const mapped = toS3Error(err);
  const internal = mapped instanceof S3Error ? undefined : err;
  const error = mapped instanceof S3Error ? mapped : new S3Error("InternalError");
  const entry = errorTable[error.code];
  const status = entry.status;
  // 304 carries no body (RFC 9110): the error's fields are the headers a 200 would have had.
  if (status === 304) return { error, status, internal, headers: Object.fromEntries(Object.entries(error.fields).map(([k, v]) => [k, String(v)])) };
  const headers = Object.keys(error.headers).length > 0 ? { headers: error.headers } : {};
  // HEAD answers carry no body.
  if (ctx.method === "HEAD") return { error, status, internal, ...headers };
  const fields = { ...contextFields(error.code, ctx), ...error.fields };
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>',
    `<Code>${error.code}</Code>`,
    `<Message>${escapeXml(error.hasCustomMessage ? error.message : entry.message)}</Message>`,
  ];
  for (const [k, v] of Object.entries(fields)) parts.push(`<${k}>${escapeXml(String(v))}</${k}>`);
  if (ctx.resource !== undefined) parts.push(`<Resource>${escapeXml(ctx.resource)}</Resource>`);
  parts.push(`<RequestId>${ctx.requestId}</RequestId>`, `<HostId>${ctx.hostId}</HostId>`, "</Error>");
  return { error, status, body: parts.join(""), internal, ...headers };
}
