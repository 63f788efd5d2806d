// The TLS xDS port of a real control plane (SQLite store, REST API, both xDS ports on 127.0.0.1,
// port 0), called by real gRPC clients with the credentials a sidecar uses
// (data-plane/src/xds-client/control-plane-tls.ts): a workload certificate gets its own node's
// config; one claiming another service's node, none at all, or one from another root is refused
// with its status and WEFT_ code; CreateCertificate still works without a certificate.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type ChannelCredentials,
  type ChannelOptions,
  type ClientDuplexStream,
  credentials,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import pino from "pino";
import { CertificateAuthority, generateKeyAndCsr, spiffeIdOfCertificate } from "../../../control-plane/src/ca/index.js";
import { ErrorCode, WeftError } from "../../../control-plane/src/errors.js";
import { type RunningControlPlane, startControlPlane } from "../../../control-plane/src/main.js";
import { ControlPlaneTrust, type XdsChannel } from "../../../data-plane/src/xds-client/control-plane-tls.js";
import { AggregatedDiscoveryServiceClient } from "../../../proto/gen/envoy/service/discovery/v3/ads.js";
import { DiscoveryRequest, type DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { HealthClient } from "../../../proto/gen/grpc/health/v1/health.js";
import { IstioCertificateServiceClient } from "../../../proto/gen/istio/v1/auth/ca.js";
import { Health, RegistrationClient } from "../../../proto/gen/weft/registry/v1/registration.js";
import { KINDS } from "../../../proto/index.js";
import { refusal } from "../grpc-refusal.js";

const CDS = KINDS.clusters.typeUrl;

let plane: RunningControlPlane;
let dataDir: string;
let rootPem: string;
const clients: { close(): void }[] = [];

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "weft-xds-tls-"));
  plane = await startControlPlane({
    xdsListen: "127.0.0.1:0",
    xdsTlsListen: "127.0.0.1:0",
    apiListen: "127.0.0.1:0",
    dataDir,
    logger: pino({ level: "silent" }),
  });
  const ca = (await (await fetch(`http://${plane.apiAddress}/v1/ca`)).json()) as { rootCertificate: string };
  rootPem = ca.rootCertificate;
});

