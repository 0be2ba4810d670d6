/**
 * What the lifecycle executor needs from storage, and the one adapter from a StorageClient (plus
 * the engine's lifecycle bookkeeping) to it. The executor walks a bucket's versions, newest first
 * within a key, as ListObjectVersions lists them: current versions, noncurrent versions and delete
 * markers, so that noncurrent-version expiration and expired-delete-marker removal are written and
 * tested against this interface (test/lifecycle/executor.test.ts, with an engine of versions).
 *
 * The adapter maps it onto today's StorageClient, whose buckets are unversioned: listObjects is the
 * version listing (each object the current and only version of its key, version id "null", no delete
 * markers), and expiring a current version deletes the object. An engine that keeps versions plugs
 * in here, and only here: `listVersions` becomes its listObjectVersions, `removeVersion` its
 * deleteObject with a version id, and `expireCurrent` stays a plain deleteObject (which, in a
 * versioned bucket, leaves a delete marker as S3's expiration does).
 */
import type { ListUploadsParams, ListUploadsResult, LifecycleRule, StorageClient } from "../storage/types.js";

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
  /** removes one noncurrent version or delete marker for good */
  removeVersion(bucket: string, key: string, versionId: string): Promise<void>;
  listUploads(params: ListUploadsParams): Promise<ListUploadsResult>;
  abortUpload(bucket: string, key: string, uploadId: string): Promise<void>;
}

export function lifecycleStorage(store: StorageClient & LifecycleState): LifecycleStorage {
  return {
    lifecycleBuckets: (after, limit) => store.lifecycleBuckets(after, limit),
    getLifecycleCursor: () => store.getLifecycleCursor(),
    putLifecycleCursor: (cursor) => store.putLifecycleCursor(cursor),
    rules: (bucket) => store.getBucketLifecycle(bucket),
    async listVersions({ bucket, keyMarker, maxKeys }) {
      // one version per key: a version-id marker is always the key's last, so the keys after it follow
      const page = await store.listObjects({ bucket, ...(keyMarker !== undefined && { startAfter: keyMarker }), maxKeys });
      const versions = page.objects.map(
        (o): VersionEntry => ({ key: o.key, versionId: "null", isLatest: true, deleteMarker: false, size: o.size, etag: o.etag, lastModified: o.lastModified }),
      );
      return {
        versions,
        isTruncated: page.isTruncated,
        ...(page.isTruncated && { nextKeyMarker: page.nextMarker, nextVersionIdMarker: "null" }),
      };
    },
    tags: (bucket, key) => store.getObjectTags(bucket, key),
    async expireCurrent(bucket, entry) {
      // The object may have been overwritten since it was listed: a new object is not the one that
      // expired. (A write between this check and the delete is not excluded: the store has no
      // conditional delete; the window is one round trip to the store.)
      const { info } = await store.headObject(bucket, entry.key);
      if (info.etag !== entry.etag || info.lastModified.getTime() !== entry.lastModified.getTime()) return false;
      await store.deleteObject(bucket, entry.key);
      return true;
    },
    async removeVersion(bucket, key, versionId) {
      // Unversioned buckets list no noncurrent version and no delete marker, so the executor never
      // gets here with this engine; removing "the" version would delete the current object.
      throw new Error(`cannot remove version ${versionId} of ${bucket}/${key}: this storage keeps current versions only`);
    },
    listUploads: (params) => store.listMultipartUploads(params),
    abortUpload: (bucket, key, uploadId) => store.abortMultipartUpload(bucket, key, uploadId),
  };
}
