/**
 * rclone against the real gateway process: a Go client (the AWS SDK for Go v1 underneath, with
 * listing, multipart, copy and hashing logic of its own) that many users point at S3-compatible
 * stores to copy, sync and check trees. It is strict about listings, and `rclone check` compares
 * every file's MD5: from the ETag of a single PUT, from the X-Amz-Meta-Md5chksum it stores itself
 * for a multipart one. Here: a tree with awkward names and a 12 MB file uploaded in 5 MiB parts,
 * checked and downloaded again; a server-side copy in parts (UploadPartCopy); a ranged read;
 * metadata; a sync that changes and deletes; old versions listed and read (`--s3-versions`); a
 * move; a purge.
 *
 * rclone runs with an environment of its own (its remote from RCLONE_CONFIG_GW_* variables, an
 * empty config file): a developer's ~/.config/rclone cannot change what is tested, and AWS_CA_BUNDLE
 * (which rclone 1.60 cannot load with its own HTTP transport) is not passed on.
 *
 * Needs rclone (Debian's package, 1.60; scripts/install-test-tools.sh installs it). Under CI
 * (CI=true) its absence is a failure; elsewhere the scenario is skipped with a message.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { HeadObjectCommand, ListBucketsCommand, PutBucketVersioningCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";

const IN_CI = process.env.CI === "true";

function findRclone(): { problem?: string } {
  const r = spawnSync("rclone", ["version"], { encoding: "utf8", timeout: 30_000, env: { PATH: process.env.PATH ?? "" } });
  if (r.error) return { problem: `rclone is not runnable: ${r.error.message}` };
  if (r.status !== 0) return { problem: `rclone version failed: ${(r.stderr || "").trim()}` };
  return {};
}

const RCLONE = findRclone();
if (RCLONE.problem && !IN_CI) console.warn(`skipping the rclone scenario: ${RCLONE.problem}`);

const MB = 1000 * 1000;
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

describe("rclone against the gateway process", () => {
  it("has rclone (required under CI; elsewhere the scenario skips without it)", (ctx) => {
    if (RCLONE.problem && !IN_CI) ctx.skip();
    expect(RCLONE.problem).toBeUndefined();
  });

  describe.skipIf(RCLONE.problem !== undefined)("scenario", () => {
    let gw: RunningGateway;
    let s3: S3Client;
    let work: string;
    let env: NodeJS.ProcessEnv;
    const bucket = "rclone-scenario";
    const tree: Record<string, Buffer> = {
      "a b.txt": Buffer.from("one\n"),
      "sub/ü+x.txt": Buffer.from("two\n"),
      "sub/deeper/c%d&e.txt": Buffer.from("three\n"),
      "big.bin": randomBytes(12 * MB),
    };

    function rclone(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
      return new Promise((resolve) => {
        execFile("rclone", args, { env, maxBuffer: 64 * MB, encoding: "utf8" }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
        });
      });
    }
    async function ok(...args: string[]): Promise<string> {
      const r = await rclone(...args);
      if (r.code !== 0) expect.fail(`rclone ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\ngateway: ${gw.output()}`);
      return r.stdout;
    }
    async function listing(remote: string): Promise<{ Path: string; Size: number; Hashes?: { md5?: string } }[]> {
      const entries = JSON.parse(await ok("lsjson", "-R", "--files-only", "--hash", remote)) as { Path: string; Size: number; Hashes?: { md5?: string } }[];
      return entries.sort((a, b) => (a.Path < b.Path ? -1 : 1));
    }

    beforeAll(async () => {
      gw = await startGateway();
      s3 = gw.client();
      work = await mkdtemp(path.join(os.tmpdir(), "s3gw-rclone-"));
      const config = path.join(work, "rclone.conf");
      await writeFile(config, "");
      env = {
        PATH: process.env.PATH ?? "",
        HOME: work,
        RCLONE_CONFIG: config,
        RCLONE_CONFIG_GW_TYPE: "s3",
        RCLONE_CONFIG_GW_PROVIDER: "Other",
        RCLONE_CONFIG_GW_ENDPOINT: gw.endpoint,
        RCLONE_CONFIG_GW_REGION: "us-east-1",
        RCLONE_CONFIG_GW_ACCESS_KEY_ID: gw.accessKeyId,
        RCLONE_CONFIG_GW_SECRET_ACCESS_KEY: gw.secretAccessKey,
      };
      for (const [rel, data] of Object.entries(tree)) {
        await mkdir(path.dirname(path.join(work, "tree", rel)), { recursive: true });
        await writeFile(path.join(work, "tree", rel), data);
      }
    });

    afterAll(async () => {
      s3?.destroy();
      await gw?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it("copies a tree up (the 12 MB file in 5 MiB parts), lists it with every MD5, checks it and copies it down byte for byte", async () => {
      await ok("mkdir", `gw:${bucket}`);
      await ok("copy", path.join(work, "tree"), `gw:${bucket}/tree`, "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M");
      // a multipart object: its ETag is no MD5, rclone's hash is the one it stored in metadata
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "tree/big.bin" }))).ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
      const names = Object.keys(tree).sort();
      const listed = (await listing(`gw:${bucket}/tree`)).map((e) => ({ path: e.Path, size: e.Size, md5: e.Hashes?.md5 }));
      expect(listed).toEqual(names.map((n) => ({ path: n, size: tree[n].length, md5: md5(tree[n]) })));
      await ok("check", path.join(work, "tree"), `gw:${bucket}/tree`);

      await ok("copy", `gw:${bucket}/tree`, path.join(work, "down"));
      for (const [rel, data] of Object.entries(tree)) expect(sha256(await readFile(path.join(work, "down", rel))), rel).toBe(sha256(data));
    });

    it("copies a large object server-side in parts (UploadPartCopy), and reads a byte range", async () => {
      await ok("copyto", `gw:${bucket}/tree/big.bin`, `gw:${bucket}/copy/big.bin`, "--s3-copy-cutoff", "5M");
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "copy/big.bin" }))).ETag).toMatch(/-3"$/);
      expect(await ok("md5sum", `gw:${bucket}/copy/big.bin`)).toContain(md5(tree["big.bin"]));
      const slice = await new Promise<Buffer>((resolve, reject) => {
        execFile("rclone", ["cat", "--offset", "5242870", "--count", "20", `gw:${bucket}/tree/big.bin`], { env, encoding: "buffer" }, (err, stdout) =>
          err ? reject(err) : resolve(stdout),
        );
      });
      expect(slice.equals(tree["big.bin"].subarray(5242870, 5242890))).toBe(true);
    });

    it("stores metadata it is given (--metadata-set) and system metadata as headers", async () => {
      await ok("copyto", path.join(work, "tree", "a b.txt"), `gw:${bucket}/meta.txt`, "--metadata", "--metadata-set", "color=blue", "--metadata-set", "content-language=fr");
      const [entry] = JSON.parse(await ok("lsjson", "-M", `gw:${bucket}/meta.txt`)) as { Metadata: Record<string, string> }[];
      expect(entry.Metadata).toMatchObject({ color: "blue", "content-language": "fr" });
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "meta.txt" }));
      expect([head.ContentLanguage, head.Metadata?.color]).toEqual(["fr", "blue"]);
    });

    it("syncs a changed tree: a changed file replaced, a deleted one removed, the rest untouched", async () => {
      await writeFile(path.join(work, "tree", "a b.txt"), "one, changed\n");
      await unlink(path.join(work, "tree", "sub/ü+x.txt"));
      await ok("sync", path.join(work, "tree"), `gw:${bucket}/tree`, "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M");
      expect((await listing(`gw:${bucket}/tree`)).map((e) => e.Path)).toEqual(["a b.txt", "big.bin", "sub/deeper/c%d&e.txt"]);
      await ok("check", path.join(work, "tree"), `gw:${bucket}/tree`);
      expect(await ok("cat", `gw:${bucket}/tree/a b.txt`)).toBe("one, changed\n");
    });

    it("lists and reads older versions in a versioned bucket (--s3-versions)", async () => {
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
      const file = path.join(work, "v.txt");
      await writeFile(file, "first\n");
      await ok("copyto", file, `gw:${bucket}/v/v.txt`);
      await writeFile(file, "second!\n");
      await ok("copyto", file, `gw:${bucket}/v/v.txt`);
      const versions = (await ok("lsf", "--s3-versions", `gw:${bucket}/v`)).trim().split("\n").sort();
      expect(versions).toHaveLength(2);
      const older = versions.find((n) => n !== "v.txt")!;
      expect(older).toMatch(/^v-v\d{4}-\d{2}-\d{2}-\d{6}-\d{3}\.txt$/);
      // every version copied down, each under its name (rclone 1.60 cannot open one version by
      // its name below the bucket's top level: `cat --s3-versions gw:b/dir/v-v...txt` finds
      // nothing, its own limitation, seen on its issue tracker too; a copy lists them instead)
      await ok("copy", "--s3-versions", `gw:${bucket}/v`, path.join(work, "versions"));
      expect(await readFile(path.join(work, "versions", older), "utf8")).toBe("first\n");
      expect(await readFile(path.join(work, "versions", "v.txt"), "utf8")).toBe("second!\n");
    });

    it("moves an object server-side, then purges the bucket", async () => {
      await ok("moveto", `gw:${bucket}/meta.txt`, `gw:${bucket}/moved/meta.txt`);
      expect((await ok("lsf", `gw:${bucket}/moved`)).trim()).toBe("meta.txt");
      expect((await rclone("lsf", `gw:${bucket}/meta.txt`)).stdout.trim()).toBe("");
      // versioned: purge removes every version and delete marker, then the bucket
      await ok("purge", "--s3-versions", `gw:${bucket}`);
      expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? []).not.toContain(bucket);
    });
  });
});
