/**
 * The published contract, generated/openapi/openapi.yaml, describes the wire as the gateway sends it:
 * one operation per S3 operation (operationId = its name, its path key carrying the keyword that
 * selects it), XML documents as application/xml with S3's element names and namespace, an object's
 * bytes as any media type (the client's own), every error of the spec's table the operation can
 * raise with S3's <Error> body, no content at all where HTTP allows none (HEAD answers, 304), never
 * a JSON media type (a bucket policy, S3's one JSON document, travels as the raw bytes of its
 * body, as AWS's model has it), the project's version, and no reference to anything outside the project.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import ir from "../../generated/ir.json" with { type: "json" };
import type { Ir, IrMember, IrOperation } from "../../generated/ir-types.js";
import { ROOT } from "../support/server.js";

const spec = ir as unknown as Ir;
const XML = "application/xml";
const ANY = "*/*";

interface Content {
  [mediaType: string]: { schema?: { type?: string; format?: string; $ref?: string } };
}
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Content;
}
interface Operation {
  operationId: string;
  requestBody?: { content?: Content };
  responses: Record<string, Response>;
}
interface Schema {
  $ref?: string;
  type?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  items?: Schema;
  required?: string[];
  properties?: Record<string, Schema>;
  enum?: unknown[];
  xml?: { name?: string; namespace?: string; wrapped?: boolean; attribute?: boolean };
}
const doc = parse(readFileSync(path.join(ROOT, "generated/openapi/openapi.yaml"), "utf8")) as {
  info: { description?: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
const schemaOf = (r: string) => doc.components.schemas[r.replace("#/components/schemas/", "")]!;

/** Every operation of the document, with the spec's operations it stands for (shared routes merge). */
const operations = Object.entries(doc.paths).flatMap(([p, item]) =>
  Object.entries(item).map(([method, op]) => {
    const names = op.operationId.split("_");
    const ours = names.map((n) => spec.operations.find((o) => o.name === n));
    return { where: `${method.toUpperCase()} ${p} (${names[0]}${names.length > 1 ? ", ..." : ""})`, method, op, names, ours };
  }),
);

/** The media type S3 gives a body: an XML document, or the object's bytes in whatever type they came. */
function mediaTypeOf(m: IrMember | undefined): string | undefined {
  if (!m) return undefined;
  return m.type.kind === "shape" ? XML : m.type.kind === "stream" ? ANY : `(a ${m.type.kind} body?)`;
}
const bodyOf = (members: IrMember[]) => members.find((m) => m.location === "body");
const keys = (c: Content | undefined) => Object.keys(c ?? {}).sort();
const expected = (types: (string | undefined)[]) => [...new Set(types.filter((t): t is string => t !== undefined))].sort();

describe("the generated OpenAPI document", () => {
  it("stands for every operation of the spec, each once", () => {
    expect(operations.flatMap((o) => o.names).sort()).toEqual(spec.operations.map((o) => o.name).sort());
    for (const o of operations) expect(o.ours.every(Boolean), o.where).toBe(true);
  });

  it("has one operation per S3 operation, its operationId the S3 name, in the project's version", () => {
    const ids = operations.map((o) => o.op.operationId).sort();
    expect(ids).toEqual(spec.operations.map((o) => o.name).sort());
    expect(doc.info.version).toBe(pkg.version);
  });

  it("puts each operation under its method, with the keyword and fixed query values that select it in the path key", () => {
    for (const o of operations) {
      const op = o.ours[0]!;
      expect(o.method, o.where).toBe(op.route.method.toLowerCase());
      const [p, query = ""] = o.where.split(" ")[1]!.split("?");
      expect(p, o.where).toBe({ service: "/", bucket: "/{Bucket}", object: "/{Bucket}/{Key}" }[op.route.target]);
      const selectors = query ? query.split("&").filter((q) => !q.startsWith("x-id=")) : [];
      const want = [...(op.route.keyword ? [op.route.keyword] : []), ...op.route.query.filter((q) => q.value !== undefined).map((q) => `${q.name}=${q.value}`)];
      expect(selectors, o.where).toEqual(want);
      if (query.includes("x-id=")) expect(query, o.where).toMatch(new RegExp(`x-id=${op.name}$`));
    }
  });

  it("lists every error the spec gives each operation, under its status, with S3's <Error> body", () => {
    for (const o of operations) {
      const op = o.ours[0]!;
      for (const code of op.errors) {
        const e = spec.errors.find((x) => x.code === code)!;
        const res = o.op.responses[String(e.status)];
        expect(res, `${o.where} ${code}`).toBeDefined();
        expect(res!.description.split(", "), `${o.where} ${code}`).toContain(code);
        if (o.method === "head" || e.status === 304) continue;
        const schema = res!.content![XML]!.schema as Schema;
        const refs = (schema.oneOf ?? [schema]).map((s) => s.$ref!);
        const body = refs.map(schemaOf).find((s) => s.properties?.Code?.enum?.[0] === code);
        expect(body, `${o.where} ${code}`).toBeDefined();
        expect(body!.xml).toEqual({ name: "Error" });
        expect(body!.required).toEqual(["Code", "Message"]);
      }
    }
  });

  it("gives every XML shape its element names as on the wire, the S3 namespace on documents (but those written without it)", () => {
    const roots = new Set(spec.operations.flatMap((o) => [...o.input, ...o.output]).flatMap((m) => (m.location === "body" && m.type.kind === "shape" ? [m.type.shape] : [])));
    expect(spec.shapes.filter((s) => s.noNamespace === true).map((s) => s.name)).toEqual(["PostResponse"]);
    for (const shape of spec.shapes) {
      const s = doc.components.schemas[shape.name]!;
      const qualified = roots.has(shape.name) && shape.noNamespace !== true;
      expect(s.xml, shape.name).toEqual(qualified ? { name: shape.xmlName, namespace: spec.xmlNamespace } : { name: shape.xmlName });
      for (const f of shape.fields) {
        const p = s.properties![f.name]!;
        const where = `${shape.name}.${f.name}`;
        if (f.type.kind === "list") {
          expect(p.type, where).toBe("array");
          if (f.flattened) {
            expect(p.xml, where).toBeUndefined();
            expect(p.items!.xml!.name, where).toBe(f.xmlName);
          } else {
            expect(p.xml, where).toEqual({ name: f.xmlName, wrapped: true });
            expect(p.items!.xml!.name, where).toBe(f.itemXmlName);
          }
        } else {
          expect(p.xml!.name, where).toBe(f.xmlName);
          expect(p.xml!.attribute ?? false, where).toBe(f.attribute);
        }
      }
    }
  });

  it.each(operations.map((o) => [o.where, o] as const))("%s: request media types are S3's", (_, o) => {
    const want = expected((o.ours as IrOperation[]).map((op) => mediaTypeOf(bodyOf(op.input))));
    expect(keys(o.op.requestBody?.content)).toEqual(want);
  });

  it.each(operations.map((o) => [o.where, o] as const))("%s: response media types are S3's", (_, o) => {
    const ours = o.ours as IrOperation[];
    for (const [status, res] of Object.entries(o.op.responses)) {
      const code = Number(status);
      let want: string[];
      // RFC 9110 §9.3.2 and §15.4.5: a HEAD answer and a 304 carry no content (the gateway sends none).
      if (o.method === "head" || code === 304) want = [];
      else if (code >= 300) want = [XML];
      else want = expected(ours.filter((op) => op.statuses.includes(code)).map((op) => mediaTypeOf(bodyOf(op.output))));
      expect(keys(res.content), `${o.where} ${status}`).toEqual(want);
      if (want.length === 0 && code >= 300) {
        // The error document's Content-Type goes with the document.
        expect(Object.keys(res.headers ?? {}).map((h) => h.toLowerCase()), `${o.where} ${status}`).not.toContain("content-type");
      }
    }
  });

  it.each(operations.map((o) => [o.where, o] as const))("%s: declares only statuses the gateway answers with", (_, o) => {
    const ours = o.ours as IrOperation[];
    const statuses = new Set(ours.flatMap((op) => [...op.statuses, ...op.errors.map((code) => spec.errors.find((e) => e.code === code)!.status)]));
    expect(Object.keys(o.op.responses).filter((s) => !statuses.has(Number(s)))).toEqual([]);
  });

  it("declares no media type but application/xml and */*, and no JSON media type anywhere", () => {
    const seen = new Set<string>();
    for (const o of operations) {
      for (const t of keys(o.op.requestBody?.content)) seen.add(t);
      for (const res of Object.values(o.op.responses)) for (const t of keys(res.content)) seen.add(t);
    }
    expect([...seen].sort()).toEqual([ANY, XML].sort());
    expect(JSON.stringify(doc)).not.toMatch(/[a-z]+\/([a-z.+-]+\+)?json/i);
  });

  it("gives raw bytes (and only them) as */*", () => {
    for (const o of operations) {
      const contents = [o.op.requestBody?.content, ...Object.values(o.op.responses).map((r) => r.content)];
      for (const c of contents) {
        for (const [t, m] of Object.entries(c ?? {})) {
          const raw = m.schema?.type === "string" && m.schema.format === "binary";
          expect(raw, `${o.where}: ${t}`).toBe(t === ANY);
        }
      }
    }
  });

  it("refers to nothing outside the project", () => {
    const strings: string[] = [];
    const refs: string[] = [];
    const walk = (v: unknown, key?: string): void => {
      if (typeof v === "string") (key === "$ref" ? refs : strings).push(v);
      else if (Array.isArray(v)) v.forEach((x) => walk(x));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    walk(doc);
    expect(refs.filter((r) => !r.startsWith("#/"))).toEqual([]);
    const outside = /\.\.\/|\bshared\/reference\b|file:\/\/|(^|[\s(`'"])\/(work|home|tmp|root|Users|var|etc|opt)\//;
    expect(strings.filter((s) => outside.test(s))).toEqual([]);
    expect(doc.info.description).toMatch(/AWS's own Smithy model/);
  });
});
