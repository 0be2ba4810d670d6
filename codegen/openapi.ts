/**
 * The OpenAPI step of the codegen: @typespec/openapi3's document, made to describe the wire as this
 * gateway (and S3) sends it where TypeSpec cannot say so in the spec. Media types of XML documents
 * come from the spec itself (`@mediaTypeHint("application/xml")` on each document model); what is
 * fixed here are HTTP's own rules, which no decorator expresses:
 * - a HEAD response has no content (RFC 9110 §9.3.2), so neither has a HEAD error: TypeSpec still
 *   declares the error document, and its Content-Type as a header;
 * - a 304 response has no content either (RFC 9110 §15.4.5), yet NotModified is an S3 error model;
 * - an object's bytes are whatever media type the client sent (S3 stores and returns them as they
 *   are, with the Content-Type given on upload): the media range of any type (ANY_MEDIA_TYPE), also
 *   for UploadPart, whose spec declares no Content-Type header (AWS's model has none) and so came
 *   out as application/octet-stream.
 * The document is re-serialised with the emitter's own YAML settings, so the rest stays byte for byte.
 */
import { parse, stringify } from "yaml";

interface MediaType {
  schema?: { type?: string; format?: string };
}
interface Response {
  headers?: Record<string, unknown>;
  content?: Record<string, MediaType>;
}
interface Operation {
  requestBody?: { content?: Record<string, MediaType> };
  responses?: Record<string, Response>;
}

/** The YAML settings of @typespec/openapi3 1.11 (serializeDocument in its openapi.js). */
const YAML_OPTIONS = { singleQuote: true, aliasDuplicateObjects: false, lineWidth: 0, compat: "yaml-1.1" } as const;
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function isRawBytes(m: MediaType): boolean {
  return m.schema?.type === "string" && m.schema.format === "binary";
}

/** The media range that matches any media type (RFC 9110 §12.5.1). */
const ANY_MEDIA_TYPE = "*/*";

/** `content` with its raw-bytes entries made one entry for any media type, where the first one was. */
function anyMediaTypeForBytes(content: Record<string, MediaType>): Record<string, MediaType> {
  const out: Record<string, MediaType> = {};
  for (const [type, m] of Object.entries(content)) {
    if (!isRawBytes(m)) out[type] = m;
    else if (!(ANY_MEDIA_TYPE in out)) out[ANY_MEDIA_TYPE] = m;
  }
  return out;
}

function withoutContent(res: Response): void {
  delete res.content;
  if (!res.headers) return;
  for (const name of Object.keys(res.headers)) if (name.toLowerCase() === "content-type") delete res.headers[name];
  if (Object.keys(res.headers).length === 0) delete res.headers;
}

function finishOperation(method: string, op: Operation): void {
  if (op.requestBody?.content) op.requestBody.content = anyMediaTypeForBytes(op.requestBody.content);
  for (const [status, res] of Object.entries(op.responses ?? {})) {
    // A HEAD success keeps its headers (Content-Type included: the object's); its errors and every
    // 304 lose the error document and the Content-Type that described it.
    if (status === "304" || (method === "head" && !status.startsWith("2"))) withoutContent(res);
    else if (method === "head") delete res.content;
    else if (res.content) res.content = anyMediaTypeForBytes(res.content);
  }
}

/** The emitted OpenAPI YAML, finished as described above. */
export function finishOpenApi(yamlText: string): string {
  const doc = parse(yamlText) as { paths?: Record<string, Record<string, unknown>> };
  for (const item of Object.values(doc.paths ?? {})) {
    for (const method of METHODS) if (item[method]) finishOperation(method, item[method] as Operation);
  }
  return stringify(doc, YAML_OPTIONS);
}
