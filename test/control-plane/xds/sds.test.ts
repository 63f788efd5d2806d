// The Secret type over real gRPC streams: ADS and SecretDiscoveryService (SotW and delta) serve
// the mesh's trust bundle as ROOTCA to a subscription naming it, never `default`, never to a
// wildcard, and a new root reaches a proxy reconnecting with the old one. A test name starting
// `item N:` checks docs/xds-protocol.md #N.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { CertificateAuthority } from "../../../control-plane/src/ca/index.js";
import { nodeScopedViews } from "../../../control-plane/src/snapshot/node-scope.js";
import { Secret } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret.js";
import type { Resource } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { service, workloadEntry } from "../mesh/mesh-documents.js";
import { fetch, putMesh } from "../snapshot/mesh-view-client.js";
import {
  CDS,
  cluster,
  DeltaClient,
  deltaNames,
  deltaRequest,
  type Harness,
  request,
  SDS,
  startHarness,
  typeStatusReaches,
} from "./harness.js";

const secretsOf = (anys: readonly { value: Uint8Array }[]) => anys.map((any) => Secret.decode(any.value));
const rootOf = (secret: Secret | undefined) =>
  Buffer.from(secret?.validationContext?.trustedCa?.inlineBytes ?? new Uint8Array()).toString();

async function meshRoot(trustDomain = "weft.local"): Promise<string> {
  return (await CertificateAuthority.generate({ trustDomain })).trustBundlePem();
}

describe("SDS: the trust bundle over ADS and SecretDiscoveryService", () => {
  let h: Harness;
  let rootPem: string;
  before(async () => {
    rootPem = await meshRoot();
    h = await startHarness({ secrets: { trustBundlePem: rootPem } });
    await h.put(["clusters", cluster("a")]);
  });
  after(() => h.close());

  test("item 52: ADS subscribing to ROOTCA by name gets the mesh root as validation_context.trusted_ca", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "sds-ads" }, typeUrl: SDS, resourceNames: ["ROOTCA"] }));
    const r = await s.next();
    assert.equal(r.typeUrl, SDS);
    assert.ok(r.resources.every((any) => any.typeUrl === SDS));
    const [secret, ...rest] = secretsOf(r.resources);
    assert.equal(rest.length, 0);
    assert.equal(secret?.name, "ROOTCA");
    assert.equal(secret?.tlsCertificate, undefined, "no certificate, no key");
    assert.equal(rootOf(secret), rootPem);
    s.send(request({ typeUrl: SDS, resourceNames: ["ROOTCA"], versionInfo: r.versionInfo, responseNonce: r.nonce }));
    await typeStatusReaches(h, "sds-ads", SDS, (t) => t.state === "SYNCED", "the Secret type SYNCED");
    const status = h.status.proxies().find((p) => p.nodeId === "sds-ads")?.types[SDS];
    assert.deepEqual(status?.subscribed, ["ROOTCA"]);
    assert.equal(status?.versionAcked, r.versionInfo);
    assert.ok(await s.silent(), "item 5: the ACK is not answered");
  });

  test("item 52: StreamSecrets implies the Secret type_url and serves ROOTCA", async () => {
    const s = h.sds();
    s.send(request({ node: { id: "sds-stream" }, typeUrl: "", resourceNames: ["ROOTCA"] }));
    const r = await s.next();
    assert.equal(r.typeUrl, SDS);
    assert.notEqual(r.nonce, "");
    assert.equal(rootOf(secretsOf(r.resources)[0]), rootPem);
  });

  test("item 38: StreamSecrets ends the stream with INVALID_ARGUMENT when a request names another type", async () => {
    const s = h.sds();
    s.send(request({ node: { id: "sds-wrong" }, typeUrl: CDS }));
    assert.equal((await s.failure()).code, GrpcStatus.INVALID_ARGUMENT);
  });

  test("item 52: DeltaSecrets sends ROOTCA and names `default` in removed_resources: the workload key is never served", async () => {
    const client = new DeltaClient(h.deltaSds(), { request: "", response: SDS }, { id: "sds-delta" });
    client.subscribe(["ROOTCA", "default"]);
    const r = await client.nextAcked();
    assert.deepEqual(deltaNames(r), ["ROOTCA"]);
    assert.deepEqual(r.removedResources, ["default"]);
    const resource = r.resources[0] as Resource;
    assert.equal(rootOf(Secret.decode(resource.resource?.value ?? new Uint8Array())), rootPem);
    assert.notEqual(resource.version, "");
  });

  test("item 52: a SotW subscription naming only `default` is answered with no resource", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "sds-default" }, typeUrl: SDS, resourceNames: ["default"] }));
    const r = await s.next();
    assert.deepEqual(secretsOf(r.resources), [], "the workload key is never served");
    s.send(request({ typeUrl: SDS, resourceNames: ["default"], versionInfo: r.versionInfo, responseNonce: r.nonce }));
    assert.ok(await s.silent());
    s.cancel();
  });

  test("item 52: a wildcard subscription to secrets, legacy or `*`, is sent no secret", async () => {
    for (const resourceNames of [[], ["*"]]) {
      const s = h.ads();
      s.send(request({ node: { id: `sds-wildcard-${resourceNames.length}` }, typeUrl: SDS, resourceNames }));
      if (!(await s.silent())) assert.deepEqual(secretsOf((await s.next()).resources), []);
      s.cancel();
    }
    const client = new DeltaClient(h.deltaAds(), { request: SDS, response: SDS }, { id: "sds-delta-wildcard" });
    client.subscribe(["*"]);
    if (!(await client.silent())) assert.deepEqual(deltaNames(await client.next()), []);
  });
});

