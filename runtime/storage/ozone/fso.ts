/**
 * FILE_SYSTEM_OPTIMIZED (FSO) buckets: Ozone keeps their keys as a tree of directories and files
 * ("a/b/c" is the file c in the directory a/b, which the OM makes on the way), as Hadoop file
 * systems (ofs://) see them. Operators show such a bucket to S3 clients in the S3 volume or
 * through a bucket link. What S3 asks of a bucket and the tree does not give by itself is
 * decided here:
 *
 * - Names. The OM stores a path as it normalizes it ("a//b", "/a" and "a/./b" would be written
 *   as "a/b", "a" and "a/./b" or refused, by request); this gateway takes for writing only names
 *   the tree keeps as they are: no empty component (no leading "/", no "//"), no "." or ".."
 *   component. Others are refused (400 InvalidRequest) instead of landing under another name;
 *   reading one, or its tags, finds nothing (store-core keyInfo: the OM must name the key as
 *   asked). CreateBucket makes FSO buckets when configured so (ozone.bucketLayout).
 * - Directories. A key that ends in "/" is a directory: PutObject of an empty body makes it
 *   (CreateDirectory, as Ozone's gateway does: a "folder" of S3 consoles); with content it is
 *   refused, as the tree cannot keep it. "d/" reads as an empty object while d is a directory,
 *   "d" does not. Deleting "d/" removes the directory only when it is empty; otherwise nothing
 *   happens (S3 deletes a marker and leaves the keys under it) and the answer is the same 204.
 * - Deletes go one key at a time (DeleteKey, which refuses a directory that is not empty): the
 *   OM's batch delete (DeleteKeys) removes a directory with everything under it, so a
 *   DeleteObjects naming "d/" would have removed every key below d (seen on Ozone 2.2.0).
 * - Directories left empty after their keys are deleted stay (the tree keeps them, as Ozone's
 *   gateway and ofs do); listings show an empty directory as the object "d/" (fso-listing.ts),
 *   so S3 clients see and can delete what keeps the bucket from being empty, and DeleteBucket
 *   removes empty directories itself when no file is left (clearEmptyDirectories).
 */
import { StorageError, type DeleteObjectResult } from "../types.js";
import { mapLimited } from "./map-limited.js";
import type { OmMessage } from "./om-client.js";
import { OM_PAGE, type OzoneCore } from "./store-core.js";

/** How many keys of one DeleteObjects are deleted at a time (two OM calls each). */
const DELETE_CONCURRENCY = 16;
/** DeleteBucket clears at most this many empty directories; a bucket with more stays BucketNotEmpty. */
const MAX_CLEARED_DIRECTORIES = 10_000;

/** Why the tree would not keep `key` under its own name, or undefined when it would. */
export function fsoNameProblem(key: string): string | undefined {
  const parts = key.split("/");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === "" && i < parts.length - 1) return "has an empty path component (a leading \"/\" or \"//\")";
    if (p === "." || p === "..") return `has a "${p}" path component`;
  }
  return undefined;
}

/** INVALID_REQUEST unless the tree keeps `key` as it is (PutObject, CopyObject, CreateMultipartUpload). */
export function checkFsoName(key: string, directoryAllowed: boolean): void {
  const problem = fsoNameProblem(key);
  if (problem !== undefined) {
    throw new StorageError("INVALID_REQUEST", `key ${key} ${problem}`, `This bucket keeps keys as file-system paths (Ozone FILE_SYSTEM_OPTIMIZED) and the key ${problem}.`);
  }
  if (!directoryAllowed && key.endsWith("/")) {
    throw new StorageError("INVALID_REQUEST", `key ${key} ends in "/"`, "This bucket keeps keys as file-system paths (Ozone FILE_SYSTEM_OPTIMIZED): a key that ends in \"/\" is a directory and can only be created empty.");
  }
}

/**
 * Makes the directory `key` ("d/"; its parents too). An existing directory is success (the PUT of
 * a marker that exists), unless `createOnly` (If-None-Match asked for a new one): then 412.
 */
export async function createDirectory(core: OzoneCore, bucket: string, key: string, owner: string, createOnly: boolean): Promise<void> {
  try {
    // the owner, as CreateKey is told it (else the OM leaves the directory's owner empty)
    await core.om("CreateDirectory", "createDirectoryRequest", { keyArgs: core.keyArgs(bucket, key, { ownerName: owner }) }, { DIRECTORY_ALREADY_EXISTS: "PRECONDITION_FAILED" });
  } catch (err) {
    if (err instanceof StorageError && err.kind === "PRECONDITION_FAILED" && !createOnly) return;
    throw err;
  }
}

