/**
 * Stage 1 of the codegen: compile spec/ with the TypeSpec compiler and read it into the plain IR.
 * This is the only module that imports @typespec/*.
 */
import path from "node:path";
import {
  compile,
  getDoc,
  getMaxValue,
  getMinValue,
  getService,
  getSourceLocation,
  isErrorModel,
  isTemplateDeclaration,
  NodeHost,
  resolveEncodedName,
  type Diagnostic,
  type Model,
  type ModelProperty,
  type Namespace,
  type Operation,
  type Program,
  type Scalar,
  type Type,
} from "@typespec/compiler";
import {
  getHeaderFieldName,
  getHttpOperation,
  getPathParamName,
  getQueryParamName,
  isBody,
  isHeader,
  isPathParam,
  isQueryParam,
  isStatusCode,
} from "@typespec/http";
import { isAttribute, isUnwrapped } from "@typespec/xml";
import {
  IR_VERSION,
  type Ir,
  type IrError,
  type IrMember,
  type IrMethod,
  type IrOperation,
  type IrRequiredQuery,
  type IrShape,
  type IrShapeField,
  type IrTarget,
  type IrType,
} from "./ir.js";

/** Same keys as spec/lib/s3-decorators.js (global symbols, so two module copies agree). */
const StateKeys = {
  subresource: Symbol.for("s3gw.subresource"),
  headerPrefix: Symbol.for("s3gw.headerPrefix"),
  permission: Symbol.for("s3gw.permission"),
  versionPermission: Symbol.for("s3gw.versionPermission"),
  notImplemented: Symbol.for("s3gw.notImplemented"),
  checksumRequired: Symbol.for("s3gw.checksumRequired"),
  xmlNamespace: Symbol.for("s3gw.xmlNamespace"),
  noXmlNamespace: Symbol.for("s3gw.noXmlNamespace"),
  invalidValueError: Symbol.for("s3gw.invalidValueError"),
  invalidValueMessage: Symbol.for("s3gw.invalidValueMessage"),
  messages: Symbol.for("s3gw.messages"),
  anyCase: Symbol.for("s3gw.anyCase"),
};

/** Query parameters the AWS SDKs add and that never select an operation. */
const IGNORED_QUERY = new Set(["x-id"]);

export class SpecError extends Error {}

export interface LoadResult {
  program: Program;
  ir: Ir;
}

/** Compiles `mainFile` (optionally running emitters into `emitOutputs`) and reads the IR. */
export async function loadSpec(
  mainFile: string,
  options: { emit?: string[]; emitterOptions?: Record<string, Record<string, unknown>> } = {},
): Promise<LoadResult> {
  const program = await compile(NodeHost, path.resolve(mainFile), {
    noEmit: !options.emit?.length,
    emit: options.emit,
    options: options.emitterOptions,
    warningAsError: false,
  });
  const errors = program.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new SpecError(formatDiagnostics(errors));
  const warnings = program.diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length > 0) throw new SpecError(`warnings are errors in spec/:\n${formatDiagnostics(warnings)}`);
  return { program, ir: new IrBuilder(program).build() };
}

function formatDiagnostics(diags: readonly Diagnostic[]): string {
  return diags
    .map((d) => {
      const loc = typeof d.target === "object" && d.target !== null ? getSourceLocation(d.target as Type) : undefined;
      const where = loc ? `${path.relative(process.cwd(), loc.file.path)}:${loc.file.getLineAndCharacterOfPosition(loc.pos).line + 1}` : "";
      return `${where} ${d.code}: ${d.message}`;
    })
    .join("\n");
}

class IrBuilder {
  private readonly shapes = new Map<string, IrShape>();
  private readonly shapeModels = new Map<string, Model>();

  constructor(private readonly program: Program) {}

  private state<T>(key: symbol, type: Type): T | undefined {
    return this.program.stateMap(key).get(type) as T | undefined;
  }

