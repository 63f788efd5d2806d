// Headers as a flat list of lower-case name and value pairs ([name, value, name, value, ...]):
// the shape undici and node's writeHead take, so a request's headers are built once and handed
// over without conversion. Repeated fields are repeated pairs, in order.
import { HeaderValueOption_HeaderAppendAction as AppendAction } from "../../../proto/gen/envoy/config/core/v3/base.js";
import type { HeaderMutation } from "../router/index.js";

export type HeaderList = string[];

/** The first value of `name`, or undefined. */
export function firstValue(list: HeaderList, name: string): string | undefined {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
  return undefined;
}

/** Removes every `name` pair in place; returns whether there was one. */
export function removeAll(list: HeaderList, name: string): boolean {
  let write = 0;
  for (let read = 0; read < list.length; read += 2) {
    if (list[read] === name) continue;
    if (write !== read) {
      list[write] = list[read] as string;
      list[write + 1] = list[read + 1] as string;
    }
    write += 2;
  }
  const removed = write !== list.length;
  list.length = write;
  return removed;
}

/** Replaces every `name` pair by one pair with `value`. */
export function overwrite(list: HeaderList, name: string, value: string): void {
  removeAll(list, name);
  list.push(name, value);
}

/**
 * Applies a route's header additions and removals in order (header-mutations.ts gives them in
 * application order), with Envoy's append actions. An empty value is skipped unless
 * keep_empty_value is set. Pseudo-headers and `host` are not the route's to change.
 */
export function applyMutations(list: HeaderList, mutations: readonly HeaderMutation[]): void {
  for (const mutation of mutations) {
    const name = mutation.name;
    if (name.charCodeAt(0) === 58 /* ":" */ || name === "host") continue;
    if (mutation.op === "remove") {
      removeAll(list, name);
      continue;
    }
    if (mutation.value === "" && !mutation.keepEmptyValue) continue;
    switch (mutation.appendAction) {
      case AppendAction.ADD_IF_ABSENT:
        if (firstValue(list, name) === undefined) list.push(name, mutation.value);
        break;
      case AppendAction.OVERWRITE_IF_EXISTS_OR_ADD:
        overwrite(list, name, mutation.value);
        break;
      case AppendAction.OVERWRITE_IF_EXISTS:
        if (removeAll(list, name)) list.push(name, mutation.value);
        break;
      default:
        // APPEND_IF_EXISTS_OR_ADD: another field line with the same name.
        list.push(name, mutation.value);
    }
  }
}

/** Drops the fields a Connection header nominated (RFC 9110 §7.6.1). */
export function removeNominated(list: HeaderList, names: readonly string[]): void {
  for (const name of names) removeAll(list, name);
}
