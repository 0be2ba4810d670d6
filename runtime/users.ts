/**
 * Users: who signs requests, and who owns buckets and objects.
 *
 * A user has a canonical id (S3's Owner ID, "Find the canonical user ID for your AWS account",
 * Amazon S3 User Guide), a display name (the Owner DisplayName), an optional email (what ACL grants
 * by email will name) and one or more access keys, each Active or Inactive. Buckets and objects
 * belong to the user, not to the key that made them: every key of a user reaches the same buckets.
 *
 * A UserSet is an immutable snapshot: the request path does one Map lookup on it (the access key at
 * authentication, a stored owner when a bucket's ownership is checked). A change of users
 * (runtime/users-file.ts) builds a new snapshot and swaps it in whole, so a request never sees half
 * of a change.
 *
 * What is stored as owner: the embedded store stores the canonical id; the Ozone backend names the
 * user's Ozone user (see ozoneOwner). Data written before users existed stores the access key id
 * that made it; such an owner is mapped to the user holding that key when it is read, so nothing is
 * migrated (and the Ozone cluster, which this gateway shares with other clients, is never rewritten).
 */
import { createHash } from "node:crypto";
import type { Credential, UserAccessKey, UserConfig } from "./config.js";

export interface User {
  readonly canonicalId: string;
  readonly displayName: string;
  readonly email?: string;
  /** the owner name this user's buckets and keys get on Ozone */
  readonly ozoneUser: string;
  readonly accessKeys: readonly Readonly<Required<UserAccessKey>>[];
}

/** S3's Owner element. */
export interface Owner {
  ID: string;
  DisplayName: string;
}

/**
 * The user a `credentials` entry (or S3G_ACCESS_KEY/S3G_SECRET_KEY) stands for: one key, one user,
 * as every access key was its own owner before users existed. The canonical id is the one this
 * gateway always showed for that key (SHA-256 of "s3gw-owner:<key>"), the display name the key
 * itself: nothing a client of an existing deployment sees changes.
 */
export function userOfCredential(c: Credential): UserConfig {
  return {
    canonicalId: legacyCanonicalId(c.accessKeyId),
    displayName: c.accessKeyId,
    accessKeys: [{ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, status: "Active" }],
  };
}

function legacyCanonicalId(accessKeyId: string): string {
  return createHash("sha256").update(`s3gw-owner:${accessKeyId}`).digest("hex");
}

/**
 * A user from its configuration. On Ozone, what Ozone's own gateway writes as owner is the short
 * user name of the request's principal (RpcClient.createBucket and getRealUserInfo:
 * UserGroupInformation.createRemoteUser(s3Auth.getUserPrincipal()).getShortUserName()), and that
 * principal is the access key id unless S3 multi-tenancy assigns the key to a tenant user (the OM's
 * GetS3VolumeContext answer). So `ozoneUser` names the tenant user when there is one, and defaults
 * to the user's first access key id: the name the OM itself gives a request signed with that key.
 */
function userOf(u: UserConfig): User {
  return Object.freeze({
    canonicalId: u.canonicalId,
    displayName: u.displayName,
    ...(u.email !== undefined && { email: u.email }),
    ozoneUser: u.ozoneUser ?? u.accessKeys[0].accessKeyId,
    accessKeys: Object.freeze(u.accessKeys.map((k) => Object.freeze({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey, status: k.status ?? "Active" }))),
  });
}

export class UserSet {
  /** access key id -> its user and secret (Inactive keys included: they still name their user's old data) */
  private readonly keys = new Map<string, { user: User; secret: string; active: boolean }>();
  /** a stored owner (canonical id, Ozone user or, from older data, an access key id) -> its user */
  private readonly owners = new Map<string, User>();
  /** email (lower-case) -> its user: what an ACL grant by email names */
  private readonly emails = new Map<string, User>();
  readonly users: readonly User[];

  private constructor(users: User[]) {
    this.users = Object.freeze(users);
    for (const user of users) {
      this.owners.set(user.canonicalId, user);
      this.owners.set(user.ozoneUser, user);
      if (user.email !== undefined && !this.emails.has(user.email.toLowerCase())) this.emails.set(user.email.toLowerCase(), user);
      for (const k of user.accessKeys) {
        this.keys.set(k.accessKeyId, { user, secret: k.secretAccessKey, active: k.status === "Active" });
        this.owners.set(k.accessKeyId, user);
      }
    }
  }

  /**
   * The set, or every reason it cannot be one: an access key id must name one key of one user, and
   * a name that can be stored as owner (canonical id, Ozone user, access key id) must lead back to
   * one user only, else a bucket of one user could be read as another's.
   */
  static of(configs: readonly UserConfig[]): { set: UserSet; problems: [] } | { set?: undefined; problems: string[] } {
    const problems: string[] = [];
    const claimedBy = new Map<string, string>();
    const claim = (name: string, what: string, who: string) => {
      const other = claimedBy.get(name);
      // one user may use one name twice (its ozoneUser is one of its own keys, by default)
      if (other !== undefined && other !== who) problems.push(`${what} ${JSON.stringify(name)} of user ${who} is already a name of user ${other}`);
      else claimedBy.set(name, who);
    };
    const seenKeys = new Set<string>();
    const users = configs.map(userOf);
    for (const u of users) {
      const who = JSON.stringify(u.canonicalId);
      if (claimedBy.get(u.canonicalId) === who) problems.push(`canonicalId ${who} is given to two users`);
      claim(u.canonicalId, "canonicalId", who);
      claim(u.ozoneUser, "ozoneUser", who);
      for (const k of u.accessKeys) {
        if (seenKeys.has(k.accessKeyId)) problems.push(`access key ${JSON.stringify(k.accessKeyId)} is listed twice`);
        seenKeys.add(k.accessKeyId);
        claim(k.accessKeyId, "access key", who);
      }
    }
    return problems.length > 0 ? { problems: [...new Set(problems)] } : { set: new UserSet(users), problems: [] };
  }

  /** The secret of an Active key; undefined for a key that is Inactive or unknown (both: InvalidAccessKeyId). */
  secretOf(accessKeyId: string): string | undefined {
    const k = this.keys.get(accessKeyId);
    return k?.active ? k.secret : undefined;
  }

  /** The user of an Active key. */
  userOfKey(accessKeyId: string): User | undefined {
    const k = this.keys.get(accessKeyId);
    return k?.active ? k.user : undefined;
  }

  /** The user a stored owner names, if any user still does. */
  ownerUser(stored: string): User | undefined {
    return this.owners.get(stored);
  }

  /** The user an ACL grant by email names (emails compare without regard to case). */
  userOfEmail(email: string): User | undefined {
    return this.emails.get(email.toLowerCase());
  }

  /**
   * The Owner element for a stored owner: its user's, or, for an owner no user names any more, the
   * id this gateway has always derived from a bare name and the name itself.
   */
  ownerElement(stored: string): Owner {
    const user = this.owners.get(stored);
    return user !== undefined ? ownerElementOf(user) : { ID: legacyCanonicalId(stored), DisplayName: stored };
  }

  get keyCount(): number {
    return this.keys.size;
  }

  /** Some Active key (the Ozone backend's service identity for requests made on no client's behalf). */
  firstActiveKey(): string | undefined {
    for (const [id, k] of this.keys) if (k.active) return id;
    return undefined;
  }
}

export function ownerElementOf(user: User): Owner {
  return { ID: user.canonicalId, DisplayName: user.displayName };
}

/** What the request path reads: the snapshot in force now. */
export interface UserDirectory {
  readonly current: UserSet;
}
