/**
 * S3 bucket ACLs kept as Ozone ACLs, the way Ozone's own S3 gateway keeps them
 * (hadoop-ozone/s3gateway, endpoint/BucketAclHandler.java and S3Acl.java): a grant to a user
 * becomes an OzoneAclInfo of type USER naming that user's Ozone user, in both the ACCESS scope (the
 * bucket's own rights) and the DEFAULT scope (what keys created in it inherit), with the rights of
 * S3Acl.getOzoneAclOnBucketFromS3Permission; the grantee also gets the "least privilege" rights on
 * the volume that let it reach the bucket (getOzoneAclOnVolumeFromS3Permission). Reading them back
 * is S3Acl.ozoneNativeAclToS3Acl: only USER ACLs are S3 grants.
 *
 * So an ACL set here is what `ozone sh bucket getacl` shows, and one set with `ozone sh bucket
 * addacl -a user:<ozone user>:<rights>` is a grant GetBucketAcl answers and the access decision
 * (runtime/access/authorize.ts) applies. What Ozone's gateway refuses is refused the same way:
 * a grant to a group (AllUsers, AuthenticatedUsers, LogDelivery, hence the canned ACLs public-read,
 * public-read-write and authenticated-read) is 501 NotImplemented. A grant by email is taken, as the
 * user the email names (runtime/access/acl.ts resolves it before the store sees it).
 *
 * Users: our users are Ozone users by their `ozoneUser` (runtime/users.ts; the access key id by
 * default, which is the user the OM itself names an S3 request's caller): OzonePrincipals maps
 * the canonical ids of S3 grants to Ozone users and back. An Ozone user that is none of ours is
 * shown by its name, as Ozone's gateway shows every grantee.
 */
import { StorageError, type Acl, type AclGrant, type AclPermission } from "../types.js";
import type { UserSet } from "../../users.js";
import type { OmMessage } from "./om-client.js";

/** Ozone's ACL rights: bit `1 << ordinal` of IAccessAuthorizer.ACLType (READ, WRITE, CREATE, LIST, DELETE, READ_ACL, WRITE_ACL, ALL, NONE). */
const READ = 1 << 0;
const WRITE = 1 << 1;
const CREATE = 1 << 2;
const LIST = 1 << 3;
const DELETE = 1 << 4;
const READ_ACL = 1 << 5;
const WRITE_ACL = 1 << 6;
const ALL = 1 << 7;

/** S3Acl.getOzoneAclOnBucketFromS3Permission */
const BUCKET_RIGHTS: Readonly<Record<AclPermission, number>> = {
  FULL_CONTROL: ALL,
  WRITE_ACP: WRITE_ACL,
  READ_ACP: READ_ACL,
  WRITE: WRITE | DELETE | CREATE,
  READ: READ | LIST,
};

/** S3Acl.getOzoneAclOnVolumeFromS3Permission: what reaching the bucket needs on its volume */
const VOLUME_RIGHTS: Readonly<Record<AclPermission, number>> = {
  FULL_CONTROL: READ | WRITE | READ_ACL | WRITE_ACL,
  WRITE_ACP: READ | READ_ACL | WRITE_ACL,
  READ_ACP: READ | READ_ACL,
  WRITE: READ | WRITE,
  READ: READ,
};

/** How our users are named in Ozone ACLs (runtime/users.ts ozoneUser) and back. */
export interface OzonePrincipals {
  /** the Ozone user of the user with this canonical id */
  ozoneUserOf(canonicalId: string): string;
  /** the canonical id of the user this Ozone user is; the name itself when it is none of ours */
  canonicalIdOf(ozoneUser: string): string;
}

/** Without users (a store opened on its own, as by the storage tests): names are taken as they are. */
export const SAME_NAMES: OzonePrincipals = { ozoneUserOf: (id) => id, canonicalIdOf: (name) => name };

/** OzoneObj of a bucket or volume (OzoneObjInfo.getPath: "/volume/bucket"), as Ozone's client sends it. */
export function ozoneObj(volume: string, bucket?: string): OmMessage {
  return bucket === undefined
    ? { resType: "VOLUME", storeType: "OZONE", path: `/${volume}` }
    : { resType: "BUCKET", storeType: "OZONE", path: `/${volume}/${bucket}` };
}

