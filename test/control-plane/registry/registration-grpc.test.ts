// weft.registry.v1.Registration on the xDS port: a real control plane (SQLite store, REST API and
// xDS server on 127.0.0.1) called by a real gRPC client. The same registry as the REST routes, so
// the same entries; refusals are gRPC statuses carrying the WEFT_ code.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import pino from "pino";
import { ErrorCode, WeftError } from "../../../control-plane/src/errors.js";
import { type RunningControlPlane, startControlPlane } from "../../../control-plane/src/main.js";
import { PORT_ANNOTATION, REGISTERED_BY_ANNOTATION } from "../../../control-plane/src/mesh/index.js";
import { HEALTH_ANNOTATION, type InstanceRegistry } from "../../../control-plane/src/registry/index.js";
import { ERROR_CODE_METADATA, registrationService } from "../../../control-plane/src/registry/registration-service.js";
import * as reflection from "../../../proto/gen/grpc/reflection/v1/reflection.js";
import {
  type DeregisterResponse,
  Health,
  type RegisterRequest,
  type RegisterResponse,
  RegistrationClient,
} from "../../../proto/gen/weft/registry/v1/registration.js";
import { type Harness, startHarness } from "../xds/harness.js";
import { storedEntry as storedEntryAt } from "./stored-entry.js";

function call<Res>(run: (done: (error: ServiceError | null, response?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => {
    run((error, response) => (error ? reject(error) : resolve(response as Res)));
  });
}

function register(client: RegistrationClient, request: Partial<RegisterRequest>): Promise<RegisterResponse> {
  return call((done) =>
    client.register(
      { nodeId: "", service: "", address: "", ports: {}, labels: {}, health: 0, port: 0, ...request },
      done,
    ),
  );
}

function deregister(client: RegistrationClient, nodeId: string): Promise<DeregisterResponse> {
  return call((done) => client.deregister({ nodeId }, done));
}

/** The refusal of `promise`: its gRPC status, WEFT_ code (from the trailing metadata) and message. */
async function refusal(promise: Promise<unknown>): Promise<{ code: number; weftCode: unknown; details: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as ServiceError;
    return { code: e.code, weftCode: e.metadata.get(ERROR_CODE_METADATA)[0], details: e.details };
  }
  assert.fail("the call succeeded");
}

const CATALOG: Partial<RegisterRequest> = {
  nodeId: "catalog-1",
  service: "catalog",
  address: "127.0.0.1",
  ports: { http: 41000 },
  labels: { version: "v2" },
};

