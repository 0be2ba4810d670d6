// The README's capability table (feature area x backend), generated from the IR and
// runtime/storage/backend-support.ts; `npm run codegen:check` and test/config/config-doc.test.ts
// check that README.md holds exactly this rendering.
import { describe, expect, it } from "vitest";
import ir from "../../generated/ir.json" with { type: "json" };
import type { Ir } from "../../generated/ir-types.js";
import { renderCapabilityTable, withCapabilityTable, CAPABILITY_TABLE_BEGIN, CAPABILITY_TABLE_END } from "../../runtime/docs/capabilities.js";

const spec = ir as unknown as Ir;
const rows = renderCapabilityTable(spec).trim().split("\n").slice(2);
const row = (area: string) => rows.find((r) => r.startsWith(`| ${area} (`))!.split(" | ");

describe("capability table", () => {
  it("has a row per implemented area and one for the rest, each naming every operation once", () => {
    const areas = [...new Set(spec.operations.filter((o) => o.implemented).map((o) => o.area))];
    expect(rows).toHaveLength(areas.length + 1);
    const named = rows.slice(0, -1).flatMap((r) => r.split(" | ")[1]!.split(", "));
    expect(named.sort()).toEqual(spec.operations.filter((o) => o.implemented).map((o) => o.name).sort());
    expect(rows.at(-1)).toContain(`${spec.operations.filter((o) => !o.implemented).length} operations`);
  });

  it("says yes, partly, with limits or no per backend as backend-support.ts does", () => {
    expect(row("buckets")[2]).toBe("yes");
    expect(row("listing")[3]).toMatch(/^yes, with limits: ListObjectVersions: /);
    expect(row("versioning")[3]).toMatch(/^partly: .*PutBucketVersioning: .*501/);
    expect(row("cors")[3]).toMatch(/^partly: DeleteBucketCors: .*GetBucketCors: .*404 NoSuchCORSConfiguration.*PutBucketCors: .*501/);
    expect(row("tagging")[2]).toBe("yes");
    expect(row("tagging")[3]).toMatch(/^partly: DeleteBucketTagging: .*GetBucketTagging: .*404 NoSuchTagSet.*PutBucketTagging: Ozone keeps no tags on buckets: 501/);
    expect(row("objects")[3]).toMatch(/^yes, with limits: DeleteObject, DeleteObjects: Conditional deletes .*501/);
    expect(row("objects")[3]).not.toMatch(/GetObject: Erasure-coded/); // EC keys read (issue 13)
  });

  it("replaces only the text between its markers", () => {
    const readme = `before\n${CAPABILITY_TABLE_BEGIN}\nstale\n${CAPABILITY_TABLE_END}\nafter\n`;
    const out = withCapabilityTable(readme, spec);
    expect(out.startsWith(`before\n${CAPABILITY_TABLE_BEGIN}\n| feature`)).toBe(true);
    expect(out.endsWith(`${CAPABILITY_TABLE_END}\nafter\n`)).toBe(true);
    expect(out).not.toContain("stale");
    expect(() => withCapabilityTable("no markers", spec)).toThrow(/capability table markers/);
  });
});
