/**
 * Server-side encryption (spec/encryption.tsp). The gateway encrypts nothing itself, so a request
 * asking for encryption is never taken and then silently not honoured: SSE-C (a customer key) is
 * refused, over plain HTTP as S3 refuses it (400) and over TLS as not implemented (501); SSE-KMS is
 * not implemented; SSE-S3 (AES256) is taken only where the operator stated that the storage is
 * encrypted at rest (s3.encryptedAtRest), and then every object is answered as AES256-encrypted, as
 * S3 answers. A refused write leaves nothing behind. Two gateways: one at the defaults, one with
 * s3.encryptedAtRest that trusts 127.0.0.1 as a TLS-terminating proxy (X-Forwarded-Proto: https
 * makes a request a TLS one there; test/server/https.test.ts has SSE-C over the gateway's own TLS).
 * Through the AWS SDK, raw signed requests (values the SDK would not send) and browser forms.
 */
import { createHash, createHmac } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectBodilessError, expectErrorXml, expectS3Error, rawRequest } from "./helpers.js";
import { policyOf } from "./post-forms.js";

const KEY = Buffer.alloc(32, 7);
const CUSTOMER_KEY = {
  SSECustomerAlgorithm: "AES256",
  SSECustomerKey: KEY.toString("base64"),
  SSECustomerKeyMD5: createHash("md5").update(KEY).digest("base64"),
};
const COPY_SOURCE_KEY = {
  CopySourceSSECustomerAlgorithm: CUSTOMER_KEY.SSECustomerAlgorithm,
  CopySourceSSECustomerKey: CUSTOMER_KEY.SSECustomerKey,
  CopySourceSSECustomerKeyMD5: CUSTOMER_KEY.SSECustomerKeyMD5,
};
const INSECURE = "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.";
const NOT_APPLICABLE = "The encryption parameters are not applicable to this object.";

interface Setup {
  gw: RunningGateway;
  s3: S3Client;
  bucket: string;
}

async function setUp(env: Record<string, string>): Promise<Setup> {
  const gw = await startGateway({ env });
  const s3 = gw.client();
  const bucket = bucketName("sse");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "existing", Body: "existing" }));
  return { gw, s3, bucket };
}

/** A client of `gw` whose requests come "through a TLS-terminating proxy" (X-Forwarded-Proto: https). */
function behindTls(gw: RunningGateway): S3Client {
  const s3 = gw.client();
  s3.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers["x-forwarded-proto"] = "https";
      return next(args);
    },
    { step: "build", name: "forwardedProto" },
  );
  return s3;
}

let plain: Setup;
let atRest: Setup;
let atRestTls: S3Client;

beforeAll(async () => {
  [plain, atRest] = await Promise.all([setUp({}), setUp({ S3G_ENCRYPTED_AT_REST: "true", S3G_TRUSTED_PROXIES: "127.0.0.1,::1" })]);
  atRestTls = behindTls(atRest.gw);
});

afterAll(async () => {
  atRestTls?.destroy();
  for (const s of [plain, atRest]) {
    s?.s3.destroy();
    await s?.gw.stop();
  }
});

async function expectAbsent(s: Setup, key: string): Promise<void> {
  await expectBodilessError(s.s3.send(new HeadObjectCommand({ Bucket: s.bucket, Key: key })), 404);
}

