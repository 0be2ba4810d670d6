/**
 * Stage 3 of the codegen: the IR becomes TypeScript in generated/ (ts-morph). Tables are emitted as
 * `as const` data that small runtime interpreters read (routes, errors, operation bindings, XML shapes,
 * ajv schemas); code is emitted where types matter (input/output types, the handler interface).
 */
import { IndentationText, Project, QuoteKind } from "ts-morph";
import { routeConstraints } from "./check.js";
import type { Ir, IrMember, IrOperation, IrShape, IrType } from "./ir.js";

export const HEADER = "// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.";

/** generated/ files by path relative to generated/, with their full text. */
export type Emitted = Map<string, string>;

export function emitAll(ir: Ir, irTypesSource: string): Emitted {
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double },
  });
  const out: Emitted = new Map();
  const add = (name: string, text: string) => {
    const sf = project.createSourceFile(name, `${HEADER}\n${text}`, { overwrite: true });
    sf.formatText({ indentSize: 2, convertTabsToSpaces: true });
    out.set(name, sf.getFullText());
  };
  const implemented = ir.operations.filter((o) => o.implemented);

  out.set("ir.json", `${JSON.stringify(ir, null, 2)}\n`);
  add("ir-types.ts", irTypesSource.replace(/^\/\*\*[\s\S]*?\*\/\n/, "/** The IR's types (a copy of codegen/ir.ts), so that runtime/ depends on generated/ only. */\n"));
  add("errors.ts", emitErrors(ir));
  add("operations.ts", emitOperations(ir));
  add("routes.ts", emitRoutes(ir));
  add("shapes.ts", emitShapes(ir));
  add("schemas.ts", emitSchemas(ir));
  add("types/shapes.ts", emitShapeTypes(ir));
  const areas = [...new Set(implemented.map((o) => o.area))].sort();
  for (const area of areas) add(`types/${area}.ts`, emitAreaTypes(ir, area));
  add("handlers.ts", emitHandlers(ir, areas));
  add("index.ts", emitIndex(areas));
  return out;
}

const lit = (v: unknown) => JSON.stringify(v);

function docComment(doc: string | undefined): string {
  return doc ? `/** ${doc.replace(/\*\//g, "*\\/").replace(/\n/g, "\n * ")} */\n` : "";
}

function emitErrors(ir: Ir): string {
  const rows = ir.errors
    .map((e) => `  ${e.code}: { status: ${e.status}, message: ${lit(e.message)}${e.messages === undefined ? "" : `, messages: ${lit(e.messages)}`} },`)
    .join("\n");
  return `
/**
 * The S3 error table from spec/errors.tsp: code -> HTTP status, default message, and S3's wording for
 * particular cases by name (\`{name}\`: a value the runtime fills in).
 */
export const errorTable = {
${rows}
} as const;

/** Every S3 error code the gateway can answer with. */
export type S3ErrorCode = keyof typeof errorTable;

export function isS3ErrorCode(code: string): code is S3ErrorCode {
  return Object.prototype.hasOwnProperty.call(errorTable, code);
}
`;
}

function emitOperations(ir: Ir): string {
  const entries = ir.operations.map((op) => `  ${op.name}: ${lit(op)},`).join("\n");
  const implemented = ir.operations.filter((o) => o.implemented).map((o) => lit(o.name));
  return `import type { IrOperation } from "./ir-types.js";

/** Every operation of the spec with its HTTP bindings, keyed by AWS's operation name. */
export const operations = {
${entries}
} as const satisfies Record<string, IrOperation>;

export type OperationName = keyof typeof operations;

/** The operations this gateway implements (the others answer 501 NotImplemented). */
export const implementedOperations = [${implemented.join(", ")}] as const;

export type ImplementedOperationName = (typeof implementedOperations)[number];
`;
}

