// `weft sidecar` with real processes on 127.0.0.1: a control plane, apps (fixtures/backend.mjs)
// and a sidecar beside each. Calls go app -> its sidecar's outbound listener -> the callee's
// sidecar's inbound listener -> the callee's app. Registration, health, SIGTERM, SIGKILL and a
// control-plane restart are watched through the REST API, with bounded polling (other processes).
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { PORT_ANNOTATION, REGISTERED_BY_ANNOTATION } from "../../control-plane/src/mesh/index.js";
import { HEALTH_ANNOTATION } from "../../control-plane/src/registry/index.js";
import {
  type BackendProcess,
  type ControlPlane,
  eventually,
  freePort,
  startBackend,
  startControlPlane,
  tempDir,
} from "./processes.js";
import { type Sidecar, startSidecar as startSidecarProcess } from "./sidecars.js";

/** Short enough for the SIGKILL test, long enough for a sidecar to reconnect after a restart. */
const GRACE = "3s";

interface Entry {
  readonly name: string;
  readonly revision: number;
  readonly resource: {
    readonly metadata: { readonly annotations: Record<string, string> };
    readonly spec: { readonly address: string; readonly labels: Record<string, string> };
  };
}

let sequence = 0;

function startSidecar(
  plane: { xds: string },
  service: string,
  app: BackendProcess,
  extra: readonly string[] = [],
): Promise<Sidecar> {
  return startSidecarProcess(plane, service, `${service}-${++sequence}`, app.port, extra);
}

/** A sidecar's warnings and errors so far, to say why it did not register when a wait times out. */
function complaints(...sidecars: Sidecar[]): string {
  const lines = sidecars.flatMap((s) =>
    s.lines
      .filter((l) => l.level === "warn" || l.level === "error" || l.level === "fatal")
      .map((l) => `${s.nodeId}: ${l.msg} ${JSON.stringify(l)}`),
  );
  return lines.length === 0 ? "" : ` (sidecars said: ${lines.join("; ")})`;
}

/** `eventually`, its timeout naming what the sidecars complained of meanwhile. */
async function eventuallyFrom<T>(
  sidecars: Sidecar[],
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  try {
    return await eventually(what, check);
  } catch (error) {
    throw new Error(`${(error as Error).message}${complaints(...sidecars)}`);
  }
}

async function entries(plane: ControlPlane): Promise<Entry[]> {
  const response = await fetch(`http://${plane.api}/v1/resources/workloadentries`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { items: Entry[] }).items;
}

async function entryOf(plane: ControlPlane, nodeId: string): Promise<Entry | undefined> {
  return (await entries(plane)).find((e) => e.resource.metadata.annotations[REGISTERED_BY_ANNOTATION] === nodeId);
}

async function healthOf(plane: ControlPlane, nodeId: string): Promise<string | undefined> {
  return (await entryOf(plane, nodeId))?.resource.metadata.annotations[HEALTH_ANNOTATION];
}

/** One request to `outbound` (a sidecar's outbound listener): absolute form, or origin form with a Host header. */
function call(
  outbound: number,
  form: "absolute" | "host",
  url = "http://catalog/items",
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: outbound,
        path: form === "absolute" ? url : `${target.pathname}${target.search}`,
        headers: { host: target.host },
        agent: false,
        timeout: 5_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
    req.on("error", reject);
    req.end();
  });
}

