/**
 * IPv4 and IPv6 address ranges (CIDR) for the IpAddress / NotIpAddress condition operators,
 * matched without a call into node's BlockList (about 5 µs a check: it builds a SocketAddress
 * each time); an address is parsed into its bytes once per request value and compared prefix-wise.
 */
import { isIP } from "node:net";

export interface Cidr {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** The 4 or 16 bytes of an address in canonical text form (as node's isIP accepts it), or undefined. */
export function ipBytes(text: string): Uint8Array | undefined {
  const family = isIP(text);
  if (family === 4) return Uint8Array.from(text.split(".").map(Number));
  if (family !== 6) return undefined;
  let s = text;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  // an IPv4 tail (::ffff:192.0.2.1) becomes two groups
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    const b = tail.split(".").map(Number);
    s = `${s.slice(0, lastColon + 1)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, rest] = s.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const restGroups = rest === undefined || rest === "" ? [] : rest.split(":");
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - restGroups.length).fill("0"), ...restGroups];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = parseInt(groups[i] ?? "0", 16);
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  }
  return out;
}

/** Whether `addr` lies in the range (an IPv4 address never lies in an IPv6 range, nor the reverse). */
export function inCidr(c: Cidr, addr: Uint8Array): boolean {
  if (addr.length !== c.bytes.length) return false;
  const whole = c.prefix >> 3;
  for (let i = 0; i < whole; i++) if (addr[i] !== c.bytes[i]) return false;
  const bits = c.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (addr[whole] & mask) === (c.bytes[whole] & mask);
}
