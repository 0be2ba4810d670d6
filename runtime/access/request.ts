/**
 * What an access decision is asked about, shared by the two halves of access control:
 * ACLs and the ownership rules (runtime/access/authorize.ts) and bucket policies
 * (runtime/access/policy/). A request is turned into one AccessRequest after authentication and
 * routing; each half answers with a Decision, and authorize.ts combines them in S3's order
 * ("How Amazon S3 authorizes a request", Amazon S3 User Guide): an explicit Deny wins, then an
 * Allow from the bucket policy or from the ACLs (the bucket owner's own requests are allowed).
 */

/** The caller, as a bucket policy's Principal and an ACL's grantee name it. */
export interface AccessPrincipal {
  /** S3's canonical user id (ACL grantees, Owner ID) */
  readonly canonicalId: string;
  readonly displayName: string;
  readonly email?: string;
  /** the access key that signed the request */
  readonly accessKeyId: string;
  /**
   * The IAM ARN a policy's `"Principal": {"AWS": ...}` matches: `arn:aws:iam::<canonicalId>:user/<displayName>`.
   * A policy may also name the account root (`arn:aws:iam::<canonicalId>:root`) or the bare
   * canonical id / account id; runtime/access/policy matches those forms too.
   */
  readonly arn: string;
}

export interface AccessRequest {
  /** the IAM action the operation needs: the operation's @permission in spec/ (e.g. "s3:GetObject") */
  readonly action: string;
  readonly bucket?: string;
  readonly key?: string;
  /** undefined for an anonymous (unsigned) request */
  readonly principal?: AccessPrincipal;
  /**
   * Condition keys of the request, lower-cased names ("aws:securetransport", "aws:sourceip",
   * "aws:referer", "aws:useragent", "aws:currenttime", "aws:epochtime", "s3:prefix",
   * "s3:delimiter", "s3:max-keys", "s3:x-amz-acl", "s3:versionid", ...): each a list of values, as
   * IAM treats every key as possibly multi-valued. A key the request does not have is absent.
   */
  readonly context: ReadonlyMap<string, readonly string[]>;
  /** the object's current tags, read only when a policy condition names s3:ExistingObjectTag/<key> */
  readonly existingObjectTags?: () => Promise<Readonly<Record<string, string>> | undefined>;
}

/** One half's answer: an explicit Deny, an Allow, or nothing said (the next rule decides). */
export type Decision = "Deny" | "Allow" | "Neutral";
