// Envoy's RBAC HTTP filter (envoy.filters.http.rbac): policies of permissions (what is asked:
// method and other headers, path, destination port) and principals (who asks: the client
// certificate's identity, the remote address, headers), compiled into predicates. A policy matches
// when one of its permissions and one of its principals match; the filter's action then decides:
// ALLOW lets through only requests some policy matches, DENY refuses them, LOG lets everything
// through. A filter without rules enforces nothing. The mesh compiles AuthorizationPolicies into
// this filter; raw listeners may use it directly.
import { BlockList, isIPv6 } from "node:net";
import type { CidrRange } from "../../../proto/gen/envoy/config/core/v3/address.js";
import {
  type Permission,
  type Principal,
  RBAC_Action,
  type RBAC as RbacRules,
} from "../../../proto/gen/envoy/config/rbac/v3/rbac.js";
import type { RBAC } from "../../../proto/gen/envoy/extensions/filters/http/rbac/v3/rbac.js";
import type { Any } from "../../../proto/gen/google/protobuf/any.js";
import { compileHeaderMatcher } from "../router/header-match.js";
import type { RequestView } from "../router/request.js";
import { compileStringMatcher } from "../router/string-match.js";
import { type Cursor, join, unpack } from "./common.js";
import { ConfigErrorCode as Code } from "./errors.js";

export const RBAC_FILTER = "envoy.extensions.filters.http.rbac.v3.RBAC";

/** What a client certificate proved, as the TLS layer reads it (tls/peer.ts's DownstreamPeer). */
export interface RbacPeer {
  readonly sans: { readonly URI: readonly string[]; readonly DNS: readonly string[] };
  readonly subject: string;
}

/** What a policy is matched against. */
export interface RbacRequest {
  readonly view: RequestView;
  /** The port the listener took the connection on. */
  readonly destinationPort: number;
  /** The verified client certificate; undefined without mTLS. */
  readonly peer: RbacPeer | undefined;
  /** The address the connection came from. */
  readonly remoteIp: string;
}

type Match = (request: RbacRequest) => boolean;

export interface RuntimeRbac {
  /** The filter's name in http_filters. */
  readonly name: string;
  /** undefined: the filter has no rules and enforces nothing. */
  readonly action: "ALLOW" | "DENY" | "LOG" | undefined;
  readonly policies: readonly { readonly name: string; readonly matches: Match }[];
}

/** Whether the filter lets the request through, and the policy that decided (if one matched). */
export function authorize(rbac: RuntimeRbac, request: RbacRequest): { allowed: boolean; policy: string | undefined } {
  if (rbac.action === undefined) return { allowed: true, policy: undefined };
  const matched = rbac.policies.find((policy) => policy.matches(request))?.name;
  switch (rbac.action) {
    case "ALLOW":
      return { allowed: matched !== undefined, policy: matched };
    case "DENY":
      return { allowed: matched === undefined, policy: matched };
    case "LOG":
      return { allowed: true, policy: matched };
  }
}

export function isRbacFilter(any: Any): boolean {
  return any.typeUrl === `type.googleapis.com/${RBAC_FILTER}`;
}

/** The RBAC filter `name` of an HTTP connection manager, from its typed_config at `field`. */
export function compileRbac(at: Cursor, field: string, name: string, any: Any): RuntimeRbac {
  const filter = unpack<RBAC>(at, field, any, RBAC_FILTER);
  const rules: RbacRules | undefined = filter.rules;
  if (rules === undefined) return Object.freeze({ name, action: undefined, policies: [] });
  const action =
    rules.action === RBAC_Action.ALLOW
      ? "ALLOW"
      : rules.action === RBAC_Action.DENY
        ? "DENY"
        : rules.action === RBAC_Action.LOG
          ? "LOG"
          : at.fail(Code.invalidValue, join(field, "rules.action"), `unknown action ${String(rules.action)}`);
  // Envoy evaluates policies in the order of their names (the map is ordered by key).
  const policies = Object.entries(rules.policies)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([policyName, policy]) => {
      const base = join(field, `rules.policies[${JSON.stringify(policyName)}]`);
      if (policy.permissions.length === 0)
        at.fail(Code.missingField, join(base, "permissions"), "at least one permission is required");
      if (policy.principals.length === 0)
        at.fail(Code.missingField, join(base, "principals"), "at least one principal is required");
      const permissions = policy.permissions.map((p, i) => permission(at, join(base, `permissions[${i}]`), p));
      const principals = policy.principals.map((p, i) => principal(at, join(base, `principals[${i}]`), p));
      const matches: Match = (request) => permissions.some((m) => m(request)) && principals.some((m) => m(request));
      return Object.freeze({ name: policyName, matches });
    });
  return Object.freeze({ name, action, policies: Object.freeze(policies) });
}

