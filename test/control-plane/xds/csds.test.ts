// envoy.service.status.v3.ClientStatusDiscoveryService over real gRPC: the control plane's view of
// each connected client, per resource (docs/xds-protocol.md #49-51), filtered by node_matchers.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route.js";
import {
  type DeltaDiscoveryResponse,
  DiscoveryRequest,
  type DiscoveryResponse,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import {
  type ClientConfig,
  type ClientConfig_GenericXdsConfig,
  ClientStatusRequest,
  type ClientStatusResponse,
  ConfigStatus,
} from "../../../proto/gen/envoy/service/status/v3/csds.js";
import type { NodeMatcher } from "../../../proto/gen/envoy/type/matcher/v3/node.js";
import {
  CDS,
  cluster,
  DeltaClient,
  EDS,
  type Harness,
  RDS,
  request,
  routeConfig,
  seedMesh,
  startHarness,
} from "./harness.js";

const followUp = (fields: Partial<DiscoveryRequest>): DiscoveryRequest =>
  DiscoveryRequest.fromPartial({ ...fields, node: undefined } as DiscoveryRequest);

const PROD = { env: "prod", canary: true, team: { name: "web" } };
const DEV = { env: "dev", team: { name: "db" } };

describe("CSDS", () => {
  let h: Harness;
  /** Responses the clients received, for the versions CSDS must report. */
  let prodClusters: DiscoveryResponse;
  let prodRoutes: DiscoveryResponse;
  let devRoutesAcked: DiscoveryResponse;
  let devRoutesRejected: DiscoveryResponse;
  let deltaAssignments: DeltaDiscoveryResponse;

  const fetch = (fields: Partial<ClientStatusRequest> = {}) =>
    new Promise<ClientStatusResponse>((resolve, reject) =>
      h.csds.fetchClientStatus(ClientStatusRequest.fromPartial(fields as ClientStatusRequest), (error, response) =>
        error || !response ? reject(error) : resolve(response),
      ),
    );
  const ids = (response: ClientStatusResponse) => response.config.map((c) => c.node?.id ?? "").sort();
  const configOf = (response: ClientStatusResponse, nodeId: string): ClientConfig | undefined =>
    response.config.find((c) => c.node?.id === nodeId);
  const entry = (config: ClientConfig | undefined, typeUrl: string, name: string) =>
    config?.genericXdsConfigs.find((g) => g.typeUrl === typeUrl && g.name === name);
  const byNodeId = (matcher: NodeMatcher["nodeId"]): NodeMatcher => ({ nodeId: matcher, nodeMetadatas: [] });
  const byMetadata = (...nodeMetadatas: NodeMatcher["nodeMetadatas"]): NodeMatcher => ({ nodeMetadatas });
  const path = (...keys: string[]) => keys.map((key) => ({ key }));

  before(async () => {
    h = await startHarness();
    await seedMesh(h, { listener: false });

    // csds-prod: clusters by wildcard, acknowledged; routes r1 and "ghost" sent, not yet answered.
    const prod = h.ads();
    prod.send(request({ node: { id: "csds-prod", cluster: "edge", metadata: PROD }, typeUrl: CDS }));
    prodClusters = await prod.next();
    prod.send(followUp({ typeUrl: CDS, versionInfo: prodClusters.versionInfo, responseNonce: prodClusters.nonce }));
    prod.send(followUp({ typeUrl: RDS, resourceNames: ["r1", "ghost"] }));
    prodRoutes = await prod.next();

    // csds-dev: r1 and r2 acknowledged, then an update of r2 NACKed.
    const dev = h.ads();
    dev.send(
      request({ node: { id: "csds-dev", cluster: "edge", metadata: DEV }, typeUrl: RDS, resourceNames: ["r1", "r2"] }),
    );
    devRoutesAcked = await dev.next();
    const ack = (r: DiscoveryResponse) =>
      followUp({ typeUrl: RDS, resourceNames: ["r1", "r2"], versionInfo: r.versionInfo, responseNonce: r.nonce });
    dev.send(ack(devRoutesAcked));
    await h.until(
      () => h.status.proxies().some((p) => p.nodeId === "csds-dev" && p.types[RDS]?.state === "SYNCED"),
      "csds-dev's RDS SYNCED",
    );
    await h.put(["routes", routeConfig("r2", "a")]);
    devRoutesRejected = await dev.next();
    dev.send(
      followUp({
        typeUrl: RDS,
        resourceNames: ["r1", "r2"],
        versionInfo: devRoutesAcked.versionInfo,
        responseNonce: devRoutesRejected.nonce,
        errorDetail: { code: 3, message: "r2 rejected", details: [] },
      }),
    );

    // other-delta: a delta client with one endpoint assignment, acknowledged.
    const delta = new DeltaClient(h.deltaAds(), { request: EDS, response: EDS }, { id: "other-delta" });
    delta.subscribe(["a"]);
    deltaAssignments = await delta.nextAcked();

    await h.until(() => {
      const types = Object.fromEntries(h.status.proxies().map((p) => [p.nodeId, p.types]));
      return (
        types["csds-prod"]?.[CDS]?.state === "SYNCED" &&
        types["csds-dev"]?.[RDS]?.state === "NACKED" &&
        types["other-delta"]?.[EDS]?.state === "SYNCED"
      );
    }, "csds-prod's CDS SYNCED, csds-dev's RDS NACKED and other-delta's EDS SYNCED");
  });
  after(() => h.close());

  test("item 50: FetchClientStatus returns one ClientConfig per connected client, with the node it sent", async () => {
    const response = await fetch();
    assert.deepEqual(ids(response), ["csds-dev", "csds-prod", "other-delta"]);
    const prod = configOf(response, "csds-prod");
    assert.equal(prod?.node?.cluster, "edge");
    assert.deepEqual(prod?.node?.metadata, PROD);
  });

  test("item 51: an acknowledged resource is SYNCED at the version sent, with its config", async () => {
    const prod = configOf(await fetch(), "csds-prod");
    for (const name of ["a", "b"]) {
      const a = entry(prod, CDS, name);
      assert.equal(a?.configStatus, ConfigStatus.SYNCED);
      assert.equal(a?.xdsConfig?.typeUrl, CDS);
      assert.equal(Cluster.decode(a?.xdsConfig?.value ?? new Uint8Array()).name, name);
      assert.notEqual(a?.versionInfo, "");
    }
    const delta = configOf(await fetch(), "other-delta");
    assert.equal(entry(delta, EDS, "a")?.configStatus, ConfigStatus.SYNCED);
  });

  test("item 51: a resource sent and not yet answered is STALE; a requested name never sent is NOT_SENT", async () => {
    const prod = configOf(await fetch(), "csds-prod");
    const r1 = entry(prod, RDS, "r1");
    assert.equal(r1?.configStatus, ConfigStatus.STALE);
    assert.equal(RouteConfiguration.decode(r1?.xdsConfig?.value ?? new Uint8Array()).name, "r1");
    const ghost = entry(prod, RDS, "ghost");
    assert.equal(ghost?.configStatus, ConfigStatus.NOT_SENT);
    assert.equal(ghost?.xdsConfig, undefined);
    assert.ok(prodRoutes.resources.length === 1);
  });

  test("item 51: a NACKed resource is ERROR with the rejected version and config; the rest stays SYNCED", async () => {
    const dev = configOf(await fetch(), "csds-dev");
    const r1 = entry(dev, RDS, "r1");
    assert.equal(r1?.configStatus, ConfigStatus.SYNCED);
    const r2 = entry(dev, RDS, "r2");
    assert.equal(r2?.configStatus, ConfigStatus.ERROR);
    const rejected = RouteConfiguration.decode(r2?.xdsConfig?.value ?? new Uint8Array());
    assert.equal(rejected.virtualHosts[0]?.routes[0]?.route?.cluster, "a", "the dump holds the rejected config");
    assert.ok(devRoutesRejected.resources.length === 1);
  });

  test("item 51: a NACKed first wildcard response reports each rejected resource as ERROR", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "csds-first-nack" }, typeUrl: CDS }));
    const r = await s.next();
    s.send(followUp({ typeUrl: CDS, responseNonce: r.nonce, errorDetail: { code: 3, message: "no", details: [] } }));
    await h.until(
      () => h.status.proxies().some((p) => p.nodeId === "csds-first-nack" && p.types[CDS]?.state === "NACKED"),
      "csds-first-nack's CDS NACKED",
    );
    const config = configOf(await fetch(), "csds-first-nack");
    assert.deepEqual(config?.genericXdsConfigs.map((g) => [g.name, g.configStatus]).sort(), [
      ["a", ConfigStatus.ERROR],
      ["b", ConfigStatus.ERROR],
    ]);
    s.cancel();
    await h.until(
      () => !h.status.proxies().some((p) => p.nodeId === "csds-first-nack"),
      "csds-first-nack to disconnect",
    );
  });

  test("item 51: on a delta stream a NACKed resource is ERROR until a newer version is accepted", async () => {
    await h.put(["clusters", cluster("d-x")]);
    const d = new DeltaClient(h.deltaAds(), { request: CDS, response: CDS }, { id: "csds-delta-nack" });
    d.subscribe(["d-x"]);
    d.nack(await d.next(), "d-x rejected");
    const statusOf = async () => entry(configOf(await fetch(), "csds-delta-nack"), CDS, "d-x");
    await h.until(
      () => h.status.proxies().some((p) => p.nodeId === "csds-delta-nack" && p.types[CDS]?.state === "NACKED"),
      "csds-delta-nack's CDS NACKED",
    );
    assert.equal((await statusOf())?.configStatus, ConfigStatus.ERROR);
    await h.put(["clusters", cluster("d-x", { connect_timeout: "4s" })]);
    const fixed = await d.next();
    assert.equal((await statusOf())?.configStatus, ConfigStatus.STALE, "the newer version is in flight");
    d.ack(fixed);
    await h.until(
      () => h.status.proxies().some((p) => p.nodeId === "csds-delta-nack" && p.types[CDS]?.state === "SYNCED"),
      "csds-delta-nack's CDS SYNCED",
    );
    const synced = await statusOf();
    assert.equal(synced?.configStatus, ConfigStatus.SYNCED);
    assert.equal(synced?.versionInfo, fixed.resources[0]?.version);
    d.cancel();
    await h.until(
      () => !h.status.proxies().some((p) => p.nodeId === "csds-delta-nack"),
      "csds-delta-nack to disconnect",
    );
  });

  test("exclude_resource_contents leaves xds_config out and keeps everything else", async () => {
    const full = await fetch();
    const bare = await fetch({ excludeResourceContents: true });
    const strip = (g: ClientConfig_GenericXdsConfig) => ({ ...g, xdsConfig: undefined });
    for (const config of bare.config) {
      for (const g of config.genericXdsConfigs) assert.equal(g.xdsConfig, undefined);
      const same = configOf(full, config.node?.id ?? "");
      assert.deepEqual(config.genericXdsConfigs, same?.genericXdsConfigs.map(strip));
    }
  });

  test("item 50: node_matchers select by node id, exact or by prefix", async () => {
    assert.deepEqual(ids(await fetch({ nodeMatchers: [byNodeId({ exact: "csds-prod", ignoreCase: false })] })), [
      "csds-prod",
    ]);
    assert.deepEqual(ids(await fetch({ nodeMatchers: [byNodeId({ prefix: "csds-", ignoreCase: false })] })), [
      "csds-dev",
      "csds-prod",
    ]);
    assert.deepEqual(ids(await fetch({ nodeMatchers: [byNodeId({ exact: "CSDS-PROD", ignoreCase: true })] })), [
      "csds-prod",
    ]);
    assert.deepEqual(ids(await fetch({ nodeMatchers: [byNodeId({ exact: "nobody", ignoreCase: false })] })), []);
  });

  test("item 50: node_metadatas match a value at a path: string, bool, presence, nested", async () => {
    const one = async (...m: NodeMatcher["nodeMetadatas"]) => ids(await fetch({ nodeMatchers: [byMetadata(...m)] }));
    assert.deepEqual(await one({ path: path("env"), value: { stringMatch: { exact: "prod", ignoreCase: false } } }), [
      "csds-prod",
    ]);
    assert.deepEqual(await one({ path: path("canary"), value: { boolMatch: true } }), ["csds-prod"]);
    assert.deepEqual(await one({ path: path("canary"), value: { presentMatch: true } }), ["csds-prod"]);
    assert.deepEqual(
      await one({ path: path("team", "name"), value: { stringMatch: { prefix: "d", ignoreCase: false } } }),
      ["csds-dev"],
    );
    assert.deepEqual(await one({ path: path("team", "missing", "deeper"), value: { presentMatch: true } }), []);
    // Every node_metadatas entry of one matcher must match.
    assert.deepEqual(
      await one(
        { path: path("env"), value: { stringMatch: { exact: "prod", ignoreCase: false } } },
        { path: path("canary"), value: { boolMatch: false } },
      ),
      [],
    );
  });

  test("item 50: node_matchers are ORed; id and metadata within one matcher are ANDed", async () => {
    const prodById = byNodeId({ exact: "csds-prod", ignoreCase: false });
    const devByMetadata = byMetadata({
      path: path("env"),
      value: { stringMatch: { exact: "dev", ignoreCase: false } },
    });
    assert.deepEqual(ids(await fetch({ nodeMatchers: [prodById, devByMetadata] })), ["csds-dev", "csds-prod"]);
    const both: NodeMatcher = {
      nodeId: { prefix: "csds-", ignoreCase: false },
      nodeMetadatas: devByMetadata.nodeMetadatas,
    };
    assert.deepEqual(ids(await fetch({ nodeMatchers: [both] })), ["csds-dev"]);
  });

  test("item 49: StreamClientStatus answers each request on the stream in turn", async () => {
    const call = h.csds.streamClientStatus();
    const responses: ClientStatusResponse[] = [];
    const two = new Promise<void>((resolve, reject) => {
      call.on("data", (r: ClientStatusResponse) => {
        responses.push(r);
        if (responses.length === 2) resolve();
      });
      call.on("error", reject);
    });
    call.write(
      ClientStatusRequest.fromPartial({ nodeMatchers: [byNodeId({ exact: "other-delta", ignoreCase: false })] }),
    );
    call.write(ClientStatusRequest.fromPartial({}));
    await two;
    assert.deepEqual(responses.map(ids), [["other-delta"], ["csds-dev", "csds-prod", "other-delta"]]);
    assert.equal(
      entry(configOf(responses[1] as ClientStatusResponse, "csds-prod"), CDS, "a")?.configStatus,
      ConfigStatus.SYNCED,
    );
    const ended = new Promise<void>((resolve) => call.on("end", resolve));
    call.end();
    await ended;
  });

  test("a client that disconnects is no longer listed", async () => {
    const s = h.ads();
    s.send(request({ node: { id: "short-lived" }, typeUrl: CDS }));
    await s.next();
    assert.ok(ids(await fetch()).includes("short-lived"));
    s.cancel();
    await h.until(() => !h.status.proxies().some((p) => p.nodeId === "short-lived"), "short-lived to disconnect");
    assert.ok(!ids(await fetch()).includes("short-lived"));
  });

  test("each resource's version_info is its content version, as delta sends it in Resource.version", async () => {
    const delta = configOf(await fetch(), "other-delta");
    assert.equal(entry(delta, EDS, "a")?.versionInfo, deltaAssignments.resources[0]?.version);
    const dev = configOf(await fetch(), "csds-dev");
    assert.notEqual(entry(dev, RDS, "r2")?.versionInfo, entry(dev, RDS, "r1")?.versionInfo);
  });
});
