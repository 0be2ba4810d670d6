/**
 * A lifecycle configuration as PutBucketLifecycleConfiguration gives it, checked as S3 checks it
 * ("Lifecycle configuration elements", "PutBucketLifecycleConfiguration", Amazon S3 User Guide and
 * API Reference), turned into the storage's LifecycleRule and back for GetBucketLifecycleConfiguration.
 *
 * What is refused, and why:
 * - Transition and NoncurrentVersionTransition: this gateway has one storage class, so a rule moving
 *   objects to another could never be carried out. Accepting it and never acting would make GET
 *   promise what never happens (and an object a client expects in GLACIER would stay STANDARD), so
 *   it is 501 NotImplemented, the answer for functionality the gateway does not have, at PUT time.
 * - Everything S3 refuses: no rule or more than 1000 rules, a Status other than Enabled/Disabled,
 *   Filter together with the legacy Prefix, a Filter with more than one condition outside And, an
 *   action-less rule, an Expiration with no or several of Days/Date/ExpiredObjectDeleteMarker, a
 *   Days that is not positive, a Date not at midnight UTC, an ID over 255 characters or used twice,
 *   ExpiredObjectDeleteMarker or AbortIncompleteMultipartUpload with a tag filter (S3: the first acts on
 *   markers, the second on uploads, and neither has tags), bad tags.
 */
import { randomUUID } from "node:crypto";
import type {
  BucketLifecycleConfiguration,
  LifecycleRule as LifecycleRuleShape,
  LifecycleRuleFilter,
  Tag,
} from "../../generated/types/shapes.js";
import { S3Error } from "../errors.js";
import { validateTags } from "../handlers/common.js";
import type { LifecycleFilter, LifecycleRule } from "../storage/types.js";

/** "Lifecycle configuration elements": a configuration holds up to 1,000 rules. */
export const MAX_LIFECYCLE_RULES = 1000;
const MAX_ID_LENGTH = 255;
/** NoncurrentVersionExpiration's NewerNoncurrentVersions: 1 to 100. */
const MAX_NEWER_NONCURRENT = 100;
const DAY_MS = 86_400_000;
/** tags in one filter, at most: S3 does not say; a bucket's tag limit bounds the work per object */
const MAX_FILTER_TAGS = 50;

function malformed(): S3Error {
  return new S3Error("MalformedXML");
}

function positiveDays(value: number | undefined, what: string): number {
  if (value === undefined || !Number.isInteger(value) || value <= 0) {
    throw new S3Error("InvalidArgument", `'${what}' must be a positive integer`);
  }
  return value;
}

function sizeBound(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw new S3Error("InvalidArgument", `'${name}' should be a non-negative integer`);
  return value;
}

function tagsOf(tags: readonly Tag[]): Record<string, string> {
  return validateTags(
    tags.map((t) => [t.Key, t.Value] as const),
    MAX_FILTER_TAGS,
  );
}