function permission(at: Cursor, field: string, rule: Permission): Match {
  if (rule.any === true) return () => true;
  if (rule.andRules !== undefined) {
    const all = setOf(at, join(field, "and_rules.rules"), rule.andRules.rules, permission);
    return (request) => all.every((m) => m(request));
  }
  if (rule.orRules !== undefined) {
    const some = setOf(at, join(field, "or_rules.rules"), rule.orRules.rules, permission);
    return (request) => some.some((m) => m(request));
  }
  if (rule.notRule !== undefined) {
    const inner = permission(at, join(field, "not_rule"), rule.notRule);
    return (request) => !inner(request);
  }
  if (rule.header !== undefined) {
    const test = compileHeaderMatcher(rule.header);
    return (request) => test(request.view);
  }
  if (rule.urlPath !== undefined) {
    if (rule.urlPath.path === undefined)
      at.fail(Code.missingField, join(field, "url_path.path"), "a path matcher is required");
    const test = compileStringMatcher(rule.urlPath.path);
    return (request) => test(request.view.pathOnly);
  }
  if (rule.destinationPort !== undefined) {
    const port = rule.destinationPort;
    return (request) => request.destinationPort === port;
  }
  if (rule.any === false) at.fail(Code.invalidValue, join(field, "any"), "any must be true when set");
  return at.fail(Code.missingField, field, "a permission needs a rule");
}

function principal(at: Cursor, field: string, id: Principal): Match {
  if (id.any === true) return () => true;
  if (id.andIds !== undefined) {
    const all = setOf(at, join(field, "and_ids.ids"), id.andIds.ids, principal);
    return (request) => all.every((m) => m(request));
  }
  if (id.orIds !== undefined) {
    const some = setOf(at, join(field, "or_ids.ids"), id.orIds.ids, principal);
    return (request) => some.some((m) => m(request));
  }
  if (id.notId !== undefined) {
    const inner = principal(at, join(field, "not_id"), id.notId);
    return (request) => !inner(request);
  }
  if (id.authenticated !== undefined) {
    const name = id.authenticated.principalName;
    const test = name === undefined ? undefined : compileStringMatcher(name);
    return (request) => {
      const peer = request.peer;
      if (peer === undefined) return false;
      return test === undefined || test(principalNameOf(peer));
    };
  }
  if (id.header !== undefined) {
    const test = compileHeaderMatcher(id.header);
    return (request) => test(request.view);
  }
  const cidr = id.directRemoteIp ?? id.remoteIp;
  if (cidr !== undefined) {
    const list = blockListOf(at, join(field, id.directRemoteIp !== undefined ? "direct_remote_ip" : "remote_ip"), cidr);
    return (request) => list.check(request.remoteIp, isIPv6(request.remoteIp) ? "ipv6" : "ipv4");
  }
  if (id.any === false) at.fail(Code.invalidValue, join(field, "any"), "any must be true when set");
  return at.fail(Code.missingField, field, "a principal needs an identifier");
}

function setOf<T>(
  at: Cursor,
  field: string,
  items: readonly T[],
  each: (at: Cursor, field: string, item: T) => Match,
): Match[] {
  if (items.length === 0) at.fail(Code.missingField, field, "at least one rule is required");
  return items.map((item, i) => each(at, `${field}[${i}]`, item));
}

/** Envoy's principal name: the URI SAN, else the DNS SAN, else the subject. */
export function principalNameOf(peer: RbacPeer): string {
  return peer.sans.URI[0] ?? peer.sans.DNS[0] ?? peer.subject;
}

function blockListOf(at: Cursor, field: string, cidr: CidrRange): BlockList {
  const family = isIPv6(cidr.addressPrefix) ? "ipv6" : "ipv4";
  const length = cidr.prefixLen ?? (family === "ipv6" ? 128 : 32);
  const list = new BlockList();
  try {
    list.addSubnet(cidr.addressPrefix, length, family);
  } catch (error) {
    at.fail(Code.invalidAddress, field, `${cidr.addressPrefix}/${length} is not a CIDR range`, error);
  }
  return list;
}
