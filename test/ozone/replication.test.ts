/**
 * Replication on the Ozone backend, as Ozone's own gateway chooses it: STANDARD gets the bucket's
 * default replication, else the cluster's (RATIS/THREE on the 3-datanode test cluster CI runs,
 * STAND_ALONE/ONE on a one-datanode cluster); REDUCED_REDUNDANCY is RATIS/ONE, written through the
 * pipeline's Raft group; a replication the cluster cannot place (RATIS/THREE with one datanode)
 * answers 503 ServiceUnavailable and leaves nothing behind (on three or more datanodes the fault
 * suite, test/ozone-faults, makes SCM unable to place it); EC is not written (NotImplemented,
 * before any byte).
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OmClient, type OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { openOzoneStore } from "../../runtime/storage/ozone/index.js";
import { bodyFromBuffer, readAll } from "../storage/body.js";
import { createTestVolume, ozoneEndpoints } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { tempDir } from "../support/temp-dirs.js";

const ozone = ozoneEndpoints();
const OWNER = "AKIDREPLICATION";
/** the access key startGateway's gateways use: the owner of their volume */
const GATEWAY_KEY = "AKIDS3GWTEST0001";
const MiB = 1024 * 1024;
/** the cluster's own default replication: Ozone's (RATIS/THREE) from three datanodes on */
const threeDatanodes = (ozone?.datanodes ?? 0) >= 3;
const CLUSTER_DEFAULT = threeDatanodes ? "RATIS/THREE" : "STAND_ALONE/ONE";

