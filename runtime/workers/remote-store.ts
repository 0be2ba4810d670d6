/**
 * The embedded store as a worker process sees it: a StorageClient whose metadata calls go to the
 * primary process (store-owner.ts) and whose bytes stay here. A PUT or UploadPart is checked by the
 * primary first (bucket, upload, precondition), then its body is received here, into this worker's
 * own tmp/ directory, fdatasynced (files.ts), and the primary places and commits it; the answer
 * comes back only once the commit is durable. A GET is resolved and pinned by the primary, then the
 * segment files are streamed from here, and the pins go back when the stream closes.
 *
 * getBucket answers are kept here (every request asks for its bucket first: with the answer kept,
 * a small PUT, GET, HEAD or DELETE makes one round trip to the primary instead of two, issue 9).
 * A bucket's answer changes only with CreateBucket, DeleteBucket and PutObjectLockConfiguration,
 * and the primary tells every worker of each such change once it is durable and before the
 * request that made it is answered (store-owner.ts CHANGES_BUCKET_CONFIG, forgetBucket below), as
 * for the cached bucket policies. An answer that was under way while a change was told is used
 * for its request but not kept: it may describe the bucket from before the change.
 */
import { DataFiles, type ReceivedBody } from "../storage/embedded/files.js";
import { validateKey } from "../storage/keys.js";
import type { WorkerFiles } from "../storage/embedded/index.js";
import { readResult, type ResolvedObject } from "../storage/embedded/read-plan.js";
import type {
  Acl,
  BucketAccess,
  NewBucketOptions,
  ObjectOwnership,
  BucketInfo,
  BucketVersioning,
  DeleteCondition,
  DeleteOutcome,
  ListVersionsParams,
  ListVersionsResult,
  ObjectTags,
  ObjectToDelete,
  CompleteMultipartParams,
  CorsRule,
  PublicAccessBlock,
  LifecycleRule,
  DeleteObjectResult,
  GetObjectParams,
  GetObjectResult,
  IncomingBody,
  ListObjectsParams,
  ListObjectsResult,
  ListPartsParams,
  ListPartsResult,
  ListUploadsParams,
  ListUploadsResult,
  MultipartUploadParams,
  ObjectAttributesParams,
  ObjectAttributesResult,
  ObjectInfo,
  ObjectLock,
  ObjectLockConfiguration,
  ObjectPartInfo,
  ObjectRetention,
  PartInfo,
  PutObjectParams,
  StorageClient,
  UploadInfo,
} from "../storage/types.js";
import { StorageError } from "../storage/types.js";
import { HeldPins } from "./held-pins.js";
import { KeptReads } from "./kept-reads.js";
import { decodeError, type EncodedError, type RpcPeer } from "./rpc.js";

/** Buckets whose getBucket answer a worker keeps at most (beyond it, the oldest is dropped). */
const KEPT_BUCKETS = 10_000;

export class RemoteEmbeddedStore implements StorageClient {
  readonly name = "embedded";
  /** getBucket answers, by bucket name (see the header) */
  private readonly buckets = new Map<string, BucketInfo>();
  /** bumped by every forgetBucket: an answer asked for before a bump is not kept */
  private changes = 0;
  /** objects read here, kept under the primary's leases (kept-reads.ts) */
  readonly keptReads: KeptReads;
  /** the primary's pins on the files this worker's reads and kept answers may open (held-pins.ts) */
  readonly pins: HeldPins;

  private constructor(
    private readonly rpc: RpcPeer,
    private readonly files: DataFiles,
    private readonly inlineLimit: number,
  ) {
    this.pins = new HeldPins((ids) => this.rpc.note("unpin", ids));
    this.keptReads = new KeptReads((released) => this.rpc.note("releaseLeases", released), this.pins);
  }

