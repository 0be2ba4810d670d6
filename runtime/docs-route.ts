/**
 * The API reference on the admin port: `GET /docs/` serves the pages `npm run docs` writes into
 * site/ (runtime/docs/site.ts), rendered here from the IR the gateway runs on, so they always
 * describe this very build and need no build step or directory of their own. Rendered once, on the
 * first request, and kept; a path is looked up among the site's files only (nothing is read from
 * disk by request path, so no traversal is possible), anything else is 404.
 */
import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import type { Ir } from "../generated/ir-types.js";
import { renderSite, type Site } from "./docs/site.js";

/** The package's version: package.json next to dist/ when built, next to runtime/ under tsx. */
async function packageVersion(): Promise<string> {
  for (const rel of ["../../package.json", "../package.json"]) {
    try {
      const pkg = JSON.parse(await readFile(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "s3-gateway" && pkg.version) return pkg.version;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  throw new Error("cannot find the package.json of s3-gateway");
}

async function loadSite(): Promise<Site> {
  // Imported on first use: the 250 KB IR is not parsed at start-up for a page nobody may open.
  const ir = (await import("../generated/ir.json", { with: { type: "json" } })).default as unknown as Ir;
  return renderSite(ir, { version: await packageVersion() });
}

/**
 * Same-origin only: the pages load their stylesheet and scripts from the site and nothing else, so a
 * browser refuses anything that would reach the network.
 */
const CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function addDocs(admin: FastifyInstance): void {
  let site: Promise<Site> | undefined;
  admin.get("/docs", async (_request, reply) => reply.redirect("/docs/", 301));
  admin.get<{ Params: { "*": string } }>("/docs/*", async (request, reply) => {
    site ??= loadSite().catch((err: unknown) => {
      site = undefined;
      throw err;
    });
    const page = (await site).get(request.params["*"] || "index.html");
    reply.header("x-content-type-options", "nosniff");
    if (!page) {
      reply.code(404).type("text/plain; charset=utf-8");
      return "Not found\n";
    }
    reply.header("content-security-policy", CSP).header("cache-control", "no-cache").type(page.contentType);
    return page.body;
  });
}