function emitRoutes(ir: Ir): string {
  const rows = ir.operations
    .map((op) => ({ op, rank: routeConstraints(op).size }))
    .sort(
      (a, b) =>
        cmp(a.op.route.method, b.op.route.method) ||
        cmp(a.op.route.target, b.op.route.target) ||
        cmp(a.op.route.keyword ?? "", b.op.route.keyword ?? "") ||
        b.rank - a.rank ||
        cmp(a.op.name, b.op.name),
    )
    .map(({ op, rank }) => `  ${lit({ operation: op.name, implemented: op.implemented, rank, ...op.route })},`)
    .join("\n");
  return `import type { IrRoute } from "./ir-types.js";
import type { OperationName } from "./operations.js";

export interface RouteRow extends IrRoute {
  operation: OperationName;
  implemented: boolean;
  /** number of constraints (required query parameters and headers): a higher rank wins */
  rank: number;
}

/** Sub-resource keywords: a request carrying one only reaches routes declaring it. */
export const subresourceKeywords: ReadonlySet<string> = new Set(${lit(ir.keywords)});

/**
 * The route table, ordered by method, target, keyword, then rank (highest first), so that the first
 * row that matches a request is the right one. codegen/check.ts proved no two rows tie.
 */
export const routeTable: readonly RouteRow[] = [
${rows}
];
`;
}

function emitShapes(ir: Ir): string {
  const entries = ir.shapes.map((s) => `  ${s.name}: ${lit(s)},`).join("\n");
  return `import type { IrShape } from "./ir-types.js";

/** Default namespace of the XML documents of successful responses (AWS's <Error> has none). */
export const xmlNamespace = ${lit(ir.xmlNamespace)};

/** XML structure descriptors, read by runtime/xml.ts to encode and decode documents. */
export const shapes: Record<string, IrShape> = {
${entries}
};
`;
}

/** JSON Schema (ajv, draft-07) for a value of an IR type after decoding. */
function schemaOf(t: IrType): Record<string, unknown> {
  switch (t.kind) {
    case "scalar": {
      const s: Record<string, unknown> =
        t.scalar === "string" ? { type: "string" } : t.scalar === "integer" ? { type: "integer" } : t.scalar === "boolean" ? { type: "boolean" } : {};
      if (t.enum && t.scalar !== "boolean") s.enum = t.enum;
      if (t.minimum !== undefined) s.minimum = t.minimum;
      if (t.maximum !== undefined) s.maximum = t.maximum;
      return s;
    }
    case "map":
      return { type: "object", additionalProperties: { type: "string" } };
    case "list":
      return { type: "array", items: schemaOf(t.item) };
    case "shape":
      return { $ref: `#/definitions/${t.shape}` };
    case "stream":
      return {};
  }
}

function shapeSchema(s: IrShape): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const f of s.fields) properties[f.name] = schemaOf(f.type);
  const required = s.fields.filter((f) => f.required).map((f) => f.name);
  return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

function emitSchemas(ir: Ir): string {
  const definitions: Record<string, unknown> = {};
  for (const s of ir.shapes) definitions[s.name] = shapeSchema(s);
  const params: Record<string, unknown> = {};
  const bodies: Record<string, unknown> = {};
  for (const op of ir.operations.filter((o) => o.implemented)) {
    const members = op.input.filter((m) => m.location === "query" || m.location === "header" || m.location === "headerPrefix");
    const properties: Record<string, unknown> = {};
    for (const m of members) properties[m.name] = schemaOf(m.type);
    const required = members.filter((m) => m.required).map((m) => m.name);
    params[op.name] = { type: "object", properties, ...(required.length ? { required } : {}) };
    const body = op.input.find((m) => m.location === "body");
    if (body?.type.kind === "shape") bodies[op.name] = { $ref: `shapes#/definitions/${body.type.shape}` };
  }
  return `/**
 * ajv (draft-07) schemas generated from the spec: the query/header parameters of each implemented
 * operation after decoding, and the XML request bodies (validated after parsing).
 */
export const shapesSchema = ${lit({ $id: "shapes", definitions })} as const;

export const paramSchemas: Record<string, object> = ${lit(params)};

export const xmlBodySchemas: Record<string, object> = ${lit(bodies)};
`;
}

function tsType(t: IrType, direction: "input" | "output" | "shape"): string {
  switch (t.kind) {
    case "scalar":
      if (t.enum) return t.enum.map((v) => (t.scalar === "boolean" ? String(v) : lit(v))).join(" | ");
      return t.scalar === "string" ? "string" : t.scalar === "integer" ? "number" : t.scalar === "boolean" ? "boolean" : "Date";
    case "map":
      return "Record<string, string>";
    case "stream":
      return direction === "input" ? "IncomingBody" : "Readable";
    case "shape":
      return t.shape;
    case "list": {
      const item = tsType(t.item, direction);
      return item.includes("|") ? `(${item})[]` : `${item}[]`;
    }
  }
}

