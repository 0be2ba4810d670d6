/**
 * The AWS SDKs for Java and Hadoop's S3A against the real gateway process, each at its default
 * settings, through a scenario of its own run with Java's source launcher on the classpath Maven
 * resolves from the scenario's pom.xml (the first run downloads the SDK into the local Maven
 * repository: ~20 MB for v2, ~10 MB for v1, hadoop-aws and what hadoop-common needs besides Ozone's
 * jars). Each step of a scenario checks the answers it gets and prints "ok <step>".
 *
 * - v2 (test/cli/java-sdk/: what Hadoop 3.4's S3A, Spark and most JVM users of Ozone's S3 gateway
 *   go through): over plain HTTP it signs every chunk of a PutObject or UploadPart body and sends a
 *   CRC32 trailer, it sends a CRC32 with the operations whose body S3 wants a checksum of, and it
 *   encodes copy sources and parses XML its own way.
 * - v1 (test/cli/java-sdk-v1/: Hadoop 3.3's S3A, older Spark, Presto and Flink, much enterprise
 *   Java): signed chunks without a trailer, a Content-MD5 with uploads and the returned ETag checked
 *   against it, downloads checked against the ETag, doesBucketExistV2 through GetBucketAcl,
 *   url-encoded ListObjects, TransferManager's parallel parts, PutBucketVersioning without a
 *   Content-MD5.
 * - Hadoop's S3A filesystem (test/cli/hadoop-s3a/: hadoop-aws 3.4.3 on the v2 SDK, what Spark, Hive
 *   and `hadoop fs` use, Ozone's users first among them): directories as markers and prefixes,
 *   HEAD and delimited LIST probes, block uploads, ranged reads reopened on seeks, renames by copy
 *   and delete, bulk deletes.
 *
 * All run on both backends (on Ozone without the steps Ozone answers 501 to: versioning, bucket
 * policy, lifecycle, CORS).
 *
 * Needs `java` (a JDK: the source launcher compiles) and `mvn`, which CI has for the Ozone
 * cluster. Under CI (CI=true) their absence is a failure; elsewhere the scenarios are skipped with a
 * message, as the AWS CLI's is.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startGateway, type RunningGateway } from "../support/server.js";
import { ON_OZONE } from "../support/ozone.js";

const IN_CI = process.env.CI === "true";
function missingTool(name: string, args: string[]): string | undefined {
  const r = spawnSync(name, args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) return `${name} is not runnable: ${r.error.message}`;
  if (r.status !== 0) return `${name} ${args.join(" ")} failed: ${(r.stderr || r.stdout || "").trim().split("\n").pop()}`;
  return undefined;
}

const missing = [missingTool("java", ["-version"]), missingTool("javac", ["-version"]), missingTool("mvn", ["-v"])].filter((p): p is string => p !== undefined);
if (missing.length > 0 && !IN_CI) console.warn(`skipping the AWS SDK for Java scenarios: ${missing.join("; ")}`);

interface Scenario {
  title: string;
  dir: string;
  bucket: string;
  /** the scenario's steps, in its order: each must print "ok <name>" */
  steps: string[];
  /** the steps it leaves out on the Ozone backend, which answers them 501 */
  notOnOzone: string[];
}

