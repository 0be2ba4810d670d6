/**
 * Configuration: defaults < ozone-site.xml < config file < environment < command-line flags,
 * validated by one ajv schema (every problem listed in one error), then deep-frozen. Nothing reads
 * process.env after this.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { commaList, HOST_PORT, ozoneFromSiteXml } from "./ozone-site-xml.js";
import { UserSet, userOfCredential } from "./users.js";

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
    region: string;
    /** accept AWS Signature Version 2 (what the AWS CLI v1 and boto3 presign with by default) */
    signatureV2: boolean;
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
  /** deadline of one OM or datanode call, ms */
  requestTimeoutMs: number;
}

export const DEFAULTS: Config = {
  s3: { host: "127.0.0.1", port: 9878, domains: [], region: "us-east-1", signatureV2: true, tls: {} },
  // under the 1 s default timeout of a Kubernetes probe, so that the probe gets the reason, not a timeout
  admin: { host: "127.0.0.1", port: 19878, readyTimeoutMs: 800 },
  backend: "embedded",
  dataDir: "./data",
  embedded: { directWrites: true },
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
    requestTimeoutMs: 30000,
  },
};

const port = { type: "integer", minimum: 0, maximum: 65535 };
const host = { type: "string", minLength: 1 };

/**
 * Ozone volume names (HddsClientUtils.verifyResourceName): 3-63 characters of lowercase letters,
 * digits, '-' and '.', starting and ending with a letter or digit, no "..", ".-" or "-.", not an IPv4 address.
 */
const VOLUME = "^(?=.{3,63}$)(?!\\d+\\.\\d+\\.\\d+\\.\\d+$)(?!.*(\\.\\.|\\.-|-\\.))[a-z0-9][a-z0-9.-]*[a-z0-9]$";
/** S3 access key ids: what this gateway has always accepted (AWS's own are 20 upper-case letters and digits) */
const ACCESS_KEY_ID = "^[A-Za-z0-9_.-]{3,128}$";

/**
 * One user, in the config file's `users` and in the users file alike (runtime/users-file.ts
 * validates that file with it). The canonical id is free-form within a safe alphabet rather than
 * AWS's 64 hex digits: ceph/s3-tests' main user is "testid" (s3tests.conf.SAMPLE), and an operator
 * moving from Ceph RGW keeps the ids its clients already know.
 */
export const USER_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["canonicalId", "displayName", "accessKeys"],
  properties: {
    canonicalId: { type: "string", pattern: "^[A-Za-z0-9_.:@+=-]{1,128}$" },
    // any text without control characters: it is shown in XML (escaped) and logs
    displayName: { type: "string", minLength: 1, maxLength: 128, pattern: "^[^\\u0000-\\u001f\\u007f]*$" },
    email: { type: "string", maxLength: 254, pattern: "^[^@\\s]+@[^@\\s]+$" },
    // Hadoop user names (what UserGroupInformation's short name can be): no '/', '@' or spaces
    ozoneUser: { type: "string", pattern: "^[A-Za-z0-9_.$-]{1,128}$" },
    accessKeys: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["accessKeyId", "secretAccessKey"],
        properties: {
          accessKeyId: { type: "string", pattern: ACCESS_KEY_ID },
          secretAccessKey: { type: "string", minLength: 8, maxLength: 256 },
          status: { enum: ["Active", "Inactive"] },
        },
      },
    },
  },
} as const;

const REPLICATION = "^(DEFAULT|STANDALONE/ONE|RATIS/(ONE|THREE)|EC/[a-z]+-\\d+-\\d+-\\d+k)$";

/**
 * The one description of the settings. Besides validation, each setting (a leaf: a scalar, a list,
 * or a map such as ozone.replication; objects with `additionalProperties: false` are groups) carries
 * annotations that ./config-doc.ts turns into `--help` and the README's configuration table, and
 * that loadConfig turns into its environment variables and flags, so none of these can drift apart:
 * - `description` (required: codegen fails without it): what the setting does, one or two sentences
 *   (Markdown `code` spans allowed: the README shows them, --help drops the backticks);
 * - `env` / `flag`: the environment variable and command-line flag that set it; the value is read
 *   by the setting's type (integer, boolean "true"/"false"/"1"/"0", comma-separated list, string);
 * - `envText`: for the documentation only, when loadConfig reads the environment by hand (credentials);
 * - `defaultText`: what the default means when the value in DEFAULTS alone does not say it.
 * Adding a setting: add it here with its description (and DEFAULTS, Config), then `npm run codegen`.
 */