function filterOf(rule: LifecycleRuleShape): LifecycleFilter {
  // A rule names its objects with Filter, or (the older form) with a top-level Prefix; not both,
  // and not neither ("Filter element": required when there is no Prefix).
  if (rule.Filter !== undefined && rule.Prefix !== undefined) throw malformed();
  if (rule.Filter === undefined) {
    if (rule.Prefix === undefined) throw malformed();
    return { form: "Prefix", prefix: rule.Prefix };
  }
  const f: LifecycleRuleFilter = rule.Filter;
  const given = [f.Prefix, f.Tag, f.ObjectSizeGreaterThan, f.ObjectSizeLessThan, f.And].filter((x) => x !== undefined).length;
  if (given > 1) throw malformed(); // several conditions go inside And
  let filter: LifecycleFilter;
  if (f.And !== undefined) {
    const a = f.And;
    const tags = a.Tags ?? [];
    // And combines two or more conditions ("LifecycleRuleAndOperator")
    const conditions = (a.Prefix !== undefined ? 1 : 0) + tags.length + (a.ObjectSizeGreaterThan !== undefined ? 1 : 0) + (a.ObjectSizeLessThan !== undefined ? 1 : 0);
    if (conditions < 2) throw malformed();
    filter = {
      form: "And",
      ...(a.Prefix !== undefined && { prefix: a.Prefix }),
      ...(tags.length > 0 && { tags: tagsOf(tags) }),
      ...(a.ObjectSizeGreaterThan !== undefined && { objectSizeGreaterThan: sizeBound(a.ObjectSizeGreaterThan, "ObjectSizeGreaterThan") }),
      ...(a.ObjectSizeLessThan !== undefined && { objectSizeLessThan: sizeBound(a.ObjectSizeLessThan, "ObjectSizeLessThan") }),
    };
  } else {
    filter = {
      form: "Filter",
      ...(f.Prefix !== undefined && { prefix: f.Prefix }),
      ...(f.Tag !== undefined && { tags: tagsOf([f.Tag]) }),
      ...(f.ObjectSizeGreaterThan !== undefined && { objectSizeGreaterThan: sizeBound(f.ObjectSizeGreaterThan, "ObjectSizeGreaterThan") }),
      ...(f.ObjectSizeLessThan !== undefined && { objectSizeLessThan: sizeBound(f.ObjectSizeLessThan, "ObjectSizeLessThan") }),
    };
  }
  if (
    filter.objectSizeGreaterThan !== undefined &&
    filter.objectSizeLessThan !== undefined &&
    filter.objectSizeGreaterThan >= filter.objectSizeLessThan
  ) {
    throw new S3Error("InvalidArgument", "ObjectSizeGreaterThan must be less than ObjectSizeLessThan");
  }
  return filter;
}

/** "Date: ... The date value must conform to the ISO 8601 format. The time is always midnight UTC." */
function midnightDate(date: Date): Date {
  if (Number.isNaN(date.getTime()) || date.getTime() % DAY_MS !== 0) throw new S3Error("InvalidArgument", "'Date' must be at midnight GMT");
  return date;
}

function ruleOf(r: LifecycleRuleShape): LifecycleRule {
  if (r.Status !== "Enabled" && r.Status !== "Disabled") throw malformed();
  if (r.ID !== undefined && [...r.ID].length > MAX_ID_LENGTH) {
    throw new S3Error("InvalidArgument", `ID length should not exceed allowed limit of ${MAX_ID_LENGTH}`);
  }
  if ((r.Transitions?.length ?? 0) > 0 || (r.NoncurrentVersionTransitions?.length ?? 0) > 0) {
    // a transition that S3 would refuse as malformed is the client's mistake first (400), one it
    // would take is what this gateway cannot do (501)
    for (const t of r.Transitions ?? []) if (t.Date !== undefined) midnightDate(t.Date);
    throw new S3Error("NotImplemented", "Lifecycle transitions are not supported: this gateway has a single storage class.");
  }
  const filter = filterOf(r);
  const rule: LifecycleRule = { id: r.ID ?? "", enabled: r.Status === "Enabled", filter };
  const tagged = filter.tags !== undefined;

  if (r.Expiration !== undefined) {
    const e = r.Expiration;
    const given = [e.Days, e.Date, e.ExpiredObjectDeleteMarker].filter((x) => x !== undefined).length;
    if (given !== 1) throw malformed();
    if (e.Days !== undefined) rule.expiration = { days: positiveDays(e.Days, "Days' for Expiration action") };
    else if (e.Date !== undefined) rule.expiration = { date: midnightDate(e.Date).toISOString() };
    else {
      if (tagged) throw new S3Error("InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with tags.");
      if (e.ExpiredObjectDeleteMarker === true) rule.expiration = { expiredObjectDeleteMarker: true };
    }
  }
  if (r.NoncurrentVersionExpiration !== undefined) {
    const n = r.NoncurrentVersionExpiration;
    const noncurrentDays = positiveDays(n.NoncurrentDays, "NoncurrentDays' for NoncurrentVersionExpiration action");
    if (n.NewerNoncurrentVersions !== undefined && (!Number.isInteger(n.NewerNoncurrentVersions) || n.NewerNoncurrentVersions < 1 || n.NewerNoncurrentVersions > MAX_NEWER_NONCURRENT)) {
      throw new S3Error("InvalidArgument", `'NewerNoncurrentVersions' must be an integer from 1 to ${MAX_NEWER_NONCURRENT}`);
    }
    rule.noncurrentExpiration = { noncurrentDays, ...(n.NewerNoncurrentVersions !== undefined && { newerNoncurrentVersions: n.NewerNoncurrentVersions }) };
  }
  if (r.AbortIncompleteMultipartUpload !== undefined) {
    // an upload has no tags yet, so S3 refuses the combination ("AbortIncompleteMultipartUpload")
    if (tagged) throw new S3Error("InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags.");
    rule.abortIncompleteUploadDays = positiveDays(r.AbortIncompleteMultipartUpload.DaysAfterInitiation, "DaysAfterInitiation' for AbortIncompleteMultipartUpload action");
  }
  // ExpiredObjectDeleteMarker false is no action: S3 wants at least one action per rule
  if (rule.expiration === undefined && rule.noncurrentExpiration === undefined && rule.abortIncompleteUploadDays === undefined) {
    if (r.Expiration?.ExpiredObjectDeleteMarker === false) rule.expiration = { expiredObjectDeleteMarker: false };
    else throw new S3Error("InvalidRequest", "At least one action needs to be specified in a rule");
  }
  return rule;
}

