/** Multipart uploads: create, upload part, complete, abort, list parts, list uploads. */
import type { MultipartHandlers } from "../../generated/handlers.js";
import { S3Error } from "../errors.js";
import { storageCall } from "../storage/errors.js";
import { MAX_PART_NUMBER, type UploadInfo } from "../storage/types.js";
import {
  checksumMembers,
  ownedBucket,
  ownerOf,
  pageSize,
  parseTagging,
  quoteEtag,
  storedContentEncoding,
  unquoteEtag,
  urlEncoder,
  validateKey,
  validateMetadata,
  type HandlerContext,
} from "./common.js";

/** An upload belongs to its bucket and key: asking for it under another key is NoSuchUpload. */
function uploadEntry(u: UploadInfo, enc: (s?: string) => string | undefined) {
  return {
    UploadId: u.uploadId,
    Key: enc(u.key),
    Initiated: u.initiated,
    StorageClass: u.storageClass as "STANDARD",
    Owner: ownerOf(u.owner),
    Initiator: ownerOf(u.owner),
    ChecksumAlgorithm: u.checksumAlgorithm,
  };
}

export const multipartHandlers: MultipartHandlers<HandlerContext> = {
  async CreateMultipartUpload(input, ctx) {
    validateKey(input.Key);
    const userMetadata = validateMetadata(input.Metadata);
    const tags = parseTagging(input.Tagging);
    await ownedBucket(ctx, input.Bucket);
    const upload = await storageCall(() =>
      ctx.storage.createMultipartUpload({
        bucket: input.Bucket,
        key: input.Key,
        userMetadata,
        tags,
        storageClass: input.StorageClass ?? "STANDARD",
        owner: ctx.accessKeyId,
        checksumAlgorithm: input.ChecksumAlgorithm,
        contentType: input.ContentType,
        contentEncoding: storedContentEncoding(input.ContentEncoding),
        contentLanguage: input.ContentLanguage,
        contentDisposition: input.ContentDisposition,
        cacheControl: input.CacheControl,
        expires: input.Expires,
      }),
    );
    return {
      ChecksumAlgorithm: upload.checksumAlgorithm,
      ChecksumType: upload.checksumAlgorithm ? "COMPOSITE" : undefined,
      Body: { Bucket: input.Bucket, Key: input.Key, UploadId: upload.uploadId },
    };
  },

  async UploadPart(input, ctx) {
    await ownedBucket(ctx, input.Bucket);
    const part = await storageCall(() => ctx.storage.uploadPart(input.Bucket, input.Key, input.UploadId, input.PartNumber, input.Body));
    const checksum = checksumMembers(part.checksum);
    delete checksum.ChecksumType;
    return { ETag: quoteEtag(part.etag), ...checksum };
  },

  async CompleteMultipartUpload(input, ctx) {
    const parts = input.MultipartUpload.Parts;
    if (parts.length === 0 || parts.length > MAX_PART_NUMBER) throw new S3Error("MalformedXML");
    await ownedBucket(ctx, input.Bucket);
    const info = await storageCall(() =>
      ctx.storage.completeMultipartUpload({
        bucket: input.Bucket,
        key: input.Key,
        uploadId: input.UploadId,
        parts: parts.map((p) => ({ partNumber: p.PartNumber, etag: unquoteEtag(p.ETag) })),
        ifMatch: input.IfMatch,
        ifNoneMatch: input.IfNoneMatch,
      }),
    );
    const checksum = info.checksum;
    return {
      Body: {
        Location: `/${input.Bucket}/${encodeURIComponent(input.Key).replace(/%2F/g, "/")}`,
        Bucket: input.Bucket,
        Key: input.Key,
        ETag: quoteEtag(info.etag),
        ...(checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type } : {}),
      },
    };
  },

  async AbortMultipartUpload(input, ctx) {
    await ownedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.abortMultipartUpload(input.Bucket, input.Key, input.UploadId));
    return {};
  },

  async ListParts(input, ctx) {
    await ownedBucket(ctx, input.Bucket);
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
        Initiator: ownerOf(r.upload.owner),
        Owner: ownerOf(r.upload.owner),
        StorageClass: r.upload.storageClass as "STANDARD",
        ChecksumAlgorithm: r.upload.checksumAlgorithm,
      },
    };
  },

  async ListMultipartUploads(input, ctx) {
    await ownedBucket(ctx, input.Bucket);
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
        Uploads: r.uploads.map((u) => uploadEntry(u, enc)),
        CommonPrefixes: r.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
      },
    };
  },
};
