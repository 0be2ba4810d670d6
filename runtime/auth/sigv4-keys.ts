/**
 * SigV4's string to sign, signing key and signature compare (sigv4.ts runs them; test/auth/ checks
 * each against AWS's published vectors).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The credential scope's fixed last element. */
export const SCOPE_TERMINATOR = "aws4_request";

/** hex SHA-256; a string is taken as a byte string (one char per byte, as canonical requests and
 * header values are here), not as UTF-8 text. */
export function sha256Hex(data: string | Uint8Array): string {
  // a string goes to the hash as it is, with its encoding: no Buffer made for it
  return (typeof data === "string" ? createHash("sha256").update(data, "latin1") : createHash("sha256").update(data)).digest("hex");
}

export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/${SCOPE_TERMINATOR}`;
}

/** algorithm, timestamp, scope and the hex SHA-256 of the canonical request, joined with "\n".
 * The canonical request is hashed as a byte string (canonical.ts `toWireBytes`). */
export function stringToSign(algorithm: string, amzDate: string, scope: string, canonical: string): string {
  return `${algorithm}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request") */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac("sha256", "AWS4" + secret).update(date).digest();
  const kRegion = createHmac("sha256", kDate).update(region).digest();
  const kService = createHmac("sha256", kRegion).update(service).digest();
  return createHmac("sha256", kService).update(SCOPE_TERMINATOR).digest();
}

/** hex HMAC-SHA256 of a byte string */
export function hmacHex(key: Buffer, data: string): string {
  return createHmac("sha256", key).update(data, "latin1").digest("hex");
}

/** Constant-time comparison of a computed hex signature with the one the client sent. */
export function signaturesEqual(computed: string, provided: string): boolean {
  if (computed.length !== provided.length) return false;
  return timingSafeEqual(Buffer.from(computed, "latin1"), Buffer.from(provided, "latin1"));
}

/**
 * Signing keys by (secret, date, region, service), least recently used first out. A key is valid
 * for a whole day, so almost every request of an active client hits the cache and skips four
 * HMACs.
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly maxEntries = 256) {}

  get(secret: string, date: string, region: string, service: string): Buffer {
    const id = `${date}\u0000${region}\u0000${service}\u0000${secret}`;
    const hit = this.keys.get(id);
    if (hit !== undefined) {
      this.keys.delete(id);
      this.keys.set(id, hit);
      return hit;
    }
    const key = deriveSigningKey(secret, date, region, service);
    this.keys.set(id, key);
    if (this.keys.size > this.maxEntries) this.keys.delete(this.keys.keys().next().value as string);
    return key;
  }

  get size(): number {
    return this.keys.size;
  }
}
