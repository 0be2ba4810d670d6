/**
 * S3 bucket ACLs as Ozone ACLs (runtime/storage/ozone/acl.ts), against what Ozone's own gateway
 * writes (hadoop-ozone/s3gateway S3Acl.java) and what `ozone sh bucket addacl` writes: the rights'
 * bits and scopes, the grantee's Ozone user, and the way back.
 */
import { describe, expect, it } from "vitest";
import { ozoneAclsOf, ozoneObj, s3AclOf, type OzonePrincipals } from "../../runtime/storage/ozone/acl.js";
import { StorageError } from "../../runtime/storage/types.js";

/** canonical id "c-<name>" is Ozone user "<name>" */
const principals: OzonePrincipals = {
  ozoneUserOf: (id) => id.replace(/^c-/, ""),
  canonicalIdOf: (name) => (name === "stranger" ? name : `c-${name}`),
};

/** IAccessAuthorizer.ACLType ordinals as bits: READ 0, WRITE 1, CREATE 2, LIST 3, DELETE 4, READ_ACL 5, WRITE_ACL 6, ALL 7 */
const bits = (...ordinals: number[]) => ordinals.reduce((b, o) => b | (1 << o), 0);
const rights = (b: number) => (b > 0xff ? Buffer.from([b & 0xff, b >> 8]) : Buffer.from([b]));

describe("ozone bucket ACLs", () => {
  it("writes S3Acl's rights per permission, in the ACCESS and DEFAULT scopes, naming the Ozone user", () => {
    const { bucket, volume } = ozoneAclsOf(
      [
        { grantee: { kind: "user", id: "c-main" }, permission: "FULL_CONTROL" },
        { grantee: { kind: "user", id: "c-alt" }, permission: "READ" },
        { grantee: { kind: "user", id: "c-alt" }, permission: "WRITE" },
        { grantee: { kind: "user", id: "c-third" }, permission: "READ_ACP" },
        { grantee: { kind: "user", id: "c-third" }, permission: "WRITE_ACP" },
      ],
      principals,
    );
    expect(bucket).toEqual([
      { type: "USER", name: "main", rights: rights(bits(7)), aclScope: "DEFAULT" },
      { type: "USER", name: "main", rights: rights(bits(7)), aclScope: "ACCESS" },
      { type: "USER", name: "alt", rights: rights(bits(0, 3, 1, 4, 2)), aclScope: "DEFAULT" },
      { type: "USER", name: "alt", rights: rights(bits(0, 3, 1, 4, 2)), aclScope: "ACCESS" },
      { type: "USER", name: "third", rights: rights(bits(5, 6)), aclScope: "DEFAULT" },
      { type: "USER", name: "third", rights: rights(bits(5, 6)), aclScope: "ACCESS" },
    ]);
    // least privilege on the volume (getOzoneAclOnVolumeFromS3Permission)
    expect(volume).toEqual([
      { type: "USER", name: "main", rights: rights(bits(0, 1, 5, 6)), aclScope: "ACCESS" },
      { type: "USER", name: "alt", rights: rights(bits(0, 1)), aclScope: "ACCESS" },
      { type: "USER", name: "third", rights: rights(bits(0, 5, 6)), aclScope: "ACCESS" },
    ]);
    expect(ozoneObj("s3v", "b")).toEqual({ resType: "BUCKET", storeType: "OZONE", path: "/s3v/b" });
  });

  it("refuses a grant to a group (Ozone's gateway: NotImplemented)", () => {
    let error: unknown;
    try {
      ozoneAclsOf([{ grantee: { kind: "group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }], principals);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).kind).toBe("NOT_SUPPORTED");
  });

  it("reads back every S3 permission of a USER ACL of the ACCESS scope, and nothing of the rest", () => {
    const acl = s3AclOf(
      [
        { type: "USER", name: "main", rights: rights(bits(7)), aclScope: "ACCESS" },
        { type: "USER", name: "main", rights: rights(bits(7)), aclScope: "DEFAULT" },
        // ozone sh bucket addacl -a user:alt:rlxy
        { type: "USER", name: "alt", rights: rights(bits(0, 3, 5, 6)), aclScope: "ACCESS" },
        // r without l makes no S3 permission
        { type: "USER", name: "third", rights: rights(bits(0)), aclScope: "ACCESS" },
        { type: "USER", name: "stranger", rights: rights(bits(1, 2, 4)), aclScope: "ACCESS" },
        { type: "GROUP", name: "hadoop", rights: rights(bits(7)), aclScope: "ACCESS" },
        { type: "WORLD", name: "", rights: rights(bits(0, 3)), aclScope: "ACCESS" },
      ],
      principals,
    );
    expect(acl).toEqual([
      { grantee: { kind: "user", id: "c-main" }, permission: "FULL_CONTROL" },
      { grantee: { kind: "user", id: "c-alt" }, permission: "WRITE_ACP" },
      { grantee: { kind: "user", id: "c-alt" }, permission: "READ_ACP" },
      { grantee: { kind: "user", id: "c-alt" }, permission: "READ" },
      { grantee: { kind: "user", id: "stranger" }, permission: "WRITE" },
    ]);
    // a second byte of rights (NONE is bit 8) is read too
    expect(s3AclOf([{ type: "USER", name: "x", rights: rights(bits(7, 8)), aclScope: "ACCESS" }], principals)).toEqual([
      { grantee: { kind: "user", id: "c-x" }, permission: "FULL_CONTROL" },
    ]);
    expect(s3AclOf([{ type: "GROUP", name: "hadoop", rights: rights(bits(7)), aclScope: "ACCESS" }], principals)).toBeUndefined();
  });

  it("round-trips what it writes", () => {
    const given = [
      { grantee: { kind: "user", id: "c-main" }, permission: "FULL_CONTROL" },
      { grantee: { kind: "user", id: "c-alt" }, permission: "WRITE" },
    ] as const;
    expect(s3AclOf(ozoneAclsOf(given, principals).bucket, principals)).toEqual(given);
  });
});
