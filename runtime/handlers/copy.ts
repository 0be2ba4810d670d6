/**
 * Server-side copies: CopyObject and UploadPartCopy. The source streams through the gateway into
 * the destination (MD5 computed on the way), so both backends share one code path.
 */
import { newObjectAccess } from "./acl.js";
import { checkCopySourceCustomerKey, checkCustomerKey, checkNewObjectEncryption, storedEncryption } from "./encryption.js";
import type { CopyHandlers } from "../../generated/handlers.js";
import { operations } from "../../generated/operations.js";
import { actionOf } from "../access/authorize.js";
import type { CopyObjectInput, UploadPartCopyInput } from "../../generated/types/copy.js";
import { verifyingBody } from "../auth/body.js";
import { S3Error } from "../errors.js";
import { storageCall } from "../storage/errors.js";
import type { ByteRange, ChecksumAlgorithm, GetObjectResult, IncomingBody } from "../storage/types.js";
import {
  checkConditions,
  authorizedBucket,
  lockParam,
  parseTagging,
  quoteEtag,
  systemMetadataFrom,
  systemMetadataOf,
  websiteRedirectLocation,
  validateKey,
  validateMetadata,
  type HandlerContext,
  writtenVersionId,
} from "./common.js";

/** x-amz-copy-source: `[/]bucket/key[?versionId=id]`, the key URL-encoded ("CopyObject"). */
export function parseCopySource(header: string): { bucket: string; key: string; versionId?: string } {
  let source = header;
  let versionId: string | undefined;
  const q = source.indexOf("?");
  if (q >= 0) {
    const params = new URLSearchParams(source.slice(q + 1));
    versionId = params.get("versionId") ?? undefined;
    source = source.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(source);
  } catch {
    throw new S3Error("InvalidArgument", "Invalid copy source encoding");
  }
  if (decoded.startsWith("/")) decoded = decoded.slice(1);
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId };
}

/** `bytes=first-last` of x-amz-copy-source-range: both required, inside the source. */
function copyRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!m) throw new S3Error("InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start > end || end >= size) throw new S3Error("InvalidRange");
  return { start, end };
}

/**
 * Opens the source as the body of the copy. `checksum` is the algorithm the copy is to carry: the
 * one the request or the upload names, else (a whole-object CopyObject) the source's own,
 * recomputed over the bytes copied ("Checking object integrity": a copy keeps its source's checksum
 * algorithm). A part copied into an upload without an algorithm (`part` true) carries none, as
 * S3's CopyPartResult has a checksum only when the upload was created with one; it gets S3's
 * default one besides, as an uploaded part does (multipart.ts), for its object's.
 *
 * The caller must call `close()` when the copy is over, whatever its outcome. The source starts
 * flowing into the verifying body at once, but the destination may refuse the write without reading
 * it (an upload aborted meanwhile) or stop reading it (a failed write), and a body's source is its
 * caller's to close (verifyingBody): left alone, the source would keep its file open and its
 * segments pinned (never unlinked) until the next start. Closing a source read to its end changes
 * nothing.
 */
async function openSource(
  ctx: HandlerContext,
  input: CopyObjectInput | UploadPartCopyInput,
  checksum: ChecksumAlgorithm | undefined,
  range?: (size: number) => ByteRange | undefined,
  part = false,
): Promise<{ result: GetObjectResult; body: IncomingBody; close(): void }> {
  const src = parseCopySource(input.CopySource);
  // reading the source is a GetObject of its own ("CopyObject", Permissions): s3:GetObject, or
  // s3:GetObjectVersion for a source named with its versionId
  const sourceBucket = await ctx.authorize({
    action: actionOf(operations.GetObject, src.versionId)!,
    bucket: src.bucket,
    key: src.key,
    ...(src.versionId !== undefined && { versionId: src.versionId }),
    objectReadByAsker: true,
  });
  const result = await storageCall(() =>
    ctx.storage.getObject({
      bucket: src.bucket,
      key: src.key,
      ...(src.versionId !== undefined && { versionId: src.versionId }),
      range: (info) => {
        // Failing x-amz-copy-source-if-* conditions are all 412 ("CopyObject").
        checkConditions(
          {
            IfMatch: input.CopySourceIfMatch,
            IfNoneMatch: input.CopySourceIfNoneMatch,
            IfModifiedSince: input.CopySourceIfModifiedSince,
            IfUnmodifiedSince: input.CopySourceIfUnmodifiedSince,
          },
          info,
          true,
        );
        return range?.(info.size);
      },
    }),
  );
  try {
    // the decision's last step, on the metadata just read (the bucket owner copying another writer's object)
    await sourceBucket.checkObject?.(result.info);
  } catch (err) {
    result.release();
    throw err;
  }
  const length = result.range ? result.range.end - result.range.start + 1 : result.info.size;
  const algorithm = checksum ?? (!part && result.range === undefined ? result.info.checksum?.algorithm : undefined);
  const source = result.open();
  const body = verifyingBody(source, {
    payload: { type: "unsigned" },
    contentLength: length,
    defaultChecksum: algorithm,
    ...(part && algorithm === undefined && { withDefault: true }),
  });
  return { result, body, close: () => source.destroy() };
}

