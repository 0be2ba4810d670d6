/**
 * The parameter validators of runtime/binding.ts are compiled by each operation's first request,
 * not at start: a schema ajv cannot compile would then fail a request instead of the start. So
 * every implemented operation's validator is compiled here, and checks a value of the wrong type.
 */
import { describe, expect, it } from "vitest";
import { implementedOperations } from "../../generated/operations.js";
import { paramSchemas } from "../../generated/schemas.js";
import { paramValidator } from "../../runtime/binding.js";

describe("parameter validators", () => {
  it("compile for every implemented operation that has parameters, once each", () => {
    expect(implementedOperations.length).toBeGreaterThan(50);
    for (const name of implementedOperations) {
      const v = paramValidator(name);
      expect(v === undefined, name).toBe(paramSchemas[name] === undefined);
      expect(paramValidator(name), name).toBe(v);
    }
  });

  it("refuse a value of the wrong type (an integer parameter given a string)", () => {
    const v = paramValidator("UploadPart")!;
    expect(v({ PartNumber: 3, UploadId: "u" })).toBe(true);
    expect(v({ PartNumber: "three", UploadId: "u" })).toBe(false);
    expect(v.errors?.[0]?.instancePath).toBe("/PartNumber");
    expect(v({ PartNumber: 10001, UploadId: "u" })).toBe(false);
  });
});
