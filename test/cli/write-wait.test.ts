// --wait after every command that writes the config (apply, rollback, delete), what a rejected
// config leaves behind, and `weft nacks`: a real `weft proxy` child connected over xDS to a
// control plane in this process; the CLI reaches the API as HOST:PORT, without a scheme.
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { httpListener } from "../e2e/mesh.js";
import { freePort, type ProxyProcess, startProxy } from "../e2e/processes.js";
import { controlPlane, meshYaml, type TestControlPlane, weft } from "./cli-harness.js";

const NODE = "cli-wait-proxy";
let cp: TestControlPlane;
let proxy: ProxyProcess;
/** A port held open here, so that a listener on it is rejected by the proxy. */
let taken: net.Server;
let takenPort: number;

before(async () => {
  cp = await controlPlane();
  proxy = await startProxy(NODE, [cp.xds]);
  taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  takenPort = (taken.address() as net.AddressInfo).port;
});
after(async () => {
  await proxy?.stop();
  await cp?.close();
  await new Promise((resolve) => taken?.close(resolve));
});

/** --server as HOST:PORT: no scheme, as --xds-server takes its address. */
const at = () => ["--server", cp.server.replace(/^http:\/\//, "")];
const waiting = ["--wait", "--wait-timeout", "20s"];

function listenerYaml(name: string, port: number): string {
  return `${JSON.stringify({ kind: "Listener", ...httpListener(name, port, "w-routes") })}\n`;
}

function revisionOf(stdout: string): number {
  const match = /^revision (\d+)/m.exec(stdout);
  assert.ok(match, stdout);
  return Number(match[1]);
}

describe("--server HOST:PORT", () => {
  test("means http://HOST:PORT, from the flag and from WEFT_SERVER", async () => {
    const flag = await weft(["get", "clusters", ...at()]);
    assert.equal(flag.status, 0, flag.stderr);
    const env = await weft(["status"], { env: { WEFT_SERVER: cp.server.replace(/^http:\/\//, "") } });
    assert.equal(env.status, 0, env.stderr);
    assert.match(env.stdout, new RegExp(`^${NODE}\\s`, "m"));
  });
});

describe("--wait on every write", () => {
  test("delete --wait returns once the proxy has acknowledged the deletion, also of its last listener", async () => {
    const port = await freePort();
    const applied = await weft(["apply", "-f", "-", ...waiting, ...at()], {
      input: `${meshYaml("w")}---\n${listenerYaml("gone", port)}`,
    });
    assert.equal(applied.status, 0, applied.stderr);
    const run = await weft(["delete", "listener", "gone", ...waiting, ...at()]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^listener\/gone deleted\nrevision \d+$/m);
    assert.match(run.stderr, /^waiting: 1\/1 proxies synced$/m);
  });

  test("a rollback that changes nothing writes no revision and still waits", async () => {
    const current = JSON.parse((await weft(["history", "--limit", "1", "-o", "json", ...at()])).stdout) as {
      revision: number;
    }[];
    const run = await weft(["rollback", String(current[0]?.revision), ...waiting, ...at()]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^nothing to change: /m);
    assert.match(run.stdout, new RegExp(`^revision ${current[0]?.revision} `, "m"));
    assert.match(run.stderr, /^waiting: 1\/1 proxies synced$/m);
  });

  test("apply --wait: a rejected config is reported as stored, with the rollback that undoes it", async () => {
    // The proxy serves no listener naming w-routes: "blocked" waits for its routes, and its taken
    // port is still judged by the response that brings it.
    const latest = JSON.parse((await weft(["history", "--limit", "1", "-o", "json", ...at()])).stdout) as {
      revision: number;
    }[];
    const input = `${meshYaml("w")}---\n${listenerYaml("blocked", takenPort)}`;
    const run = await weft(["apply", "-f", "-", ...waiting, ...at()], { input });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    const stored = revisionOf(run.stdout);
    assert.equal(stored, (latest[0]?.revision ?? 0) + 1);
    const lines = run.stderr.split("\n").filter((line) => !line.startsWith("waiting: "));
    assert.match(lines[0] ?? "", new RegExp(`^weft: WEFT_CLI_PROXY_NACKED: ${NODE} rejected the config \\(LDS: `));
    assert.equal(lines[1], `the config stays stored as revision ${stored}; to undo it: weft rollback ${stored - 1}`);

    // The advice works: rolling back removes the listener, and the proxy takes that.
    const undo = await weft(["rollback", String(stored - 1), ...waiting, ...at()]);
    assert.equal(undo.status, 0, undo.stderr);
    assert.match(undo.stdout, /^listener\/blocked deleted$/m);
    assert.match(undo.stderr, /^waiting: 1\/1 proxies synced$/m);
  });

  test("rollback --wait: restoring a config the proxy now rejects is reported the same way", async () => {
    // A listener the proxy binds, then deleted; once its port is taken, restoring it is rejected.
    const port = await freePort();
    const bound = await weft(["apply", "-f", "-", ...waiting, ...at()], { input: listenerYaml("again", port) });
    assert.equal(bound.status, 0, bound.stderr);
    const deleted = await weft(["delete", "listener", "again", ...waiting, ...at()]);
    assert.equal(deleted.status, 0, deleted.stderr);
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
    try {
      const run = await weft(["rollback", String(revisionOf(bound.stdout)), ...waiting, ...at()]);
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /^listener\/again restored$/m);
      const stored = revisionOf(run.stdout);
      assert.match(run.stderr, new RegExp(`^weft: WEFT_CLI_PROXY_NACKED: ${NODE} rejected the config \\(LDS: `, "m"));
      assert.match(
        run.stderr,
        new RegExp(`^the config stays stored as revision ${stored}; to undo it: weft rollback ${stored - 1}$`, "m"),
      );
      const undo = await weft(["rollback", String(stored - 1), ...waiting, ...at()]);
      assert.equal(undo.status, 0, undo.stderr);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe("weft nacks", () => {
  test("lists the proxy's rejections newest first: node, type, version, age and message", async () => {
    const run = await weft(["nacks", ...at()]);
    assert.equal(run.status, 0, run.stderr);
    const [header, ...rows] = run.stdout.trim().split("\n");
    assert.match(header ?? "", /^NODE\s+TYPE\s+VERSION\s+AGE\s+MESSAGE$/);
    assert.ok(rows.length >= 2, run.stdout);
    for (const row of rows) assert.match(row, new RegExp(`^${NODE}\\s+LDS\\s+[0-9a-f]{8}\\s+\\d+[smhd] ago\\s+\\S`));
  });

  test("--node and --type filter on the server; -o json is the API's answer", async () => {
    const json = await weft(["nacks", "--node", NODE, "--type", "Listener", "-o", "json", ...at()]);
    assert.equal(json.status, 0, json.stderr);
    const { nacks } = JSON.parse(json.stdout) as { nacks: { nodeId: string; typeUrl: string; version: string }[] };
    assert.ok(nacks.length >= 2);
    assert.ok(nacks.every((n) => n.nodeId === NODE && n.typeUrl.endsWith("listener.v3.Listener") && n.version !== ""));

    const none = await weft(["nacks", "--type", "routes", ...at()]);
    assert.equal(none.status, 0, none.stderr);
    assert.equal(none.stdout, "");
    assert.equal(none.stderr, "no NACKs\n");
    const other = await weft(["nacks", "--node", "someone-else", "-o", "json", ...at()]);
    assert.deepEqual(JSON.parse(other.stdout), { nacks: [] });
  });

  test("an unknown --type is WEFT_CLI_UNKNOWN_KIND, sent nowhere", async () => {
    const run = await weft(["nacks", "--type", "secrets", "--server", "127.0.0.1:1"]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^weft: WEFT_CLI_UNKNOWN_KIND: /);
  });
});
