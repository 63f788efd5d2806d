import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RuntimeCluster } from "../../../data-plane/src/config/index.js";
import { staticCluster } from "../upstream/backends.js";
import { h1Request, routeTo, type Server, startHttpBackend, startProxy, type TestProxy } from "./harness.js";

describe("ring hash through the HTTP path", () => {
  const backends: Server[] = [];
  let proxy: TestProxy;

  before(async () => {
    for (const name of ["a", "b", "c", "d"]) {
      backends.push(await startHttpBackend((_req, res) => res.end(name)));
    }
    const cluster: RuntimeCluster = {
      ...staticCluster(
        "ring",
        ...backends.map((b) => ({ host: "127.0.0.1", port: b.port, weight: 1, health: "HEALTHY" as const })),
      ),
      lbPolicy: "RING_HASH",
    };
    proxy = await startProxy({
      routes: [routeTo("ring", { hash_policy: [{ header: { header_name: "x-user" } }] })],
      clusters: [cluster],
    });
  });
  after(async () => {
    await proxy.close();
    await Promise.all(backends.map((b) => b.close()));
  });

  it("sends every request of one user to the same backend, and users to several", async () => {
    const seen = new Set<string>();
    for (let user = 0; user < 12; user++) {
      const bodies = new Set<string>();
      for (let i = 0; i < 3; i++) {
        bodies.add((await h1Request(proxy.port, { headers: { "x-user": `user-${user}` } })).body.toString());
      }
      assert.equal(bodies.size, 1, `user-${user} went to ${[...bodies]}`);
      for (const body of bodies) seen.add(body);
    }
    assert.ok(seen.size > 1, "users spread over backends");
  });
});
