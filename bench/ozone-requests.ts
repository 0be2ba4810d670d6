/**
 * bench/ozone.ts's requests outside the measured runs (spot check, HEAD, clean-up): signed like the
 * measured ones (sign.ts), answered with their headers and whole bodies.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import { performance } from "node:perf_hooks";
import { EMPTY_SHA256 } from "../runtime/auth/sigv4.js";
import { fmt } from "./common.js";
import type { Target } from "./load.js";
import { queryString, s3Path } from "./sign.js";

/** deleting what was written stops here (per gateway); the rest is left and reported */
const CLEANUP_MAX_MS = 90_000;
/** the Ozone volume of every S3 bucket */
export const VOLUME = "s3v";

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** `extra`: headers sent unsigned; `signedExtra`: headers signed with the request (lowercase names). */
export function rawRequest(target: Target, method: string, p: string, query = "", body?: Buffer, extra: Record<string, string> = {}, signedExtra?: Record<string, string>): Promise<RawReply> {
  const payloadHash = body === undefined ? EMPTY_SHA256 : createHash("sha256").update(body).digest("hex");
  const signed = target.signer.sign({ method, path: p, query, host: `${target.host}:${target.port}`, payloadHash, ...(signedExtra !== undefined && { signedExtra }) });
  const headers: Record<string, string> = { ...signed, ...extra };
  if (body !== undefined) headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.host, port: target.port, method, path: query ? `${p}?${query}` : p, headers, agent: target.agent });
    req.setTimeout(120_000, () => req.destroy(new Error("no answer in 120 s")));
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end(body);
  });
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const xmlUnescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

/**
 * Deletes every key of `bucket` (ListObjectsV2 pages of 1000, each deleted with one DeleteObjects),
 * then the bucket. Returns a line for the report.
 */
export async function emptyAndDelete(target: Target, bucket: string): Promise<string> {
  const started = performance.now();
  /** distinct keys deleted: a listing right after a DeleteObjects may show some of its keys again */
  const seen = new Set<string>();
  let relisted = 0;
  let errors = 0;
  let deleted = 0;
  for (;;) {
    if (performance.now() - started > CLEANUP_MAX_MS) {
      return `${target.name} ${bucket}: stopped after ${CLEANUP_MAX_MS / 1000} s with ${fmt(deleted)} keys deleted; the rest is left in ${VOLUME}/${bucket}`;
    }
    const list = await rawRequest(target, "GET", s3Path(bucket), queryString({ "list-type": "2", "max-keys": "1000" }));
    if (list.status === 404) return `${target.name} ${bucket}: already gone`;
    if (list.status !== 200) return `${target.name} ${bucket}: ListObjectsV2 answered ${list.status}; left in place (${fmt(deleted)} keys deleted)`;
    const keys = [...list.body.toString("utf8").matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => xmlUnescape(m[1]));
    if (keys.length === 0) break;
    const xml = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>${keys.map((k) => `<Object><Key>${xmlEscape(k)}</Key></Object>`).join("")}</Delete>`);
    // DeleteObjects needs Content-MD5 (or a checksum header), as on AWS; it is signed with the request
    const r = await rawRequest(target, "POST", s3Path(bucket), "delete=", xml, { "content-type": "application/xml" }, { "content-md5": createHash("md5").update(xml).digest("base64") });
    const failed = (r.body.toString("utf8").match(/<Error>/g) ?? []).length;
    if (r.status !== 200 || failed === keys.length) {
      return `${target.name} ${bucket}: DeleteObjects answered ${r.status} (${failed} key errors); left in place (${fmt(deleted)} keys deleted)`;
    }
    for (const k of keys) {
      if (seen.has(k)) relisted++;
      else seen.add(k);
    }
    deleted = seen.size;
    errors += failed;
  }
  const r = await rawRequest(target, "DELETE", s3Path(bucket));
  const secs = fmt((performance.now() - started) / 1000, 1);
  const again = relisted ? `; ${fmt(relisted)} already deleted keys were listed (and deleted) again` : "";
  return `${target.name} ${bucket}: ${fmt(deleted)} keys deleted${errors ? ` (${errors} per-key errors)` : ""}${again}, DeleteBucket ${r.status}, ${secs} s`;
}
