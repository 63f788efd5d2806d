// What gRPC proxyless clients are served: the API listeners `NAME` and `NAME:PORT` of grpc/http2
// Service ports, and their clusters and endpoints, only to a node that is not a sidecar and only
// when its subscription names them; a wildcard subscription (Envoy, Weft proxies) never brings
// them, on SotW and delta streams alike.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { nodeScopedViews } from "../../../control-plane/src/snapshot/node-scope.js";
import { Cluster, Cluster_LbPolicy } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import { service, workloadEntry } from "../mesh/mesh-documents.js";
import {
  CDS,
  deltaNames,
  deltaRequest,
  EDS,
  type Harness,
  LDS,
  listener,
  request,
  startHarness,
} from "../xds/harness.js";
import { clusterNames, fetch, listenerNames, putMesh } from "./mesh-view-client.js";

const grpcClient = { id: "grpc-client-1", cluster: "shop" };
const sidecar = {
  id: "web-1",
  cluster: "web",
  metadata: { weft: { role: "sidecar", service: "web", inbound: "127.0.0.1:18001", app: "127.0.0.1:18000" } },
};
const PROXYLESS_LISTENERS = ["pricing", "pricing:9090"];

describe("proxyless views: what gRPC proxyless clients are served", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ view: nodeScopedViews() });
    await h.put(["listeners", listener("everyone", "routes", 10001)]);
    const entry = workloadEntry("pricing-1", { app: "pricing" });
    await putMesh(
      h,
      ["services", service("pricing", [{ name: "grpc", port: 9090, appProtocol: "grpc" }])],
      [
        "workloadentries",
        { ...entry, spec: { address: "10.0.1.1", ports: { grpc: 50051 }, labels: { app: "pricing" } } },
      ],
    );
  });
  after(() => h.close());

  test("a wildcard subscriber on SotW receives no proxyless listener, cluster or endpoints", async () => {
    assert.deepEqual(listenerNames(await fetch(h, grpcClient, LDS)), ["everyone"]);
    assert.deepEqual(clusterNames(await fetch(h, grpcClient, CDS)), []);
    assert.equal((await fetch(h, grpcClient, EDS)).resources.length, 0);
  });

  test("a subscriber naming them on SotW receives the API listeners and the ROUND_ROBIN cluster with its endpoints", async () => {
    const listeners = (await fetch(h, grpcClient, LDS, PROXYLESS_LISTENERS)).resources.map((any) =>
      Listener.decode(any.value),
    );
    assert.deepEqual(listeners.map((l) => l.name).sort(), PROXYLESS_LISTENERS);
    for (const l of listeners) assert.ok(l.apiListener?.apiListener, `${l.name} is an API listener`);
    const clusters = (await fetch(h, grpcClient, CDS, ["outbound|9090||pricing"])).resources.map((any) =>
      Cluster.decode(any.value),
    );
    assert.deepEqual(
      clusters.map((c) => [c.name, c.lbPolicy]),
      [["outbound|9090||pricing", Cluster_LbPolicy.ROUND_ROBIN]],
    );
    const endpoints = await fetch(h, grpcClient, EDS, ["outbound|9090||pricing"]);
    assert.equal(endpoints.resources.length, 1);
  });

  test("on delta, a wildcard subscriber receives none of them and a subscriber naming one receives just it", async () => {
    const wildcard = h.deltaAds();
    wildcard.send(deltaRequest({ node: grpcClient, typeUrl: LDS }));
    assert.deepEqual(deltaNames(await wildcard.next()), ["everyone"]);
    wildcard.cancel();
    const named = h.deltaAds();
    named.send(deltaRequest({ node: grpcClient, typeUrl: LDS, resourceNamesSubscribe: ["pricing"] }));
    assert.deepEqual(deltaNames(await named.next()), ["pricing"]);
    named.send(deltaRequest({ node: grpcClient, typeUrl: CDS, resourceNamesSubscribe: ["outbound|9090||pricing"] }));
    assert.deepEqual(deltaNames(await named.next()), ["outbound|9090||pricing"]);
    named.cancel();
  });

  test("on delta, a subscriber by wildcard and by name receives both, and unsubscribing the name removes it", async () => {
    const stream = h.deltaAds();
    stream.send(deltaRequest({ node: grpcClient, typeUrl: LDS, resourceNamesSubscribe: ["*", "pricing:9090"] }));
    const first = await stream.next();
    assert.deepEqual(deltaNames(first), ["everyone", "pricing:9090"]);
    stream.send(deltaRequest({ node: grpcClient, typeUrl: LDS, responseNonce: first.nonce }));
    stream.send(deltaRequest({ node: grpcClient, typeUrl: LDS, resourceNamesUnsubscribe: ["pricing:9090"] }));
    const second = await stream.next();
    assert.deepEqual(second.removedResources, ["pricing:9090"]);
    assert.deepEqual(deltaNames(second), []);
    stream.cancel();
  });

  test("a sidecar is not served them even by name: its view is the compiled outbound side", async () => {
    assert.deepEqual(listenerNames(await fetch(h, sidecar, LDS, PROXYLESS_LISTENERS)), []);
    const clusters = (await fetch(h, sidecar, CDS, ["outbound|9090||pricing"])).resources.map((any) =>
      Cluster.decode(any.value),
    );
    assert.deepEqual(
      clusters.map((c) => c.lbPolicy),
      [Cluster_LbPolicy.LEAST_REQUEST],
    );
  });

  test("a written listener named like a proxyless one is replaced by the compiled one for every node that is not a sidecar", async () => {
    await h.put(["listeners", listener("pricing", "routes", 10002)]);
    assert.deepEqual(listenerNames(await fetch(h, grpcClient, LDS)), ["everyone"], "wildcard: hidden");
    const named = await fetch(h, grpcClient, LDS, ["pricing"]);
    assert.ok(Listener.decode(named.resources[0]?.value ?? new Uint8Array()).apiListener, "named: the compiled one");
    await h.remove(["listeners", "pricing"]);
  });

  test("once the Service is gone its listeners are gone for the subscriber naming them", async () => {
    const stream = h.ads();
    stream.send(request({ node: grpcClient, typeUrl: LDS, resourceNames: PROXYLESS_LISTENERS }));
    const first = await stream.next();
    assert.deepEqual(listenerNames(first), PROXYLESS_LISTENERS);
    stream.send(
      request({
        node: grpcClient,
        typeUrl: LDS,
        resourceNames: PROXYLESS_LISTENERS,
        versionInfo: first.versionInfo,
        responseNonce: first.nonce,
      }),
    );
    await putMesh(h, ["services", service("pricing", [{ name: "http", port: 8080 }])]);
    assert.deepEqual(listenerNames(await stream.next()), []);
    stream.cancel();
  });
});
