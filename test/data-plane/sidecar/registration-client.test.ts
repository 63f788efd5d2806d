// The sidecar's registration client against a real control plane (SQLite store, REST API and xDS
// server on 127.0.0.1): the WorkloadEntry it leads to, health changes, deregistration, refusals
// with their code, and fail-over from a server that is down. Backoff runs on a manual clock.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import pino from "pino";
import { type RunningControlPlane, startControlPlane } from "../../../control-plane/src/main.js";
import { PORT_ANNOTATION, REGISTERED_BY_ANNOTATION } from "../../../control-plane/src/mesh/index.js";
import { HEALTH_ANNOTATION } from "../../../control-plane/src/registry/index.js";
import { ProxyErrorCode } from "../../../data-plane/src/errors.js";
import {
  type InstanceRegistration,
  SidecarError,
  SidecarRegistrationClient,
} from "../../../data-plane/src/sidecar/index.js";
import { storedEntry as storedEntryAt } from "../../control-plane/registry/stored-entry.js";
import { ManualClock } from "../../time/manual-clock.js";

const CATALOG: InstanceRegistration = {
  service: "catalog",
  address: "127.0.0.1",
  ports: { http: 41000 },
  port: 41001,
  labels: { version: "v2" },
};

async function rejection(promise: Promise<unknown>): Promise<SidecarError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SidecarError, `a SidecarError, not ${String(error)}`);
    return error;
  }
  assert.fail("the call succeeded");
}

