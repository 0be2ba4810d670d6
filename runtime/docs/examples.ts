/**
 * Example messages for the API reference, generated from the IR's XML shapes and HTTP bindings: an
 * XML document with every element of its shape (each list with one item), element and attribute
 * names as on the wire, and a request line and headers as a client sends them. Values are
 * placeholders chosen by member name where S3's documentation has a usual one (the bucket
 * `amzn-s3-demo-bucket` is the name AWS's own examples use), else by type.
 */
import type { Ir, IrMember, IrOperation, IrShape, IrType } from "../../generated/ir-types.js";

const BY_NAME: Record<string, string> = {
  Bucket: "amzn-s3-demo-bucket",
  Name: "amzn-s3-demo-bucket",
  BucketName: "amzn-s3-demo-bucket",
  Key: "photos/2026/cat.jpg",
  ETag: '"9b2cf535f27731c974343645a3985328"',
  UploadId: "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA",
  VersionId: "null",
  ID: "8a6925ce4adf5f21c32aa379004fef",
  DisplayName: "gateway-user",
  StorageClass: "STANDARD",
  Prefix: "photos/",
  Delimiter: "/",
  LocationConstraint: "us-east-1",
  ContinuationToken: "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=",
  NextContinuationToken: "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=",
  "content-type": "image/jpeg",
  "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==",
  "x-amz-copy-source": "/amzn-s3-demo-bucket/photos/2026/original.jpg",
  "x-amz-tagging": "project=blue&team=web",
  Value: "blue",
  BucketRegion: "us-east-1",
  Location: "http://127.0.0.1:9878/amzn-s3-demo-bucket/photos/2026/cat.jpg",
  // digests of an empty body, in the base64 S3 uses
  ChecksumCRC32: "AAAAAA==",
  ChecksumCRC32C: "AAAAAA==",
  ChecksumCRC64NVME: "AAAAAAAAAAA=",
  ChecksumSHA1: "2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
  ChecksumSHA256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
};

/** Where a member name means something else in one shape: a tag's Key is no object key. */
const BY_SHAPE_FIELD: Record<string, string> = { "Tag.Key": "project" };

const TIMESTAMP_XML = "2026-01-15T10:30:00.000Z";
const TIMESTAMP_HTTP = "Thu, 15 Jan 2026 10:30:00 GMT";

