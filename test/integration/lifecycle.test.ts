/**
 * Lifecycle through the real server: Put/Get/DeleteBucketLifecycleConfiguration with the AWS SDK
 * (S3's checks and error codes), and the executor at work in the gateway process that owns the
 * store. To see an object expire without waiting days, the gateway runs its executor every 100 ms
 * (`lifecycle.tickIntervalMs`, S3G_LIFECYCLE_TICK_MS) and the rule is S3's date form with today's
 * midnight UTC: a Date rule applies to every selected object from that midnight on, so an object
 * written now has expired at the next tick. Nothing test-only is in the gateway for this.
 * On Ozone (which keeps no lifecycle rules) PutBucketLifecycleConfiguration answers 501
 * NotImplemented and every bucket reads as one without rules.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  type LifecycleRule,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectErrorXml, expectS3Error, md5Base64, rawRequest, xmlElements } from "./helpers.js";

const DAY_MS = 86_400_000;
const todayMidnight = () => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);

let gw: RunningGateway;
let s3: S3Client;

beforeAll(async () => {
  gw = await startGateway({ env: { S3G_LIFECYCLE_TICK_MS: "100" } });
  s3 = gw.client();
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

async function newBucket(label: string): Promise<string> {
  const bucket = bucketName(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

const put = (Bucket: string, Rules: LifecycleRule[]) => s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));

async function listKeys(Bucket: string, client: S3Client = s3): Promise<string[]> {
  return ((await client.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => o.Key!);
}

/** Polls until `check` holds (the executor runs every 100 ms), at most 10 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("the condition did not come true within 10 s");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(ON_OZONE)("on Ozone", () => {
  it("answers PutBucketLifecycleConfiguration 501 NotImplemented naming the backend, and reads every bucket as one without rules", async () => {
    const bucket = await newBucket("lc-ozone");
    const err = await expectS3Error(put(bucket, [{ ID: "r", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 1 } }]), "NotImplemented", 501);
    expect(err.message).toMatch(/Ozone/);
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), "NoSuchLifecycleConfiguration", 404);
    expect((await s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(204);
  });
});

describe.skipIf(ON_OZONE)("Put/Get/DeleteBucketLifecycleConfiguration", () => {
  it("keeps the rules as given, in order, until deleted; 404 NoSuchLifecycleConfiguration without them", async () => {
    const bucket = await newBucket("lc-rules");
    const none = await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), "NoSuchLifecycleConfiguration", 404);
    expect(none.$metadata.requestId).toBeTruthy();
    const rules: LifecycleRule[] = [
      { ID: "logs", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
      { ID: "tmp", Status: "Disabled", Filter: { And: { Prefix: "tmp/", Tags: [{ Key: "class", Value: "scratch" }], ObjectSizeGreaterThan: 1024 } }, Expiration: { Date: new Date("2030-01-01T00:00:00Z") } },
      { ID: "versions", Status: "Enabled", Filter: { Tag: { Key: "k", Value: "v" } }, NoncurrentVersionExpiration: { NoncurrentDays: 10, NewerNoncurrentVersions: 3 } },
      { ID: "markers", Status: "Enabled", Filter: {}, Expiration: { ExpiredObjectDeleteMarker: true } },
    ];
    await put(bucket, rules);
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(got.Rules).toEqual(rules);
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), "NoSuchLifecycleConfiguration", 404);
    // deleting again, or with none, succeeds
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
  });

  it("refuses what S3 refuses, with S3's codes, and changes nothing", async () => {
    const bucket = await newBucket("lc-bad");
    await put(bucket, [{ ID: "keep", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 1 } }]);
    const r = (over: Partial<LifecycleRule>): LifecycleRule => ({ ID: "r", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 1 }, ...over });
    await expectS3Error(put(bucket, [r({ Expiration: { Days: 0 } })]), "InvalidArgument", 400);
    await expectS3Error(put(bucket, [r({ Expiration: { Date: new Date("2030-01-01T12:00:00Z") } })]), "InvalidArgument", 400);
    await expectS3Error(put(bucket, [r({}), r({})]), "InvalidArgument", 400);
    await expectS3Error(put(bucket, [r({ ID: "x".repeat(256) })]), "InvalidArgument", 400);
    await expectS3Error(put(bucket, [r({ Filter: { Tag: { Key: "a", Value: "b" } }, Expiration: undefined, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })]), "InvalidRequest", 400);
    await expectS3Error(put(bucket, [r({ Expiration: undefined })]), "InvalidRequest", 400);
    await expectS3Error(put(bucket, [r({ Status: "On" as "Enabled" })]), "MalformedXML", 400);
    await expectS3Error(put(bucket, []), "MalformedXML", 400);
    const transition = await expectS3Error(put(bucket, [r({ Transitions: [{ Days: 30, StorageClass: "GLACIER" }] })]), "NotImplemented", 501);
    expect(transition.message).toMatch(/single storage class/);
    // a transition S3 would refuse as malformed is the client's error first (ceph's s3-tests: test_lifecycle_transition_set_invalid_date)
    await expectS3Error(put(bucket, [r({ Transitions: [{ Date: new Date("2026-09-27T12:00:00Z"), StorageClass: "GLACIER" }] })]), "InvalidArgument", 400);
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules!.map((x) => x.ID)).toEqual(["keep"]);
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucketName("lc-missing") })), "NoSuchBucket", 404);
  });

  it("requires Content-MD5 or a checksum of the body (AWS's model: requestChecksumRequired)", async () => {
    const bucket = await newBucket("lc-md5");
    const body = "<LifecycleConfiguration><Rule><ID>r</ID><Filter></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>";
    const without = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { lifecycle: null }, body });
    expectErrorXml(without, "InvalidRequest", 400);
    const withMd5 = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { lifecycle: null }, body, headers: { "content-md5": md5Base64(Buffer.from(body)) } });
    expect(withMd5.status).toBe(200);
    const got = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { lifecycle: null } });
    expect(xmlElements(got.text, "Days")).toEqual(["1"]);
  });

  it("a rule with the legacy top-level Prefix is answered in that form", async () => {
    const bucket = await newBucket("lc-legacy");
    const legacy: LifecycleRule = { ID: "old", Status: "Enabled", Prefix: "a/", Expiration: { Days: 5 } };
    await put(bucket, [legacy]);
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules).toEqual([legacy]);
  });

  it("a deleted bucket takes its rules with it", async () => {
    const bucket = await newBucket("lc-gone");
    await put(bucket, [{ ID: "r", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 1 } }]);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), "NoSuchLifecycleConfiguration", 404);
  });
});

describe.skipIf(ON_OZONE)("the lifecycle executor in the gateway", () => {
  async function expiresUnderDateRule(client: S3Client, label: string): Promise<void> {
    const bucket = bucketName(label);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const Key of ["old/a", "old/b", "keep/c"]) await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: "x" }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "old/tagged", Body: "x", Tagging: "keep=yes" }));
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: {
          Rules: [
            { ID: "old", Status: "Enabled", Filter: { Prefix: "old/" }, Expiration: { Date: todayMidnight() } },
            // a disabled rule selecting everything does nothing
            { ID: "off", Status: "Disabled", Filter: {}, Expiration: { Date: todayMidnight() } },
          ],
        },
      }),
    );
    await eventually(async () => (await listKeys(bucket, client)).length === 1);
    expect(await listKeys(bucket, client)).toEqual(["keep/c"]);
    // the bucket can be emptied and deleted as usual afterwards
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "keep/c" }));
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  }

  it("expires the objects a Date rule selects at its next run (workers: the primary runs it)", async () => {
    await expiresUnderDateRule(s3, "lc-exec");
  });

  it("also in a single-process gateway, and after a restart the rules still apply", async () => {
    const single = await startGateway({ workers: 1, env: { S3G_LIFECYCLE_TICK_MS: "100" } });
    const client = single.client();
    try {
      await expiresUnderDateRule(client, "lc-single");
      const bucket = bucketName("lc-restart");
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      await client.send(new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: [{ ID: "all", Status: "Enabled", Filter: {}, Expiration: { Date: todayMidnight() } }] },
      }));
      client.destroy();
      await single.stop({ removeData: false });
      // the rules were kept: an object written after the restart is expired by the new process's executor
      const again = await startGateway({ workers: 1, dataDir: single.dataDir, env: { S3G_LIFECYCLE_TICK_MS: "100" } });
      const c2 = again.client();
      try {
        await c2.send(new PutObjectCommand({ Bucket: bucket, Key: "later", Body: "x" }));
        await eventually(async () => ((await c2.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0) === 0);
      } finally {
        c2.destroy();
        await again.stop();
      }
    } finally {
      client.destroy();
      // stops it if the test did not, and removes its data directory (the restart shared it)
      await single.stop();
    }
  });
});
