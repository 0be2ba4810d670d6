/**
 * The StorageClient over Apache Ozone: buckets are buckets of the S3 volume (`s3v`), objects are
 * keys. Metadata goes to the Ozone Manager over gRPC (om-client.ts), bytes to and from datanodes
 * over gRPC (datanode-client.ts). docs/ozone-backend-notes.md has the protocol facts this follows.
 *
 * Writes go to STAND_ALONE pipelines over the datanode's gRPC port and to RATIS pipelines through
 * their Raft group (key-writer.ts, with a block writer per transport), and EC keys are striped over
 * their block groups' datanodes as Ozone's EC client stripes them (ec-key-writer.ts). Storage
 * classes map to replications as Ozone's gateway maps them (storage-class.ts). A replication the
 * cluster cannot place (SCM has no pipeline for RATIS/THREE on fewer than three datanodes, nor
 * for rs-3-2 on fewer than five) is UNAVAILABLE: the client may retry when the cluster has grown.
 * Reads work for every replication type (every replica serves the STANDALONE port); EC block
 * groups are read striped and rebuilt from parity when datanodes fail (ec-block-reader.ts).
 *
 * This file keeps object writes, deletes and tags; each other feature has its own module holding
 * the request's OzoneCore (store-core.ts: the OM call wrapper, the bucket check, key reads, the body
 * writer), with one-line delegations here: reads.ts HEAD, GET and GetObjectAttributes, buckets.ts
 * buckets and their ACLs, multipart.ts uploads and parts, listing.ts ListObjects and
 * ListObjectVersions, unsupported.ts what Ozone has no place for. A new feature gets a module too.
 */
import { randomUUID } from "node:crypto";
import { DEFAULTS, type OzoneConfig } from "../../config.js";
import { BucketConfigCache } from "../../bucket-config-cache.js";
import {
  type BucketAccess,
  StorageError,
  type CorsRule,
  type PublicAccessBlock,
  type LifecycleRule,
  type ObjectLock,
  type ObjectLockConfiguration,
  type BucketInfo,
  type BucketVersioning,
  type CompleteMultipartParams,
  type DeleteObjectResult,
  type DeleteCondition,
  type DeleteOutcome,
  type GetObjectParams,
  type GetObjectResult,
  type IncomingBody,
  type ListObjectsParams,
  type ListObjectsResult,
  type ListPartsParams,
  type ListPartsResult,
  type ListUploadsParams,
  type ListUploadsResult,
  type ListVersionsParams,
  type ListVersionsResult,
  type MultipartUploadParams,
  type ObjectAttributesParams,
  type ObjectAttributesResult,
  type NewBucketOptions,
  type ObjectInfo,
  type ObjectTags,
  type ObjectToDelete,
  type ObjectPartInfo,
  type PartInfo,
  type PutObjectParams,
  type RequestIdentity,
  type StorageClient,
  type UploadInfo,
  type Acl,
} from "../types.js";
import { etagHeaderMatches, validateKey } from "../keys.js";
import { invalidVersionId, isVersionId } from "../version-ids.js";
import { DatanodeClients } from "./datanode-client.js";
import { parseReplication, StorageClasses, storedUserMetadata } from "./storage-class.js";
import { RatisChannels } from "./ratis-group.js";
import { encodeMetadata, fromKeyValues, toKeyValues } from "./metadata.js";
import { OmClient, type OmMessage } from "./om-client.js";
import { SAME_NAMES, type OzonePrincipals } from "./acl.js";
import {
  notWritable,
  onlyNullVersion,
  OzoneCore,
  ratisClientsOf,
  resolvedReplication,
  versionNotFound,
  watchBody,
  writable,
  type Datanodes,
  type OzoneLogger,
  type OzoneShared,
  type OzoneBucketInfo,
  EMPTY_MD5,
} from "./store-core.js";
import { Buckets } from "./buckets.js";
import { checkFsoName, createDirectory, deleteFsoKey, deleteFsoKeys } from "./fso.js";
import { Listing } from "./listing.js";
import { Multipart } from "./multipart.js";
import { ObjectReads } from "./reads.js";
import { aclsNotSupported, conditionalDeleteNotSupported, refuseLockHeaders, Unsupported } from "./unsupported.js";

