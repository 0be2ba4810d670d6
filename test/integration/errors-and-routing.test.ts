/**
 * Errors and routing with the real AWS SDK, against one gateway started with a config file holding
 * two credentials and a virtual-hosted-style domain:
 * - every S3 operation outside the gateway's scope answers 501 NotImplemented as S3 XML, and never
 *   another operation's result (a bucket and an object made before are untouched);
 * - authentication failures (wrong secret, unknown key, no signature, expired or altered presigned
 *   URLs), and one credential's buckets being out of the other's reach;
 * - x-amz-request-id on every answer and S3 XML error bodies, read raw;
 * - virtual-hosted-style requests reach the same buckets and objects as path-style ones.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateBucketMetadataConfigurationCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketMetadataConfigurationCommand,
  DeleteBucketReplicationCommand,
  DeleteBucketWebsiteCommand,
  DeleteObjectAnnotationCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAbacCommand,
  GetBucketLocationCommand,
  GetBucketMetadataConfigurationCommand,
  GetBucketRequestPaymentCommand,
  GetBucketVersioningCommand,
  GetObjectAnnotationCommand,
  GetObjectCommand,
  GetObjectTorrentCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectAnnotationsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketAbacCommand,
  PutBucketAccelerateConfigurationCommand,
  PutBucketReplicationCommand,
  PutBucketWebsiteCommand,
  PutObjectAnnotationCommand,
  PutObjectCommand,
  RenameObjectCommand,
  RestoreObjectCommand,
  UpdateObjectEncryptionCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import {
  bucketName,
  expectBodilessError,
  expectErrorXml,
  expectS3Error,
  md5Hex,
  presignedUrl,
  rawRequest,
  send,
  virtualHostedClient,
  xmlElements,
} from "./helpers.js";

const DOMAIN = "s3.test.local";
const ALICE = { accessKeyId: "AKIDALICE00000001", secretAccessKey: "alice-secret-key-0123456789abcdefghij" };
const BOB = { accessKeyId: "AKIDBOB0000000002", secretAccessKey: "bob/secret+key/0123456789abcdefghijkl" };

let gw: RunningGateway;
let configDir: string | undefined;
let s3: S3Client;
let bob: S3Client;
let bucket: string;
const OBJECT_KEY = "dir/object.txt";
const OBJECT_BODY = "the object that no unimplemented operation may touch";

beforeAll(async () => {
  configDir = await mkdtemp(path.join(os.tmpdir(), "s3gw-config-"));
  const configFile = path.join(configDir, "config.json");
  await writeFile(configFile, JSON.stringify({ credentials: [ALICE, BOB] }));
  gw = await startGateway({
    ...ALICE,
    args: ["--config", configFile, "--domain", DOMAIN],
    // S3G_ACCESS_KEY from startGateway would replace the file's credentials; empty values are ignored
    env: { S3G_ACCESS_KEY: "", S3G_SECRET_KEY: "" },
  });
  s3 = gw.client();
  bob = gw.client(BOB);
  bucket = bucketName("routing");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: OBJECT_KEY, Body: OBJECT_BODY, ContentType: "text/plain", Metadata: { keep: "me" } }));
});

afterAll(async () => {
  s3?.destroy();
  bob?.destroy();
  await gw?.stop();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

/** The bucket and the object are as they were made, and nothing else appeared. */
async function expectUntouched(): Promise<void> {
  const buckets = await s3.send(new ListBucketsCommand({}));
  expect(buckets.Buckets!.map((b) => b.Name)).toContain(bucket);
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  expect(list.Contents!.map((o) => o.Key)).toEqual([OBJECT_KEY]);
  const get = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: OBJECT_KEY }));
  expect(await get.Body!.transformToString()).toBe(OBJECT_BODY);
  expect(get.ETag).toBe(`"${md5Hex(Buffer.from(OBJECT_BODY))}"`);
  expect(get.ContentType).toBe("text/plain");
  expect(get.Metadata).toEqual({ keep: "me" });
  expect(get.TagCount).toBeUndefined();
}

