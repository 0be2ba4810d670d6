/**
 * What several feature areas share: the handler context, bucket names and ownership, user metadata
 * and tag rules, ETags, read conditions and byte ranges. S3's rules, with the AWS documentation they
 * come from.
 */
import type { FastifyBaseLogger } from "fastify";
import type { AuthorizedBucket, PublicAccessBlockAcls } from "../access/authorize.js";
import type { Config } from "../config.js";
import { S3Error } from "../errors.js";
import { storageCall } from "../storage/errors.js";
import type {
  BucketInfo,
  ByteRange,
  Checksum,
  ChecksumAlgorithm,
  NewObjectParams,
  ObjectInfo,
  ObjectLock,
  StorageClient,
  SystemMetadata,
} from "../storage/types.js";
import { setOwn } from "../own-property.js";
import { requestedLock, type ObjectLockWriteInput } from "./object-lock.js";
import type { User, UserSet } from "../users.js";

export interface HandlerContext {
  requestId: string;
  /** the access key the request was signed with; undefined: anonymous */
  accessKeyId?: string;
  /** the user of that key: the caller; undefined: anonymous (an ACL or a bucket policy let it in) */
  user?: User;
  /** what a bucket, object or upload the caller creates stores as its owner (app.ts storedOwner); "" when anonymous */
  owner: string;
  /**
   * The request's bucket, once the access decision allowed the operation on it (app.ts runs it
   * before the handler): what authorizedBucket answers.
   */
  bucket?: AuthorizedBucket;
  /** The access decision for a further resource (a copy's source), for this request's caller. */
  authorize(question: { action: string; bucket: string; key?: string; versionId?: string; objectReadByAsker?: boolean }): Promise<AuthorizedBucket>;
  /**
   * Whether the caller holds s3:BypassGovernanceRetention on this object of the request's bucket
   * (runtime/access/bypass-governance.ts): asked when a request sends
   * x-amz-bypass-governance-retention: true; without it the header is of no effect.
   */
  mayBypassGovernance(key: string, versionId?: string): Promise<boolean>;
  /**
   * Whether the bucket policy explicitly denies this request's action (the operation's @permission)
   * on one of the objects it names (runtime/access/delete-entries.ts): DeleteObjects' entries.
   */
  entryDenied(key: string, versionId?: string): Promise<boolean>;
  /** the bucket's PublicAccessBlock as it bears on ACLs (runtime/access/policy/ keeps it); undefined: none */
  publicAccessBlock(bucket: string): Promise<PublicAccessBlockAcls | undefined>;
  /** the users in force for this request: whose a stored owner is */
  users: UserSet;
  storage: StorageClient;
  config: Readonly<Config>;
  /** the authority and scheme the client addressed (from a trusted proxy's X-Forwarded-Host and
   * -Proto): those of the URLs an answer names (objectUrl) */
  host?: string;
  scheme?: "http" | "https";
  log: FastifyBaseLogger;
  /**
   * The checksum algorithm the request body is verified against (x-amz-checksum-* header or
   * aws-chunked trailer, as the auth layer read it), once the body was opened; undefined: none.
   */
  bodyChecksum(): ChecksumAlgorithm | undefined;
  /** the gateway's clock (POST policies expire) */
  now(): Date;
  /**
   * Who signed a browser form (PostObject): its policy's signature checked against the configured
   * credentials (runtime/auth/post-policy.ts verifyPostSignature); undefined for an unsigned form.
   */
  verifyPostSignature(fields: ReadonlyMap<string, string>): { accessKeyId: string } | undefined;
  /**
   * Records the access key a form's signature named as the caller (for the audit line), and gives
   * its user and what that user's new objects store as their owner.
   */
  signedBy(accessKeyId: string): { user: User; owner: string };
}

/**
 * Bucket naming rules for general purpose buckets ("Bucket naming rules", Amazon S3 User Guide):
 * 3-63 characters of lower-case letters, digits, dots and hyphens; a letter or digit first and
 * last; no two adjacent dots; not an IP address; none of the reserved prefixes and suffixes.
 */