/** The configuration's rules, checked; a rule without an ID gets one, as S3 gives it. */
export function lifecycleRulesOf(config: BucketLifecycleConfiguration): LifecycleRule[] {
  const rules = config.Rules ?? [];
  if (rules.length === 0 || rules.length > MAX_LIFECYCLE_RULES) throw malformed();
  const out = rules.map(ruleOf);
  const ids = new Set<string>();
  for (const rule of out) {
    if (rule.id === "") continue;
    if (ids.has(rule.id)) throw new S3Error("InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule");
    ids.add(rule.id);
  }
  for (const rule of out) if (rule.id === "") rule.id = Buffer.from(randomUUID()).toString("base64");
  return out;
}

function tagList(tags: Record<string, string> | undefined): Tag[] {
  return Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

function filterShape(f: LifecycleFilter): Pick<LifecycleRuleShape, "Prefix" | "Filter"> {
  if (f.form === "Prefix") return { Prefix: f.prefix ?? "" };
  const size = { ObjectSizeGreaterThan: f.objectSizeGreaterThan, ObjectSizeLessThan: f.objectSizeLessThan };
  if (f.form === "And") return { Filter: { And: { Prefix: f.prefix, Tags: f.tags ? tagList(f.tags) : undefined, ...size } } };
  return { Filter: { Prefix: f.prefix, Tag: tagList(f.tags)[0], ...size } };
}

/** The rules as GetBucketLifecycleConfiguration answers them. */
export function lifecycleConfigurationOf(rules: readonly LifecycleRule[]): BucketLifecycleConfiguration {
  return {
    Rules: rules.map(
      (r): LifecycleRuleShape => ({
        ID: r.id,
        ...filterShape(r.filter),
        Status: r.enabled ? "Enabled" : "Disabled",
        ...(r.expiration !== undefined && {
          Expiration: {
            Days: r.expiration.days,
            Date: r.expiration.date !== undefined ? new Date(r.expiration.date) : undefined,
            ExpiredObjectDeleteMarker: r.expiration.expiredObjectDeleteMarker,
          },
        }),
        ...(r.noncurrentExpiration !== undefined && {
          NoncurrentVersionExpiration: {
            NoncurrentDays: r.noncurrentExpiration.noncurrentDays,
            NewerNoncurrentVersions: r.noncurrentExpiration.newerNoncurrentVersions,
          },
        }),
        ...(r.abortIncompleteUploadDays !== undefined && {
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: r.abortIncompleteUploadDays },
        }),
      }),
    ),
  };
}
