/**
 * The dates SigV4 and S3 read and print: X-Amz-Date (ISO 8601 basic), HTTP Date headers (RFC 9110's
 * three forms), the Date a request is signed by (those, or RFC 822 with a numeric zone), the
 * credential scope's day, and the time form of S3's error fields (sigv4.ts).
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The Date of these UTC fields, or undefined when they name no real time (Feb 30, 25:00). */
export function utc(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | undefined {
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (y < 1000) t.setUTCFullYear(y);
  const same =
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === s;
  return same ? t : undefined;
}

/** ISO 8601 basic format, as X-Amz-Date: 20130524T000000Z */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) return undefined;
  return utc(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
}

/** An HTTP Date header: IMF-fixdate, RFC 850 or asctime (RFC 9110 5.6.7), or the ISO basic form. */
export function parseHttpDate(value: string): Date | undefined {
  const v = value.trim();
  let m = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(v);
  if (m !== null) return dateWithMonth(+m[3], m[2], +m[1], +m[4], +m[5], +m[6]);
  m = /^[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(v);
  if (m !== null) {
    const yy = +m[3];
    return dateWithMonth(yy < 70 ? 2000 + yy : 1900 + yy, m[2], +m[1], +m[4], +m[5], +m[6]);
  }
  m = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(v);
  if (m !== null) return dateWithMonth(+m[6], m[1], +m[2].trim(), +m[3], +m[4], +m[5]);
  return parseAmzDate(v);
}

/**
 * The Date header a signature is dated by (SigV2, and SigV4 without x-amz-date): an HTTP date
 * (parseHttpDate), or RFC 822's form with a numeric or named UTC zone, which AWS's SigV2 examples
 * use ("Tue, 27 Mar 2007 19:36:42 +0000") and botocore sends when SigV4 signs a request that has a
 * Date header (Python's email.utils.formatdate: "Sun, 06 Dec 2026 20:29:27 -0000").
 */
export function parseSigningDate(value: string): Date | undefined {
  const http = parseHttpDate(value);
  if (http !== undefined) return http;
  const m = /^(?:[A-Za-z]{3}, )?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (?:([+-])(\d{2})(\d{2})|GMT|UT|UTC|Z)$/.exec(value.trim());
  if (m === null) return undefined;
  const t = dateWithMonth(+m[3], m[2], +m[1], +m[4], +m[5], +m[6]);
  if (t === undefined) return undefined;
  const offset = m[7] === undefined ? 0 : (m[7] === "-" ? -1 : 1) * (+m[8] * 60 + +m[9]) * 60_000;
  return new Date(t.getTime() - offset);
}

/** ISO 8601 basic format of `t` (whole seconds), as X-Amz-Date and SigV4's string to sign carry it */
export function amzDate(t: Date): string {
  return serverTime(t).replace(/[-:]/g, "");
}

function dateWithMonth(y: number, month: string, d: number, h: number, mi: number, s: number): Date | undefined {
  const mo = MONTHS.indexOf(month);
  return mo < 0 ? undefined : utc(y, mo + 1, d, h, mi, s);
}

/** 2013-05-24T00:00:00Z: how S3 prints times in error fields */
export function serverTime(t: Date): string {
  return t.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The UTC day of `t` as a credential scope names it; every request checks its scope against it. */
export function yyyymmdd(t: Date): string {
  const y = t.getUTCFullYear();
  // serverTime's form for years outside 0000-9999 (six digits and a sign), as before
  if (!(y >= 0 && y <= 9999)) return serverTime(t).slice(0, 10).replace(/-/g, "");
  const m = t.getUTCMonth() + 1;
  const d = t.getUTCDate();
  return `${String(y).padStart(4, "0")}${m < 10 ? "0" : ""}${m}${d < 10 ? "0" : ""}${d}`;
}
