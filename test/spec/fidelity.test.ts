/**
 * Spec fidelity: the spec's operations, bindings and XML names checked against AWS's own S3 model
 * (shared/reference/aws-s3-smithy-model.json). Names are AWS's, verbatim.
 */
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import ir from "../../generated/ir.json" with { type: "json" };
import type { Ir, IrShape } from "../../generated/ir-types.js";
import { ROOT } from "../support/server.js";

const modelFile = path.resolve(ROOT, "../shared/reference/aws-s3-smithy-model.json");
const spec = ir as unknown as Ir;

type Traits = Record<string, unknown>;
interface SmithyShape {
  type: string;
  members?: Record<string, { target: string; traits?: Traits }>;
  traits?: Traits;
  input?: { target: string };
  output?: { target: string };
  member?: { target: string; traits?: Traits };
}

/** Operations AWS serves on other endpoints, which the spec deliberately leaves without a route. */
const NO_ROUTE = new Set(["ListDirectoryBuckets", "WriteGetObjectResponse"]);
/**
 * Operations AWS added after the reference model was taken; the AWS SDKs send them, so the spec routes
 * them to 501 (spec/not-implemented.tsp, bindings from @aws-sdk/client-s3 3.1175). Without their rows,
 * DELETE /bucket?metadataConfiguration would reach DeleteBucket.
 */
const NEWER_THAN_MODEL = new Set([
  "CreateBucketMetadataConfiguration",
  "DeleteBucketMetadataConfiguration",
  "GetBucketMetadataConfiguration",
  "UpdateBucketMetadataInventoryTableConfiguration",
  "UpdateBucketMetadataJournalTableConfiguration",
  "UpdateBucketMetadataAnnotationTableConfiguration",
  "GetBucketAbac",
  "PutBucketAbac",
  "RenameObject",
  "UpdateObjectEncryption",
  "GetObjectAnnotation",
  "ListObjectAnnotations",
  "PutObjectAnnotation",
  "DeleteObjectAnnotation",
]);
/**
 * Members the spec adds that AWS's model does not list: the SDK's x-id, response bodies (wrapped in
 * a member here), and list-type, which AWS's model writes into the URI as a literal.
 */
const EXTRA_MEMBERS = new Set(["XId", "Body", "ListType"]);

