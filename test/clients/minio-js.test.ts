/**
 * MinIO's JavaScript client (minio-js) against the real gateway process: a second client family,
 * with its own signer, XML builder and parser, multipart logic and presigned POST policy. What it
 * sends differs from the AWS SDK's: no checksum at all on PutBucketVersioning and PutBucketPolicy
 * (S3 takes them so; see spec/versioning.tsp and spec/policy.tsp), a multipart upload of a stream
 * of unknown length in parts of the client's `partSize`, payloads hashed into
 * x-amz-content-sha256, the copy source URI-encoded with encodeURI.
 *
 * Not used here, because minio-js itself breaks them against S3 too: `setBucketTagging` (it
 * expects 200 where S3 answers 204) and `composeObject` with a key outside ASCII (it sends the copy
 * source unencoded, and signs the header's UTF-8 while node sends it as latin1).
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import * as Minio from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, crc64nvmeOf } from "../integration/helpers.js";

let gw: RunningGateway;
let mc: Minio.Client;
const bucket = bucketName("minio-js");

const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function collect<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on("data", (item: T) => out.push(item));
    stream.on("end", () => resolve(out));
    stream.on("error", reject);
  });
}

beforeAll(async () => {
  gw = await startGateway();
  mc = new Minio.Client({
    endPoint: "127.0.0.1",
    port: gw.port,
    useSSL: false,
    accessKey: gw.accessKeyId,
    secretKey: gw.secretAccessKey,
    region: "us-east-1",
    pathStyle: true,
    partSize: 5 * 1024 * 1024,
  });
  await mc.makeBucket(bucket, "us-east-1");
});

afterAll(async () => {
  await gw?.stop();
});

describe("minio-js", () => {
  it("makes and finds the bucket", async () => {
    expect(await mc.bucketExists(bucket)).toBe(true);
    expect((await mc.listBuckets()).map((b) => b.name)).toContain(bucket);
  });

  it("puts an object with metadata, stats it and reads it whole and by range", async () => {
    await mc.putObject(bucket, "a/hello.txt", "hello world", 11, { "Content-Type": "text/plain", "X-Amz-Meta-Color": "blue" });
    const stat = await mc.statObject(bucket, "a/hello.txt");
    expect(stat.size).toBe(11);
    expect(stat.etag).toBe(md5(Buffer.from("hello world")));
    expect(stat.metaData).toMatchObject({ "content-type": "text/plain", color: "blue" });
    expect((await bytesOf(await mc.getObject(bucket, "a/hello.txt"))).toString()).toBe("hello world");
    expect((await bytesOf(await mc.getPartialObject(bucket, "a/hello.txt", 6, 5))).toString()).toBe("world");
  });

  it("uploads a stream of unknown length in 5 MiB parts and reads it back byte for byte (a key with spaces, + and % and outside ASCII)", async () => {
    const key = "big/üñï code key+%.bin";
    const data = randomBytes(12 * 1024 * 1024 + 17);
    const put = await mc.putObject(bucket, key, Readable.from([data.subarray(0, 7_000_000), data.subarray(7_000_000)]));
    expect(put.etag).toMatch(/^[0-9a-f]{32}-[2-9]$/); // a multipart ETag: minio-js chose the part count
    expect(md5(await bytesOf(await mc.getObject(bucket, key)))).toBe(md5(data));
    expect((await mc.statObject(bucket, key)).size).toBe(data.length);
    // minio-js creates its uploads without a checksum algorithm: the object has S3's default one,
    // of its bytes (AWS's own implementation as the oracle). Ozone keeps no part checksums.
    if (!ON_OZONE) {
      const head = await gw.client().send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
      expect([head.ChecksumCRC64NVME, head.ChecksumType]).toEqual([await crc64nvmeOf(data), "FULL_OBJECT"]);
    }
  });

  it("copies an object (copyObject, its copy source encoded by encodeURI)", async () => {
    for (const key of ["a b.txt", "a+b.txt", "ü.txt", "pct%x.txt"]) {
      await mc.putObject(bucket, `src/${key}`, `data of ${key}`);
      await mc.copyObject(new Minio.CopySourceOptions({ Bucket: bucket, Object: `src/${key}` }), new Minio.CopyDestinationOptions({ Bucket: bucket, Object: `dst/${key}` }));
      expect((await bytesOf(await mc.getObject(bucket, `dst/${key}`))).toString()).toBe(`data of ${key}`);
    }
  });

  it("composes an object from a byte range of one source and the whole of another (UploadPartCopy)", async () => {
    const first = randomBytes(6 * 1024 * 1024);
    await mc.putObject(bucket, "compose/one", first);
    await mc.putObject(bucket, "compose/two", "tail");
    await mc.composeObject(new Minio.CopyDestinationOptions({ Bucket: bucket, Object: "compose/out" }), [
      new Minio.CopySourceOptions({ Bucket: bucket, Object: "compose/one", MatchRange: true, Start: 0, End: 5 * 1024 * 1024 - 1 }),
      new Minio.CopySourceOptions({ Bucket: bucket, Object: "compose/two" }),
    ]);
    const out = await bytesOf(await mc.getObject(bucket, "compose/out"));
    expect(md5(out)).toBe(md5(Buffer.concat([first.subarray(0, 5 * 1024 * 1024), Buffer.from("tail")])));
  });

  it("lists with and without a delimiter, V1 and V2, and after a key", async () => {
    const names = (await collect<{ name?: string }>(mc.listObjectsV2(bucket, "a/", true))).map((o) => o.name);
    expect(names).toEqual(["a/hello.txt"]);
    const top = (await collect<{ name?: string; prefix?: string }>(mc.listObjects(bucket, "", false))).map((o) => o.name ?? o.prefix);
    expect(top).toEqual(["a/", "big/", "compose/", "dst/", "src/"]);
    const after = (await collect<{ name?: string }>(mc.listObjectsV2(bucket, "src/", true, "src/a+b.txt"))).map((o) => o.name);
    expect(after).toEqual(["src/pct%x.txt", "src/ü.txt"]);
  });

  it("presigns a GET, a PUT and a POST policy that plain fetch() uses", async () => {
    const get = await fetch(await mc.presignedGetObject(bucket, "a/hello.txt", 60));
    expect([get.status, await get.text()]).toEqual([200, "hello world"]);
    const put = await fetch(await mc.presignedPutObject(bucket, "p/put.txt", 60), { method: "PUT", body: "via presign" });
    expect(put.status).toBe(200);
    const policy = mc.newPostPolicy();
    policy.setBucket(bucket);
    policy.setKey("p/post.txt");
    policy.setExpires(new Date(Date.now() + 60_000));
    policy.setContentType("text/plain");
    policy.setContentLengthRange(1, 1000);
    const { postURL, formData } = await mc.presignedPostPolicy(policy);
    const form = new FormData();
    for (const [k, v] of Object.entries(formData)) form.append(k, v);
    form.append("file", new Blob(["posted"], { type: "text/plain" }));
    const post = await fetch(postURL, { method: "POST", body: form });
    expect(post.status).toBe(204);
    expect((await bytesOf(await mc.getObject(bucket, "p/post.txt"))).toString()).toBe("posted");
    expect((await bytesOf(await mc.getObject(bucket, "p/put.txt"))).toString()).toBe("via presign");
  });

  it("tags an object, reads the tags and removes them", async () => {
    await mc.setObjectTagging(bucket, "a/hello.txt", { k1: "v1", "k 2": "v/2" });
    expect(await mc.getObjectTagging(bucket, "a/hello.txt")).toEqual([
      { Key: "k 2", Value: "v/2" },
      { Key: "k1", Value: "v1" },
    ]);
    await mc.removeObjectTagging(bucket, "a/hello.txt", { versionId: "" }); // (its type wants one; empty: none sent)
    expect(await mc.getObjectTagging(bucket, "a/hello.txt")).toEqual([]);
  });

  it("sets a lifecycle configuration (sent with Content-MD5) and reads it back", async () => {
    await mc.setBucketLifecycle(bucket, { Rule: [{ ID: "r1", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 3 } }] });
    expect(await mc.getBucketLifecycle(bucket)).toMatchObject({ Rule: { ID: "r1", Status: "Enabled", Expiration: { Days: 3 } } });
    await mc.removeBucketLifecycle(bucket);
  });

  it("enables versioning (sent without a checksum, as S3 takes it) and reads older versions", async () => {
    await mc.setBucketVersioning(bucket, { Status: "Enabled" });
    expect(await mc.getBucketVersioning(bucket)).toMatchObject({ Status: "Enabled" });
    await mc.putObject(bucket, "v/key", "first");
    await mc.putObject(bucket, "v/key", "second");
    const versions = await collect<{ name: string; versionId: string; isLatest: boolean }>(mc.listObjects(bucket, "v/", true, { IncludeVersion: true }));
    expect(versions.map((v) => [v.name, v.isLatest])).toEqual([
      ["v/key", true],
      ["v/key", false],
    ]);
    const older = versions.find((v) => !v.isLatest)!;
    expect((await mc.statObject(bucket, "v/key", { versionId: older.versionId })).size).toBe(5);
    expect((await bytesOf(await mc.getObject(bucket, "v/key", { versionId: older.versionId }))).toString()).toBe("first");
  });

  it("sets a bucket policy (sent without a checksum, as S3 takes it) that lets anyone read a prefix", async () => {
    await mc.putObject(bucket, "public/x.txt", "public");
    const anonymous = `http://127.0.0.1:${gw.port}/${bucket}/public/x.txt`;
    expect((await fetch(anonymous)).status).toBe(403);
    const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${bucket}/public/*`] }] };
    await mc.setBucketPolicy(bucket, JSON.stringify(policy));
    expect(JSON.parse(await mc.getBucketPolicy(bucket))).toEqual(policy);
    const res = await fetch(anonymous);
    expect([res.status, await res.text()]).toEqual([200, "public"]);
  });

  it("removes objects one by one and in a batch; a missing key is NoSuchKey", async () => {
    await mc.removeObject(bucket, "p/put.txt");
    await mc.removeObjects(bucket, ["p/post.txt", "compose/one", "no/such/key"]);
    const left = (await collect<{ name?: string }>(mc.listObjectsV2(bucket, "p/", true))).map((o) => o.name);
    expect(left).toEqual([]);
    await expect(mc.statObject(bucket, "compose/one")).rejects.toMatchObject({ code: "NotFound" });
    await expect(mc.getObject(bucket, "no/such/key")).rejects.toMatchObject({ code: "NoSuchKey" });
  });

  it("locks objects: a bucket with Object Lock, its default retention, a legal hold", async () => {
    const locked = bucketName("minio-js-lock");
    await mc.makeBucket(locked, "us-east-1", { ObjectLocking: true });
    await mc.setObjectLockConfig(locked, { mode: "GOVERNANCE", unit: "Days", validity: 1 });
    expect(await mc.getObjectLockConfig(locked)).toMatchObject({ objectLockEnabled: "Enabled", mode: "GOVERNANCE", unit: "Days", validity: 1 });
    // minio-js sends no Content-MD5 or checksum with a PutObject (nor can it be told to), and S3
    // wants one for a PutObject into a bucket with a default retention: 400 InvalidRequest, as S3
    await expect(mc.putObject(locked, "o", "locked")).rejects.toMatchObject({ code: "InvalidRequest" });
    const s3 = gw.client();
    await s3.send(new PutObjectCommand({ Bucket: locked, Key: "o", Body: "locked" })); // the AWS SDK sends a CRC32
    s3.destroy();
    const { versionId } = await mc.statObject(locked, "o");
    expect(await mc.getObjectRetention(locked, "o", { versionId: versionId! })).toMatchObject({ mode: "GOVERNANCE" });
    await mc.setObjectLegalHold(locked, "o", { status: "ON", versionId: versionId! });
    expect(await mc.getObjectLegalHold(locked, "o", { versionId: versionId! })).toEqual({ Status: "ON" });
    await mc.setObjectLegalHold(locked, "o", { status: "OFF", versionId: versionId! });
  });
});
