/**
 * Rules on keys and ETags that hold for every storage engine.
 */
import { StorageError } from "./types.js";

/** A key is a non-empty string with a UTF-8 form (a lone surrogate has none: it would silently become U+FFFD). */
export function validateKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) throw new StorageError("INVALID_ARGUMENT", "an object key must not be empty");
  if (hasLoneSurrogate(key)) throw new StorageError("INVALID_ARGUMENT", "an object key must be valid Unicode");
}

/** ETags compare without quotes (and a weak W/ marker) and case-insensitively. */
export function normalizeEtag(etag: string): string {
  let e = etag.trim();
  if (e.startsWith("W/")) e = e.slice(2);
  if (e.length >= 2 && e.startsWith('"') && e.endsWith('"')) e = e.slice(1, -1);
  return e.toLowerCase();
}

/** true when an If-Match / If-None-Match header value (a list of ETags or "*") matches `etag` (normalized) */
export function etagHeaderMatches(header: string, etag: string): boolean {
  return header.split(",").some((candidate) => {
    const c = normalizeEtag(candidate);
    return c === "*" || c === etag;
  });
}

/** Compares two strings by their UTF-8 bytes (S3 and SQLite BINARY order). */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** True when `s` holds a lone surrogate, which has no UTF-8 encoding (it would be stored as U+FFFD). */
export function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/**
 * One string per (bucket, key) pair, for maps of keys: a bucket name never holds a NUL (CreateBucket
 * validates it), so the pair is unambiguous.
 */
export function objectKeyId(bucket: string, key: string): string {
  return `${bucket}\0${key}`;
}
