/**
 * The form of the version ids this gateway makes (embedded/versions.ts makes them; every engine
 * reads them): 14 hex digits that order versions newest first, then 18 URL-safe random characters.
 */
import { StorageError } from "./types.js";

const VERSION_ID = /^[0-9a-f]{14}[A-Za-z0-9_-]{18}$/;

/** true for a string that could be a version id this gateway made ("null" aside). */
export function isVersionId(s: string): boolean {
  return VERSION_ID.test(s);
}

/**
 * AWS answers 400 InvalidArgument for a version id that cannot be one of its own, before it looks
 * for the version, in any bucket (one never versioned too): INVALID_ARGUMENT here.
 */
export function checkVersionIdForm(versionId: string): void {
  if (versionId !== "null" && !isVersionId(versionId)) throw invalidVersionId(versionId);
}

export function invalidVersionId(versionId: string): StorageError {
  return new StorageError("INVALID_ARGUMENT", `invalid version id ${versionId}`, "Invalid version id specified");
}
