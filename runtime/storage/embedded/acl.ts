/**
 * The embedded store's bucket_access table (schema.ts): a bucket's ACL (JSON array of grants) and
 * its ownership controls, each NULL while not set, the row absent while neither is. Read by
 * primary key, and only for a request that is not the bucket owner's (runtime/access/authorize.ts):
 * the owner's requests never read it. Object ACLs are not here: each version carries its own in its
 * `meta` (rows.ts StoredMeta.acl), so that it is written in the same step as the version and moves
 * with it (noncurrent, restored, deleted) without a table of its own to keep in step;
 * object-meta.ts putObjectAcl rewrites it as putObjectTags rewrites the tags.
 *
 * BucketAcls reads and writes the table in the store's own reads and transactions (store-core.ts);
 * createBucket and deleteBucket (store.ts) call table() inside theirs.
 */
import type Database from "better-sqlite3";
import type { Acl, BucketAccess, ObjectOwnership } from "../types.js";
import type { StoreCore } from "./store-core.js";

export class BucketAcls {
  readonly table: BucketAccessTable;

  constructor(private readonly core: StoreCore, db: Database.Database) {
    this.table = new BucketAccessTable(db);
  }

  async getBucketAccess(bucket: string): Promise<BucketAccess> {
    this.core.enter();
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      return this.table.read(bucket);
    });
  }

  async putBucketAcl(bucket: string, acl: Acl): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.core.requireBucket(bucket);
      this.table.writeAcl(bucket, acl);
      return { result: undefined, discard: [] };
    });
  }

  async putBucketOwnership(bucket: string, ownership: ObjectOwnership | undefined): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.core.requireBucket(bucket);
      this.table.writeOwnership(bucket, ownership);
      return { result: undefined, discard: [] };
    });
  }
}

interface AccessRow {
  acl: string | null;
  ownership: ObjectOwnership | null;
}

export class BucketAccessTable {
  private readonly get: Database.Statement<[string], AccessRow>;
  private readonly setAcl: Database.Statement<[string, string]>;
  private readonly setOwnership: Database.Statement<[string, string | null]>;
  private readonly dropEmpty: Database.Statement<[string]>;
  private readonly remove: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.get = db.prepare<[string], AccessRow>("SELECT acl, ownership FROM bucket_access WHERE bucket = ?");
    this.setAcl = db.prepare<[string, string]>(
      "INSERT INTO bucket_access (bucket, acl, ownership) VALUES (?, ?, NULL) ON CONFLICT (bucket) DO UPDATE SET acl = excluded.acl",
    );
    this.setOwnership = db.prepare<[string, string | null]>(
      "INSERT INTO bucket_access (bucket, acl, ownership) VALUES (?, NULL, ?) ON CONFLICT (bucket) DO UPDATE SET ownership = excluded.ownership",
    );
    this.dropEmpty = db.prepare<[string]>("DELETE FROM bucket_access WHERE bucket = ? AND acl IS NULL AND ownership IS NULL");
    this.remove = db.prepare<[string]>("DELETE FROM bucket_access WHERE bucket = ?");
  }

  read(bucket: string): BucketAccess {
    const row = this.get.get(bucket);
    if (row === undefined) return {};
    return {
      ...(row.acl !== null && { acl: JSON.parse(row.acl) as Acl }),
      ...(row.ownership !== null && { ownership: row.ownership }),
    };
  }

  write(bucket: string, access: BucketAccess): void {
    if (access.acl !== undefined) this.writeAcl(bucket, access.acl);
    if (access.ownership !== undefined) this.writeOwnership(bucket, access.ownership);
  }

  writeAcl(bucket: string, acl: Acl): void {
    this.setAcl.run(bucket, JSON.stringify(acl));
  }

  writeOwnership(bucket: string, ownership: ObjectOwnership | undefined): void {
    this.setOwnership.run(bucket, ownership ?? null);
    if (ownership === undefined) this.dropEmpty.run(bucket);
  }

  /** with the bucket: a new bucket of the same name starts private, without ownership controls */
  delete(bucket: string): void {
    this.remove.run(bucket);
  }
}
