// Mutations and a clock for store tests. The store never parses `json` nor computes `version`, so
// a resource here is a name and a content tag: the tag becomes both the body and the version.

import type { StoredKindName } from "../../../control-plane/src/mesh/index.js";
import type { Mutation } from "../../../control-plane/src/store/config-store.js";

export function put(kind: StoredKindName, name: string, tag: string): Mutation {
  return { op: "put", kind, name, json: jsonOf(name, tag), version: versionOf(tag) };
}

export function del(kind: StoredKindName, name: string): Mutation {
  return { op: "delete", kind, name };
}

export function jsonOf(name: string, tag: string): string {
  return JSON.stringify({ name, tag });
}

export function versionOf(tag: string): string {
  return `v-${tag}`;
}

/** A clock that starts at 2025-01-01T00:00:00Z and moves one second per reading. */
export function steppingClock(): () => Date {
  let seconds = 0;
  return () => new Date(Date.UTC(2025, 0, 1, 0, 0, seconds++));
}
