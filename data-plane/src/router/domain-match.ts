// Virtual host selection by the request's authority, with Envoy's rules. Domains compare without
// case. The most specific domain wins, in this order:
//   1. exact ("example.com", or "example.com:8080" which only a request carrying that port matches);
//   2. suffix wildcard ("*.example.com", "*-bar.example.com"): the longest suffix wins;
//   3. prefix wildcard ("example.*"): the longest prefix wins;
//   4. "*".
// A wildcard stands for at least one character: "*.example.com" does not match "example.com".
// The authority's port is stripped before matching, except that an exact domain written with a
// port is tried against the full authority first. With `ignore_port_in_host_matching` the full
// authority is never tried. (Envoy itself keeps the port unless the connection manager sets
// strip_any_host_port or the route configuration ignore_port_in_host_matching; Weft always
// strips it, so "example.com" serves "example.com:8080".)

export class DomainIndex<T> {
  readonly #exact = new Map<string, T>();
  /** Sorted by suffix length, longest first, so the first hit is the most specific. */
  readonly #suffixes: { readonly suffix: string; readonly value: T }[] = [];
  readonly #prefixes: { readonly prefix: string; readonly value: T }[] = [];
  #any: T | undefined;
  readonly #ignorePort: boolean;

  constructor(entries: Iterable<readonly [domain: string, value: T]>, ignorePort = false) {
    this.#ignorePort = ignorePort;
    for (const [raw, value] of entries) {
      const domain = raw.toLowerCase();
      // Validation refuses a domain in two virtual hosts; should one slip through, the first wins.
      if (domain === "*") {
        this.#any ??= value;
      } else if (domain.startsWith("*")) {
        this.#suffixes.push({ suffix: domain.slice(1), value });
      } else if (domain.endsWith("*")) {
        this.#prefixes.push({ prefix: domain.slice(0, -1), value });
      } else if (!this.#exact.has(domain)) {
        this.#exact.set(domain, value);
      }
    }
    // A stable sort keeps configuration order among equal lengths.
    this.#suffixes.sort((a, b) => b.suffix.length - a.suffix.length);
    this.#prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  find(authority: string): T | undefined {
    const full = authority.toLowerCase();
    const host = stripPort(full);
    if (!this.#ignorePort && host !== full) {
      const withPort = this.#exact.get(full);
      if (withPort !== undefined) return withPort;
    }
    const exact = this.#exact.get(host);
    if (exact !== undefined) return exact;
    for (const { suffix, value } of this.#suffixes) {
      if (host.length > suffix.length && host.endsWith(suffix)) return value;
    }
    for (const { prefix, value } of this.#prefixes) {
      if (host.length > prefix.length && host.startsWith(prefix)) return value;
    }
    return this.#any;
  }
}

/**
 * The host without a trailing ":port". An IPv6 literal keeps its brackets ("[::1]:80" -> "[::1]");
 * a bare IPv6 address without brackets has no port to strip.
 */
export function stripPort(authority: string): string {
  const colon = authority.lastIndexOf(":");
  if (colon === -1) return authority;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    return close !== -1 && colon === close + 1 && isPort(authority, colon + 1) ? authority.slice(0, colon) : authority;
  }
  if (authority.indexOf(":") !== colon) return authority;
  return isPort(authority, colon + 1) ? authority.slice(0, colon) : authority;
}

function isPort(text: string, from: number): boolean {
  if (from >= text.length) return false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
