/**
 * XML documents, driven by the shape descriptors generated from spec/ (generated/shapes.ts).
 *
 * Encoding builds the string directly from the descriptors: a listing of 1000 keys is the hot path
 * of ListObjects, and a plain string builder is several times faster than a DOM-building library
 * while the descriptors keep every element name in the spec.
 * Decoding reads the document in one pass (./xml-parser.ts: no DTD, XML's five predefined entities
 * and character references, bounded depth and element count), builds the value by the descriptors
 * as it goes (keeping nothing of elements the shape does not name) and validates it with the ajv
 * schema generated for the shape; anything off is MalformedXML.
 */
import { Ajv, type ValidateFunction } from "ajv";
import type { IrShape, IrShapeField, IrType } from "../generated/ir-types.js";
import { shapesSchema } from "../generated/schemas.js";
import { shapes, xmlNamespace } from "../generated/shapes.js";
import { S3Error } from "./errors.js";
import { readXml, XmlSyntaxError, type XmlHandler, type XmlLimits } from "./xml-parser.js";

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance";

/**
 * Text escaping. Besides the markup characters, control characters (legal in S3 keys) are written as
 * character references, and so is CR, which XML parsers would otherwise normalise away.
 */
export function escapeXml(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[&<>"\u0000-\u001f\u007f]/.test(s)) return s;
  // eslint-disable-next-line no-control-regex
  return s.replace(/[&<>"\u0000-\u001f\u007f]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "\t":
      case "\n":
        return c;
      default:
        return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

function scalarText(v: unknown): string {
  if (typeof v === "string") return escapeXml(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return isoTimestamp(v);
  return escapeXml(String(v));
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/**
 * Date.toISOString() for the four-digit years every stored time has, from table look-ups: a
 * listing prints one LastModified per key, and toISOString measured ~3x slower than this.
 */
export function isoTimestamp(d: Date): string {
  const y = d.getUTCFullYear();
  if (!(y >= 1000 && y <= 9999)) return d.toISOString(); // also throws on an invalid date, as before
  return (
    `${y}-${TWO_DIGITS[d.getUTCMonth() + 1]}-${TWO_DIGITS[d.getUTCDate()]}T` +
    `${TWO_DIGITS[d.getUTCHours()]}:${TWO_DIGITS[d.getUTCMinutes()]}:${TWO_DIGITS[d.getUTCSeconds()]}.${THREE_DIGITS[d.getUTCMilliseconds()]}Z`
  );
}

function shape(name: string): IrShape {
  const s = shapes[name];
  if (!s) throw new Error(`unknown XML shape ${name}`);
  return s;
}

/** Appends the XML of one field's value to `out` and returns the result. */
type FieldEncoder = (value: unknown, out: string) => string;
/** Appends the XML of a shape's fields (not its own element) to `out` and returns the result. */
type ShapeEncoder = (value: Record<string, unknown>, out: string) => string;

/**
 * Encoders compiled once per shape: every tag string is made once, not per element, and the
 * document grows by string concatenation (V8 ropes), which for a 1000-key listing measured ~3x
 * faster than pushing ~15,000 parts and joining them.
 */
const shapeEncoders = new Map<string, ShapeEncoder>();

function shapeEncoder(name: string): ShapeEncoder {
  let enc = shapeEncoders.get(name);
  if (enc === undefined) {
    enc = compileShape(shape(name));
    shapeEncoders.set(name, enc);
  }
  return enc;
}

function valueEncoder(t: IrType): FieldEncoder {
  if (t.kind !== "shape") return (v, out) => out + scalarText(v);
  const name = t.shape;
  // looked up at first use, so that compiling a shape never recurses into itself
  let enc: ShapeEncoder | undefined;
  return (v, out) => (enc ??= shapeEncoder(name))(v as Record<string, unknown>, out);
}

/**
 * The start tag of an element of type `t`: `<name>`, or, for a shape with attribute fields (an ACL
 * Grantee's `xmlns:xsi` and `xsi:type`), one that writes the value's attributes into it.
 */
function startTag(xmlName: string, t: IrType): (v: unknown) => string {
  const fixed = `<${xmlName}>`;
  const attrs = t.kind === "shape" ? shape(t.shape).fields.filter((f) => f.attribute) : [];
  if (attrs.length === 0) return () => fixed;
  // An `xsi:` attribute is in the XML Schema instance namespace, which the element then declares
  // (S3's Grantee: `<Grantee xmlns:xsi="..." xsi:type="CanonicalUser">`).
  const open = attrs.some((a) => a.xmlName.startsWith("xsi:")) ? `<${xmlName} xmlns:xsi="${XSI_NAMESPACE}"` : `<${xmlName}`;
  return (v) => {
    let tag = open;
    for (const a of attrs) {
      const x = (v as Record<string, unknown>)[a.name];
      if (x !== undefined && x !== null) tag += ` ${a.xmlName}="${scalarText(x)}"`;
    }
    return tag + ">";
  };
}

function fieldEncoder(f: IrShapeField): FieldEncoder {
  if (f.text) return (v, out) => out + scalarText(v);
  const close = `</${f.xmlName}>`;
  if (f.type.kind !== "list") {
    const open = startTag(f.xmlName, f.type);
    const inner = valueEncoder(f.type);
    return (v, out) => inner(v, out + open(v)) + close;
  }
  const item = valueEncoder(f.type.item);
  if (f.flattened) {
    const open = startTag(f.xmlName, f.type.item);
    return (v, out) => {
      for (const x of v as unknown[]) out = item(x, out + open(x)) + close;
      return out;
    };
  }
  const open = `<${f.xmlName}>`;
  const itemOpen = startTag(f.itemXmlName!, f.type.item);
  const itemClose = `</${f.itemXmlName}>`;
  return (v, out) => {
    out += open;
    for (const x of v as unknown[]) out = item(x, out + itemOpen(x)) + itemClose;
    return out + close;
  };
}

/**
 * The document order of the items of a shape's flattened lists, when they are to be interleaved
 * rather than written list after list: each entry names a list field and an index in it. A handler
 * sets it on the value (ListObjectVersions: S3 writes <Version> and <DeleteMarker> elements in
 * version order, and minio-go reads one list in that order); the fields it names are written
 * together, where the first of them would be.
 */
export const XML_DOCUMENT_ORDER = Symbol("xml document order");
export type XmlDocumentOrder = ReadonlyArray<readonly [field: string, index: number]>;

function compileShape(s: IrShape): ShapeEncoder {
  // attributes are written into the element's start tag (startTag), not as child elements
  const fields = s.fields.filter((f) => !f.attribute);
  const names = fields.map((f) => f.name);
  const encoders = fields.map(fieldEncoder);
  const n = names.length;
  const plain: ShapeEncoder = (value, out) => {
    for (let i = 0; i < n; i++) {
      const v = value[names[i]];
      if (v === undefined || v === null) continue;
      out = encoders[i](v, out);
    }
    return out;
  };
  // only a shape with two flattened lists can interleave them
  if (fields.filter((f) => f.flattened && f.type.kind === "list").length < 2) return plain;
  const position = new Map(names.map((name, i) => [name, i]));
  return (value, out) => {
    const order = (value as { [XML_DOCUMENT_ORDER]?: XmlDocumentOrder })[XML_DOCUMENT_ORDER];
    if (order === undefined) return plain(value, out);
    const ordered = new Set(order.map(([field]) => field));
    let written = false;
    for (let i = 0; i < n; i++) {
      if (ordered.has(names[i])) {
        if (written) continue;
        written = true;
        // a flattened list's encoder writes a one-item list as that item's element
        for (const [field, index] of order) out = encoders[position.get(field)!]([(value[field] as unknown[])[index]], out);
        continue;
      }
      const v = value[names[i]];
      if (v === undefined || v === null) continue;
      out = encoders[i](v, out);
    }
    return out;
  };
}

/** A complete document whose root is the shape's element, in S3's namespace unless `namespace` is false. */
export function encodeXml(shapeName: string, value: object, options: { namespace?: boolean } = {}): string {
  const s = shape(shapeName);
  const open = options.namespace === false || s.noNamespace === true ? `<${s.xmlName}>` : `<${s.xmlName} xmlns="${xmlNamespace}">`;
  return shapeEncoder(shapeName)(value as Record<string, unknown>, XML_DECLARATION + open) + `</${s.xmlName}>`;
}

/**
 * Bounds on a request document, so that the work per document stays small whatever a client sends
 * (the body itself is at most limits.maxXmlBodyBytes). S3's largest request list is
 * CompleteMultipartUpload's 10,000 parts of up to 8 elements each (PartNumber, ETag, five
 * checksums); DeleteObjects has at most 1,000 objects. The handlers check each operation's own count.
 */
const REQUEST_LIMITS: XmlLimits = { maxDepth: 16, maxElements: 100_000, maxAttributes: 16 };
/** Items one list of a request document may have before the document is refused unread. */
const MAX_LIST_ITEMS = 10_000;

/** Where the value of an element being read goes. */
type Frame =
  | { kind: "shape"; shape: IrShape; fields: ShapeFields; value: Record<string, unknown>; field?: IrShapeField; into?: Frame }
  | { kind: "wrapper"; field: IrShapeField; items: unknown[] }
  | { kind: "scalar"; type: IrType; text: string; field: IrShapeField; into: Frame }
  | { kind: "skip" };

const SKIP: Frame = { kind: "skip" };

/** A shape's fields as the reader needs them, made once per shape. */
interface ShapeFields {
  /** by element name (attributes and text content are not elements) */
  elements: Map<string, IrShapeField>;
  /** the field holding the element's own text, if any */
  text?: IrShapeField;
}
const shapeFields = new Map<string, ShapeFields>();

function fieldsOf(s: IrShape): ShapeFields {
  let m = shapeFields.get(s.name);
  if (!m) {
    m = { elements: new Map(s.fields.filter((f) => !f.attribute && !f.text).map((f) => [f.xmlName, f])), text: s.fields.find((f) => f.text) };
    shapeFields.set(s.name, m);
  }
  return m;
}

function malformed(): never {
  throw new S3Error("MalformedXML");
}

function localName(qualified: string): string {
  return qualified.slice(qualified.lastIndexOf(":") + 1);
}

function shapeFrame(s: IrShape, attributes: ReadonlyArray<readonly [string, string]>, field?: IrShapeField, into?: Frame): Frame {
  const value: Record<string, unknown> = {};
  for (const f of s.fields) {
    if (!f.attribute) continue;
    // by local name: a document may bind the XML Schema instance namespace to another prefix than xsi
    const local = localName(f.xmlName);
    const a = attributes.find(([q]) => localName(q) === local);
    if (a) value[f.name] = convertValue(f.type, a[1]);
  }
  return { kind: "shape", shape: s, fields: fieldsOf(s), value, field, into };
}

/** The frame for an element of `field` (a list item when the field is a list). */
function frameFor(field: IrShapeField, attributes: ReadonlyArray<readonly [string, string]>, into: Frame): Frame {
  const t = field.type.kind === "list" ? field.type.item : field.type;
  return t.kind === "shape" ? shapeFrame(shape(t.shape), attributes, field, into) : { kind: "scalar", type: t, text: "", field, into };
}

/** Stores a finished element's value in its parent (a shape or a list wrapper). */
function store(into: Frame, field: IrShapeField, v: unknown): void {
  if (into.kind === "wrapper") {
    if (into.items.push(v) > MAX_LIST_ITEMS) malformed();
  } else if (into.kind === "shape") {
    if (field.type.kind === "list") {
      const list = (into.value[field.name] ??= []) as unknown[];
      if (list.push(v) > MAX_LIST_ITEMS) malformed();
    } else {
      if (field.name in into.value) malformed(); // repeated where one was expected
      into.value[field.name] = v;
    }
  }
}

/** Builds the shape's value while the document is read: one pass, nothing kept that the shape does not name. */
function shapeBuilder(root: IrShape): { handler: XmlHandler; result: () => unknown } {
  const stack: Frame[] = [];
  let result: unknown;
  const handler: XmlHandler = {
    open(name, attributes) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (name !== root.xmlName || result !== undefined) malformed();
        stack.push(shapeFrame(root, attributes));
        return;
      }
      switch (top.kind) {
        case "skip":
          stack.push(SKIP);
          return;
        case "scalar":
          return malformed(); // an element where text was expected
        case "wrapper":
          stack.push(name === top.field.itemXmlName ? frameFor(top.field, attributes, top) : SKIP);
          return;
        case "shape": {
          const f = top.fields.elements.get(name);
          if (f === undefined) stack.push(SKIP); // not part of the shape: read, not kept
          else if (f.type.kind === "list" && !f.flattened) {
            if (f.name in top.value) malformed();
            const items: unknown[] = [];
            top.value[f.name] = items;
            stack.push({ kind: "wrapper", field: f, items });
          } else stack.push(frameFor(f, attributes, top));
        }
      }
    },
    text(t) {
      const top = stack[stack.length - 1];
      if (top.kind === "scalar") top.text += t;
      else if (top.kind === "shape" && top.fields.text) {
        const f = top.fields.text;
        top.value[f.name] = ((top.value[f.name] as string | undefined) ?? "") + t;
      }
    },
    close() {
      const top = stack.pop()!;
      if (top.kind === "scalar") store(top.into, top.field, convertValue(top.type, top.text));
      else if (top.kind === "shape") {
        if (top.into && top.field) store(top.into, top.field, top.value);
        else result = top.value;
      }
    },
  };
  return { handler, result: () => result };
}

// validateSchema off: the generated schemas are checked against JSON Schema's meta-schema by
// test/config/schemas.test.ts once, not by every process at start (ajv compiles the meta-schema)
const ajv = new Ajv({ allErrors: false, strict: false, validateSchema: false });
ajv.addSchema(shapesSchema as object);
const validators = new Map<string, ValidateFunction>();

function validatorFor(shapeName: string): ValidateFunction {
  let v = validators.get(shapeName);
  if (!v) {
    v = ajv.compile({ $ref: `shapes#/definitions/${shapeName}` });
    validators.set(shapeName, v);
  }
  return v;
}

function convertValue(t: IrType, raw: string): unknown {
  if (t.kind !== "scalar") return raw;
  if (t.scalar === "integer") return /^-?\d{1,15}$/.test(raw) ? Number(raw) : raw;
  if (t.scalar === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  if (t.scalar === "timestamp") {
    const ms = Date.parse(raw);
    return Number.isNaN(ms) ? raw : new Date(ms);
  }
  return raw;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Parses and validates a request document whose root must be the shape's element. */
export function decodeXml<T>(shapeName: string, body: Buffer | string): T {
  const s = shape(shapeName);
  let text: string;
  try {
    text = typeof body === "string" ? body : utf8.decode(body); // bytes that are not UTF-8 are no XML document
  } catch {
    throw new S3Error("MalformedXML");
  }
  const { handler, result } = shapeBuilder(s);
  try {
    readXml(text, handler, REQUEST_LIMITS);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new S3Error("MalformedXML");
    throw err;
  }
  const value = result();
  if (!validatorFor(shapeName)(value)) throw new S3Error("MalformedXML");
  return value as T;
}
