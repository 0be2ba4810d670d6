/**
 * Buckets on Ozone: buckets of the S3 volume, made, found, listed and deleted with the OM's bucket
 * calls, and their ACLs, which are the bucket's Ozone ACLs (acl.ts). getBucket answers are kept 1 s
 * per process (store-core.ts OzoneCore.getBucket); a bucket created or deleted here is forgotten at
 * once, here and in the gateway's other processes.
 */
import type { Acl, BucketAccess, BucketInfo, NewBucketOptions } from "../types.js";
import { StorageError } from "../types.js";
import { ozoneAclsOf, ozoneObj, s3AclOf } from "./acl.js";
import { isLink, resolveLink } from "./bucket-links.js";
import type { Listing } from "./listing.js";
import type { Multipart } from "./multipart.js";
import type { OmMessage } from "./om-client.js";
import { bucketInfo, OM_PAGE, type OzoneCore } from "./store-core.js";
import { clearEmptyDirectories } from "./fso.js";
import { mapLimited } from "./map-limited.js";
import { aclsNotSupported, objectLockNotSupported } from "./unsupported.js";

/** How many bucket links ListBuckets resolves at once. */
const LINK_RESOLVERS = 8;

export class Buckets {
  constructor(
    private readonly core: OzoneCore,
    /** for a bucket Ozone will not delete while uploads are in progress (deleteBucket) */
    private readonly listing: Listing,
    private readonly multipart: Multipart,
  ) {}

  /**
   * The S3 volume's buckets this gateway serves: a link with its source's owner (bucket-links.ts:
   * one InfoBucket per hop), without broken links, which every other request answers as absent
   * (an encrypted bucket is listed: its requests answer 501 saying why).
   */
  async listBuckets(): Promise<BucketInfo[]> {
    const out: BucketInfo[] = [];
    let startKey = "";
    for (;;) {
      const r = await this.core.om("ListBuckets", "listBucketsRequest", { volumeName: this.core.volume, startKey, prefix: "", count: OM_PAGE });
      const page = (r.listBucketsResponse?.bucketInfo ?? []) as OmMessage[];
      // links resolved a few at a time (InfoBucket per hop); buckets that are not links cost nothing
      for (const b of await mapLimited(page, LINK_RESOLVERS, (b) => this.served(b))) {
        if (b === undefined) continue;
        const { fso: _fso, ...info } = bucketInfo(b);
        out.push(info);
      }
      if (page.length < OM_PAGE) return out;
      startKey = String(page[page.length - 1].bucketName);
    }
  }

  private async served(b: OmMessage): Promise<OmMessage | undefined> {
    try {
      return await resolveLink(b, (volume, name) => this.core.infoBucket(volume, name));
    } catch (err) {
      if (err instanceof StorageError && err.kind === "BUCKET_NOT_FOUND") return undefined;
      throw err;
    }
  }

  async createBucket(name: string, owner: string, options?: NewBucketOptions): Promise<void> {
    if (options?.objectLock === true) throw objectLockNotSupported();
    if (options?.access?.acl !== undefined || options?.access?.ownership !== undefined) throw aclsNotSupported();
    try {
      await this.createBucketOnce(name, owner);
    } finally {
      await this.bucketChanged(name);
    }
  }

  private async createBucketOnce(name: string, owner: string): Promise<void> {
    try {
      await this.core.om("CreateBucket", "createBucketRequest", {
        bucketInfo: {
          volumeName: this.core.volume,
          bucketName: name,
          isVersionEnabled: false,
          storageType: "DISK",
          bucketLayout: this.core.shared.bucketLayout,
          owner,
          acls: [],
        },
      });
    } catch (err) {
      if (err instanceof StorageError && err.kind === "BUCKET_ALREADY_EXISTS") {
        const existing = await this.getBucket(name).catch(() => undefined);
        if (existing?.owner === owner) throw new StorageError("BUCKET_ALREADY_OWNED");
      }
      throw err;
    }
  }

