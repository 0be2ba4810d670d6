/**
 * Listings on Ozone: ListObjects (V1 and V2) and ListObjectVersions over the OM's key table. The OM
 * lists keys a page at a time (ListKeysLight) in UTF-8 byte order, S3's order, but hands each page
 * over in Java String order and drops a leading "/" from a prefix; this module puts pages back in
 * S3's order, folds keys into common prefixes, and for a "/" delimiter first tries the OM's shallow
 * listing (ListStatusLight), which skips the keys inside each child "directory". FSO buckets are
 * walked as the tree they are (fso-listing.ts).
 */
import type { ListObjectsParams, ListObjectsResult, ListVersionsParams, ListVersionsResult, ObjectSummary } from "../types.js";
import { compareUtf8 } from "../keys.js";
import { listFso } from "./fso-listing.js";
import type { OmMessage } from "./om-client.js";
import { ms, OM_PAGE, type OzoneCore } from "./store-core.js";

/**
 * Sorts after every continuation of a prefix in the OM's table order (UTF-8 bytes: U+10FFFF is the
 * largest code point): used to seek past a common prefix.
 */
const PAST_PREFIX = "\u{10FFFF}\u{10FFFF}";
/**
 * Sorts after every key that starts with "." and before every key that starts with "/": where keys
 * with a leading "/" begin. (The OM drops a leading "/" from a listing's prefix, so such keys are
 * found by position instead.)
 */
const BEFORE_SLASH = `.${PAST_PREFIX}`;

export class Listing {
  constructor(private readonly core: OzoneCore) {}

  async listObjects(params: ListObjectsParams): Promise<ListObjectsResult> {
    const prefix = params.prefix ?? "";
    const delimiter = params.delimiter ?? "";
    const objects: ObjectSummary[] = [];
    const commonPrefixes: string[] = [];
    if (params.maxKeys === 0) {
      await this.core.getBucket(params.bucket);
      return { objects, commonPrefixes, isTruncated: false };
    }
    let startKey = params.startAfter ?? "";
    if (startKey !== "" && compareUtf8(startKey, prefix) < 0) startKey = "";
    if (startKey !== "" && !startKey.startsWith(prefix)) return { objects, commonPrefixes, isTruncated: false };
    // A start-after inside a common prefix: that prefix was returned already.
    if (delimiter && startKey.startsWith(prefix)) {
      const d = startKey.indexOf(delimiter, prefix.length);
      if (d >= 0) startKey = startKey.slice(0, d + delimiter.length) + PAST_PREFIX;
    }
    // an FSO bucket's keys are a tree the OM's key listing does not cover
    if (await this.core.isFso(params.bucket)) return listFso(this.core, params, startKey);
    if (delimiter === "/") {
      const shallow = await this.listShallow(params.bucket, prefix, startKey, params.maxKeys);
      if (shallow !== undefined) return shallow;
    }
    // The OM would drop a leading "/" of the prefix: list from where such keys begin instead.
    const omPrefix = prefix.startsWith("/") ? "" : prefix;
    if (omPrefix !== prefix && compareUtf8(startKey, BEFORE_SLASH) < 0) startKey = BEFORE_SLASH;
    let last = "";
    for (;;) {
      // Without a delimiter every key is an entry: ask for what is still needed (+1 to know whether
      // there is more). With one, a page may fold into a few prefixes: ask for a full page.
      const need = params.maxKeys - objects.length - commonPrefixes.length + 1;
      const r = await this.core.om("ListKeysLight", "listKeysRequest", {
        volumeName: this.core.volume,
        bucketName: params.bucket,
        startKey,
        prefix: omPrefix,
        count: delimiter ? OM_PAGE : Math.min(OM_PAGE, need),
      });
      // The OM reads its table in UTF-8 byte order (S3's) but hands a page over sorted as Java
      // strings: put the page back in table order, so pages also continue where the table does.
      const page = ((r.listKeysLightResponse?.basicKeyInfo ?? []) as OmMessage[]).sort((a, b) => compareUtf8(String(a.keyName), String(b.keyName)));
      for (const k of page) {
        const name = String(k.keyName);
        if (!name.startsWith(prefix)) {
          if (compareUtf8(name, prefix) > 0) return { objects, commonPrefixes, isTruncated: false };
          continue;
        }
        const d = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
        const cp = d >= 0 ? name.slice(0, d + delimiter.length) : undefined;
        if (cp !== undefined && cp === commonPrefixes[commonPrefixes.length - 1]) continue;
        if (objects.length + commonPrefixes.length >= params.maxKeys) {
          return { objects, commonPrefixes, isTruncated: true, nextMarker: last };
        }
        if (cp !== undefined) {
          commonPrefixes.push(cp);
          last = cp;
          continue;
        }
        objects.push({
          key: name,
          size: Number(k.dataSize),
          etag: String(k.eTag ?? ""),
          lastModified: ms(k.modificationTime),
          storageClass: this.core.storageClassOf(k),
          owner: String(k.ownerName ?? ""),
        });
        last = name;
      }
      const more = (r.listKeysLightResponse?.isTruncated as boolean | undefined) ?? page.length >= Math.min(OM_PAGE, need);
      if (page.length === 0 || !more) return { objects, commonPrefixes, isTruncated: false };
      // Continue after the page; a page that ends inside a common prefix continues past all of it
      // (one seek instead of reading the rest of that prefix's keys).
      const lastKey = String(page[page.length - 1].keyName);
      const open = commonPrefixes[commonPrefixes.length - 1];
      startKey = open !== undefined && lastKey.startsWith(open) ? open + PAST_PREFIX : lastKey;
    }
  }

