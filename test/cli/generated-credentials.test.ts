/**
 * First start without configured credentials (runtime/main.ts): the gateway generates a pair, keeps
 * it in <dataDir>/credentials.json readable by its owner only, prints it once, and later starts on
 * the same data directory reuse it without printing it again.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";

/** Empty values: runtime/config.ts ignores them, so the gateway starts with no credentials at all. */
const NO_CREDENTIALS = { S3G_ACCESS_KEY: "", S3G_SECRET_KEY: "" };

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function tempDataDir(): Promise<string> {
  const parent = await mkdtemp(path.join(os.tmpdir(), "s3gw-creds-"));
  cleanups.push(() => rm(parent, { recursive: true, force: true }));
  return path.join(parent, "data");
}

async function started(opts: Parameters<typeof startGateway>[0]): Promise<RunningGateway> {
  const gw = await startGateway(opts);
  cleanups.push(() => gw.stop());
  return gw;
}

async function rejection(p: Promise<unknown>): Promise<{ name?: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the request to be refused");
}

describe("credentials generated on first start", () => {
  it("generates, stores (0600) and prints a pair once; a second start reuses it silently", async () => {
    const dataDir = await tempDataDir();
    const file = path.join(dataDir, "credentials.json");

    const first = await started({ dataDir, env: NO_CREDENTIALS });
    const stored = JSON.parse(await readFile(file, "utf8")) as { accessKeyId: string; secretAccessKey: string };
    expect(stored.accessKeyId).toMatch(/^[A-Za-z0-9_.-]{3,128}$/);
    expect(stored.secretAccessKey.length).toBeGreaterThanOrEqual(8);
    expect(stored.accessKeyId).not.toBe(first.accessKeyId);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // printed, once
    const out1 = first.output();
    expect(out1).toContain(`access key: ${stored.accessKeyId}`);
    expect(out1).toContain(`secret key: ${stored.secretAccessKey}`);
    expect(out1.split(stored.secretAccessKey).length - 1, out1).toBe(1);

    // the pair from the file works; the harness's default pair was never configured and does not
    const client: S3Client = first.client(stored);
    await client.send(new CreateBucketCommand({ Bucket: "generated-creds" }));
    await client.send(new PutObjectCommand({ Bucket: "generated-creds", Key: "k", Body: "kept across restarts" }));
    expect(await rejection(first.client().send(new ListBucketsCommand({})))).toEqual({ name: "InvalidAccessKeyId", status: 403 });
    await first.stop({ removeData: false });

    const second = await started({ dataDir, env: NO_CREDENTIALS });
    expect(second.output()).not.toContain(stored.secretAccessKey);
    expect(second.output()).not.toMatch(/generated/i);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(stored);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const got = await second.client(stored).send(new GetObjectCommand({ Bucket: "generated-creds", Key: "k" }));
    expect(await got.Body!.transformToString()).toBe("kept across restarts");
    await second.stop({ removeData: false });
  });

  it("writes no credentials file when credentials are configured", async () => {
    const dataDir = await tempDataDir();
    const gw = await started({ dataDir });
    await gw.client().send(new ListBucketsCommand({}));
    expect(gw.output()).not.toContain("secret key:");
    await expect(stat(path.join(dataDir, "credentials.json"))).rejects.toMatchObject({ code: "ENOENT" });
    await gw.stop({ removeData: false });
  });
});