const schema = {
  type: "object",
  additionalProperties: false,
  required: ["s3", "admin", "backend", "dataDir", "embedded", "credentials", "users", "log", "limits", "workers", "shutdown", "lifecycle", "ozone"],
  properties: {
    s3: {
      type: "object",
      additionalProperties: false,
      required: ["host", "port", "domains", "region", "signatureV2"],
      properties: {
        host: { ...host, env: "S3G_HOST", flag: "--host", description: "Address the S3 API listens on (`0.0.0.0` or `::` for every interface)." },
        port: { ...port, env: "S3G_PORT", flag: "--port", description: "Port of the S3 API (0 = any free port)." },
        domains: {
          type: "array",
          items: { type: "string", pattern: "^[A-Za-z0-9.-]+(:[0-9]+)?$" },
          env: "S3G_DOMAIN",
          flag: "--domain",
          defaultText: "none: path-style only",
          description: "Domains for virtual-hosted-style requests: a request to `<bucket>.<domain>` addresses that bucket.",
        },
        region: { type: "string", pattern: "^[a-z0-9-]+$", env: "S3G_REGION", flag: "--region", description: "The region of this gateway: requests must be signed for it." },
        signatureV2: {
          type: "boolean",
          env: "S3G_SIGNATURE_V2",
          description: "Accept AWS Signature Version 2 (the AWS CLI v1 and boto3 presign with it by default); `false` answers as a SigV4-only S3 region.",
        },
        tls: {
          type: "object",
          additionalProperties: false,
          properties: {
            certFile: {
              type: "string",
              minLength: 1,
              env: "S3G_TLS_CERT",
              flag: "--tls-cert",
              defaultText: "none: plain HTTP",
              description: "PEM certificate (chain) of the S3 port: with `s3.tls.keyFile`, the S3 API is served over HTTPS. Both files are read again on SIGHUP.",
            },
            keyFile: { type: "string", minLength: 1, env: "S3G_TLS_KEY", flag: "--tls-key", description: "PEM private key of `s3.tls.certFile`." },
            caFile: {
              type: "string",
              minLength: 1,
              env: "S3G_TLS_CA",
              flag: "--tls-ca",
              description: "PEM intermediate CA certificates sent after the certificate, when `s3.tls.certFile` holds the certificate alone.",
            },
          },
        },
      },
    },
    admin: {
      type: "object",
      additionalProperties: false,
      required: ["host", "port", "readyTimeoutMs"],
      properties: {
        host: { ...host, env: "S3G_ADMIN_HOST", flag: "--admin-host", description: "Address of the admin server (`/livez`, `/readyz`, `/health`, `/metrics`; plain HTTP)." },
        port: { ...port, env: "S3G_ADMIN_PORT", flag: "--admin-port", description: "Port of the admin server (0 = any free port)." },
        readyTimeoutMs: {
          type: "integer",
          minimum: 10,
          description: "Deadline of the storage check behind `/readyz` and `/health` (the OM's answer on Ozone); slower counts as not ready.",
        },
      },
    },
    backend: { enum: ["embedded", "ozone"], env: "S3G_BACKEND", flag: "--backend", description: "Where objects are stored: `embedded` (SQLite and files in `dataDir`) or `ozone` (an Apache Ozone cluster)." },
    dataDir: { type: "string", minLength: 1, env: "S3G_DATA_DIR", flag: "--data-dir", description: "Directory of the embedded store and of generated credentials." },
    embedded: {
      type: "object",
      additionalProperties: false,
      required: ["directWrites"],
      properties: {
        directWrites: {
          type: "boolean",
          env: "S3G_DIRECT_WRITES",
          description:
            "Write object bodies declared at 1 MiB or more around the page cache (`O_DIRECT`), which costs the kernel about a fifth of the CPU of a write through the cache; a file system that refuses `O_DIRECT` is detected and written through the cache. `false`: every body through the page cache (for a file system where `O_DIRECT` is slow, or a data directory on a network file system).",
        },
      },
    },
    credentials: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["accessKeyId", "secretAccessKey"],
        properties: {
          accessKeyId: { type: "string", pattern: ACCESS_KEY_ID },
          secretAccessKey: { type: "string", minLength: 8, maxLength: 256 },
        },
      },
      envText: "S3G_ACCESS_KEY + S3G_SECRET_KEY (one pair)",
      defaultText: "generated on first start",
      description:
        "Access keys accepted, a list of `{accessKeyId, secretAccessKey}` objects, each a user of its own (display name: the key). With none, no `users` and no `usersFile`, the first start generates a pair, keeps it in `<dataDir>/credentials.json` and prints it once.",
    },
    users: {
      type: "array",
      items: USER_SCHEMA,
      defaultText: "none",
      description:
        "Users, each `{canonicalId, displayName, email?, ozoneUser?, accessKeys: [{accessKeyId, secretAccessKey, status?}]}` (status `Active` or `Inactive`). Buckets and objects belong to the user: every key of a user reaches the same buckets. Fixed until restart; see `usersFile` for changes without one.",
    },
    usersFile: {
      type: "string",
      minLength: 1,
      env: "S3G_USERS_FILE",
      flag: "--users-file",
      defaultText: "none",
      description:
        "A JSON file `{\"users\": [...]}` of more users (as `users`), read at start and again within about a second of every change: keys added, set `Inactive` or removed take effect without a restart. A file that does not parse or validate is logged and the last good set stays in force.",
    },
    log: {
      type: "object",
      additionalProperties: false,
      required: ["level", "audit"],
      properties: {
        level: { enum: ["fatal", "error", "warn", "info", "debug", "trace", "silent"], env: "S3G_LOG_LEVEL", flag: "--log-level", description: "Lowest level logged." },
        audit: { type: "boolean", env: "S3G_AUDIT_LOG", description: "Log one line per request (operation, bucket, key, status, access key)." },
      },
    },
    limits: {
      type: "object",
      additionalProperties: false,
      required: ["maxXmlBodyBytes", "maxObjectBytes", "maxClockSkewSeconds", "headersTimeoutMs", "bodyIdleTimeoutMs", "drainTimeoutMs", "keepAliveTimeoutMs"],
      properties: {
        maxXmlBodyBytes: { type: "integer", minimum: 1024, description: "Largest XML request body (DeleteObjects with 1000 long keys is about 1.1 MB)." },
        maxObjectBytes: { type: "integer", minimum: 1, description: "Largest single PUT or part (5 GiB, as S3)." },
        maxClockSkewSeconds: { type: "integer", minimum: 1, description: "Allowed difference between a signed request's time and the gateway's clock." },
        // 0 would mean "never" to node:http: every timeout here is bounded
        headersTimeoutMs: { type: "integer", minimum: 100, description: "A request's headers must be complete this long after its first byte (also a connection that sends nothing), else `400 RequestTimeout`." },
        bodyIdleTimeoutMs: { type: "integer", minimum: 100, description: "Longest silence inside a request body while the gateway waits for it, else `400 RequestTimeout`." },
        drainTimeoutMs: { type: "integer", minimum: 0, description: "How long the unread rest of a body is received and discarded after an early answer, before the connection is closed." },
        keepAliveTimeoutMs: { type: "integer", minimum: 100, description: "An idle kept-alive connection is closed after this long without a request." },
      },
    },
    workers: {
      type: "integer",
      minimum: 0,
      maximum: 10000,
      env: "S3G_WORKERS",
      flag: "--workers",
      description:
        "Processes serving the S3 and admin ports: `0` = one per CPU core; `1` = one process doing everything. With more than one, a primary process owns the embedded store and restarts a worker that dies.",
    },
    shutdown: {
      type: "object",
      additionalProperties: false,
      required: ["graceMs"],
      properties: { graceMs: { type: "integer", minimum: 0, description: "On SIGTERM/SIGINT, in-flight requests get this long to finish before their connections are cut." } },
    },
    lifecycle: {
      type: "object",
      additionalProperties: false,
      required: ["tickIntervalMs", "entriesPerTick"],
      properties: {
        tickIntervalMs: {
          type: "integer",
          minimum: 10,
          maximum: 86_400_000,
          env: "S3G_LIFECYCLE_TICK_MS",
          description:
            "Pause between two runs of the lifecycle executor, which applies buckets' lifecycle rules (expirations, aborts of old multipart uploads) in the process that owns the store. Each run resumes where the last stopped, also after a restart.",
        },
        entriesPerTick: {
          type: "integer",
          minimum: 1,
          maximum: 100_000,
          description: "Objects, versions and multipart uploads the lifecycle executor examines per run, at most: its work between two pauses is bounded.",
        },
      },
    },
    ozone: {
      type: "object",
      additionalProperties: false,
      required: ["omAddresses", "volume", "replication", "requestTimeoutMs"],
      properties: {
        omAddresses: {
          type: "array",
          items: { type: "string", pattern: HOST_PORT },
          env: "S3G_OZONE_OM_ADDRESS",
          flag: "--ozone-om-address",
          defaultText: "from `ozone.siteXml`, else none",
          description: "The Ozone Managers' gRPC addresses (`host:port`), tried in order; the client fails over among them.",
        },
        volume: { type: "string", pattern: VOLUME, env: "S3G_OZONE_VOLUME", flag: "--ozone-volume", description: "The Ozone volume that holds the S3 buckets." },
        siteXml: { type: "string", minLength: 1, env: "S3G_OZONE_SITE_XML", flag: "--ozone-site-xml", description: "An `ozone-site.xml` to read OM addresses, volume and replication from (below the config file)." },
        replication: {
          type: "object",
          // STANDARD is the fallback of every other class
          required: ["STANDARD"],
          properties: { STANDARD: { type: "string", pattern: REPLICATION } },
          propertyNames: { type: "string", pattern: "^[A-Z_]+$" },
          additionalProperties: { type: "string", pattern: REPLICATION },
          description: "S3 storage class → Ozone replication (`DEFAULT`, `STANDALONE/ONE`, `RATIS/ONE`, `RATIS/THREE` or `EC/<codec>-<data>-<parity>-<chunk>k`); a class not listed uses STANDARD's.",
        },
        ecSchemesAllowed: {
          type: "string",
          minLength: 1,
          description:
            "The EC schemes (`<codec>-<data>-<parity>-<chunk>k`, lower case) a write to a storage class mapped to EC may name in `x-amz-meta-storage-config`, as a regular expression (like Ozone's `ozone.replication.allowed-configs`, which the OM checks too: a scheme such as `xor-2-1-1024k` must be allowed there as well, as `EC/2-1-1024k`); another answers 400 InvalidArgument.",
        },
        requestTimeoutMs: {
          type: "integer",
          minimum: 100,
          // one day; a Ratis write waits up to twice this, within Node's timer limit (2^31-1 ms)
          maximum: 86_400_000,
          description: "Deadline of one OM or datanode call (at most one day).",
        },
      },
    },
  },
} as const;

