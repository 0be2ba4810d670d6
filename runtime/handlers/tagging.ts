/**
 * Tagging: PutObjectTagging, GetObjectTagging, DeleteObjectTagging, PutBucketTagging,
 * GetBucketTagging, DeleteBucketTagging. A tag set in XML obeys the same rules as one given in
 * x-amz-tagging (validateTags); the stores replace a set in one step and leave the object's ETag
 * and Last-Modified as they were, as S3 does ("PutObjectTagging", Amazon S3 API Reference).
 */
import type { TaggingHandlers } from "../../generated/handlers.js";
import type { Tag, Tagging } from "../../generated/types/shapes.js";
import { S3Error } from "../errors.js";
import { storageCall } from "../storage/errors.js";
import { compareUtf8 } from "../storage/keys.js";
import { MAX_BUCKET_TAGS, MAX_OBJECT_TAGS, authorizedBucket, validateTags, type HandlerContext } from "./common.js";

function tagsOf(tagging: Tagging, limit: number): Record<string, string> {
  return validateTags(
    tagging.TagSet.map((t) => [t.Key, t.Value] as const),
    limit,
  );
}

/** A tag set as S3 answers it: ordered by key (UTF-8 byte order), whatever order it was given in. */
function taggingOf(tags: Record<string, string>): Tagging {
  return {
    TagSet: Object.entries(tags)
      .sort(([a], [b]) => compareUtf8(a, b))
      .map(([Key, Value]): Tag => ({ Key, Value })),
  };
}

export const taggingHandlers: TaggingHandlers<HandlerContext> = {
  async PutObjectTagging(input, ctx) {
    const tags = tagsOf(input.Tagging, MAX_OBJECT_TAGS);
    await authorizedBucket(ctx, input.Bucket);
    const done = await storageCall(() => ctx.storage.putObjectTags(input.Bucket, input.Key, tags, input.VersionId));
    return { VersionId: done.versionId };
  },

  async GetObjectTagging(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const r = await storageCall(() => ctx.storage.getObjectTags(input.Bucket, input.Key, input.VersionId));
    return { VersionId: r.versionId, Body: taggingOf(r.tags) };
  },

  async DeleteObjectTagging(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    // Unlike DeleteObject, a missing key is NoSuchKey (there is no tag set to remove).
    const done = await storageCall(() => ctx.storage.deleteObjectTags(input.Bucket, input.Key, input.VersionId));
    return { VersionId: done.versionId };
  },

  async PutBucketTagging(input, ctx) {
    const tags = tagsOf(input.Tagging, MAX_BUCKET_TAGS);
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.putBucketTags(input.Bucket, tags));
    return {};
  },

  async GetBucketTagging(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const tags = await storageCall(() => ctx.storage.getBucketTags(input.Bucket));
    // A bucket that never had tags (or had them deleted) has no tag set at all: 404 NoSuchTagSet.
    if (tags === undefined) throw new S3Error("NoSuchTagSet");
    return { Body: taggingOf(tags) };
  },

  async DeleteBucketTagging(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.deleteBucketTags(input.Bucket));
    return {};
  },
};
