/**
 * PostObject: an upload from an HTML form ("POST Object" and "Browser-Based Uploads Using POST",
 * Amazon S3 API Reference). The form is read as it streams (runtime/form-data.ts): its fields, then
 * the file, which goes to the store through the same verifying body as a PutObject's (MD5 for the
 * ETag, the x-amz-checksum-* field or the default checksum). The form's policy and signature
 * authenticate the request (runtime/auth/post-policy.ts); the HTTP request itself is unsigned.
 */
import { Transform, type TransformCallback } from "node:stream";
import type { PostObjectHandlers } from "../../generated/handlers.js";
import type { PostObjectOutput } from "../../generated/types/post-object.js";
import type { Tagging } from "../../generated/types/shapes.js";
import { paramSchemas } from "../../generated/schemas.js";
import { operations } from "../../generated/operations.js";
import { S3Error } from "../errors.js";
import { asHeaderBytes } from "../header-values.js";
import { formBoundary, isFormData, readForm, type Form } from "../form-data.js";
import { checkPolicy, parsePolicy, type LengthRange } from "../auth/post-policy.js";
import { bodyPlanFromHeaders, verifyingBody } from "../auth/body.js";
import { DEFAULT_CHECKSUM } from "../auth/checksums.js";
import { storageCall } from "../storage/errors.js";
import { decodeXml } from "../xml.js";
import { checksumMembers, MAX_OBJECT_TAGS, newObjectParams, objectUrl, quoteEtag, validateTags, type HandlerContext } from "./common.js";
import { newObjectAccess } from "./acl.js";
import { checkNewObjectEncryption, storedEncryption, type NewObjectEncryptionInput } from "./encryption.js";

/**
 * S3 reads at most 20 KB of form before the file ("POST Object": MaxPostPreDataLengthExceededError,
 * "Your POST request fields preceding the upload file were too large").
 */
export const MAX_FORM_FIELD_BYTES = 20 * 1024;

/** The storage classes PutObject's x-amz-storage-class takes (the spec's enum). */
const STORAGE_CLASSES = new Set<string>(
  ((paramSchemas.PutObject as { properties: { StorageClass: { enum: string[] } } }).properties.StorageClass.enum),
);

/** The canned ACLs the form's `acl` field takes: PutObject's x-amz-acl (the spec's enum). */
const OBJECT_CANNED_ACLS = new Set<string>(((paramSchemas.PutObject as { properties: { ACL: { enum: string[] } } }).properties.ACL.enum));

/** The members of a new object's encryption, and the form fields that carry them: PutObject's header names (the spec's). */
const ENCRYPTION_MEMBERS = ["ServerSideEncryption", "SSEKMSKeyId", "SSEKMSEncryptionContext", "SSECustomerAlgorithm", "SSECustomerKey", "SSECustomerKeyMD5"] as const;
const ENCRYPTION_FIELDS = ENCRYPTION_MEMBERS.map((name) => [name, operations.PutObject.input.find((m) => m.name === name)!.wireName] as const);

/** The values x-amz-server-side-encryption takes, and S3's message for another (the spec's enum). */
const SSE_VALUES = (() => {
  const t = operations.PutObject.input.find((m) => m.name === "ServerSideEncryption")!.type as { enum: string[]; invalidValueMessage: string };
  return { allowed: new Set(t.enum), message: t.invalidValueMessage };
})();

function missingField(name: string): S3Error {
  return new S3Error("InvalidArgument", `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`, {
    ArgumentName: name,
    ArgumentValue: "",
  });
}

/**
 * The file's size against the policy's content-length-range (and the gateway's largest object),
 * checked as it streams: the store sees an error instead of the end, and commits nothing.
 */
class SizeRange extends Transform {
  private size = 0;