/**
 * Deletes the key `key` names, if it is what the key names (a file "f", an empty directory "d/"):
 * a name the OM would read as something else deletes nothing, and so does a directory that is
 * not empty. Never removes more than the one entry.
 */
export async function deleteFsoKey(core: OzoneCore, bucket: string, key: string): Promise<void> {
  try {
    await core.keyInfo(bucket, key, true);
    // a directory with keys below it is left as it is: DIRECTORY_NOT_EMPTY deletes nothing
    await core.om("DeleteKey", "deleteKeyRequest", { keyArgs: core.keyArgs(bucket, key) }, { DIRECTORY_NOT_EMPTY: "KEY_NOT_FOUND" });
  } catch (err) {
    if (err instanceof StorageError && err.kind === "KEY_NOT_FOUND") return;
    throw err;
  }
}

/** DeleteObjects in an FSO bucket: deleteFsoKey for each key, a few at a time. */
export function deleteFsoKeys(core: OzoneCore, bucket: string, keys: string[]): Promise<DeleteObjectResult[]> {
  return mapLimited(keys, DELETE_CONCURRENCY, async (key): Promise<DeleteObjectResult> => {
    try {
      await deleteFsoKey(core, bucket, key);
      return { key };
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      return { key, error: err };
    }
  });
}

/** The entries of one directory ("" the root), every page of them (ListStatusLight). */
export async function* directoryEntries(core: OzoneCore, bucket: string, dir: string, startKey = ""): AsyncGenerator<{ path: string; dir: boolean; info: OmMessage }[]> {
  const inside = dir === "" ? "" : `${dir}/`;
  let start = startKey;
  /** the last entry of the page before, which the next page starts with again */
  let repeated: string | undefined;
  for (;;) {
    let statuses: OmMessage[];
    try {
      const r = await core.om("ListStatusLight", "listStatusRequest", {
        keyArgs: core.keyArgs(bucket, dir),
        recursive: false,
        startKey: start,
        numEntries: OM_PAGE,
        allowPartialPrefix: false,
      });
      statuses = (r.listStatusLightResponse?.statuses ?? []) as OmMessage[];
    } catch (err) {
      // the directory went away (or never was)
      if (err instanceof StorageError && err.kind === "KEY_NOT_FOUND") return;
      if ((err as { status?: string }).status === "FILE_NOT_FOUND") return;
      throw err;
    }
    const page: { path: string; dir: boolean; info: OmMessage }[] = [];
    for (const s of statuses) {
      const path = String(s.basicKeyInfo?.keyName ?? "");
      // the page before's last entry comes back (the OM starts inclusively); a file named as
      // the directory comes back alone
      if (!path.startsWith(inside) || path === inside || path === repeated) continue;
      page.push({ path, dir: s.isDirectory === true, info: s.basicKeyInfo as OmMessage });
    }
    yield page;
    if (statuses.length < OM_PAGE) return;
    start = String(statuses[statuses.length - 1].basicKeyInfo?.keyName ?? "");
    repeated = start;
  }
}

/**
 * Before DeleteBucket is retried: when the bucket holds no file, deletes its directories, the
 * deepest first, each only if still empty (so a key written meanwhile makes it fail, never lost).
 * "files": a file was found, nothing deleted; "cleared": directories were deleted; "none": there
 * were none. A bucket with more than MAX_CLEARED_DIRECTORIES directories answers "files".
 */
export async function clearEmptyDirectories(core: OzoneCore, bucket: string): Promise<"files" | "cleared" | "none"> {
  const dirs: string[] = [];
  const walk = async (dir: string): Promise<boolean> => {
    for await (const page of directoryEntries(core, bucket, dir)) {
      for (const e of page) {
        if (!e.dir || dirs.length >= MAX_CLEARED_DIRECTORIES) return false;
        dirs.push(e.path);
        if (!(await walk(e.path))) return false;
      }
    }
    return true;
  };
  if (!(await walk(""))) return "files";
  if (dirs.length === 0) return "none";
  // children before their parents: a directory is listed before everything below it
  for (const d of dirs.reverse()) {
    try {
      await core.om("DeleteKey", "deleteKeyRequest", { keyArgs: core.keyArgs(bucket, `${d}/`) });
    } catch (err) {
      if (err instanceof StorageError && err.kind === "KEY_NOT_FOUND") continue;
      return "files";
    }
  }
  return "cleared";
}
