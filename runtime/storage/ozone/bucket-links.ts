/**
 * Bucket links (`ozone sh bucket link /vol1/data /s3v/data`): Ozone's way to show a bucket of
 * another volume in the S3 volume, which its documentation gives operators for exposing existing
 * buckets to S3 clients. The OM resolves a link in every key request (OzoneManager's
 * resolveBucketLink), so keys are named through the link, as Ozone's gateway names them. But
 * InfoBucket answers with the link itself: no layout, encryption or default replication, and the
 * owner and ACLs of whoever made the link, while `ozone sh bucket addacl` on the link changes the
 * source bucket's ACLs. So what this gateway decides from a bucket's record (its layout, its
 * encryption, its owner and ACLs for the access decision) is read from the source bucket, through
 * links of links; the S3 name and creation date stay the link's. A link whose source is gone, or
 * that leads back to itself, is an absent bucket (Ozone answers such a link's key requests with
 * BUCKET_NOT_FOUND or DETECTED_LOOP_IN_BUCKET_LINKS).
 */
import { StorageError } from "../types.js";
import type { OmMessage } from "./om-client.js";

/** Whether an OM BucketInfo is a link (its source named). */
export function isLink(b: OmMessage): boolean {
  return typeof b.sourceVolume === "string" && b.sourceVolume !== "" && typeof b.sourceBucket === "string" && b.sourceBucket !== "";
}

/**
 * The record to decide by for `bucket`, as InfoBucket answered it: the bucket itself, or for a
 * link its source's record under the link's name, creation time and link fields (so that
 * isLink() still tells a link). `info` answers InfoBucket for a volume and bucket, undefined for
 * none.
 */
export async function resolveLink(bucket: OmMessage, info: (volume: string, name: string) => Promise<OmMessage | undefined>): Promise<OmMessage> {
  if (!isLink(bucket)) return bucket;
  const name = `${String(bucket.volumeName)}/${String(bucket.bucketName)}`;
  const path = [name];
  let b = bucket;
  while (isLink(b)) {
    const next = `${String(b.sourceVolume)}/${String(b.sourceBucket)}`;
    if (path.includes(next)) {
      throw new StorageError("BUCKET_NOT_FOUND", `bucket link ${name} leads back to itself: ${[...path, next].join(" -> ")}`);
    }
    path.push(next);
    const source = await info(String(b.sourceVolume), String(b.sourceBucket));
    if (source === undefined) throw new StorageError("BUCKET_NOT_FOUND", `bucket link ${name} points to ${next}, which does not exist`);
    b = source;
  }
  return {
    ...b,
    volumeName: bucket.volumeName,
    bucketName: bucket.bucketName,
    creationTime: bucket.creationTime,
    sourceVolume: bucket.sourceVolume,
    sourceBucket: bucket.sourceBucket,
  };
}