describe("the sidecar's registration client with a running control plane", () => {
  let dataDir: string;
  let plane: RunningControlPlane;
  /** A server that takes TCP connections and drops them at once: a control plane that is down. */
  let down: Server;
  let downAddress: string;
  const clients: SidecarRegistrationClient[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "weft-sidecar-registration-"));
    plane = await startControlPlane({
      xdsListen: "127.0.0.1:0",
      apiListen: "127.0.0.1:0",
      dataDir,
      logger: pino({ level: "silent" }),
    });
    down = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
    downAddress = `127.0.0.1:${(down.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const client of clients) client.close();
    await plane.close();
    await new Promise((resolve) => down.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  function client(
    nodeId: string,
    options: { servers?: string[]; registration?: InstanceRegistration; joinToken?: string } = {},
  ) {
    const clock = new ManualClock();
    const made = new SidecarRegistrationClient({
      servers: options.servers ?? [plane.xdsAddress],
      nodeId,
      registration: options.registration ?? CATALOG,
      clock,
      random: () => 0.5,
      joinToken: options.joinToken,
    });
    clients.push(made);
    return { client: made, clock };
  }

  const storedEntry = (name: string) => storedEntryAt(plane.apiAddress, name);

  test("the join token goes with every call: its own service registers, another service's is refused", async () => {
    const tokenFor = async (service: string) => {
      const response = await fetch(`http://${plane.apiAddress}/v1/tokens`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ service }),
      });
      return ((await response.json()) as { token: string }).token;
    };
    const { client: right } = client("catalog-token-1", { joinToken: await tokenFor("catalog") });
    assert.equal((await right.register("healthy")).name, "catalog-token-1");
    assert.equal((await right.deregister())?.name, "catalog-token-1");
    const { client: wrong } = client("catalog-token-2", { joinToken: await tokenFor("web") });
    const refused = await rejection(wrong.register("healthy"));
    assert.equal(refused.code, ProxyErrorCode.sidecarRegistrationRefused);
    assert.equal(refused.grpcStatus, status.PERMISSION_DENIED);
    assert.equal(refused.serverCode, "WEFT_FORBIDDEN");
    assert.equal(await storedEntry("catalog-token-2"), undefined);
  });

  test("register stores the instance's WorkloadEntry with its address, ports, labels and health", async () => {
    const { client: sidecar } = client("catalog-1");
    const answer = await sidecar.register("healthy");
    assert.equal(answer.name, "catalog-1");
    assert.equal(answer.changed, true);
    const entry = await storedEntry("catalog-1");
    assert.deepEqual(entry?.spec, {
      address: "127.0.0.1",
      ports: { http: 41000 },
      labels: { app: "catalog", version: "v2" },
    });
    assert.deepEqual(entry?.metadata.annotations, {
      [REGISTERED_BY_ANNOTATION]: "catalog-1",
      [HEALTH_ANNOTATION]: "healthy",
      [PORT_ANNOTATION]: "41001",
    });
  });

  test("a health change registers again and is stored; the same health again changes nothing", async () => {
    const { client: sidecar } = client("catalog-2");
    const first = await sidecar.register("healthy");
    const unhealthy = await sidecar.register("unhealthy");
    assert.equal(unhealthy.changed, true);
    assert.ok(unhealthy.revision > first.revision);
    assert.equal((await storedEntry("catalog-2"))?.metadata.annotations[HEALTH_ANNOTATION], "unhealthy");
    const again = await sidecar.register("unhealthy");
    assert.equal(again.changed, false);
    assert.equal(again.revision, unhealthy.revision);
  });

  test("register calls made together reach the control plane in order, so the last health is stored", async () => {
    const { client: sidecar } = client("catalog-3");
    const answers = await Promise.all([
      sidecar.register("healthy"),
      sidecar.register("unhealthy"),
      sidecar.register("healthy"),
    ]);
    assert.deepEqual(
      answers.map((answer) => answer.changed),
      [true, true, true],
    );
    assert.equal((await storedEntry("catalog-3"))?.metadata.annotations[HEALTH_ANNOTATION], "healthy");
  });

  test("deregister removes the entry; a node with no entry deregisters to undefined; register afterwards is cancelled", async () => {
    const { client: sidecar } = client("catalog-4");
    const registered = await sidecar.register("healthy");
    const removed = await sidecar.deregister();
    assert.equal(removed?.name, registered.name);
    assert.equal(await storedEntry(registered.name), undefined);
    assert.equal(await sidecar.deregister(), undefined);
    const late = await rejection(sidecar.register("healthy"));
    assert.equal(late.code, ProxyErrorCode.sidecarRegistrationCancelled);
  });

  test("a bad registration fails with WEFT_SIDECAR_REGISTRATION_REFUSED carrying the control plane's code, without retrying", async () => {
    const { client: sidecar, clock } = client("catalog-5", {
      registration: { ...CATALOG, labels: { app: "pricing" } },
    });
    const refused = await rejection(sidecar.register("healthy"));
    assert.equal(refused.code, ProxyErrorCode.sidecarRegistrationRefused);
    assert.equal(refused.grpcStatus, status.INVALID_ARGUMENT);
    assert.equal(refused.serverCode, "WEFT_INVALID_REGISTRATION");
    assert.equal(clock.pendingCount, 0, "no retry is scheduled");
    assert.equal(await storedEntry("catalog-5"), undefined);
  });

  test("with the first server down, the second is used, and stays first for the next call", async () => {
    const { client: sidecar } = client("catalog-6", { servers: [downAddress, plane.xdsAddress] });
    const answer = await sidecar.register("healthy");
    assert.equal(answer.name, "catalog-6");
    assert.equal(sidecar.server, plane.xdsAddress);
    assert.ok(await storedEntry("catalog-6"));
    assert.equal((await sidecar.register("unhealthy")).changed, true);
  });

  test("with every server down, register waits a backoff on the clock and retries; deregister cancels it", async () => {
    const { client: sidecar, clock } = client("catalog-7", { servers: [downAddress] });
    const pending = rejection(sidecar.register("healthy"));
    while (clock.pendingCount === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(clock.delays(), [250], "the first retry waits the base delay (no jitter at 0.5)");
    await clock.advance(250);
    while (clock.pendingCount === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(clock.delays(), [500], "the retry failed too, and the next waits twice as long");
    const leaving = rejection(sidecar.deregister(1_000));
    const cancelled = await pending;
    assert.equal(cancelled.code, ProxyErrorCode.sidecarRegistrationCancelled);
    await clock.advance(2_000);
    const timedOut = await leaving;
    assert.equal(timedOut.code, ProxyErrorCode.sidecarRegistrationCancelled, "no server answered within the deadline");
  });
});
