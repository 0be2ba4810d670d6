/**
 * Stage 2 of the codegen: invariants on the IR. Any violation is a codegen error, so that the runtime
 * can trust the tables it interprets.
 */
import type { Ir, IrOperation, IrType } from "./ir.js";

/** Error codes the runtime itself raises outside any operation; the table must have them. */
export const RUNTIME_ERROR_CODES = [
  "AccessDenied",
  "InternalError",
  "InvalidArgument",
  "InvalidRequest",
  "InvalidURI",
  "MalformedXML",
  "MethodNotAllowed",
  "NoSuchBucket",
  "NotImplemented",
] as const;

export function checkIr(ir: Ir): string[] {
  const problems: string[] = [];
  const errorCodes = new Set(ir.errors.map((e) => e.code));
  const shapeNames = new Set(ir.shapes.map((s) => s.name));

  const names = new Set<string>();
  for (const op of ir.operations) {
    if (names.has(op.name)) problems.push(`operation ${op.name} is declared twice`);
    names.add(op.name);
    for (const code of op.errors) {
      if (!errorCodes.has(code)) problems.push(`${op.name} references unknown error ${code}`);
    }
    if (op.implemented && !op.permission) problems.push(`${op.name} has no @permission`);
    if (op.route.method === "HEAD" && op.output.some((m) => m.location === "body")) {
      problems.push(`${op.name}: a HEAD response has no body`);
    }
    if (op.output.filter((m) => m.location === "body").length > 1) problems.push(`${op.name}: more than one response body`);
    if (op.input.filter((m) => m.location === "body").length > 1) problems.push(`${op.name}: more than one request body`);
    for (const m of [...op.input, ...op.output]) {
      checkType(m.type, `${op.name}.${m.name}`, shapeNames, problems);
      const t = m.type.kind === "list" ? m.type.item : m.type;
      const bad = t.kind === "scalar" ? t.invalidValueError : undefined;
      if (bad !== undefined && !errorCodes.has(bad)) problems.push(`${op.name}.${m.name} references unknown error ${bad}`);
    }
  }
  for (const shape of ir.shapes) {
    for (const f of shape.fields) checkType(f.type, `${shape.name}.${f.name}`, shapeNames, problems);
  }
  for (const code of RUNTIME_ERROR_CODES) {
    if (!errorCodes.has(code)) problems.push(`the error table lacks ${code}, which the runtime raises`);
  }
  problems.push(...checkRoutes(ir.operations));
  return problems;
}

function checkType(t: IrType, where: string, shapes: Set<string>, problems: string[]): void {
  if (t.kind === "shape" && !shapes.has(t.shape)) problems.push(`${where} references unknown shape ${t.shape}`);
  if (t.kind === "list") checkType(t.item, where, shapes, problems);
}

/** The constraints a route puts on a request beyond method, target and keyword. */
export function routeConstraints(op: IrOperation): Set<string> {
  return new Set([
    ...op.route.query.map((q) => (q.value === undefined ? `query ${q.name}` : `query ${q.name}=${q.value}`)),
    ...op.route.headers.map((h) => `header ${h}`),
  ]);
}

/**
 * No two routes may match one request with equal rank. Within one method + target + keyword, routes
 * are ranked by their number of constraints (all of which are presence tests). Two routes both match
 * a request that satisfies the union of their constraints; that is only unambiguous when one route's
 * constraints contain the other's (the larger wins), or when a third route has exactly the union
 * (it then outranks both: UploadPartCopy for CopyObject + UploadPart).
 */
export function checkRoutes(ops: IrOperation[]): string[] {
  const problems: string[] = [];
  const groups = new Map<string, IrOperation[]>();
  for (const op of ops) {
    const key = `${op.route.method} ${op.route.target} ?${op.route.keyword ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), op]);
  }
  for (const [key, group] of groups) {
    const sets = group.map((op) => ({ op, c: routeConstraints(op) }));
    for (let i = 0; i < sets.length; i++) {
      for (let j = i + 1; j < sets.length; j++) {
        const a = sets[i];
        const b = sets[j];
        if (subset(a.c, b.c) && subset(b.c, a.c)) {
          problems.push(`routes ${a.op.name} and ${b.op.name} match the same requests (${key})`);
          continue;
        }
        if (subset(a.c, b.c) || subset(b.c, a.c)) continue;
        const union = new Set([...a.c, ...b.c]);
        if (!sets.some((s) => subset(s.c, union) && subset(union, s.c))) {
          problems.push(
            `routes ${a.op.name} and ${b.op.name} (${key}) both match a request with {${[...union].join(", ")}} and no route ranks above them`,
          );
        }
      }
    }
  }
  return problems;
}

function subset(a: Set<string>, b: Set<string>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
