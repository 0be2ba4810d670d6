/**
 * A datanode of the pipeline stopped under RATIS/THREE writes (issue 8), on the fault cluster:
 * four datanodes, one RATIS/THREE pipeline at a time (three of them), SCM calling a silent
 * datanode stale after 6 s and closing its pipelines (test/support/ozone-faults.ts).
 *
 * What must hold: every acknowledged object reads back byte-identical; no partial object is
 * visible; a write that cannot complete answers a clean 503 (never a 500, never a hang: every
 * request has a deadline); writes succeed again on a new pipeline (the fourth datanode lets SCM
 * form one) or once the datanode is back; reads are served from the remaining replicas meanwhile.
 *
 * The two tests are one story, to pay for as few datanode restarts as possible (a datanode JVM
 * takes 20 s to minutes to start and register, depending on the machine's load): the first stops
 * the leader A of pipeline {A,B,C} and leaves it down; its new writes go to {B,C,D}. The second
 * stops a follower of that one, so that two of four datanodes are down and SCM cannot place a
 * RATIS/THREE write (503), then starts A again, and writes succeed on a pipeline with it. A test
 * that fails starts what it stopped in `finally`, and afterAll starts every datanode, so that
 * one failure does not cascade into the next suite.
 */
import { randomBytes } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type CreateMultipartUploadCommandOutput,
  type ListObjectsV2CommandOutput,
  type UploadPartCommandOutput,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultsClusterOk, faultsDaemonCommandLines } from "../support/ozone-faults.js";
import {
  datanodesOf,
  describeOutcome,
  expectAbsentOrWhole,
  expectOkOrUnavailable,
  expectReadsBack,
  isCleanUnavailable,
  MiB,
  READ_DEADLINE_MS,
  retryUntilOk,
  send,
  sha256,
  sleep,
  startFaultsContext,
  stopFaultsContext,
  WRITE_DEADLINE_MS,
  type FaultsContext,
  type Outcome,
} from "./faults.js";

/**
 * How long writes may answer 503 after a stopped datanode is started again: its JVM starting and
 * registering, then SCM forming a pipeline (measured 52-154 s on 2 cores shared with other work).
 */
const RESTART_WITHIN_MS = 300_000;
const bucket = `faults-dn-${randomBytes(4).toString("hex")}`;
const log = (msg: string): void => console.log(`[faults/datanode ${new Date().toISOString().slice(11, 19)}] ${msg}`);

