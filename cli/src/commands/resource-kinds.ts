// The kinds as operators name them on the command line and in files: the API's plural
// (`clusters`), the singular (`cluster`), Envoy's message name (`Cluster`) or a kind's further
// aliases (`cla`, `route-configurations`), in any case. The names come from proto/kinds; the mesh
// kinds' (`services`, `service`, `Service`, `svc`) from control-plane/src/mesh.
import {
  ALL_MESH_KINDS,
  isMeshKindName,
  MESH_KINDS,
  STORED_KIND_NAMES,
} from "../../../control-plane/src/mesh/index.js";
import { ALL_KINDS, KIND_NAMES, KINDS, type KindName, kindOfTypeUrl as kindByTypeUrl } from "../../../proto/index.js";
import type { ApiKind } from "../client/index.js";
import { CliError, CliErrorCode } from "../errors.js";

/** The order output lists kinds in: Envoy's, then the mesh's. */
export const KIND_ORDER: readonly ApiKind[] = STORED_KIND_NAMES;

const ALIASES = new Map<string, ApiKind>();
for (const kind of ALL_KINDS) {
  for (const alias of [kind.kind, kind.singular, kind.messageName, ...kind.aliases]) {
    ALIASES.set(alias.toLowerCase(), kind.kind);
  }
}
for (const kind of ALL_MESH_KINDS) {
  for (const alias of [kind.plural, kind.singular, kind.kind, ...kind.aliases]) {
    ALIASES.set(alias.toLowerCase(), kind.plural);
  }
}

/** How documents and tables name a kind: `Cluster`, `HTTPRoute`. */
export function kindTitle(kind: ApiKind): string {
  return isMeshKindName(kind) ? MESH_KINDS[kind].kind : KINDS[kind].messageName;
}

/** The kind `text` names, or undefined. */
export function kindOf(text: string): ApiKind | undefined {
  return ALIASES.get(text.toLowerCase());
}

/** The kind `text` names; a usage error listing the accepted names otherwise. */
export function requireKind(text: string): ApiKind {
  const kind = kindOf(text);
  if (kind === undefined) {
    const plurals = KIND_ORDER.join(", ");
    const messages = KIND_ORDER.map(kindTitle).join(", ");
    throw new CliError(CliErrorCode.unknownKind, `unknown kind "${text}"; expected one of ${plurals} (or ${messages})`);
  }
  return kind;
}

/** An Envoy kind (what proxies run); a mesh kind is refused, as proxies only see what it compiles to. */
export function requireEnvoyKind(text: string): KindName {
  const kind = requireKind(text);
  if (isMeshKindName(kind)) {
    throw new CliError(
      CliErrorCode.unknownKind,
      `"${text}" is a mesh kind; a proxy's config holds ${KIND_NAMES.join(", ")}`,
    );
  }
  return kind;
}

/** The kind whose resources travel under `typeUrl`, or undefined. */
export function kindOfTypeUrl(typeUrl: string): ApiKind | undefined {
  return kindByTypeUrl(typeUrl)?.kind;
}

/**
 * The name a resource body gives itself (`name`, or `cluster_name` for endpoints, in either
 * spelling; `metadata.name` for a mesh document).
 */
export function nameOf(kind: ApiKind, resource: Readonly<Record<string, unknown>>): string | undefined {
  if (isMeshKindName(kind)) {
    const metadata = resource.metadata;
    const name =
      typeof metadata === "object" && metadata !== null ? (metadata as Record<string, unknown>).name : undefined;
    return typeof name === "string" ? name : undefined;
  }
  for (const field of [KINDS[kind].nameField, KINDS[kind].nameProperty]) {
    const value = resource[field];
    if (typeof value === "string") return value;
  }
  return undefined;
}

/** `cluster/echo`, as output lines name a resource. */
export function label(kind: ApiKind, name: string): string {
  return `${isMeshKindName(kind) ? MESH_KINDS[kind].singular : KINDS[kind].singular}/${name}`;
}
