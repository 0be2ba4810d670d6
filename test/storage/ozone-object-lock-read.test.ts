/**
 * A PutObject (or UploadPart) without Content-MD5 or a checksum asks the storage for the bucket's
 * Object Lock default retention (handlers/object-lock.ts requireIntegrityForDefaultRetention). Ozone
 * has no Object Lock: its answer (NOT_SUPPORTED) took an InfoBucket round trip to the OM, after the
 * access decision had already looked the bucket up (issue 8: three OM calls before a PUT's data
 * where Ozone's own gateway makes two). The Ozone store says up front that it has no Object Lock, and
 * the check is skipped. Against an OM stand-in that counts the calls; needs no Ozone cluster.
 */
import { describe, expect, it } from "vitest";
import { requireIntegrityForDefaultRetention } from "../../runtime/handlers/object-lock.js";
import type { HandlerContext } from "../../runtime/handlers/common.js";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { OzoneCore, type OzoneShared } from "../../runtime/storage/ozone/store-core.js";
import { OzoneStore } from "../../runtime/storage/ozone/store.js";
import type { BucketInfo, StorageClient } from "../../runtime/storage/types.js";
import { BucketConfigCache } from "../../runtime/bucket-config-cache.js";

function fakeOzone() {
  const calls: string[] = [];
  const om = {
    async submit(cmdType: string, _field: string, request: OmMessage): Promise<OmMessage> {
      calls.push(cmdType);
      if (cmdType === "InfoBucket") {
        return { infoBucketResponse: { bucketInfo: { volumeName: "s3v", bucketName: request.bucketName, creationTime: "1000", owner: "alice", bucketLayout: "OBJECT_STORE", acls: [] } } };
      }
      return {};
    },
  };
  const shared = { om, volume: "s3v", buckets: new BucketConfigCache<BucketInfo>() } as unknown as OzoneShared;
  const store = new OzoneStore(new OzoneCore(shared, { accessId: "svc", stringToSign: "", signature: "" }));
  return { calls, store: store.forRequest({ accessKeyId: "alice", stringToSign: "sts", signature: "sig" }) };
}

const ctxOf = (storage: StorageClient) => ({ storage, bodyChecksum: () => undefined }) as unknown as HandlerContext;

describe("ozone store: no Object Lock lookup on writes", () => {
  it("a write without a stated checksum asks the OM nothing for the bucket's default retention", async () => {
    const { calls, store } = fakeOzone();
    expect(store.objectLockSupported).toBe(false);
    await requireIntegrityForDefaultRetention({ name: "b1", owner: "alice", creationDate: new Date(1000) }, undefined, ctxOf(store));
    expect(calls).toEqual([]);
  });

  it("GetObjectLockConfiguration itself still checks the bucket (NoSuchBucket before the answer of a bucket without Object Lock)", async () => {
    const { calls, store } = fakeOzone();
    expect(await store.getObjectLockConfiguration("b1")).toBeUndefined();
    expect(calls).toEqual(["InfoBucket"]);
  });
});