// The model ships in shared/ beside the checkout; under CI its absence is a failure, not a skip.
describe.skipIf(!existsSync(modelFile) && process.env.CI !== "true")("the spec against AWS's Smithy model", () => {
  const shapes = existsSync(modelFile) ? (JSON.parse(readFileSync(modelFile, "utf8")).shapes as Record<string, SmithyShape>) : {};
  const shape = (id: string) => shapes[id.includes("#") ? id : `com.amazonaws.s3#${id}`];
  const smithyOps = Object.entries(shapes)
    .filter(([, s]) => s.type === "operation")
    .map(([id]) => id.split("#")[1]);

  it("finds AWS's model", () => {
    expect(existsSync(modelFile), modelFile).toBe(true);
  });

  it("routes every operation of AWS's model (except those served on other endpoints)", () => {
    const ours = new Set(spec.operations.map((o) => o.name));
    expect(smithyOps.filter((n) => !ours.has(n) && !NO_ROUTE.has(n))).toEqual([]);
    expect([...ours].filter((n) => !smithyOps.includes(n) && !NEWER_THAN_MODEL.has(n))).toEqual([]);
  });

  it.each(spec.operations.filter((o) => !NEWER_THAN_MODEL.has(o.name)).map((o) => [o.name, o] as const))("%s: method, path and keyword", (name, op) => {
    const http = shape(name).traits!["smithy.api#http"] as { method: string; uri: string };
    expect(op.route.method).toBe(http.method);
    const [p, q = ""] = http.uri.split("?");
    expect(op.route.target).toBe(p === "/" || p === "/WriteGetObjectResponse" ? "service" : p === "/{Bucket}" ? "bucket" : "object");
    const keywords = q.split("&").filter((x) => x && !x.includes("="));
    expect(op.route.keyword).toBe(keywords[0] ?? null);
    for (const fixed of q.split("&").filter((x) => x.includes("=") && !x.startsWith("x-id="))) {
      const [n, v] = fixed.split("=");
      expect(op.route.query).toContainEqual({ name: n, value: v });
    }
  });

  function wireName(traits: Traits | undefined): { location: string; name: string } | undefined {
    if (!traits) return undefined;
    if (traits["smithy.api#httpHeader"]) return { location: "header", name: String(traits["smithy.api#httpHeader"]).toLowerCase() };
    if (traits["smithy.api#httpQuery"]) return { location: "query", name: String(traits["smithy.api#httpQuery"]) };
    if (traits["smithy.api#httpPrefixHeaders"]) return { location: "headerPrefix", name: String(traits["smithy.api#httpPrefixHeaders"]).toLowerCase() };
    if (traits["smithy.api#httpLabel"] !== undefined) return { location: "path", name: "" };
    return undefined;
  }

  /** Our XML shape against a Smithy structure: every field AWS knows, with AWS's element name and flattening. */
  function compareShape(ours: IrShape, structureId: string, where: string, seen = new Set<string>()): void {
    if (seen.has(ours.name)) return;
    seen.add(ours.name);
    const s = shape(structureId);
    expect(s, `${where}: ${structureId}`).toBeDefined();
    for (const f of ours.fields) {
      const m = s.members?.[f.name];
      expect(m, `${where}: ${ours.name}.${f.name} is not in AWS's ${structureId}`).toBeDefined();
      if (!m) continue;
      if (f.text) continue;
      expect(f.xmlName, `${where}: ${ours.name}.${f.name} element name`).toBe((m.traits?.["smithy.api#xmlName"] as string | undefined) ?? f.name);
      const target = shape(m.target);
      if (f.type.kind === "list") {
        expect(f.flattened, `${where}: ${ours.name}.${f.name} flattened`).toBe(m.traits?.["smithy.api#xmlFlattened"] !== undefined);
        const item = f.type.item;
        if (!f.flattened) expect(f.itemXmlName).toBe((target.member?.traits?.["smithy.api#xmlName"] as string | undefined) ?? "member");
        if (item.kind === "shape") compareShape(spec.shapes.find((x) => x.name === item.shape)!, target.member!.target, where, seen);
      } else if (f.type.kind === "shape") {
        const inner = f.type.shape;
        compareShape(spec.shapes.find((x) => x.name === inner)!, m.target, where, seen);
      }
    }
  }

  const implemented = spec.operations.filter((o) => o.implemented);
  it.each(implemented.map((o) => [o.name, o] as const))("%s: member names, wire names and XML names", (name, op) => {
    const smithyOp = shape(name);
    const input = shape(smithyOp.input!.target);
    const output = shape(smithyOp.output!.target);
    for (const [members, side] of [
      [op.input, input],
      [op.output, output],
    ] as const) {
      for (const m of members) {
        if (EXTRA_MEMBERS.has(m.name) || m.location === "status" || m.location === "body") continue;
        const sm = side.members?.[m.name];
        expect(sm, `${name}.${m.name} is not a member of AWS's ${name}`).toBeDefined();
        const wire = wireName(sm!.traits);
        expect(wire?.location, `${name}.${m.name} location`).toBe(m.location);
        if (m.location !== "path") expect(wire?.name, `${name}.${m.name} wire name`).toBe(m.wireName);
      }
    }
    const inBody = op.input.find((m) => m.location === "body" && m.type.kind === "shape");
    if (inBody && inBody.type.kind === "shape") {
      const payload = Object.values(input.members ?? {}).find((x) => x.traits?.["smithy.api#httpPayload"] !== undefined)!;
      const bodyShape = inBody.type.shape;
      compareShape(spec.shapes.find((s) => s.name === bodyShape)!, payload.target, `${name} request`);
      expect(spec.shapes.find((s) => s.name === bodyShape)!.xmlName).toBe(payload.traits?.["smithy.api#xmlName"] ?? payload.target.split("#")[1]);
    }
    const outBody = op.output.find((m) => m.location === "body" && m.type.kind === "shape");
    if (outBody && outBody.type.kind === "shape") {
      const payload = Object.entries(output.members ?? {}).find(([, x]) => x.traits?.["smithy.api#httpPayload"] !== undefined);
      const ours = spec.shapes.find((s) => s.name === (outBody.type as { shape: string }).shape)!;
      // Without an httpPayload member, the output structure itself is the document.
      compareShape(ours, payload ? payload[1].target : smithyOp.output!.target, `${name} response`);
      if (!payload) expect(ours.xmlName).toBe((output.traits?.["smithy.api#xmlName"] as string | undefined) ?? name);
    }
  });
});
