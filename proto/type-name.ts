// A type URL and the message name it carries: `type.googleapis.com/` + the full protobuf name, as
// protobuf's Any defines it.

export const TYPE_URL_PREFIX = "type.googleapis.com/";

/** `type.googleapis.com/envoy.config.listener.v3.Listener` for `envoy.config.listener.v3.Listener`. */
export function typeUrlOf(typeName: string): string {
  return TYPE_URL_PREFIX + typeName;
}

/**
 * The message name a type URL names: everything after its last `/`, as protobuf's Any defines it.
 * Returns undefined for a URL with no `/` or nothing after it.
 */
export function typeNameOf(typeUrl: string): string | undefined {
  const slash = typeUrl.lastIndexOf("/");
  const name = typeUrl.slice(slash + 1);
  return slash < 0 || name === "" ? undefined : name;
}
