// `weft control-plane` as a real child process: a PUT through the REST API reaches a connected
// xDS client, SIGTERM exits 0, a restart on the same data dir serves identical versions, and the
// start-up refusals of CONTRACT.md hold.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { credentials } from "@grpc/grpc-js";
import { Cluster } from "../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { AggregatedDiscoveryServiceClient } from "../../proto/gen/envoy/service/discovery/v3/ads.js";
import type { DiscoveryRequest, DiscoveryResponse } from "../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { CDS, cluster, names, request, Stream } from "../control-plane/xds/harness.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = join(root, "bin", "weft.js");

interface Running {
  readonly child: ChildProcess;
  readonly api: string;
  readonly xds: string;
  readonly exited: Promise<number | null>;
}

/** Starts `weft control-plane` and waits (at most 15 s) for its "ready" log line. */
async function startControlPlane(dataDir: string, env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(
    process.execPath,
    [bin, "control-plane", "--data-dir", dataDir, "--xds-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0"],
    { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const ready = new Promise<{ api: string; xds: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("control plane not ready within 15 s")), 15_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const entry = JSON.parse(line) as { msg?: string; api?: string; xds?: string };
      if (entry.msg === "control plane ready" && entry.api && entry.xds) {
        clearTimeout(timer);
        resolve({ api: entry.api, xds: entry.xds });
      }
    });
    exited.then((code) => reject(new Error(`control plane exited with ${code} before it was ready`)));
  });
  return { child, exited, ...(await ready) };
}

async function stop(running: Running): Promise<number | null> {
  running.child.kill("SIGTERM");
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 10_000).unref());
  const code = await Promise.race([running.exited, timeout]);
  if (code === "timeout") {
    running.child.kill("SIGKILL");
    assert.fail("the control plane did not exit within 10 s of SIGTERM");
  }
  return code;
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "weft-e2e-"));
  dirs.push(dir);
  return dir;
}

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
    const dir = dataDir();
    const first = await startControlPlane(dir);
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
    assert.equal(await stop(first), 0);

    const second = await startControlPlane(dir);
    const again = ads(second.xds);
    again.stream.send(request({ node: { id: "e2e-proxy" }, typeUrl: CDS, versionInfo: pushed.versionInfo }));
    assert.ok(await again.stream.silent(500), "the version it holds is still current: nothing is resent");
    const status = (await (await fetch(`http://${second.api}/v1/proxies`)).json()) as typeof proxies;
    assert.equal(status.proxies[0]?.types[CDS]?.state, "SYNCED");
    assert.equal(status.proxies[0]?.types[CDS]?.versionAcked, pushed.versionInfo);
    again.close();
    assert.equal(await stop(second), 0);
  });

  test("listening on a non-loopback address without a token is refused at start", async () => {
    const child = spawn(
      process.execPath,
      [bin, "control-plane", "--data-dir", dataDir(), "--api-listen", "0.0.0.0:0"],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.add(child);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 1);
    assert.match(stderr, /WEFT_INSECURE_LISTEN/);
  });

  test("flags can come from WEFT_ environment variables", async () => {
    const running = await startControlPlane(dataDir(), { WEFT_API_TOKEN: "s3cret" });
    assert.equal((await fetch(`http://${running.api}/v1/resources/clusters`)).status, 401);
    const authorized = await fetch(`http://${running.api}/v1/resources/clusters`, {
      headers: { authorization: "Bearer s3cret" },
    });
    assert.equal(authorized.status, 200);
    assert.equal((await fetch(`http://${running.api}/healthz`)).status, 200, "healthz needs no token");
    assert.equal(await stop(running), 0);
  });
});
