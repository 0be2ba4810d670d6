/**
 * The embedded store's bucket_lifecycle table (schema.ts): a bucket's lifecycle rules as one JSON
 * array, in the order PutBucketLifecycleConfiguration gave them (GET answers them in that order),
 * and the lifecycle executor's cursor, one row of store_info, so that a restart resumes the pass
 * where it stopped (runtime/lifecycle/executor.ts). The store calls these inside its own reads and
 * transactions (store.ts): nothing here commits or waits on its own.
 */
import type Database from "better-sqlite3";
import type { LifecycleRule } from "../types.js";

const CURSOR_ROW = "lifecycle_cursor";

export class BucketLifecycleTable {
  private readonly get: Database.Statement<[string], string>;
  private readonly put: Database.Statement<[string, string]>;
  private readonly remove: Database.Statement<[string]>;
  private readonly bucketsAfter: Database.Statement<[string, number], string>;
  private readonly getCursor: Database.Statement<[], string>;
  private readonly putCursor: Database.Statement<[string]>;
  private readonly removeCursor: Database.Statement<[]>;

  constructor(db: Database.Database) {
    this.get = db.prepare<[string], string>("SELECT rules FROM bucket_lifecycle WHERE bucket = ?").pluck();
    this.put = db.prepare<[string, string]>("INSERT OR REPLACE INTO bucket_lifecycle (bucket, rules) VALUES (?, ?)");
    this.remove = db.prepare<[string]>("DELETE FROM bucket_lifecycle WHERE bucket = ?");
    this.bucketsAfter = db
      .prepare<[string, number], string>("SELECT bucket FROM bucket_lifecycle WHERE bucket > ? ORDER BY bucket LIMIT ?")
      .pluck();
    this.getCursor = db.prepare<[], string>(`SELECT value FROM store_info WHERE name = '${CURSOR_ROW}'`).pluck();
    this.putCursor = db.prepare<[string]>(`INSERT OR REPLACE INTO store_info (name, value) VALUES ('${CURSOR_ROW}', ?)`);
    this.removeCursor = db.prepare<[]>(`DELETE FROM store_info WHERE name = '${CURSOR_ROW}'`);
  }

  read(bucket: string): LifecycleRule[] | undefined {
    const json = this.get.get(bucket);
    return json === undefined ? undefined : (JSON.parse(json) as LifecycleRule[]);
  }

  write(bucket: string, rules: readonly LifecycleRule[]): void {
    this.put.run(bucket, JSON.stringify(rules));
  }

  /** also when the bucket is deleted: a new bucket of the same name starts without rules */
  delete(bucket: string): void {
    this.remove.run(bucket);
  }

  /** names of buckets with rules, after `after` in byte order (the primary key's), at most `limit` */
  bucketsWithRules(after: string, limit: number): string[] {
    return this.bucketsAfter.all(after, limit);
  }

  readCursor(): string | undefined {
    return this.getCursor.get();
  }

  writeCursor(cursor: string | undefined): void {
    if (cursor === undefined) this.removeCursor.run();
    else this.putCursor.run(cursor);
  }
}
