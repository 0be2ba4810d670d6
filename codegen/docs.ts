/**
 * npm run docs: writes the API reference site (runtime/docs/site.ts, rendered from generated/ir.json)
 * into site/, wiped first: static files for any host, nothing fetched at view time. The admin port
 * serves the same pages at /docs/ (runtime/docs-route.ts).
 *   npm run docs [-- --out DIR]
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Ir } from "../generated/ir-types.js";
import { renderSite } from "../runtime/docs/site.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function buildSite(outDir: string): Promise<number> {
  const ir = JSON.parse(await readFile(path.join(root, "generated/ir.json"), "utf8")) as Ir;
  const { version } = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { version: string };
  const site = renderSite(ir, { version });
  await rm(outDir, { recursive: true, force: true });
  for (const [name, page] of site) {
    const file = path.join(outDir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, page.body);
  }
  return site.size;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--out");
  const out = path.resolve(i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : path.join(root, "site"));
  buildSite(out)
    .then((n) => console.log(`docs: wrote ${n} files to ${path.relative(process.cwd(), out) || "."}/ (open index.html)`))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
