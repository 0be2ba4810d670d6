/**
 * Object tags and object ACLs in the embedded store: both live in a version's `meta` JSON
 * (rows.ts StoredMeta), so a change to them rewrites that field and nothing else (acl.ts says why
 * object ACLs are not in a table of their own). StoreCore (store-core.ts) runs the transactions.
 */
import type { Acl, ObjectTags } from "../types.js";
import type { StoredMeta } from "./rows.js";
import type { StoreCore } from "./store-core.js";
import { validateKey } from "../keys.js";

export class ObjectMeta {
  constructor(private readonly core: StoreCore) {}

  async getObjectTags(bucket: string, key: string, versionId?: string): Promise<ObjectTags> {
    this.core.enter();
    validateKey(key);
    return this.core.observe(() => {
      this.core.requireBucket(bucket);
      const { info } = this.core.readable(bucket, key, versionId);
      return { tags: info.tags, ...(info.versionId !== undefined && { versionId: info.versionId }) };
    });
  }

  /**
   * Rewrites the tags in the current version's `meta` in one transaction: the row keeps its vid,
   * ETag, last-modified time and segments, so readers of the bytes are not disturbed and a retried
   * completion still recognises the version it made.
   */
  async putObjectTags(bucket: string, key: string, tags: Record<string, string>, versionId?: string): Promise<{ versionId?: string }> {
    return this.rewriteMeta(bucket, key, versionId, { tags: { ...tags } });
  }

  /** As putObjectTags: the version's meta is rewritten, nothing else (acl.ts). */
  async putObjectAcl(bucket: string, key: string, acl: Acl, versionId?: string): Promise<{ versionId?: string }> {
    return this.rewriteMeta(bucket, key, versionId, { acl: [...acl] });
  }

  /** Replaces fields of one version's `meta` (its tags or its ACL) in one transaction. */
  private async rewriteMeta(bucket: string, key: string, versionId: string | undefined, change: Partial<StoredMeta>): Promise<{ versionId?: string }> {
    this.core.enter();
    validateKey(key);
    return this.core.commit<{ versionId?: string }>(() => {
      this.core.requireBucket(bucket);
      const state = this.core.versions.status(bucket);
      const { row, info } = this.core.readable(bucket, key, versionId);
      if (state === undefined) {
        const meta = JSON.parse(row.meta) as StoredMeta;
        this.core.st.updateObjectMeta.run(JSON.stringify({ ...meta, ...change } satisfies StoredMeta), bucket, key);
        return { result: {}, discard: [] };
      }
      const shown = info.versionId!;
      const current = this.core.st.getObject.get(bucket, key);
      this.core.versions.setMeta(this.core.versions.locate(bucket, key, shown, current)!, change);
      return { result: { versionId: shown }, discard: [] };
    });
  }

  deleteObjectTags(bucket: string, key: string, versionId?: string): Promise<{ versionId?: string }> {
    return this.putObjectTags(bucket, key, {}, versionId);
  }
}