export type { Datanodes } from "./store-core.js";
export { ozoneMultipartEtag } from "./multipart.js";

export interface OzoneStoreOptions extends Pick<OzoneConfig, "omAddresses" | "volume" | "replication" | "requestTimeoutMs">, Partial<Pick<OzoneConfig, "ecSchemesAllowed" | "bucketLayout">> {
  /** where the store tells what an operator should know of (a write moved off a failed datanode) */
  logger?: OzoneLogger;
  /** who calls made outside a request (health checks) are from */
  serviceAccessKeyId: string;
  /** where datanode streams come from (default: gRPC channels; tests put faults in between) */
  datanodes?: Datanodes;
  /** how users are named in Ozone ACLs (ozone/acl.ts; default: names taken as they are) */
  principals?: OzonePrincipals;
  /** tells the gateway's other processes of a bucket created or deleted here (OzoneShared.onBucketChanged) */
  onBucketChanged?: (bucket: string) => Promise<void>;
}

export function openOzoneStore(opts: OzoneStoreOptions): OzoneStore {
  const replication = new Map(Object.entries(opts.replication).map(([cls, label]) => [cls, parseReplication(label)]));
  if (!replication.has("STANDARD")) replication.set("STANDARD", parseReplication("DEFAULT"));
  const ratis = new RatisChannels();
  const lagging = new Map<string, number>();
  const shared: OzoneShared = {
    om: new OmClient({ addresses: opts.omAddresses, timeoutMs: opts.requestTimeoutMs, clientId: `s3gw-${randomUUID()}` }),
    dn: opts.datanodes ?? new DatanodeClients(opts.requestTimeoutMs),
    ratis,
    ratisClients: ratisClientsOf(ratis, lagging, opts.requestTimeoutMs),
    lagging,
    ecCoders: new Map(),
    requestTimeoutMs: opts.requestTimeoutMs,
    volume: opts.volume,
    bucketLayout: opts.bucketLayout ?? DEFAULTS.ozone.bucketLayout,
    storageClasses: new StorageClasses(replication, new RegExp(opts.ecSchemesAllowed ?? DEFAULTS.ozone.ecSchemesAllowed)),
    service: { accessId: opts.serviceAccessKeyId, stringToSign: "", signature: "" },
    principals: opts.principals ?? SAME_NAMES,
    buckets: new BucketConfigCache<OzoneBucketInfo>(),
    ...(opts.onBucketChanged && { onBucketChanged: opts.onBucketChanged }),
    ...(opts.logger && { logger: opts.logger }),
  };
  return new OzoneStore(new OzoneCore(shared, shared.service));
}

export class OzoneStore implements StorageClient {
  readonly name = "ozone";
  /** Ozone's part records have no room for S3 checksums (see multipart.ts createMultipartUpload) */
  readonly partChecksums = false;
  /** Ozone keys have no retention or legal hold (unsupported.ts answers NOT_SUPPORTED for every lock call) */
  readonly objectLockSupported = false;

  private readonly listing: Listing;
  private readonly multipart: Multipart;
  private readonly unsupported: Unsupported;
  private readonly buckets: Buckets;
  private readonly reads: ObjectReads;

  constructor(private readonly core: OzoneCore) {
    this.listing = new Listing(core);
    this.multipart = new Multipart(core);
    this.unsupported = new Unsupported(core);
    this.buckets = new Buckets(core, this.listing, this.multipart);
    this.reads = new ObjectReads(core);
  }

  forRequest(identity: RequestIdentity): StorageClient {
    return new OzoneStore(new OzoneCore(this.core.shared, { accessId: identity.accessKeyId, stringToSign: identity.stringToSign, signature: identity.signature }));
  }

  /** Asks the OM for the S3 volume: proves the OM answers and the volume exists. */
  async checkVolume(timeoutMs?: number): Promise<void> {
    await this.core.shared.om.submit("InfoVolume", "infoVolumeRequest", { volumeName: this.core.volume }, this.core.auth, timeoutMs);
  }

  /** Ready when an OM leader answers for the S3 volume: one small call, not a listing. */
  checkReady(timeoutMs: number): Promise<void> {
    return this.checkVolume(timeoutMs);
  }