  private summary(k: OmMessage): ObjectSummary {
    return {
      key: String(k.keyName),
      size: Number(k.dataSize),
      etag: String(k.eTag ?? ""),
      lastModified: ms(k.modificationTime),
      storageClass: this.core.storageClassOf(k),
      owner: String(k.ownerName ?? ""),
    };
  }

  /**
   * A "/"-delimited listing through the OM's shallow listing (ListStatusLight): the OM returns a
   * prefix's immediate children and skips the keys inside each child "directory" itself, instead of
   * this gateway reading them all. Ozone computes children as file paths, which gives other answers
   * than S3 where a key has an empty path component right after the prefix ("a//b" under "a/", or a
   * leading "/" under the bucket root), or the prefix has one: one lookup rules that out, else the
   * answer is undefined and the caller lists key by key. `startKey` is exclusive, as in listObjects.
   */
  private async listShallow(bucket: string, prefix: string, startKey: string, maxKeys: number): Promise<ListObjectsResult | undefined> {
    if (prefix !== "" && (!prefix.endsWith("/") || prefix.startsWith("/") || prefix.includes("//"))) return undefined;
    const keysAfter = (keyPrefix: string, after: string, count: number) =>
      this.core.om("ListKeysLight", "listKeysRequest", { volumeName: this.core.volume, bucketName: bucket, startKey: after, prefix: keyPrefix, count }).then(
        (r) => (r.listKeysLightResponse?.basicKeyInfo ?? []) as OmMessage[],
      );
    // a key with an empty component right after the prefix: "<prefix>/..." (at the root, found by
    // position, as the OM drops a prefix's leading "/"; a few keys, as the OM may put keys of its
    // cache that sort before "/" in Java String order ahead of it)
    const [first, pathLike] = await Promise.all([
      keysAfter(prefix, startKey, 1).then((page) => page[0]),
      prefix === ""
        ? keysAfter("", BEFORE_SLASH, 16).then((page) => page.find((k) => String(k.keyName).startsWith("/")))
        : keysAfter(`${prefix}/`, "", 1).then((page) => page[0]),
    ]);
    if (pathLike !== undefined) return undefined;
    const objects: ObjectSummary[] = [];
    const commonPrefixes: string[] = [];
    if (first === undefined) return { objects, commonPrefixes, isTruncated: false };
    /** the last entry returned (a key or a common prefix): every later one sorts after it */
    let last = startKey;
    // The prefix itself as a key (a "directory marker" such as "a/" under "a/"; it sorts first in
    // any order): the shallow listing leaves it out.
    if (String(first.keyName) === prefix) {
      objects.push(this.summary(first));
      last = prefix;
    }
    // Where the OM starts: the exclusive start key itself (the OM starts there inclusively and
    // compares by bytes, as S3), or the prefix (the OM skips the prefix's own key). Not `first`:
    // the OM picks that one in Java String order.
    const from = startKey !== "" ? startKey : prefix;
    // One call, and only a complete answer is used: the OM cuts a full page in Java String order
    // (not S3's UTF-8 order), so what a full page left out could sort before what it kept. A
    // prefix with more children than one page holds is listed key by key.
    const r = await this.core.om("ListStatusLight", "listStatusRequest", {
      keyArgs: this.core.keyArgs(bucket, prefix),
      recursive: false,
      startKey: from,
      numEntries: OM_PAGE,
      allowPartialPrefix: false,
    });
    const statuses = (r.listStatusLightResponse?.statuses ?? []) as OmMessage[];
    if (statuses.length >= OM_PAGE) return undefined;
    statuses.sort((a, b) => compareUtf8(String(a.basicKeyInfo?.keyName ?? ""), String(b.basicKeyInfo?.keyName ?? "")));
    for (const st of statuses) {
      const name = String(st.basicKeyInfo?.keyName ?? "");
      if (!name.startsWith(prefix) || name === prefix) continue;
      // S3's entry for this child: a key, or the common prefix up to the first "/" after the prefix
      // (a child "directory" such as "a/x//" folds into "a/x/")
      const d = name.indexOf("/", prefix.length);
      const entry = d >= 0 ? name.slice(0, d + 1) : name;
      // the OM starts at its start key (inclusive) and may repeat a child: skip what was returned
      if (last !== "" && compareUtf8(entry, last) <= 0) continue;
      if (objects.length + commonPrefixes.length >= maxKeys) return { objects, commonPrefixes, isTruncated: true, nextMarker: last };
      if (d >= 0) commonPrefixes.push(entry);
      else objects.push(this.summary(st.basicKeyInfo));
      last = entry;
    }
    return { objects, commonPrefixes, isTruncated: false };
  }

  /** Every object is its one version, "null", the latest; a key marker is exclusive. */
  async listObjectVersions(params: ListVersionsParams): Promise<ListVersionsResult> {
    const r = await this.listObjects({
      bucket: params.bucket,
      ...(params.prefix !== undefined && { prefix: params.prefix }),
      ...(params.delimiter !== undefined && { delimiter: params.delimiter }),
      ...(params.keyMarker !== undefined && { startAfter: params.keyMarker }),
      maxKeys: params.maxKeys,
    });
    const lastIsObject = r.objects.length > 0 && r.objects[r.objects.length - 1].key === r.nextMarker;
    return {
      versions: r.objects.map((o) => ({ ...o, versionId: "null", isLatest: true, deleteMarker: false })),
      commonPrefixes: r.commonPrefixes,
      isTruncated: r.isTruncated,
      ...(r.isTruncated && { nextKeyMarker: r.nextMarker, ...(lastIsObject && { nextVersionIdMarker: "null" }) }),
    };
  }
}