describe("SSE-S3 (AES256) on a gateway whose storage is not declared encrypted at rest", () => {
  it("PutObject, CreateMultipartUpload and CopyObject asking for it answer 501 NotImplemented naming the setting, and write nothing", async () => {
    const { s3, bucket } = plain;
    const put = await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "aes", Body: "x", ServerSideEncryption: "AES256" })), "NotImplemented", 501);
    expect(put.message).toContain("s3.encryptedAtRest");
    await expectAbsent(plain, "aes");
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "aes-mp", ServerSideEncryption: "AES256" })), "NotImplemented", 501);
    await expectS3Error(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "aes-copy", CopySource: `${bucket}/existing`, ServerSideEncryption: "AES256" })),
      "NotImplemented",
      501,
    );
    await expectAbsent(plain, "aes-copy");
  });

  it("answers no x-amz-server-side-encryption on writes and reads, and GetBucketEncryption finds no configuration", async () => {
    const { s3, bucket } = plain;
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "clear", Body: "x" }));
    expect(put.ServerSideEncryption).toBeUndefined();
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "clear" }))).ServerSideEncryption).toBeUndefined();
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "clear" }));
    expect(got.ServerSideEncryption).toBeUndefined();
    await got.Body!.transformToString();
    await expectS3Error(s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })), "ServerSideEncryptionConfigurationNotFoundError", 404);
    await expectS3Error(s3.send(new GetBucketEncryptionCommand({ Bucket: bucketName("missing") })), "NoSuchBucket", 404);
    // no default encryption can be set on it, and deleting none changes nothing
    await expectS3Error(
      s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] } })),
      "NotImplemented",
      501,
    );
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    await expectS3Error(s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })), "ServerSideEncryptionConfigurationNotFoundError", 404);
  });
});

describe("SSE-KMS and values S3 refuses (either gateway)", () => {
  it("aws:kms and aws:kms:dsse answer 501 NotImplemented, with or without a key id", async () => {
    for (const s of [plain, atRest]) {
      for (const sse of ["aws:kms", "aws:kms:dsse"] as const) {
        const e = await expectS3Error(
          s.s3.send(new PutObjectCommand({ Bucket: s.bucket, Key: "kms", Body: "x", ServerSideEncryption: sse, SSEKMSKeyId: "arn:aws:kms:us-east-1:123456789012:key/k" })),
          "NotImplemented",
          501,
        );
        expect(e.message).toContain("KMS");
      }
      await expectS3Error(s.s3.send(new CreateMultipartUploadCommand({ Bucket: s.bucket, Key: "kms", ServerSideEncryption: "aws:kms" })), "NotImplemented", 501);
      await expectAbsent(s, "kms");
    }
  });

  it("a KMS key id or context without aws:kms, another encryption value, or a customer key with x-amz-server-side-encryption: 400 InvalidArgument, S3's messages", async () => {
    const { s3, bucket } = atRest;
    const keyId = await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "bad", Body: "x", ServerSideEncryption: "AES256", SSEKMSKeyId: "k" })),
      "InvalidArgument",
      400,
    );
    expect(keyId.message).toBe("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms");
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "bad", Body: "x", SSEKMSEncryptionContext: "e30=" })), "InvalidArgument", 400);
    const both = await expectS3Error(
      atRestTls.send(new PutObjectCommand({ Bucket: bucket, Key: "bad", Body: "x", ServerSideEncryption: "AES256", ...CUSTOMER_KEY })),
      "InvalidArgument",
      400,
    );
    expect(both.message).toBe("Server side encryption with customer provided key is incompatible with the encryption method specified.");
    for (const value of ["aes256", "AES128", ""]) {
      const res = await rawRequest(atRest.gw, { method: "PUT", path: `/${bucket}/bad`, body: "x", headers: { "x-amz-server-side-encryption": value } });
      expectErrorXml(res, "InvalidArgument", 400);
      expect(res.text).toContain("<Message>The encryption method specified is not supported</Message>");
    }
    await expectAbsent(atRest, "bad");
  });
});