/** OzoneAcl.getAclByteString: the rights' bits, little-endian, in one byte or two. */
function rightsBytes(bits: number): Buffer {
  return bits > 0xff ? Buffer.from([bits & 0xff, bits >>> 8]) : Buffer.from([bits]);
}

/** OzoneAcl.fromProtobuf: at most four little-endian bytes. */
function rightsOf(bytes: Uint8Array | undefined): number {
  let bits = 0;
  for (let i = 0; i < Math.min(bytes?.length ?? 0, 4); i++) bits |= bytes![i] << (i * 8);
  return bits;
}

function userAcl(name: string, scope: "ACCESS" | "DEFAULT", bits: number): OmMessage {
  return { type: "USER", name, rights: rightsBytes(bits), aclScope: scope };
}

/**
 * The Ozone ACLs of an S3 bucket ACL: `bucket` replaces the bucket's (SetAcl), `volume` is added to
 * the volume's (AddAcl, one per user, rights merged). A group grantee fails with NOT_SUPPORTED
 * (Ozone's gateway: "Grantee type ... is not supported", NotImplemented).
 */
export function ozoneAclsOf(acl: Acl, principals: OzonePrincipals): { bucket: OmMessage[]; volume: OmMessage[] } {
  const onBucket = new Map<string, number>();
  const onVolume = new Map<string, number>();
  for (const grant of acl) {
    if (grant.grantee.kind !== "user") {
      throw new StorageError(
        "NOT_SUPPORTED",
        "ACL grants to groups",
        `ACL grants to groups (${grant.grantee.uri}) are not supported by this gateway's Ozone backend, as by Ozone's own S3 gateway: Ozone ACLs name users.`,
      );
    }
    const name = principals.ozoneUserOf(grant.grantee.id);
    onBucket.set(name, (onBucket.get(name) ?? 0) | BUCKET_RIGHTS[grant.permission]);
    onVolume.set(name, (onVolume.get(name) ?? 0) | VOLUME_RIGHTS[grant.permission]);
  }
  const bucket: OmMessage[] = [];
  for (const [name, bits] of onBucket) bucket.push(userAcl(name, "DEFAULT", bits), userAcl(name, "ACCESS", bits));
  const volume = [...onVolume].map(([name, bits]) => userAcl(name, "ACCESS", bits));
  return { bucket, volume };
}

/**
 * The S3 grants of a bucket's Ozone ACLs: its USER ACLs of the ACCESS scope (the DEFAULT ones are
 * what its keys inherit; groups, WORLD and the rest name no S3 grantee, as in Ozone's gateway).
 * Where S3Acl.ozoneNativeAclToS3Acl keeps only the first permission an ACL maps to, every one is
 * kept here (an ACL with `rlxy` is READ, READ_ACP and WRITE_ACP), so that what the access decision
 * allows is what GetBucketAcl shows. Rights that make no whole S3 permission (`r` without `l`)
 * grant nothing. undefined when the bucket has no USER ACL (the default: its owner's FULL_CONTROL).
 */
export function s3AclOf(ozoneAcls: readonly OmMessage[], principals: OzonePrincipals): Acl | undefined {
  const grants: AclGrant[] = [];
  const seen = new Set<string>();
  let users = 0;
  for (const a of ozoneAcls) {
    if (a.type !== "USER" || (a.aclScope ?? "ACCESS") !== "ACCESS") continue;
    users++;
    const bits = rightsOf(a.rights as Uint8Array | undefined);
    const id = principals.canonicalIdOf(String(a.name));
    const permissions: AclPermission[] =
      (bits & ALL) !== 0
        ? ["FULL_CONTROL"]
        : (Object.entries(BUCKET_RIGHTS) as [AclPermission, number][]).filter(([p, need]) => p !== "FULL_CONTROL" && (bits & need) === need).map(([p]) => p);
    for (const permission of permissions) {
      const key = `${id}\u0000${permission}`;
      if (seen.has(key)) continue;
      seen.add(key);
      grants.push({ grantee: { kind: "user", id }, permission });
    }
  }
  return users === 0 ? undefined : grants;
}

/** Our users as Ozone principals, from the users in force at each call (the users file may change). */
export function principalsOf(users: { readonly current: UserSet }): OzonePrincipals {
  return {
    ozoneUserOf: (id) => users.current.ownerUser(id)?.ozoneUser ?? id,
    canonicalIdOf: (name) => users.current.ownerUser(name)?.canonicalId ?? name,
  };
}
