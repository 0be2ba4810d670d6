/**
 * The objects a DeleteObjects names, each decided on its own. S3 decides s3:DeleteObject for every
 * object of the request ("DeleteObjects", Permissions: "you must always specify the
 * s3:DeleteObject permission"; "Multi-Object Delete": each key is deleted as a DeleteObject would
 * delete it), so that a bucket policy's Deny on some keys holds for them whichever way they are
 * deleted, and its Allow on some keys (`bucket/prefix/*`) lets another user delete those. The
 * request's own decision (app.ts, authorize.ts) was taken on the bucket (owner, bucket ACL);
 * here the bucket policy is asked about each entry's object: an explicit Deny refuses that entry
 * (403 AccessDenied in its <Error>, as S3 reports it), an Allow allows it, and otherwise the
 * bucket-level decision stands for it (`bucketWide`). An entry with a VersionId is asked as
 * s3:DeleteObjectVersion.
 *
 * Cost: no storage read (the bucket is the authorized one, the policy comes from the per-process
 * cache); a bucket without a policy answers at once.
 */
import { policyRequestOf, type AuthorizerDeps } from "./authorize.js";
import type { ObjectQuestion } from "./bypass-governance.js";

export type EntryDenyCheck = (question: ObjectQuestion & { action: string; bucketWide: boolean }) => Promise<boolean>;

/** The check, with the authorizer's storage and bucket-policy decision. */
export function createEntryDenyCheck(deps: Pick<AuthorizerDeps, "storage" | "policy">): EntryDenyCheck {
  return async (q) => {
    const decision = deps.policy === undefined ? "Neutral" : await deps.policy(q.bucket, () => policyRequestOf(deps.storage, { ...q, bucket: q.bucket.name }));
    return decision === "Deny" || (decision !== "Allow" && !q.bucketWide);
  };
}
