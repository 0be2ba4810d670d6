/**
 * Every implemented operation, taken from the spec (generated/operations.ts), sent with each of its
 * headers and query parameters set in turn to values no client should send (text where a number or
 * a date is expected, a negative or huge number, an empty value, text in an enum), and with a body
 * that is not XML where it takes an XML document. Whatever the operation makes of it, the answer
 * must be a client error or S3's own refusal (4xx, or 501 for what the gateway does not do), never
 * a 500, and every answer with a body is S3's error document with a RequestId: the rule that bad
 * input gets the correct S3 error and never a crash or a stack trace, checked across the whole
 * surface rather than where someone thought of it. The gateway answers a plain request afterwards.
 */
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { implementedOperations, operations } from "../../generated/operations.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, rawRequest, type RawResponse } from "./helpers.js";

type Op = (typeof operations)[keyof typeof operations];
type Member = Op["input"][number];

let gw: RunningGateway;
let s3: S3Client;
const bucket = bucketName("malformed");
const key = "an/object.txt";

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "some bytes" }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

/** Values that are wrong for most parameters, each in its own request. */
const GARBAGE = ["garbage", "-1", "", "99999999999999999999999", "Thu, 99 Foo 2026 99:99:99 GMT", "a,b,,c", "caf\u00e9", "x".repeat(3000)];

/** A valid-looking value for a required parameter, so that the request reaches its operation. */
function plausible(m: Member): string {
  if (m.wireName === "x-amz-copy-source") return `/${bucket}/${key}`;
  if (m.wireName === "x-amz-object-attributes") return "ETag";
  const t = m.type;
  if (t.kind === "scalar" && "enum" in t && t.enum !== undefined) return t.enum[0];
  if (t.kind === "scalar" && t.scalar === "integer") return "1";
  if (t.kind === "scalar" && t.scalar === "boolean") return "true";
  return "value";
}

interface Shaped {
  method: string;
  path: string;
  query: Record<string, string | null>;
  headers: Record<string, string>;
  body?: string;
}

/** The request that reaches `op`: its method, target, sub-resource keyword and required parameters. */
function baseRequest(op: Op): Shaped {
  const route = op.route;
  const path = route.target === "service" ? "/" : route.target === "bucket" ? `/${bucket}` : `/${bucket}/${key}`;
  const query: Record<string, string | null> = {};
  const headers: Record<string, string> = {};
  if (route.keyword) query[route.keyword] = null;
  for (const m of op.input) {
    if (!m.required) continue;
    if (m.location === "query") query[m.wireName] = plausible(m);
    if (m.location === "header") headers[m.wireName] = plausible(m);
  }
  for (const q of route.query as readonly { name: string; value?: string }[]) if (!(q.name in query)) query[q.name] = q.value ?? "1";
  for (const h of route.headers as readonly string[]) if (!(h in headers)) headers[h] = h === "x-amz-copy-source" ? `/${bucket}/${key}` : "value";
  const streamBody = op.input.some((m) => m.location === "body" && m.type.kind === "stream");
  return { method: route.method, path, query, headers, ...(streamBody && { body: "payload" }) };
}

async function send(r: Shaped): Promise<RawResponse> {
  return rawRequest(gw, { method: r.method, path: r.path, query: r.query, headers: r.headers, ...(r.body !== undefined && { body: r.body }) });
}

function expectRefusedCleanly(res: RawResponse, what: string): void {
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).not.toBe(500);
  expect(res.status, what).toBeLessThan(600);
  if (res.status >= 400 && res.text.length > 0) {
    expect(res.text, what).toMatch(/<Error><Code>[A-Za-z]+<\/Code><Message>[^<]*<\/Message>/);
    expect(res.text, what).toMatch(/<RequestId>\S+<\/RequestId>/);
    expect(res.text, what).not.toMatch(/\bat [\w.<>]+ \(|node:internal|TypeError|RangeError/);
  }
  expect(res.status === 500 || res.status === 502 || res.status === 504, what).toBe(false);
}

/** Operations a garbage parameter could make destructive (the setup's bucket or object would go). */
const SKIPPED = new Set(["PostObject", "DeleteBucket", "DeleteObject", "DeleteObjects"]);

describe("malformed parameters and bodies, across every implemented operation", () => {
  const names = implementedOperations.filter((n) => !SKIPPED.has(n));

  it.each(names)("%s", async (name) => {
    const op = operations[name];
    const base = baseRequest(op);
    for (const m of op.input) {
      if (m.location !== "header" && m.location !== "query") continue;
      if (m.wireName === "content-length") continue;
      for (const value of GARBAGE) {
        const r: Shaped = { ...base, query: { ...base.query }, headers: { ...base.headers } };
        if (m.location === "query") r.query[m.wireName] = value;
        else r.headers[m.wireName] = value;
        expectRefusedCleanly(await send(r), `${name} ${m.location} ${m.wireName}=${JSON.stringify(value)}`);
      }
    }
    if (op.input.some((m) => m.location === "body" && m.type.kind === "shape")) {
      for (const body of ["<notxml", "<Wrong><Root/></Wrong>", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>", "x".repeat(100)]) {
        expectRefusedCleanly(await send({ ...base, body }), `${name} body ${JSON.stringify(body.slice(0, 20))}`);
      }
    }
  });

  it("leaves the gateway serving", async () => {
    // (PutObject's own requests above may have replaced the object's bytes)
    const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/${key}` });
    expect(res.status).toBe(200);
  });
});
