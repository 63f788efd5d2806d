// The names the mesh compiler gives generated Envoy resources (`outbound|...`, `inbound|...`) are
// refused to written resources, through PUT and apply, with the name's field path; nothing is stored.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { ErrorCode, ValidationCode } from "../../../control-plane/src/errors.js";
import { OUTBOUND_LISTENER, serviceClusterName } from "../../../control-plane/src/mesh/compiler/index.js";
import { assertError, type Harness, harness, type Json, put, staticCluster } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.close());

const details = (error: Json) => (error.details as { path: string; code?: string }[]).map((d) => [d.path, d.code]);

describe("names reserved for compiled resources", () => {
  test("a PUT of a cluster named as a compiled service cluster is refused at its name", async () => {
    const name = serviceClusterName("catalog", 8080);
    const error = assertError(await put(h, "clusters", name, staticCluster(name)), 400, ErrorCode.invalidResource);
    assert.deepEqual(details(error), [["name", ValidationCode.badValue]]);
    const read = await h.inject({ method: "GET", url: `/v1/resources/clusters/${encodeURIComponent(name)}` });
    assert.equal(read.statusCode, 404);
  });

  test("an endpoint set is refused at cluster_name, inside an apply, and the whole apply changes nothing", async () => {
    const reserved = "inbound|app";
    const response = await h.inject({
      method: "POST",
      url: "/v1/apply",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({
        resources: [
          { kind: "clusters", resource: staticCluster("fine") },
          { kind: "endpoints", resource: { cluster_name: reserved, endpoints: [] } },
        ],
      }),
    });
    const error = assertError(response, 400, ErrorCode.invalidResource);
    assert.deepEqual(details(error), [["resources[1].resource.cluster_name", ValidationCode.badValue]]);
    const list = await h.inject({ method: "GET", url: "/v1/resources/clusters" });
    assert.deepEqual((list.json() as { items: unknown[] }).items, []);
  });

  test("a listener named like the compiled outbound listener is refused; a name merely containing | is not", async () => {
    const listener = (name: string) => ({
      name,
      address: { socket_address: { address: "127.0.0.1", port_value: 10000 } },
      filter_chains: [
        {
          filters: [
            {
              name: "tcp",
              typed_config: {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                stat_prefix: "tcp",
                cluster: "backend",
              },
            },
          ],
        },
      ],
    });
    assertError(
      await put(h, "listeners", OUTBOUND_LISTENER, listener(OUTBOUND_LISTENER)),
      400,
      ErrorCode.invalidResource,
    );
    const allowed = await put(h, "listeners", "edge|outbound", listener("edge|outbound"));
    assert.equal(allowed.statusCode, 200, allowed.body);
  });
});
