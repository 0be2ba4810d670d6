/**
 * The Ozone store keeps getBucket answers for 1 s (runtime/storage/ozone/store-core.ts getBucket):
 * every request's access decision asks for its bucket, and that was an OM round trip of its own (a
 * small GET made two OM calls where Ozone's gateway makes one). What must hold: the OM is asked
 * once per bucket per second, not once per request; a bucket created or deleted through the gateway
 * is asked again at once, in every worker process; an absent bucket is never kept; and nothing is
 * kept past 1 s. Against an OM stand-in that counts the calls; needs no Ozone cluster.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CreateBucketCommand, DeleteBucketCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { CACHE_TTL_MS } from "../../runtime/bucket-config-cache.js";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { openOzoneStore } from "../../runtime/storage/ozone/index.js";
import { fakeOm, type FakeOm } from "../support/fake-om.js";
import { connectionPerRequest, startGateway } from "../support/server.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An OM stand-in that keeps buckets: created, looked up and deleted as a real OM would. */
async function bucketOm(): Promise<{ om: FakeOm; buckets: Map<string, string> }> {
  const buckets = new Map<string, string>();
  const om = await fakeOm((r: OmMessage) => {
    switch (r.cmdType) {
      case "CreateBucket": {
        const info = r.createBucketRequest.bucketInfo as OmMessage;
        if (buckets.has(info.bucketName as string)) return { status: "BUCKET_ALREADY_EXISTS", success: false, message: "exists" };
        buckets.set(info.bucketName as string, info.owner as string);
        return {};
      }
      case "InfoBucket": {
        const name = r.infoBucketRequest.bucketName as string;
        const owner = buckets.get(name);
        if (owner === undefined) return { status: "BUCKET_NOT_FOUND", success: false, message: `Bucket not found: s3v/${name}` };
        return {
          infoBucketResponse: {
            bucketInfo: { volumeName: "s3v", bucketName: name, owner, creationTime: "1000", bucketLayout: "OBJECT_STORE", acls: [], isVersionEnabled: false, storageType: "DISK" },
          },
        };
      }
      case "DeleteBucket":
        buckets.delete(r.deleteBucketRequest.bucketName as string);
        return {};
      default:
        return {};
    }
  });
  cleanups.push(() => om.close());
  return { om, buckets };
}

const infoBucketCalls = (om: FakeOm, bucket: string) =>
  om.requests.filter((r) => r.cmdType === "InfoBucket" && r.infoBucketRequest.bucketName === bucket).length;

describe("ozone store: getBucket answers kept for a second", () => {
  it("asks the OM once for many lookups, again after a create or delete made through it and after 1 s; an absent bucket is not kept", async () => {
    const { om, buckets } = await bucketOm();
    const changed: string[] = [];
    const store = await openOzoneStore({
      omAddresses: [om.address],
      volume: "s3v",
      replication: {},
      requestTimeoutMs: 5000,
      serviceAccessKeyId: "svc",
      onBucketChanged: async (b) => void changed.push(b),
    });
    const asAlice = () => store.forRequest({ accessKeyId: "alice", stringToSign: "sts", signature: "sig" });

    // absent: asked every time, never kept
    await expect(asAlice().getBucket("b1")).rejects.toMatchObject({ kind: "BUCKET_NOT_FOUND" });
    await expect(asAlice().getBucket("b1")).rejects.toMatchObject({ kind: "BUCKET_NOT_FOUND" });
    expect(infoBucketCalls(om, "b1")).toBe(2);

    await asAlice().createBucket("b1", "alice");
    expect(changed).toEqual(["b1"]);
    const [a, b, c] = await Promise.all([asAlice().getBucket("b1"), asAlice().getBucket("b1"), store.getBucket("b1")]);
    expect(a).toMatchObject({ name: "b1", owner: "alice" });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    // each caller gets a copy of its own
    (a as unknown as Record<string, unknown>).extra = 1;
    expect(await asAlice().getBucket("b1")).not.toHaveProperty("extra");
    expect(infoBucketCalls(om, "b1")).toBe(3);

    // deleted behind the store's back (another client of the cluster): seen within the second
    buckets.delete("b1");
    await asAlice().getBucket("b1");
    expect(infoBucketCalls(om, "b1")).toBe(3);
    await new Promise((r) => setTimeout(r, CACHE_TTL_MS + 50));
    await expect(asAlice().getBucket("b1")).rejects.toMatchObject({ kind: "BUCKET_NOT_FOUND" });
    expect(infoBucketCalls(om, "b1")).toBe(4);

    // deleted through the store: asked again at once, and the other processes told
    await asAlice().createBucket("b1", "alice");
    await asAlice().getBucket("b1");
    const calls = infoBucketCalls(om, "b1");
    await asAlice().deleteBucket("b1");
    expect(changed).toEqual(["b1", "b1", "b1"]);
    await expect(asAlice().getBucket("b1")).rejects.toMatchObject({ kind: "BUCKET_NOT_FOUND" });
    // one InfoBucket by the delete (is it a bucket link? bucket-links.ts), one by the lookup after it
    expect(infoBucketCalls(om, "b1")).toBe(calls + 2);

    // told by another process (runtime/workers/worker.ts bucketConfigChanged)
    buckets.set("b2", "bob");
    await asAlice().getBucket("b2");
    buckets.set("b2", "carol");
    expect((await asAlice().getBucket("b2")).owner).toBe("bob");
    store.forgetBucket("b2");
    expect((await asAlice().getBucket("b2")).owner).toBe("carol");
  });

  it("with two workers, a bucket deleted through one is absent at once through every other", async () => {
    const { om } = await bucketOm();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "s3gw-bucketcache-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const gw = await startGateway({ dataDir, workers: 2, args: ["--backend", "ozone", "--ozone-om-address", om.address] });
    cleanups.push(() => gw.stop());
    // a new connection per request: the cluster module hands connections to the workers in turn
    const s3 = connectionPerRequest(gw);
    cleanups.push(() => s3.destroy());

    await s3.send(new CreateBucketCommand({ Bucket: "gone" }));
    for (let i = 0; i < 6; i++) await s3.send(new HeadBucketCommand({ Bucket: "gone" }));
    // kept: about one lookup per worker (six without the cache: one per HEAD)
    expect(infoBucketCalls(om, "gone")).toBeLessThanOrEqual(4);

    await s3.send(new DeleteBucketCommand({ Bucket: "gone" }));
    for (let i = 0; i < 6; i++) {
      await expect(s3.send(new HeadBucketCommand({ Bucket: "gone" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    }
  });
});
