// PeerAuthentication (security.istio.io/v1): how a Service's sidecars take their callers, STRICT
// (mutual TLS only), PERMISSIVE (mutual TLS and plaintext on one port) or DISABLE (plaintext),
// compiled by compiler/mtls.ts. Attached to Services by targetRefs, or by Istio's workload
// selector in the one form that names a Service's sidecars (`matchLabels: {app: NAME}`, the label
// every sidecar of NAME carries); neither: the mesh-wide default, over `--mtls-mode`. UNSET (or no
// `mtls`) inherits. Per-port modes are refused: a Service's ports share one inbound listener.
import { Type } from "typebox";
import { ValidationCode } from "../../errors.js";
import { defineMeshKind } from "./define-mesh-kind.js";
import type { MeshRef } from "./kind.js";

export const PEER_AUTHENTICATION_MODES = ["UNSET", "DISABLE", "PERMISSIVE", "STRICT"] as const;

const TargetRef = Type.Object(
  { group: Type.Optional(Type.String()), kind: Type.String(), name: Type.String() },
  { additionalProperties: false },
);

const PeerAuthenticationSpec = Type.Object(
  {
    selector: Type.Optional(
      Type.Object(
        { matchLabels: Type.Optional(Type.Record(Type.String(), Type.String())) },
        { additionalProperties: false },
      ),
    ),
    targetRefs: Type.Optional(Type.Array(TargetRef)),
    targetRef: Type.Optional(TargetRef),
    mtls: Type.Optional(
      Type.Object({ mode: Type.Optional(Type.Enum([...PEER_AUTHENTICATION_MODES])) }, { additionalProperties: false }),
    ),
    portLevelMtls: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

/** The label a sidecar started with `--service NAME` carries: `app=NAME`. */
const SERVICE_LABEL = "app";

interface TargetsOf {
  readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> | undefined } | undefined;
  readonly targetRefs?: readonly { readonly kind: string; readonly name: string }[] | undefined;
  readonly targetRef?: { readonly kind: string; readonly name: string } | undefined;
}

/**
 * The Services a PeerAuthentication applies to (targetRefs, targetRef, or the selector's `app`);
 * undefined for a mesh-wide one (none of them given).
 */
export function peerAuthenticationTargets(spec: TargetsOf): string[] | undefined {
  if (spec.targetRefs !== undefined) return spec.targetRefs.filter((r) => r.kind === "Service").map((r) => r.name);
  if (spec.targetRef !== undefined) return spec.targetRef.kind === "Service" ? [spec.targetRef.name] : [];
  const app = spec.selector?.matchLabels?.[SERVICE_LABEL];
  if (app !== undefined) return [app];
  return undefined;
}

export const peerAuthenticationKind = defineMeshKind({
  names: {
    plural: "peerauthentications",
    apiVersion: "security.istio.io/v1",
    kind: "PeerAuthentication",
    singular: "peerauthentication",
    aliases: ["pa", "peer-authentications", "peer-authentication"],
  },
  spec: PeerAuthenticationSpec,
  validate(spec, problems) {
    const given = [spec.selector, spec.targetRefs, spec.targetRef].filter((value) => value !== undefined).length;
    if (given > 1) {
      problems.add("spec", ValidationCode.conflict, "give one of selector, targetRefs or targetRef");
    }
    if (spec.selector !== undefined) {
      const labels = Object.keys(spec.selector.matchLabels ?? {});
      if (labels.length !== 1 || labels[0] !== SERVICE_LABEL) {
        problems.add(
          "spec.selector.matchLabels",
          ValidationCode.unsupported,
          `select a Service's sidecars by "${SERVICE_LABEL}" alone (app: NAME), or use targetRefs; leave the selector out for the mesh-wide default`,
        );
      } else if (spec.selector.matchLabels?.[SERVICE_LABEL] === "") {
        problems.add(`spec.selector.matchLabels.${SERVICE_LABEL}`, ValidationCode.required, "names a Service");
      }
    }
    if (spec.targetRefs !== undefined && spec.targetRefs.length === 0) {
      problems.add("spec.targetRefs", ValidationCode.empty, "name a Service, or leave targetRefs out");
    }
    const refs = spec.targetRefs ?? (spec.targetRef === undefined ? [] : [spec.targetRef]);
    refs.forEach((ref, i) => {
      const at = spec.targetRefs !== undefined ? `spec.targetRefs[${i}]` : "spec.targetRef";
      if (ref.kind !== "Service")
        problems.add(`${at}.kind`, ValidationCode.unsupported, "only a Service can be targeted");
      if (ref.group !== undefined && ref.group !== "" && ref.group !== "core") {
        problems.add(`${at}.group`, ValidationCode.unsupported, 'a Service\'s group is "" (core)');
      }
      if (ref.name === "") problems.add(`${at}.name`, ValidationCode.required, "names a Service");
    });
    if (spec.portLevelMtls !== undefined) {
      problems.add(
        "spec.portLevelMtls",
        ValidationCode.unsupported,
        "a Service's ports share one inbound listener and one mode",
      );
    }
  },
  // targetRefs name Services that must exist; a selector, as in Kubernetes, may select nothing yet.
  references: (spec) => {
    const refs = spec.targetRefs ?? (spec.targetRef === undefined ? [] : [spec.targetRef]);
    return refs.flatMap((ref, i): MeshRef[] =>
      ref.kind === "Service"
        ? [
            {
              kind: "services",
              name: ref.name,
              path: spec.targetRefs !== undefined ? `spec.targetRefs[${i}]` : "spec.targetRef",
            },
          ]
        : [],
    );
  },
});
