/** Multipart uploads: create, upload part, complete, abort, list parts, list uploads. */
import { newObjectAccess } from "./acl.js";
import type { MultipartHandlers } from "../../generated/handlers.js";
import type { CompleteMultipartUploadInput } from "../../generated/types/multipart.js";
import { CHECKSUM_ALGORITHMS, checksumHeaderName, isCrcAlgorithm, isValidChecksumValue } from "../auth/checksums.js";
import { S3Error, s3Message } from "../errors.js";
import { storageCall, toS3Error } from "../storage/errors.js";
import { MAX_PART_NUMBER, StorageError, type ChecksumAlgorithm, type UploadInfo } from "../storage/types.js";
import { requireIntegrityForDefaultRetention, requireIntegrityForLock } from "./object-lock.js";
import { checkCustomerKey, checkNewObjectEncryption, storedEncryption } from "./encryption.js";
import { checksumMembers, newObjectParams, authorizedBucket, objectUrl, ownerOf, pageSize, quoteEtag, unquoteEtag, urlEncoder, writtenVersionId, type HandlerContext } from "./common.js";

/** An upload belongs to its bucket and key: asking for it under another key is NoSuchUpload. */
function uploadEntry(ctx: HandlerContext, u: UploadInfo, enc: (s?: string) => string | undefined) {
  return {
    UploadId: u.uploadId,
    Key: enc(u.key),
    Initiated: u.initiated,
    StorageClass: u.storageClass as "STANDARD",
    Owner: ownerOf(ctx, u.owner),
    Initiator: ownerOf(ctx, u.owner),
    ChecksumAlgorithm: u.checksumAlgorithm,
    ChecksumType: u.checksumType,
  };
}

/** The upload (NoSuchUpload when it is not one of this bucket and key), without its parts. */
async function uploadOf(ctx: HandlerContext, bucket: string, key: string, uploadId: string): Promise<UploadInfo> {
  const r = await storageCall(() => ctx.storage.listParts({ bucket, key, uploadId, maxParts: 0 }));
  return r.upload;
}