describe("operations outside the gateway's scope", () => {
  const B = () => ({ Bucket: bucket });
  const O = () => ({ Bucket: bucket, Key: OBJECT_KEY });

  const cases: [string, () => Promise<unknown>][] = [
    [
      "PutBucketReplication",
      () =>
        s3.send(
          new PutBucketReplicationCommand({
            ...B(),
            ReplicationConfiguration: { Role: "arn:aws:iam::123456789012:role/r", Rules: [{ Status: "Enabled", Destination: { Bucket: "arn:aws:s3:::elsewhere" }, Prefix: "" }] },
          }),
        ),
    ],
    ["DeleteBucketReplication", () => s3.send(new DeleteBucketReplicationCommand(B()))],
    ["PutBucketWebsite", () => s3.send(new PutBucketWebsiteCommand({ ...B(), WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } } }))],
    ["DeleteBucketWebsite", () => s3.send(new DeleteBucketWebsiteCommand(B()))],
    ["GetBucketAbac", () => s3.send(new GetBucketAbacCommand(B()))],
    ["PutBucketAbac", () => s3.send(new PutBucketAbacCommand({ ...B(), AbacStatus: { Status: "Enabled" } }))],
    ["GetBucketMetadataConfiguration", () => s3.send(new GetBucketMetadataConfigurationCommand(B()))],
    [
      "CreateBucketMetadataConfiguration",
      () => s3.send(new CreateBucketMetadataConfigurationCommand({ ...B(), MetadataConfiguration: { JournalTableConfiguration: { RecordExpiration: { Expiration: "DISABLED" } } } })),
    ],
    ["DeleteBucketMetadataConfiguration", () => s3.send(new DeleteBucketMetadataConfigurationCommand(B()))],
    ["GetObjectTorrent", () => s3.send(new GetObjectTorrentCommand(O()))],
    ["RestoreObject", () => s3.send(new RestoreObjectCommand({ ...O(), RestoreRequest: { Days: 1 } }))],
    ["RenameObject", () => s3.send(new RenameObjectCommand({ Bucket: bucket, Key: "renamed.txt", RenameSource: `${bucket}/${OBJECT_KEY}` }))],
    ["UpdateObjectEncryption", () => s3.send(new UpdateObjectEncryptionCommand({ ...O(), ObjectEncryption: { SSEKMS: { KMSKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k" } } }))],
    ["GetObjectAnnotation", () => s3.send(new GetObjectAnnotationCommand({ ...O(), AnnotationName: "note" }))],
    ["ListObjectAnnotations", () => s3.send(new ListObjectAnnotationsCommand(O()))],
    ["PutObjectAnnotation", () => s3.send(new PutObjectAnnotationCommand({ ...O(), AnnotationName: "note", AnnotationPayload: "overwritten?" }))],
    ["DeleteObjectAnnotation", () => s3.send(new DeleteObjectAnnotationCommand({ ...O(), AnnotationName: "note" }))],
  ];

  it.each(cases)("%s answers 501 NotImplemented", async (operation, call) => {
    const err = await expectS3Error(call(), "NotImplemented", 501);
    expect(err.message).toContain(operation);
    await expectUntouched();
  });

  it("answers S3 XML naming the operation, for sub-resources with and without a value", async () => {
    for (const [method, p, query, body] of [
      ["GET", `/${bucket}`, { metadataTable: null }, undefined],
      ["GET", `/${bucket}`, { metadataTable: "" }, undefined],
      ["PUT", `/${bucket}`, { accelerate: null }, '<AccelerateConfiguration><Status>Enabled</Status></AccelerateConfiguration>'],
      ["PUT", `/${bucket}/${OBJECT_KEY}`, { encryption: null }, "<ServerSideEncryptionConfiguration/>"],
      ["DELETE", `/${bucket}`, { website: null }, undefined],
      ["DELETE", `/${bucket}`, { replication: null }, undefined],
      ["GET", `/${bucket}/${OBJECT_KEY}`, { torrent: null }, undefined],
    ] as const) {
      const res = await rawRequest(gw, { method, path: p, query: { ...query }, body });
      expectErrorXml(res, "NotImplemented", 501);
      expect(res.text).not.toContain(OBJECT_BODY);
    }
    await expectUntouched();
  });

  it("refuses a request naming two sub-resources (InvalidRequest) rather than choosing one", async () => {
    const res = await rawRequest(gw, { method: "DELETE", path: `/${bucket}`, query: { tagging: null, cors: null } });
    expectErrorXml(res, "InvalidRequest", 400);
    await expectUntouched();
  });

  it("answers 405 MethodNotAllowed for a method that means nothing for the resource", async () => {
    // (POST /{bucket} is PostObject, a browser form upload: post-object.test.ts)
    for (const [method, p] of [
      ["POST", "/"],
      ["POST", `/${bucket}/${OBJECT_KEY}`],
      ["PUT", "/"],
      ["DELETE", "/"],
    ]) {
      const res = await rawRequest(gw, { method, path: p, body: method === "GET" || method === "DELETE" ? undefined : "" });
      expectErrorXml(res, "MethodNotAllowed", 405);
    }
    await expectUntouched();
  });

  it("ignores query parameters that name no sub-resource, as S3 does", async () => {
    const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/${OBJECT_KEY}`, query: { "unrelated-param": "1" } });
    expect(res.status).toBe(200);
    expect(res.text).toBe(OBJECT_BODY);
  });
});

describe("authentication", () => {
  it("answers SignatureDoesNotMatch for a wrong secret, storing nothing", async () => {
    const wrong = gw.client({ secretAccessKey: "not-the-right-secret-0123456789" });
    try {
      await expectS3Error(wrong.send(new ListBucketsCommand({})), "SignatureDoesNotMatch", 403);
      await expectS3Error(wrong.send(new GetObjectCommand({ Bucket: bucket, Key: OBJECT_KEY })), "SignatureDoesNotMatch", 403);
      await expectS3Error(wrong.send(new PutObjectCommand({ Bucket: bucket, Key: "intruder", Body: "x" })), "SignatureDoesNotMatch", 403);
      await expectS3Error(wrong.send(new DeleteObjectCommand({ Bucket: bucket, Key: OBJECT_KEY })), "SignatureDoesNotMatch", 403);
      await expectS3Error(wrong.send(new GetBucketVersioningCommand({ Bucket: bucket })), "SignatureDoesNotMatch", 403);
      await expectBodilessError(wrong.send(new HeadObjectCommand({ Bucket: bucket, Key: OBJECT_KEY })), 403);
    } finally {
      wrong.destroy();
    }
    await expectUntouched();
  });

  it("answers InvalidAccessKeyId for an unknown access key", async () => {
    const stranger = gw.client({ accessKeyId: "AKIDNOBODY0000000", secretAccessKey: "whatever-secret-0123456789" });
    try {
      await expectS3Error(stranger.send(new ListBucketsCommand({})), "InvalidAccessKeyId", 403);
      await expectS3Error(stranger.send(new PutObjectCommand({ Bucket: bucket, Key: "intruder", Body: "x" })), "InvalidAccessKeyId", 403);
    } finally {
      stranger.destroy();
    }
    await expectUntouched();
  });

  it("answers AuthorizationHeaderMalformed to a request signed for another region, naming the right one", async () => {
    const elsewhere = new S3Client({
      endpoint: gw.endpoint,
      region: "eu-west-1",
      forcePathStyle: true,
      credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
      maxAttempts: 1,
    });
    try {
      await expectS3Error(elsewhere.send(new PutObjectCommand({ Bucket: bucket, Key: "intruder", Body: "x" })), "AuthorizationHeaderMalformed", 400);
    } finally {
      elsewhere.destroy();
    }
    await expectUntouched();
  });

  it("answers RequestTimeTooSkewed to a request signed with a clock 20 minutes off, storing nothing", async () => {
    // (The SDK corrects its clock from such an answer and retries, so the requests are made by hand.)
    for (const minutes of [-20, 20]) {
      const signingDate = new Date(Date.now() + minutes * 60_000);
      expectErrorXml(await rawRequest(gw, { method: "GET", path: "/", signingDate }), "RequestTimeTooSkewed", 403);
      expectErrorXml(await rawRequest(gw, { method: "PUT", path: `/${bucket}/late`, body: "late", signingDate }), "RequestTimeTooSkewed", 403);
    }
    // within the allowed skew (15 minutes, as S3)
    const close = await rawRequest(gw, { method: "GET", path: "/", signingDate: new Date(Date.now() - 10 * 60_000) });
    expect(close.status).toBe(200);
    await expectUntouched();
  });

  it("answers AccessDenied to a request that is not signed at all", async () => {
    for (const [method, p] of [
      ["GET", "/"],
      ["GET", `/${bucket}/${OBJECT_KEY}`],
      ["PUT", `/${bucket}/intruder`],
      ["GET", `/${bucket}?versioning`],
    ]) {
      const [pathname, q] = p.split("?");
      const res = await rawRequest(gw, { method, path: pathname, query: q ? { [q]: null } : undefined, unsigned: true, body: method === "PUT" ? "x" : undefined });
      expectErrorXml(res, "AccessDenied", 403);
    }
    await expectUntouched();
  });

  it("serves a presigned GET URL, and refuses it altered or expired", async () => {
    const url = await presignedUrl(gw, `/${bucket}/dir/object.txt`);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(OBJECT_BODY);
    expect(ok.headers.get("x-amz-request-id")).toMatch(/\S/);

    const altered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`);
    expect(altered).not.toBe(url);
    const bad = await fetch(altered);
    const badText = await bad.text();
    expect(bad.status).toBe(403);
    expect(xmlElements(badText, "Code")).toEqual(["SignatureDoesNotMatch"]);
    expect(xmlElements(badText, "RequestId")).toEqual([bad.headers.get("x-amz-request-id")]);

    const expired = await presignedUrl(gw, `/${bucket}/dir/object.txt`, { expiresIn: 60, signingDate: new Date(Date.now() - 3600_000) });
    const old = await fetch(expired);
    const oldText = await old.text();
    expect(old.status).toBe(403);
    expect(xmlElements(oldText, "Code")).toEqual(["AccessDenied"]);
    expect(xmlElements(oldText, "Message")[0]).toMatch(/expired/i);
  });
});

describe("two credentials", () => {
  let bobBucket: string;

  beforeAll(async () => {
    bobBucket = bucketName("bob");
    await bob.send(new CreateBucketCommand({ Bucket: bobBucket }));
    await bob.send(new PutObjectCommand({ Bucket: bobBucket, Key: "bob.txt", Body: "bob's" }));
  });

  it("lists to each only the buckets they own, with their own owner id", async () => {
    const mine = await s3.send(new ListBucketsCommand({}));
    const theirs = await bob.send(new ListBucketsCommand({}));
    expect(mine.Buckets!.map((b) => b.Name)).toContain(bucket);
    expect(mine.Buckets!.map((b) => b.Name)).not.toContain(bobBucket);
    expect(theirs.Buckets!.map((b) => b.Name)).toEqual([bobBucket]);
    expect(mine.Owner?.ID).not.toBe(theirs.Owner?.ID);
    expect(theirs.Owner?.DisplayName).toBe(BOB.accessKeyId);
  });

  it("denies every bucket and object operation on another's bucket (AccessDenied)", async () => {
    const B = { Bucket: bucket };
    const O = { Bucket: bucket, Key: OBJECT_KEY };
    await expectBodilessError(bob.send(new HeadBucketCommand(B)), 403);
    await expectS3Error(bob.send(new GetBucketLocationCommand(B)), "AccessDenied", 403);
    await expectS3Error(bob.send(new ListObjectsCommand(B)), "AccessDenied", 403);
    await expectS3Error(bob.send(new ListObjectsV2Command(B)), "AccessDenied", 403);
    await expectS3Error(bob.send(new ListObjectVersionsCommand(B)), "AccessDenied", 403);
    await expectS3Error(bob.send(new ListMultipartUploadsCommand(B)), "AccessDenied", 403);
    await expectS3Error(bob.send(new GetObjectCommand(O)), "AccessDenied", 403);
    await expectBodilessError(bob.send(new HeadObjectCommand(O)), 403);
    await expectS3Error(bob.send(new PutObjectCommand({ ...O, Body: "overwritten by bob" })), "AccessDenied", 403);
    await expectS3Error(bob.send(new PutObjectCommand({ Bucket: bucket, Key: "from-bob", Body: "x" })), "AccessDenied", 403);
    await expectS3Error(bob.send(new DeleteObjectCommand(O)), "AccessDenied", 403);
    // DeleteObjects decides each object it names: S3 answers 200 with AccessDenied for each entry
    const deleted = await bob.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: OBJECT_KEY }] } }));
    expect(deleted.Deleted ?? []).toEqual([]);
    expect(deleted.Errors?.map((e) => [e.Key, e.Code])).toEqual([[OBJECT_KEY, "AccessDenied"]]);
    await expectS3Error(bob.send(new DeleteBucketCommand(B)), "AccessDenied", 403);
    await expectS3Error(bob.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mpu-from-bob" })), "AccessDenied", 403);
    // copies: out of another's bucket, and into it
    await expectS3Error(bob.send(new CopyObjectCommand({ Bucket: bobBucket, Key: "stolen", CopySource: `${bucket}/${OBJECT_KEY}` })), "AccessDenied", 403);
    await expectS3Error(bob.send(new CopyObjectCommand({ Bucket: bucket, Key: "planted", CopySource: `${bobBucket}/bob.txt` })), "AccessDenied", 403);
    await expectS3Error(bob.send(new GetObjectCommand({ Bucket: bobBucket, Key: "stolen" })), "NoSuchKey", 404);
    await expectUntouched();
  });

  it("denies the parts of another's multipart upload", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "alice-mpu" }));
    try {
      const M = { Bucket: bucket, Key: "alice-mpu", UploadId };
      await expectS3Error(bob.send(new UploadPartCommand({ ...M, PartNumber: 1, Body: "bob part" })), "AccessDenied", 403);
      await expectS3Error(bob.send(new UploadPartCopyCommand({ ...M, PartNumber: 1, CopySource: `${bobBucket}/bob.txt` })), "AccessDenied", 403);
      await expectS3Error(bob.send(new ListPartsCommand(M)), "AccessDenied", 403);
      await expectS3Error(
        bob.send(new CompleteMultipartUploadCommand({ ...M, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: `"${md5Hex(Buffer.from("bob part"))}"` }] } })),
        "AccessDenied",
        403,
      );
      await expectS3Error(bob.send(new AbortMultipartUploadCommand(M)), "AccessDenied", 403);
      const parts = await s3.send(new ListPartsCommand(M));
      expect(parts.Parts ?? []).toEqual([]);
    } finally {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "alice-mpu", UploadId }));
    }
  });

  it("cannot take another's bucket name (BucketAlreadyExists), and does not learn its contents", async () => {
    await expectS3Error(bob.send(new CreateBucketCommand({ Bucket: bucket })), "BucketAlreadyExists", 409);
    await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: bobBucket })), "BucketAlreadyExists", 409);
    await expectUntouched();
  });

  it("denies a presigned URL of one credential for the other's object", async () => {
    const url = await presignedUrl({ ...gw, ...BOB }, `/${bucket}/dir/object.txt`);
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(xmlElements(await res.text(), "Code")).toEqual(["AccessDenied"]);
  });
});