export const copyHandlers: CopyHandlers<HandlerContext> = {
  async CopyObject(input, ctx) {
    validateKey(input.Key);
    checkNewObjectEncryption(input, ctx);
    checkCopySourceCustomerKey(input, ctx);
    const bucket = await authorizedBucket(ctx, input.Bucket);
    const src = parseCopySource(input.CopySource);
    const replaceMeta = input.MetadataDirective === "REPLACE";
    const replaceTags = input.TaggingDirective === "REPLACE";
    // Copying a named version onto its own key is how S3 restores an earlier version: allowed. So is
    // a copy onto itself that states an encryption (`aws s3 cp --sse` of an object onto itself).
    const samePlace = src.bucket === input.Bucket && src.key === input.Key && src.versionId === undefined;
    if (samePlace && !replaceMeta && input.StorageClass === undefined && input.ServerSideEncryption === undefined && !input.WebsiteRedirectLocation) {
      throw new S3Error(
        "InvalidRequest",
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    const userMetadata = replaceMeta ? validateMetadata(input.Metadata) : undefined;
    const redirect = websiteRedirectLocation(input.WebsiteRedirectLocation);
    const newTags = replaceTags ? parseTagging(input.Tagging) : undefined;
    // the copy's owner and ACL are the request's, never the source's ("CopyObject": ACLs are not copied)
    const access = await newObjectAccess(ctx, bucket, input);
    const { result, body, close } = await openSource(ctx, input, input.ChecksumAlgorithm);
    const s = result.info;
    const info = await storageCall(() =>
      ctx.storage.putObject(
        {
          bucket: input.Bucket,
          key: input.Key,
          userMetadata: userMetadata ?? s.userMetadata,
          tags: newTags ?? s.tags,
          storageClass: input.StorageClass ?? (replaceMeta ? "STANDARD" : s.storageClass),
          ...access,
          ...(replaceMeta ? systemMetadataOf(input) : systemMetadataFrom(s)),
          // never the source's (systemMetadataFrom): the request's, with either directive
          websiteRedirectLocation: redirect,
          // the copy is a new version: its lock is the request's (or the bucket's default), never the source's
          ...lockParam(input, ctx),
        },
        body,
      ),
    ).finally(close);
    const checksum = info.checksum;
    return {
      VersionId: writtenVersionId(info.versionId),
      CopySourceVersionId: s.versionId,
      ServerSideEncryption: storedEncryption(ctx),
      Body: {
        ETag: quoteEtag(info.etag),
        LastModified: info.lastModified,
        ...(checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type } : {}),
      },
    };
  },

  async UploadPartCopy(input, ctx) {
    checkCustomerKey(input, ctx);
    checkCopySourceCustomerKey(input, ctx);
    await authorizedBucket(ctx, input.Bucket);
    // A copy source of no form first (InvalidArgument), then the upload (NoSuchUpload before any
    // byte is read): its checksum algorithm is the one every part must carry for
    // CompleteMultipartUpload to compute the object's checksum.
    parseCopySource(input.CopySource);
    const { upload } = await storageCall(() =>
      ctx.storage.listParts({ bucket: input.Bucket, key: input.Key, uploadId: input.UploadId, maxParts: 0 }),
    );
    const { result, body, close } = await openSource(ctx, input, upload.checksumAlgorithm, (size) => copyRange(input.CopySourceRange, size), true);
    const part = await storageCall(() => ctx.storage.uploadPart(input.Bucket, input.Key, input.UploadId, input.PartNumber, body)).finally(close);
    return {
      CopySourceVersionId: result.info.versionId,
      ServerSideEncryption: storedEncryption(ctx),
      Body: {
        ETag: quoteEtag(part.etag),
        LastModified: part.lastModified,
        ...(part.checksum ? { [`Checksum${part.checksum.algorithm}`]: part.checksum.value } : {}),
      },
    };
  },
};
