// How an endpoint is named in the upstream layer: its address, the key of its host and its pool.
import type { RuntimeEndpoint } from "../config/index.js";

/** `host:port`, bracketing an IPv6 host. */
export function endpointAddress(endpoint: Pick<RuntimeEndpoint, "host" | "port">): string {
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  return `${host}:${endpoint.port}`;
}
