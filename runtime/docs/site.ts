/**
 * The API reference site, rendered from the IR (generated/ir.json): one page per S3 operation, an
 * overview, the error table and a search, as plain HTML and CSS with a small script. Every link is
 * relative, and nothing is fetched from elsewhere at view time, so the same files work from
 * `npm run docs`'s site/ on any static host, from the admin port's /docs/, and from disk.
 *
 * An operation's page: the spec's description; its HTTP binding (method, path, the keyword, query
 * parameter or header that selects it); the IAM permission; each storage backend's support; its
 * parameters; request and response with examples generated from the XML shapes; every error the spec
 * lists for it (code, status, message). Operations the spec marks not implemented are listed as
 * answering 501.
 */
import type { Ir, IrMember, IrOperation, IrShape, IrType } from "../../generated/ir-types.js";
import { BACKEND_TITLES, backendLimits, type BackendName } from "../storage/backend-support.js";
import { FAVICON_SVG, SEARCH_JS, STYLE_CSS } from "./assets.js";
import { errorExample, requestExample, requestTarget, responseExample } from "./examples.js";

export interface SitePage {
  contentType: string;
  body: string;
}

/** Site files by path relative to the site's root (`index.html`, `operations/GetObject.html`...). */
export type Site = Map<string, SitePage>;

export interface SiteOptions {
  /** the project's version, shown on every page */
  version: string;
}