  // ---- buckets (buckets.ts) ------------------------------------------------------------------

  listBuckets(): Promise<BucketInfo[]> {
    return this.buckets.listBuckets();
  }

  createBucket(name: string, owner: string, options?: NewBucketOptions): Promise<void> {
    return this.buckets.createBucket(name, owner, options);
  }

  getBucket(name: string): Promise<BucketInfo> {
    return this.buckets.getBucket(name);
  }

  forgetBucket(name: string): void {
    this.buckets.forgetBucket(name);
  }

  deleteBucket(name: string): Promise<void> {
    return this.buckets.deleteBucket(name);
  }

  // ---- objects -------------------------------------------------------------------------------


  async putObject(params: PutObjectParams, body: IncomingBody): Promise<ObjectInfo> {
    const failed = watchBody(body);
    validateKey(params.key);
    if (params.acl !== undefined) throw aclsNotSupported();
    refuseLockHeaders(params.lock);
    const replication = this.core.replicationOf(params.storageClass, params.userMetadata);
    const size = body.expectedSize;
    if (await this.core.isFso(params.bucket)) {
      checkFsoName(params.key, size === 0);
      if (params.key.endsWith("/")) return this.putDirectory(params, body);
    }
    if (size !== 0 && !writable(replication.fields.type)) throw notWritable(replication.label, params.storageClass);
    const conditions = await this.core.conditionsOf(params.bucket, params.key, params.ifMatch, params.ifNoneMatch);
    const args = this.core.keyArgs(params.bucket, params.key, {
      dataSize: String(size ?? 0),
      ...replication.fields,
      metadata: encodeMetadata({ ...params, userMetadata: storedUserMetadata(params.userMetadata) }),
      tags: toKeyValues(params.tags),
      ownerName: params.owner,
      acls: [],
      ...conditions,
    });
    const created = await this.core.om("CreateKey", "createKeyRequest", { keyArgs: args });
    const info = created.createKeyResponse.keyInfo as OmMessage;
    const clientID = String(created.createKeyResponse.ID);
    const resolved = resolvedReplication(info);
    const preallocated = ((info.keyLocationList?.[0]?.keyLocations ?? []) as OmMessage[]).slice();
    const written = await this.core.writeBody(body, failed, resolved, params.storageClass, preallocated, (excludeList) =>
      this.core.om("AllocateBlock", "allocateBlockRequest", {
        keyArgs: this.core.keyArgs(params.bucket, params.key, { dataSize: String(size ?? 0), ...resolved }),
        clientID,
        excludeList,
      }).then((r) => r.allocateBlockResponse.keyLocation as OmMessage),
      { bucket: params.bucket, key: params.key },
    );
    const digests = body.digests();
    const etag = digests.md5.toString("hex");
    const raced = Object.keys(conditions).length > 0 ? { KEY_ALREADY_EXISTS: "CONFLICT", ETAG_MISMATCH: "CONFLICT", KEY_NOT_FOUND: "CONFLICT" } as const : undefined;
    await this.core.om(
      "CommitKey",
      "commitKeyRequest",
      {
        keyArgs: this.core.keyArgs(params.bucket, params.key, {
          dataSize: String(digests.size),
          keyLocations: written,
          metadata: encodeMetadata({ userMetadata: {}, etag, ...(digests.checksum && { checksum: digests.checksum }) }),
          ...resolved,
        }),
        clientID,
      },
      raced,
    );
    return {
      bucket: params.bucket,
      key: params.key,
      size: digests.size,
      etag,
      lastModified: new Date(),
      storageClass: params.storageClass,
      userMetadata: { ...storedUserMetadata(params.userMetadata) },
      tags: { ...params.tags },
      ...(digests.checksum && { checksum: digests.checksum }),
      owner: params.owner,
      ...systemOf(params),
    };
  }

