// An HTTP/1.1 request-target other than origin-form (RFC 9112 §3.2). Clients configured with a
// forward proxy (HTTP_PROXY, `curl -x`, undici's ProxyAgent with `proxyTunnel: false`) send
// absolute-form, `GET http://catalog:8080/items?page=2 HTTP/1.1`, which a proxy must accept. The
// URL's authority is the request's authority: a proxy ignores any Host header the request carries
// and sends one made from the target instead (RFC 9112 §3.2.2). Its path and query are the request's
// path, in origin-form, as the router, rewrites and the upstream request see it.
//
// Only `http` targets are proxied. An `https` target on a cleartext connection is refused with
// 403, as Envoy refuses "https in the clear"; so is CONNECT, which Envoy answers with 403 unless
// the connection manager enables it (upgrade_configs CONNECT: then connect-tunnel.ts reads its
// authority-form target, `catalog:80`). Any other target is malformed: 400. HTTP/2 requests carry
// `:authority` and an origin-form `:path` and never come here.
//
// The target is split, not parsed with WHATWG URL: URL rewrites the path (dot segments removed,
// some characters percent-encoded, `\` read as `/`), and a proxy forwards the path it was given,
// exactly as it forwards an origin-form one.

/** The parts of an absolute-form target the request continues with. */
export interface AbsoluteTarget {
  /** `host[:port]` as written in the URL (IPv6 literals in brackets). */
  readonly authority: string;
  /** Origin-form: the URL's path and query, "/" when the URL has no path. */
  readonly path: string;
}

/** Why a request-target is answered locally. */
export interface RefusedTarget {
  readonly status: 400 | 403;
  readonly reason: string;
}

/**
 * reg-name, IPv4 address or bracketed IP literal (RFC 3986 §3.2.2), then an optional port of one
 * to five digits. userinfo ("user@") is refused: RFC 9110 §4.2.4 tells a recipient to treat it as
 * an error.
 */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]{1,5})?$/;

/** Whether `target` is origin-form ("/...") or asterisk-form ("*"), which need no reading. */
export function isOriginForm(target: string): boolean {
  const first = target.charCodeAt(0);
  return first === 47 /* "/" */ || (first === 42 /* "*" */ && target.length === 1);
}

/**
 * Reads an HTTP/1.1 request-target that is not origin-form: its authority and path when it is an
 * absolute `http` URL, otherwise why it is refused.
 */
export function readRequestTarget(method: string, target: string): AbsoluteTarget | RefusedTarget {
  if (method === "CONNECT") {
    return { status: 403, reason: "CONNECT is not supported: send plain http:// requests to this proxy" };
  }
  const colon = target.indexOf("://");
  if (colon === -1) return { status: 400, reason: "malformed request target" };
  const scheme = target.slice(0, colon).toLowerCase();
  if (scheme === "https") {
    return { status: 403, reason: "https:// request target on a cleartext connection" };
  }
  if (scheme !== "http") return { status: 400, reason: `unsupported scheme in request target: ${scheme}` };
  const start = colon + 3;
  let end = start;
  while (end < target.length) {
    const c = target.charCodeAt(end);
    if (c === 47 /* "/" */ || c === 63 /* "?" */ || c === 35 /* "#" */) break;
    end++;
  }
  const authority = target.slice(start, end);
  if (!AUTHORITY.test(authority)) return { status: 400, reason: "malformed authority in request target" };
  if (portOf(authority) > 65_535) return { status: 400, reason: "port out of range in request target" };
  const rest = target.slice(end);
  // RFC 9112 §3.2.1: an empty path is sent as "/", before a query too. (OPTIONS too, as Envoy
  // does: §3.2.4's "*" is not a path the upstream client can send.)
  const path = rest === "" || rest.charCodeAt(0) === 35 ? "/" : rest.charCodeAt(0) === 63 ? `/${rest}` : rest;
  return { authority, path };
}

/**
 * A CONNECT request's authority-form target (RFC 9112 §3.2.3, `host:port`, the port required), or
 * undefined when it is not one.
 */
export function readConnectTarget(target: string): string | undefined {
  if (!AUTHORITY.test(target)) return undefined;
  const port = portOf(target);
  return port >= 1 && port <= 65_535 ? target : undefined;
}

/** The authority's port (the digits after the last ":" outside brackets), or 0 when it has none. */
function portOf(authority: string): number {
  const colon = authority.lastIndexOf(":");
  if (colon === -1 || colon < authority.lastIndexOf("]")) return 0;
  return Number(authority.slice(colon + 1));
}

export function isRefused(target: AbsoluteTarget | RefusedTarget): target is RefusedTarget {
  return "status" in target;
}
