/**
 * The OpenAPI step of the codegen: the IR becomes generated/openapi/openapi.yaml, an OpenAPI 3.0
 * document of the wire exactly as the gateway (and S3) speaks it. It is emitted from the IR rather
 * than by @typespec/openapi3 because that emitter merges every operation sharing a method and path
 * into one (S3 selects most operations by a query keyword or a header: `GET /{Bucket}` alone stands
 * for 34 operations), joining their ids with `_`; and it drops the XML namespace and root names.
 *
 * - one OpenAPI operation per S3 operation, operationId = the S3 operation name;
 * - its path key carries what selects it on the wire: the sub-resource keyword (`/{Bucket}?tagging`)
 *   and fixed query values (`?list-type=2`). Where that still leaves two operations on one method
 *   and key (CopyObject is a PutObject with an `x-amz-copy-source` header; UploadPart is chosen by
 *   its required `uploadId` and `partNumber`), the more constrained one gets `x-id=<Operation>`, the
 *   very convention of AWS's own Smithy model of S3 (`PUT /{Bucket}/{Key+}?x-id=CopyObject`), which
 *   the SDKs send and the gateway ignores. OpenAPI keeps query strings out of path keys
 *   (redocly's path-not-include-query), which S3's routing cannot honour: that one rule is off in
 *   the linter test, with this reason;
 * - XML documents as application/xml with their element names, wrapped and flattened lists,
 *   attributes and the S3 namespace on document roots; an object's bytes as any media type
 *   (`*` `/` `*`, the client's own Content-Type);
 * - every error the spec lists for an operation, per status, with S3's `<Error>` body (no
 *   namespace), its Code and default Message; HEAD answers and 304 carry no content (RFC 9110
 *   §9.3.2, §15.4.5);
 * - timestamps in headers are HTTP dates (RFC 9110 §5.6.7), in XML ISO 8601 date-times.
 */
import { stringify } from "yaml";
import type { Ir, IrError, IrMember, IrOperation, IrShape, IrShapeField, IrType } from "./ir.js";

/** What the document says of itself beyond the IR. */
export interface OpenApiInfo {
  title: string;
  description: string;
  /** the project's version (package.json) */
  version: string;
}

type Json = Record<string, unknown>;

const XML = "application/xml";
/** The media range that matches any media type (RFC 9110 §12.5.1): an object's bytes. */
const ANY_MEDIA_TYPE = "*/*";
const BASE_PATH = { service: "/", bucket: "/{Bucket}", object: "/{Bucket}/{Key}" } as const;

/** The schema component of an error code's `<Error>` document. */
export const errorSchemaName = (code: string) => `Error.${code}`;

/** The path key of every operation, by name (see the header comment). */
export function pathKeys(ir: Ir): Map<string, string> {
  const selector = (op: IrOperation) => {
    const parts = [...(op.route.keyword ? [op.route.keyword] : []), ...op.route.query.filter((q) => q.value !== undefined).map((q) => `${q.name}=${q.value}`)];
    return BASE_PATH[op.route.target] + (parts.length ? `?${parts.join("&")}` : "");
  };
  const groups = new Map<string, IrOperation[]>();
  for (const op of ir.operations) {
    const k = `${op.route.method} ${selector(op)}`;
    groups.set(k, [...(groups.get(k) ?? []), op]);
  }
  const keys = new Map<string, string>();
  const constraints = (op: IrOperation) => op.route.query.length + op.route.headers.length;
  for (const ops of groups.values()) {
    const plain = ops.reduce((a, b) => (constraints(b) < constraints(a) ? b : a));
    for (const op of ops) {
      const key = selector(op);
      keys.set(op.name, op === plain ? key : `${key}${key.includes("?") ? "&" : "?"}x-id=${op.name}`);
    }
  }
  return keys;
}

function scalarSchema(t: Extract<IrType, { kind: "scalar" }>, inHeader: boolean): Json {
  const s: Json =
    t.scalar === "timestamp"
      ? { type: "string", format: inHeader ? "http-date" : "date-time" }
      : t.scalar === "integer"
        ? { type: "integer", format: "int64" }
        : { type: t.scalar };
  if (t.enum) s.enum = t.scalar === "integer" ? t.enum.map(Number) : t.enum.map(String);
  if (t.minimum !== undefined) s.minimum = t.minimum;
  if (t.maximum !== undefined) s.maximum = t.maximum;
  return s;
}

const ref = (shape: string) => ({ $ref: `#/components/schemas/${shape}` });

