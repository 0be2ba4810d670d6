/**
 * When a lifecycle rule applies, as pure functions of the rule, the entry and the time (the
 * executor passes its injectable clock's `now`). "Lifecycle configuration elements" and "How Amazon
 * S3 calculates how long an object has been noncurrent", Amazon S3 User Guide:
 * - Days: "Amazon S3 calculates the time by adding the number of days specified in the rule to the
 *   object creation time and rounding the resulting time to the next day midnight UTC" (an object
 *   created 2014-01-15 10:30 UTC with Days 3 expires 2014-01-19 00:00 UTC);
 * - Date: from that midnight on, every object the rule selects has expired, whenever it was made;
 * - NoncurrentDays counts from the moment a version became noncurrent: the last-modified time of
 *   the version that replaced it, rounded up the same way;
 * - DaysAfterInitiation counts from the upload's initiation, rounded up the same way.
 */
import type { LifecycleFilter, LifecycleRule } from "../storage/types.js";

export const DAY_MS = 86_400_000;

/** `days` after `fromMs`, rounded up to the next midnight UTC (a time already at midnight stays). */
export function dueAt(fromMs: number, days: number): number {
  return Math.ceil((fromMs + days * DAY_MS) / DAY_MS) * DAY_MS;
}

/** The filter's conditions that need no tags: prefix and size bounds (strict, as S3's "greater than"). */
export function matchesWithoutTags(filter: LifecycleFilter, key: string, size: number | undefined): boolean {
  if (filter.prefix !== undefined && !key.startsWith(filter.prefix)) return false;
  if (size !== undefined) {
    if (filter.objectSizeGreaterThan !== undefined && !(size > filter.objectSizeGreaterThan)) return false;
    if (filter.objectSizeLessThan !== undefined && !(size < filter.objectSizeLessThan)) return false;
  }
  return true;
}

/** Every tag of the filter is on the object, with the same value. */
export function matchesTags(filter: LifecycleFilter, tags: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(filter.tags ?? {})) {
    if (!Object.hasOwn(tags, k) || tags[k] !== v) return false;
  }
  return true;
}

export function needsTags(filter: LifecycleFilter): boolean {
  return filter.tags !== undefined && Object.keys(filter.tags).length > 0;
}

/** A current version has expired under this rule's Expiration Days or Date. */
export function currentExpired(rule: LifecycleRule, lastModifiedMs: number, nowMs: number): boolean {
  const e = rule.expiration;
  if (e === undefined) return false;
  if (e.days !== undefined) return nowMs >= dueAt(lastModifiedMs, e.days);
  if (e.date !== undefined) return nowMs >= Date.parse(e.date);
  return false;
}

/**
 * A noncurrent version has expired under this rule: NoncurrentDays have passed since it became
 * noncurrent, and it is not one of the NewerNoncurrentVersions newest noncurrent versions kept
 * (`newerNoncurrent`: how many noncurrent versions of its key are newer than it).
 */
export function noncurrentExpired(rule: LifecycleRule, noncurrentSinceMs: number, newerNoncurrent: number, nowMs: number): boolean {
  const n = rule.noncurrentExpiration;
  if (n === undefined) return false;
  if (newerNoncurrent < (n.newerNoncurrentVersions ?? 0)) return false;
  return nowMs >= dueAt(noncurrentSinceMs, n.noncurrentDays);
}

/** An incomplete multipart upload is due for abortion under this rule. */
export function uploadDue(rule: LifecycleRule, initiatedMs: number, nowMs: number): boolean {
  return rule.abortIncompleteUploadDays !== undefined && nowMs >= dueAt(initiatedMs, rule.abortIncompleteUploadDays);
}