describe("a datanode of the pipeline stopped under RATIS/THREE writes", () => {
  let ctx: FaultsContext;
  /** objects written so far and still to read back: key -> sha256 */
  const written = new Map<string, string>();
  /** the datanode the first test left stopped for the second */
  let leftDown: number | undefined;

  beforeAll(async () => {
    const started = Date.now();
    ctx = await startFaultsContext();
    log(`cluster and gateway up in ${Date.now() - started} ms`);
    await ctx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // SCM forms the RATIS/THREE pipeline within seconds of the datanodes registering
    for (const key of ["before-1", "before-2"]) {
      const data = randomBytes(6 * MiB + 17); // two 4 MB blocks
      await retryUntilOk(ctx.s3, () => new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }), `PUT ${key}`, 120_000);
      written.set(key, sha256(data));
    }
  });
  afterAll(async () => {
    await stopFaultsContext(ctx);
    // every datanode running again for the next suite, whatever happened here
    for (let i = 1; i <= 4; i++) await faultsClusterOk("datanode", "start", String(i));
  });

  /** The RATIS/THREE pipeline writes go to now: that of a fresh small object. */
  async function currentPipeline(tag: string): Promise<{ datanodes: number[]; leader?: number }> {
    const key = `probe-${tag}`;
    const data = randomBytes(1000);
    await retryUntilOk(ctx.s3, () => new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }), `PUT ${key}`, 180_000);
    const [block] = (await datanodesOf(ctx, bucket, key)).blocks;
    expect(block.datanodes).toHaveLength(3);
    return block;
  }

  async function readsBackWritten(): Promise<void> {
    for (const [key, sha] of written) await expectReadsBack(ctx.s3, bucket, key, sha);
  }

  it("a 200 MiB multipart upload: its pipeline's leader stopped mid-upload; parts answer 200 or 503, the object reads back whole with the leader down, and new writes go to a new pipeline with the fourth datanode", async () => {
    const pipeline = await currentPipeline("mpu");
    const victim = pipeline.leader ?? pipeline.datanodes[0];
    log(`pipeline datanodes ${pipeline.datanodes.join(",")}, leader ${pipeline.leader}; stopping ${victim} as part 5 starts`);
    const key = "mpu-200";
    const parts = Array.from({ length: 20 }, () => randomBytes(10 * MiB));
    const whole = sha256(Buffer.concat(parts));
    const upload = await send<CreateMultipartUploadCommandOutput>(ctx.s3, new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }), READ_DEADLINE_MS, "CreateMultipartUpload");
    expect(upload.status, describeOutcome(upload)).toBe(200);
    const uploadId = upload.value!.UploadId!;
    const etags: string[] = [];
    const unavailable: string[] = [];
    let stopped: Promise<void> | undefined;
    let ok = false;
    const started = Date.now();
    try {
      // two parts at a time, as multipart clients send them; the datanode goes away as part 5 starts
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let i = next++; i < parts.length; i = next++) {
          if (i === 4) stopped = sleep(300).then(() => faultsClusterOk("datanode", "stop", String(victim)));
          const r = await retryUntilOk<UploadPartCommandOutput>(
            ctx.s3,
            () => new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: i + 1, Body: parts[i] }),
            `UploadPart ${i + 1}`,
            120_000,
          );
          if (r.unavailable) unavailable.push(`part ${i + 1}: ${r.unavailable} × 503 first`);
          if (r.ms > 10_000) log(`part ${i + 1}: ${r.ms} ms`);
          etags[i] = r.ok.value!.ETag!;
        }
      };
      await Promise.all([lane(), lane()]);
      await stopped;
      const complete = await retryUntilOk(
        ctx.s3,
        () => new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
        "CompleteMultipartUpload",
        120_000,
      );
      log(`200 MiB uploaded in ${Date.now() - started} ms (${unavailable.join(", ") || "no 503"}); complete ${complete.ms} ms`);

      // with the datanode still down: the upload reads back whole, and so do the objects written before
      let t = Date.now();
      await expectReadsBack(ctx.s3, bucket, key, whole);
      log(`GET 200 MiB with datanode ${victim} down: ${Date.now() - t} ms`);
      await readsBackWritten();

      // a new write while it is down goes through a new pipeline, with the fourth datanode
      t = Date.now();
      const data = randomBytes(5 * MiB);
      const w = await retryUntilOk(ctx.s3, () => new PutObjectCommand({ Bucket: bucket, Key: "while-down-1", Body: data }), "PUT while-down-1", 120_000);
      log(`PUT with datanode ${victim} down: ${Date.now() - t} ms (${w.unavailable} × 503 first)`);
      for (const block of (await datanodesOf(ctx, bucket, "while-down-1")).blocks) {
        expect(block.datanodes, "a new pipeline without the stopped datanode").not.toContain(victim);
      }
      await expectReadsBack(ctx.s3, bucket, "while-down-1", sha256(data));
      written.set("while-down-1", sha256(data));
      ok = true;
    } finally {
      await stopped?.catch(() => {});
      // the next test wants it down; a failure here starts it again at once
      if (ok) leftDown = victim;
      else await faultsClusterOk("datanode", "start", String(victim));
    }
  });

  it("100 concurrent 1 MiB PUTs: a follower of their pipeline stopped after 10 answers; each answers 200 or 503, acknowledged objects read back, nothing partial is visible; with two of four datanodes down writes answer 503, and succeed once one is back", async () => {
    const pipeline = await currentPipeline("concurrent");
    const victim = pipeline.datanodes.find((d) => d !== pipeline.leader)!;
    log(`pipeline datanodes ${pipeline.datanodes.join(",")}, leader ${pipeline.leader}, ${leftDown ?? "none"} down; stopping follower ${victim} after 10 answers`);
    const objects = Array.from({ length: 100 }, (_, i) => ({ key: `c-${String(i).padStart(3, "0")}`, data: randomBytes(MiB) }));
    let answered = 0;
    /** how many PUTs had answered when the datanode's process was gone */
    let answeredAtStop = 0;
    let stopped: Promise<void> | undefined;
    const started = Date.now();
    try {
      const outcomes = await Promise.all(
        objects.map(async ({ key, data }) => {
          const o = await send(ctx.s3, new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }), WRITE_DEADLINE_MS, `PUT ${key}`);
          if (++answered === 10) stopped = faultsClusterOk("datanode", "stop", String(victim)).then(() => void (answeredAtStop = answered));
          return o;
        }),
      );
      await stopped;
      const count = (p: (o: Outcome) => boolean) => outcomes.filter(p).length;
      log(
        `100 PUTs in ${Date.now() - started} ms: ${count((o) => o.status === 200)} × 200, ${count(isCleanUnavailable)} × 503; ` +
          `slowest ${Math.max(...outcomes.map((o) => o.ms))} ms; ${100 - answeredAtStop} answered after the datanode was gone`,
      );
      expect(stopped, "the datanode was stopped while PUTs were still running").toBeDefined();
      for (const [i, o] of outcomes.entries()) expectOkOrUnavailable(o, `PUT ${objects[i].key}`);

      // every acknowledged object reads back byte-identical (from the replicas still up); the others are absent or whole
      let absent = 0;
      for (const [i, { key, data }] of objects.entries()) {
        if (outcomes[i].status === 200) await expectReadsBack(ctx.s3, bucket, key, sha256(data));
        else if ((await expectAbsentOrWhole(ctx.s3, bucket, key, sha256(data))) === "absent") absent++;
      }
      log(`${absent} of the unacknowledged PUTs left nothing, ${count(isCleanUnavailable) - absent} committed whole`);
      // the listing shows only whole objects
      const listed = await send<ListObjectsV2CommandOutput>(ctx.s3, new ListObjectsV2Command({ Bucket: bucket, Prefix: "c-" }), READ_DEADLINE_MS, "ListObjectsV2");
      expect(listed.status, describeOutcome(listed)).toBe(200);
      for (const o of listed.value!.Contents ?? []) expect(o.Size, `listed ${o.Key}`).toBe(MiB);
      expect(listed.value!.KeyCount).toBe(100 - absent);
      let t = Date.now();
      await readsBackWritten();
      log(`reads with datanodes ${leftDown ?? "-"} and ${victim} down: ${Date.now() - t} ms`);

      if (leftDown !== undefined) {
        // two of four datanodes down (SCM has long noticed): no pipeline for RATIS/THREE, a clean 503 that leaves nothing
        const data = randomBytes(2 * MiB);
        const o = await send(ctx.s3, new PutObjectCommand({ Bucket: bucket, Key: "two-down", Body: data }), WRITE_DEADLINE_MS, "PUT two-down");
        log(`PUT with datanodes ${leftDown} and ${victim} down: ${describeOutcome(o)}`);
        expect(isCleanUnavailable(o), `PUT two-down: ${describeOutcome(o)}`).toBe(true);
        const head = await send(ctx.s3, new HeadObjectCommand({ Bucket: bucket, Key: "two-down" }), READ_DEADLINE_MS, "HEAD two-down");
        expect(head.status, `HEAD two-down: ${describeOutcome(head)}`).toBe(404);
        // the first datanode back: writes succeed again, on a pipeline with it
        await faultsClusterOk("datanode", "start", String(leftDown));
        t = Date.now();
        const back = randomBytes(3 * MiB);
        const w = await retryUntilOk(ctx.s3, () => new PutObjectCommand({ Bucket: bucket, Key: "back", Body: back }), "PUT back", RESTART_WITHIN_MS);
        log(`PUT once datanode ${leftDown} is started again: ${Date.now() - t} ms (${w.unavailable} × 503 first)`);
        expect((await datanodesOf(ctx, bucket, "back")).blocks[0].datanodes).toContain(leftDown);
        await expectReadsBack(ctx.s3, bucket, "back", sha256(back));
      }
    } finally {
      await stopped?.catch(() => {});
      await faultsClusterOk("datanode", "start", String(victim));
      if (leftDown !== undefined) await faultsClusterOk("datanode", "start", String(leftDown));
    }
  });

  it("every daemon, the datanodes started again by the tests too, runs with the JIT's first tier only (the args file's --c1)", () => {
    const lines = faultsDaemonCommandLines();
    // SCM, the OM and four datanodes (the tests above started every datanode they stopped)
    expect([...lines.keys()].sort()).toEqual(["dn", "dn2", "dn3", "dn4", "om", "scm"]);
    for (const [name, args] of lines) expect(args, name).toContain("-XX:TieredStopAtLevel=1");
  });
});
