/**
 * Multipart uploads in the embedded store: uploads and their parts (each part a segment, like a
 * PUT's body), completion without copying bytes, abort, and the two listings. The write protocol is
 * store.ts's; StoreCore (store-core.ts) runs the transactions.
 */
import { createHash, randomBytes } from "node:crypto";

import {
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  checkExpectedSize,
  StorageError,
  type Checksum,
  type CompleteMultipartParams,
  type CompletedPart,
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
import { DEFAULT_CHECKSUM } from "../../auth/checksums.js";
import { checksumMatches, multipartChecksum, uploadChecksumType } from "./checksum.js";
import type { ReceivedBody } from "./files.js";
import { immediateSuccessor, listEntries, lowerBound, type Position } from "./listing.js";
import { lockOfNewVersion } from "./object-lock.js";
import { parseChecksum, parseDefaultChecksum, pickSystemMetadata, toPartInfo, toUploadInfo, uploadChecksumTypeOf, type StoredMeta } from "./rows.js";
import type { UploadRow } from "./statements.js";
import { conditionFailure, validateMax, type StoreCore } from "./store-core.js";
import { normalizeEtag, validateKey } from "../keys.js";

/** Which part an UploadPart writes. */
export interface PartTarget {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
}

/**
 * How long a completed upload is remembered, so that a retried completion gets its answer
 * (completeMultipartUpload). A retry comes within seconds or minutes of the lost answer; a day
 * covers a client that retries after its own restart, and keeps the table small.
 */
export const COMPLETED_UPLOAD_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Expired completion records removed by each completion, at most: bounded work per transaction. */
const EXPIRED_RECORDS_PER_COMPLETION = 100;

export class Multipart {
  constructor(private readonly core: StoreCore) {}


  async createMultipartUpload(params: MultipartUploadParams): Promise<UploadInfo> {
    this.core.enter();
    validateKey(params.key);
    const checksumType = uploadChecksumType(params.checksumAlgorithm, params.checksumType);
    const initiated = Date.now();
    const uploadId = newUploadId(initiated);
    await this.core.commit(() => {
      this.core.requireBucket(params.bucket);
      // refused now if the bucket has no Object Lock; the bucket's default applies at completion
      lockOfNewVersion(this.core.objectLocks.read(params.bucket), params.lock, initiated);
      this.core.st.insertUpload.run(
        uploadId,
        params.bucket,
        params.key,
        initiated,
        params.storageClass,
        params.owner,
        params.checksumAlgorithm ?? null,
        JSON.stringify({
          system: pickSystemMetadata(params),
          user: params.userMetadata,
          tags: params.tags,
          ...(checksumType !== undefined && { checksumType }),
          ...(params.acl !== undefined && { acl: params.acl }),
          ...(params.lock !== undefined && { lock: params.lock }),
        } satisfies StoredMeta),
      );
      return { result: undefined, discard: [] };
    });
    return {
      bucket: params.bucket,
      key: params.key,
      uploadId,
      initiated: new Date(initiated),
      storageClass: params.storageClass,
      owner: params.owner,
      ...(params.checksumAlgorithm !== undefined && { checksumAlgorithm: params.checksumAlgorithm, checksumType }),
    };
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: IncomingBody,
  ): Promise<PartInfo> {
    this.core.enter();
    await this.checkPartNow(bucket, key, uploadId, partNumber);
    const received = await this.core.files.receive(body, this.core.inlineLimit);
    return this.commitPart({ bucket, key, uploadId, partNumber }, received, this.core.files.tmpDir);
  }

  /** The checks of an UploadPart before its body is read, for a worker process (see checkPut). */
  async checkPart(bucket: string, key: string, uploadId: string, partNumber: number): Promise<void> {
    this.core.enter();
    return this.checkPartNow(bucket, key, uploadId, partNumber);
  }

  private async checkPartNow(bucket: string, key: string, uploadId: string, partNumber: number): Promise<void> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new StorageError("INVALID_ARGUMENT", `part number must be an integer from 1 to ${MAX_PART_NUMBER}`);
    }
    await this.core.check(() => {
      this.core.requireBucket(bucket);
      this.core.requireUpload(uploadId, bucket, key);
    });
  }

  /** Commits an UploadPart whose body a worker received into `tmpDir` (see putReceived). */
  async partReceived(target: PartTarget, received: ReceivedBody, tmpDir: string): Promise<PartInfo> {
    this.core.enterWith(received, tmpDir);
    const { partNumber } = target;
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      await this.core.dropReceived(received, tmpDir);
      throw new StorageError("INVALID_ARGUMENT", `part number must be an integer from 1 to ${MAX_PART_NUMBER}`);
    }
    return this.commitPart(target, received, tmpDir);
  }

  private async commitPart(target: PartTarget, received: ReceivedBody, tmpDir: string): Promise<PartInfo> {
    const { bucket, key, uploadId, partNumber } = target;
    const { size, md5, checksum } = received.digests;
    const dir = await this.core.place(received, tmpDir);
    return this.core.commit(() => {
      this.core.requireBucket(bucket);
      this.core.requireUpload(uploadId, bucket, key); // aborted or completed while the body streamed?
      const previous = this.core.st.getPart.get(uploadId, partNumber);
      const discard: string[] = [];
      if (previous !== undefined) this.core.deleteSegment(previous.segment_id, discard);
      const now = Date.now();
      const segmentId = this.core.insertSegment(received, now);
      this.core.st.upsertPart.run(uploadId, partNumber, segmentId);
      const info: PartInfo = {
        partNumber,
        size,
        etag: md5.toString("hex"),
        lastModified: new Date(now),
        ...(checksum !== undefined && { checksum }),
      };
      return { result: info, discard };
    }, received, dir);
  }

  /**
   * Makes the object from the listed parts without copying bytes: its segments are the parts'
   * segment files, in the listed order. Checks follow S3: the part list (order, then each part,
   * then sizes), then the preconditions, then the checksum the client expects; all of them run in
   * the transaction that commits, before it changes anything, so a refusal leaves the upload and
   * its parts as they were.
   *
   * Retries: S3 lets a client repeat a completion whose answer it lost (a timeout, a dropped
   * connection). The transaction that completes an upload also records it in completed_uploads
   * (upload id -> bucket, key, the version made, a hash of the part list), so a crash never keeps
   * one without the other. Completing that upload id again with the same part list answers the
   * object it made, unchanged, as long as that version is still the key's current one; the retry
   * changes nothing and re-checks no precondition (If-None-Match: * would refuse the very object
   * the first attempt made), but an expected checksum must still match the object's. Anything else
   * about a completed upload (another part list, the object since overwritten or deleted, another
   * key, a record older than COMPLETED_UPLOAD_RETENTION_MS) is UPLOAD_NOT_FOUND, as S3 answers
   * NoSuchUpload.
   */
  async completeMultipartUpload(params: CompleteMultipartParams): Promise<ObjectInfo> {
    this.core.enter();
    validateKey(params.key);
    if (this.core.st.getUpload.get(params.uploadId) === undefined) {
      // not in progress: a retry, answered by a read, or an unknown upload
      return this.core.observe(() => {
        this.core.requireBucket(params.bucket);
        return this.completedObject(params);
      });
    }
    return this.core.commit(() => {
      this.core.requireBucket(params.bucket);
      // a concurrent completion of the same upload may have committed since the check above
      if (this.core.st.getUpload.get(params.uploadId) === undefined) return { result: this.completedObject(params), discard: [] };
      const upload = this.core.requireUpload(params.uploadId, params.bucket, params.key);
      if (params.parts.length === 0) {
        throw new StorageError("INVALID_ARGUMENT", "a multipart upload is completed with at least one part");
      }
      for (let i = 1; i < params.parts.length; i++) {
        if (params.parts[i].partNumber <= params.parts[i - 1].partNumber) throw new StorageError("INVALID_PART_ORDER");
      }
      const uploaded = new Map(this.core.st.partsOfUpload.all(params.uploadId).map((p) => [p.part_number, p]));
      const chosen = params.parts.map((listed) => {
        const part = uploaded.get(listed.partNumber);
        if (part === undefined || normalizeEtag(listed.etag) !== part.md5.toString("hex")) {
          const why = part === undefined ? "was not uploaded" : `was uploaded with ETag ${part.md5.toString("hex")}`;
          throw new StorageError("INVALID_PART", `part ${listed.partNumber} ${why}, not with ETag ${listed.etag}`, undefined, { partNumber: listed.partNumber, etag: listed.etag });
        }
        return part;
      });
      for (let i = 0; i < chosen.length - 1; i++) {
        if (chosen[i].size < MIN_PART_SIZE) {
          throw new StorageError("ENTITY_TOO_SMALL", `part ${chosen[i].part_number} is smaller than ${MIN_PART_SIZE} bytes`);
        }
      }
      const current = this.core.st.getObject.get(params.bucket, params.key);
      const failure = conditionFailure(current, params);
      if (failure !== undefined) throw new StorageError(failure);

      // ETag as AWS computes it: MD5 over the concatenated binary MD5s of the parts, then "-N".
      const etag = `${createHash("md5").update(Buffer.concat(chosen.map((p) => p.md5))).digest("hex")}-${chosen.length}`;
      const uploadMeta = JSON.parse(upload.meta) as StoredMeta;
      // An upload created without an algorithm makes an object with S3's default checksum, from
      // the CRC64NVME its parts got besides (not when a part predates that: then none), and a
      // checksum its completion states is not checked (S3 ignores it: versitygw's suite,
      // CompleteMultipartUpload_should_ignore_the_final_checksum).
      const byDefault = upload.checksum_algorithm === null;
      const checksum = byDefault
        ? multipartChecksum(DEFAULT_CHECKSUM, "FULL_OBJECT", chosen.map((p) => ({ size: p.size, checksum: parseDefaultChecksum(p.checksum) })))
        : multipartChecksum(upload.checksum_algorithm!, uploadChecksumTypeOf(upload), chosen.map((p) => ({ size: p.size, checksum: parseChecksum(p.checksum) })));
      if (!byDefault) verifyExpectedChecksum(params.expectedChecksum, checksum, chosen.length);
      const size = chosen.reduce((n, p) => n + p.size, 0);
      checkExpectedSize(params.expectedSize, size);

      const { state, discard } = this.core.makeRoom(params.bucket, params.key, current);
      // parts not listed are dropped with the upload; the chosen ones now belong to the object
      const chosenIds = new Set(chosen.map((p) => p.segment_id));
      for (const part of uploaded.values()) {
        if (!chosenIds.has(part.segment_id)) this.core.deleteSegment(part.segment_id, discard);
      }
      this.core.st.deletePartsOfUpload.run(params.uploadId);
      this.core.st.deleteUpload.run(params.uploadId);
      const now = Date.now();
      const row = this.core.insertVersion(
        {
          bucket: params.bucket,
          key: params.key,
          storageClass: upload.storage_class,
          owner: upload.owner,
          userMetadata: uploadMeta.user,
          tags: uploadMeta.tags,
          ...(uploadMeta.acl !== undefined && { acl: uploadMeta.acl }),
          ...uploadMeta.system,
          ...(uploadMeta.lock !== undefined && { lock: uploadMeta.lock }),
        },
        {
          size,
          etag,
          checksum,
          checksumByDefault: byDefault,
          partsCount: chosen.length,
          lastModified: now,
        },
        chosen,
        state === "Enabled",
      );
      this.core.st.deleteExpiredCompletedUploads.run(now - COMPLETED_UPLOAD_RETENTION_MS, EXPIRED_RECORDS_PER_COMPLETION);
      this.core.st.insertCompletedUpload.run(params.uploadId, params.bucket, params.key, row.vid, partsHash(params.parts), now);
      return { result: this.core.infoOf(row, state), discard };
    });
  }

  /**
   * The answer to a retried completion of an upload that is no longer in progress: the object its
   * completion made, if the record says so (see completeMultipartUpload); UPLOAD_NOT_FOUND otherwise.
   */
  private completedObject(params: CompleteMultipartParams): ObjectInfo {
    const record = this.core.st.getCompletedUpload.get(params.uploadId);
    const current = record === undefined ? undefined : this.core.st.getObject.get(params.bucket, params.key);
    if (
      record === undefined ||
      record.bucket !== params.bucket ||
      record.key !== params.key ||
      record.completed < Date.now() - COMPLETED_UPLOAD_RETENTION_MS ||
      !record.parts_hash.equals(partsHash(params.parts)) ||
      current === undefined ||
      current.vid !== record.vid
    ) {
      throw new StorageError("UPLOAD_NOT_FOUND");
    }
    const info = this.core.infoOf(current, this.core.versions.status(params.bucket));
    // as the completion did (completeMultipartUpload): an upload without an algorithm checks none
    const byDefault = info.checksum === undefined || (JSON.parse(current.meta) as StoredMeta).checksumByDefault === true;
    if (!byDefault) verifyExpectedChecksum(params.expectedChecksum, info.checksum, current.parts_count ?? 1);
    checkExpectedSize(params.expectedSize, info.size);
    return info;
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.core.requireBucket(bucket);
      this.core.requireUpload(uploadId, bucket, key);
      return { result: undefined, discard: this.core.dropUpload(uploadId) };
    });
  }

  async listParts(params: ListPartsParams): Promise<ListPartsResult> {
    this.core.enter();
    validateMax(params.maxParts, "maxParts");
    return this.core.observe(() => this.listPartsNow(params));
  }

  private listPartsNow(params: ListPartsParams): ListPartsResult {
    this.core.requireBucket(params.bucket);
    const upload = this.core.requireUpload(params.uploadId, params.bucket, params.key);
    const rows =
      params.maxParts === 0 ? [] : this.core.st.partsPage.all(params.uploadId, params.partNumberMarker ?? 0, params.maxParts + 1);
    const isTruncated = rows.length > params.maxParts;
    if (isTruncated) rows.length = params.maxParts;
    return {
      upload: toUploadInfo(upload),
      parts: rows.map(toPartInfo),
      isTruncated,
      ...(isTruncated && { nextPartNumberMarker: rows[rows.length - 1].part_number }),
    };
  }

  /**
   * Uploads in (key, upload id) order. Upload ids begin with the initiation time in fixed-width hex
   * (newUploadId), so that order is "by key, then initiation time, then id", and a marker upload id
   * keeps its place even after that upload is gone.
   */
  async listMultipartUploads(params: ListUploadsParams): Promise<ListUploadsResult> {
    this.core.enter();
    validateMax(params.maxUploads, "maxUploads");
    return this.core.observe(() => this.listMultipartUploadsNow(params));
  }

  private listMultipartUploadsNow(params: ListUploadsParams): ListUploadsResult {
    this.core.requireBucket(params.bucket);
    const prefix = params.prefix ?? "";
    // AWS: without key-marker, upload-id-marker is ignored
    let fromMarker: Position | undefined;
    if (params.keyMarker !== undefined) {
      fromMarker =
        params.uploadIdMarker !== undefined && params.uploadIdMarker !== ""
          ? { key: params.keyMarker, id: immediateSuccessor(params.uploadIdMarker) }
          : { key: immediateSuccessor(params.keyMarker), id: "" };
    }
    const page = listEntries<UploadRow>(
      {
        prefix,
        delimiter: params.delimiter,
        lower: lowerBound(prefix, fromMarker),
        markerKey: params.keyMarker,
        max: params.maxUploads,
        scan: (lower, upperKey, limit) =>
          upperKey === undefined
            ? this.core.st.listUploads.iterate(params.bucket, lower.key, lower.id, limit)
            : this.core.st.listUploadsBounded.iterate(params.bucket, lower.key, lower.id, upperKey, limit),
      },
      this.core.counters,
    );
    const result: ListUploadsResult = { uploads: [], commonPrefixes: [], isTruncated: page.truncated };
    for (const entry of page.entries) {
      if (entry.prefix !== undefined) result.commonPrefixes.push(entry.prefix);
      else result.uploads.push(toUploadInfo(entry.row));
    }
    if (page.truncated) {
      const last = page.entries[page.entries.length - 1];
      if (last.prefix !== undefined) {
        result.nextKeyMarker = last.prefix;
      } else {
        result.nextKeyMarker = last.row.key;
        result.nextUploadIdMarker = last.row.upload_id;
      }
    }
    return result;
  }
}