const SCENARIOS: Scenario[] = [
  {
    title: "the AWS SDK for Java v2",
    dir: path.join(ROOT, "test/cli/java-sdk"),
    bucket: "java-sdk-scenario",
    steps: [
      "createBucket, headBucket",
      "putObject with metadata, headObject",
      "putObject of a 12 MiB stream, read back whole and by range",
      "getObject with checksum mode: the CRC32 the SDK sent",
      "copyObject of a key with spaces, + and % and outside ASCII",
      "multipart upload with CRC32 part checksums, listParts, getObjectAttributes",
      "uploadPartCopy of a byte range",
      "listObjectsV2 in pages of 2, with a delimiter, and ListObjects with encoding-type=url",
      "object tags",
      "versioning, and two versions listed",
      "bucket policy, lifecycle, CORS, canned ACL",
      "presigned GET and PUT through HttpURLConnection",
      "deleteObjects, and a missing key is NoSuchKey on GET and on HEAD",
    ],
    notOnOzone: ["versioning, and two versions listed", "bucket policy, lifecycle, CORS, canned ACL"],
  },
  {
    title: "the AWS SDK for Java v1",
    dir: path.join(ROOT, "test/cli/java-sdk-v1"),
    bucket: "java-sdk-v1-scenario",
    steps: [
      "createBucket, doesBucketExistV2",
      "putObject with metadata, the ETag checked against the MD5, getObjectMetadata",
      "putObject of 12 MiB in signed chunks, read back whole (MD5 checked by the SDK) and by range",
      "TransferManager: an upload in 5 MiB parts sent in parallel, and a download",
      "copyObject of keys with spaces, + and % and outside ASCII",
      "listObjects (v1, url-encoded keys) with a delimiter and markers, listObjectsV2 in pages",
      "object tags",
      "versioning (set without a Content-MD5), and two versions listed",
      "lifecycle and CORS (with the Content-MD5 the SDK computes)",
      "presigned GET and PUT through HttpURLConnection",
      "deleteObjects, and a missing key is NoSuchKey on GET and 404 on HEAD",
    ],
    notOnOzone: ["versioning (set without a Content-MD5), and two versions listed", "lifecycle and CORS (with the Content-MD5 the SDK computes)"],
  },
  {
    title: "Hadoop's S3A filesystem",
    dir: path.join(ROOT, "test/cli/hadoop-s3a"),
    bucket: "hadoop-s3a-scenario",
    steps: [
      "mkdirs, and an empty directory is a directory",
      "create a small file and a 12 MiB one (multipart in 5 MiB blocks), listStatus",
      "open, seek and readFully across block boundaries; the whole file byte for byte",
      "rename a directory (copy and delete of each file), and globStatus",
      "copyFromLocalFile and copyToLocalFile",
      "delete a tree recursively: nothing left under it",
    ],
    notOnOzone: [],
  },
];

function run(cwd: string, file: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
    });
  });
}

it("has java, javac and mvn (required under CI; elsewhere the scenarios skip without them)", (ctx) => {
  if (missing.length > 0 && !IN_CI) ctx.skip();
  expect(missing).toEqual([]);
});

describe.skipIf(missing.length > 0).each(SCENARIOS)("$title against the gateway process", (scenario) => {
  const steps = ON_OZONE ? scenario.steps.filter((s) => !scenario.notOnOzone.includes(s)) : scenario.steps;
  let gw: RunningGateway;
  let work: string;
  let lines: string[] = [];
  let output = "";

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "s3gw-java-sdk-"));
    const classpathFile = path.join(work, "classpath.txt");
    const mvn = await run(scenario.dir, "mvn", ["-B", "-q", "-Dstyle.color=never", "-f", path.join(scenario.dir, "pom.xml"), "dependency:build-classpath", `-Dmdep.outputFile=${classpathFile}`], 540_000);
    if (mvn.code !== 0) throw new Error(`mvn could not resolve the SDK (exit ${mvn.code}):\n${mvn.stdout}\n${mvn.stderr}`);
    const classpath = (await readFile(classpathFile, "utf8")).trim();
    gw = await startGateway();
    const args = [gw.endpoint, gw.accessKeyId, gw.secretAccessKey, scenario.bucket, ...(ON_OZONE ? ["ozone"] : [])];
    // (the v1 SDK's end-of-support notice would fill stderr)
    const java = await run(scenario.dir, "java", ["-Daws.java.v1.disableDeprecationAnnouncement=true", "-cp", classpath, path.join(scenario.dir, "Scenario.java"), ...args], 240_000);
    output = `exit ${java.code}\nstdout:\n${java.stdout}\nstderr:\n${java.stderr}`;
    lines = java.stdout.split("\n");
  }, 600_000);

  afterAll(async () => {
    await gw?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each(steps)("%s", (name) => {
    expect(lines.some((l) => l === `ok ${name}`), `"${name}" did not pass:\n${output}`).toBe(true);
  });

  it("ran no other step, and exited 0", () => {
    expect(lines.filter(Boolean), output).toEqual(steps.map((s) => `ok ${s}`));
    expect(output.startsWith("exit 0"), output).toBe(true);
  });
});
