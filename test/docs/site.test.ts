/**
 * The API reference site (runtime/docs/site.ts) against the IR it is rendered from: a page per
 * operation with its description, HTTP binding, parameters, request and response examples generated
 * from the XML shapes, every error it can raise, its permission and each backend's support; the
 * 501 operations listed as such; the error table on a page of its own; a search index; every link
 * relative and resolving to a file of the site; nothing loaded from the network.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import ir from "../../generated/ir.json" with { type: "json" };
import type { Ir } from "../../generated/ir-types.js";
import { backendLimits } from "../../runtime/storage/backend-support.js";
import { xmlExample } from "../../runtime/docs/examples.js";
import { decodeXml } from "../../runtime/xml.js";
import { operationPath, renderSite } from "../../runtime/docs/site.js";
import { ROOT } from "../support/server.js";

const spec = ir as unknown as Ir;
const site = renderSite(spec, { version: "9.9.9" });
const page = (p: string) => site.get(p)!.body;
const text = (html: string) => html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");

/** Every href and src of a page, resolved against the page's own path within the site. */
function links(from: string, html: string): string[] {
  return [...html.matchAll(/\b(?:href|src)="([^"]*)"/g)].map((m) => m[1]!);
}
function resolve(from: string, href: string): string {
  const [target] = href.split("#");
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), target!));
}

