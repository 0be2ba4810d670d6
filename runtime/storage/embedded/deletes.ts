/**
 * DeleteObject and DeleteObjects in the embedded store: a delete of the latest version or of one
 * version, as the bucket's versioning state has it (versions.ts), refused for a version whose
 * Object Lock holds (object-lock.ts), and judged on the current version when conditional.
 * StoreCore (store-core.ts) runs the transactions.
 */
import { StorageError, type DeleteCondition, type DeleteObjectResult, type DeleteOutcome, type ObjectToDelete } from "../types.js";
import { checkRemovable } from "./object-lock.js";
import { toObjectInfo } from "./rows.js";
import { deleteConditionFailure, type StoreCore } from "./store-core.js";
import { checkVersionIdForm } from "../version-ids.js";
import { validateKey } from "../keys.js";

export class ObjectDeletes {
  constructor(private readonly core: StoreCore) {}

  async deleteObject(bucket: string, key: string, versionId?: string, condition?: DeleteCondition, bypassGovernance = false): Promise<DeleteOutcome> {
    this.core.enter();
    validateKey(key);
    return this.core.commit(() => {
      const owner = this.core.requireBucket(bucket).owner;
      const { outcome, discard } = this.deleteOne(bucket, owner, key, versionId, condition, bypassGovernance);
      return { result: outcome, discard };
    }, undefined, undefined, { bucket, key });
  }

  /**
   * One transaction (one log fsync) for the whole batch; a missing key (or version) is a success.
   * Each entry runs in a savepoint of its own, so one that fails changes nothing and the others
   * still happen.
   */
  async deleteObjects(bucket: string, objects: ObjectToDelete[]): Promise<DeleteObjectResult[]> {
    this.core.enter();
    return this.core.commit(() => {
      const owner = this.core.requireBucket(bucket).owner;
      const discard: string[] = [];
      const one = this.core.db.transaction((o: ObjectToDelete) => this.deleteOne(bucket, owner, o.key, o.versionId, o.condition, o.bypassGovernance === true));
      const results = objects.map((o): DeleteObjectResult => {
        const asked = o.versionId === undefined ? {} : { requestedVersionId: o.versionId };
        try {
          validateKey(o.key);
          const done = one(o);
          discard.push(...done.discard);
          return { key: o.key, ...asked, ...done.outcome };
        } catch (err) {
          if (!(err instanceof StorageError)) throw err;
          return { key: o.key, ...asked, error: err };
        }
      });
      return { result: results, discard };
    });
  }

  /** A delete of the latest version or of one version, as the bucket's versioning state has it. */
  private deleteOne(
    bucket: string,
    owner: string,
    key: string,
    versionId: string | undefined,
    condition: DeleteCondition | undefined,
    bypassGovernance: boolean,
  ): { outcome: DeleteOutcome; discard: string[] } {
    const state = this.core.versions.status(bucket);
    const current = this.core.st.getObject.get(bucket, key);
    // a conditional delete is judged on the current version, whichever version it deletes (S3)
    const failure = condition === undefined ? undefined : deleteConditionFailure(current, condition);
    if (failure !== undefined) throw new StorageError(failure);
    if (state === undefined) {
      // a bucket never versioned has one version of a key, "null"
      if (versionId !== undefined) checkVersionIdForm(versionId);
      if (versionId !== undefined && versionId !== "null") {
        throw new StorageError("VERSION_NOT_FOUND", undefined, undefined, undefined, { versionId });
      }
      return { outcome: {}, discard: current === undefined ? [] : this.core.dropVersion(current) };
    }
    if (versionId === undefined) return this.core.versions.deleteLatest(state, bucket, key, owner, current);
    // a removal for good: refused while the version's lock holds (object-lock.ts)
    const found = this.core.versions.locate(bucket, key, versionId, current);
    if (found !== undefined) checkRemovable(toObjectInfo(found.row).lock, bypassGovernance, Date.now());
    return this.core.versions.deleteVersion(bucket, key, versionId, current);
  }
}