describe.skipIf(ozone === undefined)("replication on Ozone", () => {
  let gw: RunningGateway;
  /** a gateway whose STANDARD is RATIS/THREE and STANDARD_IA EC (what a 3-datanode cluster, resp. an EC one, takes) */
  let three: RunningGateway;
  let om: OmClient;
  /** the volume both gateways use (one of its own on the shared cluster) */
  let volume: string;
  const bucket = `repl-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    om = new OmClient({ addresses: [ozone!.omGrpc], timeoutMs: 30_000, clientId: "repl-test" });
    volume = await createTestVolume(ozone!.omGrpc, GATEWAY_KEY);
    const backend = ["--backend", "ozone", "--ozone-om-address", ozone!.omGrpc, "--ozone-volume", volume];
    gw = await startGateway({ args: backend });
    await gw.client().send(new CreateBucketCommand({ Bucket: bucket }));
    const dir = await tempDir("s3gw-repl-");
    const config = path.join(dir, "config.json");
    await writeFile(config, JSON.stringify({ ozone: { replication: { STANDARD: "RATIS/THREE", REDUCED_REDUNDANCY: "RATIS/ONE", STANDARD_IA: "EC/rs-3-2-1024k" } } }));
    three = await startGateway({ args: [...backend, "--config", config] });
  });
  afterAll(async () => {
    om?.close();
    await gw?.stop();
    await three?.stop();
  });

  async function s3Error(p: Promise<unknown>): Promise<S3ServiceException> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(S3ServiceException);
    return err as S3ServiceException;
  }

  /** The replication the OM recorded for a key: "RATIS/ONE", "STAND_ALONE/ONE"... and the pipelines of its blocks. */
  async function replicationOf(volume: string, bkt: string, key: string): Promise<{ replication: string; pipelines: string[] }> {
    const r = await om.submit(
      "GetKeyInfo",
      "GetKeyInfoRequest",
      { keyArgs: { volumeName: volume, bucketName: bkt, keyName: key, latestVersionLocation: true }, assumeS3Context: false },
      { accessId: GATEWAY_KEY, stringToSign: "", signature: "" },
    );
    const info = r.GetKeyInfoResponse.keyInfo as OmMessage;
    const versions = info.keyLocationList as { keyLocations: OmMessage[] }[];
    return { replication: `${info.type}/${info.factor}`, pipelines: versions.at(-1)!.keyLocations.map((l) => `${l.pipeline?.type}/${l.pipeline?.factor}`) };
  }

  it(`writes STANDARD objects with the cluster's default (${CLUSTER_DEFAULT} here), over several blocks`, async () => {
    const s3 = gw.client();
    const data = randomBytes(9 * MiB + 5);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "standard", Body: data }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "standard" }));
    expect(head.ContentLength).toBe(data.length);
    expect(head.ETag).toBe(put.ETag);
    // STANDARD is not named on the wire (S3 leaves the header out for it)
    expect(head.StorageClass).toBeUndefined();
    const recorded = await replicationOf(volume, bucket, "standard");
    expect(recorded.replication).toBe(CLUSTER_DEFAULT);
    if (threeDatanodes) expect(recorded.pipelines).toEqual(["RATIS/THREE", "RATIS/THREE", "RATIS/THREE"]);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "standard" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it.runIf(threeDatanodes)("writes a STANDARD multipart upload as RATIS/THREE (a gateway configured with it, too)", async () => {
    for (const s3 of [gw.client(), three.client()]) {
      const key = `three-mp-${randomBytes(3).toString("hex")}`;
      const parts = [randomBytes(5 * MiB + 1), randomBytes(123_456)];
      const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const etags: string[] = [];
      for (const [i, body] of parts.entries()) {
        etags.push((await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId, PartNumber: i + 1, Body: body }))).ETag!);
      }
      await s3.send(
        new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
      const recorded = await replicationOf(volume, bucket, key);
      expect(recorded.replication).toBe("RATIS/THREE");
      expect(new Set(recorded.pipelines)).toEqual(new Set(["RATIS/THREE"]));
    }
  });

  it("writes REDUCED_REDUNDANCY objects as RATIS/ONE through the Raft group (several blocks), and reads them back whole", async () => {
    const s3 = gw.client();
    const data = randomBytes(9 * MiB + 11);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "rr", Body: data, StorageClass: "REDUCED_REDUNDANCY" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "rr" }));
    expect(head.StorageClass).toBe("REDUCED_REDUNDANCY");
    expect(head.ETag).toBe(put.ETag);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "rr" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    const recorded = await replicationOf(volume, bucket, "rr");
    expect(recorded.replication).toBe("RATIS/ONE");
    // the test cluster's blocks are 4 MB: three blocks, all on RATIS pipelines
    expect(recorded.pipelines).toEqual(["RATIS/ONE", "RATIS/ONE", "RATIS/ONE"]);
  });

  it("writes a REDUCED_REDUNDANCY multipart upload as RATIS/ONE", async () => {
    const s3 = gw.client();
    const parts = [randomBytes(5 * MiB + 1), randomBytes(123_456)];
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "rr-mp", StorageClass: "REDUCED_REDUNDANCY" }));
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) {
      etags.push((await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "rr-mp", UploadId: upload.UploadId, PartNumber: i + 1, Body: body }))).ETag!);
    }
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "rr-mp", UploadId: upload.UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "rr-mp" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
    expect((await replicationOf(volume, bucket, "rr-mp")).replication).toBe("RATIS/ONE");
  });

  it.runIf(!threeDatanodes)("answers 503 ServiceUnavailable for RATIS/THREE on a one-datanode cluster (SCM has no pipeline for it), writing nothing", async () => {
    const s3 = three.client();
    const err = await s3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "three", Body: randomBytes(10_000) })));
    expect(err.name).toBe("ServiceUnavailable");
    expect(err.$metadata.httpStatusCode).toBe(503);
    const head = await s3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "three" })));
    expect(head.$metadata.httpStatusCode).toBe(404);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "three" }))).KeyCount).toBe(0);
    // a part of a RATIS/THREE upload too (parts get their blocks one AllocateBlock at a time)
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "three-mp" }));
    const part = await s3Error(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "three-mp", UploadId: upload.UploadId, PartNumber: 1, Body: randomBytes(10_000) })));
    expect(part.$metadata.httpStatusCode).toBe(503);
    // the same gateway writes what the cluster can hold
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "one", Body: randomBytes(10_000), StorageClass: "REDUCED_REDUNDANCY" }));
  });

  it("answers EC (rs-3-2 needs five datanodes, the cluster has three) with 503, writing nothing", async () => {
    const s3 = three.client();
    const err = await s3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "ec", Body: randomBytes(10_000), StorageClass: "STANDARD_IA" })));
    expect(err.$metadata.httpStatusCode).toBe(503);
    expect((await s3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "ec" })))).$metadata.httpStatusCode).toBe(404);
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "ec-mp", StorageClass: "STANDARD_IA" }));
    const part = await s3Error(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "ec-mp", UploadId: upload.UploadId, PartNumber: 1, Body: randomBytes(10_000) })));
    expect(part.$metadata.httpStatusCode).toBe(503);
  });

  it("writes with the bucket's default replication (RATIS/ONE) when STANDARD sends none", async () => {
    // a bucket whose default replication is RATIS/ONE, made directly through the OM
    const volume = await createTestVolume(ozone!.omGrpc, OWNER);
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
      { accessId: OWNER, stringToSign: "", signature: "" },
    );
    const store = await openOzoneStore({ omAddresses: [ozone!.omGrpc], volume, replication: { STANDARD: "DEFAULT" }, requestTimeoutMs: 30_000, serviceAccessKeyId: OWNER });
    try {
      const params = { bucket: "ratis-default", key: "k", userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: OWNER };
      const data = randomBytes(5 * MiB + 3);
      await store.putObject(params, bodyFromBuffer(data));
      expect((await replicationOf(volume, "ratis-default", "k")).replication).toBe("RATIS/ONE");
      expect((await readAll((await store.getObject({ bucket: "ratis-default", key: "k" })).open())).equals(data)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
