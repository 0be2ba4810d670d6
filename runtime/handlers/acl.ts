/**
 * ACLs and ownership controls: GetBucketAcl, PutBucketAcl, GetObjectAcl, PutObjectAcl,
 * Get/Put/DeleteBucketOwnershipControls, and the owner and ACL of a new object (PutObject,
 * CopyObject, CreateMultipartUpload, PostObject). What the grants allow is runtime/access/.
 *
 * Ownership controls ("Controlling ownership of objects and disabling ACLs for your bucket", Amazon
 * S3 User Guide, and its "Troubleshooting"): BucketOwnerEnforced disables ACLs (a new object may
 * name no ACL or bucket-owner-full-control and belongs to the bucket owner; PutBucketAcl and
 * PutObjectAcl answer AccessControlListNotSupported whatever they set, the owner-only "private"
 * too, as S3 answers Terraform's aws_s3_bucket_acl on such a bucket; reads show the owner's
 * FULL_CONTROL);
 * BucketOwnerPreferred gives the bucket owner an object written with bucket-owner-full-control;
 * ObjectWriter (and a bucket without controls, this gateway's default: README "ACLs") leaves it to
 * its writer.
 */
import type { AclHandlers } from "../../generated/handlers.js";
import { S3Error } from "../errors.js";
import { storageCall } from "../storage/errors.js";
import type { Acl, BucketInfo, ObjectOwnership } from "../storage/types.js";
import { aclOfRequest, DEFAULT_OBJECT_OWNERSHIP, grantsBeyondOwner, isDefaultAcl, isPublicAcl, ownerOnly, policyOf, type AclInput } from "../access/acl.js";
import { isOwner } from "../access/authorize.js";
import { authorizedBucket, checkObjectAccess, type HandlerContext } from "./common.js";

/** The canonical id of a stored owner (of a bucket or object). */
function ownerIdOf(ctx: HandlerContext, storedOwner: string): string {
  return ctx.users.ownerElement(storedOwner).ID;
}

/** The grants a request gives, if any (the canned ACL, the x-amz-grant-* headers, a document). */
function givesAcl(input: AclInput): boolean {
  return (
    input.ACL !== undefined ||
    input.AccessControlPolicy !== undefined ||
    input.GrantFullControl !== undefined ||
    input.GrantRead !== undefined ||
    input.GrantReadACP !== undefined ||
    input.GrantWrite !== undefined ||
    input.GrantWriteACP !== undefined
  );
}

/**
 * Who owns a new object and the ACL it is stored with (undefined: the default, its owner's
 * FULL_CONTROL). The bucket owner writing without ACL headers, the common case, costs no read; any
 * other write reads the bucket's ownership controls. An anonymous writer (a public-read-write
 * bucket) cannot own anything: its objects belong to the bucket owner.
 */
export async function newObjectAccess(ctx: HandlerContext, bucket: BucketInfo, input: AclInput): Promise<{ owner: string; acl?: Acl }> {
  const given = givesAcl(input);
  if (!given && isOwner(ctx.users, bucket.owner, ctx.user)) return { owner: ctx.owner };
  const access = await storageCall(() => ctx.storage.getBucketAccess(bucket.name));
  const ownership = access.ownership ?? DEFAULT_OBJECT_OWNERSHIP;
  const bucketOwnerId = ownerIdOf(ctx, bucket.owner);
  if (ownership === "BucketOwnerEnforced") {
    // "the only ACL you can use is bucket-owner-full-control" (or none)
    if (given && input.ACL !== "bucket-owner-full-control") throw new S3Error("AccessControlListNotSupported");
    return { owner: bucket.owner };
  }
  if (ownership === "BucketOwnerPreferred" && input.ACL === "bucket-owner-full-control") return { owner: bucket.owner };
  const writer = ctx.user;
  const owner = writer === undefined ? bucket.owner : ctx.owner;
  const ownerId = writer === undefined ? bucketOwnerId : writer.canonicalId;
  const acl = given ? aclOfRequest(input, ctx.users, ownerId, bucketOwnerId) : undefined;
  if (acl !== undefined) await refusePublicAcl(ctx, bucket.name, acl);
  return acl === undefined || isDefaultAcl(acl, ownerId) ? { owner } : { owner, acl };
}

/**
 * A new bucket's ACL and ownership controls (CreateBucket's x-amz-acl, x-amz-grant-* and
 * x-amz-object-ownership), undefined when it gets the defaults.
 */
export function newBucketAccess(ctx: HandlerContext, ownerId: string, input: AclInput & { ObjectOwnership?: ObjectOwnership }): { acl?: Acl; ownership?: ObjectOwnership } | undefined {
  const acl = aclOfRequest(input, ctx.users, ownerId, ownerId);
  if (input.ObjectOwnership === "BucketOwnerEnforced" && acl !== undefined && grantsBeyondOwner(acl, ownerId)) {
    throw new S3Error("InvalidBucketAclWithObjectOwnership");
  }
  const storedAcl = acl !== undefined && !isDefaultAcl(acl, ownerId) ? acl : undefined;
  if (storedAcl === undefined && input.ObjectOwnership === undefined) return undefined;
  return { ...(storedAcl !== undefined && { acl: storedAcl }), ...(input.ObjectOwnership !== undefined && { ownership: input.ObjectOwnership }) };
}

