// `weft sidecar`'s flag parsers and the checks across flags: each refusal is commander's
// InvalidArgumentError (the CLI prints it as WEFT_CLI_USAGE naming the flag) or a problem naming its flag.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "commander";
import {
  checkSidecarFlags,
  collectDepends,
  collectLabels,
  collectUpstreams,
  parseAppHealth,
  parseConnectAddress,
  parseInboundAddress,
  parseServiceName,
} from "../../cli/src/commands/sidecar-flags.js";
import { checkRegistration } from "../../cli/src/commands/sidecar-registration-check.js";

const LOCAL = { host: "127.0.0.1", port: 0 };
const OUTBOUND = { host: "127.0.0.1", port: 15001 };
const ADMIN = { host: "127.0.0.1", port: 19000 };

describe("weft sidecar flags", () => {
  test("--service takes a DNS-1123 label only", () => {
    assert.equal(parseServiceName("catalog-v2"), "catalog-v2");
    for (const bad of ["Catalog", "-x", "a_b", "", "a".repeat(64)]) {
      assert.throws(() => parseServiceName(bad), InvalidArgumentError, bad);
    }
  });

  test("--listen takes an IP address callers can dial, port 0 allowed", () => {
    assert.deepEqual(parseInboundAddress("127.0.0.1:0"), LOCAL);
    assert.deepEqual(parseInboundAddress("[::1]:8443"), { host: "::1", port: 8443 });
    for (const bad of ["localhost:0", "0.0.0.0:8080", "[::]:8080", "127.0.0.1", "127.0.0.1:70000"]) {
      assert.throws(() => parseInboundAddress(bad), InvalidArgumentError, bad);
    }
  });

  test("--app and --outbound need a real port", () => {
    assert.deepEqual(parseConnectAddress("localhost:8080"), { host: "localhost", port: 8080 });
    assert.throws(() => parseConnectAddress("127.0.0.1:0"), InvalidArgumentError);
    assert.throws(() => parseConnectAddress("nowhere"), InvalidArgumentError);
  });

  test("--labels and --depends collect comma-separated values across repeats", () => {
    assert.deepEqual(collectLabels("zone=a", collectLabels("version=v2,tier=web", undefined)), {
      version: "v2",
      tier: "web",
      zone: "a",
    });
    assert.throws(() => collectLabels("novalue", undefined), InvalidArgumentError);
    assert.deepEqual(collectDepends("pricing,catalog", collectDepends("catalog", undefined)), ["catalog", "pricing"]);
    assert.throws(() => collectDepends("Not_A_Service", undefined), InvalidArgumentError);
  });

  test("--upstream takes SERVICE=HOST:PORT or SERVICE:PORT=HOST:PORT and keeps the text it sends", () => {
    const upstreams = collectUpstreams("db=127.0.0.1:15432,cache:6379=127.0.0.1:16379", undefined);
    assert.deepEqual(
      upstreams.map((u) => [u.service, u.port, u.listen.port, u.text]),
      [
        ["db", undefined, 15432, "db=127.0.0.1:15432"],
        ["cache", 6379, 16379, "cache:6379=127.0.0.1:16379"],
      ],
    );
    for (const bad of ["db", "db=127.0.0.1:0", "db:0=127.0.0.1:1", "DB=127.0.0.1:1", "db:x=127.0.0.1:1"]) {
      assert.throws(() => collectUpstreams(bad, undefined), InvalidArgumentError, bad);
    }
  });

  test("--app-health takes tcp or an HTTP path", () => {
    assert.equal(parseAppHealth("tcp"), "tcp");
    assert.equal(parseAppHealth("/healthz?full=1"), "/healthz?full=1");
    for (const bad of ["http", "healthz", "/a b", "/a#b"])
      assert.throws(() => parseAppHealth(bad), InvalidArgumentError);
  });

  test("two listeners on one address are refused at the later flag", () => {
    const upstreams = collectUpstreams("db=127.0.0.1:15001", undefined);
    const problems = checkSidecarFlags({
      listen: { host: "127.0.0.1", port: 19000 },
      outbound: OUTBOUND,
      upstreams,
      admin: ADMIN,
    });
    assert.deepEqual(
      problems.map((p) => p.flag),
      ["--upstream", "--admin-listen"],
    );
  });

  test("an app label other than the service is refused at --labels", () => {
    const base = { service: "web", listen: LOCAL, nodeId: undefined };
    assert.deepEqual(checkRegistration({ ...base, labels: { app: "web" } }), []);
    assert.deepEqual(
      checkRegistration({ ...base, labels: { app: "other" } }).map((p) => p.flag),
      ["--labels"],
    );
  });

  test("the control plane's registration checks run before start, each problem at its flag", () => {
    assert.deepEqual(
      checkRegistration({ service: "web", labels: { version: "v2" }, listen: LOCAL, nodeId: undefined }),
      [],
    );
    const labels = checkRegistration({ service: "web", labels: { "bad key!": "x" }, listen: LOCAL, nodeId: "web-1" });
    assert.deepEqual(
      labels.map((p) => p.flag),
      ["--labels"],
    );
    const node = checkRegistration({ service: "web", labels: {}, listen: LOCAL, nodeId: "has space" });
    assert.deepEqual(
      node.map((p) => p.flag),
      ["--node-id"],
    );
  });
});