  build(): Ir {
    const s3 = this.program.getGlobalNamespaceType().namespaces.get("S3");
    if (!s3) throw new SpecError("spec/ must declare namespace S3");
    const xmlNamespace = this.state<string>(StateKeys.xmlNamespace, s3);
    if (!xmlNamespace) throw new SpecError("namespace S3 needs @xmlNamespace");

    const errors = this.readErrors(s3);
    const operations = [...s3.operations.values()].map((op) => this.readOperation(op));
    operations.sort((a, b) => cmp(a.name, b.name));
    const keywords = [...new Set(operations.map((o) => o.route.keyword).filter((k): k is string => k !== null))].sort(cmp);
    const shapes = [...this.shapes.values()].sort((a, b) => cmp(a.name, b.name));
    const service = { title: getService(this.program, s3)?.title ?? "S3", doc: getDoc(this.program, s3) };
    return { version: IR_VERSION, service, xmlNamespace, keywords, operations, shapes, errors };
  }

  private readErrors(ns: Namespace): IrError[] {
    const out: IrError[] = [];
    for (const model of ns.models.values()) {
      if (isTemplateDeclaration(model) || !isErrorModel(this.program, model)) continue;
      out.push(this.readError(model));
    }
    return out.sort((a, b) => cmp(a.code, b.code));
  }

  private readError(model: Model): IrError {
    let status: number | undefined;
    let doc: Model | undefined;
    for (const prop of model.properties.values()) {
      if (isStatusCode(this.program, prop) && prop.type.kind === "Number") status = prop.type.value;
      if (isBody(this.program, prop) && prop.type.kind === "Model") doc = prop.type;
    }
    const code = doc?.properties.get("Code")?.type;
    const message = doc?.properties.get("Message")?.type;
    if (status === undefined || code?.kind !== "String" || message?.kind !== "String") {
      throw new SpecError(`error model ${model.name} needs a literal status, Code and Message`);
    }
    if (code.value !== model.name) throw new SpecError(`error model ${model.name} has code ${code.value}`);
    const messages = this.state<Record<string, string>>(StateKeys.messages, model);
    return { code: code.value, status, message: message.value, ...(messages !== undefined && { messages: { ...messages } }) };
  }

  private readOperation(op: Operation): IrOperation {
    const [http, diags] = getHttpOperation(this.program, op);
    // Warnings here were already reported through program.diagnostics (where #suppress applies).
    const httpErrors = diags.filter((d) => d.severity === "error");
    if (httpErrors.length > 0) throw new SpecError(formatDiagnostics(httpErrors));
    const method = http.verb.toUpperCase() as IrMethod;
    const target = routeTarget(http.path, op.name);
    const keyword = this.state<string>(StateKeys.subresource, op) ?? null;
    const implemented = this.state<boolean>(StateKeys.notImplemented, op) !== true;
    const input = [...op.parameters.properties.values()].map((p) => this.readMember(p, op.name));

    const query: IrRequiredQuery[] = [];
    const headers: string[] = [];
    for (const m of input) {
      if (!m.required) continue;
      if (m.location === "query" && !IGNORED_QUERY.has(m.wireName)) {
        const fixed = m.type.kind === "scalar" && m.type.enum?.length === 1 ? String(m.type.enum[0]) : undefined;
        query.push(fixed === undefined ? { name: m.wireName } : { name: m.wireName, value: fixed });
      }
      if (m.location === "header") headers.push(m.wireName);
    }
    query.sort((a, b) => cmp(a.name, b.name));
    headers.sort(cmp);

    const { statuses, output, errors } = this.readResponses(op);
    const file = getSourceLocation(op).file.path;
    return {
      name: op.name,
      doc: getDoc(this.program, op),
      area: path.basename(file, ".tsp"),
      implemented,
      checksumRequired: this.state<boolean>(StateKeys.checksumRequired, op) === true,
      permission: this.state<string>(StateKeys.permission, op) ?? null,
      versionPermission: this.state<string>(StateKeys.versionPermission, op) ?? null,
      route: { method, target, keyword, query, headers },
      input: implemented ? input : input.filter((m) => m.location === "path" || m.required),
      statuses,
      output,
      errors,
    };
  }