describe("request ids and error bodies", () => {
  it("puts x-amz-request-id (unique) and x-amz-id-2 on every answer, successes and errors alike", async () => {
    const answers = [
      await rawRequest(gw, { method: "GET", path: "/" }),
      await rawRequest(gw, { method: "HEAD", path: `/${bucket}` }),
      await rawRequest(gw, { method: "GET", path: `/${bucket}/${OBJECT_KEY}` }),
      await rawRequest(gw, { method: "GET", path: `/${bucket}/${OBJECT_KEY}`, headers: { range: "bytes=0-3" } }),
      await rawRequest(gw, { method: "GET", path: `/${bucket}/${OBJECT_KEY}`, headers: { "if-none-match": "*" } }),
      await rawRequest(gw, { method: "DELETE", path: `/${bucket}/not-there` }),
      await rawRequest(gw, { method: "GET", path: `/${bucket}/not-there` }),
      await rawRequest(gw, { method: "HEAD", path: `/${bucket}/not-there` }),
      await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { metadataTable: null } }),
      await rawRequest(gw, { method: "POST", path: `/${bucket}`, body: "" }),
      await rawRequest(gw, { method: "GET", path: "/", unsigned: true }),
      await rawRequest(gw, { method: "GET", path: "/", credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: "wrong-secret-0123456789" } }),
    ];
    // POST /{bucket} without a form: PostObject's 412 (Bucket POST must be of the enclosure-type multipart/form-data)
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 206, 304, 204, 404, 404, 501, 412, 403, 403]);
    const ids = answers.map((a) => a.headers["x-amz-request-id"]);
    for (const a of answers) {
      expect(a.headers["x-amz-request-id"]).toMatch(/^\S+$/);
      expect(a.headers["x-amz-id-2"]).toMatch(/\S/);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("writes errors as S3 XML with Code, Message, Resource and RequestId", async () => {
    const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/no/such%20key` });
    expectErrorXml(res, "NoSuchKey", 404);
    expect(xmlElements(res.text, "Key")).toEqual(["no/such key"]);
    expect(xmlElements(res.text, "Resource")).toEqual([`/${bucket}/no/such%20key`]);
    // <Error> carries no namespace, as AWS writes it
    expect(res.text).toMatch(/<Error><Code>/);

    const sig = await rawRequest(gw, { method: "GET", path: "/", credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: "wrong-secret-0123456789" } });
    expectErrorXml(sig, "SignatureDoesNotMatch", 403);
    const unknown = await rawRequest(gw, { method: "GET", path: "/", credentials: { accessKeyId: "AKIDNOBODY0000000", secretAccessKey: "wrong-secret-0123456789" } });
    expectErrorXml(unknown, "InvalidAccessKeyId", 403);
    const bucketMissing = await rawRequest(gw, { method: "GET", path: `/${bucketName("absent")}`, query: { "list-type": "2" } });
    expectErrorXml(bucketMissing, "NoSuchBucket", 404);
  });

  it("answers InvalidURI for a path that does not decode", async () => {
    const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/bad%ZZescape` });
    expectErrorXml(res, "InvalidURI", 400);
  });
});

