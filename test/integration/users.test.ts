/**
 * Users through the AWS SDK against a real gateway of two workers: two users (ceph/s3-tests' `main`
 * and `alt`, with their ids and display names), each with their own keys, from a users file the
 * gateway watches. Ownership is the user's, whatever key is used; keys added, set Inactive or
 * removed in the file take effect in every worker without a restart; a broken file keeps the last
 * good set. Which worker answered is told by x-amz-id-2, which is per process.
 */
import http from "node:http";
import { spawn } from "node:child_process";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAIN, startGateway, type RunningGateway } from "../support/server.js";
import { ON_OZONE } from "../support/ozone.js";
import { bucketName, expectBodilessError, expectS3Error, REGION } from "./helpers.js";
import { policyOf, sigV4Conditions, sigV4Fields } from "./post-forms.js";

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
  status?: "Active" | "Inactive";
}

const MAIN_1: Key = { accessKeyId: "0555b35654ad1656d804", secretAccessKey: "h7GhxuBLTrlhVUyxSPUKUV8r/2EI4ngqJxD7iBdBYLhwluN30JaT3Q==" };
const MAIN_2: Key = { accessKeyId: "MAINSECONDKEY0000002", secretAccessKey: "main-second-secret-key-0123456789" };
const ALT_1: Key = { accessKeyId: "NOPQRSTUVWXYZABCDEFG", secretAccessKey: "nopqrstuvwxyzabcdefghijklmnabcdefghijklm" };
const ALT_NEW: Key = { accessKeyId: "ALTADDEDLATER0000003", secretAccessKey: "alt-added-later-secret-0123456789" };

const MAIN_USER = { canonicalId: "testid", displayName: "M. Tester", email: "tester@ceph.com" };
const ALT_USER = { canonicalId: "56789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234", displayName: "john.doe", email: "john.doe@example.com" };

function usersDocument(mainKeys: Key[], altKeys: Key[]): string {
  return JSON.stringify({ users: [{ ...MAIN_USER, accessKeys: mainKeys }, { ...ALT_USER, accessKeys: altKeys }] }, null, 2);
}

let dir: string;
let usersFile: string;
let gw: RunningGateway;