export function validateBucketName(name: string): void {
  const ok =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) &&
    !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name);
  if (!ok) throw new S3Error("InvalidBucketName");
}

/**
 * The request's bucket, as the access decision (runtime/access/authorize.ts, run by app.ts before
 * every operation on a bucket or object) allowed it: a handler reaches a bucket only through here.
 */
export async function authorizedBucket(ctx: HandlerContext, bucket: string): Promise<BucketInfo> {
  if (ctx.bucket?.name === bucket) return ctx.bucket;
  // a handler asking for a bucket the decision was not about is a bug, never a way around it
  throw new Error(`bucket ${bucket} was not authorized for this request`);
}

/**
 * Operations whose handler reads the object's metadata and applies the access decision's last step
 * to it (checkObjectAccess): app.ts asks the decision with objectReadByAsker for these, so the
 * bucket owner reading its own objects costs no read more.
 */
export const CHECKS_OBJECT_ACCESS: ReadonlySet<string> = new Set(["GetObject", "HeadObject", "GetObjectAttributes", "GetObjectAcl", "PutObjectAcl"]);

/**
 * The access decision's last step, on the object the handler read (runtime/access/authorize.ts
 * AuthorizedBucket.checkObject): the bucket owner may not read another writer's object or its ACL
 * without that writer's grant. Call it before anything of the object is used or answered.
 */
export async function checkObjectAccess(ctx: HandlerContext, object: ObjectInfo): Promise<void> {
  await ctx.bucket?.checkObject?.(object);
}

/** Whether a stored owner names the caller's user. */
export function ownedBy(ctx: HandlerContext, storedOwner: string): boolean {
  return ctx.user !== undefined && ctx.users.ownerUser(storedOwner)?.canonicalId === ctx.user.canonicalId;
}

/** S3's Owner element (ID, DisplayName) for a stored owner. */
export function ownerOf(ctx: HandlerContext, storedOwner: string): { ID: string; DisplayName: string } {
  return ctx.users.ownerElement(storedOwner);
}

/**
 * The x-amz-version-id of a write's answer: the new version's id, none for the "null" version a
 * write makes in a versioning-suspended bucket (ceph/s3-tests'
 * test_versioning_bucket_atomic_upload_return_version_id, not marked as failing on AWS). Reads of
 * a "null" version still name it.
 */
export function writtenVersionId(versionId: string | undefined): string | undefined {
  return versionId === "null" ? undefined : versionId;
}

export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

export function unquoteEtag(etag: string): string {
  const t = etag.trim();
  return (t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t).toLowerCase();
}

/** Keys are at most 1024 bytes of UTF-8 ("Naming Amazon S3 objects"). */
export function validateKey(key: string): void {
  if (Buffer.byteLength(key, "utf8") > 1024) throw new S3Error("KeyTooLongError");
}

/**
 * The number of bytes `text` took on the wire. Node decodes header values as ISO-8859-1, one
 * character per byte received: the UTF-8 bytes of "é" an SDK sends arrive as two characters, and
 * measuring those as UTF-8 again would count them twice. A character beyond U+00FF never comes
 * from node's parser; such a string is measured as UTF-8.
 */
function wireBytes(text: string): number {
  return /[^\u0000-\u00ff]/.test(text) ? Buffer.byteLength(text, "utf8") : text.length;
}

/**
 * User metadata: at most 2 KB, "measured by taking the sum of the number of bytes in the UTF-8
 * encoding of each key and value" ("Working with object metadata", User-defined object metadata):
 * the bytes the client sent, which are that UTF-8 encoding. Names are lower-case on the wire.
 */
export function validateMetadata(meta: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  let size = 0;
  for (const [k, v] of Object.entries(meta ?? {})) {
    size += wireBytes(k) + wireBytes(v);
    setOwn(out, k.toLowerCase(), v);
  }
  if (size > 2048) throw new S3Error("MetadataTooLarge");
  return out;
}

