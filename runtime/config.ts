/**
 * Configuration: defaults < ozone-site.xml < config file < environment < command-line flags,
 * validated by one ajv schema (every problem listed in one error), then deep-frozen. Nothing reads
 * process.env after this.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { ANNOTATIONS, CONFIG_SCHEMA, PATTERN_TEXT, SETTINGS, type Setting } from "./config-schema.js";
import { commaList, ozoneFromSiteXml } from "./ozone-site-xml.js";
import { UserSet, userOfCredential } from "./users.js";

export { CONFIG_SCHEMA, SETTINGS, settingsOf, USER_SCHEMA, type Setting } from "./config-schema.js";

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

/** An access key of a user: an Inactive key is refused as if it did not exist (runtime/users.ts). */
export interface UserAccessKey extends Credential {
  status?: "Active" | "Inactive";
}

/** A user as the config file or the users file gives it (runtime/users.ts turns it into a User). */
export interface UserConfig {
  /** S3's canonical user id (the Owner ID of what the user owns): stored with buckets and objects, so it must never change */
  canonicalId: string;
  displayName: string;
  email?: string;
  /** the Ozone user named as owner of what this user creates on Ozone; default: the user's first access key id */
  ozoneUser?: string;
  accessKeys: UserAccessKey[];
}

