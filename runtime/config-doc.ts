/**
 * The configuration's documentation, rendered from the config schema (./config.ts SETTINGS) so that
 * it cannot drift from what loadConfig accepts: `s3-gateway --help`, and the configuration table of
 * the README (written by `npm run codegen`, compared by `npm run codegen:check`).
 */
import { DEFAULTS, SETTINGS, type Setting } from "./config.js";

/** A setting without a description: the documentation cannot be rendered (codegen fails, so does npm test). */
export class UndocumentedSettingError extends Error {
  constructor(readonly keys: string[]) {
    super(`the config schema (runtime/config-schema.ts) has setting(s) without a description: ${keys.join(", ")}`);
    this.name = "UndocumentedSettingError";
  }
}

function documented(settings: readonly Setting[]): Array<Setting & { description: string }> {
  const missing = settings.filter((s) => !s.description?.trim()).map((s) => s.key);
  if (missing.length > 0) throw new UndocumentedSettingError(missing);
  return settings as Array<Setting & { description: string }>;
}

function defaultOf(setting: Setting, defaults: unknown): string {
  if (setting.defaultText) return setting.defaultText;
  let v = defaults;
  for (const k of setting.path) v = (v as Record<string, unknown> | undefined)?.[k];
  if (v === undefined || (Array.isArray(v) && v.length === 0)) return "none";
  if (typeof v === "number" && setting.key.endsWith("Bytes")) {
    // byte sizes are clearer with their binary unit beside them
    for (const [unit, size] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
      if (v >= size && v % size === 0) return `${v} (${v / size} ${unit})`;
    }
  }
  if (Array.isArray(v)) return v.join(",");
  return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
}

/** What a flag's or environment variable's value looks like. */
function valueName(setting: Setting): string {
  if (setting.type === "enum") return setting.values!.join("|");
  if (setting.type === "integer") return "N";
  if (setting.type === "boolean") return "true|false";
  if (setting.type === "list") return "A,B,...";
  return setting.key.split(".").pop()!.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join("\n");
}

/** The text of `s3-gateway --help`. */
export function renderHelp(opts: { version: string; description?: string }, settings: readonly Setting[] = SETTINGS, defaults: unknown = DEFAULTS): string {
  const out = [
    `s3-gateway ${opts.version}${opts.description ? `: ${opts.description}` : ""}`,
    "",
    "Usage: s3-gateway [--config FILE] [--SETTING VALUE | --SETTING=VALUE]...",
    "",
    "Each setting comes from, lowest first: its default, a JSON config file (its key), the",
    "environment, the command line. Everything is validated at start; every problem is listed.",
    "",
    "Options:",
    "  --config FILE    a JSON config file, e.g. {\"s3\": {\"port\": 9000}} (environment: S3G_CONFIG)",
    "  --help, -h       print this help and exit",
    "  --version, -v    print the version and exit",
    "",
    "Settings:",
  ];
  for (const s of documented(settings)) {
    const ways = [s.flag && `${s.flag} ${valueName(s)}`, s.env ? `${s.env}=${valueName(s)}` : s.envText].filter(Boolean).join(", ");
    out.push(`  ${s.key}${ways ? `    ${ways}` : "    (config file only)"}`);
    out.push(wrap(`${plain(s.description)} Default: ${plain(defaultOf(s, defaults))}.`, 100, "      "));
  }
  return `${out.join("\n")}\n`;
}

/** `text` (which may hold `code` spans) for a Markdown table cell: pipes escaped, and outside code spans `<` and `>` too (else `<bucket>` would be an HTML tag). */
function cell(text: string): string {
  return text
    .split("`")
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, "&lt;").replace(/>/g, "&gt;")))
    .join("`")
    .replace(/\|/g, "\\|");
}

/** Markdown code spans as plain text, for the terminal. */
function plain(text: string): string {
  return text.replace(/`/g, "");
}

/** The README's configuration table. */
export function renderConfigTable(settings: readonly Setting[] = SETTINGS, defaults: unknown = DEFAULTS): string {
  const rows = [
    "| setting (file) | environment | flag | default | description |",
    "|---|---|---|---|---|",
  ];
  for (const s of documented(settings)) {
    const setting = `\`${s.key}\`${s.type === "list" ? " (list)" : ""}`;
    const env = s.env ? `\`${s.env}\`${s.type === "list" ? " (comma-separated)" : ""}` : s.envText ? cell(s.envText.replace(/\b(S3G_[A-Z0-9_]+)\b/g, "`$1`")) : "";
    const flag = s.flag ? `\`${s.flag}\`` : "";
    const value = defaultOf(s, defaults);
    const dflt = s.defaultText || value === "none" ? cell(value) : `\`${value}\``;
    rows.push(`| ${setting} | ${env} | ${flag} | ${dflt} | ${cell(s.description)} |`);
  }
  return `${rows.join("\n")}\n`;
}

export const CONFIG_TABLE_BEGIN = "<!-- config-table:begin: generated from the config schema (runtime/config-schema.ts) by npm run codegen; do not edit -->";
export const CONFIG_TABLE_END = "<!-- config-table:end -->";

/**
 * `readme` with the text between the configuration table's markers replaced by the table rendered
 * from the schema. Throws when the markers are missing or out of order.
 */
export function withConfigTable(readme: string, table: string = renderConfigTable()): string {
  const begin = readme.indexOf(CONFIG_TABLE_BEGIN);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`README.md lacks the configuration table markers (${CONFIG_TABLE_BEGIN} ... ${CONFIG_TABLE_END})`);
  return `${readme.slice(0, begin + CONFIG_TABLE_BEGIN.length)}\n${table}${readme.slice(end)}`;
}
