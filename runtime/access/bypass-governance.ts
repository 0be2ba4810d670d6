/**
 * Whether a caller may bypass an Object Lock GOVERNANCE retention: the second decision a request
 * carrying `x-amz-bypass-governance-retention: true` needs (DeleteObject and DeleteObjects by
 * version id, PutObjectRetention shortening or lifting a retention). S3: "To bypass governance
 * mode, you must have the s3:BypassGovernanceRetention permission and must explicitly include
 * x-amz-bypass-governance-retention:true as a request header" ("Object Lock considerations",
 * Amazon S3 User Guide). The operation's own action (s3:DeleteObject, s3:PutObjectRetention) was
 * decided before the handler ran (authorize.ts); this one is decided for the same bucket and the
 * object it acts on, in S3's order:
 *
 *   1. the bucket policy: an explicit Deny refuses (the bucket owner too), an Allow allows;
 *   2. the bucket owner holds the permission (as an account root holds every permission);
 *   3. no ACL grants it: anyone else is refused.
 *
 * A refusal does not fail the request: it is answered as a request without the header, so a
 * version whose GOVERNANCE retention is in force stays protected (403 AccessDenied from the store's
 * lock check; for DeleteObjects, that entry's error), and anything the lock does not protect is
 * done as asked.
 *
 * Cost: the bucket is the one the request was authorized on (no storage read); the policy comes
 * from the per-process cache; the object's tags are read only when a statement's condition names
 * s3:ExistingObjectTag. Asked only when the header is sent.
 */
import type { BucketInfo } from "../storage/types.js";
import type { User, UserSet } from "../users.js";
import { isOwner, policyRequestOf, type AuthorizerDeps } from "./authorize.js";

/** The IAM action of the bypass ("Actions, resources, and condition keys for Amazon S3"). */
const BYPASS_ACTION = "s3:BypassGovernanceRetention";

/** Who asks, about which object of the (already authorized) bucket: a decision about one object of a request. */
export interface ObjectQuestion {
  bucket: BucketInfo;
  key: string;
  versionId?: string;
  /** undefined: anonymous */
  user: User | undefined;
  accessKeyId?: string;
  users: UserSet;
  /** the request's condition keys, as for the request's own decision */
  context?: () => ReadonlyMap<string, readonly string[]>;
}

export type BypassCheck = (question: ObjectQuestion) => Promise<boolean>;

/** The check, with the authorizer's storage and bucket-policy decision. */
export function createBypassCheck(deps: Pick<AuthorizerDeps, "storage" | "policy">): BypassCheck {
  return async (q) => {
    if (deps.policy !== undefined) {
      const decision = await deps.policy(q.bucket, () => policyRequestOf(deps.storage, { ...q, action: BYPASS_ACTION, bucket: q.bucket.name }));
      if (decision !== "Neutral") return decision === "Allow";
    }
    return isOwner(q.users, q.bucket.owner, q.user);
  };
}
