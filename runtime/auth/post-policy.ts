/**
 * POST policies: what authenticates a browser form upload (PostObject). Pure: the form's fields in,
 * the signer and the allowed file size out, or the S3Error S3 answers.
 *
 * References: "Creating a POST Policy" (expiration, conditions, their matching rules),
 * "Browser-Based Uploads Using POST (AWS Signature Version 4)" (x-amz-algorithm, x-amz-credential,
 * x-amz-date, x-amz-signature: the hex HMAC-SHA256 of the base64 policy with the credential's signing
 * key) and the Signature Version 2 form of "Browser-Based Uploads Using POST" (AWSAccessKeyId,
 * signature: the base64 HMAC-SHA1 of the base64 policy), Amazon S3 API Reference / User Guide.
 */
import { createHmac } from "node:crypto";
import { S3Error } from "../errors.js";
import { parseAmzDate, parseCredential, signaturesEqual, SIGV4_ALGORITHM, type SigningKeyCache } from "./sigv4.js";

/** One condition, field names lower-case (S3 compares names without regard to case). */
export type PolicyCondition =
  | { op: "eq" | "starts-with"; field: string; value: string; /** the condition as written, for messages */ text: string }
  | { op: "content-length-range"; min: number; max: number };

export interface PostPolicy {
  expiration: Date;
  conditions: PolicyCondition[];
}

/** The file size the policy allows (content-length-range), when it names one. */
export interface LengthRange {
  min: number;
  max: number;
}

function invalidPolicy(detail: string): S3Error {
  return new S3Error("InvalidPolicyDocument", `Invalid Policy: ${detail}`);
}

function deniedByPolicy(detail: string): S3Error {
  return new S3Error("AccessDenied", `Invalid according to Policy: ${detail}`);
}

/**
 * "2007-12-01T12:00:00.000Z": ISO 8601 in UTC, as "Creating a POST Policy" requires; S3 refuses
 * other forms (ceph's s3-tests send Python's str(datetime) to check that).
 */
const EXPIRATION = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

function parseExpiration(value: unknown): Date {
  const m = typeof value === "string" ? EXPIRATION.exec(value) : null;
  const d = m && parseAmzDate(`${m[1]}${m[2]}${m[3]}T${m[4]}${m[5]}${m[6]}Z`);
  if (!d) throw invalidPolicy(`Invalid 'expiration' value: '${String(value)}'`);
  if (m![7]) d.setUTCMilliseconds(Math.floor(Number(`0${m![7]}`) * 1000));
  return d;
}

/** A field reference of an eq / starts-with condition: "$key" names the field key. */
function fieldOf(ref: unknown, text: string): string {
  if (typeof ref !== "string" || !ref.startsWith("$") || ref.length < 2) throw invalidPolicy(`Invalid condition: ${text}`);
  return ref.slice(1).toLowerCase();
}

function lengthBound(v: unknown, text: string): number {
  // JSON numbers, or digit strings (S3 reads both)
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw invalidPolicy(`Invalid content-length-range: ${text}`);
  return n;
}

/** A condition as S3's messages show it: `["eq", "$key", "value"]`. */
function conditionText(items: readonly unknown[]): string {
  return `[${items.map((x) => JSON.stringify(x)).join(", ")}]`;
}

