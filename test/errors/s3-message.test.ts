/**
 * S3's own messages from the spec's error table (spec/errors.tsp @messages), as runtime/errors.ts
 * s3Message gives them: by code and name, `{name}` placeholders filled in. What a placeholder
 * needs is type-checked (the @ts-expect-error lines fail `npm run typecheck` if it is not).
 */
import { describe, expect, it } from "vitest";
import { errorTable } from "../../generated/errors.js";
import { s3Message } from "../../runtime/errors.js";

describe("s3Message", () => {
  it("gives a message as the spec words it, its placeholders filled in", () => {
    expect(s3Message("InvalidRequest", "ContentMD5Required")).toBe("Missing required header for this request: Content-MD5");
    expect(s3Message("InvalidRequest", "CorsUnsupportedMethod", { method: "PATCH" })).toBe("Found unsupported HTTP method in CORS config. Unsupported method is PATCH");
    // a value is put in as it is, even one that looks like a placeholder
    expect(s3Message("InvalidRequest", "CorsOriginWildcards", { origin: "*.{x}.*" })).toBe('AllowedOrigin "*.{x}.*" can not have more than one wildcard.');
    expect(errorTable.InvalidRequest.messages.CorsOriginWildcards).toBe('AllowedOrigin "{origin}" can not have more than one wildcard.');
  });

  it("checks names and placeholders at compile time", () => {
    // @ts-expect-error: no such message
    expect(() => s3Message("InvalidRequest", "NoSuchMessage")).toThrow();
    // @ts-expect-error: the message has a placeholder
    expect(s3Message("InvalidRequest", "CorsUnsupportedMethod")).toContain("{method}");
    // @ts-expect-error: NoSuchKey has no messages of its own
    expect(() => s3Message("NoSuchKey", "Anything")).toThrow();
  });
});
