// AuthorizationPolicies compiled into Envoy's RBAC HTTP filter on a Service's inbound listener
// (docs/security.md, "Authorization"), as Istio does: the DENY policies in one filter that runs
// first, the ALLOW policies in a second. No policy: no filter, every call allowed. Any ALLOW
// policy: only calls one of its rules matches get through (an ALLOW policy without rules allows
// nothing). One RBAC policy per rule; a rule matches when one of its sources (`from`) and one of
// its operations (`to`) match, a missing `from` or `to` matching anything. Within a source or an
// operation every field given must match, one of its values sufficing; the not- fields must
// match none. Principals are SPIFFE IDs (`spiffe://` may be left out), matched against the
// caller's certificate, so only mTLS callers have one.

import { policyTargets } from "../kinds/index.js";
import type { EnvoyJson } from "./compiled-resource.js";
import type { AuthorizationPolicyDocument, MeshState } from "./mesh-state.js";

const RBAC = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";
export const AUTHZ_DENY_FILTER = "weft.authorization.deny";
export const AUTHZ_ALLOW_FILTER = "weft.authorization.allow";

type Rule = NonNullable<AuthorizationPolicyDocument["spec"]["rules"]>[number];
type Source = NonNullable<Rule["from"]>[number]["source"];
type Operation = NonNullable<Rule["to"]>[number]["operation"];

/** The policies that target `service`, in name order. */
export function policiesFor(state: MeshState, service: string): AuthorizationPolicyDocument[] {
  return [...state.authorizationPolicies.values()].filter((policy) => policyTargets(policy.spec).includes(service));
}

/**
 * The RBAC filters for `service`'s inbound connection manager, in the order they run (before the
 * router); none when no policy targets it. `ports` are the Service's ports, the first one being
 * the port a caller naming the Service without a port reaches.
 */
export function authorizationFilters(state: MeshState, service: string, ports: readonly number[]): EnvoyJson[] {
  const policies = policiesFor(state, service);
  const filters: EnvoyJson[] = [];
  for (const [action, name] of [
    ["DENY", AUTHZ_DENY_FILTER],
    ["ALLOW", AUTHZ_ALLOW_FILTER],
  ] as const) {
    const chosen = policies.filter((policy) => (policy.spec.action ?? "ALLOW") === action);
    if (chosen.length === 0) continue;
    const rbacPolicies: Record<string, EnvoyJson> = {};
    for (const policy of chosen) {
      (policy.spec.rules ?? []).forEach((rule, i) => {
        rbacPolicies[`${policy.metadata.name}[${i}]`] = {
          permissions:
            rule.to === undefined ? [{ any: true }] : rule.to.map((to) => operationPermission(to.operation, ports)),
          principals: rule.from === undefined ? [{ any: true }] : rule.from.map((from) => sourcePrincipal(from.source)),
        };
      });
    }
    filters.push({ name, typedConfig: { "@type": RBAC, rules: { action, policies: rbacPolicies } } });
  }
  return filters;
}

function all(key: "andRules" | "andIds", parts: EnvoyJson[]): EnvoyJson {
  if (parts.length === 0) return { any: true };
  if (parts.length === 1) return parts[0] as EnvoyJson;
  return key === "andRules" ? { andRules: { rules: parts } } : { andIds: { ids: parts } };
}

function anyOf(key: "orRules" | "orIds", parts: EnvoyJson[]): EnvoyJson {
  if (parts.length === 1) return parts[0] as EnvoyJson;
  return key === "orRules" ? { orRules: { rules: parts } } : { orIds: { ids: parts } };
}

function operationPermission(operation: Operation, ports: readonly number[]): EnvoyJson {
  const parts: EnvoyJson[] = [];
  const methods = (values: readonly string[]) =>
    anyOf(
      "orRules",
      values.map((method) => ({ header: { name: ":method", stringMatch: { exact: method } } })),
    );
  const paths = (values: readonly string[]) =>
    anyOf(
      "orRules",
      values.map((path) => ({ urlPath: { path: stringMatch(path) } })),
    );
  const portRules = (values: readonly string[]) =>
    anyOf(
      "orRules",
      values.flatMap((port) => {
        // A caller names the port in the authority; naming none reaches the Service's first port.
        const explicit = { header: { name: ":authority", stringMatch: { suffix: `:${port}` } } };
        return Number(port) === ports[0]
          ? [explicit, { header: { name: ":authority", stringMatch: { safeRegex: { regex: "[^:]*" } } } }]
          : [explicit];
      }),
    );
  if (operation.methods !== undefined && operation.methods.length > 0) parts.push(methods(operation.methods));
  if (operation.notMethods !== undefined && operation.notMethods.length > 0)
    parts.push({ notRule: methods(operation.notMethods) });
  if (operation.paths !== undefined && operation.paths.length > 0) parts.push(paths(operation.paths));
  if (operation.notPaths !== undefined && operation.notPaths.length > 0)
    parts.push({ notRule: paths(operation.notPaths) });
  if (operation.ports !== undefined && operation.ports.length > 0) parts.push(portRules(operation.ports));
  if (operation.notPorts !== undefined && operation.notPorts.length > 0)
    parts.push({ notRule: portRules(operation.notPorts) });
  return all("andRules", parts);
}

function sourcePrincipal(source: Source): EnvoyJson {
  const parts: EnvoyJson[] = [];
  const principals = (values: readonly string[]) =>
    anyOf(
      "orIds",
      values.map((value) =>
        value === "*" ? { authenticated: {} } : { authenticated: { principalName: stringMatch(spiffe(value)) } },
      ),
    );
  const blocks = (values: readonly string[]) =>
    anyOf(
      "orIds",
      values.map((value) => {
        const [address = "", length] = value.split("/");
        return {
          directRemoteIp: {
            addressPrefix: address,
            prefixLen: length === undefined ? (address.includes(":") ? 128 : 32) : Number(length),
          },
        };
      }),
    );
  if (source.principals !== undefined && source.principals.length > 0) parts.push(principals(source.principals));
  if (source.notPrincipals !== undefined && source.notPrincipals.length > 0)
    parts.push({ notId: principals(source.notPrincipals) });
  if (source.ipBlocks !== undefined && source.ipBlocks.length > 0) parts.push(blocks(source.ipBlocks));
  if (source.notIpBlocks !== undefined && source.notIpBlocks.length > 0)
    parts.push({ notId: blocks(source.notIpBlocks) });
  return all("andIds", parts);
}

/** A principal as the certificate names it: Istio's form without the scheme gets `spiffe://`. */
function spiffe(value: string): string {
  if (value.startsWith("*") || value.startsWith("spiffe://")) return value;
  return `spiffe://${value}`;
}

/** Istio's string match: `*` alone (anything), `prefix*`, `*suffix`, or exact. */
function stringMatch(value: string): EnvoyJson {
  if (value === "*") return { safeRegex: { regex: ".*" } };
  if (value.endsWith("*")) return { prefix: value.slice(0, -1) };
  if (value.startsWith("*")) return { suffix: value.slice(1) };
  return { exact: value };
}