  /**
   * PutObject of "d/" with an empty body in an FSO bucket: the directory d (fso.ts). Its metadata
   * and tags are not kept (a directory has none); it reads back as an empty object.
   */
  private async putDirectory(params: PutObjectParams, body: IncomingBody): Promise<ObjectInfo> {
    for await (const chunk of body.stream) {
      if ((chunk as Buffer).length > 0) checkFsoName(params.key, false);
    }
    const digests = body.digests();
    if (params.ifMatch !== undefined) {
      // the directory as it is now: an empty object while it exists
      const now = await this.core.keyInfo(params.bucket, params.key, true).catch(() => undefined);
      if (now === undefined || !etagHeaderMatches(params.ifMatch, EMPTY_MD5)) throw new StorageError("PRECONDITION_FAILED");
    }
    // If-None-Match ("*", or the ETag an existing directory reads with): only a new directory
    const createOnly = params.ifNoneMatch !== undefined && etagHeaderMatches(params.ifNoneMatch, EMPTY_MD5);
    await createDirectory(this.core, params.bucket, params.key, params.owner, createOnly);
    return {
      bucket: params.bucket,
      key: params.key,
      size: 0,
      etag: EMPTY_MD5,
      lastModified: new Date(),
      storageClass: params.storageClass,
      userMetadata: {},
      tags: {},
      ...(digests.checksum && { checksum: digests.checksum }),
      owner: params.owner,
    };
  }

  // ---- reads (reads.ts) ----------------------------------------------------------------------

  headObject(bucket: string, key: string, partNumber?: number, versionId?: string): Promise<{ info: ObjectInfo; part?: ObjectPartInfo }> {
    return this.reads.headObject(bucket, key, partNumber, versionId);
  }

  getObjectAttributes(params: ObjectAttributesParams): Promise<ObjectAttributesResult> {
    return this.reads.getObjectAttributes(params);
  }

  getObject(params: GetObjectParams): Promise<GetObjectResult> {
    return this.reads.getObject(params);
  }

  // ---- deletes -------------------------------------------------------------------------------

  async deleteObject(bucket: string, key: string, versionId?: string, condition?: DeleteCondition): Promise<DeleteOutcome> {
    if (condition !== undefined) throw conditionalDeleteNotSupported();
    onlyNullVersion(versionId);
    if (await this.core.isFso(bucket)) {
      await deleteFsoKey(this.core, bucket, key);
      return {};
    }
    try {
      await this.core.om("DeleteKey", "deleteKeyRequest", { keyArgs: this.core.keyArgs(bucket, key) });
    } catch (err) {
      if (err instanceof StorageError && err.kind === "KEY_NOT_FOUND") return {};
      throw err;
    }
    return {};
  }

  async deleteObjects(bucket: string, objects: ObjectToDelete[]): Promise<DeleteObjectResult[]> {
    const keys: string[] = [];
    const refused: DeleteObjectResult[] = [];
    for (const o of objects) {
      if (o.condition !== undefined) refused.push({ key: o.key, ...(o.versionId !== undefined && { requestedVersionId: o.versionId }), error: conditionalDeleteNotSupported() });
      else if (o.versionId === undefined || o.versionId === "null") keys.push(o.key);
      else refused.push({ key: o.key, requestedVersionId: o.versionId, error: isVersionId(o.versionId) ? versionNotFound(o.versionId) : invalidVersionId(o.versionId) });
    }
    const asked = new Map(objects.map((o) => [o.key, o.versionId]));
    const deleted = await this.deleteKeys(bucket, keys);
    return [...deleted.map((r) => (asked.get(r.key) === undefined ? r : { ...r, requestedVersionId: asked.get(r.key) })), ...refused];
  }

  private async deleteKeys(bucket: string, keys: string[]): Promise<DeleteObjectResult[]> {
    if (keys.length === 0) return [];
    // the OM's batch delete removes a directory of an FSO bucket with everything below it
    if (await this.core.isFso(bucket)) return deleteFsoKeys(this.core, bucket, keys);
    let r: OmMessage;
    try {
      r = await this.core.om("DeleteKeys", "deleteKeysRequest", { deleteKeys: { volumeName: this.core.volume, bucketName: bucket, keys } });
    } catch (err) {
      const e = err as { status?: string; response?: OmMessage };
      if (e.status !== "PARTIAL_DELETE" || e.response === undefined) throw err;
      r = e.response;
    }
    const failed = new Map<string, StorageError>();
    for (const e of (r.deleteKeysResponse?.errors ?? []) as OmMessage[]) {
      if (e.errorCode === "KEY_NOT_FOUND") continue;
      const kind = e.errorCode === "ACCESS_DENIED" || e.errorCode === "PERMISSION_DENIED" ? "ACCESS_DENIED" : undefined;
      failed.set(String(e.key), kind ? new StorageError(kind) : (new Error(`${e.errorCode}: ${e.errorMsg ?? ""}`) as StorageError));
    }
    return keys.map((key) => (failed.has(key) ? { key, error: failed.get(key)! } : { key }));
  }

