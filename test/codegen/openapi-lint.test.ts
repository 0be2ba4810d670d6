/**
 * The OpenAPI document passes a standard OpenAPI linter: Redocly's (@redocly/openapi-core, the
 * engine of `redocly lint`, run in-process and offline) with its `recommended` rules, and no error.
 * One rule is off: path-not-include-query. S3 selects most operations by a query keyword
 * (`GET /{Bucket}?tagging`) and OpenAPI has no other way to give them each an operation of their
 * own; the path keys follow AWS's own Smithy model (codegen/openapi.ts says why).
 */
import path from "node:path";
import { createConfig, lint, type NormalizedProblem } from "@redocly/openapi-core";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/server.js";

const format = (p: NormalizedProblem) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? "?"}`;

async function lintDocument(rules: Record<string, string> = {}): Promise<NormalizedProblem[]> {
  const config = await createConfig({ extends: ["recommended"], rules: { "path-not-include-query": "off", ...rules } } as never);
  return lint({ ref: path.join(ROOT, "generated/openapi/openapi.yaml"), config });
}

describe("the OpenAPI document under Redocly's recommended rules", () => {
  it("has no error", async () => {
    const problems = await lintDocument();
    expect(problems.filter((p) => p.severity === "error").map(format)).toEqual([]);
  });

  it("the linter is live: with its one rule turned back on, it reports errors", async () => {
    // Proves the check above can fail: the same linter on the same document, with the one rule that
    // is off turned on, reports the query-keyed paths as errors.
    const problems = await lintDocument({ "path-not-include-query": "error" });
    expect(problems.some((p) => p.ruleId === "path-not-include-query" && p.severity === "error")).toBe(true);
  });
});