  private readResponses(op: Operation): { statuses: number[]; output: IrMember[]; errors: string[] } {
    const variants: Type[] = [];
    const flatten = (t: Type): void => {
      if (t.kind === "Union") for (const v of t.variants.values()) flatten(v.type);
      else variants.push(t);
    };
    flatten(op.returnType);
    const errors = new Set<string>();
    let success: Model | undefined;
    for (const t of variants) {
      if (t.kind === "Model" && isErrorModel(this.program, t)) errors.add(this.readError(t).code);
      else if (t.kind === "Model") {
        if (success) throw new SpecError(`${op.name}: one success model expected`);
        success = t;
      } else if (!(t.kind === "Intrinsic" && t.name === "void")) {
        throw new SpecError(`${op.name}: unsupported return type ${t.kind}`);
      }
    }
    let statuses = [200];
    const output: IrMember[] = [];
    for (const prop of success?.properties.values() ?? []) {
      if (isStatusCode(this.program, prop)) {
        statuses = literalNumbers(prop.type, `${op.name}.${prop.name}`);
        if (statuses.length > 1) {
          output.push({ name: prop.name, location: "status", wireName: "", type: { kind: "scalar", scalar: "integer", enum: statuses }, required: true });
        }
        continue;
      }
      output.push(this.readMember(prop, op.name));
    }
    return { statuses, output, errors: [...errors].sort(cmp) };
  }

  private readMember(prop: ModelProperty, where: string): IrMember {
    const base = { name: prop.name, required: !prop.optional, doc: getDoc(this.program, prop) };
    const prefix = this.state<string>(StateKeys.headerPrefix, prop);
    if (prefix !== undefined) return { ...base, location: "headerPrefix", wireName: prefix.toLowerCase(), type: { kind: "map" } };
    if (isPathParam(this.program, prop)) {
      return { ...base, location: "path", wireName: getPathParamName(this.program, prop) ?? prop.name, type: this.readType(prop.type, prop) };
    }
    if (isQueryParam(this.program, prop)) {
      return { ...base, location: "query", wireName: getQueryParamName(this.program, prop) ?? prop.name, type: this.readType(prop.type, prop) };
    }
    if (isHeader(this.program, prop)) {
      return { ...base, location: "header", wireName: getHeaderFieldName(this.program, prop).toLowerCase(), type: this.readType(prop.type, prop) };
    }
    if (isBody(this.program, prop)) return { ...base, location: "body", wireName: "", type: this.readType(prop.type, prop) };
    throw new SpecError(`${where}.${prop.name}: every member needs an HTTP binding (@path, @query, @header, @headerPrefix or @body)`);
  }

  private readType(type: Type, prop?: ModelProperty): IrType {
    switch (type.kind) {
      case "Scalar": {
        const scalar = stdScalar(type);
        if (scalar === "bytes") return { kind: "stream" };
        const t: IrType = { kind: "scalar", scalar };
        if (prop) {
          const min = getMinValue(this.program, prop);
          const max = getMaxValue(this.program, prop);
          if (min !== undefined) t.minimum = min;
          if (max !== undefined) t.maximum = max;
          // S3's own error for a value of the member that is not one or out of range (@invalidValueError)
          const invalidValueError = this.state<string>(StateKeys.invalidValueError, prop);
          const invalidValueMessage = this.state<string>(StateKeys.invalidValueMessage, prop);
          if (invalidValueError !== undefined) t.invalidValueError = invalidValueError;
          if (invalidValueMessage !== undefined) t.invalidValueMessage = invalidValueMessage;
        }
        return t;
      }
      case "String":
        return { kind: "scalar", scalar: "string", enum: [type.value] };
      case "Boolean":
        return { kind: "scalar", scalar: "boolean", enum: [type.value ? "true" : "false"] };
      case "Number":
        return { kind: "scalar", scalar: "integer", enum: [type.value] };
      case "Union": {
        const values: string[] = [];
        let open = false;
        for (const v of type.variants.values()) {
          if (v.type.kind === "String") values.push(v.type.value);
          else if (v.type.kind === "Scalar" && stdScalar(v.type) === "string") open = true;
          else throw new SpecError(`union ${type.name ?? "(anonymous)"}: only string literals and string are supported`);
        }
        if (open) return { kind: "scalar", scalar: "string" };
        // the member's own @invalidValueError, else the union's
        const onMember = prop !== undefined && this.state<string>(StateKeys.invalidValueError, prop) !== undefined;
        const invalidValueError = this.state<string>(StateKeys.invalidValueError, onMember ? prop : type);
        const invalidValueMessage = this.state<string>(StateKeys.invalidValueMessage, onMember ? prop : type);
        const anyCase = this.state<boolean>(StateKeys.anyCase, type) === true;
        return {
          kind: "scalar",
          scalar: "string",
          enum: values,
          ...(anyCase && { anyCase: true }),
          ...(invalidValueError !== undefined && { invalidValueError }),
          ...(invalidValueError !== undefined && invalidValueMessage !== undefined && { invalidValueMessage }),
        };
      }
      case "Model": {
        if (type.name === "Array" && type.indexer) return { kind: "list", item: this.readType(type.indexer.value) };
        if (type.name === "Record" && type.indexer) return { kind: "map" };
        this.addShape(type);
        return { kind: "shape", shape: type.name };
      }
      default:
        throw new SpecError(`unsupported type kind ${type.kind}`);
    }
  }