/** The annotations above, known to ajv so that strict mode accepts them (they validate nothing). */
const ANNOTATIONS = ["env", "flag", "envText", "defaultText"];

/** One setting of the schema, with what documents and sets it. */
export interface Setting {
  /** dotted path in the config file, e.g. "s3.port" */
  key: string;
  path: string[];
  type: "integer" | "boolean" | "list" | "string" | "enum" | "object";
  /** the allowed values of an enum */
  values?: readonly string[];
  description?: string;
  env?: string;
  flag?: string;
  envText?: string;
  defaultText?: string;
}

interface SchemaNode {
  type?: string;
  enum?: readonly string[];
  additionalProperties?: unknown;
  properties?: Record<string, SchemaNode>;
  description?: string;
  env?: string;
  flag?: string;
  envText?: string;
  defaultText?: string;
}

/** The settings of a schema, in schema order: every leaf below the groups. */
export function settingsOf(node: SchemaNode, path: string[] = []): Setting[] {
  if (node.type === "object" && node.additionalProperties === false && node.properties) {
    return Object.entries(node.properties).flatMap(([k, child]) => settingsOf(child, [...path, k]));
  }
  const type = node.enum ? "enum" : node.type === "array" ? "list" : node.type === "integer" || node.type === "boolean" || node.type === "object" ? node.type : "string";
  const { description, env, flag, envText, defaultText } = node;
  return [{ key: path.join("."), path, type, ...(node.enum && { values: node.enum }), description, env, flag, envText, defaultText }];
}

export const SETTINGS: readonly Setting[] = settingsOf(schema as unknown as SchemaNode);

/** The schema, for the test that checks it against JSON Schema's meta-schema (not done at each start, see below). */
export const CONFIG_SCHEMA: object = schema;

// validateSchema off: checking this constant schema against draft-07's meta-schema made ajv compile
// that meta-schema in every process at start (~50 ms each); test/config/schemas.test.ts checks it once.
const validate = new Ajv({ allErrors: true, strict: true, validateSchema: false }).addVocabulary(ANNOTATIONS).compile(schema);

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

/** What the schema's patterns mean, for problem texts. */
const PATTERN_TEXT: Record<string, string> = {
  [HOST_PORT]: "host:port (a DNS name, an IPv4 address or an [IPv6] address; port 1-65535)",
  [VOLUME]: "an Ozone volume name (3-63 of a-z, 0-9, '.' and '-', starting and ending with a letter or digit)",
  [REPLICATION]: "DEFAULT, STANDALONE/ONE, RATIS/ONE, RATIS/THREE or EC/<codec>-<data>-<parity>-<chunk>k",
  "^[A-Z_]+$": "an S3 storage class name (A-Z and _)",
};

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
