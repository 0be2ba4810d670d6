/**
 * Listings of an FSO bucket (fso.ts): the OM's key listing (ListKeysLight) does not cover the
 * tree, so the keys are found by walking it, one directory at a time (ListStatusLight), depth
 * first, in S3's order: UTF-8 bytes of the whole key, where a directory "a" sorts as "a/" (after
 * "a.txt" and "a-b", which the OM lists after it). A "/" delimiter lists one directory and shows
 * its subdirectories as common prefixes without entering them; other delimiters and none walk
 * every directory below the prefix, but for one whose keys all fold into the common prefix just
 * listed. A directory with nothing in it is listed as the empty
 * object "d/" (fso.ts says why). Ozone's own gateway walks the tree too (KeyIteratorWithFSO),
 * in the OM's order, and lists every directory as an object.
 *
 * The OM hands a directory's entries over a page at a time in name order; an entry is passed on
 * only once nothing still to come can sort before it (everything after the page's last name sorts
 * after that name), so S3's order holds across pages. Names are compared as UTF-8 bytes; the OM
 * compares Java strings, which differs only between U+E000..U+FFFF and characters beyond U+FFFF.
 */
import type { ListObjectsParams, ListObjectsResult, ObjectSummary } from "../types.js";
import { compareUtf8 } from "../keys.js";
import { directoryEntries, fsoNameProblem } from "./fso.js";
import type { OmMessage } from "./om-client.js";
import { EMPTY_MD5, ms, type OzoneCore } from "./store-core.js";

/** A key, an empty directory "d/", or (a "/" delimiter) a subdirectory "d/" as a common prefix. */
interface Entry {
  key: string;
  kind: "file" | "empty-directory" | "prefix";
  info: OmMessage;
}

interface Child {
  path: string;
  dir: boolean;
  info: OmMessage;
  /** where S3 sorts it: a directory as its path and "/" */
  at: string;
}

/**
 * Where to start listing a directory's entries (the OM starts there inclusively) so that none
 * sorting after `after` is missed: the name of the entry `after` lies in or at, cut before its
 * first character that sorts below "/" (a directory "a" sorts after a file "a.txt").
 */
function seekName(inside: string, after: string): string {
  if (after === "" || !after.startsWith(inside)) return "";
  const rest = after.slice(inside.length);
  const slash = rest.indexOf("/");
  const name = slash < 0 ? rest : rest.slice(0, slash);
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) < 0x2f) return name.slice(0, i);
  return name;
}

/** The entries of directory `dir` whose names start with `namePrefix`, in S3's order, none at or before `after` missed. */
async function* children(core: OzoneCore, bucket: string, dir: string, namePrefix: string, after: string): AsyncGenerator<Child> {
  const inside = dir === "" ? "" : `${dir}/`;
  const seek = seekName(inside, after);
  const from = compareUtf8(seek, namePrefix) > 0 ? seek : namePrefix;
  const pending: Child[] = [];
  for await (const page of directoryEntries(core, bucket, dir, from === "" ? "" : inside + from)) {
    let ended = false;
    for (const e of page) {
      const name = e.path.slice(inside.length);
      if (!name.startsWith(namePrefix)) {
        // names that start with the prefix come together: past them, done
        if (compareUtf8(name, namePrefix) > 0) ended = true;
        continue;
      }
      pending.push({ ...e, at: e.dir ? `${e.path}/` : e.path });
    }
    pending.sort((a, b) => compareUtf8(a.at, b.at));
    if (ended) break;
    // everything still to come is named after this page's last entry, and sorts after it
    const last = page.length > 0 ? page[page.length - 1].path : undefined;
    while (last !== undefined && pending.length > 0 && compareUtf8(pending[0].at, last) <= 0) yield pending.shift()!;
  }
  yield* pending;
}

/**
 * The entries below `dir` (names starting with `namePrefix` in it), after `after`, in S3's order;
 * `shallow`: subdirectories as prefixes, not entered. `folded` names the common prefix the listing
 * folds keys into now, if any: a directory inside it is not entered, as all its keys fold into it.
 */
