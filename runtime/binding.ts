/**
 * HTTP bindings, interpreted from the generated operation descriptors: a request becomes the typed
 * input of its operation, and a handler's typed output becomes status, headers and body. Handlers
 * never see raw headers or write XML.
 */
import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { IrMember, IrOperation, IrType } from "../generated/ir-types.js";
import { isS3ErrorCode } from "../generated/errors.js";
import { paramSchemas } from "../generated/schemas.js";
import type { IncomingBody } from "./storage/types.js";
import { S3Error } from "./errors.js";
import { checkOverrides, overrideParameters } from "./header-values.js";
import { decodeXml, encodeXml } from "./xml.js";
import { setOwn } from "./own-property.js";

export interface RequestParts {
  bucket?: string;
  key?: string;
  query: ReadonlyMap<string, string>;
  headers: IncomingHttpHeaders;
  /**
   * Each header's values as sent (node's headersDistinct, computed when first asked for): a
   * repeated x-amz-meta-* header is joined with "," as SigV4 joins it (and S3 and MinIO store
   * it), not with node's ", ".
   */
  headersDistinct?: () => NodeJS.Dict<string[]>;
  /** the verified request body as a stream (see runtime/auth/body.ts) */
  body(): IncomingBody;
  /** whether the request carries a body at all */
  hasBody: boolean;
}

// validateSchema off, as in xml.ts: test/config/schemas.test.ts checks the generated schemas
const ajv = new Ajv({ allErrors: false, strict: false, validateSchema: false });
/** per operation: its parameter validator, null for one without parameters to check */
const paramValidators = new Map<string, ValidateFunction | null>();
const overridesOf = new Map<string, ReturnType<typeof overrideParameters>>();

/** Prepares the bindings of `ops` once per process: their response-* override parameters. */
export function compileBindings(ops: readonly IrOperation[]): void {
  for (const op of ops) {
    const overrides = overrideParameters(op);
    if (overrides.length > 0) overridesOf.set(op.name, overrides);
  }
}

/**
 * The parameter validator of `operation`, compiled by its first request and kept, as the XML body
 * validators are (xml.ts). ajv takes ~5 ms a schema: compiling all of them at start was a quarter
 * of the CPU a gateway process spends starting, paid again by every worker and every restart,
 * for operations most processes never see.
 */
export function paramValidator(operation: string): ValidateFunction | undefined {
  let v = paramValidators.get(operation);
  if (v === undefined) {
    const schema = paramSchemas[operation];
    v = schema ? ajv.compile(schema) : null;
    paramValidators.set(operation, v);
  }
  return v ?? undefined;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/**
 * The items of a list-valued header. Smithy's httpHeader binding of a list (the AWS SDKs follow it):
 * items joined by commas, optional whitespace around each, an item that holds a comma or a double
 * quote sent as a quoted string with backslash escapes. An empty value is an empty list (a header
 * sent twice arrives joined by a comma, see headerValue, and reads as one list).
 */
export function splitHeaderList(raw: string): string[] {
  const items: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < raw.length && (raw[i] === " " || raw[i] === "\t")) i++;
  };
  skipSpace();
  if (i === raw.length) return items;
  for (;;) {
    skipSpace();
    let item = "";
    if (raw[i] === '"') {
      for (i++; i < raw.length && raw[i] !== '"'; i++) item += raw[i] === "\\" && i + 1 < raw.length ? raw[++i] : raw[i];
      i++; // the closing quote (a missing one ends the value)
      skipSpace();
      while (i < raw.length && raw[i] !== ",") item += raw[i++]; // text after the quotes stays part of the item
    } else {
      while (i < raw.length && raw[i] !== ",") item += raw[i++];
      item = item.trim();
    }
    items.push(item);
    if (i >= raw.length) return items;
    i++; // the comma
  }
}