  /** Asks the primary for this worker's receiving directory and the store's settings. */
  static async attach(rpc: RpcPeer): Promise<RemoteEmbeddedStore> {
    const w = await rpc.call<WorkerFiles>("attach");
    return new RemoteEmbeddedStore(rpc, new DataFiles(w.dataDir, { chmodFiles: w.chmodFiles, tmpDir: w.tmpDir, directWrites: w.directWrites }), w.inlineLimit);
  }

  listBuckets(): Promise<BucketInfo[]> {
    return this.rpc.call("listBuckets");
  }
  createBucket(name: string, owner: string, options?: NewBucketOptions): Promise<void> {
    return this.rpc.call("createBucket", name, owner, options);
  }
  async getBucket(name: string): Promise<BucketInfo> {
    const kept = this.buckets.get(name);
    // a copy: a caller may add to what it gets (authorize.ts adds checkObject)
    if (kept !== undefined) return { ...kept };
    const changes = this.changes;
    const info = await this.rpc.call<BucketInfo>("getBucket", name);
    if (changes === this.changes) {
      if (this.buckets.size >= KEPT_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
      this.buckets.set(name, { ...info });
    }
    return info;
  }

  /**
   * The primary's word that the bucket was created, deleted or its Object Lock configuration
   * changed (worker.ts bucketConfigChanged): its kept answer, and any answer under way, are stale.
   */
  forgetBucket(name: string): void {
    this.changes++;
    this.buckets.delete(name);
  }
  deleteBucket(name: string): Promise<void> {
    return this.rpc.call("deleteBucket", name);
  }

  async putObject(params: PutObjectParams, body: IncomingBody): Promise<ObjectInfo> {
    // The pre-check exists to refuse a body before it is read. Without a precondition all it checks
    // is the key's form (done here) and that the bucket exists, which the handler's ownership check
    // has just asked the primary; the commit checks both again. Skipping it saves a round trip to
    // the primary on every unconditional PUT (a third of a small PUT's calls).
    // Object Lock headers are checked first too: a bucket without Object Lock refuses them.
    if (params.ifMatch !== undefined || params.ifNoneMatch !== undefined || params.lock !== undefined) await this.rpc.call("checkPut", params);
    else validateKey(params.key);
    const received = await this.files.receive(body, this.inlineLimit);
    return this.commitReceived(this.rpc.call<ObjectInfo>("putReceived", params, received), received);
  }

  /**
   * The primary commits the received file or removes it; but when the call fails without reaching
   * it (the primary is gone), the file would stay. Removing it after any failure is safe: a file the
   * primary placed is no longer there, and ids are never reused.
   */
  private async commitReceived<T>(commit: Promise<T>, received: ReceivedBody): Promise<T> {
    try {
      return await commit;
    } catch (err) {
      if (!received.inline) await this.files.discardTemp(received.id, this.files.tmpDir);
      throw err;
    }
  }

  getBucketVersioning(bucket: string): Promise<BucketVersioning> {
    return this.rpc.call("getBucketVersioning", bucket);
  }
  putBucketVersioning(bucket: string, status: "Enabled" | "Suspended", mfaDelete?: "Disabled"): Promise<void> {
    return this.rpc.call("putBucketVersioning", bucket, status, mfaDelete);
  }

  headObject(bucket: string, key: string, partNumber?: number, versionId?: string): Promise<{ info: ObjectInfo; part?: ObjectPartInfo }> {
    const kept = partNumber === undefined && versionId === undefined ? this.keptReads.get(bucket, key) : undefined;
    // a copy: a caller may change what it gets
    if (kept !== undefined) return Promise.resolve({ info: { ...kept.info } });
    return this.rpc.call("headObject", bucket, key, partNumber, versionId);
  }

  async getObject(params: GetObjectParams): Promise<GetObjectResult> {
    const current = params.partNumber === undefined && params.versionId === undefined;
    let resolved = current ? this.keptReads.get(params.bucket, params.key) : undefined;
    if (resolved !== undefined) {
      // this read is one more holder of the kept answer's files, until its stream closes
      this.pins.hold(resolved.pinned);
    } else {
      const mark = this.keptReads.mark();
      resolved = await this.rpc.call<ResolvedObject>("resolveRead", params.bucket, params.key, params.partNumber, params.versionId, current);
      this.pins.adopt(resolved.pinned);
      if (current) this.keptReads.keep(params.bucket, params.key, resolved, mark);
    }
    return readResult(
      // a copy of what a caller may change; the segments and their bytes are only read
      { ...resolved, info: { ...resolved.info } },
      params,
      (id, start, end) => this.files.openRange(id, start, end),
      (ids) => this.pins.release(ids),
    );
  }

  /** The primary takes these keys back (read-leases.ts): answered once nothing kept of them is left. */
  revokeReads(ids: string[]): void {
    this.keptReads.revoke(ids);
  }

  getObjectAttributes(params: ObjectAttributesParams): Promise<ObjectAttributesResult> {
    return this.rpc.call("getObjectAttributes", params);
  }

  deleteObject(bucket: string, key: string, versionId?: string, condition?: DeleteCondition, bypassGovernance?: boolean): Promise<DeleteOutcome> {
    return this.rpc.call("deleteObject", bucket, key, versionId, condition, bypassGovernance);
  }
  /** The per-entry errors cross as data (store-owner.ts) and are StorageErrors again here. */
  async deleteObjects(bucket: string, objects: ObjectToDelete[]): Promise<DeleteObjectResult[]> {
    const results = await this.rpc.call<DeleteObjectResult[]>("deleteObjects", bucket, objects);
    return results.map((r) => (r.error === undefined ? r : { ...r, error: decodeError(r.error as unknown as EncodedError) as StorageError }));
  }
  listObjects(params: ListObjectsParams): Promise<ListObjectsResult> {
    return this.rpc.call("listObjects", params);
  }
  listObjectVersions(params: ListVersionsParams): Promise<ListVersionsResult> {
    return this.rpc.call("listObjectVersions", params);
  }

  getObjectTags(bucket: string, key: string, versionId?: string): Promise<ObjectTags> {
    return this.rpc.call("getObjectTags", bucket, key, versionId);
  }
  putObjectTags(bucket: string, key: string, tags: Record<string, string>, versionId?: string): Promise<{ versionId?: string }> {
    return this.rpc.call("putObjectTags", bucket, key, tags, versionId);
  }
  deleteObjectTags(bucket: string, key: string, versionId?: string): Promise<{ versionId?: string }> {
    return this.rpc.call("deleteObjectTags", bucket, key, versionId);
  }
  getBucketTags(bucket: string): Promise<Record<string, string> | undefined> {
    return this.rpc.call("getBucketTags", bucket);
  }
  putBucketTags(bucket: string, tags: Record<string, string>): Promise<void> {
    return this.rpc.call("putBucketTags", bucket, tags);
  }
  deleteBucketTags(bucket: string): Promise<void> {
    return this.rpc.call("deleteBucketTags", bucket);
  }
  getBucketPolicy(bucket: string): Promise<string | undefined> {
    return this.rpc.call("getBucketPolicy", bucket);
  }
  putBucketPolicy(bucket: string, policy: string): Promise<void> {
    return this.rpc.call("putBucketPolicy", bucket, policy);
  }
  deleteBucketPolicy(bucket: string): Promise<void> {
    return this.rpc.call("deleteBucketPolicy", bucket);
  }
  getPublicAccessBlock(bucket: string): Promise<PublicAccessBlock | undefined> {
    return this.rpc.call("getPublicAccessBlock", bucket);
  }
  putPublicAccessBlock(bucket: string, config: PublicAccessBlock): Promise<void> {
    return this.rpc.call("putPublicAccessBlock", bucket, config);
  }
  deletePublicAccessBlock(bucket: string): Promise<void> {
    return this.rpc.call("deletePublicAccessBlock", bucket);
  }
  getBucketCors(bucket: string): Promise<CorsRule[] | undefined> {
    return this.rpc.call("getBucketCors", bucket);
  }
  putBucketCors(bucket: string, rules: CorsRule[]): Promise<void> {
    return this.rpc.call("putBucketCors", bucket, rules);
  }
  deleteBucketCors(bucket: string): Promise<void> {
    return this.rpc.call("deleteBucketCors", bucket);
  }
  getBucketLifecycle(bucket: string): Promise<LifecycleRule[] | undefined> {
    return this.rpc.call("getBucketLifecycle", bucket);
  }
  putBucketLifecycle(bucket: string, rules: LifecycleRule[]): Promise<void> {
    return this.rpc.call("putBucketLifecycle", bucket, rules);
  }
  deleteBucketLifecycle(bucket: string): Promise<void> {
    return this.rpc.call("deleteBucketLifecycle", bucket);
  }

  getBucketAccess(bucket: string): Promise<BucketAccess> {
    return this.rpc.call("getBucketAccess", bucket);
  }
  putBucketAcl(bucket: string, acl: Acl): Promise<void> {
    return this.rpc.call("putBucketAcl", bucket, acl);
  }
  putBucketOwnership(bucket: string, ownership: ObjectOwnership | undefined): Promise<void> {
    return this.rpc.call("putBucketOwnership", bucket, ownership);
  }
  putObjectAcl(bucket: string, key: string, acl: Acl, versionId?: string): Promise<{ versionId?: string }> {
    return this.rpc.call("putObjectAcl", bucket, key, acl, versionId);
  }
  getObjectLockConfiguration(bucket: string): Promise<ObjectLockConfiguration | undefined> {
    return this.rpc.call("getObjectLockConfiguration", bucket);
  }
  putObjectLockConfiguration(bucket: string, config: ObjectLockConfiguration): Promise<void> {
    return this.rpc.call("putObjectLockConfiguration", bucket, config);
  }
  getObjectLock(bucket: string, key: string, versionId?: string): Promise<ObjectLock> {
    return this.rpc.call("getObjectLock", bucket, key, versionId);
  }
  putObjectRetention(bucket: string, key: string, retention: ObjectRetention | undefined, versionId?: string, bypassGovernance?: boolean): Promise<void> {
    return this.rpc.call("putObjectRetention", bucket, key, retention, versionId, bypassGovernance);
  }
  putObjectLegalHold(bucket: string, key: string, on: boolean, versionId?: string): Promise<void> {
    return this.rpc.call("putObjectLegalHold", bucket, key, on, versionId);
  }

  createMultipartUpload(params: MultipartUploadParams): Promise<UploadInfo> {
    return this.rpc.call("createMultipartUpload", params);
  }

  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: IncomingBody): Promise<PartInfo> {
    await this.rpc.call("checkPart", bucket, key, uploadId, partNumber);
    const received = await this.files.receive(body, this.inlineLimit);
    return this.commitReceived(this.rpc.call<PartInfo>("partReceived", { bucket, key, uploadId, partNumber }, received), received);
  }

  completeMultipartUpload(params: CompleteMultipartParams): Promise<ObjectInfo> {
    return this.rpc.call("completeMultipartUpload", params);
  }
  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    return this.rpc.call("abortMultipartUpload", bucket, key, uploadId);
  }
  listParts(params: ListPartsParams): Promise<ListPartsResult> {
    return this.rpc.call("listParts", params);
  }
  listMultipartUploads(params: ListUploadsParams): Promise<ListUploadsResult> {
    return this.rpc.call("listMultipartUploads", params);
  }

  checkReady(timeoutMs: number): Promise<void> {
    return this.rpc.call("checkReady", timeoutMs);
  }

  /** The primary removed segment `id`: the descriptor kept for reading it closes once unused. */
  forgetSegment(id: string): void {
    this.files.forgetDescriptor(id);
  }

  /**
   * The store itself belongs to the primary, which closes it after the last worker is gone; this
   * closes only the descriptors this worker kept for its reads.
   */
  async close(): Promise<void> {
    this.files.closeDescriptors();
  }
}
