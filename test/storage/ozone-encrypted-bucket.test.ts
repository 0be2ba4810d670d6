/**
 * An Ozone bucket with an encryption key (transparent data encryption: `ozone sh bucket create
 * --bucketkey`) has its keys' data encrypted and decrypted by Ozone's client with keys from a Hadoop
 * KMS, which this gateway does not do. Every request to such a bucket answers 501 NotImplemented
 * saying so, and nothing is written to it: a key written unencrypted would be read by Ozone's
 * clients as ciphertext, and one they wrote would be served encrypted. Before, the bucket's
 * encryption info was decoded and ignored. Against an OM stand-in (the test cluster has no KMS, so
 * it cannot make such a bucket); the bucket beside it, without a key, works as usual. The same
 * through a bucket link to such a bucket, whose own record carries no encryption.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { fakeOm, type FakeOm } from "../support/fake-om.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { expectBodilessError, expectS3Error } from "../integration/helpers.js";

let om: FakeOm;
let gw: RunningGateway;
let dataDir: string;

function bucketInfo(name: string, owner: string): OmMessage {
  const info: OmMessage = { volumeName: "s3v", bucketName: name, owner, creationTime: "1000", bucketLayout: "OBJECT_STORE", acls: [], isVersionEnabled: false, storageType: "DISK" };
  if (name === "tde") info.beinfo = { keyName: "tde-key", suite: "AES_CTR_NOPADDING", cryptoProtocolVersion: "ENCRYPTION_ZONES" };
  return info;
}

beforeAll(async () => {
  om = await fakeOm((r: OmMessage) => {
    switch (r.cmdType) {
      case "InfoBucket": {
        const name = r.infoBucketRequest.bucketName as string;
        const volume = r.infoBucketRequest.volumeName as string;
        // a bucket link in the S3 volume to an encrypted bucket of another volume: as InfoBucket
        // answers a link, with no layout or encryption of its own and its maker as owner
        if (volume === "s3v" && name === "tde-link") {
          return { infoBucketResponse: { bucketInfo: { volumeName: "s3v", bucketName: name, owner: "root", creationTime: "2000", acls: [], isVersionEnabled: false, storageType: "DISK", sourceVolume: "vol1", sourceBucket: "tde" } } };
        }
        if (volume === "vol1" && name === "tde") return { infoBucketResponse: { bucketInfo: { ...bucketInfo(name, "AKIDS3GWTEST0001"), volumeName: "vol1" } } };
        if (volume !== "s3v" || (name !== "tde" && name !== "clear")) return { status: "BUCKET_NOT_FOUND", success: false, message: `Bucket not found: ${volume}/${name}` };
        return { infoBucketResponse: { bucketInfo: bucketInfo(name, "AKIDS3GWTEST0001") } };
      }
      case "ListKeysLight":
      case "ListKeys":
        return {};
      default:
        return {};
    }
  });
  dataDir = await mkdtemp(path.join(os.tmpdir(), "s3gw-tde-"));
  gw = await startGateway({ dataDir, workers: 1, args: ["--backend", "ozone", "--ozone-om-address", om.address] });
});

afterAll(async () => {
  await gw?.stop();
  await om?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("an Ozone bucket encrypted by transparent data encryption", () => {
  it("answers 501 NotImplemented for every request to it, saying why, and writes nothing", async () => {
    const s3 = gw.client();
    try {
      const put = await expectS3Error(s3.send(new PutObjectCommand({ Bucket: "tde", Key: "k", Body: "data" })), "NotImplemented", 501);
      expect(put.message).toBe("Bucket tde is encrypted by Ozone's transparent data encryption, which this gateway does not support: use Ozone's own S3 gateway for it.");
      await expectS3Error(s3.send(new GetObjectCommand({ Bucket: "tde", Key: "k" })), "NotImplemented", 501);
      await expectS3Error(s3.send(new ListObjectsV2Command({ Bucket: "tde" })), "NotImplemented", 501);
      await expectBodilessError(s3.send(new HeadBucketCommand({ Bucket: "tde" })), 501);

      // the same behind a bucket link (`ozone sh bucket link /vol1/tde /s3v/tde-link`): the
      // link's own record says nothing of the encryption, its source's does
      const viaLink = await expectS3Error(s3.send(new PutObjectCommand({ Bucket: "tde-link", Key: "k", Body: "data" })), "NotImplemented", 501);
      expect(viaLink.message).toMatch(/^Bucket tde-link is encrypted by Ozone's transparent data encryption/);
      await expectS3Error(s3.send(new GetObjectCommand({ Bucket: "tde-link", Key: "k" })), "NotImplemented", 501);

      // the OM was asked about the buckets, never to create or open a key in them
      const asked = new Set(om.requests.map((r) => r.cmdType as string));
      expect([...asked].filter((t) => /Key|Block|Multipart/i.test(t))).toEqual([]);

      // the bucket beside it, without an encryption key, is served
      await s3.send(new HeadBucketCommand({ Bucket: "clear" }));
    } finally {
      s3.destroy();
    }
  });
});
