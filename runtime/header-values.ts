/**
 * Response header values that come from client input: the `response-*` overrides of GetObject and
 * HeadObject, and what a client stored with an object (Content-Type, Content-Disposition, user
 * metadata...). Node refuses to start a response whose header carries a character outside
 * RFC 9110's field-value (section 5.5: visible ASCII, SP, HTAB, obs-text 0x80-0xFF) and writes the
 * others as ISO-8859-1 bytes; left unchecked, such a value turns a good request into a 500 after the
 * handler has succeeded. So values are checked before the response starts:
 *
 * - an override that is no header value is the client's fault: S3 refuses it with 400
 *   InvalidArgument "Header value cannot be represented using ISO-8859-1.", naming the parameter
 *   (ArgumentName) and its value (ArgumentValue), as seen from S3 for
 *   `response-content-disposition=attachment; filename="...D’Arcy..."` (guardian/grid#1716) and for a
 *   full-width space in a filename (nukunblog.com/posts/content-disposition). A character S3 can
 *   represent in ISO-8859-1 (é, U+00E9) is sent as that one byte, as node does. S3 has no documented
 *   answer for control characters (CR, LF, NUL...); they cannot be sent either, so they get the same
 *   400 with a message saying so.
 * - stored user metadata that cannot be sent is left out and counted in `x-amz-missing-meta`, as S3
 *   documents ("Working with object metadata": "If some metadata contains unprintable characters,
 *   it is not returned. Instead, the x-amz-missing-meta header is returned with a value of the
 *   number of unprintable metadata entries."). Node's parser never lets such a value in, but an
 *   object written through another gateway (Ozone's own) can carry one.
 * - any other header value that cannot be sent is left out (and logged) rather than failing the
 *   whole response.
 */
import type { IrOperation } from "../generated/ir-types.js";
import { S3Error } from "./errors.js";
import { setOwn } from "./own-property.js";

// eslint-disable-next-line no-control-regex
const NOT_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/** Whether node can send `value` as a header value (the check node's http makes, RFC 9110 5.5). */
export function isHeaderValue(value: string): boolean {
  return !NOT_FIELD_VALUE.test(value);
}

/**
 * The query parameters of `op` that become response headers (`response-content-disposition`...),
 * found once from the IR by S3's naming rule ("Overriding response header values").
 */
export function overrideParameters(op: IrOperation): readonly { name: string; wireName: string }[] {
  return op.input.filter((m) => m.location === "query" && m.wireName.startsWith("response-")).map((m) => ({ name: m.name, wireName: m.wireName }));
}

/** Refuses an override that cannot be sent as a header value (400 InvalidArgument, as S3). */
export function checkOverrides(overrides: readonly { name: string; wireName: string }[], input: Record<string, unknown>): void {
  for (const o of overrides) {
    const v = input[o.name];
    if (typeof v !== "string" || isHeaderValue(v)) continue;
    const message = BEYOND_LATIN1.test(v)
      ? "Header value cannot be represented using ISO-8859-1."
      : "Header value cannot contain control characters.";
    throw new S3Error("InvalidArgument", message, { ArgumentName: o.wireName, ArgumentValue: v });
  }
}

/** User metadata split into what can be sent and the number of entries that cannot. */
export function sendableMetadata(meta: Readonly<Record<string, string>>): { metadata: Record<string, string>; missing: number } {
  const metadata: Record<string, string> = {};
  let missing = 0;
  for (const [k, v] of Object.entries(meta)) {
    // A name is sent as part of a header name: RFC 9110 token characters only.
    if (isHeaderValue(v) && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) setOwn(metadata, k, v);
    else missing++;
  }
  return { metadata, missing };
}

/** Removes from `headers` the values that cannot be sent; returns their names. */
export function dropUnsendable(headers: Record<string, string>): string[] {
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (!isHeaderValue(v)) {
      delete headers[k];
      dropped.push(k);
    }
  }
  return dropped;
}

/**
 * A text as the header bytes that carry it in UTF-8, each byte one character: the form in which a
 * value that arrived in a request header is kept (node reads header bytes as ISO-8859-1), and so
 * answered byte for byte. A value that arrived elsewhere (a PostObject form's fields, read as
 * UTF-8) is kept in this form too, so that it is answered with the same bytes as when sent in a
 * header, instead of as ISO-8859-1 or not at all.
 */
export function asHeaderBytes(value: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(value) ? value : Buffer.from(value, "utf8").toString("latin1");
}