  constructor(private readonly range: LengthRange) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.range.max) {
      return callback(new S3Error("EntityTooLarge", undefined, { ProposedSize: this.size, MaxSizeAllowed: this.range.max }));
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.size < this.range.min) {
      return callback(new S3Error("EntityTooSmall", undefined, { ProposedSize: this.size, MinSizeAllowed: this.range.min }));
    }
    callback();
  }
}

/** The form's tagging field: a `<Tagging>` document, checked as any object tag set. */
function formTags(xml: string | undefined): Record<string, string> {
  if (xml === undefined) return {};
  const tagging = decodeXml<Tagging>("Tagging", xml);
  return validateTags(
    tagging.TagSet.map((t) => [t.Key, t.Value] as const),
    MAX_OBJECT_TAGS,
  );
}

/** The encryption fields, checked as PutObject's headers (the value as the header's: S3's message for another). */
function checkFormEncryption(fields: ReadonlyMap<string, string>, ctx: HandlerContext): void {
  const input: NewObjectEncryptionInput = {};
  for (const [name, field] of ENCRYPTION_FIELDS) {
    const value = fields.get(field);
    if (value !== undefined) input[name] = value;
  }
  const sse = input.ServerSideEncryption;
  if (sse !== undefined && !SSE_VALUES.allowed.has(sse)) {
    throw new S3Error("InvalidArgument", SSE_VALUES.message, { ArgumentName: ENCRYPTION_FIELDS[0][1], ArgumentValue: sse });
  }
  checkNewObjectEncryption(input, ctx);
}

/** The x-amz-meta-* fields, prefix removed, their values as header-values.ts asHeaderBytes keeps them. */
function formMetadata(fields: ReadonlyMap<string, string>): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (name.startsWith("x-amz-meta-")) Object.defineProperty(meta, name.slice(11), { value: asHeaderBytes(value), enumerable: true, writable: true, configurable: true });
  }
  return meta;
}

/** A field that becomes one of the object's headers, as header-values.ts asHeaderBytes keeps it. */
function headerField(fields: ReadonlyMap<string, string>, name: string): string | undefined {
  const value = fields.get(name);
  return value === undefined ? undefined : asHeaderBytes(value);
}