export const multipartHandlers: MultipartHandlers<HandlerContext> = {
  async CreateMultipartUpload(input, ctx) {
    checkChecksumType(input.ChecksumAlgorithm, input.ChecksumType);
    checkNewObjectEncryption(input, ctx);
    const params = newObjectParams(input, ctx);
    const bucket = await authorizedBucket(ctx, input.Bucket);
    Object.assign(params, await newObjectAccess(ctx, bucket, input));
    const upload = await storageCall(() =>
      ctx.storage.createMultipartUpload({ ...params, checksumAlgorithm: input.ChecksumAlgorithm, checksumType: input.ChecksumType }),
    );
    return {
      ChecksumAlgorithm: upload.checksumAlgorithm,
      ChecksumType: upload.checksumType,
      ServerSideEncryption: storedEncryption(ctx),
      Body: { Bucket: input.Bucket, Key: input.Key, UploadId: upload.uploadId },
    };
  },

  async UploadPart(input, ctx) {
    checkCustomerKey(input, ctx);
    const bucket = await authorizedBucket(ctx, input.Bucket);
    // Every part of an upload created with a checksum algorithm has a checksum of that algorithm, or
    // the object's checksum could not be made ("Checking object integrity"). A client sending
    // another one is refused before the part is read, with S3's message; so is one sending none
    // when the object's checksum is COMPOSITE (a checksum of the parts' checksums, which the
    // client lists at completion); for a FULL_OBJECT one (a CRC: the parts' combine), the gateway
    // computes the part's. The parts of an upload created without an algorithm get S3's default
    // CRC64NVME besides whatever the client sent, for the object's FULL_OBJECT CRC64NVME (not in a
    // store that keeps no part checksums).
    const upload = await uploadOf(ctx, input.Bucket, input.Key, input.UploadId);
    const sent = ctx.bodyChecksum();
    const algorithm = upload.checksumAlgorithm;
    if (algorithm !== undefined && sent !== algorithm && !(sent === undefined && upload.checksumType === "FULL_OBJECT")) {
      throw new S3Error(
        "InvalidRequest",
        `Checksum Type mismatch occurred, expected checksum Type: ${algorithm.toLowerCase()}, actual checksum Type: ${sent?.toLowerCase() ?? "null"}`,
      );
    }
    input.Body.chooseChecksums?.(algorithm !== undefined ? { fallback: algorithm } : { withDefault: ctx.storage.partChecksums !== false });
    // a part of a version under Object Lock: its body's integrity must be stated (object-lock.ts)
    requireIntegrityForLock(upload.lock, input.ContentMD5, ctx);
    await requireIntegrityForDefaultRetention(bucket, input.ContentMD5, ctx);
    const part = await storageCall(() => ctx.storage.uploadPart(input.Bucket, input.Key, input.UploadId, input.PartNumber, input.Body));
    const checksum = checksumMembers(part.checksum);
    delete checksum.ChecksumType;
    return { ETag: quoteEtag(part.etag), ServerSideEncryption: storedEncryption(ctx), ...checksum };
  },

  async CompleteMultipartUpload(input, ctx) {
    const parts = input.MultipartUpload.Parts;
    if (parts.length === 0 || parts.length > MAX_PART_NUMBER) throw new S3Error("MalformedXML");
    // a part number below 1 names no part that could exist: S3's InvalidArgument, before the list is looked at
    const unnumbered = parts.find((p) => p.PartNumber < 1);
    if (unnumbered !== undefined) {
      throw new S3Error("InvalidArgument", "PartNumber must be >= 1", { ArgumentName: "PartNumber", ArgumentValue: String(unnumbered.PartNumber) });
    }
    if (input.MpuObjectSize !== undefined && input.MpuObjectSize < 0) {
      throw new S3Error("InvalidRequest", `Value for x-amz-mp-object-size header is less than zero: '${input.MpuObjectSize}'`);
    }
    checkCustomerKey(input, ctx);
    await authorizedBucket(ctx, input.Bucket);
    const expectedChecksum = expectedChecksumOf(input);
    await checkPartChecksums(ctx, input, expectedChecksum !== undefined);
    const info = await storageCall(() =>
      ctx.storage
        .completeMultipartUpload({
          bucket: input.Bucket,
          key: input.Key,
          uploadId: input.UploadId,
          parts: parts.map((p) => ({ partNumber: p.PartNumber, etag: unquoteEtag(p.ETag) })),
          ifMatch: input.IfMatch,
          ifNoneMatch: input.IfNoneMatch,
          expectedChecksum,
          expectedSize: input.MpuObjectSize,
        })
        .catch((err: unknown) => {
          if (err instanceof StorageError && err.kind === "INVALID_PART") logInvalidPart(ctx, input, err.part?.partNumber, err.part?.etag, err.message);
          // the stated object checksum did not verify: AWS's wording for a checksum, not Content-MD5's
          if (err instanceof StorageError && err.kind === "BAD_DIGEST" && expectedChecksum !== undefined) {
            throw new StorageError("BAD_DIGEST", err.message, `The ${expectedChecksum.algorithm} you specified did not match the calculated checksum.`);
          }
          throw err;
        }),
    );
    const checksum = info.checksum;
    return {
      VersionId: writtenVersionId(info.versionId),
      ServerSideEncryption: storedEncryption(ctx),
      Body: {
        Location: objectUrl(ctx, input.Bucket, input.Key),
        Bucket: input.Bucket,
        Key: input.Key,
        ETag: quoteEtag(info.etag),
        ...(checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type } : {}),
      },
    };
  },

  async AbortMultipartUpload(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.abortMultipartUpload(input.Bucket, input.Key, input.UploadId));
    return {};
  },

  async ListParts(input, ctx) {
    checkCustomerKey(input, ctx);
    await authorizedBucket(ctx, input.Bucket);
    const maxParts = pageSize(input.MaxParts);
    const r = await storageCall(() =>
      ctx.storage.listParts({ bucket: input.Bucket, key: input.Key, uploadId: input.UploadId, partNumberMarker: input.PartNumberMarker, maxParts }),
    );
    return {
      Body: {
        Bucket: input.Bucket,
        Key: input.Key,
        UploadId: input.UploadId,
        PartNumberMarker: input.PartNumberMarker ?? 0,
        NextPartNumberMarker: r.nextPartNumberMarker,
        MaxParts: maxParts,
        IsTruncated: r.isTruncated,
        Parts: r.parts.map((p) => ({
          PartNumber: p.partNumber,
          LastModified: p.lastModified,
          ETag: quoteEtag(p.etag),
          Size: p.size,
          ...(p.checksum ? { [`Checksum${p.checksum.algorithm}`]: p.checksum.value } : {}),
        })),
        Initiator: ownerOf(ctx, r.upload.owner),
        Owner: ownerOf(ctx, r.upload.owner),
        StorageClass: r.upload.storageClass as "STANDARD",
        ChecksumAlgorithm: r.upload.checksumAlgorithm,
        ChecksumType: r.upload.checksumType,
      },
    };
  },

  async ListMultipartUploads(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const maxUploads = pageSize(input.MaxUploads);
    const enc = urlEncoder(input.EncodingType);
    const r =
      maxUploads === 0
        ? { uploads: [], commonPrefixes: [], isTruncated: false, nextKeyMarker: undefined, nextUploadIdMarker: undefined }
        : await storageCall(() =>
            ctx.storage.listMultipartUploads({
              bucket: input.Bucket,
              prefix: input.Prefix || undefined,
              delimiter: input.Delimiter || undefined,
              keyMarker: input.KeyMarker || undefined,
              uploadIdMarker: input.UploadIdMarker || undefined,
              maxUploads,
            }),
          );
    return {
      Body: {
        Bucket: input.Bucket,
        KeyMarker: enc(input.KeyMarker ?? ""),
        UploadIdMarker: input.UploadIdMarker ?? "",
        NextKeyMarker: enc(r.nextKeyMarker),
        Prefix: enc(input.Prefix ?? ""),
        Delimiter: enc(input.Delimiter),
        NextUploadIdMarker: r.nextUploadIdMarker,
        MaxUploads: maxUploads,
        IsTruncated: r.isTruncated,
        EncodingType: input.EncodingType,
        Uploads: r.uploads.map((u) => uploadEntry(ctx, u, enc)),
        CommonPrefixes: r.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
      },
    };
  },
};

