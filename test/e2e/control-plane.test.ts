// `weft control-plane` as a real child process: a PUT through the REST API reaches a connected
// xDS client, SIGTERM exits 0, a restart on the same data dir serves identical versions, and the
// start-up refusals the README states under "`weft control-plane`" hold.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { Cluster } from "../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { AggregatedDiscoveryServiceClient } from "../../proto/gen/envoy/service/discovery/v3/ads.js";
import type { DiscoveryRequest, DiscoveryResponse } from "../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { CDS, cluster, names, request, Stream } from "../control-plane/xds/harness.js";
import { bin, root, startControlPlane, tempDir } from "./processes.js";

function ads(address: string): { stream: Stream<DiscoveryRequest, DiscoveryResponse>; close: () => void } {
  const client = new AggregatedDiscoveryServiceClient(address, credentials.createInsecure());
  const stream = new Stream<DiscoveryRequest, DiscoveryResponse>(client.streamAggregatedResources());
  return {
    stream,
    close: () => {
      stream.cancel();
      client.close();
    },
  };
}

async function put(api: string, kind: string, name: string, body: unknown): Promise<Response> {
  return fetch(`http://${api}/v1/resources/${kind}/${name}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("weft control-plane (child process)", () => {
  test("a PUT through the API reaches a connected xDS client; SIGTERM exits 0; a restart serves identical versions", async () => {
    const dir = tempDir();
    const first = await startControlPlane({ dataDir: dir });
    assert.equal((await fetch(`http://${first.api}/healthz`)).status, 200);
    const client = ads(first.xds);
    client.stream.send(request({ node: { id: "e2e-proxy" }, typeUrl: CDS }));
    const empty = await client.stream.next(5_000);
    assert.deepEqual(empty.resources, [], "an empty first response for an empty store");
    client.stream.send(request({ typeUrl: CDS, versionInfo: empty.versionInfo, responseNonce: empty.nonce }));

    const written = await put(first.api, "clusters", "web", cluster("web"));
    assert.equal(written.status, 200);
    const pushed = await client.stream.next(5_000);
    assert.deepEqual(
      names(pushed, (b) => Cluster.decode(b)),
      ["web"],
    );
    client.stream.send(request({ typeUrl: CDS, versionInfo: pushed.versionInfo, responseNonce: pushed.nonce }));
    const proxies = (await (await fetch(`http://${first.api}/v1/proxies`)).json()) as {
      proxies: { nodeId: string; types: Record<string, { state: string; versionAcked: string }> }[];
    };
    const listed = proxies.proxies.find((p) => p.nodeId === "e2e-proxy");
    assert.ok(listed);
    client.close();
    assert.equal(await first.stop(), 0);

    const second = await startControlPlane({ dataDir: dir });
    const again = ads(second.xds);
    again.stream.send(request({ node: { id: "e2e-proxy" }, typeUrl: CDS, versionInfo: pushed.versionInfo }));
    assert.ok(await again.stream.silent(500), "the version it holds is still current: nothing is resent");
    const status = (await (await fetch(`http://${second.api}/v1/proxies`)).json()) as typeof proxies;
    assert.equal(status.proxies[0]?.types[CDS]?.state, "SYNCED");
    assert.equal(status.proxies[0]?.types[CDS]?.versionAcked, pushed.versionInfo);
    again.close();
    assert.equal(await second.stop(), 0);
  });

  test("listening on a non-loopback address without a token is refused at start", async () => {
    const child = spawn(
      process.execPath,
      [bin, "control-plane", "--data-dir", tempDir(), "--api-listen", "0.0.0.0:0"],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 1);
    assert.match(stderr, /WEFT_INSECURE_LISTEN/);
  });

  test("flags can come from WEFT_ environment variables", async () => {
    const running = await startControlPlane({ env: { WEFT_API_TOKEN: "s3cret" } });
    assert.equal((await fetch(`http://${running.api}/v1/resources/clusters`)).status, 401);
    const authorized = await fetch(`http://${running.api}/v1/resources/clusters`, {
      headers: { authorization: "Bearer s3cret" },
    });
    assert.equal(authorized.status, 200);
    assert.equal((await fetch(`http://${running.api}/healthz`)).status, 200, "healthz needs no token");
    assert.equal(await running.stop(), 0);
  });
});
