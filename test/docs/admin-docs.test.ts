/**
 * The admin port serves the API reference at /docs/: the very pages `npm run docs` writes, with
 * their content types and a same-origin-only Content-Security-Policy; nothing outside the site,
 * whatever the path says (`..`, encoded or not); 404 for what the site does not have.
 */
import http from "node:http";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ir from "../../generated/ir.json" with { type: "json" };
import type { Ir } from "../../generated/ir-types.js";
import { renderSite } from "../../runtime/docs/site.js";
import { ROOT, startGateway, type RunningGateway } from "../support/server.js";

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw?.stop();
});

/** A GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(target: string, method = "GET"): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(gw.adminEndpoint);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: target }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const { version } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
const site = renderSite(ir as unknown as Ir, { version });

describe("/docs/ on the admin port", () => {
  it("serves every page of the site, byte for byte, with its content type", async () => {
    for (const [p, page] of site) {
      const res = await rawGet(`/docs/${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers["content-type"], p).toBe(page.contentType);
      expect(res.body, p).toBe(page.body);
    }
  });

  it("serves the overview at /docs/, and redirects /docs there", async () => {
    const index = await rawGet("/docs/");
    expect(index.status).toBe(200);
    expect(index.body).toBe(site.get("index.html")!.body);
    expect(index.headers["content-security-policy"]).toMatch(/default-src 'none'/);
    expect(index.headers["x-content-type-options"]).toBe("nosniff");
    const bare = await rawGet("/docs");
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe("/docs/");
    const head = await rawGet("/docs/operations/GetObject.html", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it.each([
    "/docs/../package.json",
    "/docs/../../package.json",
    "/docs/%2e%2e/package.json",
    "/docs/operations/..%2f..%2fpackage.json",
    "/docs/%2e%2e%2f%2e%2e%2fREADME.md",
    "/docs/operations/../../../etc/passwd",
    "/docs/operations/NoSuchOperation.html",
    "/docs/operations/",
    "/docs/index.htm",
    "/docs/assets/",
  ])("answers %s with 404 and nothing from outside the site", async (target) => {
    const res = await rawGet(target);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain("s3-gateway");
    expect(res.body).not.toContain("root:");
  });
});
