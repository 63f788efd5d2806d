// IP literals and CIDR prefixes as Envoy reads them (inet_pton: no zone IDs, no leading zeros),
// reduced to bytes so that equal addresses compare equal however they are spelled (`::1` and
// `0:0:0:0:0:0:0:1`; `10.0.0.1/8` and `10.0.0.0/8`).
import { isIPv4, isIPv6 } from "node:net";

export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: readonly number[];
}

/** The address `text` spells, or undefined when it is not an IPv4 or IPv6 literal. */
export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { family: 4, bytes: text.split(".").map(Number) };
  if (!isIPv6(text) || text.includes("%")) return undefined;
  const halves = text.split("::");
  const head = words(halves[0] ?? "");
  const tail = halves.length === 2 ? words(halves[1] ?? "") : [];
  const zeros = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  return { family: 6, bytes: all.flatMap((w) => [w >> 8, w & 0xff]) };
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

/** A key equal for equal addresses. */
export function ipKey(ip: IpAddress): string {
  return `${ip.family}/${ip.bytes.map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** A key equal for CIDR ranges that cover the same addresses, or undefined for a bad prefix. */
export function cidrKey(addressPrefix: string, prefixLen: number | undefined): string | undefined {
  const ip = parseIp(addressPrefix);
  if (!ip) return undefined;
  const bits = ip.bytes.length * 8;
  const len = prefixLen ?? bits;
  if (len > bits) return undefined;
  const masked = ip.bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
  return `${ipKey({ family: ip.family, bytes: masked })}/${len}`;
}

const LABEL = "[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?";
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`);

/** A DNS name a resolver can be asked for: dot-separated labels of letters, digits, `-` and `_`. */
export function isHostname(text: string): boolean {
  return text.length <= 253 && HOSTNAME.test(text);
}