// ---------------------------------------------------------------- helpers

/**
 * An upload id: the initiation time in milliseconds as 12 hex digits (fixed width until the year
 * 10889, so string order is time order), then 96 random bits. URL-safe, unguessable.
 */
function newUploadId(initiated: number): string {
  return initiated.toString(16).padStart(12, "0") + randomBytes(12).toString("hex");
}

/**
 * BAD_DIGEST unless the object checksum the client expects is `computed`. Without a computed
 * checksum (the upload has no algorithm, or some part has no checksum of it) nothing can match.
 */
function verifyExpectedChecksum(
  expected: CompleteMultipartParams["expectedChecksum"],
  computed: Checksum | undefined,
  partsCount: number,
): void {
  if (expected === undefined) return;
  if (computed === undefined) {
    throw new StorageError("BAD_DIGEST", `the object has no ${expected.algorithm} checksum to compare with`);
  }
  if (!checksumMatches(computed, expected, partsCount)) {
    throw new StorageError("BAD_DIGEST", `the ${expected.algorithm} checksum of the object is not the one expected`);
  }
}

/**
 * Identifies a completion's part list (numbers and ETags as compared, see normalizeEtag), so that a
 * retry can be told from a different completion of the same upload.
 */
function partsHash(parts: readonly CompletedPart[]): Buffer {
  const hash = createHash("sha256");
  for (const p of parts) hash.update(`${p.partNumber} ${normalizeEtag(p.etag)}\n`);
  return hash.digest();
}