  /** ListObjects (V1 and V2): listing.ts */
  listObjects(params: ListObjectsParams): Promise<ListObjectsResult> {
    return this.listing.listObjects(params);
  }

  // ---- tags ----------------------------------------------------------------------------------
  // Object tags are the key's own tags (KeyInfo.tags), read and replaced with the OM's S3 tagging
  // requests, as Ozone's gateway does (ObjectTaggingHandler): the two gateways see the same tags.
  // PutObjectTagging replaces the whole set in one OM transaction and keeps the key's modification
  // time (S3PutObjectTaggingRequest). Note the swapped request fields (om.ts, notes §2.2).

  async getObjectTags(bucket: string, key: string, versionId?: string): Promise<ObjectTags> {
    validateKey(key);
    onlyNullVersion(versionId);
    await this.fsoKeyNamed(bucket, key);
    const r = await this.core.om("GetObjectTagging", "getObjectTaggingRequest", { keyArgs: this.core.keyArgs(bucket, key) });
    return { tags: fromKeyValues(r.getObjectTaggingResponse?.tags) };
  }

  async putObjectTags(bucket: string, key: string, tags: Record<string, string>, versionId?: string): Promise<{ versionId?: string }> {
    validateKey(key);
    onlyNullVersion(versionId);
    await this.fsoKeyNamed(bucket, key);
    await this.core.om("PutObjectTagging", "putObjectTaggingRequest", { keyArgs: this.core.keyArgs(bucket, key, { tags: toKeyValues(tags) }) });
    return {};
  }

  async deleteObjectTags(bucket: string, key: string, versionId?: string): Promise<{ versionId?: string }> {
    validateKey(key);
    onlyNullVersion(versionId);
    await this.fsoKeyNamed(bucket, key);
    await this.core.om("DeleteObjectTagging", "deleteObjectTaggingRequest", { keyArgs: this.core.keyArgs(bucket, key) });
    return {};
  }

  /**
   * In an FSO bucket, KEY_NOT_FOUND unless the OM names the key as asked: its tagging requests
   * would act on the key the name normalizes to ("f/" tags the file f; fso.ts).
   */
  private async fsoKeyNamed(bucket: string, key: string): Promise<void> {
    if (await this.core.isFso(bucket)) await this.core.keyInfo(bucket, key, true);
  }

  // ---- versioning ----------------------------------------------------------------------------
  // Ozone 2.2.0 keeps one version of a key: a bucket there is what S3 calls never versioned, and
  // the one version of each key is "null" (onlyNullVersion); turning versioning on is refused.

  async getBucketVersioning(bucket: string): Promise<BucketVersioning> {
    await this.getBucket(bucket);
    return {};
  }

  async putBucketVersioning(bucket: string): Promise<void> {
    await this.getBucket(bucket);
    throw new StorageError("NOT_SUPPORTED", "bucket versioning", "Bucket versioning is not supported by the Apache Ozone backend: Ozone keeps one version of each key.");
  }

  /** Every object is its one version, "null", the latest (listing.ts). */
  listObjectVersions(params: ListVersionsParams): Promise<ListVersionsResult> {
    return this.listing.listObjectVersions(params);
  }

  // Ozone keeps no bucket tags, CORS rules, bucket policies, public access blocks, lifecycle rules
  // nor Object Lock: unsupported.ts answers for them (setting one 501, reading one as never set),
  // and says why.

  getBucketTags(bucket: string): Promise<Record<string, string> | undefined> {
    return this.unsupported.getBucketTags(bucket);
  }

  putBucketTags(): Promise<void> {
    return this.unsupported.putBucketTags();
  }

  deleteBucketTags(bucket: string): Promise<void> {
    return this.unsupported.deleteBucketTags(bucket);
  }

  getBucketCors(bucket: string): Promise<CorsRule[] | undefined> {
    return this.unsupported.getBucketCors(bucket);
  }

