/**
 * Multipart uploads on Ozone: an upload is the OM's multipart key (InitiateMultiPartUpload), a part
 * is a key written as any other (CreateKey, blocks, CommitMultiPartUpload) and the object is made
 * by CompleteMultiPartUpload. The OM keeps the upload's metadata, tags and replication from its
 * initiation; this module adds S3's checks of a part list and S3's paging of uploads and parts.
 */
import { createHash } from "node:crypto";
import {
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  checkExpectedSize,
  StorageError,
  type CompleteMultipartParams,
  type IncomingBody,
  type ListPartsParams,
  type ListPartsResult,
  type ListUploadsParams,
  type ListUploadsResult,
  type MultipartUploadParams,
  type ObjectInfo,
  type PartInfo,
  type UploadInfo,
} from "../types.js";
import { uploadChecksumType } from "../embedded/checksum.js";
import { normalizeEtag, validateKey } from "../keys.js";
import { checkFsoName } from "./fso.js";
import { storedUserMetadata } from "./storage-class.js";
import { encodeMetadata, toKeyValues } from "./metadata.js";
import type { OmMessage } from "./om-client.js";
import { latestLocations, ms, notWritable, OM_PAGE, resolvedReplication, watchBody, writable, type OzoneCore } from "./store-core.js";
import { aclsNotSupported, refuseLockHeaders } from "./unsupported.js";

/**
 * The ETag Ozone's OM gives a completed upload: the MD5 of the parts' hex ETags written one after
 * the other, "-N" (not AWS's MD5 of the binary digests). In 2.2.0 it covers every part uploaded,
 * also those the completion left out.
 */
export function ozoneMultipartEtag(partEtags: readonly string[]): string {
  return `${createHash("md5").update(partEtags.join("")).digest("hex")}-${partEtags.length}`;
}

export class Multipart {
  constructor(private readonly core: OzoneCore) {}

