/**
 * restic, the backup program, against the real gateway process: a Go client built on minio-go (the
 * client of MinIO's mc and warp), so this is minio-go's signing in CI: GetBucketLocation first,
 * PutObject bodies in signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) with a Content-MD5,
 * listings, HEADs, ranged GETs of pack files, deletes. A repository is initialised in a bucket
 * restic creates, two backups of a changing tree are made, `check --read-data` reads every pack
 * back and verifies every blob's SHA-256, the latest snapshot is restored byte for byte, and
 * `forget --prune` rewrites and deletes packs before a last check.
 *
 * restic runs with an environment of its own (credentials and password from variables, its cache in
 * the test's directory). Needs restic (Debian's package, 0.14; scripts/install-test-tools.sh installs
 * it). Under CI (CI=true) its absence is a failure; elsewhere the scenario is skipped with a message.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";

const IN_CI = process.env.CI === "true";

function findRestic(): { problem?: string } {
  const r = spawnSync("restic", ["version"], { encoding: "utf8", timeout: 30_000, env: { PATH: process.env.PATH ?? "" } });
  if (r.error) return { problem: `restic is not runnable: ${r.error.message}` };
  if (r.status !== 0) return { problem: `restic version failed: ${(r.stderr || "").trim()}` };
  return {};
}

const RESTIC = findRestic();
if (RESTIC.problem && !IN_CI) console.warn(`skipping the restic scenario: ${RESTIC.problem}`);

const MB = 1000 * 1000;
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describe("restic against the gateway process", () => {
  it("has restic (required under CI; elsewhere the scenario skips without it)", (ctx) => {
    if (RESTIC.problem && !IN_CI) ctx.skip();
    expect(RESTIC.problem).toBeUndefined();
  });

  describe.skipIf(RESTIC.problem !== undefined)("scenario", () => {
    let gw: RunningGateway;
    let work: string;
    let env: NodeJS.ProcessEnv;
    let repo: string;
    const tree: Record<string, Buffer> = {
      "big.bin": randomBytes(20 * MB),
      "docs/a b.txt": Buffer.from("a file with a space\n"),
      "docs/ü.txt": Buffer.from("not ASCII\n"),
      "empty": Buffer.alloc(0),
    };

    function restic(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
      return new Promise((resolve) => {
        execFile("restic", ["-r", repo, ...args], { env, maxBuffer: 16 * MB, encoding: "utf8", timeout: 240_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
        });
      });
    }
    async function ok(...args: string[]): Promise<string> {
      const r = await restic(...args);
      if (r.code !== 0) expect.fail(`restic ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\ngateway: ${gw.output()}`);
      return r.stdout;
    }

    beforeAll(async () => {
      gw = await startGateway();
      work = await mkdtemp(path.join(os.tmpdir(), "s3gw-restic-"));
      repo = `s3:${gw.endpoint}/restic-repository`;
      env = {
        PATH: process.env.PATH ?? "",
        HOME: work,
        AWS_ACCESS_KEY_ID: gw.accessKeyId,
        AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
        RESTIC_PASSWORD: "correct horse battery staple",
        RESTIC_CACHE_DIR: path.join(work, "cache"),
      };
      for (const [rel, data] of Object.entries(tree)) {
        await mkdir(path.dirname(path.join(work, "src", rel)), { recursive: true });
        await writeFile(path.join(work, "src", rel), data);
      }
    });

    afterAll(async () => {
      await gw?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it("initialises a repository in a bucket it creates, and backs a tree up twice", async () => {
      await ok("init");
      await ok("backup", path.join(work, "src"));
      await appendFile(path.join(work, "src", "docs/a b.txt"), "changed\n");
      await ok("backup", path.join(work, "src"));
      const snapshots = JSON.parse(await ok("snapshots", "--json")) as unknown[];
      expect(snapshots).toHaveLength(2);
    });

    it("reads every pack back and verifies every blob (check --read-data), and restores the latest snapshot byte for byte", async () => {
      expect(await ok("check", "--read-data")).toContain("no errors were found");
      await ok("restore", "latest", "--target", path.join(work, "out"));
      const restored = path.join(work, "out", work, "src");
      for (const rel of Object.keys(tree)) {
        const original = await readFile(path.join(work, "src", rel));
        expect(sha256(await readFile(path.join(restored, rel))), rel).toBe(sha256(original));
      }
    });

    it("forgets the older snapshot and prunes its data, leaving a repository that checks", async () => {
      await ok("forget", "--keep-last", "1", "--prune");
      expect(JSON.parse(await ok("snapshots", "--json")) as unknown[]).toHaveLength(1);
      expect(await ok("check", "--read-data")).toContain("no errors were found");
    });
  });
});
