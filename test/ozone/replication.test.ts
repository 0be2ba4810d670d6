/**
 * Replication on the Ozone backend: storage classes map to Ozone replication configs; a write
 * that would need RATIS (Apache Ratis's write path, a later issue) fails with a clear S3 error
 * naming the replication, and leaves nothing behind: never an unreplicated copy.
 */
import { randomBytes } from "node:crypto";
import { CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OmClient } from "../../runtime/storage/ozone/om-client.js";
import { openOzoneStore } from "../../runtime/storage/ozone/index.js";
import { StorageError } from "../../runtime/storage/types.js";
import { bodyFromBuffer } from "../storage/body.js";
import { createTestVolume, ozoneEndpoints } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";

const ozone = ozoneEndpoints();
const OWNER = "AKIDREPLICATION";

describe.skipIf(ozone === undefined)("replication on Ozone", () => {
  let gw: RunningGateway;
  const bucket = `repl-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    gw = await startGateway();
    await gw.client().send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await gw?.stop();
  });

  async function s3Error(p: Promise<unknown>): Promise<S3ServiceException> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(S3ServiceException);
    return err as S3ServiceException;
  }

  it("writes STANDARD objects with the cluster's default (STANDALONE/ONE here)", async () => {
    const s3 = gw.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "standard", Body: randomBytes(100_000) }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "standard" }));
    expect(head.ContentLength).toBe(100_000);
  });

  it("refuses a PUT whose storage class maps to RATIS with NotImplemented naming it, writing nothing", async () => {
    const s3 = gw.client();
    const err = await s3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "rr", Body: randomBytes(10_000), StorageClass: "REDUCED_REDUNDANCY" })));
    expect(err.name).toBe("NotImplemented");
    expect(err.$metadata.httpStatusCode).toBe(501);
    expect(err.message).toContain("RATIS/ONE");
    expect(err.message).toContain("REDUCED_REDUNDANCY");
    const head = await s3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "rr" })));
    expect(head.$metadata.httpStatusCode).toBe(404);
    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "rr" }));
    expect(list.KeyCount).toBe(0);
  });

  it("refuses a multipart upload whose storage class maps to RATIS", async () => {
    const err = await s3Error(gw.client().send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "rr-mp", StorageClass: "REDUCED_REDUNDANCY" })));
    expect(err.name).toBe("NotImplemented");
    expect(err.message).toContain("RATIS/ONE");
  });

  it("refuses a write the OM resolves to RATIS (the bucket's default), before any byte reaches a datanode", async () => {
    // a bucket whose default replication is RATIS/ONE, made directly through the OM
    const volume = await createTestVolume(ozone!.omGrpc, OWNER);
    const om = new OmClient({ addresses: [ozone!.omGrpc], timeoutMs: 30_000, clientId: "repl-test" });
    const auth = { accessId: OWNER, stringToSign: "", signature: "" };
    await om.submit(
      "CreateBucket",
      "createBucketRequest",
      {
        bucketInfo: {
          volumeName: volume,
          bucketName: "ratis-default",
          isVersionEnabled: false,
          storageType: "DISK",
          bucketLayout: "OBJECT_STORE",
          owner: OWNER,
          defaultReplicationConfig: { type: "RATIS", factor: "ONE" },
        },
      },
      auth,
    );
    om.close();
    const store = await openOzoneStore({
      omAddresses: [ozone!.omGrpc],
      volume,
      replication: { STANDARD: "DEFAULT" },
      requestTimeoutMs: 30_000,
      serviceAccessKeyId: OWNER,
    });
    try {
      const params = { bucket: "ratis-default", key: "k", userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: OWNER };
      const err = await store.putObject(params, bodyFromBuffer(randomBytes(50_000))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).kind).toBe("NOT_SUPPORTED");
      expect((err as StorageError).clientMessage).toContain("RATIS/ONE");
      await expect(store.headObject("ratis-default", "k")).rejects.toMatchObject({ kind: "KEY_NOT_FOUND" });
      // with STANDALONE/ONE asked for explicitly, the same bucket takes the write
      const standalone = await openOzoneStore({
        omAddresses: [ozone!.omGrpc],
        volume,
        replication: { STANDARD: "STANDALONE/ONE" },
        requestTimeoutMs: 30_000,
        serviceAccessKeyId: OWNER,
      });
      const data = randomBytes(50_000);
      await standalone.putObject(params, bodyFromBuffer(data));
      expect((await standalone.headObject("ratis-default", "k")).info.size).toBe(data.length);
      await standalone.close();
    } finally {
      await store.close();
    }
  });
});
