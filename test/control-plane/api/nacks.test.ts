// GET /v1/nacks: the status registry's NACK history, newest first, filtered by node and kind.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import type { NackRecord } from "../../../control-plane/src/status/proxy-status.js";
import { StatusRegistry } from "../../../control-plane/src/status/registry.js";
import { assertError, type Harness, harness } from "./harness.js";

const LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
const RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

let h: Harness;
afterEach(() => h.close());

/** The records as a real registry keeps them: recorded oldest first, listed newest first. */
function registryWith(records: readonly NackRecord[]): NackRecord[] {
  const registry = new StatusRegistry();
  for (const record of records) registry.recordNack(record);
  return registry.recentNacks();
}

const gone: NackRecord = {
  nodeId: "gone-proxy",
  typeUrl: RDS,
  versionRejected: "older",
  message: "unsupported action",
  at: "2025-01-01T00:00:01.000Z",
};
const front: NackRecord = {
  nodeId: "front-1",
  typeUrl: LDS,
  versionRejected: "abc",
  nonce: "7",
  message: "bind failed",
  at: "2025-01-01T00:00:02.000Z",
};

describe("GET /v1/nacks", () => {
  test("lists the registry's NACKs newest first, with the rejected version and the nonce where known", async () => {
    h = await harness();
    h.proxies.nacks = registryWith([gone, front]);
    const response = await h.inject({ method: "GET", url: "/v1/nacks" });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      nacks: [
        {
          nodeId: "front-1",
          typeUrl: LDS,
          version: "abc",
          versionRejected: "abc",
          nonce: "7",
          message: "bind failed",
          at: front.at,
        },
        {
          nodeId: "gone-proxy",
          typeUrl: RDS,
          version: "older",
          versionRejected: "older",
          message: "unsupported action",
          at: gone.at,
        },
      ],
    });
  });

  test("?node= keeps one node's NACKs and ?type= one kind's; together, both", async () => {
    h = await harness();
    h.proxies.nacks = registryWith([gone, front, { ...front, typeUrl: RDS, at: "2025-01-01T00:00:03.000Z" }]);
    const nodes = async (url: string) =>
      (await h.inject({ method: "GET", url }))
        .json()
        .nacks.map((n: { nodeId: string; typeUrl: string }) => [n.nodeId, n.typeUrl]);
    assert.deepEqual(await nodes("/v1/nacks?node=front-1"), [
      ["front-1", RDS],
      ["front-1", LDS],
    ]);
    assert.deepEqual(await nodes("/v1/nacks?type=routes"), [
      ["front-1", RDS],
      ["gone-proxy", RDS],
    ]);
    assert.deepEqual(await nodes("/v1/nacks?type=listeners&node=front-1"), [["front-1", LDS]]);
    assert.deepEqual(await nodes("/v1/nacks?node=nobody"), []);
  });

  test("an unknown kind or an empty node is 400 naming the query parameter", async () => {
    h = await harness();
    for (const [url, path] of [
      ["/v1/nacks?type=secrets", "querystring.type"],
      ["/v1/nacks?type=Listener", "querystring.type"],
      ["/v1/nacks?node=", "querystring.node"],
    ] as const) {
      const response = await h.inject({ method: "GET", url });
      assertError(response, 400, ErrorCode.badRequest);
      assert.ok(
        response.json().error.details.some((d: { path: string }) => d.path === path),
        `${url}: ${response.body}`,
      );
    }
  });

  test("the OpenAPI document describes the filters and the record's fields", async () => {
    h = await harness();
    const doc = (await h.inject({ method: "GET", url: "/openapi.json" })).json();
    const operation = doc.paths["/v1/nacks"].get;
    const parameters = operation.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    assert.deepEqual(parameters.sort(), ["query:node", "query:type"]);
    const type = operation.parameters.find((p: { name: string }) => p.name === "type");
    assert.deepEqual(type.schema.enum, ["listeners", "routes", "clusters", "endpoints"]);
    const record = operation.responses["200"].content["application/json"].schema.properties.nacks.items;
    for (const field of ["nodeId", "typeUrl", "version", "nonce", "message", "at"])
      assert.ok(record.properties[field], `${field} is described`);
  });
});
