/**
 * The dates SigV4 and S3 read and print: X-Amz-Date (ISO 8601 basic), HTTP Date headers (RFC 9110's
 * three forms), the credential scope's day, and the time form of S3's error fields (sigv4.ts).
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
