/** Object listings: ListObjects (v1), ListObjectsV2, ListObjectVersions. */
import type { ListingHandlers } from "../../generated/handlers.js";
import { S3Error } from "../errors.js";
import { storageCall } from "../storage/errors.js";
import { XML_DOCUMENT_ORDER, type XmlDocumentOrder } from "../xml.js";
import type { ListObjectsResult, ListVersionsResult, ObjectSummary } from "../storage/types.js";
import { authorizedBucket, ownerOf, pageSize, quoteEtag, urlEncoder, type HandlerContext } from "./common.js";

async function list(
  ctx: HandlerContext,
  bucket: string,
  p: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys: number },
): Promise<ListObjectsResult> {
  await authorizedBucket(ctx, bucket);
  if (p.maxKeys === 0) return { objects: [], commonPrefixes: [], isTruncated: false };
  return storageCall(() =>
    ctx.storage.listObjects({
      bucket,
      prefix: p.prefix || undefined,
      delimiter: p.delimiter || undefined,
      startAfter: p.startAfter || undefined,
      maxKeys: p.maxKeys,
    }),
  );
}

function entry(ctx: HandlerContext, o: ObjectSummary, enc: (s?: string) => string | undefined, withOwner: boolean) {
  return {
    Key: enc(o.key),
    LastModified: o.lastModified,
    ETag: quoteEtag(o.etag),
    ChecksumAlgorithm: o.checksumAlgorithm ? [o.checksumAlgorithm] : undefined,
    ChecksumType: o.checksumType,
    Size: o.size,
    StorageClass: o.storageClass as "STANDARD",
    Owner: withOwner ? ownerOf(ctx, o.owner) : undefined,
  };
}

/** V2 continuation tokens are opaque to clients: the resume key, base64url-encoded. */
function decodeToken(token: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new S3Error("InvalidArgument", "The continuation token provided is incorrect");
  return Buffer.from(token, "base64url").toString("utf8");
}

export const listingHandlers: ListingHandlers<HandlerContext> = {
  async ListObjects(input, ctx) {
    const maxKeys = pageSize(input.MaxKeys);
    const r = await list(ctx, input.Bucket, { prefix: input.Prefix, delimiter: input.Delimiter, startAfter: input.Marker, maxKeys });
    const enc = urlEncoder(input.EncodingType);
    return {
      Body: {
        Name: input.Bucket,
        // botocore and AWS leave v1's Prefix unencoded (only v2 and versions encode it).
        Prefix: input.Prefix ?? "",
        Marker: enc(input.Marker ?? ""),
        // NextMarker is only returned with a delimiter; without one, clients resume from the last key.
        NextMarker: r.isTruncated && input.Delimiter ? enc(r.nextMarker) : undefined,
        MaxKeys: maxKeys,
        Delimiter: enc(input.Delimiter || undefined),
        IsTruncated: r.isTruncated,
        EncodingType: input.EncodingType,
        Contents: r.objects.map((o) => entry(ctx, o, enc, true)),
        CommonPrefixes: r.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
      },
    };
  },

  async ListObjectsV2(input, ctx) {
    const maxKeys = pageSize(input.MaxKeys);
    // An empty continuation token is no token (it is echoed back all the same).
    const resumeAfter = input.ContinuationToken ? decodeToken(input.ContinuationToken) : input.StartAfter;
    const r = await list(ctx, input.Bucket, { prefix: input.Prefix, delimiter: input.Delimiter, startAfter: resumeAfter, maxKeys });
    const enc = urlEncoder(input.EncodingType);
    return {
      Body: {
        Name: input.Bucket,
        Prefix: enc(input.Prefix ?? ""),
        MaxKeys: maxKeys,
        KeyCount: r.objects.length + r.commonPrefixes.length,
        Delimiter: enc(input.Delimiter || undefined),
        IsTruncated: r.isTruncated,
        EncodingType: input.EncodingType,
        ContinuationToken: input.ContinuationToken,
        NextContinuationToken: r.isTruncated && r.nextMarker !== undefined ? Buffer.from(r.nextMarker, "utf8").toString("base64url") : undefined,
        StartAfter: enc(input.StartAfter),
        Contents: r.objects.map((o) => entry(ctx, o, enc, input.FetchOwner === true)),
        CommonPrefixes: r.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
      },
    };
  },

  /**
   * Versions and delete markers by key, newest first within a key. In a bucket never versioned
   * every object is its one version "null", the latest, and there are no delete markers.
   */
  async ListObjectVersions(input, ctx) {
    // A version id marker only means something within a key ("ListObjectVersions").
    if (input.VersionIdMarker && !input.KeyMarker) {
      throw new S3Error("InvalidArgument", "A version-id marker cannot be specified without a key marker.", {
        ArgumentName: "version-id-marker",
        ArgumentValue: input.VersionIdMarker,
      });
    }
    const maxKeys = pageSize(input.MaxKeys);
    await authorizedBucket(ctx, input.Bucket);
    const r: ListVersionsResult =
      maxKeys === 0
        ? { versions: [], commonPrefixes: [], isTruncated: false }
        : await storageCall(() =>
            ctx.storage.listObjectVersions({
              bucket: input.Bucket,
              prefix: input.Prefix || undefined,
              delimiter: input.Delimiter || undefined,
              keyMarker: input.KeyMarker || undefined,
              versionIdMarker: input.VersionIdMarker || undefined,
              maxKeys,
            }),
          );
    const enc = urlEncoder(input.EncodingType);
    const versions = r.versions.filter((v) => !v.deleteMarker);
    const markers = r.versions.filter((v) => v.deleteMarker);
    // S3 writes the <Version> and <DeleteMarker> elements in the listing's order, newest first for
    // each key (minio-go, and so mc and restic, read them as one list in document order)
    let nv = 0;
    let nm = 0;
    const order: XmlDocumentOrder = r.versions.map((v) => (v.deleteMarker ? ["DeleteMarkers", nm++] : ["Versions", nv++]));
    return {
      Body: {
        [XML_DOCUMENT_ORDER]: order,
        Name: input.Bucket,
        Prefix: enc(input.Prefix ?? ""),
        KeyMarker: enc(input.KeyMarker ?? ""),
        VersionIdMarker: input.VersionIdMarker ?? "",
        NextKeyMarker: r.isTruncated ? enc(r.nextKeyMarker) : undefined,
        NextVersionIdMarker: r.isTruncated ? r.nextVersionIdMarker : undefined,
        MaxKeys: maxKeys,
        Delimiter: enc(input.Delimiter || undefined),
        IsTruncated: r.isTruncated,
        EncodingType: input.EncodingType,
        Versions: versions.map((o) => ({
          Key: enc(o.key),
          VersionId: o.versionId,
          IsLatest: o.isLatest,
          LastModified: o.lastModified,
          ETag: quoteEtag(o.etag),
          Size: o.size,
          StorageClass: o.storageClass as "STANDARD",
          Owner: ownerOf(ctx, o.owner),
          ChecksumAlgorithm: o.checksumAlgorithm ? [o.checksumAlgorithm] : undefined,
          ChecksumType: o.checksumType,
        })),
        DeleteMarkers: markers.map((m) => ({
          Key: enc(m.key),
          VersionId: m.versionId,
          IsLatest: m.isLatest,
          LastModified: m.lastModified,
          Owner: ownerOf(ctx, m.owner),
        })),
        CommonPrefixes: r.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
      },
    };
  },
};
