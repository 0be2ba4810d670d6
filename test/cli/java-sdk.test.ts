/**
 * The AWS SDK for Java v2 (what Hadoop's S3A, Spark and most JVM users of Ozone's S3 gateway go
 * through) against the real gateway process, at its default settings: over plain HTTP it signs
 * every chunk of a PutObject or UploadPart body and sends a CRC32 trailer, it sends a CRC32 with
 * the operations whose body S3 wants a checksum of, and it encodes copy sources and parses XML its
 * own way. The scenario is test/cli/java-sdk/Scenario.java (each step checks the answers it gets),
 * run with Java's source launcher on the classpath Maven resolves from test/cli/java-sdk/pom.xml
 * (the first run downloads the SDK, ~20 MB, into the local Maven repository).
 *
 * It runs on both backends (on Ozone without the steps Ozone answers 501 to: versioning, bucket
 * policy, lifecycle, CORS).
 *
 * Needs `java` (a JDK: the source launcher compiles) and `mvn`, which CI has for the Ozone
 * cluster. Under CI (CI=true) their absence is a failure; elsewhere the scenario is skipped with a
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
const DIR = path.join(ROOT, "test/cli/java-sdk");

function missingTool(name: string, args: string[]): string | undefined {
  const r = spawnSync(name, args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) return `${name} is not runnable: ${r.error.message}`;
  if (r.status !== 0) return `${name} ${args.join(" ")} failed: ${(r.stderr || r.stdout || "").trim().split("\n").pop()}`;
  return undefined;
}

const missing = [missingTool("java", ["-version"]), missingTool("javac", ["-version"]), missingTool("mvn", ["-v"])].filter((p): p is string => p !== undefined);
if (missing.length > 0 && !IN_CI) console.warn(`skipping the AWS SDK for Java scenario: ${missing.join("; ")}`);

/** The steps Scenario.java leaves out on the Ozone backend, which answers them 501. */
const NOT_ON_OZONE = ["versioning, and two versions listed", "bucket policy, lifecycle, CORS, canned ACL"];
/** The scenario's steps, in its order: each must print "ok <name>". */
const ALL_STEPS = [
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
];
const STEPS = ON_OZONE ? ALL_STEPS.filter((s) => !NOT_ON_OZONE.includes(s)) : ALL_STEPS;

function run(file: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: DIR, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
    });
  });
}

describe("the AWS SDK for Java v2 against the gateway process", () => {
  it("has java, javac and mvn (required under CI; elsewhere the scenario skips without them)", (ctx) => {
    if (missing.length > 0 && !IN_CI) ctx.skip();
    expect(missing).toEqual([]);
  });

  describe.skipIf(missing.length > 0)("scenario", () => {
    let gw: RunningGateway;
    let work: string;
    let lines: string[] = [];
    let output = "";

    beforeAll(async () => {
      work = await mkdtemp(path.join(os.tmpdir(), "s3gw-java-sdk-"));
      const classpathFile = path.join(work, "classpath.txt");
      const mvn = await run("mvn", ["-B", "-q", "-Dstyle.color=never", "-f", path.join(DIR, "pom.xml"), "dependency:build-classpath", `-Dmdep.outputFile=${classpathFile}`], 540_000);
      if (mvn.code !== 0) throw new Error(`mvn could not resolve the SDK (exit ${mvn.code}):\n${mvn.stdout}\n${mvn.stderr}`);
      const classpath = (await readFile(classpathFile, "utf8")).trim();
      gw = await startGateway();
      const java = await run("java", ["-cp", classpath, path.join(DIR, "Scenario.java"), gw.endpoint, gw.accessKeyId, gw.secretAccessKey, "java-sdk-scenario", ...(ON_OZONE ? ["ozone"] : [])], 240_000);
      output = `exit ${java.code}\nstdout:\n${java.stdout}\nstderr:\n${java.stderr}`;
      lines = java.stdout.split("\n");
    }, 600_000);

    afterAll(async () => {
      await gw?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it.each(STEPS)("%s", (name) => {
      expect(lines.some((l) => l === `ok ${name}`), `"${name}" did not pass:\n${output}`).toBe(true);
    });

    it("ran no other step, and exited 0", () => {
      expect(lines.filter(Boolean), output).toEqual(STEPS.map((s) => `ok ${s}`));
      expect(output.startsWith("exit 0"), output).toBe(true);
    });
  });
});
