/**
 * Codegen golden tests: small .tsp fixtures compiled through the real pipeline (load -> IR -> checks
 * -> emit). Set UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkIr } from "../../codegen/check.js";
import { emitAll } from "../../codegen/emit.js";
import { loadSpec } from "../../codegen/load.js";
import { diffGenerated, generate } from "../../codegen/main.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const fixture = (name: string) => path.join(here, "fixtures", name, "main.tsp");

async function golden(file: string, actual: string): Promise<void> {
  if (process.env.UPDATE_GOLDEN === "1") await writeFile(file, actual);
  expect(actual).toBe(await readFile(file, "utf8"));
}

describe("codegen on fixtures", () => {
  it("reads bindings, routes, shapes and errors of a minimal spec into the IR (golden)", async () => {
    const { ir } = await loadSpec(fixture("minimal"));
    expect(checkIr(ir)).toEqual([]);
    const thing = ir.operations.find((o) => o.name === "GetThing")!;
    expect(thing.route).toEqual({ method: "GET", target: "bucket", keyword: "thing", query: [], headers: [] });
    expect(thing.input.find((m) => m.name === "Max")).toMatchObject({ location: "query", wireName: "max", type: { kind: "scalar", scalar: "integer", minimum: 1 } });
    const copy = ir.operations.find((o) => o.name === "CopyThing")!;
    expect(copy.route).toEqual({ method: "PUT", target: "object", keyword: null, query: [], headers: ["x-amz-copy-source"] });
    expect(copy.statuses).toEqual([204]);
    expect(copy.input.find((m) => m.name === "Metadata")).toMatchObject({ location: "headerPrefix", wireName: "x-amz-meta-", type: { kind: "map" } });
    const shape = ir.shapes.find((s) => s.name === "Thing")!;
    expect(shape.fields.find((f) => f.name === "Tags")).toMatchObject({ xmlName: "Tag", flattened: true });
    // an error's own messages (@messages), by name, placeholders as written
    expect(ir.errors.find((e) => e.code === "InvalidRequest")!.messages).toEqual({ NoThing: "No thing here", BadThing: 'Thing "{thing}" is bad' });
    expect(ir.errors.find((e) => e.code === "InvalidURI")!.messages).toBeUndefined();
    await golden(path.join(here, "fixtures/minimal/ir.golden.json"), `${JSON.stringify(ir, null, 2)}\n`);
  });

  it("emits the route table, handler interface and types for the minimal spec (golden)", async () => {
    const { ir } = await loadSpec(fixture("minimal"));
    const out = emitAll(ir, await readFile(path.join(root, "codegen/ir.ts"), "utf8"));
    await golden(path.join(here, "fixtures/minimal/routes.golden.ts.txt"), out.get("routes.ts")!);
    await golden(path.join(here, "fixtures/minimal/handlers.golden.ts.txt"), out.get("handlers.ts")!);
    expect(out.get("types/main.ts")).toContain("Metadata?: Record<string, string>;");
    expect(out.get("errors.ts")).toContain('InvalidRequest: { status: 400, message: "Invalid Request", messages: { "NoThing": "No thing here", "BadThing": "Thing \\"{thing}\\" is bad" } },');
  });

  it("rejects two routes that match the same requests", async () => {
    const { ir } = await loadSpec(fixture("ambiguous"));
    expect(checkIr(ir)).toContainEqual(expect.stringContaining("routes GetA and GetB match the same requests"));
  });

  it("rejects two incomparable routes with no route for their union", async () => {
    const { ir } = await loadSpec(fixture("needs-union"));
    expect(checkIr(ir)).toContainEqual(expect.stringMatching(/routes Copy and Part .* no route ranks above them/));
  });

  it("rejects an implemented operation without a permission", async () => {
    const { ir } = await loadSpec(fixture("bad-binding"));
    expect(checkIr(ir)).toContain("GetThing has no @permission");
  });
});

describe("generated/ is owned by the codegen", () => {
  it("matches what spec/ generates today", async () => {
    const emitted = await generate(path.join(root, "spec/main.tsp"));
    expect(await diffGenerated(emitted, path.join(root, "generated"))).toEqual([]);
  });

  it("notices a hand edit, a missing file and a stray file", async () => {
    const emitted = await generate(path.join(root, "spec/main.tsp"));
    const dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-drift-"));
    try {
      await cp(path.join(root, "generated"), dir, { recursive: true });
      await writeFile(path.join(dir, "errors.ts"), (await readFile(path.join(dir, "errors.ts"), "utf8")).replace("404", "400"));
      await rm(path.join(dir, "routes.ts"));
      await writeFile(path.join(dir, "extra.ts"), "export {};\n");
      expect(await diffGenerated(emitted, dir)).toEqual([
        "differs: generated/errors.ts",
        "missing: generated/routes.ts",
        "not generated by the spec: generated/extra.ts",
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("every generated file says it is generated and must not be edited", async () => {
    const emitted = await generate(path.join(root, "spec/main.tsp"));
    for (const [name, text] of emitted) {
      if (name.endsWith(".json")) continue;
      expect(text.split("\n").slice(0, 2).join("\n"), name).toMatch(/Generated from spec\/ .* Do not edit/);
    }
  });
});
