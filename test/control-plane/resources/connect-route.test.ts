// Routes that terminate CONNECT: connect_matcher is a path specifier of its own, and connect_config
// belongs to the CONNECT upgrade only.
import { describe, test } from "node:test";
import { ValidationCode as V } from "../../../control-plane/src/resources/validation-codes.js";
import { assertAccepted, assertRefused, edited, ROUTE } from "./fixtures.js";

const R0 = "virtual_hosts[0].routes[0]";
const CONNECT_ROUTE = {
  match: { connect_matcher: {} },
  route: { cluster: "tunnel", upgrade_configs: [{ upgrade_type: "CONNECT", connect_config: {} }] },
};

describe("CONNECT routes", () => {
  test("a connect_matcher route terminating CONNECT is accepted", () => {
    assertAccepted("routes", edited(ROUTE, { [R0]: CONNECT_ROUTE }));
  });

  test("connect_config on another upgrade is refused at its path", () => {
    assertRefused(
      "routes",
      edited(ROUTE, {
        [R0]: {
          ...CONNECT_ROUTE,
          route: { cluster: "tunnel", upgrade_configs: [{ upgrade_type: "websocket", connect_config: {} }] },
        },
      }),
      `${R0}.route.upgrade_configs[0].connect_config`,
      V.conflict,
    );
  });
});
