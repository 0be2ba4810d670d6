/**
 * The canonical request of Signature Version 4, as pure functions: AWS's UriEncode(), the
 * canonical URI, query string and headers, and their assembly (IAM user guide, "Create a canonical
 * request"; S3's own rules for the path in "Signature Calculations for the Authorization Header").
 * sigv4.ts builds an S3 request's canonical request from these; sigv2.ts and the benchmarks'
 * signer (bench/sign.ts) use the encoders too.
 *
 * Strings here are "byte strings" where it matters: node hands header values over decoded as
 * latin1 (one char per wire byte), and a SigV4 client signs the wire bytes, so header values are
 * hashed byte for byte (see `toWireBytes`). Paths and query strings are re-encoded to ASCII.
 */

export type HeaderValue = string | string[] | undefined;
/** Request headers with lowercase names: node's `req.headers`, or better `req.headersDistinct`
 * (which keeps repeated headers apart, as SigV4 joins them with "," and node joins them with ", "). */
export type RequestHeaders = Readonly<Record<string, HeaderValue>>;

/** One query parameter: the raw text and the percent-decoded value. */
export interface QueryParam {
  rawName: string;
  rawValue: string;
  name: string;
  value: string;
}

// ---------------------------------------------------------------------------------------------
// URI encoding: AWS's UriEncode() (IAM user guide, "Create a canonical request")
// ---------------------------------------------------------------------------------------------

const HEX_UPPER = "0123456789ABCDEF";
/** unreserved per RFC 3986 and SigV4: A-Z a-z 0-9 - . _ ~ */
const UNRESERVED = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  UNRESERVED[c] = /[A-Za-z0-9\-._~]/.test(ch) ? 1 : 0;
}
/** a byte's percent escape, precomputed */
const PERCENT = Array.from({ length: 256 }, (_, b) => "%" + HEX_UPPER[b >> 4] + HEX_UPPER[b & 15]);

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * Percent-decodes to bytes. A '%' not followed by two hex digits stays a literal '%' (S3 is lenient
 * there); characters that are not escapes are taken as UTF-8. With `plusIsSpace`, '+' is a space, as
 * S3 reads query strings (form encoding); in a path '+' is a plus.
 */
export function percentDecode(text: string, plusIsSpace: boolean): Buffer {
  if (text.indexOf("%") < 0 && (!plusIsSpace || text.indexOf("+") < 0)) return Buffer.from(text, "utf8");
  const out: number[] = [];
  let runStart = 0;
  const flushRun = (end: number) => {
    if (end > runStart) for (const b of Buffer.from(text.slice(runStart, end), "utf8")) out.push(b);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 37 /* % */ && i + 2 < text.length) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        flushRun(i);
        out.push(hi * 16 + lo);
        i += 2;
        runStart = i + 1;
      }
    } else if (c === 43 /* + */ && plusIsSpace) {
      flushRun(i);
      out.push(32);
      runStart = i + 1;
    }
  }
  flushRun(text.length);
  return Buffer.from(out);
}

/** AWS UriEncode of bytes: unreserved bytes as is, every other byte as %XX (uppercase hex);
 * '/' kept only when `keepSlash`. */
export function uriEncodeBytes(bytes: Uint8Array, keepSlash: boolean): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (UNRESERVED[b] === 1 || (keepSlash && b === 47)) out += String.fromCharCode(b);
    else out += PERCENT[b];
  }
  return out;
}

/** AWS UriEncode of a (decoded) string. */
export function uriEncode(text: string, keepSlash = false): string {
  return uriEncodeBytes(Buffer.from(text, "utf8"), keepSlash);
}

// ---------------------------------------------------------------------------------------------
// Canonical request
// ---------------------------------------------------------------------------------------------

const ALREADY_CANONICAL_PATH = /^[A-Za-z0-9\-._~/]*$/;

