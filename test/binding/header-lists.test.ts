/**
 * List-valued headers (runtime/binding.ts splitHeaderList), as Smithy's httpHeader binding of a list
 * writes them and the AWS SDKs send them: comma-separated items, whitespace around each ignored, an
 * item holding a comma or a double quote sent as a quoted string with backslash escapes.
 */
import { describe, expect, it } from "vitest";
import { splitHeaderList } from "../../runtime/binding.js";

describe("splitHeaderList", () => {
  it.each([
    ["", []],
    ["   ", []],
    ["ETag", ["ETag"]],
    ["ETag, ObjectSize", ["ETag", "ObjectSize"]],
    [" ETag ,\tObjectSize ,StorageClass ", ["ETag", "ObjectSize", "StorageClass"]],
    ["a,,b", ["a", "", "b"]],
    ["a,", ["a", ""]],
    ['"a,b", c', ["a,b", "c"]],
    ['"say \\"hi\\"",x', ['say "hi"', "x"]],
    ['"back\\\\slash"', ["back\\slash"]],
    ['"unterminated', ["unterminated"]],
  ] as const)("%j -> %j", (raw, items) => {
    expect(splitHeaderList(raw)).toEqual(items);
  });
});
