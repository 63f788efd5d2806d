import assert from "node:assert/strict";
import { createServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { after, it } from "node:test";
import { ClusterManager } from "../../../data-plane/src/upstream/cluster-manager.js";
import { staticCluster } from "./backends.js";

it("speaks HTTP/2 by prior knowledge (h2c) to an http2 cluster", async () => {
  const versions: string[] = [];
  const server = createServer((req, res) => {
    versions.push(req.httpVersion);
    res.end("h2");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const manager = new ClusterManager();
  after(async () => {
    await manager.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  const cluster = {
    ...staticCluster("grpc", { host: "127.0.0.1", port, weight: 1, health: "UNKNOWN" }),
    http2: true,
  };
  void manager.update([cluster], new Map());
  const upstream = manager.pick("grpc");
  assert.ok(upstream);
  const { pool } = upstream;
  for (let i = 0; i < 2; i++) {
    const { statusCode, body } = await pool.request({ method: "GET", path: "/" });
    assert.equal(statusCode, 200);
    assert.equal(await body.text(), "h2");
  }
  assert.deepEqual(versions, ["2.0", "2.0"]);
});
