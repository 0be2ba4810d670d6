/**
 * POST policies and their SigV4 form fields for the PostObject suites, computed from AWS's recipe
 * ("Browser-Based Uploads Using POST (AWS Signature Version 4)") with node:crypto, independently of
 * the gateway's code.
 */
import { createHmac } from "node:crypto";
import { REGION } from "./helpers.js";

/** A POST policy document (base64) expiring `inSeconds` from now. */
export function policyOf(conditions: unknown[], inSeconds = 3600, now = Date.now()): string {
  const expiration = new Date(now + inSeconds * 1000).toISOString();
  return Buffer.from(JSON.stringify({ expiration, conditions })).toString("base64");
}

function amzDateOf(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** The SigV4 form fields for a policy: x-amz-algorithm, -credential, -date and -signature. */
export function sigV4Fields(policy: string, accessKeyId: string, secret: string, region = REGION, now = new Date()): Record<string, string> {
  const amzDate = amzDateOf(now);
  const date = amzDate.slice(0, 8);
  let key: Buffer = createHmac("sha256", `AWS4${secret}`).update(date).digest();
  for (const part of [region, "s3", "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return {
    "x-amz-algorithm": "AWS4-HMAC-SHA256",
    "x-amz-credential": `${accessKeyId}/${date}/${region}/s3/aws4_request`,
    "x-amz-date": amzDate,
    "x-amz-signature": createHmac("sha256", key).update(policy).digest("hex"),
  };
}

/** The SigV4 conditions a policy needs for its own signature fields. */
export function sigV4Conditions(fields: Record<string, string>): unknown[] {
  return ["x-amz-algorithm", "x-amz-credential", "x-amz-date"].map((n) => ({ [n]: fields[n] }));
}