const HTML = "text/html; charset=utf-8";
const BACKENDS: BackendName[] = ["embedded", "ozone"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The spec's doc text: `code` spans kept, everything else escaped. */
function docHtml(doc: string | undefined): string {
  if (!doc) return "";
  return esc(doc).replace(/`([^`]+)`/g, "<code>$1</code>");
}

export const operationPath = (name: string) => `operations/${name}.html`;

function typeText(ir: Ir, t: IrType, root: string): string {
  switch (t.kind) {
    case "scalar": {
      let s: string = t.scalar;
      if (t.enum) s += `: ${t.enum.map((v) => `<code>${esc(String(v))}</code>`).join(" | ")}`;
      if (t.minimum !== undefined || t.maximum !== undefined) s += ` (${t.minimum ?? ""}..${t.maximum ?? ""})`;
      if (t.invalidValueError) s += `; another value: <a href="${root}errors.html#${t.invalidValueError}">${t.invalidValueError}</a>`;
      if (t.invalidValueMessage) s += ` (${esc(t.invalidValueMessage)})`;
      return s;
    }
    case "map":
      return "string map";
    case "stream":
      return "bytes";
    case "shape":
      return `<code>&lt;${esc(ir.shapes.find((x) => x.name === t.shape)?.xmlName ?? t.shape)}&gt;</code>`;
    case "list":
      return `list of ${typeText(ir, t.item, root)}`;
  }
}

/** Rows describing a shape's elements as paths from the root element. */
function shapeRows(ir: Ir, shape: IrShape, prefix: string, depth: number, root: string): string[] {
  const rows: string[] = [];
  for (const f of shape.fields) {
    const itemShape = (t: IrType): IrShape | undefined => (t.kind === "shape" ? ir.shapes.find((s) => s.name === t.shape) : t.kind === "list" ? itemShape(t.item) : undefined);
    let path: string;
    if (f.attribute) path = `${prefix}/@${f.xmlName}`;
    else if (f.text) path = `${prefix} (text)`;
    else if (f.type.kind === "list" && !f.flattened) path = `${prefix}/${f.xmlName}/${f.itemXmlName ?? "member"}`;
    else path = `${prefix}/${f.xmlName}`;
    const repeat = f.type.kind === "list" ? " (repeated)" : "";
    rows.push(`<tr><td><code>${esc(path)}</code>${repeat}</td><td>${typeText(ir, f.type.kind === "list" ? f.type.item : f.type, root)}</td><td>${f.required ? "yes" : "no"}</td><td>${docHtml(f.doc)}</td></tr>`);
    const nested = itemShape(f.type);
    if (nested && depth < 6) rows.push(...shapeRows(ir, nested, path, depth + 1, root));
  }
  return rows;
}

function shapeTable(ir: Ir, shapeName: string, root: string): string {
  const shape = ir.shapes.find((s) => s.name === shapeName)!;
  return `${shape.doc ? `<p>${docHtml(shape.doc)}</p>` : ""}<table><thead><tr><th>Element</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>${shapeRows(ir, shape, shape.xmlName, 0, root).join("")}</tbody></table>`;
}

function memberRows(ir: Ir, members: IrMember[], root: string): string {
  return members
    .map((m) => {
      const where = m.location === "headerPrefix" ? "header prefix" : m.location;
      const wire = m.location === "headerPrefix" ? `${m.wireName}*` : m.wireName;
      return `<tr><td><code>${esc(wire)}</code></td><td>${where}</td><td>${typeText(ir, m.type, root)}</td><td>${m.required || m.location === "path" ? "yes" : "no"}</td><td><span class="muted">${esc(m.name)}</span>${m.doc ? ` — ${docHtml(m.doc)}` : ""}</td></tr>`;
    })
    .join("");
}

function selectors(op: IrOperation): string[] {
  return [
    ...(op.route.keyword ? [`the <code>?${esc(op.route.keyword)}</code> sub-resource keyword`] : []),
    ...op.route.query.map((q) => (q.value !== undefined ? `the query parameter <code>${esc(q.name)}=${esc(q.value)}</code>` : `the query parameter <code>${esc(q.name)}</code>`)),
    ...op.route.headers.map((h) => `the header <code>${esc(h)}</code>`),
  ];
}

/** Method, request target and the headers that select the operation (CopyObject's x-amz-copy-source). */
function binding(op: IrOperation): string {
  const headers = op.route.headers.map((h) => `<br>${esc(h)}: …`).join("");
  return `<span class="method">${op.route.method}</span> ${esc(requestTarget(op, false))}${headers}`;
}

function support(op: IrOperation, backend: BackendName): { cls: string; label: string; note: string } {
  if (!op.implemented) return { cls: "no", label: "Not implemented", note: "501 NotImplemented" };
  const limit = backendLimits[backend][op.name];
  if (!limit) return { cls: "yes", label: "Supported", note: "" };
  return limit.supported ? { cls: "partial", label: "Supported, with limits", note: limit.note } : { cls: "no", label: "Not supported", note: limit.note };
}

function layout(ir: Ir, opts: SiteOptions, title: string, root: string, current: string, content: string): string {
  const link = (href: string, text: string) => `<li><a href="${root}${href}"${href === current ? ' class="current" aria-current="page"' : ""}>${esc(text)}</a></li>`;
  const areas = [...new Set(ir.operations.filter((o) => o.implemented).map((o) => o.area))].sort();
  const nav = areas
    .map((a) => `<h2>${esc(a)}</h2><ul>${ir.operations.filter((o) => o.implemented && o.area === a).map((o) => link(operationPath(o.name), o.name)).join("")}</ul>`)
    .join("");
  const notImplemented = ir.operations.filter((o) => !o.implemented);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — ${esc(ir.service.title)} API reference</title>
<link rel="icon" href="${root}assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${root}assets/style.css">
</head>
<body data-root="${root}">
<nav class="side" aria-label="Operations">
<a class="title" href="${root}index.html">${esc(ir.service.title)} <span class="muted">${esc(opts.version)}</span></a>
<div class="search" role="search"><input id="search" type="search" placeholder="Search operations and errors" aria-label="Search operations and errors" autocomplete="off"><ol id="search-results"></ol></div>
<ul>${link("index.html", "Overview")}${link("errors.html", "Error codes")}</ul>
${nav}
<h2>Not implemented (501)</h2>
<details${current.startsWith("operations/") && notImplemented.some((o) => operationPath(o.name) === current) ? " open" : ""}><summary>${notImplemented.length} operations</summary><ul>${notImplemented.map((o) => link(operationPath(o.name), o.name)).join("")}</ul></details>
</nav>
<main>
${content}
</main>
<script src="${root}assets/search-index.js"></script>
<script src="${root}assets/search.js"></script>
</body>
</html>
`;
}

