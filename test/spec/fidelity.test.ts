/**
 * Spec fidelity: the spec's operations, bindings and XML names checked against AWS's own S3 model,
 * as extracted into aws-s3-model-facts.json by scripts/extract-smithy-facts.mjs (the facts' "source"
 * names the model and its licence). Names are AWS's, verbatim.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import ir from "../../generated/ir.json" with { type: "json" };
import type { Ir, IrShape } from "../../generated/ir-types.js";
import facts from "./aws-s3-model-facts.json" with { type: "json" };

const spec = ir as unknown as Ir;

/** A member of a structure or list, with the Smithy traits that decide the wire (names without `smithy.api#`). */
interface FactMember {
  target: string;
  httpHeader?: string;
  httpQuery?: string;
  httpPrefixHeaders?: string;
  httpLabel?: true;
  httpPayload?: true;
  xmlName?: string;
  xmlFlattened?: true;
}
interface FactShape {
  type: "structure" | "union" | "list";
  xmlName?: string;
  members?: Record<string, FactMember>;
  member?: FactMember;
}
interface FactOperation {
  method: string;
  uri: string;
  input: string;
  output: string;
  checksumRequired?: true;
}
const model = facts as unknown as { operations: Record<string, FactOperation>; shapes: Record<string, FactShape> };

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
 * Operations of S3's REST API that AWS's Smithy model lacks, because no SDK sends them: PostObject,
 * the browser form upload (POST /{Bucket} with multipart/form-data; "POST Object", Amazon S3 API
 * Reference). Their bindings are documented in the spec (spec/post-object.tsp), not checked here.
 */
const NOT_IN_MODEL = new Set(["PostObject"]);
/**
 * Members the spec adds that AWS's model does not list: the SDK's x-id, response bodies (wrapped in
 * a member here), and list-type, which AWS's model writes into the URI as a literal.
 */
const EXTRA_MEMBERS = new Set(["XId", "Body", "ListType"]);
/**
 * Members AWS added after the reference model was taken: the checksums of the algorithms S3 gained
 * later (SHA512, MD5, XXHASH64, XXHASH3, XXHASH128), as headers and as XML elements. Their names and
 * wire names are those of @aws-sdk/client-s3 3.1175 and aws-sdk-go-v2 service/s3 1.107 (checked
 * below against the installed JS SDK's model).
 */
const NEWER_MEMBERS = new Set(["ChecksumSHA512", "ChecksumMD5", "ChecksumXXHASH64", "ChecksumXXHASH3", "ChecksumXXHASH128"]);

describe("members newer than the model, against the installed AWS SDK for JavaScript", () => {
  // the SDK's serializer names each member and header as string constants
  const sdk = readFileSync(createRequire(import.meta.url).resolve("@aws-sdk/client-s3"), "utf8");
  it.each([...NEWER_MEMBERS])("%s: AWS's member name, and the header name the spec binds it to", (member) => {
    expect(sdk).toContain(`"${member}"`);
    const header = `x-amz-checksum-${member.slice("Checksum".length).toLowerCase()}`;
    expect(sdk).toContain(`"${header}"`);
    const put = spec.operations.find((o) => o.name === "PutObject")!;
    expect(put.input.find((m) => m.name === member)).toMatchObject({ location: "header", wireName: header });
    expect(spec.shapes.find((s) => s.name === "CopyObjectResult")!.fields.map((f) => f.name)).toContain(member);
  });
});

