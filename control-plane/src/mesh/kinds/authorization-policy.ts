// AuthorizationPolicy (security.istio.io/v1): who may call a Service and how, enforced by the
// Service's sidecars (compiled into Envoy's RBAC HTTP filter, compiler/authorization.ts). Attached
// to Services by targetRefs; ALLOW or DENY; rules of sources (principals: SPIFFE IDs, `*` as a
// prefix or suffix; ipBlocks) and operations (methods, paths, ports), each with its not- form.
// Istio's selector, namespaces, requestPrincipals, hosts, `when` conditions and the AUDIT and
// CUSTOM actions are refused with the field named.
import { Type } from "typebox";
import { ValidationCode } from "../../errors.js";
import type { Problems } from "../../resources/index.js";
import { defineMeshKind } from "./define-mesh-kind.js";
import type { MeshRef } from "./kind.js";

const Strings = Type.Array(Type.String());

const Source = Type.Object(
  {
    principals: Type.Optional(Strings),
    notPrincipals: Type.Optional(Strings),
    ipBlocks: Type.Optional(Strings),
    notIpBlocks: Type.Optional(Strings),
    requestPrincipals: Type.Optional(Strings),
    notRequestPrincipals: Type.Optional(Strings),
    namespaces: Type.Optional(Strings),
    notNamespaces: Type.Optional(Strings),
    remoteIpBlocks: Type.Optional(Strings),
    notRemoteIpBlocks: Type.Optional(Strings),
  },
  { additionalProperties: false },
);

const Operation = Type.Object(
  {
    methods: Type.Optional(Strings),
    notMethods: Type.Optional(Strings),
    paths: Type.Optional(Strings),
    notPaths: Type.Optional(Strings),
    ports: Type.Optional(Strings),
    notPorts: Type.Optional(Strings),
    hosts: Type.Optional(Strings),
    notHosts: Type.Optional(Strings),
  },
  { additionalProperties: false },
);

const Rule = Type.Object(
  {
    from: Type.Optional(Type.Array(Type.Object({ source: Source }, { additionalProperties: false }))),
    to: Type.Optional(Type.Array(Type.Object({ operation: Operation }, { additionalProperties: false }))),
    when: Type.Optional(Type.Array(Type.Unknown())),
  },
  { additionalProperties: false },
);

const TargetRef = Type.Object(
  { group: Type.Optional(Type.String()), kind: Type.String(), name: Type.String() },
  { additionalProperties: false },
);

const AuthorizationPolicySpec = Type.Object(
  {
    targetRefs: Type.Optional(Type.Array(TargetRef)),
    targetRef: Type.Optional(TargetRef),
    selector: Type.Optional(Type.Unknown()),
    action: Type.Optional(Type.Enum(["ALLOW", "DENY", "AUDIT", "CUSTOM"])),
    provider: Type.Optional(Type.Unknown()),
    rules: Type.Optional(Type.Array(Rule)),
  },
  { additionalProperties: false },
);

/** Source and operation fields Weft does not enforce: refused rather than silently ignored. */
const UNSUPPORTED_SOURCE = [
  "requestPrincipals",
  "notRequestPrincipals",
  "namespaces",
  "notNamespaces",
  "remoteIpBlocks",
  "notRemoteIpBlocks",
] as const;
const UNSUPPORTED_OPERATION = ["hosts", "notHosts"] as const;

/** The Services a policy applies to: targetRefs, or the single targetRef. */
export function policyTargets(spec: {
  readonly targetRefs?: readonly { readonly kind: string; readonly name: string }[] | undefined;
  readonly targetRef?: { readonly kind: string; readonly name: string } | undefined;
}): string[] {
  const refs = spec.targetRefs ?? (spec.targetRef === undefined ? [] : [spec.targetRef]);
  return refs.filter((ref) => ref.kind === "Service").map((ref) => ref.name);
}

