/**
 * The object reads of the embedded store: HeadObject, GetObjectAttributes, GetObject (a snapshot
 * read in two steps, read-plan.ts, whose first step resolveRead is also served to worker
 * processes) and ListObjects (listing.ts seeks). Each answers from one synchronous read, returned
 * once durable (StoreCore observe(); a one-key read, observeObject(), waits only for the commits
 * that could have changed what it read, store-core.ts).
 */
import {
  type GetObjectParams,
  type GetObjectResult,
  type ListObjectsParams,
  type ListObjectsResult,
  type ObjectAttributesParams,
  type ObjectAttributesResult,
  type ObjectInfo,
  type ObjectPartInfo,
} from "../types.js";
import { immediateSuccessor, listEntries, lowerBound } from "./listing.js";
import { objectPartsPage, storedPartChecksum } from "./object-parts.js";
import { MAX_KEPT_SEGMENTS, partOf, readResult, type ResolvedObject } from "./read-plan.js";
import { toObjectSummary } from "./rows.js";
import type { SummaryRow } from "./statements.js";
import { validateMax, type StoreCore } from "./store-core.js";
import { objectKeyId, validateKey } from "../keys.js";

export class ObjectReads {
  constructor(private readonly core: StoreCore) {}

  async headObject(
    bucket: string,
    key: string,
    partNumber?: number,
    versionId?: string,
  ): Promise<{ info: ObjectInfo; part?: ObjectPartInfo }> {
    this.core.enter();
    validateKey(key);
    return this.core.observeObject(bucket, key, () => {
      this.core.requireBucket(bucket);
      const { row, info } = this.core.readable(bucket, key, versionId);
      if (partNumber === undefined) return { info };
      const segments = this.core.st.segmentsOfVersion.all(row.vid);
      const part = partOf(row.size, row.parts_count, segments, partNumber);
      const checksum = storedPartChecksum(this.core.partSt, row, partNumber);
      return { info, part: checksum === undefined ? part : { ...part, checksum } };
    });
  }

  /** The object and a page of its parts (object-parts.ts), in one synchronous read. */
  async getObjectAttributes(params: ObjectAttributesParams): Promise<ObjectAttributesResult> {
    this.core.enter();
    validateKey(params.key);
    return this.core.observeObject(params.bucket, params.key, () => {
      this.core.requireBucket(params.bucket);
      const { row, info } = this.core.readable(params.bucket, params.key, params.versionId);
      if (params.parts === undefined) return { info };
      const parts = objectPartsPage(this.core.partSt, row, params.parts.partNumberMarker, params.parts.maxParts);
      return parts === undefined ? { info } : { info, parts };
    });
  }

  /**
   * A snapshot read (read-plan.ts): the object is resolved and its segment files pinned in one
   * synchronous run; the stream opens one segment file at a time and unpins when it closes.
   */
  async getObject(params: GetObjectParams): Promise<GetObjectResult> {
    const resolved = await this.resolveRead(params.bucket, params.key, params.partNumber, params.versionId);
    return readResult(resolved, params, (id, start, end) => this.core.files.openRange(id, start, end), (ids) => this.core.pins.unpin(ids));
  }

  /**
   * Step 1 of a read (read-plan.ts), also for a worker process that streams the files itself: the
   * object, its segments (an inline segment with its bytes, store-core.ts segmentsOf), and a pin on
   * each segment file, which the caller must give back to unpin().
   * With `partNumber`, also that part's stored checksum. `holder`: the worker asking, which may be
   * granted a lease to keep the answer (read-leases.ts, runtime/workers/kept-reads.ts).
   */
  async resolveRead(bucket: string, key: string, partNumber?: number, versionId?: string, holder?: string): Promise<ResolvedObject> {
    this.core.enter();
    validateKey(key);
    return this.core.observeObject(
      bucket,
      key,
      () => {
        this.core.requireBucket(bucket);
        const { row, info } = this.core.readable(bucket, key, versionId);
        const segments = this.core.segmentsOf(row.vid);
        const pinned = new Set<string>();
        for (const s of segments) if (s.data === undefined) pinned.add(s.id);
        const resolved: ResolvedObject = { info, partsCount: row.parts_count, segments, pinned: [...pinned] };
        const partChecksum = partNumber === undefined ? undefined : storedPartChecksum(this.core.partSt, row, partNumber);
        if (partChecksum !== undefined) resolved.partChecksum = partChecksum;
        this.core.pins.pin(resolved.pinned);
        // a worker may keep the current version of an object of a few segments (read-leases.ts):
        // granted in this synchronous run, with the read
        if (holder !== undefined && partNumber === undefined && versionId === undefined && segments.length <= MAX_KEPT_SEGMENTS) {
          const lease = this.core.leases.grant(objectKeyId(bucket, key), holder);
          if (lease !== 0) resolved.lease = lease;
        }
        return resolved;
      },
      (unread) => this.core.pins.unpin(unread.pinned),
    );
  }

  async listObjects(params: ListObjectsParams): Promise<ListObjectsResult> {
    this.core.enter();
    validateMax(params.maxKeys, "maxKeys");
    return this.core.observe(() => this.listObjectsNow(params));
  }

  private listObjectsNow(params: ListObjectsParams): ListObjectsResult {
    this.core.requireBucket(params.bucket);
    const prefix = params.prefix ?? "";
    const fromMarker =
      params.startAfter === undefined ? undefined : { key: immediateSuccessor(params.startAfter), id: "" };
    const page = listEntries<SummaryRow>(
      {
        prefix,
        delimiter: params.delimiter,
        lower: lowerBound(prefix, fromMarker),
        markerKey: params.startAfter,
        max: params.maxKeys,
        scan: (lower, upperKey, limit) =>
          upperKey === undefined
            ? this.core.st.listObjects.iterate(params.bucket, lower.key, limit)
            : this.core.st.listObjectsBounded.iterate(params.bucket, lower.key, upperKey, limit),
      },
      this.core.counters,
    );
    const result: ListObjectsResult = { objects: [], commonPrefixes: [], isTruncated: page.truncated };
    for (const entry of page.entries) {
      if (entry.prefix !== undefined) result.commonPrefixes.push(entry.prefix);
      else result.objects.push(toObjectSummary(entry.row));
    }
    if (page.truncated) {
      const last = page.entries[page.entries.length - 1];
      result.nextMarker = last.prefix ?? last.row!.key;
    }
    return result;
  }
}
