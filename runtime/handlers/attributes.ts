/**
 * Object attributes: GetObjectAttributes, what HeadObject and ListParts would say about an object,
 * in one XML answer ("GetObjectAttributes", Amazon S3 API Reference). Only the attributes named in
 * x-amz-object-attributes are returned (an unknown name is refused by the binding, from the spec's
 * ObjectAttributes union); one the object does not have is left out (no Checksum without a
 * checksum, no ObjectParts for an object of a single PUT).
 */
import type { AttributesHandlers } from "../../generated/handlers.js";
import type { GetObjectAttributesInput } from "../../generated/types/attributes.js";
import type { Checksum as ChecksumElement, GetObjectAttributesParts, ObjectPart } from "../../generated/types/shapes.js";
import { S3Error } from "../errors.js";
import { storageCall } from "../storage/errors.js";
import type { Checksum, ObjectAttributesResult, ObjectInfo } from "../storage/types.js";
import { authorizedBucket, checkObjectAccess, pageSize, visiblePartChecksum, type HandlerContext } from "./common.js";
import { checkCustomerKey } from "./encryption.js";

/**
 * The object's checksum as this operation shows it: a COMPOSITE value without the "-<parts>"
 * suffix HEAD and GET carry (MinIO's gateway strips it after observing that AWS "does not appear to
 * append part number on this API call"; the part count is ObjectParts' PartsCount).
 */
function checksumElement(c: Checksum): ChecksumElement {
  const value = c.type === "COMPOSITE" ? c.value.replace(/-[0-9]+$/, "") : c.value;
  return { [`Checksum${c.algorithm}`]: value, ChecksumType: c.type };
}

function partElements(info: ObjectInfo, page: NonNullable<ObjectAttributesResult["parts"]>): ObjectPart[] {
  return page.parts.map((p) => {
    const checksum = visiblePartChecksum(info.checksum, p.checksum);
    return { PartNumber: p.partNumber, Size: p.size, ...(checksum !== undefined && { [`Checksum${checksum.algorithm}`]: checksum.value }) };
  });
}

export const attributesHandlers: AttributesHandlers<HandlerContext> = {
  async GetObjectAttributes(input, ctx) {
    const wanted = new Set(input.ObjectAttributes ?? []);
    const maxParts = pageSize(input.MaxParts);
    const partNumberMarker = input.PartNumberMarker ?? 0;
    // The bucket check and the lookup run together, as for GetObject (one round trip each on a
    // remote store); the bucket's error still comes first. Nothing to look up without attributes.
    const lookup =
      wanted.size === 0
        ? undefined
        : storageCall(() =>
            ctx.storage.getObjectAttributes({
              bucket: input.Bucket,
              key: input.Key,
              ...(input.VersionId !== undefined && { versionId: input.VersionId }),
              ...(wanted.has("ObjectParts") && { parts: { partNumberMarker, maxParts } }),
            }),
          );
    lookup?.catch(() => {}); // awaited below, or given up: never an unhandled rejection meanwhile
    await authorizedBucket(ctx, input.Bucket);
    if (lookup === undefined) {
      // S3's answer (versitygw's ErrObjectAttributesInvalidHeader), after the bucket's own errors
      throw new S3Error("InvalidRequest", "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty");
    }
    const { info, parts } = await lookup;
    await checkObjectAccess(ctx, info);
    checkCustomerKey(input, ctx);

    let objectParts: GetObjectAttributesParts | undefined;
    if (wanted.has("ObjectParts") && parts !== undefined) {
      objectParts = {
        TotalPartsCount: info.partsCount,
        PartNumberMarker: partNumberMarker,
        // the last part listed, truncated or not (MinIO answers so, and minio-go checks it against
        // TotalPartsCount to tell a complete list)
        NextPartNumberMarker: parts.nextPartNumberMarker ?? parts.parts.at(-1)?.partNumber,
        MaxParts: maxParts,
        IsTruncated: parts.isTruncated,
        Parts: partElements(info, parts),
      };
    }
    return {
      LastModified: info.lastModified,
      VersionId: info.versionId,
      Body: {
        ETag: wanted.has("ETag") ? info.etag : undefined,
        Checksum: wanted.has("Checksum") && info.checksum !== undefined ? checksumElement(info.checksum) : undefined,
        ObjectParts: objectParts,
        // STANDARD too: unlike HEAD's header, this element is always there when asked for
        StorageClass: wanted.has("StorageClass") ? (info.storageClass as "STANDARD") : undefined,
        ObjectSize: wanted.has("ObjectSize") ? info.size : undefined,
      },
    };
  },
};