describe("the API reference site", () => {
  it("has a page per operation, the overview, the error table and the assets", () => {
    for (const op of spec.operations) expect(site.has(operationPath(op.name)), op.name).toBe(true);
    for (const f of ["index.html", "errors.html", "assets/style.css", "assets/favicon.svg", "assets/search.js", "assets/search-index.js"]) expect(site.has(f), f).toBe(true);
    expect(site.size).toBe(spec.operations.length + 6);
  });

  it.each(spec.operations.filter((o) => o.implemented).map((o) => [o.name, o] as const))("%s: description, binding, permission, parameters, examples, errors", (_, op) => {
    const html = page(operationPath(op.name));
    const t = text(html);
    expect(html).toContain(`<h1>${op.name}</h1>`);
    if (op.doc) expect(t).toContain(op.doc.replace(/`/g, ""));
    expect(t).toContain(op.route.method + " " + { service: "/", bucket: "/{Bucket}", object: "/{Bucket}/{Key}" }[op.route.target]);
    if (op.route.keyword) expect(t).toContain(`?${op.route.keyword}`);
    for (const h of op.route.headers) expect(t).toContain(`the header ${h}`);
    if (op.permission) expect(t).toContain(op.permission);
    for (const m of op.input.filter((x) => x.location !== "body")) expect(t, `${op.name} ${m.wireName}`).toContain(m.wireName);
    for (const m of op.output.filter((x) => x.location === "header")) expect(t, `${op.name} ${m.wireName}`).toContain(m.wireName);
    for (const code of op.errors) {
      const e = spec.errors.find((x) => x.code === code)!;
      expect(html).toContain(`<a href="../errors.html#${code}">${code}</a></td><td>${e.status}</td>`);
      expect(t).toContain(e.message);
    }
    const body = [...op.input, ...op.output].filter((m) => m.location === "body" && m.type.kind === "shape");
    for (const m of body) {
      if (op.route.method === "HEAD") continue;
      // the generated example of the document is on the page, with S3's namespace on its root
      const shape = (m.type as { shape: string }).shape;
      expect(t).toContain(xmlExample(spec, shape, spec.xmlNamespace));
    }
    expect(t).toContain(`${op.route.method} /`); // the example request line
  });

  it("gives example documents the gateway's own XML decoder accepts, every element of the shape present", () => {
    const bodies = spec.operations.filter((o) => o.implemented).flatMap((o) => [...o.input, ...o.output]);
    const shapes = new Set(bodies.flatMap((m) => (m.location === "body" && m.type.kind === "shape" ? [m.type.shape] : [])));
    expect(shapes.size).toBeGreaterThan(10);
    for (const name of shapes) {
      const value = decodeXml<Record<string, unknown>>(name, xmlExample(spec, name, spec.xmlNamespace));
      const shape = spec.shapes.find((s) => s.name === name)!;
      for (const f of shape.fields) expect(value[f.name], `${name}.${f.name}`).toBeDefined();
    }
    expect(xmlExample(spec, "Tagging", spec.xmlNamespace)).toContain("<Key>project</Key>");
  });

  it("says which backend supports which operation", () => {
    for (const op of spec.operations) {
      const html = page(operationPath(op.name));
      const badge = (b: string) => html.match(new RegExp(`<span class="badge [a-z]+" data-backend="${b}">([^<]+)</span>`))![1];
      if (!op.implemented) {
        expect([badge("embedded"), badge("ozone")]).toEqual(["Not implemented", "Not implemented"]);
        continue;
      }
      expect(badge("embedded"), op.name).toBe("Supported");
      const limit = backendLimits.ozone[op.name];
      expect(badge("ozone"), op.name).toBe(!limit ? "Supported" : limit.supported ? "Supported, with limits" : "Not supported");
      if (limit) expect(text(html)).toContain(limit.note);
    }
    expect(badgeOf("PutBucketTagging")).toBe("Not supported");
    function badgeOf(name: string) {
      return page(operationPath(name)).match(/data-backend="ozone">([^<]+)</)![1];
    }
  });

  it("says what a value outside a parameter's list answers, with S3's own message where it has one", () => {
    const attributes = text(page(operationPath("GetObjectAttributes")));
    expect(attributes).toContain("list of string: ETag | Checksum | ObjectParts | StorageClass | ObjectSize; another value: InvalidArgument (Invalid attribute name specified.)");
    expect(text(page(operationPath("PutObject")))).toMatch(/EXPRESS_ONEZONE; another value: InvalidStorageClass(?! \()/);
  });

  it("says which operations require a Content-MD5 or checksum of their body (the spec's @checksumRequired)", () => {
    const says = (name: string) => page(operationPath(name)).includes('id="checksum-required"');
    expect(says("DeleteObjects")).toBe(true);
    expect(says("PutBucketTagging")).toBe(true);
    expect(says("PutObjectTagging")).toBe(false);
    expect(says("PutObject")).toBe(false);
    for (const op of spec.operations) expect(says(op.name), op.name).toBe(op.checksumRequired);
  });

  it("names only implemented operations in the backend table", () => {
    for (const limits of Object.values(backendLimits)) {
      for (const name of Object.keys(limits)) expect(spec.operations.find((o) => o.name === name)?.implemented, name).toBe(true);
    }
  });

  it("lists the 501 operations as such, on the overview and on their pages", () => {
    const index = page("index.html");
    for (const op of spec.operations.filter((o) => !o.implemented)) {
      expect(index.slice(index.indexOf('id="not-implemented"'))).toContain(`<a href="${operationPath(op.name)}">${op.name}</a>`);
      expect(page(operationPath(op.name))).toContain("not implemented: 501");
    }
    for (const op of spec.operations.filter((o) => o.implemented)) {
      expect(index.slice(0, index.indexOf('id="not-implemented"'))).toContain(`<a href="${operationPath(op.name)}">${op.name}</a>`);
    }
  });

  it("has the whole error table on its own page", () => {
    const html = page("errors.html");
    for (const e of spec.errors) expect(html).toContain(`<tr id="${e.code}"><td><code>${e.code}</code></td><td>${e.status}</td><td>${text(e.message) === e.message ? e.message.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;") : e.message}</td>`);
  });

  it("indexes every operation and error code for the search", () => {
    const js = page("assets/search-index.js");
    const index = JSON.parse(js.replace(/^window\.S3_DOCS_INDEX = /, "").replace(/;\n$/, "")) as { name: string; url: string }[];
    expect(index.map((e) => e.name).sort()).toEqual([...spec.operations.map((o) => o.name), ...spec.errors.map((e) => e.code)].sort());
    for (const e of index) expect(site.has(e.url.split("#")[0]!), e.url).toBe(true);
  });

  it("links only within itself, every link resolving to a file of the site, every anchor to an id", () => {
    const broken: string[] = [];
    for (const [p, f] of site) {
      if (!p.endsWith(".html")) continue;
      for (const href of links(p, f.body)) {
        if (/^[a-z]+:|^\/\//i.test(href)) {
          broken.push(`${p}: ${href} leaves the site`);
          continue;
        }
        const target = resolve(p, href);
        if (!site.has(target)) broken.push(`${p}: ${href}`);
        const anchor = href.split("#")[1];
        if (anchor && !site.get(target)?.body.includes(`id="${anchor}"`)) broken.push(`${p}: ${href} (no such anchor)`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("npm run docs", () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "s3gw-site-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("writes the site, with the project's version, as static files", () => {
    execFileSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "codegen/docs.ts"), "--out", out], { cwd: ROOT, stdio: "pipe" });
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const f = path.join(d, e);
        if (statSync(f).isDirectory()) walk(f);
        else files.push(path.relative(out, f).split(path.sep).join("/"));
      }
    };
    walk(out);
    const { version } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    const built = renderSite(spec, { version });
    expect(files.sort()).toEqual([...built.keys()].sort());
    for (const [p, f] of built) expect(readFileSync(path.join(out, p), "utf8"), p).toBe(f.body);
    expect(readFileSync(path.join(out, "index.html"), "utf8")).toContain(`Version ${version}.`);
  });
});