  putBucketCors(): Promise<void> {
    return this.unsupported.putBucketCors();
  }

  deleteBucketCors(bucket: string): Promise<void> {
    return this.unsupported.deleteBucketCors(bucket);
  }

  getBucketPolicy(bucket: string): Promise<string | undefined> {
    return this.unsupported.getBucketPolicy(bucket);
  }

  putBucketPolicy(): Promise<void> {
    return this.unsupported.putBucketPolicy();
  }

  deleteBucketPolicy(bucket: string): Promise<void> {
    return this.unsupported.deleteBucketPolicy(bucket);
  }

  getPublicAccessBlock(bucket: string): Promise<PublicAccessBlock | undefined> {
    return this.unsupported.getPublicAccessBlock(bucket);
  }

  putPublicAccessBlock(): Promise<void> {
    return this.unsupported.putPublicAccessBlock();
  }

  deletePublicAccessBlock(bucket: string): Promise<void> {
    return this.unsupported.deletePublicAccessBlock(bucket);
  }

  getBucketLifecycle(bucket: string): Promise<LifecycleRule[] | undefined> {
    return this.unsupported.getBucketLifecycle(bucket);
  }

  putBucketLifecycle(): Promise<void> {
    return this.unsupported.putBucketLifecycle();
  }

  deleteBucketLifecycle(bucket: string): Promise<void> {
    return this.unsupported.deleteBucketLifecycle(bucket);
  }

  getObjectLockConfiguration(bucket: string): Promise<ObjectLockConfiguration | undefined> {
    return this.unsupported.getObjectLockConfiguration(bucket);
  }

  putObjectLockConfiguration(bucket: string): Promise<void> {
    return this.unsupported.putObjectLockConfiguration(bucket);
  }

  getObjectLock(bucket: string): Promise<ObjectLock> {
    return this.unsupported.getObjectLock(bucket);
  }

  putObjectRetention(bucket: string): Promise<void> {
    return this.unsupported.putObjectRetention(bucket);
  }

  putObjectLegalHold(bucket: string): Promise<void> {
    return this.unsupported.putObjectLegalHold(bucket);
  }

  // Bucket ACLs are the bucket's Ozone ACLs (buckets.ts); every key has the default ACL and no
  // bucket has ownership controls (aclsNotSupported).

  getBucketAccess(bucket: string): Promise<BucketAccess> {
    return this.buckets.getBucketAccess(bucket);
  }

  putBucketAcl(bucket: string, acl: Acl): Promise<void> {
    return this.buckets.putBucketAcl(bucket, acl);
  }

  async putBucketOwnership(): Promise<void> {
    throw aclsNotSupported();
  }

  async putObjectAcl(): Promise<{ versionId?: string }> {
    throw aclsNotSupported();
  }

  // ---- multipart (multipart.ts) -------------------------------------------------------------

  createMultipartUpload(params: MultipartUploadParams): Promise<UploadInfo> {
    return this.multipart.createMultipartUpload(params);
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: IncomingBody): Promise<PartInfo> {
    return this.multipart.uploadPart(bucket, key, uploadId, partNumber, body);
  }

  completeMultipartUpload(params: CompleteMultipartParams): Promise<ObjectInfo> {
    return this.multipart.completeMultipartUpload(params);
  }

  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    return this.multipart.abortMultipartUpload(bucket, key, uploadId);
  }

  listParts(params: ListPartsParams): Promise<ListPartsResult> {
    return this.multipart.listParts(params);
  }

  listMultipartUploads(params: ListUploadsParams): Promise<ListUploadsResult> {
    return this.multipart.listMultipartUploads(params);
  }

  async close(): Promise<void> {
    this.core.shared.om.close();
    this.core.shared.dn.close();
    this.core.shared.ratisClients.close();
    this.core.shared.ratis.close();
  }
}

function systemOf(p: PutObjectParams): Partial<ObjectInfo> {
  const out: Partial<ObjectInfo> = {};
  for (const f of ["contentType", "contentEncoding", "contentLanguage", "contentDisposition", "cacheControl", "expires", "websiteRedirectLocation"] as const) {
    if (p[f] !== undefined) out[f] = p[f];
  }
  return out;
}