function parseCondition(c: unknown): PolicyCondition {
  const text = Array.isArray(c) ? conditionText(c) : JSON.stringify(c);
  if (Array.isArray(c)) {
    const op = typeof c[0] === "string" ? c[0].toLowerCase() : "";
    if (op === "content-length-range") {
      if (c.length !== 3) throw invalidPolicy(`Invalid content-length-range: ${text}`);
      const min = lengthBound(c[1], text);
      const max = lengthBound(c[2], text);
      if (min > max) throw invalidPolicy(`Invalid content-length-range: ${text}`);
      return { op, min, max };
    }
    if (op !== "eq" && op !== "starts-with") throw invalidPolicy(`Invalid condition: ${text}`);
    if (c.length !== 3 || typeof c[2] !== "string") throw invalidPolicy(`Invalid condition: ${text}`);
    return { op, field: fieldOf(c[1], text), value: c[2], text };
  }
  // {"field": "value"}: an exact match, exactly one field per object
  if (c !== null && typeof c === "object") {
    const entries = Object.entries(c);
    if (entries.length !== 1 || typeof entries[0][1] !== "string") throw invalidPolicy(`Invalid simple condition: ${text}`);
    const [field, value] = entries[0] as [string, string];
    return { op: "eq", field: field.toLowerCase(), value, text: conditionText(["eq", `$${field}`, value]) };
  }
  throw invalidPolicy(`Invalid condition: ${text}`);
}

/**
 * The policy document of the form's `policy` field: base64 of JSON `{"expiration": ..., "conditions":
 * [...]}`. The two member names are case-sensitive. Anything malformed: 400 InvalidPolicyDocument.
 */
export function parsePolicy(base64: string): PostPolicy {
  const text = base64.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw invalidPolicy("Invalid Base64 encoding.");
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(text, "base64").toString("utf8"));
  } catch {
    throw invalidPolicy("Invalid JSON.");
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw invalidPolicy("Invalid JSON.");
  const d = doc as Record<string, unknown>;
  if (!Object.hasOwn(d, "expiration")) throw invalidPolicy("Policy missing expiration.");
  const expiration = parseExpiration(d.expiration);
  if (!Object.hasOwn(d, "conditions")) throw invalidPolicy("Policy missing conditions.");
  if (!Array.isArray(d.conditions)) throw invalidPolicy("Policy conditions must be a list.");
  return { expiration, conditions: d.conditions.map(parseCondition) };
}

/**
 * Fields no condition has to cover ("Creating a POST Policy": each form field except these must
 * appear in the conditions): the policy and the signature fields, the file, `x-ignore-*`. The
 * x-amz-checksum-* fields describe the file's integrity and are verified against it; S3 takes them
 * without a condition too (ceph's test_post_object_upload_checksum).
 */
function exempt(name: string): boolean {
  return (
    name === "policy" ||
    name === "signature" ||
    name === "x-amz-signature" ||
    name === "awsaccesskeyid" ||
    name === "file" ||
    name.startsWith("x-ignore-") ||
    name.startsWith("x-amz-checksum-")
  );
}

/**
 * A starts-with on Content-Type holds when every one of a comma-separated list of types starts with
 * the prefix ("Creating a POST Policy", Condition matching: starts-with).
 */
function startsWith(field: string, value: string, prefix: string): boolean {
  if (field === "content-type" && value.includes(",")) return value.split(",").every((v) => v.trim().startsWith(prefix));
  return value.startsWith(prefix);
}

/**
 * Checks the form against the policy: not expired, every condition met, every field covered by a
 * condition. `fields` holds the form fields by lower-case name (the key after `${filename}` was
 * replaced) plus `bucket`, the bucket the request addresses. Answers the file size range.
 */
export function checkPolicy(policy: PostPolicy, fields: ReadonlyMap<string, string>, now: Date): LengthRange | undefined {
  if (policy.expiration.getTime() <= now.getTime()) throw deniedByPolicy("Policy expired.");
  const covered = new Set<string>();
  let range: LengthRange | undefined;
  for (const c of policy.conditions) {
    if (c.op === "content-length-range") {
      range = { min: c.min, max: c.max };
      continue;
    }
    const value = fields.get(c.field) ?? "";
    const ok = c.op === "eq" ? value === c.value : startsWith(c.field, value, c.value);
    if (!ok) throw deniedByPolicy(`Policy Condition failed: ${c.text}`);
    covered.add(c.field);
  }
  const extra = [...fields.keys()].filter((name) => !exempt(name) && !covered.has(name));
  if (extra.length > 0) throw deniedByPolicy(`Extra input fields: ${extra.join(", ")}`);
  return range;
}

