// Which mTLS mode a Service's sidecars take their callers in (docs/security.md, "Modes"): the
// PeerAuthentication attached to the Service, else the mesh-wide one (no target), else the
// control plane's `--mtls-mode`. UNSET inherits from the next. Two documents attached at the same
// level with different modes: the first by name wins and the others are reported, as Istio keeps
// the oldest.
import { peerAuthenticationTargets } from "../kinds/index.js";
import type { CompileIssue } from "./compiled-resource.js";
import type { MeshState, PeerAuthenticationDocument } from "./mesh-state.js";

/** A mode a document sets (mtls.ts's MtlsMode). */
type MtlsMode = "STRICT" | "PERMISSIVE" | "DISABLE";

/** A document's own mode; undefined when it inherits (UNSET or no `mtls`). */
function ownMode(document: PeerAuthenticationDocument): MtlsMode | undefined {
  const mode = document.spec.mtls?.mode;
  return mode === undefined || mode === "UNSET" ? undefined : mode;
}

/** The documents deciding `service`'s mode (undefined: the mesh-wide ones), in name order, UNSET left out. */
function deciding(state: MeshState, service: string | undefined): PeerAuthenticationDocument[] {
  return [...state.peerAuthentications.values()].filter((document) => {
    if (ownMode(document) === undefined) return false;
    const targets = peerAuthenticationTargets(document.spec);
    return service === undefined ? targets === undefined : targets?.includes(service) === true;
  });
}

/** The PeerAuthentication deciding `service`'s mode and the mode it gives; undefined when none does (the flag decides). */
export function peerAuthenticationOf(
  state: MeshState,
  service: string,
): { readonly name: string; readonly mode: MtlsMode; readonly meshWide: boolean } | undefined {
  const [own] = deciding(state, service);
  const [meshWide] = deciding(state, undefined);
  const chosen = own ?? meshWide;
  const mode = chosen === undefined ? undefined : ownMode(chosen);
  if (chosen === undefined || mode === undefined) return undefined;
  return { name: chosen.metadata.name, mode, meshWide: own === undefined };
}

/** The mode PeerAuthentications give `service`; undefined when none does (the flag decides). */
export function peerAuthenticationMode(state: MeshState, service: string): MtlsMode | undefined {
  return peerAuthenticationOf(state, service)?.mode;
}

/** Documents that lose to another at the same level with a different mode, and targets that name no Service. */
export function peerAuthenticationIssues(state: MeshState, issues: CompileIssue[]): void {
  const levels: (string | undefined)[] = [undefined, ...state.services.keys()];
  for (const level of levels) {
    const [winner, ...others] = deciding(state, level);
    for (const other of others) {
      if (winner === undefined || ownMode(other) === ownMode(winner)) continue;
      issues.push({
        kind: "peerauthentications",
        name: other.metadata.name,
        path: "spec.mtls.mode",
        message: `${level === undefined ? "the mesh" : `Service ${level}`} takes ${ownMode(winner)} from PeerAuthentication ${winner.metadata.name}, first by name; this one is not applied`,
      });
    }
  }
  for (const document of state.peerAuthentications.values()) {
    const app = document.spec.selector?.matchLabels?.app;
    if (app !== undefined && !state.services.has(app)) {
      issues.push({
        kind: "peerauthentications",
        name: document.metadata.name,
        path: "spec.selector.matchLabels.app",
        message: `no Service ${app}: the selector applies to nothing`,
      });
    }
  }
}
