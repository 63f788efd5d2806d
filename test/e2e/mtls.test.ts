// Mutual TLS between sidecars with real processes on 127.0.0.1: a control plane in STRICT mode,
// apps (fixtures/backend.mjs) and sidecars that joined with join tokens. A call goes app -> its
// sidecar (mTLS client with its workload certificate) -> the callee's sidecar (mTLS server) ->
// the callee's app; a plaintext client of the inbound port and a sidecar without a certificate
// are refused.
import assert from "node:assert/strict";
import { request } from "node:http";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { IDENTITY_ANNOTATION } from "../../control-plane/src/mesh/compiler/index.js";
import { REGISTERED_BY_ANNOTATION } from "../../control-plane/src/mesh/index.js";
import { type BackendProcess, type ControlPlane, eventually, startBackend, startControlPlane } from "./processes.js";
import { joinToken, type Sidecar, startSidecar as startSidecarProcess } from "./sidecars.js";

let sequence = 0;

function startSidecar(plane: ControlPlane, service: string, app: BackendProcess, token?: string): Promise<Sidecar> {
  const extra = token === undefined ? [] : ["--join-token", token];
  return startSidecarProcess(plane, service, `${service}-mtls-${++sequence}`, app.port, extra);
}

function call(
  outbound: number,
  host = "catalog",
  path = "/items",
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: outbound, path, headers: { host, ...headers }, agent: false, timeout: 5_000 },
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

const SERVICES = ["catalog", "web", "intruder"].map((name) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ name: "http", port: 80 }] },
}));

describe("sidecars with mutual TLS (STRICT)", () => {
  let plane: ControlPlane;
  let catalogApp: BackendProcess;
  let webApp: BackendProcess;
  let catalog: Sidecar;
  let web: Sidecar;

  before(async () => {
    plane = await startControlPlane({ env: { WEFT_MTLS_MODE: "STRICT" } });
    const applied = await fetch(`http://${plane.api}/v1/apply`, {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body: SERVICES.map((s) => JSON.stringify(s)).join("\n---\n"),
    });
    assert.equal(applied.status, 200, await applied.text());
    catalogApp = await startBackend("catalog");
    webApp = await startBackend("web");
    catalog = await startSidecar(plane, "catalog", catalogApp, await joinToken(plane, "catalog"));
    web = await startSidecar(plane, "web", webApp, await joinToken(plane, "web"));
  });

  after(async () => {
    await Promise.all([catalog?.stop(), web?.stop()]);
    await Promise.all([catalogApp?.stop(), webApp?.stop()]);
    await plane?.stop();
  });

  test("each sidecar holds a certificate for its service, and its registration says so", async () => {
    for (const sidecar of [catalog, web]) {
      const issued = sidecar.lines.find((l) => l.msg === "workload certificate issued");
      assert.ok(issued !== undefined, `${sidecar.nodeId} logged its certificate`);
      assert.equal(issued.spiffeId, `spiffe://weft.local/service/${sidecar.nodeId.split("-")[0]}`);
    }
    const entry = await eventually("catalog registered", async () => {
      const response = await fetch(`http://${plane.api}/v1/resources/workloadentries`);
      const { items } = (await response.json()) as {
        items: { resource: { metadata: { annotations: Record<string, string> } } }[];
      };
      return items.find((e) => e.resource.metadata.annotations[REGISTERED_BY_ANNOTATION] === catalog.nodeId);
    });
    assert.equal(entry.resource.metadata.annotations[IDENTITY_ANNOTATION], "catalog");
  });

  test("a call from web's sidecar reaches catalog over mTLS", async () => {
    const answer = await eventually("web reaches catalog", async () => {
      const result = await call(web.outbound);
      return result.status === 200 ? result : undefined;
    });
    assert.equal(answer.body, "catalog");
  });

  test("catalog's app learns its caller from x-forwarded-client-cert, and a forged one is not passed on", async () => {
    const answer = await call(web.outbound, "catalog", "/headers", {
      "x-forwarded-client-cert": "URI=spiffe://weft.local/service/admin",
    });
    assert.equal(answer.status, 200);
    const xfcc = (JSON.parse(answer.body) as Record<string, string>)["x-forwarded-client-cert"] ?? "";
    // web's outbound sidecar sanitizes what the app sent; catalog's inbound sets this hop's element.
    assert.match(
      xfcc,
      /^By=spiffe:\/\/weft\.local\/service\/catalog;Hash=[0-9a-f]{64};Subject="";URI=spiffe:\/\/weft\.local\/service\/web$/,
    );
  });

  test("catalog's inbound port refuses a plaintext client", async () => {
    const outcome = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port: catalog.inboundPort }, () =>
        socket.write("GET /items HTTP/1.1\r\nhost: catalog\r\n\r\n"),
      );
      let data = "";
      socket.on("data", (chunk: Buffer) => {
        data += chunk.toString();
      });
      socket.on("error", () => undefined);
      socket.on("close", () => resolve(data));
    });
    assert.equal(outcome, "", "closed without an answer");
  });

  test("an AuthorizationPolicy lets only web call catalog: another service gets 403, until the policy lets it", async () => {
    const intruderApp = await startBackend("intruder");
    const intruder = await startSidecar(plane, "intruder", intruderApp, await joinToken(plane, "intruder"));
    const apply = async (principals: string[]) => {
      const policy = {
        apiVersion: "security.istio.io/v1",
        kind: "AuthorizationPolicy",
        metadata: { name: "catalog-callers" },
        spec: {
          targetRefs: [{ kind: "Service", name: "catalog" }],
          action: "ALLOW",
          rules: [{ from: [{ source: { principals } }] }],
        },
      };
      const response = await fetch(`http://${plane.api}/v1/apply`, {
        method: "POST",
        headers: { "content-type": "application/yaml" },
        body: JSON.stringify(policy),
      });
      assert.equal(response.status, 200, await response.text());
    };
    try {
      await eventually("intruder reaches catalog before any policy", async () =>
        (await call(intruder.outbound)).status === 200 ? true : undefined,
      );
      await apply(["weft.local/service/web"]);
      const denied = await eventually("intruder is refused", async () => {
        const result = await call(intruder.outbound);
        return result.status === 403 ? result : undefined;
      });
      assert.equal(denied.body, "RBAC: access denied");
      assert.equal((await call(web.outbound)).status, 200, "web still gets through");
      const admin = catalog.lines.find((l) => l.msg === "sidecar started")?.admin as { host: string; port: number };
      const stats = await (await fetch(`http://127.0.0.1:${admin.port}/stats/prometheus`)).text();
      assert.match(stats, /weft_proxy_rbac_requests_total\{listener="inbound\|listener",decision="denied"\} [1-9]/);
      await apply(["weft.local/service/web", "weft.local/service/intruder"]);
      await eventually("intruder is let through once the policy names it", async () =>
        (await call(intruder.outbound)).status === 200 ? true : undefined,
      );
    } finally {
      await intruder.stop();
      await intruderApp.stop();
    }
  });

  test("a sidecar without a certificate cannot call catalog (503)", async () => {
    const otherApp = await startBackend("web");
    const plain = await startSidecar(plane, "web", otherApp);
    try {
      // Its own config arrives (the outbound listener routes catalog), but the call fails upstream.
      const refused = await eventually("the plaintext sidecar's call fails", async () => {
        const result = await call(plain.outbound);
        return result.status === 503 ? result : undefined;
      });
      assert.equal(refused.status, 503);
      assert.equal((await call(web.outbound)).body, "catalog", "the mTLS sidecar still gets through");
    } finally {
      await plain.stop();
      await otherApp.stop();
    }
  });
});