/** The schema of a field's type; `xml` is set beside a `$ref` through allOf (3.0 ignores $ref siblings). */
function typeSchema(t: IrType, xml?: Json): Json {
  switch (t.kind) {
    case "scalar":
      return xml ? { ...scalarSchema(t, false), xml } : scalarSchema(t, false);
    case "shape":
      return xml ? { allOf: [ref(t.shape)], xml } : ref(t.shape);
    case "map":
      return { type: "object", additionalProperties: { type: "string" } };
    case "stream":
      return { type: "string", format: "binary" };
    case "list":
      return { type: "array", items: typeSchema(t.item) };
  }
}

function fieldSchema(f: IrShapeField): Json {
  const withDoc = (s: Json) => (f.doc ? { ...s, description: f.doc } : s);
  if (f.type.kind === "list") {
    // Flattened: each item is an element named after the field, no wrapper. Wrapped: a wrapper
    // element named after the field holding items named itemXmlName.
    const items = typeSchema(f.type.item, { name: f.flattened ? f.xmlName : (f.itemXmlName ?? "member") });
    return withDoc(f.flattened ? { type: "array", items } : { type: "array", items, xml: { name: f.xmlName, wrapped: true } });
  }
  const xml: Json = { name: f.xmlName };
  if (f.attribute) xml.attribute = true;
  // OpenAPI 3.0's XML Object cannot say "the element's text"; x-xml-text says it (3.2's nodeType: text).
  if (f.text) xml["x-xml-text"] = true;
  return withDoc(typeSchema(f.type, xml));
}

function shapeSchema(shape: IrShape, root: boolean, namespace: string): Json {
  const s: Json = { type: "object" };
  if (shape.doc) s.description = shape.doc;
  const required = shape.fields.filter((f) => f.required).map((f) => f.name);
  if (required.length) s.required = required;
  s.properties = Object.fromEntries(shape.fields.map((f) => [f.name, fieldSchema(f)]));
  s.xml = root && shape.noNamespace !== true ? { name: shape.xmlName, namespace } : { name: shape.xmlName };
  return s;
}

function errorSchema(e: IrError): Json {
  return {
    type: "object",
    description: `S3's error document for ${e.code} (HTTP ${e.status}). The <Error> element carries no XML namespace; Resource and RequestId are filled per request, and some codes add elements of their own (BucketName, Key, ...).`,
    required: ["Code", "Message"],
    properties: {
      Code: { type: "string", enum: [e.code] },
      Message: { type: "string", description: "The default message; some answers say more.", example: e.message },
      Resource: { type: "string" },
      RequestId: { type: "string" },
      HostId: { type: "string" },
    },
    xml: { name: "Error" },
  };
}

function memberSchema(m: IrMember): Json {
  if (m.type.kind === "scalar") return scalarSchema(m.type, m.location === "header");
  return typeSchema(m.type);
}

function parameters(op: IrOperation): Json[] {
  return op.input
    .filter((m) => m.location === "path" || m.location === "query" || m.location === "header")
    .map((m) => {
      const p: Json = { name: m.wireName, in: m.location, required: m.location === "path" || m.required };
      if (m.doc) p.description = m.doc;
      p.schema = memberSchema(m);
      return p;
    });
}

function bodyContent(m: IrMember): Json {
  return m.type.kind === "stream" ? { [ANY_MEDIA_TYPE]: { schema: { type: "string", format: "binary" } } } : { [XML]: { schema: memberSchema(m) } };
}

