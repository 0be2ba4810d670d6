/**
 * The embedded store's bucket_cors table (schema.ts): a bucket's CORS rules as one JSON array, in
 * the order PutBucketCors gave them (the first matching rule wins, so order is meaning). Rules are
 * read per bucket by primary key; the gateway caches them briefly (runtime/filters/cors.ts), so
 * this is not on every request's path. The store calls these inside its own reads and
 * transactions (store.ts getBucketCors, putBucketCors, deleteBucket): nothing here commits or
 * waits on its own.
 */
import type Database from "better-sqlite3";
import type { CorsRule } from "../types.js";

export class BucketCorsTable {
  private readonly get: Database.Statement<[string], string>;
  private readonly put: Database.Statement<[string, string]>;
  private readonly remove: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.get = db.prepare<[string], string>("SELECT rules FROM bucket_cors WHERE bucket = ?").pluck();
    this.put = db.prepare<[string, string]>("INSERT OR REPLACE INTO bucket_cors (bucket, rules) VALUES (?, ?)");
    this.remove = db.prepare<[string]>("DELETE FROM bucket_cors WHERE bucket = ?");
  }

  read(bucket: string): CorsRule[] | undefined {
    const json = this.get.get(bucket);
    return json === undefined ? undefined : (JSON.parse(json) as CorsRule[]);
  }

  write(bucket: string, rules: readonly CorsRule[]): void {
    this.put.run(bucket, JSON.stringify(rules));
  }

  /** also when the bucket is deleted: a new bucket of the same name starts without rules */
  delete(bucket: string): void {
    this.remove.run(bucket);
  }
}
