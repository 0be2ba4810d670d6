/**
 * How often one request asks the OM for its bucket (runtime/storage/ozone/store-core.ts
 * bucketRecord): a PutObject checked the bucket twice (authorize's owner check, then the Object
 * Lock default of object-lock.ts), each an InfoBucket round trip before CreateKey (issue 8). One
 * request's store now reads it once; another OM call of the request, a failed read, or another
 * request reads it again. Against an OM stand-in that counts the calls; needs no Ozone cluster.
 */
import { describe, expect, it } from "vitest";
import { OmStatusError, type OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { OzoneCore, type OzoneShared } from "../../runtime/storage/ozone/store-core.js";
import { OzoneStore } from "../../runtime/storage/ozone/store.js";

function fakeOm(fail: (n: number) => boolean = () => false) {
  const calls: string[] = [];
  const om = {
    async submit(cmdType: string, _field: string, request: OmMessage): Promise<OmMessage> {
      calls.push(cmdType);
      await new Promise((r) => setImmediate(r));
      if (cmdType === "InfoBucket") {
        if (fail(calls.filter((c) => c === "InfoBucket").length)) throw new OmStatusError(cmdType, "INTERNAL_ERROR", "boom", {});
        return { infoBucketResponse: { bucketInfo: { volumeName: "s3v", bucketName: request.bucketName, creationTime: "1000", owner: "alice", bucketLayout: "OBJECT_STORE", acls: [] } } };
      }
      return {};
    },
  };
  const shared = { om, volume: "s3v" } as unknown as OzoneShared;
  const service = { accessId: "svc", stringToSign: "", signature: "" };
  const store = new OzoneStore(new OzoneCore(shared, service));
  const request = () => store.forRequest({ accessKeyId: "alice", stringToSign: "sts", signature: "sig" });
  return { calls, store, request };
}

const infoBuckets = (calls: string[]) => calls.filter((c) => c === "InfoBucket").length;

describe("ozone store: one InfoBucket per request", () => {
  it("a PutObject's two bucket checks (authorize, then the Object Lock default) ask the OM once", async () => {
    const { calls, request } = fakeOm();
    const s = request();
    expect((await s.getBucket("b1")).owner).toBe("alice");
    // Ozone has no Object Lock: NOT_SUPPORTED once the bucket is known to exist
    await expect(s.getObjectLockConfiguration("b1")).rejects.toMatchObject({ kind: "NOT_SUPPORTED" });
    expect(calls).toEqual(["InfoBucket"]);
    // concurrent checks of the same request share the read too
    const s2 = request();
    await Promise.all([s2.getBucket("b1"), s2.getBucket("b1")]);
    expect(infoBuckets(calls)).toBe(2);
  });

  it("reads the bucket again after another OM call of the request, for another bucket, and in another request", async () => {
    const { calls, request } = fakeOm();
    const s = request();
    await s.getBucket("b1");
    await s.deleteObject("b1", "k");
    await s.getBucket("b1");
    expect(calls).toEqual(["InfoBucket", "DeleteKey", "InfoBucket"]);
    await s.getBucket("b2");
    await request().getBucket("b2");
    expect(infoBuckets(calls)).toBe(4);
  });

  it("keeps no failed read, and the store outside a request keeps none at all", async () => {
    const { calls, store, request } = fakeOm((n) => n === 1);
    const s = request();
    await expect(s.getBucket("b1")).rejects.toBeInstanceOf(OmStatusError);
    expect((await s.getBucket("b1")).name).toBe("b1");
    expect(infoBuckets(calls)).toBe(2);
    // the process-wide store (health checks, no request): no bucket state kept between calls
    await store.getBucket("b1");
    await store.getBucket("b1");
    expect(infoBuckets(calls)).toBe(4);
  });
});
