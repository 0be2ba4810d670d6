/**
 * Buckets with the real AWS SDK: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
 * GetBucketLocation, against a real gateway process.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  GetBucketLocationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  GetObjectCommand,
  PutObjectCommand,
  DeleteObjectCommand,
  AbortMultipartUploadCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectS3Error, expectErrorXml, rawRequest } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

describe("CreateBucket", () => {
  it("creates a bucket and answers its Location", async () => {
    const name = bucketName("create");
    const res = await s3.send(new CreateBucketCommand({ Bucket: name }));
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(res.Location).toBe(`/${name}`);
    await s3.send(new HeadBucketCommand({ Bucket: name }));
  });

  it("accepts a LocationConstraint naming the gateway's own region only", async () => {
    const name = bucketName("loc");
    await expectS3Error(
      s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })),
      "InvalidLocationConstraint",
      400,
    );
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: name })), "NotFound", 404);
  });

  it("succeeds and keeps the contents when the caller creates a bucket it owns again (us-east-1)", async () => {
    const name = bucketName("twice");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "kept", Body: "still here" }));
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const got = await s3.send(new GetObjectCommand({ Bucket: name, Key: "kept" }));
    expect(await got.Body!.transformToString()).toBe("still here");
  });

  it("answers BucketAlreadyOwnedByYou for a bucket the caller owns in any other region", async () => {
    const eu = await startGateway({ args: ["--region", "eu-west-1"] });
    const client = eu.client({ region: "eu-west-1" });
    try {
      const name = bucketName("twice-eu");
      await client.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
      const err = await expectS3Error(
        client.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })),
        "BucketAlreadyOwnedByYou",
        409,
      );
      expect((err as unknown as { BucketName?: string }).BucketName).toBe(name);
    } finally {
      client.destroy();
      await eu.stop();
    }
  });

  it.each([
    ["too short", "ab"],
    ["too long", "a".repeat(64)],
    ["upper case", "Upper-Case-Bucket"],
    ["underscore", "under_score"],
    ["adjacent dots", "two..dots"],
    ["starting with a hyphen", "-leading-hyphen"],
    ["ending with a hyphen", "trailing-hyphen-"],
    ["an IP address", "192.168.5.4"],
    ["the xn-- prefix", "xn--reserved"],
    ["the -s3alias suffix", "reserved-s3alias"],
  ])("refuses a name %s with InvalidBucketName", async (_what, name) => {
    await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: name })), "InvalidBucketName", 400);
  });

  it("accepts names at the limits of the rules (3 and 63 characters, dots, digits)", async () => {
    for (const name of ["a1b", `b${"0".repeat(61)}c`, "dotted.name.bucket", "123-numeric"]) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      await s3.send(new HeadBucketCommand({ Bucket: name }));
      await s3.send(new DeleteBucketCommand({ Bucket: name }));
    }
  });
});

describe("ListBuckets", () => {
  it("lists the caller's buckets in name order with their creation dates and the owner", async () => {
    const names = [bucketName("list-c"), bucketName("list-a"), bucketName("list-b")];
    const before = Date.now();
    for (const name of names) await s3.send(new CreateBucketCommand({ Bucket: name }));
    const res = await s3.send(new ListBucketsCommand({}));
    const listed = (res.Buckets ?? []).map((b) => b.Name!);
    expect(listed).toEqual([...listed].sort());
    for (const name of names) expect(listed).toContain(name);
    for (const b of res.Buckets!.filter((x) => names.includes(x.Name!))) {
      expect(b.CreationDate).toBeInstanceOf(Date);
      // whole seconds on the wire at worst
      expect(b.CreationDate!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(b.BucketRegion).toBe("us-east-1");
    }
    expect(res.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(res.Owner?.DisplayName).toBe(gw.accessKeyId);
  });

  it("filters by prefix and pages with max-buckets and continuation-token", async () => {
    const prefix = bucketName("page");
    const names = ["a", "b", "c", "d", "e"].map((s) => `${prefix}-${s}`);
    for (const name of names) await s3.send(new CreateBucketCommand({ Bucket: name }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await s3.send(new ListBucketsCommand({ Prefix: prefix, MaxBuckets: 2, ContinuationToken: token }));
      expect(res.Prefix).toBe(prefix);
      expect(res.Buckets!.length).toBeLessThanOrEqual(2);
      seen.push(...res.Buckets!.map((b) => b.Name!));
      token = res.ContinuationToken;
      pages++;
    } while (token !== undefined && pages < 10);
    expect(seen).toEqual(names);
    expect(pages).toBe(3);
  });

  it("refuses a max-buckets outside 1..10000", async () => {
    await expectS3Error(s3.send(new ListBucketsCommand({ MaxBuckets: 0 })), "InvalidArgument", 400);
    await expectS3Error(s3.send(new ListBucketsCommand({ MaxBuckets: 10001 })), "InvalidArgument", 400);
  });
});

describe("HeadBucket", () => {
  it("answers 200 with the region for an existing bucket", async () => {
    const name = bucketName("head");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const res = await s3.send(new HeadBucketCommand({ Bucket: name }));
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(res.BucketRegion).toBe("us-east-1");
    expect(res.$metadata.requestId).toMatch(/\S/);
  });

  it("answers 404 without a body for a missing bucket", async () => {
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: bucketName("nothere") })), "NotFound", 404);
    const raw = await rawRequest(gw, { method: "HEAD", path: `/${bucketName("nothere")}` });
    expect(raw.status).toBe(404);
    expect(raw.body.length).toBe(0);
    expect(raw.headers["x-amz-request-id"]).toMatch(/\S/);
  });
});

describe("DeleteBucket", () => {
  it("deletes an empty bucket (204), after which it is gone from every view", async () => {
    const name = bucketName("del");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const res = await s3.send(new DeleteBucketCommand({ Bucket: name }));
    expect(res.$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: name })), "NotFound", 404);
    const list = await s3.send(new ListBucketsCommand({}));
    expect((list.Buckets ?? []).map((b) => b.Name)).not.toContain(name);
    // the name is free again
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  });

  it("refuses to delete a bucket that holds an object (BucketNotEmpty), then deletes it once emptied", async () => {
    const name = bucketName("full");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "x" }));
    const err = await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: name })), "BucketNotEmpty", 409);
    expect((err as unknown as { BucketName?: string }).BucketName).toBe(name);
    await s3.send(new HeadBucketCommand({ Bucket: name }));
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "k" }));
    await s3.send(new DeleteBucketCommand({ Bucket: name }));
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: name })), "NotFound", 404);
  });

  it("deletes a bucket whose only content was an aborted multipart upload", async () => {
    const name = bucketName("mpu");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: name, Key: "k" }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: name, Key: "k", UploadId: up.UploadId }));
    await s3.send(new DeleteBucketCommand({ Bucket: name }));
  });

  it("answers NoSuchBucket for a missing bucket, as S3 XML naming the bucket", async () => {
    const name = bucketName("gone");
    const err = await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: name })), "NoSuchBucket", 404);
    expect((err as unknown as { BucketName?: string }).BucketName).toBe(name);
    const raw = await rawRequest(gw, { method: "DELETE", path: `/${name}` });
    expectErrorXml(raw, "NoSuchBucket", 404);
    expect(raw.text).toContain(`<BucketName>${name}</BucketName>`);
  });
});

describe("GetBucketLocation", () => {
  it("answers an empty LocationConstraint for us-east-1, as S3 does", async () => {
    const name = bucketName("where");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const res = await s3.send(new GetBucketLocationCommand({ Bucket: name }));
    expect(res.LocationConstraint ?? "").toBe("");
    const raw = await rawRequest(gw, { method: "GET", path: `/${name}`, query: { location: null } });
    expect(raw.status).toBe(200);
    expect(raw.text).toMatch(/<LocationConstraint xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"\s*(\/>|><\/LocationConstraint>)/);
  });

  it("answers NoSuchBucket for a missing bucket", async () => {
    await expectS3Error(s3.send(new GetBucketLocationCommand({ Bucket: bucketName("nowhere") })), "NoSuchBucket", 404);
  });
});