describe("SDS: a new root reaches a proxy that reconnects", () => {
  test("item 39: a client reconnecting with another CA's root version is sent this one; with this one, nothing", async () => {
    const [oldRoot, newRoot] = [await meshRoot(), await meshRoot()];
    const before = await startHarness({ secrets: { trustBundlePem: oldRoot } });
    const now = await startHarness({ secrets: { trustBundlePem: newRoot } });
    try {
      const first = before.ads();
      first.send(request({ node: { id: "rotating" }, typeUrl: SDS, resourceNames: ["ROOTCA"] }));
      const held = await first.next();
      assert.equal(rootOf(secretsOf(held.resources)[0]), oldRoot);

      const again = now.ads();
      again.send(
        request({ node: { id: "rotating" }, typeUrl: SDS, resourceNames: ["ROOTCA"], versionInfo: held.versionInfo }),
      );
      const pushed = await again.next();
      assert.notEqual(pushed.versionInfo, held.versionInfo);
      assert.equal(rootOf(secretsOf(pushed.resources)[0]), newRoot);

      const current = now.ads();
      current.send(
        request({ node: { id: "current" }, typeUrl: SDS, resourceNames: ["ROOTCA"], versionInfo: pushed.versionInfo }),
      );
      assert.ok(await current.silent(), "a client holding the current root is sent nothing");
    } finally {
      await before.close();
      await now.close();
    }
  });
});

describe("SDS through node-scoped views", () => {
  let h: Harness;
  let rootPem: string;
  before(async () => {
    rootPem = await meshRoot();
    h = await startHarness({ view: nodeScopedViews(), secrets: { trustBundlePem: rootPem } });
    const entry = workloadEntry("pricing-1", { app: "pricing" });
    await putMesh(
      h,
      ["services", service("pricing", [{ name: "grpc", port: 9090, appProtocol: "grpc" }])],
      [
        "workloadentries",
        { ...entry, spec: { address: "10.0.1.1", ports: { grpc: 50051 }, labels: { app: "pricing" } } },
      ],
    );
  });
  after(() => h.close());

  const nodes = {
    "a sidecar": {
      id: "web-1",
      cluster: "web",
      metadata: { weft: { role: "sidecar", service: "web", inbound: "127.0.0.1:18001", app: "127.0.0.1:18000" } },
    },
    "a proxy or gRPC client beside proxyless resources": { id: "grpc-client-1", cluster: "shop" },
  };
  for (const [what, node] of Object.entries(nodes)) {
    test(`item 52: ${what} is served ROOTCA by name, and no secret by wildcard`, async () => {
      const named = await fetch(h, node, SDS, ["ROOTCA"]);
      assert.equal(rootOf(secretsOf(named.resources)[0]), rootPem);
      const s = h.deltaAds();
      s.send(deltaRequest({ node, typeUrl: SDS, resourceNamesSubscribe: ["ROOTCA", "default"] }));
      const r = await s.next();
      assert.deepEqual(deltaNames(r), ["ROOTCA"]);
      assert.deepEqual(r.removedResources, ["default"]);
      s.cancel();
    });
  }
});