describe("SSE-C (customer-provided keys)", () => {
  it("over plain HTTP: every operation that names a customer key answers 400 InvalidRequest, and nothing is written", async () => {
    for (const s of [plain, atRest]) {
      const { s3, bucket } = s;
      const put = await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "ssec", Body: "secret", ...CUSTOMER_KEY })), "InvalidRequest", 400);
      expect(put.message).toBe(INSECURE);
      await expectAbsent(s, "ssec");
      const get = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "existing", ...CUSTOMER_KEY })), "InvalidRequest", 400);
      expect(get.message).toBe(INSECURE);
      await expectBodilessError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "existing", ...CUSTOMER_KEY })), 400);
      await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "ssec", ...CUSTOMER_KEY })), "InvalidRequest", 400);
      const copy = await expectS3Error(
        s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "ssec", CopySource: `${bucket}/existing`, ...COPY_SOURCE_KEY })),
        "InvalidRequest",
        400,
      );
      expect(copy.message).toBe(INSECURE);
      await expectAbsent(s, "ssec");
    }
  });

  it("over TLS: a new object or upload with a customer key answers 501 NotImplemented and writes nothing", async () => {
    const { bucket } = atRest;
    const put = await expectS3Error(atRestTls.send(new PutObjectCommand({ Bucket: bucket, Key: "ssec-tls", Body: "secret", ...CUSTOMER_KEY })), "NotImplemented", 501);
    expect(put.message).toContain("customer-provided keys");
    await expectS3Error(atRestTls.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "ssec-tls", ...CUSTOMER_KEY })), "NotImplemented", 501);
    await expectS3Error(
      atRestTls.send(new CopyObjectCommand({ Bucket: bucket, Key: "ssec-tls", CopySource: `${bucket}/existing`, ...CUSTOMER_KEY })),
      "NotImplemented",
      501,
    );
    await expectAbsent(atRest, "ssec-tls");
  });

  it("over TLS: a customer key for an existing object, upload or copy source is not applicable (400): none is encrypted with one", async () => {
    const { bucket } = atRest;
    for (const call of [
      () => atRestTls.send(new GetObjectCommand({ Bucket: bucket, Key: "existing", ...CUSTOMER_KEY })),
      () => atRestTls.send(new CopyObjectCommand({ Bucket: bucket, Key: "copied", CopySource: `${bucket}/existing`, ...COPY_SOURCE_KEY })),
    ]) {
      const e = await expectS3Error(call(), "InvalidRequest", 400);
      expect(e.message).toBe(NOT_APPLICABLE);
    }
    await expectBodilessError(atRestTls.send(new HeadObjectCommand({ Bucket: bucket, Key: "existing", ...CUSTOMER_KEY })), 400);
    await expectAbsent(atRest, "copied");

    const { UploadId } = await atRestTls.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp" }));
    for (const call of [
      () => atRestTls.send(new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: 1, Body: "part", ...CUSTOMER_KEY })),
      () => atRestTls.send(new UploadPartCopyCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: 1, CopySource: `${bucket}/existing`, ...COPY_SOURCE_KEY })),
      () => atRestTls.send(new ListPartsCommand({ Bucket: bucket, Key: "mp", UploadId, ...CUSTOMER_KEY })),
      () =>
        atRestTls.send(
          new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mp", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] }, ...CUSTOMER_KEY }),
        ),
    ]) {
      const e = await expectS3Error(call(), "InvalidRequest", 400);
      expect(e.message).toBe(NOT_APPLICABLE);
    }
    expect((await atRestTls.send(new ListPartsCommand({ Bucket: bucket, Key: "mp", UploadId }))).Parts ?? []).toEqual([]);
  });
});