export interface Config {
  s3: {
    host: string;
    port: number;
    /** domains for virtual-hosted-style requests: `<bucket>.<domain>` */
    domains: string[];
    /** peers (addresses or CIDR ranges) whose X-Forwarded-For / -Proto / -Host are believed */
    trustedProxies: string[];
    region: string;
    /** accept AWS Signature Version 2 (what the AWS CLI v1 and boto3 presign with by default) */
    signatureV2: boolean;
    /** the operator states that the storage is encrypted at rest: SSE-S3 (AES256) is taken and answered */
    encryptedAtRest: boolean;
    /** HTTPS on the S3 port: PEM files, absolute after loading; none set: plain HTTP */
    tls: { certFile?: string; keyFile?: string; caFile?: string };
  };
  admin: {
    host: string;
    port: number;
    /** deadline of the storage check behind /readyz and /health */
    readyTimeoutMs: number;
  };
  backend: "embedded" | "ozone";
  dataDir: string;
  /** the embedded store's settings besides its directory */
  embedded: {
    /** bodies declared at 1 MiB or more are written around the page cache (O_DIRECT), where the file system takes it */
    directWrites: boolean;
    /** GET bodies from file to socket by sendfile(2) where the addon is built (runtime/sendfile.ts) */
    sendfile: boolean;
  };
  /** each one user of its own; with these, `users` and `usersFile` all empty, the first start generates a pair and keeps it in the data directory */
  credentials: Credential[];
  /** users with their access keys, fixed for the process's life */
  users: UserConfig[];
  /** a JSON file `{"users": [...]}` read at start and again whenever it changes (runtime/users-file.ts) */
  usersFile?: string;
  log: { level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent"; audit: boolean };
  limits: {
    /** largest XML request body (DeleteObjects with 1000 long keys is ~1.1 MB) */
    maxXmlBodyBytes: number;
    /** largest single PUT / part: 5 GiB, as S3 */
    maxObjectBytes: number;
    /** allowed clock difference for signed requests */
    maxClockSkewSeconds: number;
    /** a request whose headers are not complete this long after its first byte is answered 400 RequestTimeout and closed (slowloris) */
    headersTimeoutMs: number;
    /** a request body from which no byte arrives this long, while the gateway waits for one, fails with 400 RequestTimeout (S3: ~20 s) */
    bodyIdleTimeoutMs: number;
    /** how long the unread rest of a body is received and discarded after an early answer, before the connection is closed */
    drainTimeoutMs: number;
    /** an idle keep-alive connection is closed after this long without a request */
    keepAliveTimeoutMs: number;
  };
  /**
   * worker processes serving the S3 and admin ports (runtime/workers/): 0 = one per CPU core, 1 = a
   * single process doing everything
   */
  workers: number;
  /** where the primary puts S3 connections (runtime/workers/placement.ts) */
  placement: "load" | "turn";
  shutdown: {
    /** on SIGTERM/SIGINT, in-flight requests get this long to finish before their connections are cut */
    graceMs: number;
  };
  /** the lifecycle executor (runtime/lifecycle/executor.ts), in the process that owns the store */
  lifecycle: {
    /** pause between two ticks, ms */
    tickIntervalMs: number;
    /** objects, versions and uploads examined per tick, at most */
    entriesPerTick: number;
  };
  ozone: OzoneConfig;
}

export interface OzoneConfig {
  /** OM gRPC endpoints, "host:port", tried in order; the client fails over among them on not-leader / unavailable */
  omAddresses: string[];
  /** the Ozone volume that holds S3 buckets (Ozone's own gateway: ozone.s3g.volume.name, default "s3v") */
  volume: string;
  /** path of an ozone-site.xml read at start (absolute after loading), or undefined */
  siteXml?: string;
  /**
   * S3 storage class -> Ozone replication, as "STANDALONE/ONE", "RATIS/ONE", "RATIS/THREE", "EC/<codec>-<data>-<parity>-<chunk>k" (e.g. "EC/rs-3-2-1024k"),
   * or "DEFAULT" (send no replication; the OM uses the bucket's default, then the server's).
   * STANDARD is also what a request without x-amz-storage-class gets; a class missing here uses STANDARD's entry.
   */
  replication: Record<string, string>;
  /**
   * EC schemes (`<codec>-<data>-<parity>-<chunk>k`) a write may name in `x-amz-meta-storage-config`
   * for a storage class mapped to EC: a regular expression, as Ozone's ozone.replication.allowed-configs
   */
  ecSchemesAllowed: string;
  /** the layout of buckets CreateBucket makes (Ozone's gateway: ozone.s3g.default.bucket.layout) */
  bucketLayout: "OBJECT_STORE" | "FILE_SYSTEM_OPTIMIZED";
  /** deadline of one OM or datanode call, ms */
  requestTimeoutMs: number;
}

export const DEFAULTS: Config = {
  s3: { host: "127.0.0.1", port: 9878, domains: [], trustedProxies: [], region: "us-east-1", signatureV2: true, encryptedAtRest: false, tls: {} },
  // under the 1 s default timeout of a Kubernetes probe, so that the probe gets the reason, not a timeout
  admin: { host: "127.0.0.1", port: 19878, readyTimeoutMs: 800 },
  backend: "embedded",
  dataDir: "./data",
  embedded: { directWrites: true, sendfile: true },
  credentials: [],
  users: [],
  log: { level: "info", audit: true },
  limits: {
    maxXmlBodyBytes: 2 * 1024 * 1024,
    maxObjectBytes: 5 * 1024 ** 3,
    maxClockSkewSeconds: 900,
    headersTimeoutMs: 20_000,
    bodyIdleTimeoutMs: 20_000,
    drainTimeoutMs: 5_000,
    // above the 60 s idle timeout of common load balancers (AWS ALB), so that they close first
    keepAliveTimeoutMs: 65_000,
  },
  workers: 0,
  placement: "load",
  shutdown: { graceMs: 30_000 },
  // S3 applies lifecycle rules about once a day; a pass a minute costs little (bounded per tick)
  // and lets an expired object go soon after its midnight
  lifecycle: { tickIntervalMs: 60_000, entriesPerTick: 1000 },
  // Ozone's gateway's storage classes (S3StorageType): STANDARD_IA is EC rs-3-2-1024k
  ozone: {
    omAddresses: [],
    volume: "s3v",
    replication: { STANDARD: "DEFAULT", REDUCED_REDUNDANCY: "RATIS/ONE", STANDARD_IA: "EC/rs-3-2-1024k" },
    // Ozone's default ozone.replication.allowed-configs, for EC (any codec)
    ecSchemesAllowed: "^(rs|xor)-(3-2|6-3|10-4)-(512|1024|2048|4096)k$",
    bucketLayout: "OBJECT_STORE",
    requestTimeoutMs: 30000,
  },
};


// validateSchema off: checking this constant schema against draft-07's meta-schema made ajv compile
// that meta-schema in every process at start (~50 ms each); test/config/schemas.test.ts checks it once.
const validate = new Ajv({ allErrors: true, strict: true, validateSchema: false }).addVocabulary(ANNOTATIONS).compile(CONFIG_SCHEMA);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

type Json = Record<string, unknown>;

/** Sets one setting in a layer from its text (an environment variable or a flag's value), read by the setting's type. */
function setter(setting: Setting): (c: Json, v: string) => void {
  const read = setting.type === "integer" ? num : setting.type === "boolean" ? bool : setting.type === "list" ? commaList : (v: string) => v;
  const parents = setting.path.slice(0, -1);
  const leaf = setting.path[setting.path.length - 1];
  return (c, v) => {
    let o = c;
    for (const k of parents) o = at(o, k);
    o[leaf] = read(v);
  };
}

/** Environment variables and what they set (from the schema's `env` annotations). */
const ENV: Record<string, (c: Json, v: string) => void> = Object.fromEntries(SETTINGS.filter((s) => s.env).map((s) => [s.env!, setter(s)]));

/** Command-line flags, --name value or --name=value (from the schema's `flag` annotations). */
const FLAGS: Record<string, (c: Json, v: string) => void> = Object.fromEntries(SETTINGS.filter((s) => s.flag).map((s) => [s.flag!, setter(s)]));

function at(c: Json, k: string): Json {
  return (c[k] ??= {}) as Json;
}
function num(v: string): number | string {
  return /^\d+$/.test(v) ? Number(v) : v;
}
function bool(v: string): boolean | string {
  return v === "true" || v === "1" ? true : v === "false" || v === "0" ? false : v;
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

function valueAt(data: unknown, pointer: string): unknown {
  for (const seg of pointer.split("/").slice(1)) data = (data as Json | undefined)?.[seg.replace(/~1/g, "/").replace(/~0/g, "~")];
  return data;
}

function describe(e: ErrorObject, data: Json): string | undefined {
  const where = e.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(root)";
  // a bad property name gives a "pattern" error carrying the name, then this summary
  if (e.keyword === "propertyNames") return undefined;
  if (e.keyword === "pattern") {
    const pattern = String(e.params.pattern);
    const what = PATTERN_TEXT[pattern] ? `is not ${PATTERN_TEXT[pattern]}` : `must match pattern ${pattern}`;
    return `${where}: ${JSON.stringify(e.propertyName ?? valueAt(data, e.instancePath))} ${what}`;
  }
  return `${where}: ${e.message}${e.params && "allowedValues" in e.params ? ` (${(e.params.allowedValues as unknown[]).join(", ")})` : ""}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`;
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
      const parsed: unknown = JSON.parse(await readFile(configFile, "utf8"));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) fromFile = parsed as Json;
      else problems.push(`config file ${configFile}: not a JSON object`);
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

  // The ozone-site.xml named by the highest layer that names one; what it says sits below the config
  // file, so the file, the environment and flags can each correct it.
  const siteXml = (merge(merge(fromFile, fromEnv), flags).ozone as Json | undefined)?.siteXml;
  let fromSite: Json = {};
  if (typeof siteXml === "string" && siteXml !== "") {
    try {
      const derived = ozoneFromSiteXml(await readFile(siteXml, "utf8"));
      problems.push(...derived.problems.map((p) => `ozone-site.xml ${siteXml}: ${p}`));
      fromSite = { ozone: derived.values };
    } catch (err) {
      problems.push(`ozone-site.xml ${siteXml}: ${(err as Error).message}`);
    }
  }

  const merged = merge(merge(merge(merge(DEFAULTS as unknown as Json, fromSite), fromFile), fromEnv), flags);
  if (!validate(merged)) {
    for (const e of validate.errors ?? []) {
      const problem = describe(e, merged);
      if (problem) problems.push(problem);
    }
  }
  const ozone = merged.ozone as Json | undefined;
  if (merged.backend === "ozone" && Array.isArray(ozone?.omAddresses) && ozone.omAddresses.length === 0) {
    problems.push(
      'ozone.omAddresses: backend "ozone" needs the OMs\' gRPC addresses (host:port): give S3G_OZONE_OM_ADDRESS, --ozone-om-address, ' +
        "ozone.omAddresses in the config file, or an ozone-site.xml that names the OMs (S3G_OZONE_SITE_XML, --ozone-site-xml, ozone.siteXml)",
    );
  }
  if (typeof ozone?.ecSchemesAllowed === "string") {
    try {
      new RegExp(ozone.ecSchemesAllowed);
    } catch (err) {
      problems.push(`ozone.ecSchemesAllowed: not a regular expression: ${(err as Error).message}`);
    }
  }
  const tls = (merged.s3 as Json | undefined)?.tls as Json | undefined;
  if (tls && (tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    problems.push("s3.tls: certFile and keyFile go together (S3G_TLS_CERT and S3G_TLS_KEY, --tls-cert and --tls-key)");
  } else if (tls && tls.caFile !== undefined && tls.certFile === undefined) {
    problems.push("s3.tls.caFile: needs s3.tls.certFile and s3.tls.keyFile");
  }
  if (problems.length === 0) {
    // the users of `credentials` and `users` together: no key or owner name may name two of them
    const c = merged as unknown as Config;
    problems.push(...UserSet.of(fixedUsers(c)).problems.map((p) => `users: ${p}`));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = merged as unknown as Config;
  config.dataDir = path.resolve(config.dataDir);
  // a service's working directory is not the operator's: relative paths are fixed now
  for (const k of ["certFile", "keyFile", "caFile"] as const) if (config.s3.tls[k] !== undefined) config.s3.tls[k] = path.resolve(config.s3.tls[k]);
  if (config.ozone.siteXml !== undefined) config.ozone.siteXml = path.resolve(config.ozone.siteXml);
  if (config.usersFile !== undefined) config.usersFile = path.resolve(config.usersFile);
  return deepFreeze(config);
}

/** The users the configuration itself gives: one per `credentials` entry, then `users`. */
export function fixedUsers(config: Readonly<Pick<Config, "credentials" | "users">>): UserConfig[] {
  return [...config.credentials.map(userOfCredential), ...config.users];
}
