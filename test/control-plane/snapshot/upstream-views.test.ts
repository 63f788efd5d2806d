// A sidecar's upstreams in its view: an `outbound|upstream|HOST:PORT` TCP listener per upstream
// naming a Service port, whose cluster and assignment are there even when depends leaves the
// Service out; what is skipped is logged once per node (docs/mesh.md, "Upstream listeners").
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { nodeScopedViews } from "../../../control-plane/src/snapshot/node-scope.js";
import { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import { service } from "../mesh/mesh-documents.js";
import { CDS, EDS, type Harness, LDS, names, request, startHarness } from "../xds/harness.js";
import { putMesh } from "./mesh-view-client.js";

const sidecar = (id: string, weft: Record<string, unknown>) => ({
  id,
  cluster: "web",
  metadata: { weft: { role: "sidecar", service: "web", inbound: "127.0.0.1:18001", app: "127.0.0.1:18000", ...weft } },
});

describe("mesh views: a sidecar's upstream listeners", () => {
  let h: Harness;
  const warnings: { msg: string; nodeId?: string; warnings?: string[] }[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(JSON.parse(line)) });
  const views = nodeScopedViews({ logger });
  before(async () => {
    h = await startHarness({ view: views });
    await putMesh(
      h,
      ["services", service("postgres", [{ name: "sql", port: 5432, appProtocol: "tcp" }])],
      ["services", service("pricing")],
    );
  });
  after(() => h.close());

  test("an upstream's TCP listener and its Service's cluster and assignment reach a sidecar whose depends leaves the Service out", async () => {
    const node = sidecar("web-1", { depends: ["pricing"], upstreams: ["postgres=127.0.0.1:15432"] });
    const snapshot = h.builder.current();
    assert.ok(snapshot);
    const view = views(node, snapshot);
    assert.deepEqual([...view.resources(LDS).keys()].sort(), [
      "inbound|listener",
      "outbound|listener",
      "outbound|upstream|127.0.0.1:15432",
    ]);
    assert.deepEqual([...view.resources(CDS).keys()].sort(), [
      "inbound|app",
      "outbound|5432||postgres",
      "outbound|8080||pricing",
      "outbound|connect",
    ]);
    assert.ok(view.resources(EDS).has("outbound|5432||postgres"));
    const stream = h.ads();
    stream.send(request({ node, typeUrl: LDS, resourceNames: [] }));
    const response = await stream.next();
    stream.cancel();
    const upstream = response.resources
      .map((any) => Listener.decode(any.value))
      .find((l) => l.name === "outbound|upstream|127.0.0.1:15432");
    assert.equal(upstream?.address?.socketAddress?.portValue, 15432);
    assert.ok(names(response, (b) => Listener.decode(b)).includes("outbound|listener"));
  });

  test("an upstream naming no Service or port gets no listener and one warning for its node, not one per view", () => {
    const node = sidecar("web-2", { upstreams: ["redis=127.0.0.1:16379", "postgres:5433=127.0.0.1:15433", "bad"] });
    const snapshot = h.builder.current();
    assert.ok(snapshot);
    const before = warnings.length;
    for (let i = 0; i < 3; i++) {
      const view = views(node, snapshot);
      assert.deepEqual([...view.resources(LDS).keys()].sort(), ["inbound|listener", "outbound|listener"]);
    }
    const logged = warnings.slice(before);
    assert.equal(logged.length, 1);
    assert.equal(logged[0]?.nodeId, "web-2");
    assert.equal(logged[0]?.warnings?.length, 3);
  });
});
