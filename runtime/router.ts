/**
 * Routing: interprets the generated route table. A request is reduced to method + target (service,
 * bucket or object) + sub-resource keyword + the query parameters and headers present; the first
 * table row (highest rank) whose constraints hold is the operation. Registration order plays no part,
 * and codegen/check.ts proved that no two rows tie.
 */
import { routeTable, subresourceKeywords, type RouteRow } from "../generated/routes.js";
import type { IrTarget } from "../generated/ir-types.js";
import { S3Error } from "./errors.js";

export interface ParsedUrl {
  /** percent-encoded path as received, without the query */
  rawPath: string;
  /** query string as received, without "?" */
  rawQuery: string;
  /** decoded query parameters; a name without "=" has the value "" */
  query: Map<string, string>;
}

export interface ResolvedTarget {
  target: IrTarget;
  bucket?: string;
  key?: string;
}

const rowsByGroup = new Map<string, RouteRow[]>();
for (const row of routeTable) {
  const k = groupKey(row.method, row.target, row.keyword);
  const rows = rowsByGroup.get(k) ?? [];
  rows.push(row);
  rowsByGroup.set(k, rows);
}
for (const rows of rowsByGroup.values()) rows.sort((a, b) => b.rank - a.rank);

function groupKey(method: string, target: string, keyword: string | null): string {
  return `${method} ${target} ${keyword ?? ""}`;
}

function decode(s: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? s.replace(/\+/g, " ") : s);
  } catch {
    throw new S3Error("InvalidURI");
  }
}

export function parseUrl(url: string): ParsedUrl {
  const q = url.indexOf("?");
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? "" : url.slice(q + 1);
  const query = new Map<string, string>();
  if (rawQuery) {
    for (const part of rawQuery.split("&")) {
      if (!part) continue;
      const eq = part.indexOf("=");
      const name = decode(eq < 0 ? part : part.slice(0, eq), true);
      // The first occurrence wins, as in S3.
      if (!query.has(name)) query.set(name, eq < 0 ? "" : decode(part.slice(eq + 1), true));
    }
  }
  return { rawPath, rawQuery, query };
}

/**
 * Path-style: /bucket/key. Virtual-hosted-style: the Host is `<bucket>.<domain>` for a configured
 * domain, and the whole path is the key. A key keeps every character, slashes and "." segments
 * included: S3 keys are names, not paths (RFC 3986 dot-segment removal does not apply).
 */
export function resolveTarget(rawPath: string, host: string | undefined, domains: readonly string[]): ResolvedTarget {
  if (!rawPath.startsWith("/")) throw new S3Error("InvalidURI");
  const hostname = (host ?? "").toLowerCase().replace(/:\d+$/, "");
  for (const domain of domains) {
    const d = domain.toLowerCase().replace(/:\d+$/, "");
    if (hostname.endsWith(`.${d}`)) {
      const bucket = hostname.slice(0, -d.length - 1);
      const key = decode(rawPath.slice(1), false);
      return key === "" ? { target: "bucket", bucket } : { target: "object", bucket, key };
    }
  }
  const rest = rawPath.slice(1);
  if (rest === "") return { target: "service" };
  const slash = rest.indexOf("/");
  if (slash < 0) return { target: "bucket", bucket: decode(rest, false) };
  const bucket = decode(rest.slice(0, slash), false);
  const key = decode(rest.slice(slash + 1), false);
  return key === "" ? { target: "bucket", bucket } : { target: "object", bucket, key };
}

/**
 * The operation for a request. No matching row: 405 MethodNotAllowed (the method makes no sense for
 * this resource). The row of an operation that is not implemented is returned as is; the caller
 * answers 501 NotImplemented.
 */
export function matchRoute(
  method: string,
  target: IrTarget,
  query: ReadonlyMap<string, string>,
  headers: Record<string, string | string[] | undefined>,
): RouteRow {
  let keyword: string | null = null;
  for (const name of query.keys()) {
    if (!subresourceKeywords.has(name)) continue;
    if (keyword !== null) throw new S3Error("InvalidRequest", `The request names more than one sub-resource (${keyword}, ${name}).`);
    keyword = name;
  }
  const rows = rowsByGroup.get(groupKey(method, target, keyword));
  if (rows) {
    for (const row of rows) {
      if (row.query.every((q) => query.has(q.name) && (q.value === undefined || query.get(q.name) === q.value)) && row.headers.every((h) => headers[h] !== undefined)) {
        return row;
      }
    }
  }
  throw new S3Error("MethodNotAllowed");
}