/**
 * The canonical URI for S3. S3 differs from the other services ("Signature Calculations for the
 * Authorization Header", and the test suite's normalize-path note): the path is neither normalised
 * ('.', '..' and '//' stay) nor double-encoded. Each segment of the path as received is decoded
 * and re-encoded with UriEncode, so that what an AWS client computed from the object key comes out
 * whatever escaping the wire used: a literal space or a raw UTF-8 byte becomes %20 / %XX, '%2f'
 * becomes '%2F' and stays inside its segment, '+' is a literal plus (%2B), '$' becomes %24.
 */
export function canonicalUri(rawPath: string): string {
  if (rawPath === "") return "/";
  if (ALREADY_CANONICAL_PATH.test(rawPath)) return rawPath;
  return rawPath
    .split("/")
    .map((segment) => uriEncodeBytes(percentDecode(segment, false), false))
    .join("/");
}

/** Splits a raw query string into parameters (empty pieces, as in "a&&b", are skipped). */
export function parseQuery(rawQuery: string): QueryParam[] {
  const params: QueryParam[] = [];
  if (rawQuery === "") return params;
  for (const piece of rawQuery.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const rawName = eq < 0 ? piece : piece.slice(0, eq);
    const rawValue = eq < 0 ? "" : piece.slice(eq + 1);
    params.push({
      rawName,
      rawValue,
      name: percentDecode(rawName, true).toString("utf8"),
      value: percentDecode(rawValue, true).toString("utf8"),
    });
  }
  return params;
}

/**
 * The canonical query string: every parameter (a valueless one as "name="), name and value
 * re-encoded with UriEncode ('/' encoded too), sorted by encoded name, then by encoded value.
 * `omit` names a parameter left out: X-Amz-Signature for a presigned request.
 */
export function canonicalQueryString(params: readonly QueryParam[], omit?: string): string {
  const pairs: [string, string][] = [];
  for (const p of params) {
    if (omit !== undefined && p.name === omit) continue;
    pairs.push([
      uriEncodeBytes(percentDecode(p.rawName, true), false),
      uriEncodeBytes(percentDecode(p.rawValue, true), false),
    ]);
  }
  // Encoded strings are ASCII, so code-unit order is byte order.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

/** A header value as the bytes the client sent, one char per byte. node decodes header values as
 * latin1, so those are already byte strings; a value with characters beyond U+00FF (never from
 * node's parser) is taken as UTF-8. */
export function toWireBytes(value: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\u0000-\u00ff]/.test(value) ? Buffer.from(value, "utf8").toString("latin1") : value;
}

/** Trimall: strip leading/trailing whitespace, collapse inner whitespace runs to one space. */
function trimAll(value: string): string {
  return value.trim().replace(/\s+/g, " ");
}

/** The canonical value of one header: trimmed, inner whitespace collapsed, repeated values joined
 * with ",". A signed header the request lacks has the empty value. */
export function canonicalHeaderValue(value: HeaderValue): string {
  if (value === undefined) return "";
  if (typeof value === "string") return toWireBytes(trimAll(value));
  return value.map((v) => toWireBytes(trimAll(v))).join(",");
}

/** The canonical headers block: "name:value\n" for each signed header, in the signed order. */
export function canonicalHeaders(headers: RequestHeaders, signedHeaders: readonly string[]): string {
  let out = "";
  for (const name of signedHeaders) {
    out += `${name}:${canonicalHeaderValue(headers[name.toLowerCase()])}\n`;
  }
  return out;
}

export interface CanonicalRequestParts {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  /** output of `canonicalHeaders` (each line ends with "\n") */
  canonicalHeaders: string;
  /** the signed header names as the client listed them */
  signedHeaders: readonly string[];
  /** hex SHA-256, or the x-amz-content-sha256 keyword */
  payloadHash: string;
}

/** Method, URI, query, headers, blank line, signed headers, payload hash, joined with "\n". */
export function canonicalRequest(parts: CanonicalRequestParts): string {
  return (
    `${parts.method}\n${parts.canonicalUri}\n${parts.canonicalQuery}\n` +
    `${parts.canonicalHeaders}\n${parts.signedHeaders.join(";")}\n${parts.payloadHash}`
  );
}
