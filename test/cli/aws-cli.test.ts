/**
 * The AWS CLI against the real gateway process: the high-level `aws s3` commands (mb, cp, ls, sync,
 * rm, rb, presign), `aws s3api head-object`, and presigned URLs fetched with curl: SigV4 ones, and
 * the SigV2 ones the CLI v1 makes at its default settings.
 *
 * The CLI runs with its own environment only: credentials and region from env, and temporary config
 * and credentials files, so that a developer's ~/.aws cannot change what is tested.
 *
 * The scenario runs with the AWS CLI v1 and with v2 (findClis: pip's awscli and Debian's awscli
 * 2.9, whose bundled botocore predates the 2025 default checksums; scripts/install-test-tools.sh
 * installs both). Needs them and `curl`. Under CI (CI=true) their absence is a failure; elsewhere the
 * scenario is skipped with a message.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, constants as fsConstants } from "node:fs";
import { access, mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { ON_OZONE, settled } from "../support/ozone.js";
import { ozoneMultipartEtag } from "../../runtime/storage/ozone/store.js";

const IN_CI = process.env.CI === "true";

/** `which`: the first executable called `name` on PATH. */
async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A tool counts as present when it is on PATH and `<tool> --version` runs (a pyenv shim may not). */
async function findTool(name: string): Promise<{ path?: string; problem?: string }> {
  const found = await findOnPath(name);
  if (!found) return { problem: `${name} is not on PATH` };
  const run = spawnSync(found, ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (run.status !== 0) return { problem: `${found} --version failed: ${(run.stderr || run.error?.message || "").trim()}` };
  return { path: found };
}

interface Cli {
  major: 1 | 2;
  path?: string;
  problem?: string;
}

/**
 * The AWS CLI v1 and v2, told apart by what `aws --version` answers: `aws` on PATH (pip's awscli,
 * v1, on this project's CI) and Debian's awscli package (v2, /usr/bin/aws). Each runs the whole
 * scenario; they differ where clients do (v2 bundles its own, older botocore, presigns with SigV4
 * by default, pages and prints otherwise).
 */
async function findClis(): Promise<Cli[]> {
  const found = new Map<number, string>();
  for (const candidate of new Set([await findOnPath("aws"), "/usr/bin/aws", "/usr/local/bin/aws"])) {
    if (candidate === undefined) continue;
    const r = spawnSync(candidate, ["--version"], { encoding: "utf8", timeout: 30_000 });
    const major = r.status === 0 ? /aws-cli\/(\d+)\./.exec(`${r.stdout}${r.stderr}`)?.[1] : undefined;
    if (major !== undefined && !found.has(Number(major))) found.set(Number(major), candidate);
  }
  return ([1, 2] as const).map((major) => {
    const at = found.get(major);
    return at !== undefined ? { major, path: at } : { major, problem: `no AWS CLI v${major} (aws on PATH, /usr/bin/aws, /usr/local/bin/aws)` };
  });
}

const CLIS = await findClis();
const CURL = await findTool("curl");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Every regular file under `dir`, as paths relative to it with "/" separators, sorted. */
async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listTree(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

/** S3 error code in an XML error body. */
function errorCode(xml: string): string | undefined {
  return /<Error>[\s\S]*?<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}

/** The CLI's multipart part size, set in its config so the expected ETag can be computed. */
const CHUNK_BYTES = 8 * 1024 * 1024;

for (const AWS of CLIS) {
  const missing = [AWS.problem, CURL.problem].filter((p): p is string => p !== undefined);
  if (missing.length > 0 && !IN_CI) console.warn(`skipping the AWS CLI v${AWS.major} scenario: ${missing.join("; ")}`);

  describe(`AWS CLI v${AWS.major} against the gateway process`, () => {
    it(`has the AWS CLI v${AWS.major} and curl (required under CI; elsewhere the scenario skips without them)`, (ctx) => {
      if (missing.length > 0 && !IN_CI) ctx.skip();
      expect(missing, "the AWS CLI scenario needs the CLI and curl").toEqual([]);
    });

    describe.skipIf(missing.length > 0)("scenario", () => {
      let gw: RunningGateway;
      let work: string;
      let env: NodeJS.ProcessEnv;
      /** the same, with an empty config file: the CLI at its default settings */
      let defaultEnv: NodeJS.ProcessEnv;
      const bucket = "cli-scenario";

      /** Runs the CLI against the gateway. */
      function aws(...args: string[]): Promise<Run> {
        return run(AWS.path!, [...args, "--endpoint-url", gw.endpoint], env);
      }
      /** Runs the CLI and fails the test with the CLI's own output unless it exits 0. */
      async function awsOk(...args: string[]): Promise<string> {
        const r = await aws(...args);
        if (r.code !== 0) expect.fail(`aws ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\ngateway: ${gw.output()}`);
        return r.stdout;
      }
      /** GET with curl: the status and the body file's bytes. */
      async function curlGet(url: string): Promise<{ status: number; body: Buffer }> {
        const bodyFile = path.join(work, `curl-${randomBytes(4).toString("hex")}`);
        const r = await run(CURL.path!, ["-sS", "-o", bodyFile, "-w", "%{http_code}", url], env);
        if (r.code !== 0) expect.fail(`curl ${url} exited ${r.code}: ${r.stderr}`);
        return { status: Number(r.stdout), body: await readFile(bodyFile) };
      }

      beforeAll(async () => {
        gw = await startGateway();
        work = await mkdtemp(path.join(os.tmpdir(), "s3gw-cli-"));
        const credentialsFile = path.join(work, "aws-credentials");
        const configFile = path.join(work, "aws-config");
        await writeFile(credentialsFile, "");
        // Nothing but what the scenario depends on: SigV4 presigned URLs (AWS CLI v1 presigns with
        // SigV2 unless told; v2 already uses SigV4) and a known part size for the multipart ETag.
        // The default settings (SigV2 presigning) have a test of their own, with an empty config.
        await writeFile(
          configFile,
          `[default]\ns3 =\n    signature_version = s3v4\n    multipart_threshold = ${CHUNK_BYTES}\n    multipart_chunksize = ${CHUNK_BYTES}\n`,
        );
        // the developer's AWS_* settings (profile, endpoint, CA bundle...) must not leak in
        const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
        env = {
          ...inherited,
          AWS_ACCESS_KEY_ID: gw.accessKeyId,
          AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
          AWS_DEFAULT_REGION: "us-east-1",
          AWS_MAX_ATTEMPTS: "1",
          AWS_CONFIG_FILE: configFile,
          AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
          AWS_PAGER: "",
        };
        const emptyConfig = path.join(work, "aws-config-default");
        await writeFile(emptyConfig, "");
        defaultEnv = { ...env, AWS_CONFIG_FILE: emptyConfig };
      });

      afterAll(async () => {
        await gw?.stop();
        if (work) await rm(work, { recursive: true, force: true });
      });

      it("makes a bucket (mb) and lists it (ls)", async () => {
        expect(await awsOk("s3", "mb", `s3://${bucket}`)).toContain(`make_bucket: ${bucket}`);
        const listing = await awsOk("s3", "ls");
        expect(listing.split("\n").some((line) => line.trim().endsWith(` ${bucket}`))).toBe(true);
        // making it again succeeds and changes nothing, as in us-east-1
        const again = await aws("s3", "mb", `s3://${bucket}`);
        expect(again.code).toBe(0);
      });

      it("copies a file up and back down (cp) and lists it (ls, ls --recursive)", async () => {
        const body = randomBytes(123_457);
        const local = path.join(work, "single.bin");
        await writeFile(local, body);
        await awsOk("s3", "cp", local, `s3://${bucket}/docs/single.bin`, "--no-progress");
        await awsOk("s3", "cp", local, `s3://${bucket}/top.bin`, "--no-progress");

        const back = path.join(work, "single-back.bin");
        await awsOk("s3", "cp", `s3://${bucket}/docs/single.bin`, back, "--no-progress");
        expect((await readFile(back)).equals(body)).toBe(true);

        // ls without --recursive: one level, with the "directory" as PRE
        const top = (await awsOk("s3", "ls", `s3://${bucket}`)).split("\n").filter(Boolean);
        expect(top.some((line) => /^\s*PRE docs\/$/.test(line))).toBe(true);
        expect(top.some((line) => new RegExp(`\\s${body.length} top\\.bin$`).test(line))).toBe(true);
        expect(top.some((line) => line.includes("single.bin"))).toBe(false);

        const all = (await awsOk("s3", "ls", "--recursive", `s3://${bucket}`)).split("\n").filter(Boolean);
        const keys = all.map((line) => /^\S+ \S+\s+(\d+) (.*)$/.exec(line)).map((m) => m && { size: Number(m[1]), key: m[2] });
        expect(keys).toEqual([
          { size: body.length, key: "docs/single.bin" },
          { size: body.length, key: "top.bin" },
        ]);
      });

      it("syncs a directory tree up and back down byte for byte, unicode and spaces included", async () => {
        const src = path.join(work, "tree");
        const files: Record<string, Buffer> = {
          "readme.txt": Buffer.from("top level\n"),
          "empty.dat": Buffer.alloc(0),
          "a/one.bin": randomBytes(4096),
          "a/b/c/deep.bin": randomBytes(70_001),
          "a/with space/file with spaces.txt": Buffer.from("spaces in directory and file names\n"),
          "unicode/héllo wörld – ünïcödé.txt": Buffer.from("accents, a dash\n"),
          "unicode/日本語 ファイル.bin": randomBytes(333),
          "unicode/emoji 🚀.txt": Buffer.from("astral plane\n"),
        };
        // file times a minute in the past: the second sync must see the uploaded copies as current
        const past = new Date(Date.now() - 60_000);
        for (const [rel, data] of Object.entries(files)) {
          const file = path.join(src, rel);
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, data);
          await utimes(file, past, past);
        }

        const up = await awsOk("s3", "sync", src, `s3://${bucket}/tree`, "--no-progress");
        expect(up.split("\n").filter((l) => l.startsWith("upload:"))).toHaveLength(Object.keys(files).length);

        // the keys are the relative paths, exactly (UTF-8, spaces)
        const listed = await gw.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "tree/" }));
        expect((listed.Contents ?? []).map((o) => [o.Key, o.Size])).toEqual(
          Object.entries(files)
            .map(([rel, data]) => [`tree/${rel}`, data.length] as const)
            .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
        );

        // nothing changed: sizes and times from the listing say every object is current
        expect(await awsOk("s3", "sync", src, `s3://${bucket}/tree`, "--no-progress")).toBe("");

        const dst = path.join(work, "tree-back");
        await awsOk("s3", "sync", `s3://${bucket}/tree`, dst, "--no-progress");
        expect(await listTree(dst)).toEqual(Object.keys(files).sort());
        for (const [rel, data] of Object.entries(files)) {
          expect((await readFile(path.join(dst, rel))).equals(data), rel).toBe(true);
        }

        // sync --delete removes what is gone locally
        await rm(path.join(src, "unicode/emoji 🚀.txt"));
        const del = await awsOk("s3", "sync", src, `s3://${bucket}/tree`, "--delete", "--no-progress");
        expect(del).toContain("delete: s3://");
        const after = await gw.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "tree/unicode/" }));
        expect((after.Contents ?? []).map((o) => o.Key).sort()).toEqual(["tree/unicode/héllo wörld – ünïcödé.txt", "tree/unicode/日本語 ファイル.bin"]);
      });

      it("uploads 100 MiB with multipart (cp) and downloads it back identical; head-object shows the -N ETag, get-object-attributes its parts", async () => {
        const size = 100 * 1024 * 1024;
        const big = path.join(work, "big.bin");
        const out = createWriteStream(big);
        // random data, written in 1 MiB blocks; each block's md5 feeds the expected multipart ETag
        const partDigests: Buffer[] = [];
        let part = createHash("md5");
        let inPart = 0;
        for (let written = 0; written < size; written += 1024 * 1024) {
          const block = randomBytes(1024 * 1024);
          part.update(block);
          inPart += block.length;
          if (inPart === CHUNK_BYTES) {
            partDigests.push(part.digest());
            part = createHash("md5");
            inPart = 0;
          }
          if (!out.write(block)) await once(out, "drain");
        }
        if (inPart > 0) partDigests.push(part.digest());
        out.end();
        await once(out, "finish");
        // AWS's multipart ETag; on Ozone the OM makes it its own way (MD5 of the parts' hex ETags)
        const expectedEtag = ON_OZONE
          ? `"${ozoneMultipartEtag(partDigests.map((d) => d.toString("hex")))}"`
          : `"${createHash("md5").update(Buffer.concat(partDigests)).digest("hex")}-${partDigests.length}"`;

        await awsOk("s3", "cp", big, `s3://${bucket}/big/100MiB.bin`, "--only-show-errors");
        const back = path.join(work, "big-back.bin");
        await awsOk("s3", "cp", `s3://${bucket}/big/100MiB.bin`, back, "--only-show-errors");
        expect(await sha256File(back)).toBe(await sha256File(big));

        const head = JSON.parse(await awsOk("s3api", "head-object", "--bucket", bucket, "--key", "big/100MiB.bin", "--output", "json")) as {
          ETag: string;
          ContentLength: number;
        };
        expect(head.ContentLength).toBe(size);
        expect(head.ETag).toMatch(/^"[0-9a-f]{32}-\d+"$/);
        expect(head.ETag).toBe(expectedEtag);

        // get-object-attributes (botocore's parser: PartsCount as TotalPartsCount, the ETag unquoted)
        const attributes = JSON.parse(
          await awsOk("s3api", "get-object-attributes", "--bucket", bucket, "--key", "big/100MiB.bin", "--object-attributes", "ETag", "ObjectParts", "ObjectSize", "StorageClass", "--max-parts", "2", "--output", "json"),
        ) as { ETag: string; ObjectSize: number; StorageClass: string; ObjectParts: { TotalPartsCount: number; MaxParts: number; IsTruncated: boolean; Parts: { PartNumber: number; Size: number }[] } };
        expect(attributes.ETag).toBe(expectedEtag.replace(/"/g, ""));
        expect(attributes.ObjectSize).toBe(size);
        expect(attributes.StorageClass).toBe("STANDARD");
        expect(attributes.ObjectParts).toMatchObject({ TotalPartsCount: partDigests.length, MaxParts: 2, IsTruncated: true });
        expect(attributes.ObjectParts.Parts.map((p) => [p.PartNumber, p.Size])).toEqual([
          [1, CHUNK_BYTES],
          [2, CHUNK_BYTES],
        ]);
        await rm(big);
        await rm(back);
      }, 180_000);

      it("serves a presigned GET (presign + curl); a tampered signature and an expired URL are refused", async () => {
        const body = randomBytes(10_000);
        const local = path.join(work, "presigned.bin");
        await writeFile(local, body);
        await awsOk("s3", "cp", local, `s3://${bucket}/shared/presigned file.bin`, "--no-progress");

        const url = (await awsOk("s3", "presign", `s3://${bucket}/shared/presigned file.bin`)).trim();
        expect(url).toContain("X-Amz-Signature=");
        const ok = await curlGet(url);
        expect(ok.status).toBe(200);
        expect(ok.body.equals(body)).toBe(true);

        // one hex digit of the signature changed
        const tampered = url.replace(/(X-Amz-Signature=[0-9a-f]*)([0-9a-f])$/, (_m, head: string, last: string) => head + (last === "0" ? "1" : "0"));
        expect(tampered).not.toBe(url);
        const bad = await curlGet(tampered);
        expect(bad.status).toBe(403);
        expect(errorCode(bad.body.toString("utf8"))).toBe("SignatureDoesNotMatch");

        const shortLived = (await awsOk("s3", "presign", `s3://${bucket}/shared/presigned file.bin`, "--expires-in", "1")).trim();
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const expired = await curlGet(shortLived);
        expect(expired.status).toBe(403);
        expect(errorCode(expired.body.toString("utf8"))).toBe("AccessDenied");
      });

      it.skipIf(AWS.major !== 1)("at its default settings presigns with SigV2: curl GETs the URL; a changed Signature or Expires is SignatureDoesNotMatch, an expired URL AccessDenied", async () => {
        const body = randomBytes(7_777);
        const local = path.join(work, "presigned-v2.bin");
        await writeFile(local, body);
        const key = "shared/v2 presigned ü+file.bin";
        await awsOk("s3", "cp", local, `s3://${bucket}/${key}`, "--no-progress");

        const presign = async (...extra: string[]) => {
          const r = await run(AWS.path!, ["s3", "presign", `s3://${bucket}/${key}`, ...extra, "--endpoint-url", gw.endpoint], defaultEnv);
          if (r.code !== 0) expect.fail(`aws s3 presign exited ${r.code}: ${r.stderr}`);
          return r.stdout.trim();
        };
        const url = await presign();
        // what the README's `aws s3 presign` example gives a user of the AWS CLI v1
        expect(url).toMatch(/[?&]AWSAccessKeyId=[^&]+&Signature=[^&]+&Expires=\d+$/);
        const ok = await curlGet(url);
        expect(ok.status).toBe(200);
        expect(ok.body.equals(body)).toBe(true);

        const signature = /Signature=([^&]+)/.exec(url)![1];
        const otherSignature = (signature.startsWith("A") ? "B" : "A") + signature.slice(1);
        const badSignature = await curlGet(url.replace(`Signature=${signature}`, `Signature=${otherSignature}`));
        expect(badSignature.status).toBe(403);
        expect(errorCode(badSignature.body.toString("utf8"))).toBe("SignatureDoesNotMatch");
        expect(badSignature.body.toString("utf8")).toContain("<StringToSign>GET\n\n\n");

        const laterExpiry = await curlGet(url.replace(/Expires=(\d+)$/, (_m, e: string) => `Expires=${Number(e) + 3600}`));
        expect(laterExpiry.status).toBe(403);
        expect(errorCode(laterExpiry.body.toString("utf8"))).toBe("SignatureDoesNotMatch");

        const shortLived = await presign("--expires-in", "1");
        expect(shortLived).toContain("AWSAccessKeyId=");
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const expired = await curlGet(shortLived);
        expect(expired.status).toBe(403);
        expect(errorCode(expired.body.toString("utf8"))).toBe("AccessDenied");
        expect(expired.body.toString("utf8")).toContain("<Message>Request has expired</Message>");
      });

      it.skipIf(AWS.major !== 2)("at its default settings presigns with SigV4, which curl GETs", async () => {
        const key = "shared/v4 presigned ü+file.bin";
        const body = randomBytes(4_321);
        const local = path.join(work, "presigned-v4-default.bin");
        await writeFile(local, body);
        await awsOk("s3", "cp", local, `s3://${bucket}/${key}`, "--no-progress");
        const r = await run(AWS.path!, ["s3", "presign", `s3://${bucket}/${key}`, "--endpoint-url", gw.endpoint], defaultEnv);
        if (r.code !== 0) expect.fail(`aws s3 presign exited ${r.code}: ${r.stderr}`);
        const url = r.stdout.trim();
        expect(url).toMatch(/[?&]X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
        const got = await curlGet(url);
        expect([got.status, got.body.equals(body)]).toEqual([200, true]);
      });

      it.skipIf(AWS.major !== 1)("with s3.signatureV2 off, the CLI's default (SigV2) presigned URL is refused as a SigV4-only region refuses it", async () => {
        const v4only = await startGateway({ env: { S3G_SIGNATURE_V2: "false" }, accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey });
        try {
          const r = await run(AWS.path!, ["s3", "presign", `s3://${bucket}/any`, "--endpoint-url", v4only.endpoint], defaultEnv);
          expect(r.code).toBe(0);
          const refused = await curlGet(r.stdout.trim());
          expect(refused.status).toBe(400);
          expect(errorCode(refused.body.toString("utf8"))).toBe("InvalidRequest");
          expect(refused.body.toString("utf8")).toContain("Please use AWS4-HMAC-SHA256.");
        } finally {
          await v4only.stop();
        }
      });

      it("removes objects (rm, rm --recursive) and the bucket (rb)", async () => {
        const rmOne = await awsOk("s3", "rm", `s3://${bucket}/top.bin`);
        expect(rmOne).toContain(`delete: s3://${bucket}/top.bin`);
        // ls of a prefix nothing matches prints nothing (and exits 1)
        expect((await settled(() => aws("s3", "ls", `s3://${bucket}/top.bin`), (r) => r.stdout === "")).stdout).toBe("");

        // a bucket with objects is not removed
        const notEmpty = await aws("s3", "rb", `s3://${bucket}`);
        expect(notEmpty.code).not.toBe(0);
        expect(notEmpty.stderr).toContain("BucketNotEmpty");

        const before = (await awsOk("s3", "ls", "--recursive", `s3://${bucket}`)).split("\n").filter(Boolean).length;
        expect(before).toBeGreaterThan(0);
        const removed = (await awsOk("s3", "rm", "--recursive", `s3://${bucket}`)).split("\n").filter((l) => l.startsWith("delete:"));
        expect(removed).toHaveLength(before);
        expect(await settled(() => awsOk("s3", "ls", "--recursive", `s3://${bucket}`), (out) => out === "")).toBe("");

        // (on Ozone the OM's empty-bucket check has the same short window as its listings)
        const rb = await settled(() => aws("s3", "rb", `s3://${bucket}`), (r) => r.code === 0);
        expect(rb.stdout).toContain(`remove_bucket: ${bucket}`);
        const listing = await awsOk("s3", "ls");
        expect(listing.split("\n").some((line) => line.trim().endsWith(` ${bucket}`))).toBe(false);
        const gone = await aws("s3api", "head-bucket", "--bucket", bucket);
        expect(gone.code).not.toBe(0);
        expect(gone.stderr).toMatch(/404|Not Found/);
      });
    });
  });
}