function operationPage(ir: Ir, opts: SiteOptions, op: IrOperation): string {
  const root = "../";
  const parts: string[] = [];
  parts.push(`<h1>${esc(op.name)}</h1>`);
  parts.push(
    `<p>${op.implemented ? `<span class="badge yes">implemented</span>` : `<span class="badge no">not implemented: 501</span>`} <span class="muted">area: ${esc(op.area)}</span></p>`,
  );
  parts.push(`<p>${docHtml(op.doc)}</p>`);
  if (!op.implemented) {
    parts.push(`<p>Part of AWS's S3 API but not implemented by this gateway: every request for it is answered <code>501</code> <a href="${root}errors.html#NotImplemented">NotImplemented</a>, and never reaches another operation.</p>`);
  }

  parts.push(`<h2 id="binding">HTTP binding</h2><p class="binding">${binding(op)}</p>`);
  const sel = selectors(op);
  parts.push(`<p>${sel.length ? `Selected by ${sel.join(", ")}.` : "Selected by its method and path alone."} Path-style as above, or virtual-hosted-style: <code>{Bucket}.&lt;domain&gt;</code> in the Host header and the rest of the path after it.</p>`);

  parts.push(`<h2 id="permission">Permission</h2><p>${op.permission ? `<code>${esc(op.permission)}</code>` : '<span class="muted">none stated</span>'}</p>`);

  parts.push(`<h2 id="backends">Storage backends</h2><table><thead><tr><th>Backend</th><th>Support</th><th>Notes</th></tr></thead><tbody>`);
  for (const b of BACKENDS) {
    const s = support(op, b);
    parts.push(`<tr><td>${BACKEND_TITLES[b]}</td><td><span class="badge ${s.cls}" data-backend="${b}">${s.label}</span></td><td>${esc(s.note)}</td></tr>`);
  }
  parts.push(`</tbody></table>`);

  const params = op.input.filter((m) => m.location !== "body");
  parts.push(`<h2 id="request">Request</h2>`);
  if (params.length) parts.push(`<h3>Parameters</h3><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Member</th></tr></thead><tbody>${memberRows(ir, params, root)}</tbody></table>`);
  const reqBody = op.input.find((m) => m.location === "body");
  if (reqBody?.type.kind === "shape") parts.push(`<h3>Body: XML (<code>application/xml</code>)${reqBody.required ? "" : ", optional"}</h3>${shapeTable(ir, reqBody.type.shape, root)}`);
  else if (reqBody?.type.kind === "stream") parts.push(`<h3>Body</h3><p>The object's bytes, of any media type (the <code>Content-Type</code> the client sends is stored with them).</p>`);
  if (op.checksumRequired) {
    parts.push(`<p id="checksum-required">The body must come with a <code>Content-MD5</code> header or an <code>x-amz-checksum-*</code> header or trailer (the AWS SDKs send a CRC32 by default); without either the request is answered <code>400</code> <a href="${root}errors.html#InvalidRequest">InvalidRequest</a>.</p>`);
  }
  parts.push(`<h3>Example</h3><pre><code>${esc(requestExample(ir, op))}</code></pre>`);

  if (op.implemented) {
    parts.push(`<h2 id="response">Response</h2><p>Status: ${op.statuses.map((s) => `<code>${s}</code>`).join(", ")}</p>`);
    const outParams = op.output.filter((m) => m.location === "header" || m.location === "headerPrefix");
    if (outParams.length) parts.push(`<h3>Headers</h3><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Always</th><th>Member</th></tr></thead><tbody>${memberRows(ir, outParams, root)}</tbody></table>`);
    const resBody = op.output.find((m) => m.location === "body");
    if (op.route.method === "HEAD") parts.push(`<p>A HEAD answer has no body (RFC 9110 §9.3.2).</p>`);
    else if (resBody?.type.kind === "shape") parts.push(`<h3>Body: XML (<code>application/xml</code>)</h3>${shapeTable(ir, resBody.type.shape, root)}`);
    else if (resBody?.type.kind === "stream") parts.push(`<h3>Body</h3><p>The object's bytes (or the requested range), with the <code>Content-Type</code> they were stored with.</p>`);
    parts.push(`<h3>Example</h3><pre><code>${esc(responseExample(ir, op))}</code></pre>`);
  }

  parts.push(`<h2 id="errors">Errors</h2><table><thead><tr><th>Code</th><th>Status</th><th>Message</th></tr></thead><tbody>`);
  for (const code of op.errors) {
    const e = ir.errors.find((x) => x.code === code)!;
    parts.push(`<tr><td><a href="${root}errors.html#${e.code}">${e.code}</a></td><td>${e.status}</td><td>${esc(e.message)}</td></tr>`);
  }
  parts.push(`</tbody></table>`);
  if (op.route.method !== "HEAD") {
    const first = ir.errors.find((x) => x.code === op.errors.find((c) => c !== "NotModified"));
    if (first) parts.push(`<p>Each error is S3's XML error document (no XML namespace):</p><pre><code>${esc(errorExample(first.code, first.message))}</code></pre>`);
  } else {
    parts.push(`<p>A HEAD answer carries the status and headers only: no error document.</p>`);
  }
  return layout(ir, opts, op.name, root, operationPath(op.name), parts.join("\n"));
}

