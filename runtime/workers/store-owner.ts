/**
 * The embedded store as the primary process serves it to one worker (the other end is
 * remote-store.ts). The primary owns the database: every metadata read and every commit runs here,
 * one process, one connection, one group commit for all workers, exactly as with a single process
 * (store.ts, group-commit.ts, wal-sync.ts keep all their guarantees). A worker does the body and
 * file work: it receives a body into its own tmp/ directory (hashing and verifying it as it
 * arrives), and streams segment files to its clients.
 *
 * What the primary keeps per worker, so that a worker that dies (kill -9 included) leaks nothing:
 * - the pins its reads hold (read-plan.ts): given back when the worker exits;
 * - its receiving directory tmp/w<id>: removed when it exits. A body it had received but not
 *   committed is in there; one whose commit call had arrived is committed or removed by that call,
 *   whatever happens to the worker. So an acknowledged write is never lost, and an unacknowledged
 *   one leaves no file.
 */
import type { EmbeddedStore, PartTarget, WorkerFiles } from "../storage/embedded/index.js";
import type { ReceivedBody } from "../storage/embedded/files.js";
import { encodeError } from "./rpc.js";
import type {
  Acl,
  BucketAccess,
  NewBucketOptions,
  ObjectOwnership,
  CompleteMultipartParams,
  CorsRule,
  PublicAccessBlock,
  DeleteCondition,
  ListVersionsParams,
  ObjectToDelete,
  LifecycleRule,
  ListObjectsParams,
  ListPartsParams,
  ListUploadsParams,
  MultipartUploadParams,
  ObjectAttributesParams,
  ObjectLockConfiguration,
  ObjectRetention,
  PutObjectParams,
} from "../storage/types.js";

export interface WorkerStoreSession {
  /** the calls the worker may make */
  handlers: Record<string, (...args: any[]) => unknown>;
  /** the worker is gone: give back its pins, remove its receiving directory */
  release(): Promise<void>;
}

/**
 * Store methods after which the bucket's cached configuration (policy, public access block, CORS
 * rules: runtime/app.ts forgetBucketConfig) or its kept getBucket answer (remote-store.ts) is stale
 * in every worker; the bucket is the first argument of each.
 */
export const CHANGES_BUCKET_CONFIG = [
  "createBucket",
  "deleteBucket",
  "putObjectLockConfiguration",
  "putBucketPolicy",
  "deleteBucketPolicy",
  "putPublicAccessBlock",
  "deletePublicAccessBlock",
  "putBucketCors",
  "deleteBucketCors",
] as const;

/**
 * `call` (a method of CHANGES_BUCKET_CONFIG, the bucket first) followed by `changed(bucket)` once it
 * settled, before its caller hears of it: for a worker's calls here, and for the primary's own
 * (primary.ts).
 */
export function tellingChange(
  call: (bucket: string, ...rest: any[]) => unknown,
  changed: (bucket: string) => void,
): (bucket: string, ...rest: unknown[]) => Promise<unknown> {
  return async (bucket, ...rest) => {
    try {
      return await call(bucket, ...rest);
    } finally {
      // after a failure too: one that came at COMMIT leaves the outcome unknown (group-commit.ts),
      // and forgetting costs the other processes no more than asking again
      changed(bucket);
    }
  };
}

/**
 * `changed(bucket)`: such a change was made (or failed) for this worker; the primary tells every worker
 * before this one gets its answer, so that no worker serves a stale policy to a request made after
 * the change was acknowledged (the cache's 1 s bound remains for anything that slips through).
 */