describe("the Registration service of a running control plane", () => {
  let dataDir: string;
  let plane: RunningControlPlane;
  let client: RegistrationClient;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "weft-registration-grpc-"));
    plane = await startControlPlane({
      xdsListen: "127.0.0.1:0",
      apiListen: "127.0.0.1:0",
      dataDir,
      logger: pino({ level: "silent" }),
    });
    client = new RegistrationClient(plane.xdsAddress, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await plane.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const storedEntry = (name: string) => storedEntryAt(plane.apiAddress, name);

  test("Register writes the node's WorkloadEntry with the registry's annotations, and the same request again changes nothing", async () => {
    const first = await register(client, CATALOG);
    assert.equal(first.nodeId, "catalog-1");
    assert.equal(first.name, "catalog-1");
    assert.equal(first.changed, true);
    const entry = await storedEntry("catalog-1");
    assert.deepEqual(entry?.metadata.annotations, {
      [REGISTERED_BY_ANNOTATION]: "catalog-1",
      [HEALTH_ANNOTATION]: "healthy",
    });
    assert.deepEqual(entry?.spec, {
      address: "127.0.0.1",
      ports: { http: 41000 },
      labels: { app: "catalog", version: "v2" },
    });

    const again = await register(client, CATALOG);
    assert.deepEqual(again, { ...first, changed: false });

    const withPort = await register(client, { ...CATALOG, port: 41001 });
    assert.equal(withPort.changed, true);
    assert.equal((await storedEntry("catalog-1"))?.metadata.annotations[PORT_ANNOTATION], "41001");
    assert.deepEqual(await register(client, { ...CATALOG, port: 41001 }), { ...withPort, changed: false });
    await register(client, CATALOG);

    const unhealthy = await register(client, { ...CATALOG, health: Health.UNHEALTHY });
    assert.equal(unhealthy.changed, true);
    assert.ok(unhealthy.revision > first.revision);
    assert.equal((await storedEntry("catalog-1"))?.metadata.annotations[HEALTH_ANNOTATION], "unhealthy");
  });

  test("Deregister removes the node's entry, and a second Deregister is NOT_FOUND", async () => {
    const registered = await register(client, { ...CATALOG, nodeId: "catalog-2" });
    const removed = await deregister(client, "catalog-2");
    assert.equal(removed.name, registered.name);
    assert.ok(removed.revision > registered.revision);
    assert.equal(await storedEntry(registered.name), undefined);

    const again = await refusal(deregister(client, "catalog-2"));
    assert.equal(again.code, status.NOT_FOUND);
    assert.equal(again.weftCode, ErrorCode.notFound);
  });

  test("a bad registration is INVALID_ARGUMENT with WEFT_INVALID_REGISTRATION naming the field, and writes nothing", async () => {
    const badPort = await refusal(register(client, { ...CATALOG, nodeId: "catalog-3", ports: { http: 70000 } }));
    assert.equal(badPort.code, status.INVALID_ARGUMENT);
    assert.equal(badPort.weftCode, ErrorCode.invalidRegistration);
    assert.match(badPort.details, /^WEFT_INVALID_REGISTRATION: /);
    assert.match(badPort.details, /ports\.http/);

    const otherApp = await refusal(register(client, { ...CATALOG, nodeId: "catalog-3", labels: { app: "pricing" } }));
    assert.equal(otherApp.code, status.INVALID_ARGUMENT);
    assert.equal(otherApp.weftCode, ErrorCode.invalidRegistration);
    assert.match(otherApp.details, /labels\["app"\]/);
    assert.equal(await storedEntry("catalog-3"), undefined);
  });

  test("a missing service, a health value outside the enum and an empty node id are each refused at their field", async () => {
    const noService = await refusal(register(client, { ...CATALOG, nodeId: "catalog-4", service: "" }));
    assert.equal(noService.code, status.INVALID_ARGUMENT);
    assert.match(noService.details, /\bservice\b/);

    const badHealth = await refusal(register(client, { ...CATALOG, nodeId: "catalog-4", health: 7 as Health }));
    assert.equal(badHealth.code, status.INVALID_ARGUMENT);
    assert.equal(badHealth.weftCode, ErrorCode.invalidRegistration);
    assert.match(badHealth.details, /\bhealth\b/);

    const noNode = await refusal(register(client, { ...CATALOG, nodeId: "" }));
    assert.equal(noNode.code, status.INVALID_ARGUMENT);
    assert.equal(noNode.weftCode, ErrorCode.invalidName);
    assert.match(noNode.details, /node_id/);
    assert.equal(await storedEntry("catalog-4"), undefined);
  });

  test("server reflection lists weft.registry.v1.Registration beside the discovery services", async () => {
    const reflect = new reflection.ServerReflectionClient(plane.xdsAddress, credentials.createInsecure());
    try {
      const stream = reflect.serverReflectionInfo();
      const answered = new Promise<reflection.ServerReflectionResponse>((resolve, reject) => {
        stream.once("data", resolve);
        stream.once("error", reject);
      });
      stream.write(reflection.ServerReflectionRequest.fromPartial({ host: "", listServices: "*" }));
      const names = (await answered).listServicesResponse?.service.map((s) => s.name) ?? [];
      stream.end();
      assert.ok(names.includes("weft.registry.v1.Registration"), names.join(", "));
      assert.ok(names.includes("envoy.service.discovery.v3.AggregatedDiscoveryService"));
    } finally {
      reflect.close();
    }
  });
});

describe("the Registration service's statuses for the registry's failures", () => {
  let h: Harness;
  let client: RegistrationClient;
  let failure: WeftError;
  before(async () => {
    const registry: Pick<InstanceRegistry, "register" | "deregister" | "entryOf"> = {
      register: () => Promise.reject(failure),
      deregister: () => Promise.reject(failure),
      entryOf: () => Promise.resolve(undefined),
    };
    h = await startHarness({ services: [registrationService(registry, pino({ level: "silent" }))] });
    client = new RegistrationClient(h.address, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await h.close();
  });

  test("a failing store is UNAVAILABLE with WEFT_STORE_FAILED", async () => {
    failure = new WeftError(ErrorCode.storeFailed, "the store is closed");
    const refused = await refusal(register(client, CATALOG));
    assert.equal(refused.code, status.UNAVAILABLE);
    assert.equal(refused.weftCode, ErrorCode.storeFailed);
  });

  test("every entry name held by others is ABORTED with WEFT_CONFLICT", async () => {
    failure = new WeftError(ErrorCode.conflict, "every name is held");
    const refused = await refusal(register(client, CATALOG));
    assert.equal(refused.code, status.ABORTED);
    assert.equal(refused.weftCode, ErrorCode.conflict);
  });

  test("an unexpected failure is INTERNAL and does not leak its message", async () => {
    failure = new Error("secret detail") as WeftError;
    const refused = await refusal(deregister(client, "catalog-1"));
    assert.equal(refused.code, status.INTERNAL);
    assert.equal(refused.weftCode, ErrorCode.internal);
    assert.doesNotMatch(refused.details, /secret detail/);
  });
});
