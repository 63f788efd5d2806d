// Request and response header additions and removals from every level that carries them:
// a weighted cluster entry, the route, its virtual host and the route configuration.
//
// Order (Envoy's): levels are applied from the most specific (cluster entry, then route) to the
// least specific (route configuration), so when two levels overwrite one header the least
// specific, applied last, wins. `most_specific_header_mutations_wins` reverses the order so the
// most specific wins. Within a level, removals come before additions, so a level can replace a
// header it removes. The lists returned here are in application order: apply them front to back.
import {
  type HeaderValueOption,
  HeaderValueOption_HeaderAppendAction,
} from "../../../proto/gen/envoy/config/core/v3/base.js";

export type HeaderMutation =
  | { readonly op: "remove"; readonly name: string }
  | {
      readonly op: "add";
      readonly name: string;
      readonly value: string;
      readonly appendAction: HeaderValueOption_HeaderAppendAction;
      /** Whether to add the header when `value` is empty (Envoy skips it otherwise). */
      readonly keepEmptyValue: boolean;
    };

export interface HeaderMutations {
  readonly request: readonly HeaderMutation[];
  readonly response: readonly HeaderMutation[];
}

/** The header fields shared by RouteConfiguration, VirtualHost, Route and ClusterWeight. */
export interface HeaderMutationLevel {
  readonly requestHeadersToAdd: readonly HeaderValueOption[];
  readonly requestHeadersToRemove: readonly string[];
  readonly responseHeadersToAdd: readonly HeaderValueOption[];
  readonly responseHeadersToRemove: readonly string[];
}

/** `levels` runs from the most specific to the least; undefined entries are skipped. */
export function compileHeaderMutations(
  levels: readonly (HeaderMutationLevel | undefined)[],
  mostSpecificWins: boolean,
): HeaderMutations {
  const ordered = levels.filter((l): l is HeaderMutationLevel => l !== undefined);
  if (mostSpecificWins) ordered.reverse();
  const request: HeaderMutation[] = [];
  const response: HeaderMutation[] = [];
  for (const level of ordered) {
    appendLevel(request, level.requestHeadersToRemove, level.requestHeadersToAdd);
    appendLevel(response, level.responseHeadersToRemove, level.responseHeadersToAdd);
  }
  return { request: Object.freeze(request), response: Object.freeze(response) };
}

function appendLevel(out: HeaderMutation[], remove: readonly string[], add: readonly HeaderValueOption[]): void {
  for (const name of remove) out.push(Object.freeze({ op: "remove", name: name.toLowerCase() }));
  for (const option of add) {
    if (option.header === undefined) continue;
    out.push(
      Object.freeze({
        op: "add",
        name: option.header.key.toLowerCase(),
        value: option.header.value,
        appendAction: appendActionOf(option),
        keepEmptyValue: option.keepEmptyValue,
      }),
    );
  }
}

/** The deprecated `append` wins when set: true appends, false overwrites (Envoy's reading). */
function appendActionOf(option: HeaderValueOption): HeaderValueOption_HeaderAppendAction {
  if (option.append === true) return HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;
  if (option.append === false) return HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
  return option.appendAction;
}
