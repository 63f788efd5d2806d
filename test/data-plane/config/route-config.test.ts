import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildRouteConfig, ConfigErrorCode as Code } from "../../../data-plane/src/config/index.js";
import { assertRefused } from "./assert-refusal.js";
import { INLINE_ROUTES, routeConfig } from "./fixtures.js";

describe("buildRouteConfig", () => {
  it("compiles a route configuration into a frozen, matching route table", () => {
    const built = buildRouteConfig(routeConfig({ ...INLINE_ROUTES, name: "local_route" }));
    assert.equal(built.name, "local_route");
    assert.equal(built.routeTable.name, "local_route");
    assert.ok(Object.isFrozen(built));
    assert.ok(Object.isFrozen(built.routeTable));
    const decision = built.routeTable.match({ authority: "a.example", path: "/", headers: new Map() });
    assert.equal(decision?.action.type, "forward");
  });

  it("refuses a route configuration the router cannot compile", () => {
    const bad = {
      name: "local_route",
      virtual_hosts: [
        { name: "all", domains: ["*"], routes: [{ match: { safe_regex: { regex: "[" } }, route: { cluster: "c" } }] },
      ],
    };
    assertRefused(() => buildRouteConfig(routeConfig(bad)), Code.invalidRouteConfig, "local_route", "virtual_hosts");
  });
});
