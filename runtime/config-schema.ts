/**
 * The configuration's schema (runtime/config.ts loads and validates with it): every setting with its
 * type, limits and description, and the annotations that make its environment variable, its flag and
 * its documentation (`--help`, the README's table), so that none of these can drift apart.
 */
import { HOST_PORT } from "./ozone-site-xml.js";

const port = { type: "integer", minimum: 0, maximum: 65535 };
const host = { type: "string", minLength: 1 };

/**
 * Ozone volume names (HddsClientUtils.verifyResourceName): 3-63 characters of lowercase letters,
 * digits, '-' and '.', starting and ending with a letter or digit, no "..", ".-" or "-.", not an IPv4 address.
 */
const VOLUME = "^(?=.{3,63}$)(?!\\d+\\.\\d+\\.\\d+\\.\\d+$)(?!.*(\\.\\.|\\.-|-\\.))[a-z0-9][a-z0-9.-]*[a-z0-9]$";
/** S3 access key ids: what this gateway has always accepted (AWS's own are 20 upper-case letters and digits) */
const ACCESS_KEY_ID = "^[A-Za-z0-9_.-]{3,128}$";
/** An access key pair, as the config file's `credentials` and a user's `accessKeys` both give it. */
const ACCESS_KEY_PAIR = {
  accessKeyId: { type: "string", pattern: ACCESS_KEY_ID },
  secretAccessKey: { type: "string", minLength: 8, maxLength: 256 },
} as const;

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
          ...ACCESS_KEY_PAIR,
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
 * Adding a setting: add it here with its description (and DEFAULTS and Config in config.ts), then `npm run codegen`.
 */
const schema = {
  type: "object",
  additionalProperties: false,
  required: ["s3", "admin", "backend", "dataDir", "embedded", "credentials", "users", "log", "limits", "workers", "placement", "shutdown", "lifecycle", "ozone"],
  properties: {
    s3: {
      type: "object",
      additionalProperties: false,
      required: ["host", "port", "domains", "trustedProxies", "region", "signatureV2", "encryptedAtRest"],
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
        trustedProxies: {
          type: "array",
          items: { type: "string", pattern: "^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$" },
          env: "S3G_TRUSTED_PROXIES",
          defaultText: "none: the connection's peer is the client",
          description:
            "Reverse proxies or load balancers in front of the S3 port (addresses or CIDR ranges): a request whose connection comes from one of them is taken from its X-Forwarded-For (the client's address: `aws:SourceIp`, the audit log), X-Forwarded-Proto (`aws:SecureTransport`, the scheme of the URLs answers name) and X-Forwarded-Host. From any other peer those headers are ignored.",
        },
        region: { type: "string", pattern: "^[a-z0-9-]+$", env: "S3G_REGION", flag: "--region", description: "The region of this gateway: requests must be signed for it." },
        signatureV2: {
          type: "boolean",
          env: "S3G_SIGNATURE_V2",
          description: "Accept AWS Signature Version 2 (the AWS CLI v1 and boto3 presign with it by default); `false` answers as a SigV4-only S3 region.",
        },
        encryptedAtRest: {
          type: "boolean",
          env: "S3G_ENCRYPTED_AT_REST",
          description:
            "The operator's statement that the storage under the gateway is encrypted at rest (an encrypted file system or disks under the embedded store's data directory, or under Ozone's datanodes): SSE-S3 (`x-amz-server-side-encryption: AES256`, which Terraform's S3 backend with `encrypt = true` sends) is then taken, every object is answered as AES256-encrypted and GetBucketEncryption answers SSE-S3, as S3 does. The gateway does not encrypt objects itself: with `false`, AES256 answers 501 NotImplemented.",
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
      required: ["directWrites", "sendfile"],
      properties: {
        sendfile: {
          type: "boolean",
          env: "S3G_SENDFILE",
          description:
            "Send the file bytes of a GET from the page cache to the socket by `sendfile(2)`, not through the process (plain HTTP only: TLS encrypts in the process). Needs the addon `npm install` builds (`native/sendfile`); without it, or with `false`, the bytes are read and written by the process. A client that reads nothing of such an answer for `limits.bodyIdleTimeoutMs` has its connection closed.",
        },
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
          ...ACCESS_KEY_PAIR,
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
        bodyIdleTimeoutMs: { type: "integer", minimum: 100, description: "Longest silence inside a request body while the gateway waits for it, else `400 RequestTimeout`; also the longest a client may take no byte of a streamed answer (a GET's body) before its connection is closed." },
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
        "Processes serving S3 requests: `0` = one per CPU core; `1` = one process doing everything. With more than one, the primary process owns the embedded store, serves the admin port and its share of the S3 connections (`placement`), and hands the others to `workers - 1` worker processes, replacing one that dies.",
    },
    placement: {
      enum: ["load", "turn"],
      env: "S3G_PLACEMENT",
      flag: "--placement",
      description:
        "With workers, where the primary puts each S3 connection: `load` = on the first process (the primary, then the workers) that is not overloaded (its event loop over 80% busy with more than 16 connections, or with requests of 10 ms or more each), and a process overloaded for half a second closes a quarter of its connections at the end of their next answer, so that their clients reconnect where there is room; `turn` = on each process in turn.",
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
      required: ["omAddresses", "volume", "replication", "bucketLayout", "requestTimeoutMs"],
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
        bucketLayout: {
          type: "string",
          enum: ["OBJECT_STORE", "FILE_SYSTEM_OPTIMIZED"],
          env: "S3G_OZONE_BUCKET_LAYOUT",
          flag: "--ozone-bucket-layout",
          description:
            "The layout of a bucket CreateBucket makes (Ozone's gateway: `ozone.s3g.default.bucket.layout`): `OBJECT_STORE`, or `FILE_SYSTEM_OPTIMIZED` for buckets Hadoop clients (ofs://) also use as a file system, whose keys are paths (see Running on Apache Ozone).",
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
export const ANNOTATIONS = ["env", "flag", "envText", "defaultText"];

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

/** What the schema's patterns mean, for problem texts. */
export const PATTERN_TEXT: Record<string, string> = {
  [HOST_PORT]: "host:port (a DNS name, an IPv4 address or an [IPv6] address; port 1-65535)",
  [VOLUME]: "an Ozone volume name (3-63 of a-z, 0-9, '.' and '-', starting and ending with a letter or digit)",
  [REPLICATION]: "DEFAULT, STANDALONE/ONE, RATIS/ONE, RATIS/THREE or EC/<codec>-<data>-<parity>-<chunk>k",
  "^[A-Z_]+$": "an S3 storage class name (A-Z and _)",
};