/** Asks the backend (directly, not through a sidecar) to fail or heal its requests, health checks included. */
async function control(app: BackendProcess, what: "fail?status=503" | "ok"): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${app.port}/_control/${what}`);
  await response.body?.cancel();
}

/** The answering apps' names over `n` sequential calls. */
async function answers(outbound: number, n: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push((await call(outbound, "host")).body);
  return names;
}

const SERVICES = [
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "catalog" },
    spec: { selector: { app: "catalog" }, ports: [{ name: "http", port: 80 }] },
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web" },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80 }] },
  },
];

describe("weft sidecar with real processes", () => {
  let dataDir: string;
  let xdsPort: number;
  let plane: ControlPlane;
  let webApp: BackendProcess;
  let catalogA: BackendProcess;
  let catalogB: BackendProcess;
  let web: Sidecar;
  let sidecarA: Sidecar;
  let sidecarB: Sidecar;
  /** An instance of a Service of its own, for the SIGKILL test (its app is web's: any app will do). */
  let spare: Sidecar;

  before(async () => {
    dataDir = tempDir();
    xdsPort = await freePort();
    plane = await startControlPlane({
      dataDir,
      xdsListen: `127.0.0.1:${xdsPort}`,
      env: { WEFT_REGISTRATION_GRACE: GRACE },
    });
    const applied = await fetch(`http://${plane.api}/v1/apply`, {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body: SERVICES.map((s) => JSON.stringify(s)).join("\n---\n"),
    });
    assert.equal(applied.status, 200, await applied.text());
    [webApp, catalogA, catalogB] = await Promise.all([
      startBackend("web"),
      startBackend("catalog-a"),
      startBackend("catalog-b"),
    ]);
    [web, sidecarA, sidecarB, spare] = await Promise.all([
      startSidecar(plane, "web", webApp, ["--depends", "catalog"]),
      startSidecar(plane, "catalog", catalogA, ["--labels", "version=v1"]),
      startSidecar(plane, "catalog", catalogB),
      startSidecar(plane, "spare", webApp),
    ]);
  });

  after(async () => {
    for (const child of [web, sidecarA, sidecarB, spare, catalogA, catalogB, webApp, plane]) await child?.kill();
  });

  test("an app reaches another service by name through both sidecars, absolute form and Host header alike", async () => {
    const absolute = await eventually("catalog through web's outbound listener", async () => {
      const answer = await call(web.outbound, "absolute");
      return answer.status === 200 ? answer : undefined;
    });
    assert.match(absolute.body, /^catalog-[ab]$/);
    const byHost = await call(web.outbound, "host", "http://catalog.mesh:80/items");
    assert.equal(byHost.status, 200);
    assert.match(byHost.body, /^catalog-[ab]$/);
  });

  test("the registration is a WorkloadEntry at the bound inbound port; a failing app turns it unhealthy and callers stop reaching it", async () => {
    const entry = await eventuallyFrom([sidecarA], "catalog's entry", () => entryOf(plane, sidecarA.nodeId));
    assert.equal(entry.resource.spec.address, "127.0.0.1");
    assert.equal(entry.resource.metadata.annotations[PORT_ANNOTATION], String(sidecarA.inboundPort));
    assert.deepEqual(entry.resource.spec.labels, { app: "catalog", version: "v1" });
    assert.equal(entry.resource.metadata.annotations[HEALTH_ANNOTATION], "healthy");

    try {
      await eventually("calls reaching both catalog instances", async () => {
        const names = new Set(await answers(web.outbound, 10));
        return names.has("catalog-a") && names.has("catalog-b") ? true : undefined;
      });
      await control(catalogB, "fail?status=503");
      await eventually("catalog-b's entry unhealthy", async () =>
        (await healthOf(plane, sidecarB.nodeId)) === "unhealthy" ? true : undefined,
      );
      const unhealthyAt = Date.now();
      await eventually(
        "calls reaching catalog-a only",
        async () => ((await answers(web.outbound, 10)).every((name) => name === "catalog-a") ? true : undefined),
        2_000,
      );
      assert.ok(Date.now() - unhealthyAt <= 2_000);
    } finally {
      await control(catalogB, "ok");
    }
    await eventually("catalog-b's entry healthy again", async () =>
      (await healthOf(plane, sidecarB.nodeId)) === "healthy" ? true : undefined,
    );
  });

  test("SIGTERM removes the entry before the sidecar exits 0, and a caller under load sees no failure", async () => {
    await eventually("calls reaching catalog-b", async () =>
      (await answers(web.outbound, 10)).includes("catalog-b") ? true : undefined,
    );
    let loading = true;
    const failures: string[] = [];
    let sent = 0;
    const load = (async () => {
      while (loading) {
        sent++;
        try {
          const answer = await call(web.outbound, "host");
          if (answer.status !== 200) failures.push(`${answer.status} ${answer.body}`);
        } catch (error) {
          failures.push(String(error));
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const stopped = sidecarB.stop();
    const removedWhileRunning = await eventually("catalog-b's entry removed", async () =>
      (await entryOf(plane, sidecarB.nodeId)) === undefined ? sidecarB.child.exitCode === null : undefined,
    );
    const code = await stopped;
    loading = false;
    await load;
    assert.equal(removedWhileRunning, true, "the entry was gone while the sidecar still ran");
    assert.equal(code, 0);
    assert.ok(sent > 20, `light load: ${sent} requests`);
    assert.deepEqual(failures, []);
    const logged = sidecarB.lines.map((l) => l.msg);
    assert.ok(logged.indexOf("deregistered") < logged.indexOf("draining inbound and outbound listeners"));
  });

  test("an instance whose sidecar is killed is removed after the grace period", async () => {
    await eventually("spare registered", () => entryOf(plane, spare.nodeId));
    await spare.kill();
    const killedAt = Date.now();
    assert.ok(await entryOf(plane, spare.nodeId), "kept at first: the grace period has not passed");
    await eventually("spare's entry removed", async () =>
      (await entryOf(plane, spare.nodeId)) === undefined ? true : undefined,
    );
    assert.ok(Date.now() - killedAt >= 2_500, "removed only once the grace period passed");
  });

  test("a control-plane restart on the same store neither drops nor rewrites entries, and sidecars reconnect", async () => {
    const before = await eventuallyFrom([web, sidecarA], "both entries", async () => {
      const all = await entries(plane);
      const ours = all.filter((e) =>
        [web.nodeId, sidecarA.nodeId].includes(e.resource.metadata.annotations[REGISTERED_BY_ANNOTATION] ?? ""),
      );
      return ours.length === 2 ? ours : undefined;
    });
    assert.equal(await plane.stop(), 0);
    plane = await startControlPlane({
      dataDir,
      xdsListen: `127.0.0.1:${xdsPort}`,
      env: { WEFT_REGISTRATION_GRACE: GRACE },
    });
    const restartedAt = Date.now();
    const reconnections = () =>
      JSON.stringify(
        [web, sidecarA].map((s) =>
          s.lines.filter((l) => l.msg === "reconnected to control plane").map((l) => l.outageMs),
        ),
      );
    // Past the grace period every entry whose node did not come back would be removed: watch it pass.
    while (Date.now() - restartedAt < 3_500) {
      const now = await entries(plane);
      for (const entry of before) {
        const same = now.find((e) => e.name === entry.name);
        assert.ok(same, `${entry.name} kept (${reconnections()})`);
        assert.equal(same.revision, entry.revision, `${entry.name} not rewritten`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const proxies = (await (await fetch(`http://${plane.api}/v1/proxies`)).json()) as { proxies: { nodeId: string }[] };
    const connected = proxies.proxies.map((p) => p.nodeId);
    assert.ok(connected.includes(web.nodeId) && connected.includes(sidecarA.nodeId), JSON.stringify(connected));
    assert.deepEqual(await call(web.outbound, "host"), { status: 200, body: "catalog-a" });
    for (const sidecar of [web, sidecarA]) {
      assert.ok(
        sidecar.lines.some((l) => l.msg === "reconnected to control plane"),
        `${sidecar.nodeId} reconnected`,
      );
    }
  });
});
