/**
 * The gateway with several serving processes (runtime/workers/: the primary and `workers - 1`
 * workers), through the AWS SDK and the admin port: requests are served by every process, /metrics
 * sums them, a worker killed with a read and an upload in flight is replaced and leaves nothing
 * behind (no pin keeping a dropped file, no temp file), and SIGTERM stops everything.
 */
import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { PassThrough } from "node:stream";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, describe, expect, it } from "vitest";
import { clientWith, connectionPerRequest, filesUnder, startGateway, type RunningGateway } from "../support/server.js";
import { bytes, expectErrorXml, md5Hex, rawRequest } from "../integration/helpers.js";
import { metricSum, scrapeMetrics } from "../support/metrics.js";

const running: RunningGateway[] = [];
afterAll(async () => {
  for (const gw of running) await gw.kill();
  for (const gw of running) await gw.stop();
});

async function start(workers: number): Promise<RunningGateway> {
  const gw = await startGateway({ workers });
  running.push(gw);
  return gw;
}

async function until(what: string, check: () => Promise<boolean>, gw?: RunningGateway, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}${gw ? `\n${gw.output()}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("several workers", () => {
  it("serve on one port, each request once, and /metrics adds up every process's counts", async () => {
    const gw = await start(3);
    expect(await gw.workerPids()).toHaveLength(2);
    const client = connectionPerRequest(gw);
    await client.send(new CreateBucketCommand({ Bucket: "workers-metrics" }));
    const n = 20;
    for (let i = 0; i < n; i++) {
      await client.send(new PutObjectCommand({ Bucket: "workers-metrics", Key: `k${i}`, Body: bytes(100 + i, i) }));
    }
    for (let i = 0; i < n; i++) {
      const got = await client.send(new GetObjectCommand({ Bucket: "workers-metrics", Key: `k${i}` }));
      expect(md5Hex(await got.Body!.transformToByteArray())).toBe(md5Hex(bytes(100 + i, i)));
    }
    const text = await scrapeMetrics(gw);
    // with connections handed out in turn, each process served a third: only the sum is n
    expect(metricSum(text, "s3gw_requests_total", 'operation="PutObject"')).toBe(n);
    expect(metricSum(text, "s3gw_requests_total", 'operation="GetObject"')).toBe(n);
    expect(metricSum(text, "s3gw_workers")).toBe(2);
    // the workers' PUTs each committed through the primary; the primary's own made no call
    const committed = metricSum(text, "s3gw_worker_store_calls_total", 'method="putReceived"');
    expect(committed).toBeGreaterThanOrEqual(n / 2);
    expect(committed).toBeLessThan(n);
    client.destroy();
  });

  it("a PUT without Content-MD5 or checksum calls the primary once, for its commit: each worker keeps its bucket's answer", async () => {
    const gw = await start(3);
    const client = gw.client();
    await client.send(new CreateBucketCommand({ Bucket: "workers-calls" }));
    const calls = async (method: string) => metricSum(await scrapeMetrics(gw), "s3gw_worker_store_calls_total", `method="${method}"`);
    const before = { getBucket: await calls("getBucket"), lock: await calls("getObjectLockConfiguration") };
    const n = 12;
    for (let i = 0; i < n; i++) {
      // signed raw HTTP, a connection each (so both workers and the primary serve): the SDK would
      // add a CRC32, and then nothing would ask for the default retention
      const res = await rawRequest(gw, { method: "PUT", path: `/workers-calls/k${i}`, body: "abc" });
      expect(res.status, res.text).toBe(200);
    }
    // the workers served two thirds, one commit call each
    const commits = await calls("putReceived");
    expect(commits).toBeGreaterThanOrEqual(n / 2);
    expect(commits).toBeLessThan(n);
    // (issue 9: every PUT asked for its bucket, then whether the bucket has a default retention,
    // which also waited for the log sync behind the other writes: three round trips, not one)
    const bucketChecks = (await calls("getBucket")) - before.getBucket;
    expect(bucketChecks).toBeGreaterThanOrEqual(1);
    expect(bucketChecks).toBeLessThanOrEqual(2); // once per worker
    expect((await calls("getObjectLockConfiguration")) - before.lock).toBe(0);
    client.destroy();
  });

  it("answer on every process's connections without Nagle's delay: a range across two parts (two writes) comes in milliseconds, not after the client's delayed ACK", async () => {
    const gw = await start(2);
    const setup = gw.client();
    const bucket = "workers-nodelay";
    await setup.send(new CreateBucketCommand({ Bucket: bucket }));
    const part1 = bytes(5 * 1024 * 1024, 1);
    const part2 = bytes(100, 2);
    const { UploadId } = await setup.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "two-parts" }));
    const e1 = await setup.send(new UploadPartCommand({ Bucket: bucket, Key: "two-parts", UploadId, PartNumber: 1, Body: part1 }));
    const e2 = await setup.send(new UploadPartCommand({ Bucket: bucket, Key: "two-parts", UploadId, PartNumber: 2, Body: part2 }));
    await setup.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "two-parts",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1.ETag }, { PartNumber: 2, ETag: e2.ETag }] },
      }),
    );
    setup.destroy();
    // Two clients of one kept-alive connection each, opened one after the other: the primary hands
    // connections out in turn, so one is its own and the other a worker's. The range's answer is
    // written in two pieces (the end of part 1, then the start of part 2); with Nagle's algorithm
    // on, the second waited for the ACK of the first, which a client on a kept-alive connection
    // delays (Linux: 40 ms at least): ~44 ms a GET on both connections here, against ~2 ms.
    const from = part1.length - 10;
    const want = Buffer.concat([part1.subarray(from), part2.subarray(0, 10)]);
    const clients = [0, 1].map(() => clientWith(gw, new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 1 }) })));
    const get = async (client: S3Client) => {
      const started = performance.now();
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "two-parts", Range: `bytes=${from}-${from + 19}` }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(want)).toBe(true);
      return performance.now() - started;
    };
    for (const client of clients) await get(client); // each opens its connection, in this order
    for (const client of clients) {
      const times: number[] = [];
      for (let i = 0; i < 11; i++) times.push(await get(client));
      times.sort((a, b) => a - b);
      // the median, under the 40 ms a delayed ACK takes at least: a GET slowed by the machine's
      // other work now and then does not decide
      expect(times[5], `GET times (ms): ${times.map((t) => t.toFixed(1)).join(" ")}`).toBeLessThan(30);
      client.destroy();
    }
  });

  it("a default retention set or removed through any process is in force in every process once acknowledged", async () => {
    const gw = await start(3);
    const client = gw.client();
    const Bucket = "workers-kept";
    await client.send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
    client.destroy();
    // a new connection per request: connections go round the primary and both workers
    const perRequest = connectionPerRequest(gw);
    const putWithoutChecksum = (key: string) => rawRequest(gw, { method: "PUT", path: `/${Bucket}/${key}`, body: "abc" });
    // every process keeps the bucket's answer: no default retention, nothing required
    for (let i = 0; i < 6; i++) expect((await putWithoutChecksum(`before${i}`)).status).toBe(200);
    // Seven connections a round (the change, then two PUTs per process): each round's change comes
    // through the next process, so each one sets and removes the default retention once.
    for (let round = 0; round < 6; round++) {
      const withRule = round % 2 === 0;
      await perRequest.send(
        new PutObjectLockConfigurationCommand({
          Bucket,
          ObjectLockConfiguration: withRule
            ? { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } } }
            : { ObjectLockEnabled: "Enabled" },
        }),
      );
      // the kept answers are forgotten before the change is acknowledged: every process refuses a
      // PUT without a checksum while a default retention is set, and takes it again once removed
      for (let i = 0; i < 6; i++) {
        const res = await putWithoutChecksum(`round${round}-${i}`);
        if (withRule) expectErrorXml(res, "InvalidRequest", 400);
        else expect(res.status, res.text).toBe(200);
      }
    }
    perRequest.destroy();
  });

  it("replace a killed worker; its read's pins and its unfinished upload's temp file are released", async () => {
    const gw = await start(3);
    const client = gw.client();
    const bucket = "workers-kill";
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const old = bytes(6 << 20, 7);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "big", Body: old }));
    const objectsDir = path.join(gw.dataDir, "objects");
    expect(await filesUnder(objectsDir)).toHaveLength(1);

    // Reads that stop after their first bytes, one per process (connections go round the three):
    // each worker serving one holds a pin on the file.
    const readClient = connectionPerRequest(gw);
    for (let i = 0; i < 3; i++) {
      const reading = await readClient.send(new GetObjectCommand({ Bucket: bucket, Key: "big" }));
      const stream = reading.Body as NodeJS.ReadableStream;
      stream.on("error", () => {}); // cut off when its worker is killed: expected
      await new Promise<void>((resolve) => stream.once("readable", () => resolve()));
      stream.pause();
    }

    // Uploads that stop half-way, one per process: a worker serving one holds a temp file under
    // tmp/w<n>/.
    const uploadClient = connectionPerRequest(gw);
    const bodies: PassThrough[] = [];
    const uploads: Array<Promise<string>> = [];
    const outcomes: string[] = [];
    const tmpDir = path.join(gw.dataDir, "tmp");
    for (let i = 0; i < 3; i++) {
      const body = new PassThrough();
      bodies.push(body);
      const sent = uploadClient.send(new PutObjectCommand({ Bucket: bucket, Key: `unfinished${i}`, Body: body, ContentLength: 4 << 20 })).then(
        () => "acknowledged",
        () => "failed",
      );
      uploads.push(sent.then((o) => (outcomes.push(o), o)));
      body.write(bytes(1 << 20, 3));
      await until(`upload ${i} has a temp file`, async () => (await filesUnder(tmpDir)).length > i);
    }
    const workersBefore = await gw.workerPids();
    expect(workersBefore).toHaveLength(2);

    for (const pid of workersBefore) process.kill(pid, "SIGKILL");
    // the two uploads the workers served fail; the primary's waits for the rest of its body
    await until("the killed workers' uploads failed", async () => outcomes.length === 2, gw, 10_000);
    expect(outcomes).toEqual(["failed", "failed"]);
    await until("both workers are replaced", async () => {
      const pids = await gw.workerPids();
      if (pids.length !== 2 || pids.some((p) => workersBefore.includes(p))) return false;
      const text = await scrapeMetrics(gw).catch(() => "");
      return metricSum(text, "s3gw_workers") === 2 && metricSum(text, "s3gw_worker_restarts_total") === 2;
    }, gw);
    for (const body of bodies) body.destroy();
    readClient.destroy();
    uploadClient.destroy();
    expect(await Promise.all(uploads)).toEqual(["failed", "failed", "failed"]);

    // The dead workers' temp directories are gone with their files, and the primary's upload's
    // file once its client went away; the new workers' directories are empty.
    await until("the temp files are removed", async () => (await filesUnder(tmpDir)).length === 0);
    // Nothing of the unfinished uploads was committed.
    for (let i = 0; i < 3; i++) {
      await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: `unfinished${i}` }))).rejects.toMatchObject({ name: "NoSuchKey" });
    }
    // The dead readers' pins are gone (and the primary's reader's, whose connection closed):
    // overwriting the object removes the old file at once.
    const fresh = bytes(5 << 20, 9);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "big", Body: fresh }));
    await until("the overwritten file is removed", async () => (await filesUnder(objectsDir)).length === 1);
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "big" }));
    expect(md5Hex(await got.Body!.transformToByteArray())).toBe(md5Hex(fresh));
  });

  it("stop together on SIGTERM (exit 0), and one worker means one process", async () => {
    const gw = await start(3);
    const pids = await gw.workerPids();
    expect(pids).toHaveLength(2);
    // the workers run with V8's memory reducer off (primary.ts workerExecArgv)
    for (const pid of pids) expect((await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0")).toContain("--no-memory-reducer");
    gw.process.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => gw.process.once("exit", (c) => resolve(c)));
    expect(code).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();

    const single = await start(1);
    expect(await single.workerPids()).toEqual([]);
    expect(single.output()).not.toContain("processes:");
    await single.stop();
  });
});
