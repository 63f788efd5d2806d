// A sidecar's upstreams in its node metadata (`weft sidecar --upstream`), and what is skipped of a
// description that does not parse: named in warnings, never fatal (docs/mesh.md, "Node metadata a
// sidecar sends").
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sidecarOf } from "../../../control-plane/src/snapshot/sidecar-node.js";

const node = (weft: Record<string, unknown>) => sidecarOf({ weft: { role: "sidecar", service: "web", ...weft } });

describe("sidecar node metadata: upstreams and warnings", () => {
  test("SERVICE=HOST:PORT and SERVICE:PORT=HOST:PORT are read in order, with IPv6 hosts in brackets", () => {
    const sidecar = node({ upstreams: ["postgres=127.0.0.1:15432", "catalog:8080=[::1]:18080"] });
    assert.deepEqual(sidecar?.upstreams, [
      { service: "postgres", port: undefined, listen: { host: "127.0.0.1", port: 15432 } },
      { service: "catalog", port: 8080, listen: { host: "::1", port: 18080 } },
    ]);
    assert.deepEqual(sidecar?.warnings, []);
  });

  test("an upstream's Service counts as a dependency when depends narrows the callable set", () => {
    assert.deepEqual(node({ depends: ["pricing"], upstreams: ["postgres=127.0.0.1:15432"] })?.depends, [
      "postgres",
      "pricing",
    ]);
    assert.equal(node({ upstreams: ["postgres=127.0.0.1:15432"] })?.depends, undefined);
  });

  test("an entry that does not parse is skipped with a warning naming its index; the others are kept", () => {
    const sidecar = node({
      upstreams: [
        "postgres=127.0.0.1:15432",
        "Postgres=127.0.0.1:15433",
        "postgres:0=127.0.0.1:15434",
        "postgres:70000=127.0.0.1:15435",
        "postgres=127.0.0.1",
        "postgres",
        42,
      ],
    });
    assert.deepEqual(
      sidecar?.upstreams.map((u) => u.listen.port),
      [15432],
    );
    assert.deepEqual(
      sidecar?.warnings.map((w) => w.slice(0, w.indexOf(":"))),
      ["upstreams[1]", "upstreams[2]", "upstreams[3]", "upstreams[4]", "upstreams[5]", "upstreams[6]"],
    );
  });

  test("an upstream binding the outbound, inbound or an earlier upstream's address is skipped with a warning", () => {
    const sidecar = node({
      inbound: "127.0.0.1:18001",
      app: "127.0.0.1:18000",
      upstreams: ["a=127.0.0.1:15001", "b=127.0.0.1:18001", "c=127.0.0.1:16000", "d=127.0.0.1:16000"],
    });
    assert.deepEqual(
      sidecar?.upstreams.map((u) => u.service),
      ["c"],
    );
    assert.equal(sidecar?.warnings.length, 3);
  });

  test("upstreams that are not a list, and inbound, app or outbound addresses that do not parse, are warnings", () => {
    const sidecar = node({
      upstreams: "postgres=127.0.0.1:15432",
      inbound: "nowhere",
      app: "127.0.0.1:0",
      outbound: 1,
    });
    assert.deepEqual(sidecar?.upstreams, []);
    assert.equal(sidecar?.inbound, undefined);
    assert.deepEqual(
      sidecar?.warnings.map((w) => w.slice(0, w.indexOf(":"))),
      ["inbound", "app", "outbound", "upstreams"],
    );
    assert.deepEqual(node({ inbound: "127.0.0.1:18001", app: "127.0.0.1:18000" })?.warnings, []);
  });
});