/** The users file replaced whole, as an editor or a deployment tool does (write, then rename). */
async function replaceUsersFile(text: string): Promise<void> {
  const tmp = `${usersFile}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, usersFile);
}

/** A client whose every request opens a new connection: the cluster module spreads them over the workers. */
function freshClient(key: Key): S3Client {
  return new S3Client({
    endpoint: gw.endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: false }) }),
  });
}

/** ListBuckets with `key`: which process answered (x-amz-id-2) and how. */
async function probe(client: S3Client): Promise<{ worker: string; outcome: string }> {
  try {
    const r = await client.send(new ListBucketsCommand({}));
    return { worker: r.$metadata.extendedRequestId ?? "?", outcome: "ok" };
  } catch (err) {
    if (!(err instanceof S3ServiceException)) throw err;
    return { worker: err.$metadata.extendedRequestId ?? "?", outcome: `${err.name} ${err.$metadata.httpStatusCode}` };
  }
}

/**
 * Probes with `key` until both workers have answered `outcome`, and fails if that takes longer than
 * `withinMs`, or if a worker that answered it once answers otherwise later (a change is never undone).
 */
async function untilEveryWorker(key: Key, outcome: string, withinMs: number): Promise<number> {
  const client = freshClient(key);
  const start = Date.now();
  const settled = new Set<string>();
  try {
    while (settled.size < 2) {
      if (Date.now() - start > withinMs) throw new Error(`${settled.size} of 2 workers answered ${outcome} for ${key.accessKeyId} within ${withinMs} ms`);
      const { worker, outcome: got } = await probe(client);
      if (got === outcome) settled.add(worker);
      else expect(settled.has(worker), `worker ${worker} answered ${got} after ${outcome}`).toBe(false);
      if (got !== outcome) await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now() - start;
  } finally {
    client.destroy();
  }
}

/** `count` requests with `key` on new connections, every one answered `outcome` (and by both workers). */
async function everyRequest(key: Key, outcome: string, count = 8): Promise<void> {
  const client = freshClient(key);
  const workers = new Set<string>();
  try {
    for (let i = 0; i < count; i++) {
      const r = await probe(client);
      expect(r.outcome).toBe(outcome);
      workers.add(r.worker);
    }
  } finally {
    client.destroy();
  }
  expect(workers.size).toBe(2);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-users-"));
  usersFile = path.join(dir, "users.json");
  await writeFile(usersFile, usersDocument([MAIN_1, MAIN_2], [ALT_1]));
  gw = await startGateway({ args: ["--users-file", usersFile], workers: 2 });
});

afterAll(async () => {
  await gw?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("two users from the users file", () => {
  let mainBucket: string;
  let altBucket: string;
  let main1: S3Client;
  let main2: S3Client;
  let alt: S3Client;

  beforeAll(async () => {
    main1 = gw.client(MAIN_1);
    main2 = gw.client(MAIN_2);
    alt = gw.client(ALT_1);
    mainBucket = bucketName("main");
    altBucket = bucketName("alt");
    await main1.send(new CreateBucketCommand({ Bucket: mainBucket }));
    await alt.send(new CreateBucketCommand({ Bucket: altBucket }));
  });

  afterAll(() => {
    for (const c of [main1, main2, alt]) c?.destroy();
  });

  it("lists to each user only their own buckets, with their canonical id and display name as Owner", async () => {
    const mine = await main1.send(new ListBucketsCommand({}));
    const theirs = await alt.send(new ListBucketsCommand({}));
    expect(mine.Buckets!.map((b) => b.Name)).toEqual([mainBucket]);
    expect(theirs.Buckets!.map((b) => b.Name)).toEqual([altBucket]);
    expect(mine.Owner).toEqual({ ID: MAIN_USER.canonicalId, DisplayName: MAIN_USER.displayName });
    expect(theirs.Owner).toEqual({ ID: ALT_USER.canonicalId, DisplayName: ALT_USER.displayName });
  });

  it("gives both keys of a user the same buckets: one key creates, the other lists, writes and reads", async () => {
    const listed = await main2.send(new ListBucketsCommand({}));
    expect(listed.Buckets!.map((b) => b.Name)).toEqual([mainBucket]);
    expect(listed.Owner).toEqual({ ID: MAIN_USER.canonicalId, DisplayName: MAIN_USER.displayName });
    await main2.send(new HeadBucketCommand({ Bucket: mainBucket }));
    await main2.send(new PutObjectCommand({ Bucket: mainBucket, Key: "by-key-2", Body: "x" }));
    const got = await main1.send(new ListObjectsV2Command({ Bucket: mainBucket }));
    expect(got.Contents!.map((o) => o.Key)).toEqual(["by-key-2"]);
    // creating it again with the other key: it is already the user's (us-east-1 answers 200)
    await main2.send(new CreateBucketCommand({ Bucket: mainBucket }));
  });

  it("keeps another user out (AccessDenied), and the bucket name taken (BucketAlreadyExists)", async () => {
    await expectBodilessError(alt.send(new HeadBucketCommand({ Bucket: mainBucket })), 403);
    await expectS3Error(alt.send(new ListObjectsV2Command({ Bucket: mainBucket })), "AccessDenied", 403);
    await expectS3Error(alt.send(new PutObjectCommand({ Bucket: mainBucket, Key: "k", Body: "x" })), "AccessDenied", 403);
    await expectS3Error(alt.send(new CreateBucketCommand({ Bucket: mainBucket })), "BucketAlreadyExists", 409);
  });

  it("shows the user as Owner (and Initiator) in every listing, whichever of its keys wrote", async () => {
    const owner = { ID: MAIN_USER.canonicalId, DisplayName: MAIN_USER.displayName };
    const v1 = await main1.send(new ListObjectsCommand({ Bucket: mainBucket }));
    expect(v1.Contents!.map((o) => o.Owner)).toEqual([owner]);
    const v2 = await main1.send(new ListObjectsV2Command({ Bucket: mainBucket, FetchOwner: true }));
    expect(v2.Contents!.map((o) => o.Owner)).toEqual([owner]);
    const versions = await main1.send(new ListObjectVersionsCommand({ Bucket: mainBucket }));
    expect(versions.Versions!.map((o) => o.Owner)).toEqual([owner]);
    const { UploadId } = await main2.send(new CreateMultipartUploadCommand({ Bucket: mainBucket, Key: "mp" }));
    await main2.send(new UploadPartCommand({ Bucket: mainBucket, Key: "mp", UploadId, PartNumber: 1, Body: "part" }));
    const uploads = await main1.send(new ListMultipartUploadsCommand({ Bucket: mainBucket }));
    expect(uploads.Uploads!.map((u) => [u.Owner, u.Initiator])).toEqual([[owner, { ID: owner.ID, DisplayName: owner.DisplayName }]]);
    const parts = await main1.send(new ListPartsCommand({ Bucket: mainBucket, Key: "mp", UploadId }));
    expect([parts.Owner, parts.Initiator]).toEqual([owner, { ID: owner.ID, DisplayName: owner.DisplayName }]);
  });
});

describe("browser form uploads (PostObject) by two users", () => {
  /** A SigV4-signed form of `key`, posted to `bucket` with the key pair given. */
  async function postForm(bucket: string, key: string, signer: Key): Promise<{ status: number; text: string }> {
    const now = new Date();
    const probe = sigV4Fields("", signer.accessKeyId, signer.secretAccessKey, REGION, now);
    const policy = policyOf([{ bucket }, { key }, ...sigV4Conditions(probe)], 3600);
    const form = new FormData();
    form.append("key", key);
    for (const [k, v] of Object.entries({ ...sigV4Fields(policy, signer.accessKeyId, signer.secretAccessKey, REGION, now), policy })) form.append(k, v);
    form.append("file", new Blob(["posted"]), "f.txt");
    const res = await fetch(`${gw.endpoint}/${bucket}`, { method: "POST", body: form });
    return { status: res.status, text: await res.text() };
  }

  it("stores an object the form's signer owns, in that signer's bucket only", async () => {
    const alt = gw.client(ALT_1);
    const main = gw.client(MAIN_2);
    try {
      const altBucket = bucketName("alt-post");
      await alt.send(new CreateBucketCommand({ Bucket: altBucket }));
      expect((await postForm(altBucket, "by-form", ALT_1)).status).toBe(204);
      const listed = await alt.send(new ListObjectsV2Command({ Bucket: altBucket, FetchOwner: true }));
      expect(listed.Contents!.map((o) => [o.Key, o.Owner])).toEqual([["by-form", { ID: ALT_USER.canonicalId, DisplayName: ALT_USER.displayName }]]);
      // main's key signs a form for alt's bucket: refused, nothing stored
      const refused = await postForm(altBucket, "by-main", MAIN_2);
      expect(refused.status).toBe(403);
      expect(refused.text).toContain("<Code>AccessDenied</Code>");
      await expectS3Error(main.send(new ListObjectsV2Command({ Bucket: altBucket })), "AccessDenied", 403);
      expect((await alt.send(new ListObjectsV2Command({ Bucket: altBucket }))).Contents!.map((o) => o.Key)).toEqual(["by-form"]);
    } finally {
      alt.destroy();
      main.destroy();
    }
  });
});

describe("changes of the users file, without a restart", () => {
  it("accepts a key added to the file in every worker within about a second", async () => {
    await everyRequest(ALT_NEW, "InvalidAccessKeyId 403");
    await replaceUsersFile(usersDocument([MAIN_1, MAIN_2], [ALT_1, ALT_NEW]));
    const ms = await untilEveryWorker(ALT_NEW, "ok", 3000);
    console.log(`a key added to the users file: accepted by both workers after ${ms} ms`);
    await everyRequest(ALT_NEW, "ok");
    // the new key is alt's: it sees alt's buckets, under alt's name
    const c = freshClient(ALT_NEW);
    const r = await c.send(new ListBucketsCommand({}));
    c.destroy();
    expect(r.Owner).toEqual({ ID: ALT_USER.canonicalId, DisplayName: ALT_USER.displayName });
    const byAlt = gw.client(ALT_1);
    const altBuckets = (await byAlt.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name);
    byAlt.destroy();
    expect(r.Buckets!.map((b) => b.Name)).toEqual(altBuckets);
    expect(altBuckets.length).toBeGreaterThan(0);
  });

  it("refuses a key set Inactive (403 InvalidAccessKeyId, as AWS answers for a deactivated key), the user's other key still works", async () => {
    await replaceUsersFile(usersDocument([MAIN_1, { ...MAIN_2, status: "Inactive" }], [ALT_1, ALT_NEW]));
    await untilEveryWorker(MAIN_2, "InvalidAccessKeyId 403", 3000);
    await everyRequest(MAIN_2, "InvalidAccessKeyId 403");
    await everyRequest(MAIN_1, "ok");
  });

  it("refuses a key removed from the file, edited in place", async () => {
    // written in place (not renamed): the watch sees the same file change
    await writeFile(usersFile, usersDocument([MAIN_1, { ...MAIN_2, status: "Inactive" }], [ALT_1]));
    await untilEveryWorker(ALT_NEW, "InvalidAccessKeyId 403", 3000);
    await everyRequest(ALT_1, "ok");
  });

  it("keeps the last good set when the file becomes broken (bad JSON, then a bad user), and takes the next good one", async () => {
    await replaceUsersFile(`{"users": [ {"canonicalId": "testid", `);
    // past the poll period of every worker: a worker that had dropped its users would answer 403 now
    await new Promise((r) => setTimeout(r, 1500));
    await everyRequest(MAIN_1, "ok");
    await everyRequest(ALT_1, "ok");
    expect(gw.output()).toMatch(/users file not usable/);
    // valid JSON, but a key listed for both users
    await replaceUsersFile(usersDocument([MAIN_1, ALT_NEW], [ALT_1, ALT_NEW]));
    await new Promise((r) => setTimeout(r, 1500));
    await everyRequest(ALT_NEW, "InvalidAccessKeyId 403");
    await everyRequest(MAIN_1, "ok");
    // fixed: MAIN_2 active again
    await replaceUsersFile(usersDocument([MAIN_1, MAIN_2], [ALT_1]));
    await untilEveryWorker(MAIN_2, "ok", 3000);
  });
});

describe.skipIf(ON_OZONE)("buckets from before users existed (owner stored as an access key id)", () => {
  it("belong to the user holding that key: listed, reachable with its other keys, hidden from others", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "s3gw-users-legacy-"));
    const file = path.join(dataDir, "..", `${path.basename(dataDir)}-users.json`);
    await writeFile(file, usersDocument([MAIN_1, MAIN_2], [ALT_1]));
    const first = await startGateway({ dataDir, args: ["--users-file", file], workers: 1 });
    await first.stop({ removeData: false });
    // what an older version wrote: the bucket's owner is the access key that created it
    const db = new Database(path.join(dataDir, "meta.sqlite"));
    db.prepare("INSERT INTO buckets (name, owner, created) VALUES (?, ?, ?)").run("legacy-bucket", MAIN_2.accessKeyId, Date.now());
    db.close();
    const gw2 = await startGateway({ dataDir, args: ["--users-file", file], workers: 1 });
    const main1 = gw2.client(MAIN_1);
    const alt = gw2.client(ALT_1);
    try {
      expect((await main1.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).toEqual(["legacy-bucket"]);
      await main1.send(new PutObjectCommand({ Bucket: "legacy-bucket", Key: "k", Body: "x" }));
      // creating it again with another of the user's keys: already the user's (us-east-1: 200), not BucketAlreadyExists
      expect((await main1.send(new CreateBucketCommand({ Bucket: "legacy-bucket" }))).$metadata.httpStatusCode).toBe(200);
      await expectS3Error(alt.send(new CreateBucketCommand({ Bucket: "legacy-bucket" })), "BucketAlreadyExists", 409);
      expect((await alt.send(new ListBucketsCommand({}))).Buckets).toEqual([]);
      await expectS3Error(alt.send(new ListObjectsV2Command({ Bucket: "legacy-bucket" })), "AccessDenied", 403);
    } finally {
      main1.destroy();
      alt.destroy();
      await gw2.stop({ removeData: false });
      await rm(dataDir, { recursive: true, force: true });
      await rm(file, { force: true });
    }
  });
});

describe("a users file that is not good at start", () => {
  it("stops the start with a usage error (exit 2) naming the file and the problem", async () => {
    const file = path.join(dir, "broken.json");
    await writeFile(file, JSON.stringify({ users: [{ ...MAIN_USER, accessKeys: [{ ...MAIN_1, status: "Disabled" }] }] }));
    const child = spawn(process.execPath, [MAIN, "--port", "0", "--admin-port", "0", "--data-dir", path.join(dir, "d"), "--users-file", file, "--workers", "1"], {
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(err).toContain(`usersFile ${file}`);
    expect(err).toMatch(/status/);
  });
});
