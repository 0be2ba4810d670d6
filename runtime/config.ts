/**
 * Configuration: defaults < config file < environment < command-line flags, validated by one ajv
 * schema (every problem listed in one error), then deep-frozen. Nothing reads process.env after this.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv } from "ajv";

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Config {
  s3: {
    host: string;
    port: number;
    /** domains for virtual-hosted-style requests: `<bucket>.<domain>` */
    domains: string[];
    region: string;
  };
  admin: { host: string; port: number };
  backend: "embedded";
  dataDir: string;
  /** empty: the first start generates a pair and keeps it in the data directory */
  credentials: Credential[];
  log: { level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent"; audit: boolean };
  limits: {
    /** largest XML request body (DeleteObjects with 1000 long keys is ~1.1 MB) */
    maxXmlBodyBytes: number;
    /** largest single PUT / part: 5 GiB, as S3 */
    maxObjectBytes: number;
    /** allowed clock difference for signed requests */
    maxClockSkewSeconds: number;
  };
}

export const DEFAULTS: Config = {
  s3: { host: "127.0.0.1", port: 9878, domains: [], region: "us-east-1" },
  admin: { host: "127.0.0.1", port: 19878 },
  backend: "embedded",
  dataDir: "./data",
  credentials: [],
  log: { level: "info", audit: true },
  limits: { maxXmlBodyBytes: 2 * 1024 * 1024, maxObjectBytes: 5 * 1024 ** 3, maxClockSkewSeconds: 900 },
};

const port = { type: "integer", minimum: 0, maximum: 65535 };
const host = { type: "string", minLength: 1 };

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["s3", "admin", "backend", "dataDir", "credentials", "log", "limits"],
  properties: {
    s3: {
      type: "object",
      additionalProperties: false,
      required: ["host", "port", "domains", "region"],
      properties: {
        host,
        port,
        domains: { type: "array", items: { type: "string", pattern: "^[A-Za-z0-9.-]+(:[0-9]+)?$" } },
        region: { type: "string", pattern: "^[a-z0-9-]+$" },
      },
    },
    admin: { type: "object", additionalProperties: false, required: ["host", "port"], properties: { host, port } },
    backend: { enum: ["embedded"] },
    dataDir: { type: "string", minLength: 1 },
    credentials: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["accessKeyId", "secretAccessKey"],
        properties: {
          accessKeyId: { type: "string", pattern: "^[A-Za-z0-9_.-]{3,128}$" },
          secretAccessKey: { type: "string", minLength: 8, maxLength: 256 },
        },
      },
    },
    log: {
      type: "object",
      additionalProperties: false,
      required: ["level", "audit"],
      properties: { level: { enum: ["fatal", "error", "warn", "info", "debug", "trace", "silent"] }, audit: { type: "boolean" } },
    },
    limits: {
      type: "object",
      additionalProperties: false,
      required: ["maxXmlBodyBytes", "maxObjectBytes", "maxClockSkewSeconds"],
      properties: {
        maxXmlBodyBytes: { type: "integer", minimum: 1024 },
        maxObjectBytes: { type: "integer", minimum: 1 },
        maxClockSkewSeconds: { type: "integer", minimum: 1 },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

type Json = Record<string, unknown>;

/** Environment variables and what they set. */
const ENV: Record<string, (c: Json, v: string) => void> = {
  S3G_HOST: (c, v) => at(c, "s3").host = v,
  S3G_PORT: (c, v) => at(c, "s3").port = num(v),
  S3G_DOMAIN: (c, v) => at(c, "s3").domains = list(v),
  S3G_REGION: (c, v) => at(c, "s3").region = v,
  S3G_ADMIN_HOST: (c, v) => at(c, "admin").host = v,
  S3G_ADMIN_PORT: (c, v) => at(c, "admin").port = num(v),
  S3G_DATA_DIR: (c, v) => (c.dataDir = v),
  S3G_BACKEND: (c, v) => (c.backend = v),
  S3G_LOG_LEVEL: (c, v) => at(c, "log").level = v,
  S3G_AUDIT_LOG: (c, v) => at(c, "log").audit = bool(v),
};

/** Command-line flags: --name value or --name=value. */
const FLAGS: Record<string, (c: Json, v: string) => void> = {
  "--host": ENV.S3G_HOST,
  "--port": ENV.S3G_PORT,
  "--domain": ENV.S3G_DOMAIN,
  "--region": ENV.S3G_REGION,
  "--admin-host": ENV.S3G_ADMIN_HOST,
  "--admin-port": ENV.S3G_ADMIN_PORT,
  "--data-dir": ENV.S3G_DATA_DIR,
  "--backend": ENV.S3G_BACKEND,
  "--log-level": ENV.S3G_LOG_LEVEL,
};

function at(c: Json, k: string): Json {
  return (c[k] ??= {}) as Json;
}
function num(v: string): number | string {
  return /^\d+$/.test(v) ? Number(v) : v;
}
function bool(v: string): boolean | string {
  return v === "true" || v === "1" ? true : v === "false" || v === "0" ? false : v;
}
function list(v: string): string[] {
  return v.split(",").map((s) => s.trim()).filter(Boolean);
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b) ? merge(b as Json, v as Json) : v;
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Builds the configuration. `env` and `argv` are passed in (never read globally) so tests can build
 * configurations side by side.
 */
export async function loadConfig(argv: string[], env: Record<string, string | undefined>): Promise<Readonly<Config>> {
  const problems: string[] = [];
  const flags: Json = {};
  let configFile = env.S3G_CONFIG;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[i + 1];
    if (name === "--config" || FLAGS[name]) {
      if (value === undefined) {
        problems.push(`${name} needs a value`);
        continue;
      }
      if (eq < 0) i++;
      if (name === "--config") configFile = value;
      else FLAGS[name](flags, value);
    } else {
      problems.push(`unknown argument ${arg}`);
    }
  }

  let fromFile: Json = {};
  if (configFile) {
    try {
      fromFile = JSON.parse(await readFile(configFile, "utf8")) as Json;
    } catch (err) {
      problems.push(`config file ${configFile}: ${(err as Error).message}`);
    }
  }
  const fromEnv: Json = {};
  for (const [name, apply] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== "") apply(fromEnv, v);
  }
  const access = env.S3G_ACCESS_KEY;
  const secret = env.S3G_SECRET_KEY;
  if (access || secret) {
    if (!access || !secret) problems.push("S3G_ACCESS_KEY and S3G_SECRET_KEY go together");
    else fromEnv.credentials = [{ accessKeyId: access, secretAccessKey: secret }];
  }

  const merged = merge(merge(merge(DEFAULTS as unknown as Json, fromFile), fromEnv), flags);
  if (!validate(merged)) {
    for (const e of validate.errors ?? []) {
      const where = e.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(root)";
      problems.push(`${where}: ${e.message}${e.params && "allowedValues" in e.params ? ` (${(e.params.allowedValues as unknown[]).join(", ")})` : ""}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = merged as unknown as Config;
  config.dataDir = path.resolve(config.dataDir);
  return deepFreeze(config);
}