function scalarExample(name: string, t: Extract<IrType, { kind: "scalar" }>, http: boolean, shape?: string): string {
  if (t.enum?.length) return String(t.enum[0]);
  if (shape && BY_SHAPE_FIELD[`${shape}.${name}`] !== undefined) return BY_SHAPE_FIELD[`${shape}.${name}`]!;
  if (BY_NAME[name] !== undefined) return BY_NAME[name];
  switch (t.scalar) {
    case "integer":
      return String(t.minimum !== undefined && t.minimum > 0 ? t.minimum : 1);
    case "boolean":
      return "false";
    case "timestamp":
      return http ? TIMESTAMP_HTTP : TIMESTAMP_XML;
    case "string":
      return name === "Key" ? BY_NAME.Key : `example-${name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase()}`;
  }
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The XML document of a shape, indented, with the S3 namespace on the root when given. */
export function xmlExample(ir: Ir, shapeName: string, namespace?: string): string {
  const shapes = new Map(ir.shapes.map((s) => [s.name, s]));
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const element = (shape: IrShape, tag: string, indent: string, root: boolean, depth: number): void => {
    const attrs = shape.fields.filter((f) => f.attribute).map((f) => ` ${f.xmlName}="${escapeXml(f.type.kind === "scalar" ? scalarExample(f.name, f.type, false, shape.name) : "")}"`);
    const ns = root && namespace ? ` xmlns="${namespace}"` : "";
    const text = shape.fields.find((f) => f.text);
    const children = shape.fields.filter((f) => !f.attribute && !f.text);
    if (text && text.type.kind === "scalar") {
      lines.push(`${indent}<${tag}${ns}${attrs.join("")}>${escapeXml(scalarExample(text.name, text.type, false, shape.name))}</${tag}>`);
      return;
    }
    if (children.length === 0 || depth > 6) {
      lines.push(`${indent}<${tag}${ns}${attrs.join("")}/>`);
      return;
    }
    lines.push(`${indent}<${tag}${ns}${attrs.join("")}>`);
    for (const f of children) value(f.name, f.type, f.xmlName, f.flattened, f.itemXmlName, `${indent}  `, depth + 1, shape.name);
    lines.push(`${indent}</${tag}>`);
  };
  const value = (name: string, t: IrType, tag: string, flattened: boolean, itemTag: string | undefined, indent: string, depth: number, owner?: string): void => {
    if (t.kind === "scalar") lines.push(`${indent}<${tag}>${escapeXml(scalarExample(name, t, false, owner))}</${tag}>`);
    else if (t.kind === "shape") element(shapes.get(t.shape)!, tag, indent, false, depth);
    else if (t.kind === "list") {
      if (flattened) value(name, t.item, tag, false, undefined, indent, depth);
      else {
        lines.push(`${indent}<${tag}>`);
        value(name, t.item, itemTag ?? "member", false, undefined, `${indent}  `, depth + 1);
        lines.push(`${indent}</${tag}>`);
      }
    } else lines.push(`${indent}<${tag}/>`);
  };
  const shape = shapes.get(shapeName)!;
  element(shape, shape.xmlName, "", true, 0);
  return lines.join("\n");
}

const PATHS = { service: "/", bucket: "/{Bucket}", object: "/{Bucket}/{Key}" } as const;

/** The request target of an operation with its selecting keyword and required query parameters. */
export function requestTarget(op: IrOperation, example: boolean): string {
  const member = (wire: string) => op.input.find((m) => m.location === "query" && m.wireName === wire);
  const query = [
    ...(op.route.keyword ? [op.route.keyword] : []),
    ...op.route.query.map((q) => {
      if (q.value !== undefined) return `${q.name}=${q.value}`;
      const m = member(q.name);
      return example && m?.type.kind === "scalar" ? `${q.name}=${encodeURIComponent(scalarExample(m.name, m.type, false))}` : `${q.name}={${m?.name ?? q.name}}`;
    }),
  ];
  let path: string = PATHS[op.route.target];
  if (example) path = path.replace("{Bucket}", BY_NAME.Bucket).replace("{Key}", BY_NAME.Key);
  return path + (query.length ? `?${query.join("&")}` : "");
}

function headerLines(members: IrMember[], onlyRequired: boolean): string[] {
  return members
    .filter((m) => m.location === "header" && (!onlyRequired || m.required) && m.type.kind === "scalar")
    .map((m) => `${m.wireName}: ${scalarExample(m.wireName in BY_NAME ? m.wireName : m.name, m.type as Extract<IrType, { kind: "scalar" }>, true)}`);
}

function bodyExample(ir: Ir, m: IrMember | undefined, namespace: string): string | undefined {
  if (!m) return undefined;
  if (m.type.kind === "shape") return xmlExample(ir, m.type.shape, namespace);
  if (m.type.kind === "stream") return "(the object's bytes)";
  return undefined;
}

/** An example request: request line, Host, the required headers, and the body. */
export function requestExample(ir: Ir, op: IrOperation): string {
  const body = op.input.find((m) => m.location === "body");
  const lines = [`${op.route.method} ${requestTarget(op, true)} HTTP/1.1`, "Host: 127.0.0.1:9878", ...headerLines(op.input, true)];
  const text = bodyExample(ir, body, ir.xmlNamespace);
  if (body?.type.kind === "shape") lines.push("Content-Type: application/xml");
  lines.push("Authorization: AWS4-HMAC-SHA256 Credential=.../20260115/us-east-1/s3/aws4_request, SignedHeaders=..., Signature=...");
  return text ? `${lines.join("\n")}\n\n${text}` : lines.join("\n");
}

/** An example successful response: status line, the operation's headers, and the body. */
export function responseExample(ir: Ir, op: IrOperation): string {
  const status = op.statuses[0]!;
  const reason: Record<number, string> = { 200: "OK", 204: "No Content", 206: "Partial Content" };
  const body = op.route.method === "HEAD" ? undefined : op.output.find((m) => m.location === "body");
  const lines = [`HTTP/1.1 ${status} ${reason[status] ?? ""}`.trimEnd(), "x-amz-request-id: 4442587FB7D0A2F9", ...headerLines(op.output, false)];
  const text = bodyExample(ir, body, ir.xmlNamespace);
  if (body?.type.kind === "shape") lines.push("Content-Type: application/xml");
  return text ? `${lines.join("\n")}\n\n${text}` : lines.join("\n");
}

/** S3's error document for a code, as the gateway renders it. */
export function errorExample(code: string, message: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<Error>",
    `  <Code>${escapeXml(code)}</Code>`,
    `  <Message>${escapeXml(message)}</Message>`,
    "  <Resource>/amzn-s3-demo-bucket/photos/2026/cat.jpg</Resource>",
    "  <RequestId>4442587FB7D0A2F9</RequestId>",
    "  <HostId>...</HostId>",
    "</Error>",
  ].join("\n");
}