/** S3's tag-set limits ("Categorizing your storage using tags", Amazon S3 User Guide). */
export const MAX_OBJECT_TAGS = 10;
export const MAX_BUCKET_TAGS = 50;
const MAX_TAG_KEY_LENGTH = 128;
const MAX_TAG_VALUE_LENGTH = 256;
/**
 * The characters AWS allows in tag keys and values: letters, separators (spaces), numbers and
 * `_ . : / = + - @` (the pattern of S3's Tag in the Amazon S3 API Reference, S3Tag; Ozone's gateway
 * checks the same, TAG_REGEX_PATTERN in S3Consts.java).
 */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * The one validator of a tag set, whichever way it came (the x-amz-tagging header of PutObject,
 * CopyObject and CreateMultipartUpload, or the XML of PutObjectTagging and PutBucketTagging): at
 * most `limit` tags, keys of 1-128 and values of 0-256 Unicode characters from TAG_TEXT, no key
 * twice, no key in AWS's reserved "aws:" namespace. Any violation is InvalidTag (400).
 */
export function validateTags(pairs: Iterable<readonly [string, string]>, limit: number): Record<string, string> {
  // a Map, then own properties: a tag named "__proto__" is a tag like any other
  const tags = new Map<string, string>();
  for (const [k, v] of pairs) {
    if (tags.has(k)) throw new S3Error("InvalidTag", "Cannot provide multiple Tags with the same key");
    const keyLength = [...k].length;
    if (keyLength === 0 || !TAG_TEXT.test(k)) throw new S3Error("InvalidTag", "The TagKey you have provided is invalid");
    if (keyLength > MAX_TAG_KEY_LENGTH) throw new S3Error("InvalidTag", `The TagKey you have provided is too long, max ${MAX_TAG_KEY_LENGTH}`);
    if (!TAG_TEXT.test(v)) throw new S3Error("InvalidTag", "The TagValue you have provided is invalid");
    if ([...v].length > MAX_TAG_VALUE_LENGTH) throw new S3Error("InvalidTag", `The TagValue you have provided is too long, max ${MAX_TAG_VALUE_LENGTH}`);
    if (k.toLowerCase().startsWith("aws:")) throw new S3Error("InvalidTag", "Your TagKey cannot be prefixed with aws:");
    tags.set(k, v);
    if (tags.size > limit) {
      throw new S3Error("InvalidTag", limit === MAX_OBJECT_TAGS ? `Object tags cannot be greater than ${limit}` : `Bucket tag count cannot be greater than ${limit}`);
    }
  }
  return Object.fromEntries(tags);
}

/**
 * The x-amz-tagging header: a URL query string (`k1=v1&k2=`, keys and values URL-encoded; a key
 * without "=" has an empty value), checked as any object tag set.
 */
export function parseTagging(header: string | undefined): Record<string, string> {
  if (!header) return {};
  return validateTags(new URLSearchParams(header), MAX_OBJECT_TAGS);
}

/** The system metadata headers a client sends when it creates an object (PutObject, CopyObject...). */
export interface SystemMetadataInput {
  ContentType?: string;
  ContentEncoding?: string;
  ContentLanguage?: string;
  ContentDisposition?: string;
  CacheControl?: string;
  Expires?: string;
  WebsiteRedirectLocation?: string;
}

/** The system metadata to store for a new object, from its request headers. */
export function systemMetadataOf(input: SystemMetadataInput): SystemMetadata {
  return {
    contentType: input.ContentType,
    contentEncoding: storedContentEncoding(input.ContentEncoding),
    contentLanguage: input.ContentLanguage,
    contentDisposition: input.ContentDisposition,
    cacheControl: input.CacheControl,
    expires: input.Expires,
    websiteRedirectLocation: websiteRedirectLocation(input.WebsiteRedirectLocation),
  };
}

/**
 * x-amz-website-redirect-location as S3 takes it: a path in the bucket (`/page.html`) or an
 * `http://` / `https://` URL; anything else is InvalidRedirectLocation (AWS's answer, quoted in
 * aws/aws-cli#1130). An empty header is no redirect.
 */
export function websiteRedirectLocation(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.startsWith("/") || /^https?:\/\//i.test(value)) return value;
  throw new S3Error("InvalidRedirectLocation");
}