export const authorizationPolicyKind = defineMeshKind({
  names: {
    plural: "authorizationpolicies",
    apiVersion: "security.istio.io/v1",
    kind: "AuthorizationPolicy",
    singular: "authorizationpolicy",
    aliases: ["ap", "authorization-policies", "authorization-policy"],
  },
  spec: AuthorizationPolicySpec,
  validate(spec, problems) {
    if (spec.selector !== undefined) {
      problems.add("spec.selector", ValidationCode.unsupported, "attach the policy to Services with targetRefs");
    }
    if (spec.targetRefs !== undefined && spec.targetRef !== undefined) {
      problems.add("spec.targetRef", ValidationCode.conflict, "give targetRefs or targetRef, not both");
    }
    const refs = spec.targetRefs ?? (spec.targetRef === undefined ? [] : [spec.targetRef]);
    const refsPath = spec.targetRefs !== undefined ? "spec.targetRefs" : "spec.targetRef";
    if (refs.length === 0) {
      problems.add("spec.targetRefs", ValidationCode.required, "names the Services the policy applies to");
    }
    refs.forEach((ref, i) => {
      const at = spec.targetRefs !== undefined ? `${refsPath}[${i}]` : refsPath;
      if (ref.kind !== "Service")
        problems.add(`${at}.kind`, ValidationCode.unsupported, "only a Service can be targeted");
      if (ref.group !== undefined && ref.group !== "" && ref.group !== "core") {
        problems.add(`${at}.group`, ValidationCode.unsupported, 'a Service\'s group is "" (core)');
      }
      if (ref.name === "") problems.add(`${at}.name`, ValidationCode.required, "names a Service");
    });
    if (spec.action === "AUDIT" || spec.action === "CUSTOM") {
      problems.add("spec.action", ValidationCode.unsupported, `${spec.action} is not supported; use ALLOW or DENY`);
    }
    if (spec.provider !== undefined)
      problems.add("spec.provider", ValidationCode.unsupported, "CUSTOM providers are not supported");
    spec.rules?.forEach((rule, i) => {
      const at = `spec.rules[${i}]`;
      if (rule.when !== undefined)
        problems.add(`${at}.when`, ValidationCode.unsupported, "conditions are not supported");
      rule.from?.forEach((from, j) => {
        const source = from.source as Record<string, unknown>;
        for (const key of UNSUPPORTED_SOURCE) {
          if (source[key] !== undefined) {
            problems.add(`${at}.from[${j}].source.${key}`, ValidationCode.unsupported, `${key} is not supported`);
          }
        }
        for (const key of ["principals", "notPrincipals"] as const) {
          from.source[key]?.forEach((value, k) => {
            checkPattern(problems, `${at}.from[${j}].source.${key}[${k}]`, value);
          });
        }
        for (const key of ["ipBlocks", "notIpBlocks"] as const) {
          from.source[key]?.forEach((value, k) => {
            checkIpBlock(problems, `${at}.from[${j}].source.${key}[${k}]`, value);
          });
        }
      });
      rule.to?.forEach((to, j) => {
        const operation = to.operation as Record<string, unknown>;
        for (const key of UNSUPPORTED_OPERATION) {
          if (operation[key] !== undefined) {
            problems.add(`${at}.to[${j}].operation.${key}`, ValidationCode.unsupported, `${key} is not supported`);
          }
        }
        for (const key of ["paths", "notPaths"] as const) {
          to.operation[key]?.forEach((value, k) => {
            checkPattern(problems, `${at}.to[${j}].operation.${key}[${k}]`, value);
          });
        }
        for (const key of ["ports", "notPorts"] as const) {
          to.operation[key]?.forEach((value, k) => {
            const port = Number(value);
            if (!/^\d{1,5}$/.test(value) || port < 1 || port > 65535) {
              problems.add(`${at}.to[${j}].operation.${key}[${k}]`, ValidationCode.badValue, "a port from 1 to 65535");
            }
          });
        }
      });
    });
  },
  references: (spec) =>
    policyTargets(spec).map(
      (name, i): MeshRef => ({
        kind: "services",
        name,
        path: spec.targetRefs !== undefined ? `spec.targetRefs[${i}]` : "spec.targetRef",
      }),
    ),
});

/** Istio's string match: exact, `*` alone, or one `*` at the start or the end. */
function checkPattern(problems: Problems, path: string, value: string): void {
  if (value === "") problems.add(path, ValidationCode.empty, "an empty value matches nothing");
  const stars = value.split("*").length - 1;
  if (stars > 1 || (stars === 1 && value !== "*" && !value.startsWith("*") && !value.endsWith("*"))) {
    problems.add(
      path,
      ValidationCode.badValue,
      "one * at the start or the end only (a prefix or suffix match), or * alone",
    );
  }
}

function checkIpBlock(problems: Problems, path: string, value: string): void {
  const [address = "", length, extra] = value.split("/");
  const isV4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(address);
  const isV6 = address.includes(":");
  const max = isV4 ? 32 : 128;
  const bits = length === undefined ? max : Number(length);
  if (extra !== undefined || (!isV4 && !isV6) || !Number.isInteger(bits) || bits < 0 || bits > max) {
    problems.add(path, ValidationCode.badAddress, "an IP address or CIDR range (10.0.0.0/8, ::1/128)");
  }
}