/** success_action_redirect (or its older name redirect), when it is an http(s) URL; S3 ignores others. */
function redirectTarget(fields: ReadonlyMap<string, string>): URL | undefined {
  const value = fields.get("success_action_redirect") ?? fields.get("redirect");
  if (value === undefined || value === "") return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

async function upload(form: Form, input: { Bucket: string }, ctx: HandlerContext): Promise<PostObjectOutput> {
  const { fields, file } = form;
  const keyField = fields.get("key");
  if (keyField === undefined) throw missingField("key");
  if (file === undefined) throw new S3Error("IncorrectNumberOfFilesInPostRequest", undefined, { ArgumentName: "file", ArgumentValue: "0" });

  const signer = ctx.verifyPostSignature(fields);
  const caller = signer === undefined ? undefined : ctx.signedBy(signer.accessKeyId);
  // A form without policy and signature is anonymous: it may upload where an ACL (a
  // public-read-write bucket) or a bucket policy lets anyone write. Its fields are then checked
  // against no policy ("Browser-based uploads using POST": a policy is required only when signed).
  const signed: HandlerContext =
    caller === undefined ? { ...ctx, accessKeyId: undefined, user: undefined, owner: "" } : { ...ctx, accessKeyId: signer!.accessKeyId, user: caller.user, owner: caller.owner };
  const bucket = await signed.authorize({ action: "s3:PutObject", bucket: input.Bucket });
  const policyField = fields.get("policy");
  // `${filename}` is the file's name ("POST Object": key), before the conditions look at the key
  const key = keyField.replaceAll("${filename}", file.filename);
  const checked = new Map(fields);
  checked.set("key", key);
  // the bucket is the one the request addresses, whatever a bucket field says
  checked.set("bucket", input.Bucket);
  const range = policyField === undefined || caller === undefined ? undefined : checkPolicy(parsePolicy(policyField), checked, ctx.now());
  const storageClass = fields.get("x-amz-storage-class");
  if (storageClass !== undefined && !STORAGE_CLASSES.has(storageClass)) throw new S3Error("InvalidStorageClass");
  checkFormEncryption(fields, signed);
  const params = newObjectParams(
    {
      Bucket: input.Bucket,
      Key: key,
      // what becomes a header of the object, in the form a header's value is kept in
      ContentType: headerField(fields, "content-type"),
      CacheControl: headerField(fields, "cache-control"),
      ContentDisposition: headerField(fields, "content-disposition"),
      ContentEncoding: headerField(fields, "content-encoding"),
      ContentLanguage: headerField(fields, "content-language"),
      Expires: fields.get("expires"),
      WebsiteRedirectLocation: headerField(fields, "x-amz-website-redirect-location"),
      Metadata: formMetadata(fields),
      StorageClass: storageClass,
    },
    signed,
  );
  params.tags = formTags(fields.get("tagging"));
  // the file's checksum, as PutObject's x-amz-checksum-* header (validated the same way)
  const checksumFields: Record<string, string> = {};
  for (const [name, value] of fields) if (name.startsWith("x-amz-checksum-")) checksumFields[name] = value;
  const plan = bodyPlanFromHeaders(checksumFields, { kind: "anonymous" }, { defaultChecksum: DEFAULT_CHECKSUM });
  // the `acl` field is the form's x-amz-acl: a canned ACL
  const acl = fields.get("acl");
  if (acl !== undefined && !OBJECT_CANNED_ACLS.has(acl)) throw new S3Error("InvalidArgument", undefined, { ArgumentName: "acl", ArgumentValue: acl });
  Object.assign(params, await newObjectAccess(signed, bucket, { ACL: acl }));

  const limit = { min: range?.min ?? 0, max: Math.min(range?.max ?? Number.MAX_SAFE_INTEGER, ctx.config.limits.maxObjectBytes) };
  const sized = file.stream.pipe(new SizeRange(limit));
  file.stream.on("error", (err) => sized.destroy(err));
  const info = await storageCall(() => signed.storage.putObject(params, verifyingBody(sized, plan)));
  await form.rest();

  const etag = quoteEtag(info.etag);
  const common = { ETag: etag, ServerSideEncryption: storedEncryption(ctx), ...checksumMembers(info.checksum) } as Partial<PostObjectOutput>;
  const redirect = redirectTarget(fields);
  if (redirect !== undefined) {
    const query = `bucket=${encodeURIComponent(input.Bucket)}&key=${encodeURIComponent(key)}&etag=${encodeURIComponent(etag)}`;
    const href = redirect.href;
    return { ...common, Status: 303, Location: `${href}${href.includes("?") ? "&" : "?"}${query}` };
  }
  const location = objectUrl(ctx, input.Bucket, key);
  switch (fields.get("success_action_status")) {
    case "200":
      return { ...common, Status: 200, Location: location };
    case "201":
      return { ...common, Status: 201, Location: location, Body: { Location: location, Bucket: input.Bucket, Key: key, ETag: etag } };
    default:
      return { ...common, Status: 204, Location: location };
  }
}

export const postObjectHandlers: PostObjectHandlers<HandlerContext> = {
  async PostObject(input, ctx) {
    if (!isFormData(input.ContentType)) {
      throw new S3Error("PreconditionFailed", undefined, { Condition: "Bucket POST must be of the enclosure-type multipart/form-data" });
    }
    // a form without a boundary (or an invalid one) cannot be read: its body is not well-formed form data
    const boundary = formBoundary(input.ContentType);
    if (boundary === undefined) throw new S3Error("MalformedPOSTRequest");
    const form = await readForm(input.Body.stream, boundary, MAX_FORM_FIELD_BYTES);
    try {
      return await upload(form, input, ctx);
    } catch (err) {
      form.file?.stream.destroy();
      throw err;
    }
  },
};
