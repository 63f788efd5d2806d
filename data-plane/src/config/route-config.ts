// RouteConfiguration (from RDS, or inline in an HCM) → a compiled route table.
import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import { compileRouteTable, RouterError, type RouteTable } from "../router/index.js";
import { Cursor, join } from "./common.js";
import { ConfigErrorCode as Code } from "./errors.js";
import { compileRouteFaults } from "./http-fault.js";

export interface RuntimeRouteConfig {
  readonly name: string;
  readonly routeTable: RouteTable;
}

/** Builds a route configuration received over RDS. */
export function buildRouteConfig(config: RouteConfiguration): RuntimeRouteConfig {
  const at: Cursor = new Cursor("route_configuration", config.name);
  if (config.name === "") at.fail(Code.missingField, "name", "a name is required");
  return Object.freeze({ name: config.name, routeTable: compileAt(at, "", config) });
}

/** Compiles a route configuration, reporting a router refusal at `base` within the resource `at`. */
export function compileAt(at: Cursor, base: string, config: RouteConfiguration): RouteTable {
  compileRouteFaults(at, base, config);
  try {
    return Object.freeze(compileRouteTable(config));
  } catch (error) {
    if (error instanceof RouterError) {
      return at.fail(Code.invalidRouteConfig, join(base, "virtual_hosts"), error.message, error);
    }
    throw error;
  }
}
