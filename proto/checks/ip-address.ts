// IP literals as Envoy reads a socket address's host, and CIDR prefixes, reduced to bytes so that
// equal addresses compare equal however they are spelled (`::1` and `0:0:0:0:0:0:0:1`; `10.0.0.1/8`
// and `10.0.0.0/8`).
//
// The rule, as Envoy parses an internet address: IPv4 is a strict dotted quad (no leading zeros, no
// shortened forms: Envoy requires the text to print back unchanged); IPv6 is any inet_pton form,
// optionally followed by a zone `%ZONE` (Envoy parses IPv6 with getaddrinfo(AI_NUMERICHOST) so that
// a scoped address such as `fe80::1%eth0` can name one interface). Whether the interface exists is
// the host's business, so a zone is checked by shape only: 1 to 15 letters, digits, `_`, `.` or `-`
// (a Linux interface name, IFNAMSIZ less its NUL, or a numeric interface index).
import { isIPv4, isIPv6 } from "node:net";

export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: readonly number[];
  /** The IPv6 zone after `%`, if any. */
  readonly zone?: string;
}

const ZONE = /^[A-Za-z0-9_.-]{1,15}$/;

/** The address `text` spells, or undefined when it is not an IPv4 or IPv6 literal. */
export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { family: 4, bytes: text.split(".").map(Number) };
  const percent = text.indexOf("%");
  const address = percent === -1 ? text : text.slice(0, percent);
  const zone = percent === -1 ? undefined : text.slice(percent + 1);
  if (!isIPv6(address) || (zone !== undefined && !ZONE.test(zone))) return undefined;
  const halves = address.split("::");
  const head = words(halves[0] ?? "");
  const tail = halves.length === 2 ? words(halves[1] ?? "") : [];
  const zeros = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  const bytes = all.flatMap((w) => [w >> 8, w & 0xff]);
  return zone === undefined ? { family: 6, bytes } : { family: 6, bytes, zone };
}

/** Whether `text` is an IP literal Envoy accepts as a socket address's host. */
export function isIp(text: string): boolean {
  return parseIp(text) !== undefined;
}

/** 16-bit groups of one side of `::`, a trailing dotted quad counting as two. */
function words(side: string): number[] {
  if (side === "") return [];
  return side.split(":").flatMap((group) => {
    if (!group.includes(".")) return [Number.parseInt(group, 16)];
    const [a = 0, b = 0, c = 0, d = 0] = group.split(".").map(Number);
    return [(a << 8) | b, (c << 8) | d];
  });
}

/** A key equal for equal addresses; the same address on two interfaces (zones) is two addresses. */
export function ipKey(ip: IpAddress): string {
  const zone = ip.zone === undefined ? "" : `%${ip.zone}`;
  return `${ip.family}/${ip.bytes.map((b) => b.toString(16).padStart(2, "0")).join("")}${zone}`;
}

/**
 * A key equal for CIDR ranges that cover the same addresses, or undefined for a bad prefix. A range
 * is of addresses, not of interfaces, so a zoned prefix is a bad prefix.
 */
export function cidrKey(addressPrefix: string, prefixLen: number | undefined): string | undefined {
  const ip = parseIp(addressPrefix);
  if (!ip || ip.zone !== undefined) return undefined;
  const bits = ip.bytes.length * 8;
  const len = prefixLen ?? bits;
  if (len > bits) return undefined;
  const masked = ip.bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
  return `${ipKey({ family: ip.family, bytes: masked })}/${len}`;
}