export const aclHandlers: AclHandlers<HandlerContext> = {
  async GetBucketAcl(input, ctx) {
    const bucket = await authorizedBucket(ctx, input.Bucket);
    const access = await storageCall(() => ctx.storage.getBucketAccess(input.Bucket));
    const ownerId = ownerIdOf(ctx, bucket.owner);
    // with ACLs disabled "requests to read ACLs are still supported and return the
    // bucket-owner-full-control ACL" (GetBucketAcl)
    const acl = access.ownership === "BucketOwnerEnforced" ? ownerOnly(ownerId) : (access.acl ?? ownerOnly(ownerId));
    return { Body: policyOf(acl, ctx.users.ownerElement(bucket.owner), ctx.users) };
  },

  async PutBucketAcl(input, ctx) {
    const bucket = await authorizedBucket(ctx, input.Bucket);
    const ownerId = ownerIdOf(ctx, bucket.owner);
    const access = await storageCall(() => ctx.storage.getBucketAccess(input.Bucket));
    if (access.ownership === "BucketOwnerEnforced") throw new S3Error("AccessControlListNotSupported");
    const acl = aclOfRequest(input, ctx.users, ownerId, ownerId);
    // neither a canned ACL, nor grants, nor a document: nothing to set
    if (acl === undefined) throw new S3Error("MalformedACLError");
    await refusePublicAcl(ctx, input.Bucket, acl);
    await storageCall(() => ctx.storage.putBucketAcl(input.Bucket, acl));
    return {};
  },

  async GetObjectAcl(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const { info } = await storageCall(() => ctx.storage.headObject(input.Bucket, input.Key, undefined, input.VersionId));
    await checkObjectAccess(ctx, info);
    const ownerId = ownerIdOf(ctx, info.owner);
    let acl = info.acl ?? ownerOnly(ownerId);
    if (info.acl !== undefined) {
      // with ACLs disabled the stored grants are not in force: the owner's FULL_CONTROL is shown
      const access = await storageCall(() => ctx.storage.getBucketAccess(input.Bucket));
      if (access.ownership === "BucketOwnerEnforced") acl = ownerOnly(ownerId);
    }
    return { Body: policyOf(acl, ctx.users.ownerElement(info.owner), ctx.users) };
  },

  async PutObjectAcl(input, ctx) {
    const bucket = await authorizedBucket(ctx, input.Bucket);
    const { info } = await storageCall(() => ctx.storage.headObject(input.Bucket, input.Key, undefined, input.VersionId));
    await checkObjectAccess(ctx, info);
    const ownerId = ownerIdOf(ctx, info.owner);
    const access = await storageCall(() => ctx.storage.getBucketAccess(input.Bucket));
    if (access.ownership === "BucketOwnerEnforced") throw new S3Error("AccessControlListNotSupported");
    const acl = aclOfRequest(input, ctx.users, ownerId, ownerIdOf(ctx, bucket.owner));
    if (acl === undefined) throw new S3Error("MalformedACLError");
    await refusePublicAcl(ctx, input.Bucket, acl);
    await storageCall(() => ctx.storage.putObjectAcl(input.Bucket, input.Key, acl, input.VersionId));
    return {};
  },

  async GetBucketOwnershipControls(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    const { ownership } = await storageCall(() => ctx.storage.getBucketAccess(input.Bucket));
    if (ownership === undefined) throw new S3Error("OwnershipControlsNotFoundError");
    return { Body: { Rules: [{ ObjectOwnership: ownership }] } };
  },

  async PutBucketOwnershipControls(input, ctx) {
    const bucket = await authorizedBucket(ctx, input.Bucket);
    // OwnershipControls holds exactly one rule ("PutBucketOwnershipControls")
    if (input.OwnershipControls.Rules.length !== 1) throw new S3Error("MalformedXML");
    const ownership = input.OwnershipControls.Rules[0].ObjectOwnership;
    if (ownership === "BucketOwnerEnforced") {
      // ACLs cannot be disabled while the bucket's ACL grants anyone else anything
      const { acl } = await storageCall(() => ctx.storage.getBucketAccess(input.Bucket));
      if (acl !== undefined && grantsBeyondOwner(acl, ownerIdOf(ctx, bucket.owner))) throw new S3Error("InvalidBucketAclWithObjectOwnership");
    }
    await storageCall(() => ctx.storage.putBucketOwnership(input.Bucket, ownership));
    return {};
  },

  async DeleteBucketOwnershipControls(input, ctx) {
    await authorizedBucket(ctx, input.Bucket);
    await storageCall(() => ctx.storage.putBucketOwnership(input.Bucket, undefined));
    return {};
  },
};

/**
 * PublicAccessBlock's BlockPublicAcls: "PUT Bucket acl and PUT Object acl calls fail if the
 * specified ACL is public", and so do object writes that carry one ("Blocking public access to
 * your Amazon S3 storage"): 403 AccessDenied. The block is read only for a public ACL.
 */
async function refusePublicAcl(ctx: HandlerContext, bucket: string, acl: Acl): Promise<void> {
  if (!isPublicAcl(acl)) return;
  if ((await ctx.publicAccessBlock(bucket))?.blockPublicAcls === true) throw new S3Error("AccessDenied");
}
