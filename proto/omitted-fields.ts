// Envoy fields outside Weft's subset: a key that names one is a real Envoy field Weft does not
// support, not a misspelling. The table is generated from Envoy's own definitions (npm run gen).
import { envoyOmittedFields } from "./gen/envoy-omitted-fields.js";

const lookups = new Map<string, ReadonlyMap<string, string>>();

/**
 * The proto name of the Envoy field of message `typeName` that `key` names (in snake_case or
 * lowerCamelCase) when Weft's subset leaves that field out; undefined otherwise.
 */
export function omittedEnvoyField(typeName: string, key: string): string | undefined {
  let lookup = lookups.get(typeName);
  if (lookup === undefined) {
    const map = new Map<string, string>();
    for (const [name, jsonName] of envoyOmittedFields[typeName] ?? []) {
      map.set(name, name);
      map.set(jsonName, name);
    }
    lookups.set(typeName, map);
    lookup = map;
  }
  return lookup.get(key);
}