/** What PutObject and CreateMultipartUpload say about the object they make. */
export interface NewObjectInput extends SystemMetadataInput, ObjectLockWriteInput {
  Bucket: string;
  Key: string;
  Metadata?: Record<string, string>;
  Tagging?: string;
  StorageClass?: string;
}

/** The new object's key, metadata and tags, validated, for the storage client. */
export function newObjectParams(input: NewObjectInput, ctx: HandlerContext): NewObjectParams {
  validateKey(input.Key);
  // A literal, the rest assigned to it: a literal with spreads in it, spread again into PutObject's
  // params, cost ~6 µs per PUT to build and read, against ~1 µs this way (a microbenchmark of both
  // on this machine; objectHeaders in objects.ts has the same note).
  const params: NewObjectParams = {
    bucket: input.Bucket,
    key: input.Key,
    userMetadata: validateMetadata(input.Metadata),
    tags: parseTagging(input.Tagging),
    storageClass: input.StorageClass ?? "STANDARD",
    owner: ctx.owner,
  };
  Object.assign(params, systemMetadataOf(input));
  const lock = requestedLock(input, ctx.now());
  if (lock !== undefined) params.lock = lock;
  return params;
}

/** The `lock` of a new object's params, when its request states one (object-lock.ts). */
export function lockParam(input: ObjectLockWriteInput, ctx: HandlerContext): { lock?: ObjectLock } {
  const lock = requestedLock(input, ctx.now());
  return lock === undefined ? {} : { lock };
}

/**
 * The system metadata of a stored object, to carry over to a copy: all of it but the website
 * redirect, which S3 never copies ("CopyObject": it is unique to each object; the request may
 * state one).
 */
export function systemMetadataFrom(info: SystemMetadata): SystemMetadata {
  const { contentType, contentEncoding, contentLanguage, contentDisposition, cacheControl, expires } = info;
  return { contentType, contentEncoding, contentLanguage, contentDisposition, cacheControl, expires };
}

/** Content-Encoding without the aws-chunked transfer coding, which is not part of the object. */
export function storedContentEncoding(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // Remove the token and its separator; keep the rest exactly as sent ("deflate, gzip").
  const rest = value
    .replace(/(^|,)\s*aws-chunked\s*(?=,|$)/gi, "")
    .replace(/^\s*,\s*/, "")
    .trim();
  return rest === "" ? undefined : rest;
}