  private xmlName(type: Model | ModelProperty | Scalar): string {
    return resolveEncodedName(this.program, type as never, "application/xml");
  }

  private addShape(model: Model): void {
    const seen = this.shapeModels.get(model.name);
    if (seen === model) return;
    if (seen) throw new SpecError(`two XML shapes are named ${model.name}`);
    this.shapeModels.set(model.name, model);
    const shape: IrShape = { name: model.name, xmlName: this.xmlName(model), fields: [], doc: getDoc(this.program, model) };
    if (this.state<boolean>(StateKeys.noXmlNamespace, model) === true) shape.noNamespace = true;
    this.shapes.set(model.name, shape);
    for (const prop of model.properties.values()) {
      const type = this.readType(prop.type, prop);
      const unwrapped = isUnwrapped(this.program, prop);
      const field: IrShapeField = {
        name: prop.name,
        xmlName: this.xmlName(prop),
        type,
        required: !prop.optional,
        flattened: unwrapped && type.kind === "list",
        text: unwrapped && type.kind === "scalar",
        attribute: isAttribute(this.program, prop),
        doc: getDoc(this.program, prop),
      };
      if (type.kind === "list" && !unwrapped) {
        const item = prop.type.kind === "Model" ? prop.type.indexer?.value : undefined;
        field.itemXmlName = item && (item.kind === "Model" || item.kind === "Scalar") ? this.xmlName(item) : "member";
      }
      shape.fields.push(field);
    }
  }
}

function routeTarget(routePath: string, op: string): IrTarget {
  if (routePath === "/") return "service";
  if (routePath === "/{Bucket}") return "bucket";
  if (routePath === "/{Bucket}/{Key}" || routePath === "/{Bucket}/{+Key}") return "object";
  throw new SpecError(`${op}: route ${routePath} is none of /, /{Bucket}, /{Bucket}/{+Key}`);
}

function stdScalar(type: Scalar): "string" | "integer" | "boolean" | "timestamp" | "bytes" {
  for (let s: Scalar | undefined = type; s; s = s.baseScalar) {
    switch (s.name) {
      case "string":
        return "string";
      case "boolean":
        return "boolean";
      case "utcDateTime":
        return "timestamp";
      case "bytes":
        return "bytes";
      case "int8":
      case "int16":
      case "int32":
      case "int64":
      case "uint8":
      case "uint16":
      case "uint32":
      case "uint64":
      case "safeint":
      case "integer":
        return "integer";
    }
  }
  throw new SpecError(`unsupported scalar ${type.name}`);
}

function literalNumbers(type: Type, where: string): number[] {
  if (type.kind === "Number") return [type.value];
  if (type.kind === "Union") return [...type.variants.values()].flatMap((v) => literalNumbers(v.type, where));
  throw new SpecError(`${where}: status codes must be number literals`);
}

/** Code-point order, independent of locale, so generated files are stable everywhere. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