function indexPage(ir: Ir, opts: SiteOptions): string {
  const root = "";
  const implemented = ir.operations.filter((o) => o.implemented);
  const notImplemented = ir.operations.filter((o) => !o.implemented);
  const parts: string[] = [];
  parts.push(`<h1>${esc(ir.service.title)} API reference</h1>`);
  parts.push(`<p class="muted">Version ${esc(opts.version)}. Generated from the gateway's TypeSpec specification (<code>spec/</code>).</p>`);
  parts.push(`<p>${docHtml(ir.service.doc)}</p>`);
  parts.push(
    `<p>${implemented.length} operations are implemented; ${notImplemented.length} more of AWS's S3 API have a route and answer <code>501</code> <a href="errors.html#NotImplemented">NotImplemented</a>. Every answer is authenticated by AWS Signature Version 4 (or 2), in the <code>Authorization</code> header or a presigned URL. XML documents use the namespace <code>${esc(ir.xmlNamespace)}</code>; errors are S3's <a href="errors.html">error documents</a>.</p>`,
  );
  const areas = [...new Set(implemented.map((o) => o.area))].sort();
  parts.push(`<h2 id="implemented">Operations</h2>`);
  for (const a of areas) {
    parts.push(`<h3 id="area-${esc(a)}">${esc(a)}</h3><table><thead><tr><th>Operation</th><th>HTTP binding</th><th>Description</th><th>Ozone</th></tr></thead><tbody>`);
    for (const op of implemented.filter((o) => o.area === a)) {
      const s = support(op, "ozone");
      parts.push(`<tr><td><a href="${operationPath(op.name)}">${esc(op.name)}</a></td><td><code>${binding(op)}</code></td><td>${docHtml(op.doc)}</td><td><span class="badge ${s.cls}">${s.label}</span></td></tr>`);
    }
    parts.push(`</tbody></table>`);
  }
  parts.push(`<h2 id="not-implemented">Not implemented (501)</h2><p>Each has a route so that the answer is a clean <code>501 NotImplemented</code>, never another operation.</p>`);
  parts.push(`<table><thead><tr><th>Operation</th><th>HTTP binding</th></tr></thead><tbody>`);
  for (const op of notImplemented) parts.push(`<tr><td><a href="${operationPath(op.name)}">${esc(op.name)}</a></td><td><code>${binding(op)}</code></td></tr>`);
  parts.push(`</tbody></table>`);
  return layout(ir, opts, "Overview", root, "index.html", parts.join("\n"));
}