describe("the spec against AWS's Smithy model", () => {
  const shape = (name: string): FactShape => model.shapes[name]!;
  const smithyOps = Object.keys(model.operations);

  it("has the facts of AWS's whole model", () => {
    expect(smithyOps.length).toBe(facts.source.modelOperations);
    expect(smithyOps.length).toBeGreaterThan(90);
  });

  it("routes every operation of AWS's model (except those served on other endpoints)", () => {
    const ours = new Set(spec.operations.map((o) => o.name));
    expect(smithyOps.filter((n) => !ours.has(n) && !NO_ROUTE.has(n))).toEqual([]);
    expect([...ours].filter((n) => !smithyOps.includes(n) && !NEWER_THAN_MODEL.has(n) && !NOT_IN_MODEL.has(n))).toEqual([]);
  });

  it.each(spec.operations.filter((o) => !NEWER_THAN_MODEL.has(o.name) && !NOT_IN_MODEL.has(o.name)).map((o) => [o.name, o] as const))("%s: method, path and keyword", (name, op) => {
    const http = model.operations[name]!;
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

  it("requires a checksum of the body where AWS's model does (implemented operations), except where S3 is known to take the request without one", () => {
    // The model's requestChecksumRequired tells SDKs to send one; S3 itself refuses the request
    // without one for fewer operations. These it takes (the sources are in each operation's doc
    // comment in spec/): clients that send none (s3cmd, minio-go, minio-js, the AWS SDK for Java v1) work.
    const acceptedWithout = ["PutBucketAcl", "PutBucketPolicy", "PutBucketVersioning", "PutObjectAcl", "PutObjectTagging", "PutPublicAccessBlock"];
    const ours = spec.operations.filter((o) => o.implemented && o.checksumRequired).map((o) => o.name);
    const aws = spec.operations.filter((o) => o.implemented && model.operations[o.name]?.checksumRequired === true).map((o) => o.name);
    expect(ours).toEqual(aws.filter((name) => !acceptedWithout.includes(name)));
    for (const name of acceptedWithout) expect(aws, `${name} is in the model's list`).toContain(name);
    expect(ours).toContain("DeleteObjects");
  });

  function wireName(m: FactMember): { location: string; name: string } | undefined {
    if (m.httpHeader) return { location: "header", name: m.httpHeader.toLowerCase() };
    if (m.httpQuery) return { location: "query", name: m.httpQuery };
    if (m.httpPrefixHeaders) return { location: "headerPrefix", name: m.httpPrefixHeaders.toLowerCase() };
    if (m.httpLabel) return { location: "path", name: "" };
    return undefined;
  }

  /** Our XML shape against a Smithy structure: every field AWS knows, with AWS's element name and flattening. */
  function compareShape(ours: IrShape, structureId: string, where: string, seen = new Set<string>()): void {
    if (seen.has(ours.name)) return;
    seen.add(ours.name);
    const s = shape(structureId);
    expect(s, `${where}: ${structureId}`).toBeDefined();
    for (const f of ours.fields) {
      if (NEWER_MEMBERS.has(f.name)) continue;
      const m = s.members?.[f.name];
      expect(m, `${where}: ${ours.name}.${f.name} is not in AWS's ${structureId}`).toBeDefined();
      if (!m) continue;
      if (f.text) continue;
      expect(f.xmlName, `${where}: ${ours.name}.${f.name} element name`).toBe(m.xmlName ?? f.name);
      const target = shape(m.target);
      if (f.type.kind === "list") {
        expect(f.flattened, `${where}: ${ours.name}.${f.name} flattened`).toBe(m.xmlFlattened === true);
        const item = f.type.item;
        if (!f.flattened) expect(f.itemXmlName).toBe(target.member?.xmlName ?? "member");
        if (item.kind === "shape") compareShape(spec.shapes.find((x) => x.name === item.shape)!, target.member!.target, where, seen);
      } else if (f.type.kind === "shape") {
        const inner = f.type.shape;
        compareShape(spec.shapes.find((x) => x.name === inner)!, m.target, where, seen);
      }
    }
  }

  const implemented = spec.operations.filter((o) => o.implemented && !NOT_IN_MODEL.has(o.name));
  it.each(implemented.map((o) => [o.name, o] as const))("%s: member names, wire names and XML names", (name, op) => {
    const smithyOp = model.operations[name]!;
    const input = shape(smithyOp.input);
    const output = shape(smithyOp.output);
    for (const [members, side] of [
      [op.input, input],
      [op.output, output],
    ] as const) {
      for (const m of members) {
        if (EXTRA_MEMBERS.has(m.name) || NEWER_MEMBERS.has(m.name) || m.location === "status" || m.location === "body") continue;
        const sm = side.members?.[m.name];
        expect(sm, `${name}.${m.name} is not a member of AWS's ${name}`).toBeDefined();
        const wire = wireName(sm!);
        expect(wire?.location, `${name}.${m.name} location`).toBe(m.location);
        if (m.location !== "path") expect(wire?.name, `${name}.${m.name} wire name`).toBe(m.wireName);
      }
    }
    const inBody = op.input.find((m) => m.location === "body" && m.type.kind === "shape");
    if (inBody && inBody.type.kind === "shape") {
      const payload = Object.values(input.members ?? {}).find((x) => x.httpPayload)!;
      const bodyShape = inBody.type.shape;
      compareShape(spec.shapes.find((s) => s.name === bodyShape)!, payload.target, `${name} request`);
      expect(spec.shapes.find((s) => s.name === bodyShape)!.xmlName).toBe(payload.xmlName ?? payload.target);
    }
    const outBody = op.output.find((m) => m.location === "body" && m.type.kind === "shape");
    if (outBody && outBody.type.kind === "shape") {
      const payload = Object.entries(output.members ?? {}).find(([, x]) => x.httpPayload);
      const ours = spec.shapes.find((s) => s.name === (outBody.type as { shape: string }).shape)!;
      // Without an httpPayload member, the output structure itself is the document.
      compareShape(ours, payload ? payload[1].target : smithyOp.output, `${name} response`);
      // restXml names a root element without an xmlName trait after its shape
      if (!payload) expect(ours.xmlName).toBe(output.xmlName ?? smithyOp.output);
    }
  });
});
