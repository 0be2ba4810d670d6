/**
 * The embedded store's bucket_policy and bucket_public_access_block tables (schema.ts): a bucket's
 * policy document, kept as the text PutBucketPolicy gave (GetBucketPolicy answers it byte for
 * byte; runtime/access/policy/ compiles it), and its public access block as a JSON object. Both
 * are read by primary key; the gateway caches the compiled policy per bucket
 * (runtime/access/policy/decision.ts), so this is not read on every request. Each method is one
 * read or one transaction, like bucket-config.ts; forgetBucket() runs inside deleteBucket's.
 */
import type Database from "better-sqlite3";
import type { PublicAccessBlock } from "../types.js";
import type { StoreCore } from "./store-core.js";

export class BucketPolicies {
  private readonly getPolicy: Database.Statement<[string], string>;
  private readonly putPolicy: Database.Statement<[string, string]>;
  private readonly removePolicy: Database.Statement<[string]>;
  private readonly getBlock: Database.Statement<[string], string>;
  private readonly putBlock: Database.Statement<[string, string]>;
  private readonly removeBlock: Database.Statement<[string]>;

  constructor(
    private readonly core: StoreCore,
    db: Database.Database,
  ) {
    this.getPolicy = db.prepare<[string], string>("SELECT policy FROM bucket_policy WHERE bucket = ?").pluck();
    this.putPolicy = db.prepare<[string, string]>("INSERT OR REPLACE INTO bucket_policy (bucket, policy) VALUES (?, ?)");
    this.removePolicy = db.prepare<[string]>("DELETE FROM bucket_policy WHERE bucket = ?");
    this.getBlock = db.prepare<[string], string>("SELECT config FROM bucket_public_access_block WHERE bucket = ?").pluck();
    this.putBlock = db.prepare<[string, string]>("INSERT OR REPLACE INTO bucket_public_access_block (bucket, config) VALUES (?, ?)");
    this.removeBlock = db.prepare<[string]>("DELETE FROM bucket_public_access_block WHERE bucket = ?");
  }

  /** Inside deleteBucket's transaction: a new bucket of the same name starts without either. */
  forgetBucket(name: string): void {
    this.removePolicy.run(name);
    this.removeBlock.run(name);
  }

  async getBucketPolicy(bucket: string): Promise<string | undefined> {
    this.core.enter();
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      return this.getPolicy.get(bucket);
    });
  }

  async putBucketPolicy(bucket: string, policy: string): Promise<void> {
    await this.write(bucket, () => this.putPolicy.run(bucket, policy));
  }

  async deleteBucketPolicy(bucket: string): Promise<void> {
    await this.write(bucket, () => this.removePolicy.run(bucket));
  }

  async getPublicAccessBlock(bucket: string): Promise<PublicAccessBlock | undefined> {
    this.core.enter();
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      const json = this.getBlock.get(bucket);
      return json === undefined ? undefined : (JSON.parse(json) as PublicAccessBlock);
    });
  }

  async putPublicAccessBlock(bucket: string, config: PublicAccessBlock): Promise<void> {
    const { blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets } = config;
    const json = JSON.stringify({ blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets });
    await this.write(bucket, () => this.putBlock.run(bucket, json));
  }

  async deletePublicAccessBlock(bucket: string): Promise<void> {
    await this.write(bucket, () => this.removeBlock.run(bucket));
  }

  private async write(bucket: string, change: () => unknown): Promise<void> {
    this.core.enter();
    await this.core.commit(() => {
      this.core.requireBucket(bucket);
      change();
      return { result: undefined, discard: [] };
    });
  }
}