/** The operation's description: the spec's words, then what OpenAPI has no field for. */
function description(op: IrOperation): string {
  const lines = [op.doc ?? op.name];
  if (!op.implemented) lines.push("", "Not implemented by this gateway: answered `501 NotImplemented`.");
  const selectors = [
    ...(op.route.keyword ? [`the \`${op.route.keyword}\` sub-resource keyword`] : []),
    ...op.route.query.map((q) => (q.value !== undefined ? `\`${q.name}=${q.value}\`` : `the \`${q.name}\` query parameter`)),
    ...op.route.headers.map((h) => `the \`${h}\` header`),
  ];
  if (selectors.length) lines.push("", `Selected by ${selectors.join(", ")}.`);
  for (const m of [...op.input, ...op.output].filter((x) => x.location === "headerPrefix")) {
    lines.push("", `\`${m.wireName}*\` headers: ${m.name} (the header names without the prefix, with their values).`);
  }
  if (op.permission) lines.push("", `Permission: \`${op.permission}\`${op.versionPermission ? ` (with \`versionId\`: \`${op.versionPermission}\`)` : ""}.`);
  return lines.join("\n");
}

function responses(op: IrOperation, ir: Ir): Json {
  const head = op.route.method === "HEAD";
  const out: Json = {};
  const headers = Object.fromEntries(
    op.output
      .filter((m) => m.location === "header")
      .map((m) => [m.wireName, { ...(m.doc ? { description: m.doc } : {}), schema: memberSchema(m) }]),
  );
  const body = op.output.find((m) => m.location === "body");
  for (const status of op.statuses) {
    const r: Json = { description: status === 206 ? "Partial content (a range)." : status === 204 ? "No content." : "Success." };
    if (Object.keys(headers).length) r.headers = headers;
    if (body && !head) r.content = bodyContent(body);
    out[String(status)] = r;
  }
  const byStatus = new Map<number, IrError[]>();
  for (const code of op.errors) {
    const e = ir.errors.find((x) => x.code === code)!;
    byStatus.set(e.status, [...(byStatus.get(e.status) ?? []), e]);
  }
  for (const [status, errors] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const r: Json = { description: errors.map((e) => e.code).join(", ") };
    // RFC 9110 §9.3.2 / §15.4.5: neither a HEAD answer nor a 304 has content.
    if (!head && status !== 304) {
      const schemas = errors.map((e) => ref(errorSchemaName(e.code)));
      r.content = { [XML]: { schema: schemas.length === 1 ? schemas[0] : { oneOf: schemas } } };
    }
    out[String(status)] = r;
  }
  return out;
}

/** The OpenAPI document of the IR, as YAML. */
export function emitOpenApi(ir: Ir, info: OpenApiInfo): string {
  const keys = pathKeys(ir);
  const roots = new Set(ir.operations.flatMap((o) => [...o.input, ...o.output]).flatMap((m) => (m.location === "body" && m.type.kind === "shape" ? [m.type.shape] : [])));
  const paths: Record<string, Json> = {};
  for (const op of ir.operations) {
    const key = keys.get(op.name)!;
    const o: Json = { operationId: op.name, summary: op.name, description: description(op), tags: [op.area] };
    if (op.permission) o["x-s3-permission"] = op.permission;
    if (op.versionPermission) o["x-s3-version-permission"] = op.versionPermission;
    if (!op.implemented) o["x-s3-not-implemented"] = true;
    o.parameters = parameters(op);
    const body = op.input.find((m) => m.location === "body");
    if (body) o.requestBody = { required: body.required, content: bodyContent(body) };
    o.responses = responses(op, ir);
    paths[key] = { ...(paths[key] ?? {}), [op.route.method.toLowerCase()]: o };
  }
  const areas = [...new Set(ir.operations.map((o) => o.area))].sort();
  const documented = new Set(
    ir.operations.filter((o) => o.route.method !== "HEAD").flatMap((o) => o.errors.filter((c) => ir.errors.find((e) => e.code === c)!.status !== 304)),
  );
  const doc = {
    openapi: "3.0.3",
    info: { title: info.title, description: info.description, version: info.version },
    servers: [{ url: "http://127.0.0.1:9878", description: "The gateway's S3 endpoint (path-style)" }],
    // AWS Signature Version 4 (or 2): in the Authorization header, or a presigned URL's query.
    security: [{ SigV4Header: [] }, { SigV4Query: [] }],
    tags: areas.map((a) => ({ name: a, description: a === "not-implemented" ? "Operations of AWS's S3 model answered 501 NotImplemented." : `The ${a} operations.` })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    components: {
      securitySchemes: {
        SigV4Header: { type: "apiKey", in: "header", name: "Authorization", description: "`AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` (or Signature Version 2, `AWS key:signature`)." },
        SigV4Query: { type: "apiKey", in: "query", name: "X-Amz-Signature", description: "A presigned URL: `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature`." },
      },
      schemas: {
        ...Object.fromEntries(ir.shapes.map((s) => [s.name, shapeSchema(s, roots.has(s.name), ir.xmlNamespace)])),
        // The error documents operations can answer with (a 304's NotModified has none; codes raised
        // before routing, such as RequestHeaderSectionTooLarge, belong to no operation).
        ...Object.fromEntries(ir.errors.filter((e) => documented.has(e.code)).map((e) => [errorSchemaName(e.code), errorSchema(e)])),
      },
    },
  };
  return stringify(doc, { singleQuote: true, aliasDuplicateObjects: false, lineWidth: 0 });
}
