// Route configurations for the router tests, written in Envoy's JSON form and decoded by the same
// codec the proxy uses, so the tests exercise the generated types as configuration arrives.

import type { RouteRequest } from "../../../data-plane/src/router/index.js";
import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import { decodeJson } from "../../../proto/index.js";

export type Json = Record<string, unknown>;

export function routeConfiguration(json: Json): RouteConfiguration {
  return decodeJson<RouteConfiguration>("envoy.config.route.v3.RouteConfiguration", json);
}

/** A configuration with one catch-all virtual host holding `routes`. */
export function oneHost(routes: Json[], extra: Json = {}): RouteConfiguration {
  return routeConfiguration({
    name: "local_route",
    virtual_hosts: [{ name: "all", domains: ["*"], routes }],
    ...extra,
  });
}

export function request(
  path: string,
  headers: Record<string, string | string[]> = {},
  authority = "example.com",
): RouteRequest {
  return { authority, path, headers: new Map(Object.entries(headers)) };
}

/** A deterministic source of uniform numbers in [0, 1) (a 32-bit xorshift), for reproducible draws. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}
