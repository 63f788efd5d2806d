// What the router needs to know about a request, and a per-request view that does each piece of
// parsing (path/query split, query parameters) at most once and only when a route asks for it.

/** Header values by lower-case name; a repeated header is an array, in arrival order. */
export type HeaderLookup = ReadonlyMap<string, string | readonly string[]> | ((name: string) => HeaderValue);

export type HeaderValue = string | readonly string[] | undefined;

export interface RouteRequest {
  /** `:authority` or `Host`, possibly with a port. */
  readonly authority: string;
  /** `:path`, including any query string. */
  readonly path: string;
  readonly headers: HeaderLookup;
  /** Scheme the client used (`x-forwarded-proto`'s value at the edge); a redirect keeps it. Default "http". */
  readonly scheme?: string;
  /** A CONNECT request: only connect_matcher routes match it, and they match nothing else. */
  readonly connect?: boolean;
}

export class RequestView {
  readonly request: RouteRequest;
  #pathOnly: string | undefined;
  #query: ReadonlyMap<string, string> | undefined;

  constructor(request: RouteRequest) {
    this.request = request;
  }

  /** The path without its query string or fragment. */
  get pathOnly(): string {
    if (this.#pathOnly === undefined) this.#pathOnly = stripQuery(this.request.path);
    return this.#pathOnly;
  }

  /**
   * A header's value, with repeated values joined by "," as Envoy does when it matches a header
   * that occurs several times; undefined when absent.
   */
  header(name: string): string | undefined {
    const headers = this.request.headers;
    const value = typeof headers === "function" ? headers(name) : headers.get(name);
    if (value === undefined || typeof value === "string") return value;
    return value.length === 0 ? undefined : value.join(",");
  }

  /** A header's first value (cluster_header reads only that); undefined when absent. */
  firstHeader(name: string): string | undefined {
    const headers = this.request.headers;
    const value = typeof headers === "function" ? headers(name) : headers.get(name);
    return value === undefined || typeof value === "string" ? value : value[0];
  }

  /** Query parameters, percent-decoded; for a repeated name, the first value (as Envoy matches). */
  get query(): ReadonlyMap<string, string> {
    if (this.#query === undefined) this.#query = parseQuery(this.request.path);
    return this.#query;
  }
}

export function stripQuery(path: string): string {
  let end = path.length;
  const q = path.indexOf("?");
  if (q !== -1) end = q;
  const h = path.indexOf("#");
  if (h !== -1 && h < end) end = h;
  return end === path.length ? path : path.slice(0, end);
}

/** The query string of a path including its "?", or "" when it has none. */
export function queryOf(path: string): string {
  const h = path.indexOf("#");
  const end = h === -1 ? path.length : h;
  const q = path.indexOf("?");
  return q === -1 || q > end ? "" : path.slice(q, end);
}

function parseQuery(path: string): ReadonlyMap<string, string> {
  const params = new Map<string, string>();
  const query = queryOf(path);
  if (query.length <= 1) return params;
  for (const pair of query.slice(1).split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    if (!params.has(name)) params.set(name, eq === -1 ? "" : decode(pair.slice(eq + 1)));
  }
  return params;
}

/** Percent-decoding as Envoy's: "+" stays "+", and a malformed escape leaves the text as it was. */
function decode(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
