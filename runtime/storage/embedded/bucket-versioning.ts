/**
 * The versioning operations of the embedded store: GetBucketVersioning, PutBucketVersioning and
 * ListObjectVersions. The rules they apply inside the transaction or read, and the layout, are
 * versions.ts's; StoreCore (store-core.ts) runs the transactions.
 */
import { StorageError, type BucketVersioning, type ListVersionsParams, type ListVersionsResult } from "../types.js";
import { validateMax, type StoreCore } from "./store-core.js";
import type { VersioningStatus } from "./versions.js";

export class VersioningOps {
  constructor(private readonly core: StoreCore) {}

  async getBucketVersioning(bucket: string): Promise<BucketVersioning> {
    this.core.enter();
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      return this.core.versions.configuration(bucket);
    });
  }

  async putBucketVersioning(bucket: string, status: VersioningStatus, mfaDelete?: "Disabled"): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.core.requireBucket(bucket);
      // versions under Object Lock must stay versions ("Object Lock considerations")
      if (status === "Suspended" && this.core.objectLocks.read(bucket) !== undefined) {
        throw new StorageError(
          "INVALID_BUCKET_STATE",
          "versioning cannot be suspended on a bucket with Object Lock",
          "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
        );
      }
      this.core.versions.setStatus(bucket, status, mfaDelete);
      return { result: undefined, discard: [] };
    });
  }

  async listObjectVersions(params: ListVersionsParams): Promise<ListVersionsResult> {
    this.core.enter();
    validateMax(params.maxKeys, "maxKeys");
    return this.core.observe(() => {
      this.core.requireBucket(params.bucket);
      return this.core.versions.list(params, this.core.counters);
    });
  }
}
