/**
 * POST policies (runtime/auth/post-policy.ts): parsing, every condition type against a table of
 * forms, the field-coverage rule, expiry, and the SigV4 / SigV2 form signatures with their faults.
 * Signatures are computed here with node:crypto from the documented recipe, not with the code
 * under test.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkPolicy, parsePolicy, verifyPostSignature, type PostSignatureOptions } from "../../runtime/auth/post-policy.js";
import { SigningKeyCache } from "../../runtime/auth/sigv4.js";
import { S3Error } from "../../runtime/errors.js";

const NOW = new Date("2026-06-01T12:00:00Z");
const b64 = (doc: unknown) => Buffer.from(typeof doc === "string" ? doc : JSON.stringify(doc)).toString("base64");
const policy = (conditions: unknown[], expiration = "2026-06-01T13:00:00.000Z") => parsePolicy(b64({ expiration, conditions }));

function s3Error(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof S3Error) return { code: err.code, message: err.message };
    throw err;
  }
  return undefined;
}

describe("parsePolicy", () => {
  it("reads expiration and the three condition forms, operator and field names without case", () => {
    const p = policy([{ Bucket: "b" }, ["EQ", "$Key", "k"], ["Starts-With", "$Content-Type", "image/"], ["content-length-range", 1, "10"]]);
    expect(p.expiration.toISOString()).toBe("2026-06-01T13:00:00.000Z");
    expect(p.conditions).toEqual([
      { op: "eq", field: "bucket", value: "b", text: '["eq", "$Bucket", "b"]' },
      { op: "eq", field: "key", value: "k", text: '["EQ", "$Key", "k"]' },
      { op: "starts-with", field: "content-type", value: "image/", text: '["Starts-With", "$Content-Type", "image/"]' },
      { op: "content-length-range", min: 1, max: 10 },
    ]);
  });

  it.each([
    ["not base64", "%%%", "Invalid Policy: Invalid Base64 encoding."],
    ["not JSON", b64("{nope"), "Invalid Policy: Invalid JSON."],
    ["an array", b64([]), "Invalid Policy: Invalid JSON."],
    ["no expiration", b64({ conditions: [] }), "Invalid Policy: Policy missing expiration."],
    ["EXPIRATION (names are case-sensitive)", b64({ EXPIRATION: "2026-06-01T13:00:00Z", conditions: [] }), "Invalid Policy: Policy missing expiration."],
    ["a date that is not ISO 8601 UTC", b64({ expiration: "2026-06-01 13:00:00+00:00", conditions: [] }), "Invalid Policy: Invalid 'expiration' value: '2026-06-01 13:00:00+00:00'"],
    ["an impossible date", b64({ expiration: "2026-02-30T13:00:00Z", conditions: [] }), "Invalid Policy: Invalid 'expiration' value: '2026-02-30T13:00:00Z'"],
    ["no conditions", b64({ expiration: "2026-06-01T13:00:00Z" }), "Invalid Policy: Policy missing conditions."],
    ["CONDITIONS", b64({ expiration: "2026-06-01T13:00:00Z", CONDITIONS: [] }), "Invalid Policy: Policy missing conditions."],
    ["conditions not a list", b64({ expiration: "2026-06-01T13:00:00Z", conditions: {} }), "Invalid Policy: Policy conditions must be a list."],
    ["an empty condition", b64({ expiration: "2026-06-01T13:00:00Z", conditions: [{}] }), "Invalid Policy: Invalid simple condition: {}"],
    ["two fields in one object", b64({ expiration: "2026-06-01T13:00:00Z", conditions: [{ a: "1", b: "2" }] }), 'Invalid Policy: Invalid simple condition: {"a":"1","b":"2"}'],
    ["an unknown operator", b64({ expiration: "2026-06-01T13:00:00Z", conditions: [["matches", "$key", "x"]] }), 'Invalid Policy: Invalid condition: ["matches", "$key", "x"]'],
    ["a field without $", b64({ expiration: "2026-06-01T13:00:00Z", conditions: [["eq", "key", "x"]] }), 'Invalid Policy: Invalid condition: ["eq", "key", "x"]'],
    ["a range of one bound", b64({ expiration: "2026-06-01T13:00:00Z", conditions: [["content-length-range", 0]] }), 'Invalid Policy: Invalid content-length-range: ["content-length-range", 0]'],
    ["a negative bound", b64({ expiration: "2026-06-01T13:00:00Z", conditions: [["content-length-range", -1, 0]] }), 'Invalid Policy: Invalid content-length-range: ["content-length-range", -1, 0]'],
    ["min above max", b64({ expiration: "2026-06-01T13:00:00Z", conditions: [["content-length-range", 5, 4]] }), 'Invalid Policy: Invalid content-length-range: ["content-length-range", 5, 4]'],
  ])("refuses %s: 400 InvalidPolicyDocument", (_name, text, message) => {
    expect(s3Error(() => parsePolicy(text))).toEqual({ code: "InvalidPolicyDocument", message });
  });
});

describe("checkPolicy", () => {
  const form = (fields: Record<string, string>) => new Map(Object.entries({ bucket: "b", ...fields }));
  const base = [{ bucket: "b" }];

  it.each<[string, unknown[], Record<string, string>, string | undefined]>([
    ["eq holds", [...base, ["eq", "$key", "k"]], { key: "k" }, undefined],
    ["eq fails", [...base, ["eq", "$key", "k"]], { key: "K" }, 'Policy Condition failed: ["eq", "$key", "k"]'],
    ["a simple condition is eq", [...base, { key: "k" }], { key: "kk" }, 'Policy Condition failed: ["eq", "$key", "k"]'],
    ["starts-with holds", [...base, ["starts-with", "$key", "user/"]], { key: "user/a" }, undefined],
    ["starts-with fails", [...base, ["starts-with", "$key", "user/"]], { key: "other/a" }, 'Policy Condition failed: ["starts-with", "$key", "user/"]'],
    ["starts-with \"\" allows anything", [...base, ["starts-with", "$key", ""]], { key: "x" }, undefined],
    ["a $ in a value is a character", [...base, ["starts-with", "$key", "\\$foo"]], { key: "\\$foo.txt" }, undefined],
    ["Content-Type lists: every type must match", [...base, { key: "k" }, ["starts-with", "$Content-Type", "image/"]], { key: "k", "content-type": "image/png, image/gif" }, undefined],
    ["Content-Type lists: one that does not", [...base, { key: "k" }, ["starts-with", "$Content-Type", "image/"]], { key: "k", "content-type": "image/png, text/plain" }, 'Policy Condition failed: ["starts-with", "$Content-Type", "image/"]'],
    ["a condition on a missing field fails", [...base, { key: "k" }, ["eq", "$x-amz-meta-a", "1"]], { key: "k" }, 'Policy Condition failed: ["eq", "$x-amz-meta-a", "1"]'],
    ["eq \"\" holds for a missing field", [...base, { key: "k" }, ["eq", "$x-amz-meta-a", ""]], { key: "k" }, undefined],
    ["a field no condition names", [...base, { key: "k" }], { key: "k", "x-amz-meta-a": "1" }, "Extra input fields: x-amz-meta-a"],
    ["no bucket condition", [{ key: "k" }], { key: "k" }, "Extra input fields: bucket"],
    ["the wrong bucket", [{ bucket: "other" }, { key: "k" }], { key: "k" }, 'Policy Condition failed: ["eq", "$bucket", "other"]'],
    [
      "exempt fields need no condition",
      [...base, { key: "k" }],
      { key: "k", policy: "p", signature: "s", awsaccesskeyid: "a", "x-amz-signature": "s", "x-ignore-x": "1", "x-amz-checksum-sha256": "c" },
      undefined,
    ],
  ])("%s", (_name, conditions, fields, failure) => {
    const r = s3Error(() => checkPolicy(policy(conditions), form(fields), NOW));
    expect(r).toEqual(failure === undefined ? undefined : { code: "AccessDenied", message: `Invalid according to Policy: ${failure}` });
  });

  it("answers the content-length-range", () => {
    expect(checkPolicy(policy([...base, ["content-length-range", 3, 9]]), form({}), NOW)).toEqual({ min: 3, max: 9 });
    expect(checkPolicy(policy(base), form({}), NOW)).toBeUndefined();
  });

  it("refuses an expired policy (at its expiration time too)", () => {
    for (const expiration of ["2026-06-01T11:59:59Z", "2026-06-01T12:00:00.000Z"]) {
      expect(s3Error(() => checkPolicy(policy(base, expiration), form({}), NOW))).toEqual({ code: "AccessDenied", message: "Invalid according to Policy: Policy expired." });
    }
  });
});

describe("verifyPostSignature", () => {
  const ID = "AKIAIOSFODNN7EXAMPLE";
  const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const opts = (over: Partial<PostSignatureOptions> = {}): PostSignatureOptions => ({
    lookupSecret: (id) => (id === ID ? SECRET : undefined),
    region: "us-east-1",
    signatureV2: true,
    signingKeys: new SigningKeyCache(),
    ...over,
  });
  const POLICY = b64({ expiration: "2026-06-01T13:00:00Z", conditions: [] });
  function v4(fields: Record<string, string> = {}): Map<string, string> {
    let key: Buffer = createHmac("sha256", `AWS4${SECRET}`).update("20260601").digest();
    for (const p of ["us-east-1", "s3", "aws4_request"]) key = createHmac("sha256", key).update(p).digest();
    return new Map(
      Object.entries({
        policy: POLICY,
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": `${ID}/20260601/us-east-1/s3/aws4_request`,
        "x-amz-date": "20260601T110000Z",
        "x-amz-signature": createHmac("sha256", key).update(POLICY).digest("hex"),
        ...fields,
      }),
    );
  }
  function v2(fields: Record<string, string> = {}): Map<string, string> {
    return new Map(Object.entries({ policy: POLICY, awsaccesskeyid: ID, signature: createHmac("sha1", SECRET).update(POLICY).digest("base64"), ...fields }));
  }
  const without = (m: Map<string, string>, name: string) => {
    m.delete(name);
    return m;
  };

  it("accepts a SigV4 and a SigV2 signature of the policy", () => {
    expect(verifyPostSignature(v4(), opts())).toEqual({ accessKeyId: ID });
    expect(verifyPostSignature(v2(), opts())).toEqual({ accessKeyId: ID });
  });

  it("a form with no policy and no signature is anonymous", () => {
    expect(verifyPostSignature(new Map([["key", "k"]]), opts())).toBeUndefined();
  });

  it.each<[string, () => Map<string, string>, Partial<PostSignatureOptions>, string, string?]>([
    ["a tampered policy (v4)", () => v4({ policy: b64({ expiration: "2030-01-01T00:00:00Z", conditions: [] }) }), {}, "SignatureDoesNotMatch"],
    ["a tampered policy (v2)", () => v2({ policy: b64({ expiration: "2030-01-01T00:00:00Z", conditions: [] }) }), {}, "SignatureDoesNotMatch"],
    ["an unknown key (v4)", () => v4({ "x-amz-credential": "NOPE/20260601/us-east-1/s3/aws4_request" }), {}, "InvalidAccessKeyId"],
    ["an unknown key (v2)", () => v2({ awsaccesskeyid: "NOPE" }), {}, "InvalidAccessKeyId"],
    ["another region", () => v4({ "x-amz-credential": `${ID}/20260601/eu-west-1/s3/aws4_request` }), {}, "AuthorizationQueryParametersError"],
    ["another algorithm", () => v4({ "x-amz-algorithm": "AWS4-HMAC-SHA1" }), {}, "InvalidArgument"],
    ["a date of another day than the credential's", () => v4({ "x-amz-date": "20260602T000000Z" }), {}, "InvalidArgument"],
    ["no x-amz-signature", () => without(v4(), "x-amz-signature"), {}, "InvalidArgument", "Bucket POST must contain a field named 'x-amz-signature'.  If it is specified, please check the order of the fields."],
    ["no signature (v2)", () => without(v2(), "signature"), {}, "InvalidArgument", "Bucket POST must contain a field named 'signature'.  If it is specified, please check the order of the fields."],
    ["no AWSAccessKeyId", () => without(v2(), "awsaccesskeyid"), {}, "InvalidArgument", "Bucket POST must contain a field named 'AWSAccessKeyId'.  If it is specified, please check the order of the fields."],
    ["no policy (v2)", () => without(v2(), "policy"), {}, "InvalidArgument", "Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields."],
    ["a policy alone", () => new Map([["policy", POLICY]]), {}, "InvalidArgument", "Bucket POST must contain a field named 'AWSAccessKeyId'.  If it is specified, please check the order of the fields."],
    ["SigV2 when it is off", () => v2(), { signatureV2: false }, "InvalidRequest"],
  ])("refuses %s", (_name, fields, over, code, message) => {
    const r = s3Error(() => verifyPostSignature(fields(), opts(over)));
    expect(r?.code).toBe(code);
    if (message !== undefined) expect(r?.message).toBe(message);
  });
});
