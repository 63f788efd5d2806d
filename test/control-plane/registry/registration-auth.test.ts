// Registering on the xDS port with join tokens, against a real control plane on 127.0.0.1: a token
// registers instances of its own service only and cannot take over another service's node; with
// --registration-auth required a call without a token is refused; without it, a token sent is
// still checked.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { credentials, Metadata, status } from "@grpc/grpc-js";
import pino from "pino";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { type RunningControlPlane, startControlPlane } from "../../../control-plane/src/main.js";
import {
  type RegisterRequest,
  type RegisterResponse,
  RegistrationClient,
} from "../../../proto/gen/weft/registry/v1/registration.js";
import { refusal } from "../grpc-refusal.js";

interface Plane {
  readonly plane: RunningControlPlane;
  readonly client: RegistrationClient;
  token(service: string): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

async function startPlane(registrationAuth: "optional" | "required"): Promise<Plane> {
  const dataDir = mkdtempSync(join(tmpdir(), "weft-registration-auth-"));
  const plane = await startControlPlane({
    xdsListen: "127.0.0.1:0",
    apiListen: "127.0.0.1:0",
    dataDir,
    registrationAuth,
    logger: pino({ level: "silent" }),
  });
  const client = new RegistrationClient(plane.xdsAddress, credentials.createInsecure());
  return {
    plane,
    client,
    token: async (service) => {
      const response = await fetch(`http://${plane.apiAddress}/v1/tokens`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ service }),
      });
      assert.equal(response.status, 201);
      return (await response.json()) as { id: string; token: string };
    },
    close: async () => {
      client.close();
      await plane.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function metadataWith(token: string | undefined): Metadata {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

function register(p: Plane, nodeId: string, service: string, token?: string): Promise<RegisterResponse> {
  const request: RegisterRequest = {
    nodeId,
    service,
    address: "127.0.0.1",
    ports: { http: 41000 },
    labels: {},
    health: 0,
    port: 0,
  };
  return new Promise((resolve, reject) => {
    p.client.register(request, metadataWith(token), (error, response) =>
      error ? reject(error) : resolve(response as RegisterResponse),
    );
  });
}

function deregister(p: Plane, nodeId: string, token?: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    p.client.deregister({ nodeId }, metadataWith(token), (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

const FORBIDDEN = { code: status.PERMISSION_DENIED, weftCode: ErrorCode.forbidden };

describe("registration with --registration-auth required", () => {
  let p: Plane;
  before(async () => {
    p = await startPlane("required");
  });
  after(() => p.close());

  test("a token registers and deregisters its own service's instance; no token or a bad one is UNAUTHENTICATED", async () => {
    const { token } = await p.token("web");
    assert.equal((await register(p, "web-1", "web", token)).name, "web-1");
    assert.deepEqual(await refusal(register(p, "web-2", "web")), {
      code: status.UNAUTHENTICATED,
      weftCode: ErrorCode.unauthorized,
    });
    assert.deepEqual(await refusal(register(p, "web-2", "web", "weft.000000000000.nope")), {
      code: status.UNAUTHENTICATED,
      weftCode: ErrorCode.tokenInvalid,
    });
    assert.deepEqual(await refusal(deregister(p, "web-1")), {
      code: status.UNAUTHENTICATED,
      weftCode: ErrorCode.unauthorized,
    });
    await deregister(p, "web-1", token);
  });

  test("a token for web can neither register catalog nor claim or remove catalog's node", async () => {
    const web = (await p.token("web")).token;
    const catalog = (await p.token("catalog")).token;
    await register(p, "catalog-1", "catalog", catalog);
    assert.deepEqual(await refusal(register(p, "catalog-2", "catalog", web)), FORBIDDEN);
    assert.deepEqual(await refusal(register(p, "catalog-1", "web", web)), FORBIDDEN, "catalog's node");
    assert.deepEqual(await refusal(deregister(p, "catalog-1", web)), FORBIDDEN);
    const entries = (await (await fetch(`http://${p.plane.apiAddress}/v1/resources/workloadentries`)).json()) as {
      items: { name: string; resource: { spec: { labels: Record<string, string> } } }[];
    };
    assert.equal(entries.items.find((e) => e.name === "catalog-1")?.resource.spec.labels.app, "catalog");
    assert.equal(
      entries.items.find((e) => e.name === "catalog-2"),
      undefined,
    );
  });

  test("a revoked token registers nothing", async () => {
    const { id, token } = await p.token("web");
    assert.equal((await fetch(`http://${p.plane.apiAddress}/v1/tokens/${id}`, { method: "DELETE" })).status, 200);
    assert.deepEqual(await refusal(register(p, "web-9", "web", token)), {
      code: status.UNAUTHENTICATED,
      weftCode: ErrorCode.tokenInvalid,
    });
  });
});

describe("registration with --registration-auth optional (the default)", () => {
  let p: Plane;
  before(async () => {
    p = await startPlane("optional");
  });
  after(() => p.close());

  test("a call without a token registers as before; a token sent is still checked", async () => {
    assert.equal((await register(p, "web-1", "web")).name, "web-1");
    const web = (await p.token("web")).token;
    assert.deepEqual(await refusal(register(p, "catalog-1", "catalog", web)), FORBIDDEN);
    assert.deepEqual(await refusal(register(p, "web-2", "web", "weft.000000000000.nope")), {
      code: status.UNAUTHENTICATED,
      weftCode: ErrorCode.tokenInvalid,
    });
  });
});