export interface PostSignatureOptions {
  lookupSecret(accessKeyId: string): string | undefined;
  /** the gateway's region: a SigV4 credential for another is refused */
  region: string;
  /** whether SigV2 forms (AWSAccessKeyId + signature) are accepted */
  signatureV2: boolean;
  signingKeys: SigningKeyCache;
}

function missingField(name: string): S3Error {
  return new S3Error("InvalidArgument", `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`, {
    ArgumentName: name,
    ArgumentValue: "",
  });
}

/**
 * Who signed the form: the access key whose signature over the `policy` field is right, or
 * undefined for a form with neither policy nor signature (an anonymous request). A form with only a
 * part of what signing needs is refused with the field it lacks (InvalidArgument, S3's wording).
 */
export function verifyPostSignature(fields: ReadonlyMap<string, string>, opts: PostSignatureOptions): { accessKeyId: string } | undefined {
  const policy = fields.get("policy");
  const v4 = fields.has("x-amz-signature") || fields.has("x-amz-credential") || fields.has("x-amz-algorithm");
  const v2 = fields.has("signature") || fields.has("awsaccesskeyid");
  if (policy === undefined && !v4 && !v2) return undefined;
  if (v4) {
    const algorithm = fields.get("x-amz-algorithm");
    if (algorithm === undefined) throw missingField("x-amz-algorithm");
    if (algorithm !== SIGV4_ALGORITHM) {
      throw new S3Error("InvalidArgument", "Only AWS4-HMAC-SHA256 is supported for POST policies.", { ArgumentName: "x-amz-algorithm", ArgumentValue: algorithm });
    }
    const credentialText = fields.get("x-amz-credential");
    if (credentialText === undefined) throw missingField("x-amz-credential");
    const amzDate = fields.get("x-amz-date");
    if (amzDate === undefined) throw missingField("x-amz-date");
    const signature = fields.get("x-amz-signature");
    if (signature === undefined) throw missingField("x-amz-signature");
    if (policy === undefined) throw missingField("policy");
    const credential = parseCredential(credentialText, "query", opts.region);
    if (parseAmzDate(amzDate) === undefined || !amzDate.startsWith(credential.date)) {
      throw new S3Error("InvalidArgument", "Invalid x-amz-date: it must be the credential's date, as yyyyMMddTHHmmssZ.", { ArgumentName: "x-amz-date", ArgumentValue: amzDate });
    }
    const secret = opts.lookupSecret(credential.accessKeyId);
    if (secret === undefined) throw new S3Error("InvalidAccessKeyId", undefined, { AWSAccessKeyId: credential.accessKeyId });
    const key = opts.signingKeys.get(secret, credential.date, credential.region, credential.service);
    const computed = createHmac("sha256", key).update(policy).digest("hex");
    if (!signaturesEqual(computed, signature.toLowerCase())) throw new S3Error("SignatureDoesNotMatch", undefined, { StringToSign: policy });
    return { accessKeyId: credential.accessKeyId };
  }
  const accessKeyId = fields.get("awsaccesskeyid");
  if (accessKeyId === undefined) throw missingField("AWSAccessKeyId");
  const signature = fields.get("signature");
  if (signature === undefined) throw missingField("signature");
  if (policy === undefined) throw missingField("policy");
  if (!opts.signatureV2) {
    throw new S3Error("InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
  }
  const secret = opts.lookupSecret(accessKeyId);
  if (secret === undefined) throw new S3Error("InvalidAccessKeyId", undefined, { AWSAccessKeyId: accessKeyId });
  const computed = createHmac("sha1", secret).update(policy).digest("base64");
  if (!signaturesEqual(computed, signature)) throw new S3Error("SignatureDoesNotMatch", undefined, { StringToSign: policy });
  return { accessKeyId };
}