describe("virtual-hosted-style requests", () => {
  it("reach the same buckets and objects as path-style requests", async () => {
    const { client: vh, seen } = virtualHostedClient(gw, DOMAIN);
    try {
      const name = bucketName("vhost");
      await vh.send(new CreateBucketCommand({ Bucket: name }));
      // the SDK really addressed the bucket by host name
      expect(seen[0]).toEqual({ host: `${name}.${DOMAIN}:${gw.port}`, path: "/" });

      await vh.send(new PutObjectCommand({ Bucket: name, Key: "via/vhost.txt", Body: "virtual", Metadata: { style: "vhost" } }));
      expect(seen.at(-1)).toEqual({ host: `${name}.${DOMAIN}:${gw.port}`, path: "/via/vhost.txt" });
      await s3.send(new PutObjectCommand({ Bucket: name, Key: "via/path.txt", Body: "path" }));

      // path-style sees what virtual-hosted-style wrote, and the other way round
      const a = await s3.send(new GetObjectCommand({ Bucket: name, Key: "via/vhost.txt" }));
      expect(await a.Body!.transformToString()).toBe("virtual");
      expect(a.Metadata).toEqual({ style: "vhost" });
      const b = await vh.send(new GetObjectCommand({ Bucket: name, Key: "via/path.txt" }));
      expect(await b.Body!.transformToString()).toBe("path");

      const listed = await vh.send(new ListObjectsV2Command({ Bucket: name, Prefix: "via/" }));
      expect(listed.Contents!.map((o) => o.Key)).toEqual(["via/path.txt", "via/vhost.txt"]);
      expect((await vh.send(new HeadObjectCommand({ Bucket: name, Key: "via/path.txt" }))).ContentLength).toBe(4);
      expect((await vh.send(new ListBucketsCommand({}))).Buckets!.map((x) => x.Name)).toContain(name);
      expect(seen.at(-1)).toEqual({ host: `${DOMAIN}:${gw.port}`, path: "/" });

      // unimplemented sub-resources are 501 there too
      await expectS3Error(vh.send(new PutBucketAccelerateConfigurationCommand({ Bucket: name, AccelerateConfiguration: { Status: "Enabled" } })), "NotImplemented", 501);
      expect((await vh.send(new GetBucketRequestPaymentCommand({ Bucket: name }))).Payer).toBe("BucketOwner");
      await expectS3Error(vh.send(new GetObjectTorrentCommand({ Bucket: name, Key: "via/path.txt" })), "NotImplemented", 501);

      await vh.send(new DeleteObjectCommand({ Bucket: name, Key: "via/vhost.txt" }));
      await vh.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: [{ Key: "via/path.txt" }] } }));
      expect((await s3.send(new ListObjectsV2Command({ Bucket: name }))).KeyCount).toBe(0);
      await vh.send(new DeleteBucketCommand({ Bucket: name }));
      await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: name })), "NotFound", 404);
    } finally {
      vh.destroy();
    }
  });

  it("runs a multipart upload and a copy virtual-hosted-style", async () => {
    const { client: vh } = virtualHostedClient(gw, DOMAIN);
    try {
      const id = (await vh.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "vh/mpu" }))).UploadId!;
      const part = await vh.send(new UploadPartCommand({ Bucket: bucket, Key: "vh/mpu", UploadId: id, PartNumber: 1, Body: "one part" }));
      const done = await vh.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "vh/mpu", UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
      // the object's URL as the request addressed it: virtual-hosted
      expect(done.Location).toBe(`http://${bucket}.${DOMAIN}:${gw.port}/vh/mpu`);
      await vh.send(new CopyObjectCommand({ Bucket: bucket, Key: "vh/copy", CopySource: `${bucket}/vh/mpu` }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "vh/copy" }));
      expect(await got.Body!.transformToString()).toBe("one part");
    } finally {
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "vh/mpu" }, { Key: "vh/copy" }] } }));
      vh.destroy();
    }
  });

  it("signed by hand with a Host header of our own, matches path-style byte for byte", async () => {
    const host = `${bucket}.${DOMAIN}:${gw.port}`;
    const vhost = await rawRequest(gw, { method: "GET", path: `/${OBJECT_KEY}`, host });
    const pathStyle = await rawRequest(gw, { method: "GET", path: `/${bucket}/${OBJECT_KEY}` });
    expect(vhost.status).toBe(200);
    expect(vhost.text).toBe(OBJECT_BODY);
    expect(vhost.headers.etag).toBe(pathStyle.headers.etag);
    const listing = await rawRequest(gw, { method: "GET", path: "/", host, query: { "list-type": "2" } });
    expect(xmlElements(listing.text, "Name")).toEqual([bucket]);
    expect(xmlElements(listing.text, "Key")).toEqual([OBJECT_KEY]);
    // a host outside the configured domain is path-style: "/" is the service
    const service = await rawRequest(gw, { method: "GET", path: "/", host: `${bucket}.elsewhere.test:${gw.port}` });
    expect(service.text).toContain("<ListAllMyBucketsResult");
    // the bucket comes from the host only: the same path on the bare domain is another bucket name
    const notABucket = await rawRequest(gw, { method: "GET", path: `/${OBJECT_KEY}`, host: `${DOMAIN}:${gw.port}` });
    expectErrorXml(notABucket, "NoSuchBucket", 404);
  });

  it("answers NoSuchBucket for an unknown bucket host", async () => {
    const res = await send({
      port: gw.port,
      method: "GET",
      path: "/",
      headers: { host: `${bucketName("nobody")}.${DOMAIN}:${gw.port}` },
    });
    // unsigned: S3 still says the bucket does not exist
    expectErrorXml(res, "NoSuchBucket", 404);
    const signed = await rawRequest(gw, { method: "GET", path: "/", host: `${bucketName("nobody")}.${DOMAIN}:${gw.port}` });
    expectErrorXml(signed, "NoSuchBucket", 404);
  });
});
