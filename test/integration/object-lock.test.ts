/**
 * Object Lock with the real AWS SDK: a bucket made with Object Lock (and so versioned), its lock
 * configuration and default retention, each version's retention and legal hold (by the lock
 * operations and by the headers of PutObject, CopyObject and CreateMultipartUpload, answered on
 * GET and HEAD), and their enforcement: a delete by version id of a locked version is AccessDenied
 * (GOVERNANCE gives way to x-amz-bypass-governance-retention, COMPLIANCE and a legal hold do not),
 * in DeleteObject and DeleteObjects alike, while a delete without a version id adds a delete marker.
 * The gateway runs with its default worker processes, so every store call crosses the IPC. On
 * Ozone a bucket made with Object Lock and PutObjectLockConfiguration answer 501 NotImplemented,
 * naming the backend, and every bucket reads as one without Object Lock.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectErrorXml, expectS3Error, md5Base64, rawRequest } from "./helpers.js";

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

const FAR = new Date("2140-01-01T00:00:00.000Z");
const DAY = 24 * 60 * 60 * 1000;

async function lockedBucket(label: string): Promise<string> {
  const bucket = bucketName(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  return bucket;
}

async function plainBucket(label: string): Promise<string> {
  const bucket = bucketName(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function put(bucket: string, key: string, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}): Promise<string> {
  return (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "abc", ...extra }))).VersionId!;
}

const retain = (Mode: "GOVERNANCE" | "COMPLIANCE", RetainUntilDate: Date) => ({ Mode, RetainUntilDate });

describe.runIf(ON_OZONE)("on Ozone", () => {
  it("a bucket made with Object Lock and a lock configuration answer NotImplemented, naming the backend; every bucket reads as one without Object Lock", async () => {
    const e = await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: bucketName("lock-oz"), ObjectLockEnabledForBucket: true })), "NotImplemented", 501);
    expect(e.message).toMatch(/Ozone/);
    const bucket = await plainBucket("lock-oz2");
    await put(bucket, "k");
    const put501 = s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: { ObjectLockEnabled: "Enabled" } }));
    expect((await expectS3Error(put501, "NotImplemented", 501)).message).toMatch(/Ozone/);
    await expectS3Error(s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })), "ObjectLockConfigurationNotFoundError", 404);
    // thunks, sent one at a time: a request made before its answer is awaited would reject unhandled
    for (const call of [
      () => s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "k" })),
      () => s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "k", Retention: retain("GOVERNANCE", FAR) })),
      () => s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "k" })),
      () => s3.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "k", LegalHold: { Status: "ON" } })),
    ]) {
      expect((await expectS3Error(call(), "InvalidRequest", 400)).message).toBe("Bucket is missing Object Lock Configuration");
    }
    // lock headers on a new object: refused as on an S3 bucket without Object Lock
    expect((await expectS3Error(put(bucket, "h", { ObjectLockLegalHoldStatus: "ON" }), "InvalidRequest", 400)).message).toBe("Bucket is missing ObjectLockConfiguration");
  });
});

describe.skipIf(ON_OZONE)("bucket configuration", () => {
  it("a bucket made with Object Lock is versioned, answers Enabled, and keeps a default retention as put", async () => {
    const bucket = await lockedBucket("lock-cfg");
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))).ObjectLockConfiguration).toEqual({ ObjectLockEnabled: "Enabled" });
    for (const rule of [{ Mode: "GOVERNANCE" as const, Days: 1 }, { Mode: "COMPLIANCE" as const, Years: 1 }]) {
      const conf = { ObjectLockEnabled: "Enabled" as const, Rule: { DefaultRetention: rule } };
      await s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: conf }));
      expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))).ObjectLockConfiguration).toEqual(conf);
    }
    // versioning cannot be suspended under Object Lock
    await expectS3Error(s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } })), "InvalidBucketState", 409);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
  });

  it("a bucket without Object Lock: not found, and enabled later only while versioning is Enabled", async () => {
    const bucket = await plainBucket("lock-late");
    await expectS3Error(s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })), "ObjectLockConfigurationNotFoundError", 404);
    const conf = { ObjectLockEnabled: "Enabled" as const, Rule: { DefaultRetention: { Mode: "GOVERNANCE" as const, Days: 1 } } };
    await expectS3Error(s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: conf })), "InvalidBucketState", 409);
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }));
    await expectS3Error(s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: conf })), "InvalidBucketState", 409);
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: conf }));
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))).ObjectLockConfiguration).toEqual(conf);
  });

  it("refuses configurations S3 refuses: Disabled, a bad mode, Days and Years, a period not positive or too long", async () => {
    const bucket = await lockedBucket("lock-bad");
    const send = (ObjectLockConfiguration: object) =>
      s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: ObjectLockConfiguration as never }));
    await expectS3Error(send({ ObjectLockEnabled: "Disabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Years: 1 } } }), "MalformedXML", 400);
    for (const Mode of ["abc", "governance"]) {
      await expectS3Error(send({ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode, Years: 1 } } }), "MalformedXML", 400);
    }
    await expectS3Error(send({ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1, Years: 1 } } }), "MalformedXML", 400);
    await expectS3Error(send({ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE" } } }), "MalformedXML", 400);
    // AWS: InvalidArgument (ceph's s3-tests expect InvalidRetentionPeriod, which AWS does not answer)
    for (const period of [{ Days: 0 }, { Years: -1 }, { Days: 36501 }, { Years: 101 }]) {
      await expectS3Error(send({ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", ...period } } }), "InvalidArgument", 400);
    }
    // nothing was changed by any of them
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))).ObjectLockConfiguration).toEqual({ ObjectLockEnabled: "Enabled" });
  });

  it("the lock PUTs need Content-MD5 or a checksum, as S3's model requires", async () => {
    const bucket = await lockedBucket("lock-md5");
    await put(bucket, "k");
    const cases: { path: string; query: Record<string, string | null>; body: string }[] = [
      { path: `/${bucket}`, query: { "object-lock": null }, body: "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>" },
      { path: `/${bucket}/k`, query: { "legal-hold": null }, body: "<LegalHold><Status>ON</Status></LegalHold>" },
      { path: `/${bucket}/k`, query: { retention: null }, body: "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2140-01-01T00:00:00Z</RetainUntilDate></Retention>" },
    ];
    for (const c of cases) {
      expectErrorXml(await rawRequest(gw, { method: "PUT", ...c }), "InvalidRequest", 400);
      const ok = await rawRequest(gw, { method: "PUT", ...c, headers: { "content-md5": md5Base64(Buffer.from(c.body)) } });
      expect(ok.status, ok.text).toBe(200);
    }
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "k", LegalHold: { Status: "OFF" } }));
  });
});

describe.skipIf(ON_OZONE)("retention and legal hold of a version", () => {
  it("are put, read back (ISO 8601 on HEAD and GET) and belong to the version named", async () => {
    const bucket = await lockedBucket("lock-ret");
    const v1 = await put(bucket, "k");
    const v2 = await put(bucket, "k");
    await expectS3Error(s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "k" })), "NoSuchObjectLockConfiguration", 404);
    await expectS3Error(s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "k" })), "NoSuchObjectLockConfiguration", 404);
    await s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "k", VersionId: v1, Retention: retain("GOVERNANCE", FAR) }));
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "k", LegalHold: { Status: "ON" } }));
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "k", VersionId: v1 }))).Retention).toEqual(retain("GOVERNANCE", FAR));
    await expectS3Error(s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "k" })), "NoSuchObjectLockConfiguration", 404);
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "k" }))).LegalHold).toEqual({ Status: "ON" });
    await expectS3Error(s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "k", VersionId: v1 })), "NoSuchObjectLockConfiguration", 404);

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k", VersionId: v1 }));
    expect({ mode: head.ObjectLockMode, until: head.ObjectLockRetainUntilDate, hold: head.ObjectLockLegalHoldStatus }).toEqual({ mode: "GOVERNANCE", until: FAR, hold: undefined });
    const raw = await rawRequest(gw, { method: "HEAD", path: `/${bucket}/k`, query: { versionId: v1 } });
    expect(raw.headers["x-amz-object-lock-retain-until-date"]).toBe("2140-01-01T00:00:00.000Z");
    const get = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k" }));
    await get.Body!.transformToString();
    expect({ id: get.VersionId, mode: get.ObjectLockMode, hold: get.ObjectLockLegalHoldStatus }).toEqual({ id: v2, mode: undefined, hold: "ON" });

    // the lock survives the version becoming noncurrent, and current again
    const v3 = await put(bucket, "k");
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "k", VersionId: v2 }))).LegalHold).toEqual({ Status: "ON" });
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: v3 }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }))).ObjectLockLegalHoldStatus).toBe("ON");
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "k", LegalHold: { Status: "OFF" } }));
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "k" }))).LegalHold).toEqual({ Status: "OFF" });
  });

  it("in a bucket without Object Lock: InvalidRequest for every lock request and for lock headers", async () => {
    const bucket = await plainBucket("lock-none");
    await put(bucket, "k");
    // S3 words the answer to a lock request with spaces, the one to lock headers on a new object
    // without; thunks, sent one at a time (a request not yet awaited would reject unhandled)
    for (const call of [
      () => s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "k", Retention: retain("GOVERNANCE", FAR) })),
      () => s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "k" })),
      () => s3.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "k", LegalHold: { Status: "ON" } })),
      () => s3.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: "k" })),
    ]) {
      expect((await expectS3Error(call(), "InvalidRequest", 400)).message).toBe("Bucket is missing Object Lock Configuration");
    }
    for (const call of [
      () => put(bucket, "h", { ObjectLockMode: "GOVERNANCE", ObjectLockRetainUntilDate: FAR }),
      () => s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "m", ObjectLockLegalHoldStatus: "ON" })),
    ]) {
      expect((await expectS3Error(call(), "InvalidRequest", 400)).message).toBe("Bucket is missing ObjectLockConfiguration");
    }
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "h" })), "NoSuchKey", 404);
  });

  it("a PutObject with lock headers needs Content-MD5 or a checksum, as S3 requires", async () => {
    const bucket = await lockedBucket("lock-putmd5");
    const headers = { "x-amz-object-lock-legal-hold": "ON" };
    const without = await rawRequest(gw, { method: "PUT", path: `/${bucket}/k`, body: "abc", headers });
    expectErrorXml(without, "InvalidRequest", 400);
    expect(without.text).toContain("Object Lock parameters");
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" })), "NotFound", 404);
    const withMd5 = await rawRequest(gw, { method: "PUT", path: `/${bucket}/k`, body: "abc", headers: { ...headers, "content-md5": md5Base64(Buffer.from("abc")) } });
    expect(withMd5.status, withMd5.text).toBe(200);
    // (the SDK sends a CRC32 of the body by default: the other tests' PUTs carry one)
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "k", LegalHold: { Status: "OFF" } }));
  });

  it("a PutObject into a bucket with a default retention needs Content-MD5 or a checksum too", async () => {
    const bucket = await lockedBucket("lock-defmd5");
    // Object Lock without a default retention: a new version gets no lock, nothing is required
    const plain = await rawRequest(gw, { method: "PUT", path: `/${bucket}/p`, body: "abc" });
    expect(plain.status, plain.text).toBe(200);
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } } } }));
    const without = await rawRequest(gw, { method: "PUT", path: `/${bucket}/k`, body: "abc" });
    expectErrorXml(without, "InvalidRequest", 400);
    expect(without.text).toContain("<Message>Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters</Message>");
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" })), "NotFound", 404);
    const withMd5 = await rawRequest(gw, { method: "PUT", path: `/${bucket}/k`, body: "abc", headers: { "content-md5": md5Base64(Buffer.from("abc")) } });
    expect(withMd5.status, withMd5.text).toBe(200);
    // an x-amz-checksum-* header is as good as Content-MD5
    const withCrc = await rawRequest(gw, { method: "PUT", path: `/${bucket}/c`, body: "abc", headers: { "x-amz-checksum-crc32": "NSRBwg==" } });
    expect(withCrc.status, withCrc.text).toBe(200);
    // the SDK sends a CRC32 of the body by default
    const v = await put(bucket, "s");
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "s", VersionId: v }))).Retention?.Mode).toBe("GOVERNANCE");
  });

  it("an UploadPart of a locked upload, or in a bucket with a default retention, needs Content-MD5 or a checksum", async () => {
    const bucket = await lockedBucket("lock-partmd5");
    const partPath = (key: string, uploadId: string) => ({ path: `/${bucket}/${key}`, query: { partNumber: "1", uploadId } });
    // an upload without lock parameters in a bucket without a default retention: nothing required
    const free = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "f" }));
    const freePart = await rawRequest(gw, { method: "PUT", ...partPath("f", free.UploadId!), body: "abc" });
    expect(freePart.status, freePart.text).toBe(200);
    // an upload whose CreateMultipartUpload stated a retention
    const locked = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "m", ObjectLockMode: "GOVERNANCE", ObjectLockRetainUntilDate: FAR }));
    const without = await rawRequest(gw, { method: "PUT", ...partPath("m", locked.UploadId!), body: "abc" });
    expectErrorXml(without, "InvalidRequest", 400);
    expect(without.text).toContain("Object Lock parameters");
    const withMd5 = await rawRequest(gw, { method: "PUT", ...partPath("m", locked.UploadId!), body: "abc", headers: { "content-md5": md5Base64(Buffer.from("abc")) } });
    expect(withMd5.status, withMd5.text).toBe(200);
    // the bucket's default retention applies to the version the completion makes
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } } } }));
    const later = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "d" }));
    expectErrorXml(await rawRequest(gw, { method: "PUT", ...partPath("d", later.UploadId!), body: "abc" }), "InvalidRequest", 400);
    // the SDK's default CRC32 satisfies it
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "d", UploadId: later.UploadId, PartNumber: 1, Body: "abc" }));
    expect(part.ETag).toBeDefined();
  });

  it("refuses bad retention and legal hold bodies and headers", async () => {
    const bucket = await lockedBucket("lock-badret");
    await put(bucket, "k");
    for (const Mode of ["governance", "abc"]) {
      await expectS3Error(s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "k", Retention: { Mode: Mode as never, RetainUntilDate: FAR } })), "MalformedXML", 400);
    }
    await expectS3Error(s3.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "k", LegalHold: { Status: "abc" as never } })), "MalformedXML", 400);
    await expectS3Error(s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "k", Retention: retain("GOVERNANCE", new Date(Date.now() - DAY)) })), "InvalidArgument", 400);
    // headers: both mode and date, a date in the future, known values
    await expectS3Error(put(bucket, "h", { ObjectLockMode: "GOVERNANCE" }), "InvalidArgument", 400);
    await expectS3Error(put(bucket, "h", { ObjectLockRetainUntilDate: FAR }), "InvalidArgument", 400);
    await expectS3Error(put(bucket, "h", { ObjectLockMode: "GOVERNANCE", ObjectLockRetainUntilDate: new Date(Date.now() - DAY) }), "InvalidArgument", 400);
    await expectS3Error(put(bucket, "h", { ObjectLockMode: "WORM" as never, ObjectLockRetainUntilDate: FAR }), "InvalidArgument", 400);
    await expectS3Error(put(bucket, "h", { ObjectLockLegalHoldStatus: "on" as never }), "InvalidArgument", 400);
    const bad = await rawRequest(gw, { method: "PUT", path: `/${bucket}/h`, body: "x", headers: { "x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": "someday" } });
    expectErrorXml(bad, "InvalidArgument", 400);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "h" })), "NotFound", 404);
  });

  it("a COMPLIANCE retention can only be extended; GOVERNANCE is shortened or changed only with the bypass", async () => {
    const bucket = await lockedBucket("lock-change");
    const soon = new Date(Date.now() + 10 * DAY);
    const later = new Date(Date.now() + 20 * DAY);
    await put(bucket, "g", { ObjectLockMode: "GOVERNANCE", ObjectLockRetainUntilDate: later });
    await s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "g", Retention: retain("GOVERNANCE", FAR) }));
    await expectS3Error(s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "g", Retention: retain("GOVERNANCE", soon) })), "AccessDenied", 403);
    await expectS3Error(s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "g", Retention: retain("COMPLIANCE", FAR) })), "AccessDenied", 403);
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "g" }))).Retention).toEqual(retain("GOVERNANCE", FAR));
    await s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "g", Retention: retain("GOVERNANCE", soon), BypassGovernanceRetention: true }));
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "g" }))).Retention).toEqual(retain("GOVERNANCE", new Date(soon.toISOString())));
    await s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "g", Retention: retain("COMPLIANCE", later), BypassGovernanceRetention: true }));

    // now COMPLIANCE: later only, same mode, bypass or not
    await s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "g", Retention: retain("COMPLIANCE", FAR) }));
    for (const bypass of [false, true]) {
      await expectS3Error(s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "g", Retention: retain("COMPLIANCE", later), BypassGovernanceRetention: bypass })), "AccessDenied", 403);
      await expectS3Error(s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "g", Retention: retain("GOVERNANCE", FAR), BypassGovernanceRetention: bypass })), "AccessDenied", 403);
    }
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "g" }))).Retention).toEqual(retain("COMPLIANCE", FAR));
  });
});

describe.skipIf(ON_OZONE)("enforcement on deletes", () => {
  it("GOVERNANCE: a delete by id is AccessDenied without the bypass; a delete without id adds a marker", async () => {
    const bucket = await lockedBucket("lock-del");
    const v = await put(bucket, "k");
    await s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "k", Retention: retain("GOVERNANCE", FAR) }));
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(marker.DeleteMarker).toBe(true);
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: v })), "AccessDenied", 403);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: marker.VersionId }));
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: v })), "AccessDenied", 403);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: v }))).Body!.transformToString()).toBe("abc");
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: v, BypassGovernanceRetention: true }));
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: v })), "NoSuchVersion", 404);
  });

  it("COMPLIANCE and a legal hold: no bypass; a lapsed retention no longer holds", async () => {
    const bucket = await lockedBucket("lock-comp");
    const c = await put(bucket, "c", { ObjectLockMode: "COMPLIANCE", ObjectLockRetainUntilDate: FAR });
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "c", VersionId: c, BypassGovernanceRetention: true })), "AccessDenied", 403);
    const h = await put(bucket, "h", { ObjectLockLegalHoldStatus: "ON" });
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "h", VersionId: h, BypassGovernanceRetention: true })), "AccessDenied", 403);
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "h", LegalHold: { Status: "OFF" } }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "h", VersionId: h }));
    // a retention whose date has passed holds nothing
    const s = await put(bucket, "s", { ObjectLockMode: "COMPLIANCE", ObjectLockRetainUntilDate: new Date(Date.now() + 1500) });
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "s", VersionId: s })), "AccessDenied", 403);
    await new Promise((r) => setTimeout(r, 1600));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "s", VersionId: s }));
  });

  it("DeleteObjects: a locked entry fails with AccessDenied, the others are deleted; the bypass lifts GOVERNANCE", async () => {
    const bucket = await lockedBucket("lock-multi");
    const v1 = await put(bucket, "k1");
    const v2 = await put(bucket, "k2");
    await s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: "k1", Retention: retain("GOVERNANCE", FAR) }));
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "k1", VersionId: v1 }, { Key: "k2", VersionId: v2 }] } }));
    expect(r.Errors).toEqual([{ Key: "k1", VersionId: v1, Code: "AccessDenied", Message: expect.any(String) }]);
    expect(r.Deleted).toEqual([{ Key: "k2", VersionId: v2 }]);
    const again = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, BypassGovernanceRetention: true, Delete: { Objects: [{ Key: "k1", VersionId: v1 }] } }));
    expect(again.Errors ?? []).toEqual([]);
    expect(again.Deleted).toEqual([{ Key: "k1", VersionId: v1 }]);
  });

  it("multipart and copied objects get the lock their request states; the default retention applies otherwise", async () => {
    const bucket = await lockedBucket("lock-mpu");
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "m", ObjectLockMode: "GOVERNANCE", ObjectLockRetainUntilDate: FAR }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "m", UploadId: up.UploadId, PartNumber: 1, Body: "abc" }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "m", UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "m", VersionId: done.VersionId })), "AccessDenied", 403);
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "m" }))).Retention).toEqual(retain("GOVERNANCE", FAR));

    // a copy does not inherit the source's lock; it takes the request's
    const copied = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "c", CopySource: `${bucket}/m`, ObjectLockLegalHoldStatus: "ON" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "c", VersionId: copied.VersionId }));
    expect({ mode: head.ObjectLockMode, hold: head.ObjectLockLegalHoldStatus }).toEqual({ mode: undefined, hold: "ON" });

    // the bucket's default retention: Days from the version's creation, unless the request states one
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 2 } } } }));
    const before = Date.now();
    const d = await put(bucket, "d");
    const got = (await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "d" }))).Retention!;
    expect(got.Mode).toBe("COMPLIANCE");
    expect(got.RetainUntilDate!.getTime()).toBeGreaterThanOrEqual(before + 2 * DAY - 1000);
    expect(got.RetainUntilDate!.getTime()).toBeLessThanOrEqual(Date.now() + 2 * DAY + 1000);
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "d", VersionId: d, BypassGovernanceRetention: true })), "AccessDenied", 403);
    await put(bucket, "e", { ObjectLockMode: "GOVERNANCE", ObjectLockRetainUntilDate: FAR });
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: "e" }))).Retention).toEqual(retain("GOVERNANCE", FAR));
  });
});
