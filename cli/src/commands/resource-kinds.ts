// The kinds as operators name them on the command line and in files: the API's plural
// (`clusters`), the singular (`cluster`), Envoy's message name (`Cluster`) or a kind's further
// aliases (`cla`, `route-configurations`), in any case. The names come from proto/kinds.
import { ALL_KINDS, KIND_NAMES, KINDS, kindOfTypeUrl as kindByTypeUrl } from "../../../proto/index.js";
import type { ApiKind } from "../client/index.js";
import { CliError, CliErrorCode } from "../errors.js";

/** The order output lists kinds in. */
export const KIND_ORDER: readonly ApiKind[] = KIND_NAMES;

const ALIASES = new Map<string, ApiKind>();
for (const kind of ALL_KINDS) {
  for (const alias of [kind.kind, kind.singular, kind.messageName, ...kind.aliases]) {
    ALIASES.set(alias.toLowerCase(), kind.kind);
  }
}

/** The kind `text` names, or undefined. */
export function kindOf(text: string): ApiKind | undefined {
  return ALIASES.get(text.toLowerCase());
}

/** The kind `text` names; a usage error listing the accepted names otherwise. */
export function requireKind(text: string): ApiKind {
  const kind = kindOf(text);
  if (kind === undefined) {
    const plurals = ALL_KINDS.map((k) => k.kind).join(", ");
    const messages = ALL_KINDS.map((k) => k.messageName).join(", ");
    throw new CliError(CliErrorCode.unknownKind, `unknown kind "${text}"; expected one of ${plurals} (or ${messages})`);
  }
  return kind;
}

/** The kind whose resources travel under `typeUrl`, or undefined. */
export function kindOfTypeUrl(typeUrl: string): ApiKind | undefined {
  return kindByTypeUrl(typeUrl)?.kind;
}

/** The name a resource body gives itself (`name`, or `cluster_name` for endpoints, in either spelling). */
export function nameOf(kind: ApiKind, resource: Readonly<Record<string, unknown>>): string | undefined {
  for (const field of [KINDS[kind].nameField, KINDS[kind].nameProperty]) {
    const value = resource[field];
    if (typeof value === "string") return value;
  }
  return undefined;
}

/** `cluster/echo`, as output lines name a resource. */
export function label(kind: ApiKind, name: string): string {
  return `${KINDS[kind].singular}/${name}`;
}