async function* walk(
  core: OzoneCore,
  bucket: string,
  dir: string,
  namePrefix: string,
  after: string,
  shallow: boolean,
  folded: () => string | undefined,
): AsyncGenerator<Entry> {
  for await (const c of children(core, bucket, dir, namePrefix, after)) {
    const later = after === "" || compareUtf8(c.at, after) > 0;
    if (!c.dir) {
      if (later) yield { key: c.path, kind: "file", info: c.info };
      continue;
    }
    if (shallow) {
      if (later) yield { key: c.at, kind: "prefix", info: c.info };
      continue;
    }
    // a directory wholly at or before `after` is skipped; one `after` lies in is entered
    if (!later && !after.startsWith(c.at)) continue;
    const open = folded();
    if (open !== undefined && c.at.startsWith(open)) continue;
    let empty = true;
    for await (const e of walk(core, bucket, c.path, "", after, false, folded)) {
      empty = false;
      yield e;
    }
    if (empty && later) yield { key: c.at, kind: "empty-directory", info: c.info };
  }
}

/**
 * ListObjects of an FSO bucket. `startKey` is exclusive and already past a common prefix it
 * fell in (listing.ts).
 */
export async function listFso(core: OzoneCore, params: ListObjectsParams, startKey: string): Promise<ListObjectsResult> {
  const prefix = params.prefix ?? "";
  const delimiter = params.delimiter ?? "";
  const objects: ObjectSummary[] = [];
  const commonPrefixes: string[] = [];
  // the directory the prefix ends in, and the start of names in it
  const cut = prefix.lastIndexOf("/");
  const dir = cut < 0 ? "" : prefix.slice(0, cut);
  const namePrefix = prefix.slice(cut + 1);
  // a prefix the tree cannot hold ("a//", "/", "/a") matches no key
  if (cut >= 0 && fsoNameProblem(prefix.slice(0, cut + 1)) !== undefined) return { objects, commonPrefixes, isTruncated: false };
  let last = "";
  const add = (e: Entry): boolean => {
    let cp: string | undefined;
    if (e.kind === "prefix") cp = e.key;
    else if (delimiter !== "") {
      const d = e.key.indexOf(delimiter, prefix.length);
      if (d >= 0) cp = e.key.slice(0, d + delimiter.length);
    }
    if (cp !== undefined && cp === commonPrefixes[commonPrefixes.length - 1]) return true;
    if (objects.length + commonPrefixes.length >= params.maxKeys) return false;
    if (cp !== undefined) commonPrefixes.push(cp);
    else objects.push(summary(core, e));
    last = cp ?? e.key;
    return true;
  };
  let any = false;
  const folded = () => (delimiter === "" ? undefined : commonPrefixes[commonPrefixes.length - 1]);
  for await (const e of walk(core, params.bucket, dir, namePrefix, startKey, delimiter === "/", folded)) {
    any = true;
    // (the walk stays below the prefix; never answer what does not match it)
    if (!e.key.startsWith(prefix)) continue;
    if (!add(e)) return { objects, commonPrefixes, isTruncated: true, nextMarker: last };
  }
  // a prefix "d/" naming an empty directory: the directory itself, as under any other prefix
  if (!any && dir !== "" && namePrefix === "" && compareUtf8(prefix, startKey) > 0) {
    const k = await core.keyInfo(params.bucket, prefix, true).catch(() => undefined);
    if (k !== undefined && k.isFile === false && !add({ key: prefix, kind: "empty-directory", info: k })) {
      return { objects, commonPrefixes, isTruncated: true, nextMarker: last };
    }
  }
  return { objects, commonPrefixes, isTruncated: false };
}

function summary(core: OzoneCore, e: Entry): ObjectSummary {
  const file = e.kind === "file";
  return {
    key: e.key,
    size: file ? Number(e.info.dataSize) : 0,
    etag: file ? String(e.info.eTag ?? "") : EMPTY_MD5,
    lastModified: ms(e.info.modificationTime),
    storageClass: core.storageClassOf(e.info),
    owner: String(e.info.ownerName ?? ""),
  };
}