  async createMultipartUpload(params: MultipartUploadParams): Promise<UploadInfo> {
    validateKey(params.key);
    if (params.acl !== undefined) throw aclsNotSupported();
    refuseLockHeaders(params.lock);
    // The algorithm is taken (clients such as the AWS CLI ask for one by default) and each part is
    // verified against the checksum it arrives with, but Ozone's part records have no room for S3
    // checksums, so the object made from the parts gets none.
    const checksumType = uploadChecksumType(params.checksumAlgorithm, params.checksumType);
    const replication = this.core.replicationOf(params.storageClass, params.userMetadata);
    if (!writable(replication.fields.type)) throw notWritable(replication.label, params.storageClass);
    if (await this.core.isFso(params.bucket)) checkFsoName(params.key, false);
    const r = await this.core.om("InitiateMultiPartUpload", "initiateMultiPartUploadRequest", {
      keyArgs: this.core.keyArgs(params.bucket, params.key, {
        ...replication.fields,
        metadata: encodeMetadata({ ...params, userMetadata: storedUserMetadata(params.userMetadata) }),
        tags: toKeyValues(params.tags),
        ownerName: params.owner,
        acls: [],
      }),
    });
    return {
      bucket: params.bucket,
      key: params.key,
      uploadId: String(r.initiateMultiPartUploadResponse.multipartUploadID),
      initiated: new Date(),
      storageClass: params.storageClass,
      owner: params.owner,
      ...(params.checksumAlgorithm !== undefined && { checksumAlgorithm: params.checksumAlgorithm, checksumType }),
    };
  }

  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: IncomingBody): Promise<PartInfo> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new StorageError("INVALID_ARGUMENT", `part number ${partNumber}`);
    }
    const failed = watchBody(body);
    const size = body.expectedSize ?? 0;
    const multipart = { isMultipartKey: true, multipartUploadID: uploadId, multipartNumber: partNumber };
    const created = await this.core.om("CreateKey", "createKeyRequest", {
      keyArgs: this.core.keyArgs(bucket, key, { dataSize: String(size), ...multipart, acls: [] }),
    });
    const info = created.createKeyResponse.keyInfo as OmMessage;
    const clientID = String(created.createKeyResponse.ID);
    const resolved = resolvedReplication(info);
    const written = await this.core.writeBody(body, failed, resolved, "of this upload", [], (excludeList) =>
      this.core.om("AllocateBlock", "allocateBlockRequest", {
        keyArgs: this.core.keyArgs(bucket, key, { dataSize: String(size), ...resolved, ...multipart }),
        clientID,
        excludeList,
      }).then((r) => r.allocateBlockResponse.keyLocation as OmMessage),
      { bucket, key, partNumber },
    );
    const digests = body.digests();
    const etag = digests.md5.toString("hex");
    await this.core.om("CommitMultiPartUpload", "commitMultiPartUploadRequest", {
      keyArgs: this.core.keyArgs(bucket, key, {
        dataSize: String(digests.size),
        ...multipart,
        keyLocations: written,
        metadata: [{ key: "ETag", value: etag }],
        ...resolved,
      }),
      clientID,
    });
    return { partNumber, size: digests.size, etag, lastModified: new Date(), ...(digests.checksum && { checksum: digests.checksum }) };
  }

  async completeMultipartUpload(params: CompleteMultipartParams): Promise<ObjectInfo> {
    if (params.expectedChecksum !== undefined) {
      throw new StorageError(
        "NOT_SUPPORTED",
        "multipart object checksum",
        "The Ozone backend keeps no part checksums, so it cannot verify the object checksum stated on completion.",
      );
    }
    if (params.parts.length === 0) throw new StorageError("INVALID_ARGUMENT", "a completion needs at least one part");
    const conditions = await this.core.conditionsOf(params.bucket, params.key, params.ifMatch, params.ifNoneMatch);
    const partsList = params.parts.map((p) => {
      const etag = normalizeEtag(p.etag);
      return { partNumber: p.partNumber, partName: etag, eTag: etag };
    });
    try {
      await this.checkPartList(params);
      await this.core.om("CompleteMultiPartUpload", "completeMultiPartUploadRequest", {
        // the OM takes the object's owner from here, not from the upload
        keyArgs: this.core.keyArgs(params.bucket, params.key, { multipartUploadID: params.uploadId, ownerName: this.core.auth.accessId, acls: [], ...conditions }),
        partsList,
      });
    } catch (err) {
      // A retried completion whose first answer was lost: the upload is gone, the object it made is there.
      if (!(err instanceof StorageError && err.kind === "UPLOAD_NOT_FOUND")) throw err;
      // Ozone keeps no link from an object to the upload that made it: answer when the key's
      // current object is what these parts make.
      const k = await this.core.keyInfo(params.bucket, params.key, false).catch(() => undefined);
      if (k === undefined) throw err;
      const existing = this.core.objectInfo(params.bucket, params.key, k);
      const numbers = [...new Set(latestLocations(k).map((l) => Number(l.partNumber ?? -1)))];
      const listed = partsList.map((p) => p.partNumber);
      if (existing.etag !== ozoneMultipartEtag(partsList.map((p) => p.eTag)) || numbers.join() !== listed.join()) throw err;
      checkExpectedSize(params.expectedSize, existing.size);
      return existing;
    }
    return this.core.currentObject(params.bucket, params.key);
  }

  /**
   * S3's checks of a part list, in S3's order (the OM makes them too, but in another order and
   * with other answers for some lists): ascending numbers, every part uploaded with that ETag,
   * every part but the last at least 5 MiB.
   */
  private async checkPartList(params: CompleteMultipartParams): Promise<void> {
    for (let i = 1; i < params.parts.length; i++) {
      if (params.parts[i].partNumber <= params.parts[i - 1].partNumber) throw new StorageError("INVALID_PART_ORDER");
    }
    const uploaded = new Map<number, PartInfo>();
    let marker = 0;
    for (;;) {
      const page = await this.listParts({ bucket: params.bucket, key: params.key, uploadId: params.uploadId, partNumberMarker: marker, maxParts: OM_PAGE });
      for (const p of page.parts) uploaded.set(p.partNumber, p);
      if (!page.isTruncated || page.nextPartNumberMarker === undefined) break;
      marker = page.nextPartNumberMarker;
    }
    const chosen = params.parts.map((listed) => {
      const part = uploaded.get(listed.partNumber);
      if (part === undefined || normalizeEtag(listed.etag) !== part.etag) {
        const why = part === undefined ? "was not uploaded" : `was uploaded with ETag ${part.etag}`;
        throw new StorageError("INVALID_PART", `part ${listed.partNumber} ${why}, not with ETag ${listed.etag}`, undefined, { partNumber: listed.partNumber, etag: listed.etag });
      }
      return part;
    });
    for (let i = 0; i < chosen.length - 1; i++) {
      if (chosen[i].size < MIN_PART_SIZE) throw new StorageError("ENTITY_TOO_SMALL");
    }
    checkExpectedSize(params.expectedSize, chosen.reduce((n, p) => n + p.size, 0));
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.core.om("AbortMultiPartUpload", "abortMultiPartUploadRequest", {
      keyArgs: this.core.keyArgs(bucket, key, { multipartUploadID: uploadId }),
    });
  }

  async listParts(params: ListPartsParams): Promise<ListPartsResult> {
    const r = await this.core.om("ListMultiPartUploadParts", "listMultipartUploadPartsRequest", {
      volume: this.core.volume,
      bucket: params.bucket,
      key: params.key,
      uploadID: params.uploadId,
      partNumbermarker: params.partNumberMarker ?? 0,
      maxParts: Math.max(params.maxParts, 1),
    });
    const res = r.listMultipartUploadPartsResponse as OmMessage;
    const parts: PartInfo[] = ((res.partsList ?? []) as OmMessage[]).slice(0, params.maxParts).map((p) => ({
      partNumber: Number(p.partNumber),
      size: Number(p.size),
      etag: String(p.eTag ?? p.partName ?? ""),
      lastModified: ms(p.modificationTime),
    }));
    const upload = await this.findUpload(params.bucket, params.key, params.uploadId, res);
    const truncated = params.maxParts === 0 ? (res.partsList ?? []).length > 0 : Boolean(res.isTruncated);
    return {
      upload,
      parts,
      isTruncated: truncated,
      ...(truncated && parts.length > 0 && { nextPartNumberMarker: parts[parts.length - 1].partNumber }),
    };
  }

  /** The upload's own record (initiation time), which ListMultiPartUploadParts does not carry. */
  private async findUpload(bucket: string, key: string, uploadId: string, partsResponse: OmMessage): Promise<UploadInfo> {
    let keyMarker = "";
    let uploadIdMarker = "";
    for (;;) {
      const page = await this.uploadsPage(bucket, key, keyMarker, uploadIdMarker, OM_PAGE);
      for (const u of page.uploads) {
        if (u.key === key && u.uploadId === uploadId) return u;
        if (u.key > key) break;
      }
      if (!page.isTruncated) break;
      keyMarker = page.nextKeyMarker;
      uploadIdMarker = page.nextUploadIdMarker;
    }
    return {
      bucket,
      key,
      uploadId,
      initiated: new Date(0),
      storageClass: this.core.storageClassOf(partsResponse),
      owner: this.core.auth.accessId,
    };
  }

  private async uploadsPage(bucket: string, prefix: string, keyMarker: string, uploadIdMarker: string, max: number) {
    const r = await this.core.om("ListMultipartUploads", "listMultipartUploadsRequest", {
      volume: this.core.volume,
      bucket,
      prefix,
      keyMarker,
      uploadIdMarker,
      maxUploads: max,
      withPagination: true,
    });
    const res = r.listMultipartUploadsResponse as OmMessage;
    const uploads: UploadInfo[] = ((res.uploadsList ?? []) as OmMessage[]).map((u) => ({
      bucket,
      key: String(u.keyName),
      uploadId: String(u.uploadId),
      initiated: ms(u.creationTime),
      storageClass: this.core.storageClassOf(u),
      owner: this.core.auth.accessId,
    }));
    return {
      uploads,
      isTruncated: Boolean(res.isTruncated),
      nextKeyMarker: String(res.nextKeyMarker ?? ""),
      nextUploadIdMarker: String(res.nextUploadIdMarker ?? ""),
    };
  }

  async listMultipartUploads(params: ListUploadsParams): Promise<ListUploadsResult> {
    const prefix = params.prefix ?? "";
    const delimiter = params.delimiter ?? "";
    const uploads: UploadInfo[] = [];
    const commonPrefixes: string[] = [];
    if (params.maxUploads === 0) {
      await this.core.getBucket(params.bucket);
      return { uploads, commonPrefixes, isTruncated: false };
    }
    let keyMarker = params.keyMarker ?? "";
    let uploadIdMarker = params.uploadIdMarker ?? "";
    let lastKey = "";
    let lastId = "";
    for (;;) {
      const page = await this.uploadsPage(params.bucket, prefix, keyMarker, uploadIdMarker, OM_PAGE);
      for (const u of page.uploads) {
        // the OM treats the markers as inclusive of keyMarker's later uploads; S3 skips keyMarker entirely without an upload id marker
        if (params.keyMarker !== undefined && params.uploadIdMarker === undefined && u.key <= params.keyMarker) continue;
        const d = delimiter ? u.key.indexOf(delimiter, prefix.length) : -1;
        const cp = d >= 0 ? u.key.slice(0, d + delimiter.length) : undefined;
        if (cp !== undefined && cp === commonPrefixes[commonPrefixes.length - 1]) continue;
        if (uploads.length + commonPrefixes.length >= params.maxUploads) {
          return { uploads, commonPrefixes, isTruncated: true, nextKeyMarker: lastKey, ...(lastId && { nextUploadIdMarker: lastId }) };
        }
        if (cp !== undefined) {
          commonPrefixes.push(cp);
          lastKey = cp;
          lastId = "";
        } else {
          uploads.push(u);
          lastKey = u.key;
          lastId = u.uploadId;
        }
      }
      if (!page.isTruncated || page.uploads.length === 0) return { uploads, commonPrefixes, isTruncated: false };
      keyMarker = page.nextKeyMarker;
      uploadIdMarker = page.nextUploadIdMarker;
    }
  }
}
