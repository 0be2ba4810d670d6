/**
 * Object reads on Ozone: HeadObject, GetObjectAttributes and GetObject from one GetKeyInfo each,
 * the bytes read block by block from the datanodes (block-reader.ts; EC block groups striped and
 * rebuilt, ec-block-reader.ts), and the parts of a multipart key, found from the part number each
 * of its blocks was written for.
 */
import { Readable } from "node:stream";
import { StorageError, type ByteRange, type GetObjectParams, type GetObjectResult, type ObjectAttributesParams, type ObjectAttributesResult, type ObjectInfo, type ObjectPartInfo } from "../types.js";
import { readReplicas } from "./block-reader.js";
import { endpointsOf, type BlockRef, type DatanodeEndpoint } from "./datanode-client.js";
import { ecReplicaEndpoints, readEcBlockGroup, type EcScheme } from "./ec-block-reader.js";
import type { OmMessage } from "./om-client.js";
import { ecSchemeOf, latestLocations, onlyNullVersion, type OzoneCore } from "./store-core.js";

export class ObjectReads {
  constructor(private readonly core: OzoneCore) {}

  async headObject(bucket: string, key: string, partNumber?: number, versionId?: string): Promise<{ info: ObjectInfo; part?: ObjectPartInfo }> {
    onlyNullVersion(versionId);
    const k = await this.core.keyInfo(bucket, key, partNumber === undefined);
    const info = this.core.objectInfo(bucket, key, k);
    if (partNumber === undefined) return { info };
    return { info, part: partOf(info, latestLocations(k), partNumber) };
  }

  /**
   * The key and, when asked for, a page of its parts, from one GetKeyInfo (a head lookup: the OM
   * still returns the block list, which carries each block's part number and length). Ozone's part
   * records keep no S3 checksums, so the parts have none.
   */
  async getObjectAttributes(params: ObjectAttributesParams): Promise<ObjectAttributesResult> {
    onlyNullVersion(params.versionId);
    const k = await this.core.keyInfo(params.bucket, params.key, true);
    const info = this.core.objectInfo(params.bucket, params.key, k);
    if (params.parts === undefined || info.partsCount === undefined) return { info };
    return { info, parts: partsPage(partSizes(latestLocations(k)), params.parts.partNumberMarker, params.parts.maxParts) };
  }

  async getObject(params: GetObjectParams): Promise<GetObjectResult> {
    onlyNullVersion(params.versionId);
    const k = await this.core.keyInfo(params.bucket, params.key, false);
    const info = this.core.objectInfo(params.bucket, params.key, k);
    const locations = latestLocations(k);
    let part: ObjectPartInfo | undefined;
    let range: ByteRange | undefined;
    if (params.partNumber !== undefined) {
      part = partOf(info, locations, params.partNumber);
      range = part.range;
    } else {
      range = params.range?.(info);
    }
    const ec = k.type === "EC" ? ecSchemeOf(k, this.core.shared.ecCoders) : undefined;
    let state: "ready" | "opened" | "released" = "ready";
    const from = range?.start ?? 0;
    const to = range?.end ?? info.size - 1;
    return {
      info,
      ...(range !== undefined && params.partNumber === undefined && { range }),
      ...(part !== undefined && { part }),
      open: () => {
        if (state !== "ready") throw new Error(`getObject result already ${state}`);
        state = "opened";
        return Readable.from(this.readKey(locations, from, to, ec), { objectMode: false, highWaterMark: 1 });
      },
      release: () => {
        state = state === "ready" ? "released" : state;
      },
    };
  }

  /** Bytes [from, to] of a key, block by block (EC: block group by block group), in order. */
  private async *readKey(locations: OmMessage[], from: number, to: number, ec?: EcScheme): AsyncGenerator<Buffer> {
    let blockStart = 0;
    for (const loc of locations) {
      const length = Number(loc.length);
      const blockEnd = blockStart + length - 1;
      if (length > 0 && blockEnd >= from && blockStart <= to) {
        const id = loc.blockID.containerBlockID;
        const block: BlockRef = {
          containerID: String(id.containerID),
          localID: String(id.localID),
          blockCommitSequenceId: String(loc.blockID.blockCommitSequenceId ?? "0"),
        };
        const start = Math.max(from, blockStart) - blockStart + Number(loc.offset ?? 0);
        const end = Math.min(to, blockEnd) - blockStart + Number(loc.offset ?? 0);
        if (ec !== undefined) {
          const open = (endpoint: DatanodeEndpoint) => this.core.shared.dn.open(endpoint);
          // a group's offset is 0 (ECKeyOutputStream writes whole groups); its length is the data's
          yield* readEcBlockGroup(open, ecReplicaEndpoints(loc.pipeline), block, Number(loc.offset ?? 0) + length, ec, start, end);
        } else yield* readReplicas((endpoint) => this.core.shared.dn.open(endpoint), endpointsOf(loc.pipeline), block, start, end);
      }
      blockStart += length;
      if (blockStart > to) return;
    }
  }
}

/**
 * The byte range of part `partNumber` of an object: blocks carry the part number they were written
 * for. An object from a single PUT has one part, the whole object (as in S3).
 */
function partOf(info: ObjectInfo, locations: OmMessage[], partNumber: number): ObjectPartInfo {
  if (!Number.isInteger(partNumber) || partNumber < 1) throw new StorageError("INVALID_PART_NUMBER");
  if (info.partsCount === undefined) {
    if (partNumber !== 1) throw new StorageError("INVALID_PART_NUMBER");
    return { partsCount: 1, range: { start: 0, end: info.size - 1 } };
  }
  if (partNumber > info.partsCount) throw new StorageError("INVALID_PART_NUMBER");
  const sizes = partSizes(locations);
  let start = 0;
  const index = partNumber - 1;
  if (index >= sizes.length) throw new StorageError("INVALID_PART_NUMBER");
  for (let i = 0; i < index; i++) start += sizes[i];
  return { partsCount: info.partsCount, range: { start, end: start + sizes[index] - 1 } };
}

/**
 * The sizes of a multipart key's parts in object order: its blocks grouped by the part number each
 * was written for (a part of several blocks is their sum). Index i is part number i + 1, the
 * position in the completed object, as S3's GET ?partNumber= counts.
 */
function partSizes(locations: OmMessage[]): number[] {
  const sizes = new Map<number, number>();
  for (const loc of locations) {
    const n = Number(loc.partNumber ?? -1);
    sizes.set(n, (sizes.get(n) ?? 0) + Number(loc.length));
  }
  return [...sizes.values()];
}

/** The parts after `marker`, at most `max` of them (ListParts' paging, over part positions). */
function partsPage(sizes: number[], marker: number, max: number): NonNullable<ObjectAttributesResult["parts"]> {
  for (const [name, value] of [["partNumberMarker", marker], ["maxParts", max]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new StorageError("INVALID_ARGUMENT", `${name} must be a non-negative integer`);
  }
  const from = Math.min(marker, sizes.length);
  const parts = sizes.slice(from, from + max).map((size, i) => ({ partNumber: from + i + 1, size }));
  const isTruncated = from + parts.length < sizes.length;
  const last = parts[parts.length - 1];
  return { parts, isTruncated, ...(isTruncated && last !== undefined && { nextPartNumberMarker: last.partNumber }) };
}
