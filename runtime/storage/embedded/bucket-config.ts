/**
 * A bucket's configuration documents in the embedded store: tags, CORS rules (bucket-cors.ts),
 * lifecycle rules and the lifecycle executor's cursor (bucket-lifecycle.ts). Each is read and
 * written whole, in one transaction; forgetBucket() drops them with their bucket.
 */
import type Database from "better-sqlite3";

import type { CorsRule, LifecycleRule } from "../types.js";
import { BucketCorsTable } from "./bucket-cors.js";
import { BucketLifecycleTable } from "./bucket-lifecycle.js";
import type { StoreCore } from "./store-core.js";

export class BucketConfig {
  private readonly cors: BucketCorsTable;
  private readonly lifecycle: BucketLifecycleTable;

  constructor(private readonly core: StoreCore, db: Database.Database) {
    this.cors = new BucketCorsTable(db);
    this.lifecycle = new BucketLifecycleTable(db);
  }

  /** Inside deleteBucket's transaction: the bucket's documents go with it. */
  forgetBucket(name: string): void {
    this.core.st.deleteBucketTags.run(name);
    this.cors.delete(name);
    this.lifecycle.delete(name);
  }

  async getBucketTags(bucket: string): Promise<Record<string, string> | undefined> {
    this.core.enter();
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      const json = this.core.st.getBucketTags.get(bucket);
      return json === undefined ? undefined : (JSON.parse(json) as Record<string, string>);
    });
  }

  async putBucketTags(bucket: string, tags: Record<string, string>): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.core.requireBucket(bucket);
      if (Object.keys(tags).length === 0) this.core.st.deleteBucketTags.run(bucket);
      else this.core.st.putBucketTags.run(bucket, JSON.stringify(tags));
      return { result: undefined, discard: [] };
    });
  }

  deleteBucketTags(bucket: string): Promise<void> {
    return this.putBucketTags(bucket, {});
  }

  // CORS rules: bucket-cors.ts holds the table; here they are read and written like bucket tags.

  async getBucketCors(bucket: string): Promise<CorsRule[] | undefined> {
    this.core.enter();
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      return this.cors.read(bucket);
    });
  }

  async putBucketCors(bucket: string, rules: CorsRule[]): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.core.requireBucket(bucket);
      this.cors.write(bucket, rules);
      return { result: undefined, discard: [] };
    });
  }

  async deleteBucketCors(bucket: string): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.core.requireBucket(bucket);
      this.cors.delete(bucket);
      return { result: undefined, discard: [] };
    });
  }

  // Lifecycle rules and the executor's cursor: bucket-lifecycle.ts holds them; read and written here
  // like CORS rules (runtime/lifecycle/ applies them).

  async getBucketLifecycle(bucket: string): Promise<LifecycleRule[] | undefined> {
    this.core.enter();
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      return this.lifecycle.read(bucket);
    });
  }

  async putBucketLifecycle(bucket: string, rules: LifecycleRule[]): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.core.requireBucket(bucket);
      this.lifecycle.write(bucket, rules);
      return { result: undefined, discard: [] };
    });
  }

  async deleteBucketLifecycle(bucket: string): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.core.requireBucket(bucket);
      this.lifecycle.delete(bucket);
      return { result: undefined, discard: [] };
    });
  }

  /** buckets that have lifecycle rules, after `after` (exclusive), at most `limit` (LifecycleState) */
  async lifecycleBuckets(after: string, limit: number): Promise<string[]> {
    this.core.enter();
    return this.core.observe(() => this.lifecycle.bucketsWithRules(after, limit));
  }

  async getLifecycleCursor(): Promise<string | undefined> {
    this.core.enter();
    return this.core.observe(() => this.lifecycle.readCursor());
  }

  async putLifecycleCursor(cursor: string | undefined): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.lifecycle.writeCursor(cursor);
      return { result: undefined, discard: [] };
    });
  }
}
