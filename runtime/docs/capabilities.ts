/**
 * The README's capability table: each feature area of the spec (the .tsp file that declares its
 * operations) against each storage backend, from the IR and backend-support.ts. Written between
 * markers by `npm run codegen` and compared by `npm run codegen:check`, so that the table cannot
 * claim what the spec or a backend does not do.
 */
import type { Ir } from "../../generated/ir-types.js";
import { BACKEND_TITLES, backendLimits, type BackendName } from "../storage/backend-support.js";

const BACKENDS = Object.keys(BACKEND_TITLES) as BackendName[];

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/**
 * One backend's support of an area's operations: "yes", "no" when none is served, else "partly"
 * (some answer 501) or "yes, with limits", followed by each distinct note once with the operations
 * it concerns.
 */
function areaSupport(ops: readonly string[], backend: BackendName): string {
  const limits = backendLimits[backend];
  const limited = ops.filter((o) => limits[o] !== undefined);
  if (limited.length === 0) return "yes";
  const byNote = new Map<string, string[]>();
  for (const o of limited) byNote.set(limits[o]!.note, [...(byNote.get(limits[o]!.note) ?? []), o]);
  const unsupported = limited.filter((o) => !limits[o]!.supported).length;
  const verdict = unsupported === ops.length ? "no" : unsupported > 0 ? "partly" : "yes, with limits";
  const notes = [...byNote].map(([note, names]) => (unsupported === ops.length && byNote.size === 1 ? note : `${names.join(", ")}: ${note}`));
  return `${verdict}: ${notes.join(" ")}`;
}

export function renderCapabilityTable(ir: Ir): string {
  const implemented = ir.operations.filter((o) => o.implemented);
  const areas = [...new Set(implemented.map((o) => o.area))].sort();
  const rows = [`| feature (spec file) | operations | ${BACKENDS.map((b) => BACKEND_TITLES[b]).join(" | ")} |`, `|---|---|${BACKENDS.map(() => "---|").join("")}`];
  for (const area of areas) {
    const ops = implemented.filter((o) => o.area === area).map((o) => o.name);
    rows.push(`| ${area} (\`spec/${area}.tsp\`) | ${ops.join(", ")} | ${BACKENDS.map((b) => cell(areaSupport(ops, b))).join(" | ")} |`);
  }
  const rest = ir.operations.filter((o) => !o.implemented).length;
  rows.push(`| the rest of AWS's S3 model | ${rest} operations (\`spec/not-implemented.tsp\`) | ${BACKENDS.map(() => "no: 501 NotImplemented").join(" | ")} |`);
  return `${rows.join("\n")}\n`;
}

export const CAPABILITY_TABLE_BEGIN = "<!-- capability-table:begin: generated from the spec and runtime/storage/backend-support.ts by npm run codegen; do not edit -->";
export const CAPABILITY_TABLE_END = "<!-- capability-table:end -->";

/** `readme` with the capability table between its markers rendered from `ir`. */
export function withCapabilityTable(readme: string, ir: Ir): string {
  const begin = readme.indexOf(CAPABILITY_TABLE_BEGIN);
  const end = readme.indexOf(CAPABILITY_TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`README.md lacks the capability table markers (${CAPABILITY_TABLE_BEGIN} ... ${CAPABILITY_TABLE_END})`);
  return `${readme.slice(0, begin + CAPABILITY_TABLE_BEGIN.length)}\n${renderCapabilityTable(ir)}${readme.slice(end)}`;
}
