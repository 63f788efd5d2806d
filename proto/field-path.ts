// Field paths in proto (snake_case) names, as every error and reference names a place in a
// resource: `virtual_hosts[0].routes[2].route.cluster`, `metadata.filter_metadata["weft"]`.

/** `path.name`, or `name` at the root. */
export function field(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

/** `path[index]`. */
export function item(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** `path["key"]`: a map entry, as the JSON codec writes it. */
export function entry(path: string, key: string): string {
  return `${path}[${JSON.stringify(key)}]`;
}
