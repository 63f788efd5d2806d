// A route's hash_policy, compiled once per route table into a function that hashes a request for
// ring-hash load balancing. Envoy's rules:
// - Each policy yields a hash or nothing: header (its value; several values are sorted and joined
//   with ","; regex_rewrite applied first), cookie (its value), connection_properties.source_ip
//   (the peer's IP), query_parameter (the first value). filter_state never yields one here, as
//   weft has no filter state.
// - Hashes combine in order: hash = rotate-left-1(previous) XOR next, so two identical policies do
//   not cancel out.
// - A terminal policy that produced a hash (with those before it) ends the evaluation.
// - A cookie policy with a ttl makes Envoy set the cookie when the request lacks it; weft does not
//   generate cookies: such a request simply has no hash from that policy.
import type { RouteAction_HashPolicy } from "../../../proto/gen/envoy/config/route/v3/route_components.js";
import { xxHash64 } from "../hashing/hash64.js";
import { compileSubstitution } from "./regex.js";
import type { HeaderValue } from "./request.js";

/** What a hash policy reads of a request. */
export interface HashRequest {
  /** A header's value(s) by lower-case name. */
  header(name: string): HeaderValue;
  /** `:path`, with its query string (for query_parameter). */
  readonly path: string;
  /** The downstream peer's IP. */
  readonly remoteAddress: string | undefined;
}

/** The request's hash, or undefined when no policy applied (ring hash then picks at random). */
export type HashPolicy = (request: HashRequest) => bigint | undefined;

type HashMethod = (request: HashRequest) => bigint | undefined;

const MASK = 0xffff_ffff_ffff_ffffn;

/** Compiles a route's hash_policy list; undefined when it is empty. */
export function compileHashPolicy(policies: readonly RouteAction_HashPolicy[]): HashPolicy | undefined {
  const methods: { readonly hash: HashMethod; readonly terminal: boolean }[] = [];
  for (const policy of policies) {
    const hash = compileMethod(policy);
    if (hash !== undefined) methods.push({ hash, terminal: policy.terminal });
  }
  if (methods.length === 0) return undefined;
  return (request) => {
    let combined: bigint | undefined;
    for (const method of methods) {
      const next = method.hash(request);
      if (next !== undefined) {
        const previous = combined === undefined ? 0n : ((combined << 1n) | (combined >> 63n)) & MASK;
        combined = previous ^ next;
      }
      if (method.terminal && combined !== undefined) break;
    }
    return combined;
  };
}

function compileMethod(policy: RouteAction_HashPolicy): HashMethod | undefined {
  if (policy.header !== undefined) {
    const name = policy.header.headerName.toLowerCase();
    const rewrite = policy.header.regexRewrite;
    const substitution =
      rewrite?.pattern === undefined ? undefined : compileSubstitution(rewrite.pattern.regex, rewrite.substitution);
    return (request) => {
      const value = request.header(name);
      if (value === undefined) return undefined;
      const values = typeof value === "string" ? [value] : [...value].sort();
      if (values.length === 0) return undefined;
      const joined = values
        .map((v) => (substitution === undefined ? v : v.replace(substitution.pattern, substitution.replacement)))
        .join(",");
      return xxHash64(joined);
    };
  }
  if (policy.cookie !== undefined) {
    const name = policy.cookie.name;
    return (request) => {
      const value = cookieValue(request.header("cookie"), name);
      return value === undefined ? undefined : xxHash64(value);
    };
  }
  if (policy.connectionProperties !== undefined) {
    if (!policy.connectionProperties.sourceIp) return undefined;
    return (request) => (request.remoteAddress === undefined ? undefined : xxHash64(request.remoteAddress));
  }
  if (policy.queryParameter !== undefined) {
    const name = policy.queryParameter.name;
    return (request) => {
      const value = queryValue(request.path, name);
      return value === undefined ? undefined : xxHash64(value);
    };
  }
  return undefined;
}

/** A cookie's value from the Cookie header(s); the first occurrence wins. */
function cookieValue(header: HeaderValue, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const line of typeof header === "string" ? [header] : header) {
    for (const pair of line.split(";")) {
      const eq = pair.indexOf("=");
      if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
      let value = pair.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return value;
    }
  }
  return undefined;
}

/** A query parameter's first value, as it appears (not decoded, as Envoy hashes it). */
function queryValue(path: string, name: string): string | undefined {
  const start = path.indexOf("?");
  if (start < 0) return undefined;
  const end = path.indexOf("#", start);
  for (const pair of path.slice(start + 1, end < 0 ? undefined : end).split("&")) {
    const eq = pair.indexOf("=");
    if ((eq < 0 ? pair : pair.slice(0, eq)) === name) return eq < 0 ? "" : pair.slice(eq + 1);
  }
  return undefined;
}