describe("SSE-S3 (AES256) on a gateway whose storage is declared encrypted at rest (s3.encryptedAtRest)", () => {
  it("takes AES256 on PutObject and answers it on the write, on HEAD and on GET, for every object", async () => {
    const { s3, bucket } = atRest;
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "aes", Body: "encrypted at rest", ServerSideEncryption: "AES256" }));
    expect(put.ServerSideEncryption).toBe("AES256");
    for (const key of ["aes", "existing"]) {
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ServerSideEncryption).toBe("AES256");
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: "bytes=0-3" }));
      expect(got.ServerSideEncryption).toBe("AES256");
      expect(await got.Body!.transformToString()).toBe(key === "aes" ? "encr" : "exis");
    }
  });

  it("a multipart upload asking for AES256: every step answers it; a copy of an object onto itself stating it is allowed", async () => {
    const { s3, bucket } = atRest;
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp-aes", ServerSideEncryption: "AES256" }));
    expect(created.ServerSideEncryption).toBe("AES256");
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp-aes", UploadId: created.UploadId, PartNumber: 1, Body: "one part" }));
    expect(part.ServerSideEncryption).toBe("AES256");
    const copied = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: "mp-aes", UploadId: created.UploadId, PartNumber: 2, CopySource: `${bucket}/existing` }));
    expect(copied.ServerSideEncryption).toBe("AES256");
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "mp-aes",
        UploadId: created.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(done.ServerSideEncryption).toBe("AES256");
    // `aws s3 cp --sse AES256 s3://b/k s3://b/k`: S3 takes a copy onto itself that changes the encryption attributes
    const self = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "mp-aes", CopySource: `${bucket}/mp-aes`, ServerSideEncryption: "AES256" }));
    expect(self.ServerSideEncryption).toBe("AES256");
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "mp-aes" }));
    expect(await got.Body!.transformToString()).toBe("one part");
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "mp-aes", CopySource: `${bucket}/mp-aes` })), "InvalidRequest", 400);
  });

  it("PutBucketEncryption takes AES256 rules (Content-MD5 required), refuses KMS and bucket keys; DeleteBucketEncryption answers 204", async () => {
    const { s3, bucket } = atRest;
    await s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] } }));
    for (const rule of [
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" as const, KMSMasterKeyID: "k" } },
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" as const }, BucketKeyEnabled: true },
    ]) {
      await expectS3Error(s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [rule] } })), "NotImplemented", 501);
    }
    const keyId = await expectS3Error(
      s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256", KMSMasterKeyID: "k" } }] } })),
      "InvalidArgument",
      400,
    );
    expect(keyId.message).toBe("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse");
    const body = "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>";
    expectErrorXml(await rawRequest(atRest.gw, { method: "PUT", path: `/${bucket}`, query: { encryption: null }, body }), "InvalidRequest", 400);
    expectErrorXml(await rawRequest(atRest.gw, { method: "PUT", path: `/${bucket}`, query: { encryption: null }, body: "<ServerSideEncryptionConfiguration/>", headers: { "content-md5": createHash("md5").update("<ServerSideEncryptionConfiguration/>").digest("base64") } }), "MalformedXML", 400);
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");
  });

  it("GetBucketEncryption answers SSE-S3, S3's default for every bucket", async () => {
    const got = await atRest.s3.send(new GetBucketEncryptionCommand({ Bucket: atRest.bucket }));
    expect(got.ServerSideEncryptionConfiguration?.Rules).toEqual([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: false }]);
  });
});

describe("PostObject's encryption fields", () => {
  /** A form signed with a SigV2 POST policy allowing exactly its fields (Ozone keeps no public-write ACL for an anonymous one). */
  async function post(s: Setup, fields: Record<string, string>) {
    const all = { key: "posted", ...fields };
    const policy = policyOf([{ bucket: s.bucket }, ...Object.entries(all).map(([k, v]) => ({ [k]: v }))]);
    const signature = createHmac("sha1", s.gw.secretAccessKey).update(policy).digest("base64");
    const form = new FormData();
    for (const [k, v] of Object.entries({ ...all, AWSAccessKeyId: s.gw.accessKeyId, policy, signature })) form.append(k, v);
    form.append("file", new Blob(["from a form"]), "f.txt");
    const res = await fetch(`${s.gw.endpoint}/${s.bucket}`, { method: "POST", body: form });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  it("are checked as PutObject's headers", async () => {
    const refused = await post(plain, { "x-amz-server-side-encryption": "AES256" });
    expect(refused.status).toBe(501);
    expect(refused.text).toContain("<Code>NotImplemented</Code>");
    const wrong = await post(atRest, { "x-amz-server-side-encryption": "AES128" });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain("<Message>The encryption method specified is not supported</Message>");
    const customer = await post(atRest, { "x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-server-side-encryption-customer-key": CUSTOMER_KEY.SSECustomerKey });
    expect(customer.status).toBe(400);
    expect(customer.text).toContain(INSECURE);
    await expectAbsent(plain, "posted");
    await expectAbsent(atRest, "posted");

    const taken = await post(atRest, { "x-amz-server-side-encryption": "AES256" });
    expect(taken.status).toBe(204);
    expect(taken.headers.get("x-amz-server-side-encryption")).toBe("AES256");
  });
});