function etagMatches(header: string, etag: string): boolean {
  return header.split(",").some((t) => {
    const v = t.trim();
    return v === "*" || unquoteEtag(v.replace(/^W\//, "")) === etag.toLowerCase();
  });
}

/** HTTP dates have one-second precision: compare at that precision. */
function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

export interface Conditions {
  IfMatch?: string;
  IfNoneMatch?: string;
  IfModifiedSince?: Date;
  IfUnmodifiedSince?: Date;
}

/**
 * RFC 9110 section 13.2.2 order, as S3 applies it to GET and HEAD: If-Match (412), else
 * If-Unmodified-Since (412); then If-None-Match (304), else If-Modified-Since (304). With
 * `failWith412` (the x-amz-copy-source-if-* family) every failing condition is 412.
 */
export function checkConditions(c: Conditions, info: ObjectInfo, failWith412 = false): void {
  if (c.IfMatch !== undefined) {
    if (!etagMatches(c.IfMatch, info.etag)) throw new S3Error("PreconditionFailed");
  } else if (c.IfUnmodifiedSince !== undefined && seconds(info.lastModified) > seconds(c.IfUnmodifiedSince)) {
    throw new S3Error("PreconditionFailed");
  }
  // A 304 has no body; its fields become headers: RFC 9110 section 15.4.5 wants the ETag a 200
  // would have carried, and S3 sends Last-Modified as well.
  const notModified = () =>
    failWith412 ? new S3Error("PreconditionFailed") : new S3Error("NotModified", undefined, { ETag: quoteEtag(info.etag), "Last-Modified": info.lastModified.toUTCString() });
  if (c.IfNoneMatch !== undefined) {
    if (etagMatches(c.IfNoneMatch, info.etag)) throw notModified();
  } else if (c.IfModifiedSince !== undefined && seconds(info.lastModified) <= seconds(c.IfModifiedSince)) {
    throw notModified();
  }
}

/**
 * A single byte range (RFC 9110 section 14.1.2). A header that does not parse (RFC 9110's grammar
 * has no blank inside `bytes=0-9`), or asks for several ranges, is ignored and the whole object
 * served, as S3 does; a range that starts past the end, or a suffix of 0 bytes, is InvalidRange
 * (416). A suffix of an empty object is the whole of it, as RFC 9110 has it ("shorter than the
 * suffix-length: the entire representation"), served as 200: no Content-Range names 0 bytes.
 */
export function resolveRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  // node has trimmed the value; the unit is case-insensitive (RFC 9110 section 14.1)
  const m = /^bytes=(\d*)-(\d*)$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new S3Error("InvalidRange", undefined, { ActualObjectSize: size, RangeRequested: header });
    if (size === 0) return undefined;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return undefined;
  if (start >= size) throw new S3Error("InvalidRange", undefined, { ActualObjectSize: size, RangeRequested: header });
  return { start, end };
}

/** The x-amz-checksum-* output members for a stored checksum. */
export function checksumMembers(c: Checksum | undefined): Record<string, string> {
  if (!c) return {};
  return { [`Checksum${c.algorithm}`]: c.value, ChecksumType: c.type };
}

/**
 * The checksum to show for a part of a multipart object: the part's own, when it is of the object's
 * checksum algorithm. S3 shows a part checksum "if the multipart upload request was created with"
 * that algorithm (ObjectPart, Amazon S3 API Reference); the object of an upload without one has
 * S3's default CRC64NVME, which its parts show only where their client sent a CRC64NVME, and a part
 * a client sent another checksum with is not of the object's.
 */
export function visiblePartChecksum(object: Checksum | undefined, part: Checksum | undefined): Checksum | undefined {
  return object !== undefined && part !== undefined && part.algorithm === object.algorithm ? part : undefined;
}

/** S3 omits x-amz-storage-class for STANDARD objects. */
export function visibleStorageClass(storageClass: string): string | undefined {
  return storageClass === "STANDARD" ? undefined : storageClass;
}

export const DEFAULT_MAX_KEYS = 1000;

/** Listing page sizes: S3 answers at most 1000 entries however many are asked for. */
export function pageSize(requested: number | undefined): number {
  return requested === undefined ? DEFAULT_MAX_KEYS : Math.min(requested, DEFAULT_MAX_KEYS);
}

/** encoding-type=url: percent-encode names in listings, leaving "/" readable as S3 does. */
export function urlEncoder(encodingType: string | undefined): (s: string | undefined) => string | undefined {
  if (encodingType !== "url") return (s) => s;
  return (s) => (s === undefined ? undefined : encodeURIComponent(s).replace(/%2F/g, "/"));
}

/**
 * A new object's URL, as S3 names it in PostObject's and CompleteMultipartUpload's Location:
 * absolute, path-style, or virtual-hosted when the request came to `<bucket>.<domain>`, with the
 * scheme and authority the client addressed (the configured ones when unknown).
 */
export function objectUrl(ctx: HandlerContext, bucket: string, key: string): string {
  const scheme = ctx.scheme ?? (ctx.config.s3.tls.certFile !== undefined ? "https" : "http");
  const authority = ctx.host ?? `${ctx.config.s3.host}:${ctx.config.s3.port}`;
  const hostname = authority.toLowerCase().replace(/:\d+$/, "");
  const virtual = ctx.config.s3.domains.some((d) => hostname.endsWith(`.${d.toLowerCase().replace(/:\d+$/, "")}`));
  const path = key.split("/").map(encodeURIComponent).join("/");
  return virtual ? `${scheme}://${authority}/${path}` : `${scheme}://${authority}/${encodeURIComponent(bucket)}/${path}`;
}
