/**
 * The configuration's documentation is generated from the config schema (runtime/config-doc.ts):
 * the README's table is what `npm run codegen` writes and `codegen:check` compares, a setting without
 * a description cannot be documented, and the environment variables and flags the documentation
 * names are the ones loadConfig reads.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diffDocs, generateDocs } from "../../codegen/main.js";
import { DEFAULTS, loadConfig, settingsOf, SETTINGS, type Setting } from "../../runtime/config.js";
import { CONFIG_TABLE_BEGIN, CONFIG_TABLE_END, renderConfigTable, renderHelp, UndocumentedSettingError, withConfigTable } from "../../runtime/config-doc.js";
import { ROOT } from "../support/server.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-config-doc-"));
  dirs.push(dir);
  return dir;
}

describe("the README's configuration table", () => {
  it("is the one the config schema gives (npm run codegen wrote it)", async () => {
    expect(await diffDocs(await generateDocs(ROOT), ROOT)).toEqual([]);
  });

  it("has one row per setting, in schema order, with its environment variable, flag, default and description", async () => {
    const readme = await readFile(path.join(ROOT, "README.md"), "utf8");
    const table = readme.slice(readme.indexOf(CONFIG_TABLE_BEGIN), readme.indexOf(CONFIG_TABLE_END));
    const rows = table.split("\n").filter((l) => l.startsWith("| `"));
    expect(rows.map((r) => /^\| `([^`]+)`/.exec(r)![1])).toEqual(SETTINGS.map((s) => s.key));
    const row = (key: string) => rows.find((r) => r.startsWith(`| \`${key}\``))!;
    expect(row("s3.port")).toBe("| `s3.port` | `S3G_PORT` | `--port` | `9878` | Port of the S3 API (0 = any free port). |");
    expect(row("s3.domains")).toContain("| `S3G_DOMAIN` (comma-separated) | `--domain` | none: path-style only |");
    expect(row("credentials")).toContain("| `S3G_ACCESS_KEY` + `S3G_SECRET_KEY` (one pair) |  | generated on first start |");
    expect(row("limits.headersTimeoutMs")).toContain(`| \`${DEFAULTS.limits.headersTimeoutMs}\` |`);
    expect(row("shutdown.graceMs")).toContain(`| \`${DEFAULTS.shutdown.graceMs}\` |`);
    expect(row("limits.maxObjectBytes")).toContain("| `5368709120 (5 GiB)` |");
  });

  it("a hand edit of the table is noticed (codegen:check fails), and codegen puts it back", async () => {
    const dir = await tempDir();
    await copyFile(path.join(ROOT, "README.md"), path.join(dir, "README.md"));
    const original = await readFile(path.join(dir, "README.md"), "utf8");
    expect(await diffDocs(await generateDocs(dir), dir)).toEqual([]);

    const edited = original.replace("| `s3v` |", "| `s3w` |");
    expect(edited).not.toBe(original);
    await writeFile(path.join(dir, "README.md"), edited);
    const docs = await generateDocs(dir);
    expect(await diffDocs(docs, dir)).toEqual(["differs: README.md (its configuration table is generated from runtime/config-schema.ts, its capability table from the spec and runtime/storage/backend-support.ts)"]);
    expect(docs.get("README.md")).toBe(original);

    // a row removed by hand is noticed too, and text outside the markers is the author's
    await writeFile(path.join(dir, "README.md"), original.replace(/^\| `shutdown\.graceMs`.*\n/m, "").replace("## Configuration", "## Settings"));
    expect(await diffDocs(await generateDocs(dir), dir)).toHaveLength(1);
    expect((await generateDocs(dir)).get("README.md")).toBe(original.replace("## Configuration", "## Settings"));
  });

  it("needs its markers", () => {
    expect(() => withConfigTable("# README\n")).toThrow(/configuration table markers/);
  });
});

describe("a setting without a description", () => {
  const schema = {
    type: "object",
    additionalProperties: false,
    properties: {
      s3: { type: "object", additionalProperties: false, properties: { port: { type: "integer", description: "Port." }, newThing: { type: "boolean", env: "S3G_NEW" } } },
    },
  };

  it("cannot be documented: the table (so codegen and codegen:check) and --help refuse, naming it", () => {
    const settings = settingsOf(schema);
    expect(settings.map((s) => s.key)).toEqual(["s3.port", "s3.newThing"]);
    expect(() => renderConfigTable(settings, {})).toThrow(UndocumentedSettingError);
    expect(() => renderConfigTable(settings, {})).toThrow(/s3\.newThing/);
    expect(() => renderHelp({ version: "0" }, settings, {})).toThrow(/s3\.newThing/);
  });

  it("does not exist in the real schema", () => {
    expect(SETTINGS.filter((s) => !s.description?.trim()).map((s) => s.key)).toEqual([]);
  });
});

/** A value each setting's schema accepts, other than its default. */
function sample(s: Setting, siteXml: string): string {
  if (s.key === "ozone.siteXml") return siteXml;
  if (s.key === "s3.trustedProxies") return "10.0.0.1,192.168.0.0/16";
  if (s.type === "integer") return "4321";
  // the opposite of the default, so that a setting whose source is not read is noticed
  if (s.type === "boolean") return String(valueAt(DEFAULTS, s) !== true);
  if (s.type === "list") return "one.example:1,two.example:2";
  if (s.type === "enum") return s.values![s.values!.length - 1];
  return "abc-1";
}

function valueAt(config: unknown, s: Setting): unknown {
  return s.path.reduce((o, k) => (o as Record<string, unknown>)[k], config);
}

function expected(s: Setting, text: string): unknown {
  if (s.type === "integer") return Number(text);
  if (s.type === "boolean") return text === "true";
  if (s.type === "list") return text.split(",");
  // paths are made absolute
  if (s.key === "dataDir" || s.key === "ozone.siteXml" || s.key === "usersFile" || s.key.startsWith("s3.tls.")) return path.resolve(text);
  return text;
}

describe("the documented environment variables and flags", () => {
  it("each set the setting the documentation says", async () => {
    const siteXml = path.join(await tempDir(), "ozone-site.xml");
    await writeFile(siteXml, "<configuration/>\n");
    const withEnv = SETTINGS.filter((s) => s.env);
    const withFlag = SETTINGS.filter((s) => s.flag);
    expect(withEnv.length).toBeGreaterThan(10);
    expect(withFlag.length).toBeGreaterThan(10);

    const fromEnv = await loadConfig([], Object.fromEntries(withEnv.map((s) => [s.env!, sample(s, siteXml)])));
    for (const s of withEnv) expect(valueAt(fromEnv, s), s.env).toEqual(expected(s, sample(s, siteXml)));
    for (const s of withEnv) expect(valueAt(fromEnv, s), s.env).not.toEqual(valueAt(DEFAULTS, s));

    const fromFlags = await loadConfig(withFlag.flatMap((s) => [s.flag!, sample(s, siteXml)]), {});
    for (const s of withFlag) expect(valueAt(fromFlags, s), s.flag).toEqual(expected(s, sample(s, siteXml)));
  });
});
