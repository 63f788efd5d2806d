// The commands about proxies: `apply --wait`, `status` and `config-dump`, with a real `weft proxy`
// child connected over xDS to a control plane in this process.
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { httpListener } from "../e2e/mesh.js";
import { freePort, type ProxyProcess, startProxy } from "../e2e/processes.js";
import { controlPlane, meshYaml, type TestControlPlane, weft } from "./cli-harness.js";

let cp: TestControlPlane;
let proxy: ProxyProcess;
before(async () => {
  cp = await controlPlane();
  proxy = await startProxy("cli-proxy-1", [cp.xds]);
});
after(async () => {
  await proxy?.stop();
  await cp?.close();
});

const at = () => ["--server", cp.server];

async function listenerYaml(name: string, port: number, routes: string): Promise<string> {
  return `${JSON.stringify({ kind: "Listener", ...httpListener(name, port, routes) })}\n`;
}

describe("weft apply --wait", () => {
  test("returns once the connected proxy has acknowledged every type, showing progress", async () => {
    const input = `${meshYaml("waited")}---\n${await listenerYaml("front", await freePort(), "waited-routes")}`;
    const run = await weft(["apply", "-f", "-", "--wait", "--wait-timeout", "20s", ...at()], { input });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^listener\/front created$/m);
    assert.match(run.stderr, /^waiting: 1\/1 proxies synced$/m);
  });

  test("fails with the proxy's own message when it rejects the config", async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      const input = await listenerYaml("taken", port, "waited-routes");
      const run = await weft(["apply", "-f", "-", "--wait", "--wait-timeout", "20s", ...at()], { input });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /^weft: WEFT_CLI_PROXY_NACKED: cli-proxy-1 rejected the config \(LDS: .*taken/m);
      await weft(["delete", "listener", "taken", ...at()]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe("weft status", () => {
  test("shows one row per proxy with each type's state and acknowledged version", async () => {
    const run = await weft(["status", ...at()]);
    assert.equal(run.status, 0, run.stderr);
    const [header, row, extra] = run.stdout.trim().split("\n");
    assert.match(header ?? "", /^NAME\s+CLUSTER\s+CDS\s+LDS\s+EDS\s+RDS\s+CONNECTED\s+LAST NACK$/);
    assert.match(row ?? "", /^cli-proxy-1\s+-\s+(SYNCED|STALE) [0-9a-f]{8}\s+(SYNCED|STALE) [0-9a-f]{8}\s+/);
    assert.match(row ?? "", /LDS \d+s ago: .*taken/);
    assert.equal(extra, undefined);
  });

  test("-o json prints the API's view, versions and subscriptions in full", async () => {
    const run = await weft(["status", "-o", "json", ...at()]);
    const { proxies } = JSON.parse(run.stdout) as { proxies: { nodeId: string; types: Record<string, unknown> }[] };
    assert.equal(proxies.length, 1);
    assert.equal(proxies[0]?.nodeId, "cli-proxy-1");
    assert.ok(Object.keys(proxies[0]?.types ?? {}).includes("type.googleapis.com/envoy.config.cluster.v3.Cluster"));
  });

  test("an empty mesh says so on stderr", async () => {
    const empty = await controlPlane();
    try {
      const run = await weft(["status", "--server", empty.server]);
      assert.equal(run.status, 0);
      assert.equal(run.stdout, "");
      assert.equal(run.stderr, "no proxies connected\n");
    } finally {
      await empty.close();
    }
  });
});

describe("weft config-dump", () => {
  test("prints the proxy's config in use; --type keeps one kind; -o yaml", async () => {
    const run = await weft(["config-dump", "--admin", proxy.admin]);
    assert.equal(run.status, 0, run.stderr);
    const dump = JSON.parse(run.stdout) as Record<string, { resources?: { name: string }[] }>;
    assert.ok(dump.clusters?.resources?.some((r) => r.name === "waited"));
    assert.ok(dump.listeners?.resources?.some((r) => r.name === "front"));

    const one = await weft(["config-dump", "--admin", proxy.admin, "--type", "Cluster", "-o", "yaml"]);
    assert.equal(one.status, 0, one.stderr);
    assert.deepEqual(Object.keys(parse(one.stdout) as object), ["node", "xds", "clusters"]);
  });

  test("-o table shows each resource's own version, as `weft get` does, under its kind's version_info", async () => {
    const run = await weft(["config-dump", "--admin", proxy.admin, "--type", "listeners", "-o", "table"]);
    assert.equal(run.status, 0, run.stderr);
    const [heading, header, ...rows] = run.stdout.trim().split("\n");
    const dump = JSON.parse((await weft(["config-dump", "--admin", proxy.admin])).stdout) as {
      listeners: { versionInfo: string };
    };
    assert.equal(heading, `Listener (version_info ${dump.listeners.versionInfo.slice(0, 8)})`);
    assert.match(header ?? "", /^NAME\s+VERSION\s+STATE\s+UPDATED$/);
    const front = rows.find((row) => row.startsWith("front "));
    const got = (await weft(["get", "listener", "front", ...at()])).stdout.split("\n")[1] ?? "";
    const version = got.split(/\s+/)[1] ?? "";
    assert.match(version, /^[0-9a-f]{8}$/);
    assert.match(front ?? "", new RegExp(`^front\\s+${version}\\s+ACTIVE\\s+\\d+[smhd] ago$`));
  });

  test("an admin that is not there is one line naming its URL", async () => {
    const run = await weft(["config-dump", "--admin", "http://127.0.0.1:1"]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /^weft: WEFT_CLI_UNREACHABLE: cannot reach http:\/\/127\.0\.0\.1:1\/config_dump: .*ECONNREFUSED/,
    );
  });
});