function errorsPage(ir: Ir, opts: SiteOptions): string {
  const root = "";
  const parts: string[] = [];
  parts.push(`<h1>Error codes</h1>`);
  parts.push(
    `<p>Every error the gateway answers with, from the spec's error table: the HTTP status and the default message (some answers say more). The body is S3's error document, without an XML namespace; <code>Resource</code> and <code>RequestId</code> are filled per request, and some codes add elements of their own (<code>BucketName</code>, <code>Key</code>...). HEAD answers and <code>304</code> carry no body.</p>`,
  );
  parts.push(`<pre><code>${esc(errorExample("NoSuchKey", ir.errors.find((e) => e.code === "NoSuchKey")?.message ?? ""))}</code></pre>`);
  parts.push(`<table><thead><tr><th>Code</th><th>Status</th><th>Message</th><th>Raised by</th></tr></thead><tbody>`);
  for (const e of ir.errors) {
    const ops = ir.operations.filter((o) => o.implemented && o.errors.includes(e.code));
    const by = e.code === "NotImplemented" ? `${ops.map((o) => `<a href="${operationPath(o.name)}">${o.name}</a>`).join(", ")}${ops.length ? ", and " : ""}every <a href="index.html#not-implemented">not implemented operation</a>` : ops.map((o) => `<a href="${operationPath(o.name)}">${o.name}</a>`).join(", ") || '<span class="muted">any request (before an operation is chosen)</span>';
    parts.push(`<tr id="${e.code}"><td><code>${e.code}</code></td><td>${e.status}</td><td>${esc(e.message)}</td><td>${by}</td></tr>`);
  }
  parts.push(`</tbody></table>`);
  return layout(ir, opts, "Error codes", root, "errors.html", parts.join("\n"));
}

function searchIndex(ir: Ir): string {
  const entries = [
    ...ir.operations.map((o) => ({
      name: o.name,
      url: operationPath(o.name),
      detail: `${o.route.method} ${requestTarget(o, false)}${o.implemented ? "" : " — 501"}`,
      text: `${o.area} ${o.doc ?? ""} ${o.route.keyword ?? ""} ${o.permission ?? ""}`,
    })),
    ...ir.errors.map((e) => ({ name: e.code, url: `errors.html#${e.code}`, detail: `error ${e.status}`, text: e.message })),
  ];
  return `window.S3_DOCS_INDEX = ${JSON.stringify(entries).replace(/</g, "\\u003c")};\n`;
}

/** Every file of the site. */
export function renderSite(ir: Ir, opts: SiteOptions): Site {
  const site: Site = new Map();
  site.set("index.html", { contentType: HTML, body: indexPage(ir, opts) });
  site.set("errors.html", { contentType: HTML, body: errorsPage(ir, opts) });
  for (const op of ir.operations) site.set(operationPath(op.name), { contentType: HTML, body: operationPage(ir, opts, op) });
  site.set("assets/style.css", { contentType: "text/css; charset=utf-8", body: STYLE_CSS });
  site.set("assets/favicon.svg", { contentType: "image/svg+xml", body: FAVICON_SVG });
  site.set("assets/search.js", { contentType: "text/javascript; charset=utf-8", body: SEARCH_JS });
  site.set("assets/search-index.js", { contentType: "text/javascript; charset=utf-8", body: searchIndex(ir) });
  return site;
}