function emitShapeTypes(ir: Ir): string {
  return ir.shapes
    .map((s) => {
      const fields = s.fields.map((f) => `${docComment(f.doc)}  ${f.name}${f.required ? "" : "?"}: ${tsType(f.type, "shape")};`).join("\n");
      return `${docComment(s.doc)}export interface ${s.name} {\n${fields}\n}\n`;
    })
    .join("\n");
}

function memberLines(members: IrMember[], direction: "input" | "output"): string {
  return members
    .map((m) => {
      const where = m.location === "body" || m.location === "status" ? m.location : `${m.location} ${m.wireName}`;
      const doc = m.doc ? `${m.doc} (${where})` : `(${where})`;
      return `  ${docComment(doc)}  ${m.name}${m.required ? "" : "?"}: ${tsType(m.type, direction)};`;
    })
    .join("\n");
}

function emitAreaTypes(ir: Ir, area: string): string {
  const ops = ir.operations.filter((o) => o.implemented && o.area === area);
  const shapeNames = new Set<string>();
  let needsIncoming = false;
  let needsReadable = false;
  const visit = (t: IrType, dir: "input" | "output") => {
    if (t.kind === "shape") shapeNames.add(t.shape);
    if (t.kind === "list") visit(t.item, dir);
    if (t.kind === "stream") (dir === "input" ? (needsIncoming = true) : (needsReadable = true));
  };
  for (const op of ops) {
    op.input.forEach((m) => visit(m.type, "input"));
    op.output.forEach((m) => visit(m.type, "output"));
  }
  const imports = [
    needsReadable ? `import type { Readable } from "node:stream";` : "",
    needsIncoming ? `import type { IncomingBody } from "../../runtime/storage/types.js";` : "",
    shapeNames.size ? `import type { ${[...shapeNames].sort().join(", ")} } from "./shapes.js";` : "",
  ]
    .filter(Boolean)
    .join("\n");
  const body = ops
    .map(
      (op) => `/** Input of ${op.name} (${op.route.method} ${routeText(op)}). */
export interface ${op.name}Input {
${memberLines(op.input, "input")}
}

/** Output of ${op.name}; default status ${op.statuses[0]}. */
export interface ${op.name}Output {
${memberLines(op.output, "output")}
}
`,
    )
    .join("\n");
  return `${imports}\n\n${body}`;
}

function routeText(op: IrOperation): string {
  const p = op.route.target === "service" ? "/" : op.route.target === "bucket" ? "/{Bucket}" : "/{Bucket}/{Key+}";
  const q = [op.route.keyword, ...op.route.query.map((x) => (x.value ? `${x.name}=${x.value}` : x.name))].filter(Boolean);
  const h = op.route.headers.map((x) => ` + header ${x}`).join("");
  return `${p}${q.length ? `?${q.join("&")}` : ""}${h}`;
}

function pascal(area: string): string {
  return area.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
}

function emitHandlers(ir: Ir, areas: string[]): string {
  const imports = areas
    .map((area) => {
      const names = ir.operations.filter((o) => o.implemented && o.area === area).flatMap((o) => [`${o.name}Input`, `${o.name}Output`]);
      return `import type { ${names.join(", ")} } from "./types/${area}.js";`;
    })
    .join("\n");
  const ifaces = areas
    .map((area) => {
      const methods = ir.operations
        .filter((o) => o.implemented && o.area === area)
        .map((o) => `${docComment(o.doc)}  ${o.name}(input: ${o.name}Input, ctx: Ctx): Promise<${o.name}Output>;`)
        .join("\n");
      return `/** Operations of spec/${area}.tsp; implemented by runtime/handlers/${area}.ts. */
export interface ${pascal(area)}Handlers<Ctx> {
${methods}
}
`;
    })
    .join("\n");
  return `${imports}

${ifaces}
/** Every implemented operation: what runtime/handlers/ must provide. */
export interface S3Handlers<Ctx> extends ${areas.map((a) => `${pascal(a)}Handlers<Ctx>`).join(", ")} {}
`;
}

function emitIndex(areas: string[]): string {
  return [
    `export * from "./errors.js";`,
    `export * from "./operations.js";`,
    `export * from "./routes.js";`,
    `export * from "./shapes.js";`,
    `export * from "./schemas.js";`,
    `export type * from "./ir-types.js";`,
    `export type * from "./handlers.js";`,
    `export type * from "./types/shapes.js";`,
    ...areas.map((a) => `export type * from "./types/${a}.js";`),
  ].join("\n");
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