/** A query or header value in its IR type; what does not convert is left as a string for ajv to reject. */
function fromWire(t: IrType, raw: string): unknown {
  if (t.kind === "list") return splitHeaderList(raw).map((item) => fromWire(t.item, item));
  if (t.kind !== "scalar") return raw;
  switch (t.scalar) {
    case "integer":
      return /^-?\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case "boolean": {
      const v = raw.trim().toLowerCase();
      return v === "true" ? true : v === "false" ? false : raw;
    }
    case "string": {
      // a value of an @anyCase enum in another case is that value
      if (t.anyCase !== true || t.enum === undefined) return raw;
      const upper = raw.toUpperCase();
      return t.enum.find((v) => typeof v === "string" && v.toUpperCase() === upper) ?? raw;
    }
    case "timestamp": {
      // RFC 9110 13.1.3: a conditional date that does not parse is ignored, and S3 does the same.
      const ms = Date.parse(raw);
      return Number.isNaN(ms) ? undefined : new Date(ms);
    }
    default:
      return raw;
  }
}

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      throw new S3Error("MaxMessageLengthExceeded");
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The S3 error for a parameter that failed validation (the value of a list item when a list's item did). */
function invalidParameter(op: IrOperation, e: ErrorObject, input: Record<string, unknown>): S3Error {
  const [name, index] = e.instancePath.replace(/^\//, "").split("/");
  const m = op.input.find((x) => x.name === name);
  const t = m?.type.kind === "list" && index !== undefined ? m.type.item : m?.type;
  const special = t?.kind === "scalar" ? t.invalidValueError : undefined;
  if (special && isS3ErrorCode(special)) {
    const message = t?.kind === "scalar" ? t.invalidValueMessage?.replace("{name}", m!.wireName) : undefined;
    if (special !== "InvalidArgument") return new S3Error(special, message);
    // S3's InvalidArgument names the argument and the value it refused
    const value = index === undefined ? input[name] : (input[name] as unknown[])[Number(index)];
    return new S3Error(special, message, { ArgumentName: m!.wireName, ArgumentValue: String(value) });
  }
  const where = m ? `${m.location === "query" ? "query parameter" : "header"} ${m.wireName}` : name;
  return new S3Error("InvalidArgument", `Invalid value for ${where}: ${e.message ?? "not valid"}`);
}

/** The typed input of `op` from the request. */
export async function decodeInput(op: IrOperation, req: RequestParts, maxXmlBytes: number): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = {};
  let body: IrMember | undefined;
  for (const m of op.input) {
    switch (m.location) {
      case "path":
        input[m.name] = m.wireName === "Bucket" ? req.bucket : req.key;
        break;
      case "query": {
        const raw = req.query.get(m.wireName);
        if (raw !== undefined) input[m.name] = fromWire(m.type, raw);
        break;
      }
      case "header": {
        const raw = headerValue(req.headers, m.wireName);
        if (raw !== undefined) {
          const v = fromWire(m.type, raw);
          if (v !== undefined) input[m.name] = v;
        }
        break;
      }
      case "headerPrefix": {
        const map: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (!name.startsWith(m.wireName) || value === undefined) continue;
          const values = typeof value === "string" && value.includes(", ") ? req.headersDistinct?.()[name] : undefined;
          setOwn(map, name.slice(m.wireName.length), values !== undefined ? values.join(",") : Array.isArray(value) ? value.join(",") : value);
        }
        input[m.name] = map;
        break;
      }
      case "body":
        body = m;
        break;
    }
  }
  const validate = paramValidator(op.name);
  if (validate && !validate(input)) throw invalidParameter(op, validate.errors![0], input);
  // response-* overrides become response headers: refused now if they cannot be sent as such.
  const overrides = overridesOf.get(op.name);
  if (overrides) checkOverrides(overrides, input);

  if (body) {
    if (body.type.kind === "stream") {
      input[body.name] = req.body();
    } else if (body.type.kind === "shape") {
      if (!req.hasBody) {
        if (body.required) throw new S3Error("MalformedXML");
      } else {
        const incoming = req.body();
        const bytes = await readAll(incoming.stream, maxXmlBytes);
        if (bytes.length === 0) {
          if (body.required) throw new S3Error("MalformedXML");
        } else {
          input[body.name] = decodeXml(body.type.shape, bytes);
        }
      }
    }
  }
  return input;
}

export interface EncodedOutput {
  status: number;
  headers: Record<string, string>;
  body?: string | Readable;
}

/**
 * HTTP dates already formatted, by time: GETs and HEADs of the same objects send the same
 * Last-Modified over and over, and toUTCString was ~1.5% of a 4 KiB GET's CPU. Bounded: emptied
 * when full.
 */
const httpDates = new Map<number, string>();
const HTTP_DATES_KEPT = 4096;

function toHeader(v: unknown): string {
  if (v instanceof Date) {
    const time = v.getTime();
    let text = httpDates.get(time);
    if (text === undefined) {
      text = v.toUTCString();
      if (httpDates.size >= HTTP_DATES_KEPT) httpDates.clear();
      httpDates.set(time, text);
    }
    return text;
  }
  return String(v);
}

/** Status, headers and body of `op`'s output. */
export function encodeOutput(op: IrOperation, output: Record<string, unknown>): EncodedOutput {
  const res: EncodedOutput = { status: op.statuses[0], headers: {} };
  for (const m of op.output) {
    const v = output[m.name];
    if (v === undefined || v === null) continue;
    switch (m.location) {
      case "status":
        res.status = v as number;
        break;
      case "header":
        res.headers[m.wireName] = toHeader(v);
        break;
      case "headerPrefix":
        for (const [k, x] of Object.entries(v as Record<string, string>)) res.headers[`${m.wireName}${k}`] = x;
        break;
      case "body":
        if (m.type.kind === "shape") {
          res.body = encodeXml(m.type.shape, v as object);
          res.headers["content-type"] = "application/xml";
        } else {
          res.body = v as Readable;
        }
        break;
      default:
        break;
    }
  }
  return res;
}
