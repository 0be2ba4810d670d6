/**
 * XML documents, driven by the shape descriptors generated from spec/ (generated/shapes.ts).
 *
 * Encoding builds the string directly from the descriptors: a listing of 1000 keys is the hot path
 * of ListObjects, and a plain string builder is several times faster than a DOM-building library
 * while the descriptors keep every element name in the spec.
 * Decoding parses with fast-xml-parser (no DTDs, no entity expansion beyond the five predefined
 * ones), converts by the descriptors and validates with the ajv schema generated for the shape;
 * anything off is MalformedXML.
 */
import { Ajv, type ValidateFunction } from "ajv";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { IrShape, IrType } from "../generated/ir-types.js";
import { shapesSchema } from "../generated/schemas.js";
import { shapes, xmlNamespace } from "../generated/shapes.js";
import { S3Error } from "./errors.js";

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

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
  if (v instanceof Date) return v.toISOString();
  return escapeXml(String(v));
}

function shape(name: string): IrShape {
  const s = shapes[name];
  if (!s) throw new Error(`unknown XML shape ${name}`);
  return s;
}

function encodeValue(t: IrType, v: unknown, out: string[]): void {
  if (t.kind === "shape") encodeFields(shape(t.shape), v as Record<string, unknown>, out);
  else out.push(scalarText(v));
}

function encodeFields(s: IrShape, value: Record<string, unknown>, out: string[]): void {
  for (const f of s.fields) {
    const v = value[f.name];
    if (v === undefined || v === null) continue;
    if (f.text) {
      out.push(scalarText(v));
    } else if (f.type.kind === "list") {
      const item = f.type.item;
      const items = v as unknown[];
      if (f.flattened) {
        for (const x of items) {
          out.push(`<${f.xmlName}>`);
          encodeValue(item, x, out);
          out.push(`</${f.xmlName}>`);
        }
      } else {
        out.push(`<${f.xmlName}>`);
        for (const x of items) {
          out.push(`<${f.itemXmlName}>`);
          encodeValue(item, x, out);
          out.push(`</${f.itemXmlName}>`);
        }
        out.push(`</${f.xmlName}>`);
      }
    } else {
      out.push(`<${f.xmlName}>`);
      encodeValue(f.type, v, out);
      out.push(`</${f.xmlName}>`);
    }
  }
}

/** A complete document whose root is the shape's element, in S3's namespace unless `namespace` is false. */
export function encodeXml(shapeName: string, value: object, options: { namespace?: boolean } = {}): string {
  const s = shape(shapeName);
  const out: string[] = [XML_DECLARATION, options.namespace === false ? `<${s.xmlName}>` : `<${s.xmlName} xmlns="${xmlNamespace}">`];
  encodeFields(s, value as Record<string, unknown>, out);
  out.push(`</${s.xmlName}>`);
  return out.join("");
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false, // keys may begin or end with spaces
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: true,
  processEntities: true,
  htmlEntities: false,
});

const ajv = new Ajv({ allErrors: false, strict: false });
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

function asArray(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function convertValue(t: IrType, raw: unknown): unknown {
  switch (t.kind) {
    case "shape":
      return convertShape(shape(t.shape), raw);
    case "scalar": {
      if (typeof raw !== "string") return raw; // an element where text was expected: ajv rejects it
      if (t.scalar === "integer") return /^-?\d{1,15}$/.test(raw) ? Number(raw) : raw;
      if (t.scalar === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
      if (t.scalar === "timestamp") {
        const ms = Date.parse(raw);
        return Number.isNaN(ms) ? raw : new Date(ms);
      }
      return raw;
    }
    default:
      return raw;
  }
}

function convertShape(s: IrShape, raw: unknown): unknown {
  if (raw === "") raw = {}; // an empty element: <Delete></Delete>
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const el = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of s.fields) {
    if (f.type.kind === "list") {
      const children = f.flattened ? el[f.xmlName] : (el[f.xmlName] as Record<string, unknown> | undefined)?.[f.itemXmlName ?? ""];
      if (children === undefined) continue;
      const item = f.type.item;
      out[f.name] = asArray(children).map((c) => convertValue(item, c));
    } else {
      const v = el[f.xmlName];
      if (v === undefined) continue;
      if (Array.isArray(v)) {
        out[f.name] = v; // repeated where one was expected: ajv rejects it
        continue;
      }
      out[f.name] = convertValue(f.type, v);
    }
  }
  return out;
}

/** Parses and validates a request document whose root must be the shape's element. */
export function decodeXml<T>(shapeName: string, body: Buffer | string): T {
  const text = typeof body === "string" ? body : body.toString("utf8");
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new S3Error("MalformedXML");
  if (XMLValidator.validate(text) !== true) throw new S3Error("MalformedXML");
  const s = shape(shapeName);
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch {
    throw new S3Error("MalformedXML");
  }
  const roots = Object.keys(doc);
  if (roots.length !== 1 || roots[0] !== s.xmlName) throw new S3Error("MalformedXML");
  const value = convertShape(s, doc[s.xmlName]);
  if (!validatorFor(shapeName)(value)) throw new S3Error("MalformedXML");
  return value as T;
}
