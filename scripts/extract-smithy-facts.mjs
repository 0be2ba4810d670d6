#!/usr/bin/env node
/**
 * Extracts from AWS's Smithy model of S3 the facts that test/spec/fidelity.test.ts checks the spec
 * against, into test/spec/aws-s3-model-facts.json (committed: the oracle travels with the project,
 * a clone needs nothing beside it). Run by hand when AWS's model is updated:
 *
 *   node scripts/extract-smithy-facts.mjs path/to/s3-2006-03-01.json
 *
 * The model is aws/api-models-aws's models/s3/service/2006-03-01/s3-2006-03-01.json (Apache-2.0).
 * The output is stable (keys sorted, one operation or member per line), so that a model update
 * shows in review as a plain diff of the facts that changed.
 *
 * What is kept, and nothing else: every operation's name, HTTP method and URI, input and output
 * structures, and whether it requires a checksum of its body (httpChecksumRequired, or httpChecksum's
 * requestChecksumRequired); every structure, union and list reachable from them; per member its target and the
 * traits that decide the wire (httpHeader, httpQuery, httpPrefixHeaders, httpLabel, httpPayload,
 * xmlName, xmlFlattened); a structure's xmlName; a list member's target and xmlName.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const NS = "com.amazonaws.s3#";
const SERVICE = `${NS}AmazonS3`;
const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test/spec/aws-s3-model-facts.json");
/** Member traits kept, by their Smithy name without the `smithy.api#` prefix. */
const MEMBER_TRAITS = ["httpHeader", "httpQuery", "httpPrefixHeaders", "httpLabel", "httpPayload", "xmlName", "xmlFlattened"];
/** Traits whose presence is the fact (their value is an empty object). */
const PRESENCE_TRAITS = new Set(["httpLabel", "httpPayload", "xmlFlattened"]);

function usage() {
  console.error("usage: node scripts/extract-smithy-facts.mjs <path of AWS's S3 Smithy model, s3-2006-03-01.json>");
  console.error(`  writes ${path.relative(process.cwd(), OUT)}`);
  process.exit(2);
}

/** S3's own shapes by their bare name; prelude shapes (smithy.api#String...) keep their full id. */
const short = (id) => (id.startsWith(NS) ? id.slice(NS.length) : id);

function memberFacts(member) {
  const facts = { target: short(member.target) };
  for (const t of MEMBER_TRAITS) {
    const v = member.traits?.[`smithy.api#${t}`];
    if (v === undefined) continue;
    facts[t] = PRESENCE_TRAITS.has(t) ? true : v;
  }
  return facts;
}

function extractFacts(model, text) {
  const service = model.shapes[SERVICE];
  if (service?.type !== "service") throw new Error(`${SERVICE} is not in this model: is it S3's?`);
  const operations = {};
  const shapes = {};
  const visit = (id) => {
    const name = short(id);
    const s = model.shapes[id];
    if (shapes[name] || !s) return;
    if (s.type === "structure" || s.type === "union") {
      const out = { type: s.type };
      if (s.traits?.["smithy.api#xmlName"] !== undefined) out.xmlName = s.traits["smithy.api#xmlName"];
      out.members = {};
      shapes[name] = out;
      for (const [m, member] of Object.entries(s.members ?? {})) {
        out.members[m] = memberFacts(member);
        visit(member.target);
      }
    } else if (s.type === "list") {
      shapes[name] = { type: "list", member: memberFacts(s.member) };
      visit(s.member.target);
    }
  };
  for (const [id, s] of Object.entries(model.shapes)) {
    if (s.type !== "operation" || !id.startsWith(NS)) continue;
    const http = s.traits?.["smithy.api#http"];
    if (!http) throw new Error(`${id} has no smithy.api#http trait`);
    operations[short(id)] = { method: http.method, uri: http.uri, input: short(s.input.target), output: short(s.output.target) };
    // S3 refuses the request unless its body's integrity is stated (Content-MD5 or a checksum).
    if (s.traits?.["smithy.api#httpChecksumRequired"] || s.traits?.["aws.protocols#httpChecksum"]?.requestChecksumRequired) {
      operations[short(id)].checksumRequired = true;
    }
    visit(s.input.target);
    visit(s.output.target);
  }
  return {
    source: {
      model: "AWS's Smithy model of Amazon S3 (JSON AST): models/s3/service/2006-03-01/s3-2006-03-01.json of https://github.com/aws/api-models-aws",
      licence: "Apache-2.0 (aws/api-models-aws; these facts are an extract of it)",
      extractedBy: "scripts/extract-smithy-facts.mjs",
      service: SERVICE,
      serviceVersion: service.version,
      smithy: model.smithy,
      // The model file carries no release date: the SHA-256 of the file identifies the version.
      modelSha256: createHash("sha256").update(text).digest("hex"),
      modelOperations: Object.keys(operations).length,
      modelShapes: Object.keys(model.shapes).length,
    },
    operations,
    shapes,
  };
}

/** JSON with sorted keys; objects at `inlineDepth` and deeper on one line, for line-by-line diffs. */
function stableJson(value, inlineDepth, depth = 0, indent = "") {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const entries = Array.isArray(value) ? value.map((v) => [null, v]) : Object.keys(value).sort().map((k) => [k, value[k]]);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return open + close;
  const item = ([k, v], inner) => (k === null ? "" : `${JSON.stringify(k)}: `) + stableJson(v, inlineDepth, depth + 1, inner);
  if (depth >= inlineDepth) return `${open} ${entries.map((e) => item(e, "")).join(", ")} ${close}`;
  const inner = `${indent}  `;
  return `${open}\n${entries.map((e) => inner + item(e, inner)).join(",\n")}\n${indent}${close}`;
}

/** Depth at which each kind of entry goes on one line: an operation, a member, a list's member. */
function render(facts) {
  const part = (v, depth) => stableJson(v, depth, 1, "  ");
  const shapes = Object.keys(facts.shapes)
    .sort()
    .map((name) => {
      const s = facts.shapes[name];
      const head = `    ${JSON.stringify(name)}: `;
      if (s.type === "list") return head + stableJson(s, 0);
      const lines = Object.keys(s.members)
        .sort()
        .map((m) => `        ${JSON.stringify(m)}: ${stableJson(s.members[m], 0)}`);
      const attrs = Object.keys(s)
        .filter((k) => k !== "members")
        .sort()
        .map((k) => `      ${JSON.stringify(k)}: ${JSON.stringify(s[k])},`);
      return `${head}{\n${attrs.join("\n")}\n      "members": {${lines.length ? `\n${lines.join(",\n")}\n      ` : ""}}\n    }`;
    });
  return `{\n  "source": ${part(facts.source, 9)},\n  "operations": ${part(facts.operations, 2)},\n  "shapes": {\n${shapes.join(",\n")}\n  }\n}\n`;
}

function main() {
  const file = process.argv[2];
  if (!file || file === "-h" || file === "--help") usage();
  const text = readFileSync(file, "utf8");
  const facts = extractFacts(JSON.parse(text), text);
  const out = render(facts);
  JSON.parse(out); // the hand-laid-out JSON must still be JSON
  writeFileSync(OUT, out);
  console.log(`${path.relative(process.cwd(), OUT)}: ${facts.source.modelOperations} operations, ${Object.keys(facts.shapes).length} shapes`);
}

main();