after(async () => {
  for (const client of clients) client.close();
  await plane.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function tlsAddress(): string {
  assert.ok(plane.xdsTlsAddress !== undefined, "the TLS port is bound");
  return plane.xdsTlsAddress;
}

async function joinToken(service: string): Promise<string> {
  const response = await fetch(`http://${plane.apiAddress}/v1/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ service }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { token: string }).token;
}

/** A certificate for `service` from CreateCertificate on the TLS port, without a client certificate. */
async function workloadCertificate(service: string): Promise<{ chainPem: string; keyPem: string }> {
  const token = await joinToken(service);
  const { keyPem, csrPem } = await generateKeyAndCsr();
  const trust = new ControlPlaneTrust(rootPem);
  const client = track(
    new IstioCertificateServiceClient(
      tlsAddress(),
      trust.serverAuthenticated.credentials,
      trust.serverAuthenticated.options,
    ),
  );
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  const chain = await new Promise<string[]>((resolve, reject) =>
    client.createCertificate({ csr: csrPem, validityDuration: 0 }, metadata, (error, response) =>
      error ? reject(error) : resolve(response?.certChain ?? []),
    ),
  );
  return { chainPem: chain.slice(0, -1).join(""), keyPem };
}

/** The channel a sidecar holding `identity` uses (no identity: server-authenticated only). */
function channelWith(identity?: { chainPem: string; keyPem: string }, root = rootPem): XdsChannel {
  const trust = new ControlPlaneTrust(root);
  if (identity === undefined) return trust.serverAuthenticated;
  trust.setIdentity(identity.chainPem, identity.keyPem);
  return trust.mutual;
}

function track<T extends { close(): void }>(client: T): T {
  clients.push(client);
  return client;
}

/** A sidecar node of `service` as `weft sidecar` describes itself. */
function sidecarNode(id: string, service: string) {
  return {
    id,
    cluster: service,
    metadata: { weft: { role: "sidecar", service, inbound: "127.0.0.1:1", app: "127.0.0.1:2" } },
  };
}

/** The first response of an ADS stream asking for clusters as `node`, or the stream's error. */
function firstResponse(
  channel: { credentials: ChannelCredentials; options: ChannelOptions },
  node: ReturnType<typeof sidecarNode> | { id: string; cluster: string },
): Promise<DiscoveryResponse> {
  const client = track(new AggregatedDiscoveryServiceClient(tlsAddress(), channel.credentials, channel.options));
  const stream: ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> = client.streamAggregatedResources();
  return new Promise<DiscoveryResponse>((resolve, reject) => {
    stream.on("data", (response: DiscoveryResponse) => {
      resolve(response);
      stream.cancel();
    });
    stream.on("error", (error: ServiceError) => {
      if (error.code !== status.CANCELLED) reject(error);
    });
    stream.write(DiscoveryRequest.fromPartial({ node, typeUrl: CDS }));
  });
}

describe("the TLS xDS port", () => {
  test("a sidecar presenting its own workload certificate gets its config", async () => {
    const web = await workloadCertificate("web");
    const response = await firstResponse(channelWith(web), sidecarNode("web-tls-1", "web"));
    assert.equal(response.typeUrl, CDS);
  });

  test("a web certificate claiming a catalog sidecar node is refused PERMISSION_DENIED", async () => {
    const web = await workloadCertificate("web");
    const refused = await refusal(firstResponse(channelWith(web), sidecarNode("catalog-1", "catalog")));
    assert.deepEqual(refused, { code: status.PERMISSION_DENIED, weftCode: ErrorCode.identityMismatch });
  });

  test("a certificate binds a non-sidecar node to its cluster", async () => {
    const web = await workloadCertificate("web");
    const own = await firstResponse(channelWith(web), { id: "edge-1", cluster: "web" });
    assert.equal(own.typeUrl, CDS);
    const refused = await refusal(firstResponse(channelWith(web), { id: "edge-2", cluster: "front" }));
    assert.deepEqual(refused, { code: status.PERMISSION_DENIED, weftCode: ErrorCode.identityMismatch });
  });

  test("a client without a certificate is refused UNAUTHENTICATED on xDS and on registration", async () => {
    const refused = await refusal(firstResponse(channelWith(), sidecarNode("web-anonymous", "web")));
    assert.deepEqual(refused, { code: status.UNAUTHENTICATED, weftCode: ErrorCode.certificateRequired });
    const channel = channelWith();
    const registration = track(new RegistrationClient(tlsAddress(), channel.credentials, channel.options));
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${await joinToken("web")}`);
    const registered = await refusal(
      new Promise((resolve, reject) =>
        registration.register(
          {
            nodeId: "web-anonymous",
            service: "web",
            address: "127.0.0.1",
            ports: {},
            port: 8080,
            labels: {},
            health: Health.HEALTHY,
          },
          metadata,
          (error, response) => (error ? reject(error) : resolve(response)),
        ),
      ),
    );
    assert.deepEqual(registered, { code: status.UNAUTHENTICATED, weftCode: ErrorCode.certificateRequired });
  });

  test("a client without a certificate gets its first one with a join token, and health answers", async () => {
    const web = await workloadCertificate("web");
    assert.equal(spiffeIdOfCertificate(web.chainPem), "spiffe://weft.local/service/web");
    const channel = channelWith();
    const health = track(new HealthClient(tlsAddress(), channel.credentials, channel.options));
    const answer = await new Promise<{ status: number }>((resolve, reject) =>
      health.check({ service: "" }, (error, response) => (error ? reject(error) : resolve(response))),
    );
    assert.equal(answer.status, 1, "SERVING");
  });

  test("a client certificate from another root counts as none: UNAUTHENTICATED", async () => {
    const other = await CertificateAuthority.generate({ trustDomain: "weft.local" });
    const { keyPem, csrPem } = await generateKeyAndCsr();
    const issued = await other.sign({ csrPem, service: "web" });
    const refused = await refusal(
      firstResponse(channelWith({ chainPem: issued.chainPem, keyPem }), sidecarNode("web-other-root", "web")),
    );
    assert.deepEqual(refused, { code: status.UNAUTHENTICATED, weftCode: ErrorCode.certificateRequired });
  });

  test("a certificate registers its own service only: catalog with a web certificate is PERMISSION_DENIED", async () => {
    const channel = channelWith(await workloadCertificate("web"));
    const registration = track(new RegistrationClient(tlsAddress(), channel.credentials, channel.options));
    const register = (nodeId: string, service: string) =>
      new Promise((resolve, reject) =>
        registration.register(
          { nodeId, service, address: "127.0.0.1", ports: {}, port: 8080, labels: {}, health: Health.HEALTHY },
          (error, response) => (error ? reject(error) : resolve(response)),
        ),
      );
    await register("web-registered", "web");
    const refused = await refusal(register("catalog-registered", "catalog"));
    assert.deepEqual(refused, { code: status.PERMISSION_DENIED, weftCode: ErrorCode.identityMismatch });
  });

  test("a client that does not trust the mesh root cannot connect", async () => {
    const other = await CertificateAuthority.generate({ trustDomain: "weft.local" });
    const refused = await refusal(
      firstResponse(channelWith(undefined, other.trustBundlePem()), { id: "x", cluster: "web" }),
    );
    assert.equal(refused.code, status.UNAVAILABLE);
  });

  test("the plaintext port still serves a client without a certificate", async () => {
    const client = track(new AggregatedDiscoveryServiceClient(plane.xdsAddress, credentials.createInsecure()));
    const stream = client.streamAggregatedResources();
    const response = await new Promise<DiscoveryResponse>((resolve, reject) => {
      stream.on("data", (r: DiscoveryResponse) => {
        resolve(r);
        stream.cancel();
      });
      stream.on("error", (error: ServiceError) => {
        if (error.code !== status.CANCELLED) reject(error);
      });
      stream.write(DiscoveryRequest.fromPartial({ node: sidecarNode("catalog-plain", "catalog"), typeUrl: CDS }));
    });
    assert.equal(response.typeUrl, CDS);
  });
});

describe("the plaintext xDS port beyond loopback", () => {
  test("is refused at start without xdsPlaintext (WEFT_INSECURE_LISTEN)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-xds-plain-"));
    try {
      await assert.rejects(
        startControlPlane({
          xdsListen: "0.0.0.0:0",
          apiListen: "127.0.0.1:0",
          dataDir: dir,
          logger: pino({ level: "silent" }),
        }),
        (error: unknown) => error instanceof WeftError && error.code === ErrorCode.insecureListen,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