export function storeSession(
  store: EmbeddedStore,
  workerName: string,
  log: (err: unknown) => void,
  changed: (bucket: string) => void = () => {},
): WorkerStoreSession {
  let files: WorkerFiles | undefined;
  let gone = false;
  /** pins held by this worker's reads, by segment id (a segment may be pinned by several reads) */
  const pins = new Map<string, number>();

  const give = (ids: readonly string[]) => {
    const known = ids.filter((id) => {
      const n = pins.get(id);
      if (n === undefined) return false; // not ours to give back (never taken, or already given)
      if (n > 1) pins.set(id, n - 1);
      else pins.delete(id);
      return true;
    });
    store.unpin(known);
  };

  const requireFiles = (): WorkerFiles => {
    if (files === undefined) throw new Error("the worker has not attached");
    return files;
  };

  const handlers: WorkerStoreSession["handlers"] = {
    attach: async () => {
      files ??= await store.attachWorker(workerName);
      return files;
    },
    // `lease`: the worker would keep the answer (kept-reads.ts, read-leases.ts)
    resolveRead: async (bucket: string, key: string, partNumber?: number, versionId?: string, lease?: boolean) => {
      const resolved = await store.resolveRead(bucket, key, partNumber, versionId, lease === true ? workerName : undefined);
      if (gone) {
        store.unpin(resolved.pinned);
        throw new Error("the worker is gone");
      }
      for (const id of resolved.pinned) pins.set(id, (pins.get(id) ?? 0) + 1);
      return resolved;
    },
    unpin: (ids: string[]) => give(ids),
    releaseLeases: (released: Array<[string, number]>) => store.releaseLeases(workerName, released),
    checkPut: (params: PutObjectParams) => store.checkPut(params),
    putReceived: (params: PutObjectParams, received: ReceivedBody) => store.putReceived(params, received, requireFiles().tmpDir),
    checkPart: (bucket: string, key: string, uploadId: string, partNumber: number) =>
      store.checkPart(bucket, key, uploadId, partNumber),
    partReceived: (target: PartTarget, received: ReceivedBody) => store.partReceived(target, received, requireFiles().tmpDir),
    listBuckets: () => store.listBuckets(),
    createBucket: (name: string, owner: string, options?: NewBucketOptions) => store.createBucket(name, owner, options),
    getBucket: (name: string) => store.getBucket(name),
    deleteBucket: (name: string) => store.deleteBucket(name),
    getBucketVersioning: (bucket: string) => store.getBucketVersioning(bucket),
    putBucketVersioning: (bucket: string, status: "Enabled" | "Suspended", mfaDelete?: "Disabled") =>
      store.putBucketVersioning(bucket, status, mfaDelete),
    headObject: (bucket: string, key: string, partNumber?: number, versionId?: string) =>
      store.headObject(bucket, key, partNumber, versionId),
    getObjectAttributes: (params: ObjectAttributesParams) => store.getObjectAttributes(params),
    deleteObject: (bucket: string, key: string, versionId?: string, condition?: DeleteCondition, bypassGovernance?: boolean) =>
      store.deleteObject(bucket, key, versionId, condition, bypassGovernance),
    // per-entry errors cross as data, as a call's own error does (rpc.ts)
    deleteObjects: async (bucket: string, objects: ObjectToDelete[]) =>
      (await store.deleteObjects(bucket, objects)).map((r) => (r.error === undefined ? r : { ...r, error: encodeError(r.error) })),
    listObjects: (params: ListObjectsParams) => store.listObjects(params),
    listObjectVersions: (params: ListVersionsParams) => store.listObjectVersions(params),
    getObjectTags: (bucket: string, key: string, versionId?: string) => store.getObjectTags(bucket, key, versionId),
    putObjectTags: (bucket: string, key: string, tags: Record<string, string>, versionId?: string) =>
      store.putObjectTags(bucket, key, tags, versionId),
    deleteObjectTags: (bucket: string, key: string, versionId?: string) => store.deleteObjectTags(bucket, key, versionId),
    getBucketTags: (bucket: string) => store.getBucketTags(bucket),
    putBucketTags: (bucket: string, tags: Record<string, string>) => store.putBucketTags(bucket, tags),
    deleteBucketTags: (bucket: string) => store.deleteBucketTags(bucket),
    getBucketPolicy: (bucket: string) => store.getBucketPolicy(bucket),
    putBucketPolicy: (bucket: string, policy: string) => store.putBucketPolicy(bucket, policy),
    deleteBucketPolicy: (bucket: string) => store.deleteBucketPolicy(bucket),
    getPublicAccessBlock: (bucket: string) => store.getPublicAccessBlock(bucket),
    putPublicAccessBlock: (bucket: string, config: PublicAccessBlock) => store.putPublicAccessBlock(bucket, config),
    deletePublicAccessBlock: (bucket: string) => store.deletePublicAccessBlock(bucket),
    getBucketCors: (bucket: string) => store.getBucketCors(bucket),
    putBucketCors: (bucket: string, rules: CorsRule[]) => store.putBucketCors(bucket, rules),
    deleteBucketCors: (bucket: string) => store.deleteBucketCors(bucket),
    getBucketLifecycle: (bucket: string) => store.getBucketLifecycle(bucket),
    putBucketLifecycle: (bucket: string, rules: LifecycleRule[]) => store.putBucketLifecycle(bucket, rules),
    deleteBucketLifecycle: (bucket: string) => store.deleteBucketLifecycle(bucket),
    getBucketAccess: (bucket: string) => store.getBucketAccess(bucket),
    putBucketAcl: (bucket: string, acl: Acl) => store.putBucketAcl(bucket, acl),
    putBucketOwnership: (bucket: string, ownership: ObjectOwnership | undefined) => store.putBucketOwnership(bucket, ownership),
    putObjectAcl: (bucket: string, key: string, acl: Acl, versionId?: string) => store.putObjectAcl(bucket, key, acl, versionId),
    getObjectLockConfiguration: (bucket: string) => store.getObjectLockConfiguration(bucket),
    putObjectLockConfiguration: (bucket: string, config: ObjectLockConfiguration) => store.putObjectLockConfiguration(bucket, config),
    getObjectLock: (bucket: string, key: string, versionId?: string) => store.getObjectLock(bucket, key, versionId),
    putObjectRetention: (bucket: string, key: string, retention: ObjectRetention | undefined, versionId?: string, bypassGovernance?: boolean) =>
      store.putObjectRetention(bucket, key, retention, versionId, bypassGovernance),
    putObjectLegalHold: (bucket: string, key: string, on: boolean, versionId?: string) => store.putObjectLegalHold(bucket, key, on, versionId),
    createMultipartUpload: (params: MultipartUploadParams) => store.createMultipartUpload(params),
    completeMultipartUpload: (params: CompleteMultipartParams) => store.completeMultipartUpload(params),
    abortMultipartUpload: (bucket: string, key: string, uploadId: string) => store.abortMultipartUpload(bucket, key, uploadId),
    listParts: (params: ListPartsParams) => store.listParts(params),
    listMultipartUploads: (params: ListUploadsParams) => store.listMultipartUploads(params),
    checkReady: (timeoutMs: number) => store.checkReady(timeoutMs),
  };

  for (const method of CHANGES_BUCKET_CONFIG) handlers[method] = tellingChange(handlers[method], changed);

  return {
    handlers,
    async release() {
      gone = true;
      store.forgetLeaseHolder(workerName);
      const held: string[] = [];
      for (const [id, n] of pins) for (let i = 0; i < n; i++) held.push(id);
      pins.clear();
      store.unpin(held);
      if (files !== undefined) await store.detachWorker(files).catch(log);
    },
  };
}