/**
 * x-amz-checksum-type on CreateMultipartUpload ("CreateMultipartUpload", "Checking object integrity"):
 * it needs an algorithm; only the CRCs have a FULL_OBJECT form, and CRC64NVME no COMPOSITE one.
 */
function checkChecksumType(algorithm: ChecksumAlgorithm | undefined, type: "COMPOSITE" | "FULL_OBJECT" | undefined): void {
  if (type === undefined) return;
  if (algorithm === undefined) {
    throw new S3Error("InvalidRequest", "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.");
  }
  const fullOnly = algorithm === "CRC64NVME";
  const compositeOnly = !isCrcAlgorithm(algorithm);
  if ((fullOnly && type === "COMPOSITE") || (compositeOnly && type === "FULL_OBJECT")) {
    throw new S3Error("InvalidRequest", `The ${type} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  }
}

/**
 * The object checksum a CompleteMultipartUpload expects (x-amz-checksum-<algorithm>), at most one,
 * and of its algorithm's form: base64 of its digest, a COMPOSITE one with or without "-<parts>"
 * (InvalidRequest otherwise, as for a body's checksum header).
 */
function expectedChecksumOf(input: CompleteMultipartUploadInput): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  const given = CHECKSUM_ALGORITHMS.filter((a) => input[`Checksum${a}`] !== undefined);
  if (given.length > 1) throw new S3Error("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
  if (given.length === 0) return undefined;
  const algorithm = given[0];
  const value = input[`Checksum${algorithm}`]!.trim();
  if (!isValidChecksumValue(algorithm, value.replace(/-[0-9]+$/, ""))) {
    throw new S3Error("InvalidRequest", `Value for ${checksumHeaderName(algorithm)} header is invalid.`);
  }
  return { algorithm, value };
}

/**
 * The part checksums listed in CompleteMultipartUpload, and its checksum type, which must be the
 * upload's when given. An upload with a COMPOSITE checksum needs
 * each part's checksum of it (S3's InvalidRequest and message) unless the client states the object
 * checksum it expects (the store verifies that one); a checksum that is not the one the part was
 * uploaded with is an InvalidPart, as a wrong ETag is. An upload already completed is left to the
 * store, which answers a retried completion with the object it made.
 */
async function checkPartChecksums(ctx: HandlerContext, input: CompleteMultipartUploadInput, objectChecksumGiven: boolean): Promise<void> {
  const listed = input.MultipartUpload.Parts;
  for (const p of listed) checkPartChecksumForm(p);
  const anyGiven = listed.some((p) => CHECKSUM_ALGORITHMS.some((a) => p[`Checksum${a}`] !== undefined));
  let found;
  try {
    found = await ctx.storage.listParts({ bucket: input.Bucket, key: input.Key, uploadId: input.UploadId, maxParts: anyGiven ? MAX_PART_NUMBER : 0 });
  } catch (err) {
    if (err instanceof StorageError && err.kind === "UPLOAD_NOT_FOUND") return;
    throw toS3Error(err);
  }
  const { upload, parts } = found;
  // x-amz-checksum-type on completion must be the upload's (AWS's InvalidRequest and message)
  if (input.ChecksumType !== undefined && upload.checksumType !== undefined && input.ChecksumType !== upload.checksumType) {
    throw new S3Error("InvalidRequest", `The upload was created using the ${upload.checksumType} checksum mode. The complete request must use the same checksum mode.`);
  }
  const algorithm = upload.checksumAlgorithm;
  if (algorithm !== undefined && upload.checksumType === "COMPOSITE" && !objectChecksumGiven) {
    // (a part listed with a checksum of another algorithm is BadDigest, below)
    const missing = listed.find((p) => CHECKSUM_ALGORITHMS.every((a) => p[`Checksum${a}`] === undefined));
    if (missing !== undefined) {
      throw new S3Error(
        "InvalidRequest",
        `The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${missing.PartNumber} in the request.`,
      );
    }
  }
  if (!anyGiven || ctx.storage.partChecksums === false) return;
  const stored = new Map(parts.map((p) => [p.partNumber, p.checksum]));
  for (const p of listed) {
    for (const a of CHECKSUM_ALGORITHMS) {
      const given = p[`Checksum${a}`];
      if (given === undefined) continue;
      const checksum = stored.get(p.PartNumber);
      // a checksum of another algorithm than the upload's: not what the part was received with
      // (S3's BadDigest and message); one of its algorithm that is not the part's: InvalidPart, as
      // a wrong ETag is; a part without a checksum of that algorithm cannot be vouched for by one
      if (upload.checksumAlgorithm !== undefined && a !== upload.checksumAlgorithm) {
        throw new S3Error("BadDigest", `The ${a.toLowerCase()} you specified for part ${p.PartNumber} did not match what we received.`);
      }
      if (checksum?.algorithm !== a || checksum.value !== given) {
        const why = checksum === undefined ? "has no checksum" : `has ${checksum.algorithm} ${checksum.value}`;
        // the ETag as the stores report theirs: unquoted, as compared
        const etag = unquoteEtag(p.ETag);
        logInvalidPart(ctx, input, p.PartNumber, etag, `part ${p.PartNumber} ${why}, not ${a} ${given}`);
        throw new S3Error("InvalidPart", undefined, { PartNumber: p.PartNumber, ETag: etag });
      }
    }
  }
}

/**
 * A listed part names at most one checksum, and that one is base64 of its algorithm's digest: else
 * 400 InvalidArgument, before anything is looked up, with S3's message and the checksums as the
 * argument's value ("CRC32:<value>;SHA1:<value>;" for several).
 */
function checkPartChecksumForm(part: CompleteMultipartUploadInput["MultipartUpload"]["Parts"][number]): void {
  const given = CHECKSUM_ALGORITHMS.flatMap((a) => (part[`Checksum${a}`] === undefined ? [] : [{ algorithm: a, value: part[`Checksum${a}`]! }]));
  if (given.length === 0 || (given.length === 1 && isValidChecksumValue(given[0].algorithm, given[0].value.trim()))) return;
  const value = given.length === 1 ? given[0].value : given.map((g) => `${g.algorithm}:${g.value};`).join("");
  throw new S3Error("InvalidArgument", s3Message("InvalidArgument", "PartChecksumInvalid"), { ArgumentName: "Checksum", ArgumentValue: value });
}

/**
 * A CompleteMultipartUpload refused with InvalidPart: the log names the part and the ETag that did
 * not match (and why), so that an operator can tell a client's stale part list from a lost part.
 */
function logInvalidPart(ctx: HandlerContext, input: CompleteMultipartUploadInput, partNumber: number | undefined, etag: string | undefined, why: string): void {
  ctx.log.info({ requestId: ctx.requestId, bucket: input.Bucket, key: input.Key, uploadId: input.UploadId, partNumber, etag }, `InvalidPart: ${why}`);
}
