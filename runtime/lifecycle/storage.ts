/**
 * What the lifecycle executor needs from storage, and the one adapter from a StorageClient (plus
 * the engine's lifecycle bookkeeping) to it. The executor walks a bucket's versions, newest first
 * within a key, as ListObjectVersions lists them: current versions, noncurrent versions and delete
 * markers, so that noncurrent-version expiration and expired-delete-marker removal are written and
 * tested against this interface (test/lifecycle/executor.test.ts, with an engine of versions).
 *
 * The adapter maps it onto the StorageClient: listObjectVersions is the walk (an unversioned bucket
 * lists each object as its only version, "null"), expiring a current version is a deleteObject conditional on the listed version
 * (a delete marker in a versioned bucket, as S3's expiration makes), and removing a noncurrent
 * version or a delete marker is a deleteObject with its version id.
 */
import { StorageError, type ListUploadsParams, type ListUploadsResult, type LifecycleRule, type StorageClient } from "../storage/types.js";

/** One version (or delete marker) of a key, as the executor sees it. */
export interface VersionEntry {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface VersionPage {
  versions: VersionEntry[];
  isTruncated: boolean;
  /** when truncated: resume after this version of this key */
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** The engine's bookkeeping for the executor: which buckets have rules, and where the last run stopped. */
export interface LifecycleState {
  /** names of buckets with lifecycle rules after `after` (exclusive), in byte order, at most `limit` */
  lifecycleBuckets(after: string, limit: number): Promise<string[]>;
  getLifecycleCursor(): Promise<string | undefined>;
  putLifecycleCursor(cursor: string | undefined): Promise<void>;
}

export interface LifecycleStorage extends LifecycleState {
  rules(bucket: string): Promise<LifecycleRule[] | undefined>;
  /** versions after (keyMarker, versionIdMarker); without versionIdMarker, of the keys after keyMarker */
  listVersions(params: { bucket: string; keyMarker?: string; versionIdMarker?: string; maxKeys: number }): Promise<VersionPage>;
  tags(bucket: string, key: string, versionId: string): Promise<Record<string, string>>;
  /** expires the current version the listing showed; false (and nothing done) when the key changed since */
  expireCurrent(bucket: string, entry: VersionEntry): Promise<boolean>;
  /** removes one noncurrent version or delete marker for good; false (nothing done) when a lock keeps it */
  removeVersion(bucket: string, key: string, versionId: string): Promise<boolean | void>;
  listUploads(params: ListUploadsParams): Promise<ListUploadsResult>;
  abortUpload(bucket: string, key: string, uploadId: string): Promise<void>;
}

export function lifecycleStorage(store: StorageClient & LifecycleState): LifecycleStorage {
  return {
    lifecycleBuckets: (after, limit) => store.lifecycleBuckets(after, limit),
    getLifecycleCursor: () => store.getLifecycleCursor(),
    putLifecycleCursor: (cursor) => store.putLifecycleCursor(cursor),
    rules: (bucket) => store.getBucketLifecycle(bucket),
    async listVersions({ bucket, keyMarker, versionIdMarker, maxKeys }) {
      const page = await store.listObjectVersions({
        bucket,
        ...(keyMarker !== undefined && { keyMarker }),
        ...(versionIdMarker !== undefined && { versionIdMarker }),
        maxKeys,
      });
      const versions = page.versions.map(
        (v): VersionEntry => ({
          key: v.key,
          versionId: v.versionId,
          isLatest: v.isLatest,
          deleteMarker: v.deleteMarker,
          size: v.size,
          etag: v.etag,
          lastModified: v.lastModified,
        }),
      );
      return {
        versions,
        isTruncated: page.isTruncated,
        ...(page.nextKeyMarker !== undefined && { nextKeyMarker: page.nextKeyMarker }),
        ...(page.nextVersionIdMarker !== undefined && { nextVersionIdMarker: page.nextVersionIdMarker }),
      };
    },
    tags: async (bucket, key, versionId) => (await store.getObjectTags(bucket, key, versionId)).tags,
    async expireCurrent(bucket, entry) {
      // The object may have been overwritten (or deleted) since it was listed: a new object is not
      // the one that expired. The delete is conditional on the listed version's ETag, size and
      // time, checked in the delete's own transaction, so no write can slip in between. In a
      // versioned bucket the delete leaves a delete marker, as S3's expiration does.
      try {
        await store.deleteObject(bucket, entry.key, undefined, { ifMatch: entry.etag, size: entry.size, lastModified: entry.lastModified });
      } catch (err) {
        if (err instanceof StorageError && (err.kind === "KEY_NOT_FOUND" || err.kind === "PRECONDITION_FAILED")) return false;
        throw err;
      }
      return true;
    },
    async removeVersion(bucket, key, versionId) {
      // A version under Object Lock retention or legal hold is not removed: S3's lifecycle expiry
      // respects locks ("Managing Object Lock", Amazon S3 User Guide). The store refuses the delete
      // (no bypass is ever stated here); the version stays until a later run finds it unlocked.
      try {
        await store.deleteObject(bucket, key, versionId);
      } catch (err) {
        if (err instanceof StorageError && err.kind === "ACCESS_DENIED") return false;
        throw err;
      }
      return true;
    },
    listUploads: (params) => store.listMultipartUploads(params),
    abortUpload: (bucket, key, uploadId) => store.abortMultipartUpload(bucket, key, uploadId),
  };
}