  getBucket(name: string): Promise<BucketInfo> {
    return this.core.getBucket(name);
  }

  forgetBucket(name: string): void {
    this.core.shared.buckets.forget(name);
  }

  /**
   * The bucket was created or deleted here (or the call failed, maybe after the OM acted): its kept
   * getBucket answer goes, here and, before the caller is answered, in the gateway's other
   * processes. Telling them may fail only when the gateway is going away; the change itself stands.
   */
  private async bucketChanged(name: string): Promise<void> {
    this.forgetBucket(name);
    await this.core.shared.onBucketChanged?.(name).catch(() => undefined);
  }

  async deleteBucket(name: string): Promise<void> {
    try {
      await this.deleteBucketOnce(name);
    } finally {
      await this.bucketChanged(name);
    }
  }

  private async deleteBucketOnce(name: string, directoriesCleared = false): Promise<void> {
    // A link: the OM deletes the link alone, whatever its source holds (Ozone's gateway so removes
    // a link to a bucket full of keys). S3 deletes only an empty bucket: so does this gateway. The
    // source bucket and its uploads stay.
    if (isLink(await this.core.bucketRecord(name))) {
      if ((await this.listing.listObjects({ bucket: name, maxKeys: 1 })).objects.length > 0) throw new StorageError("BUCKET_NOT_EMPTY");
      await this.core.om("DeleteBucket", "deleteBucketRequest", { volumeName: this.core.volume, bucketName: name });
      return;
    }
    try {
      await this.core.om("DeleteBucket", "deleteBucketRequest", { volumeName: this.core.volume, bucketName: name });
    } catch (err) {
      // Ozone refuses while uploads are in progress; S3 deletes a bucket that holds no object and
      // aborts its uploads. Only when there is no object: then abort them and try once more.
      if (!(err instanceof StorageError && err.kind === "BUCKET_NOT_EMPTY")) throw err;
      // An FSO bucket keeps the directories its keys were in (fso.ts): with no file left, S3's
      // bucket is empty; they go first, then the bucket, once.
      if (!directoriesCleared && (await this.core.isFso(name))) {
        const cleared = await clearEmptyDirectories(this.core, name);
        if (cleared === "files") throw err;
        if (cleared === "cleared") return this.deleteBucketOnce(name, true);
      }
      if ((await this.listing.listObjects({ bucket: name, maxKeys: 1 })).objects.length > 0) throw err;
      const { uploads } = await this.multipart.listMultipartUploads({ bucket: name, maxUploads: OM_PAGE });
      if (uploads.length === 0) throw err;
      for (const u of uploads) await this.multipart.abortMultipartUpload(name, u.key, u.uploadId).catch(() => {});
      await this.deleteBucketOnce(name, directoriesCleared);
    }
  }

  /** The bucket's ACL from its Ozone ACLs, which InfoBucket carries: one OM call (never kept, unlike getBucket's answer). */
  async getBucketAccess(bucket: string): Promise<BucketAccess> {
    const acl = s3AclOf((await this.core.bucketRecord(bucket)).acls ?? [], this.core.shared.principals);
    return acl === undefined ? {} : { acl };
  }

  /**
   * Replaces the bucket's Ozone ACLs (SetAcl), as Ozone's gateway does; first gives each grantee
   * the rights on the volume that reach the bucket (AddAcl, which merges them into what the user
   * has). Ozone's gateway also removes the grantee's other rights on the volume first; they are
   * kept here, as the volume is every bucket's.
   */
  async putBucketAcl(bucket: string, acl: Acl): Promise<void> {
    await this.getBucket(bucket);
    const { bucket: onBucket, volume: onVolume } = ozoneAclsOf(acl, this.core.shared.principals);
    for (const entry of onVolume) await this.core.om("AddAcl", "addAclRequest", { obj: ozoneObj(this.core.volume), acl: entry });
    await this.core.om("SetAcl", "setAclRequest", { obj: ozoneObj(this.core.volume, bucket), acl: onBucket });
  }
}
