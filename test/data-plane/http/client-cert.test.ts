// x-forwarded-client-cert as Envoy's connection manager handles it: each forward_client_cert_details
// mode with and without an mTLS client, the element set_current_client_cert_details asks for, and
// the listener config that sets them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { buildListener, type RuntimeHttp } from "../../../data-plane/src/config/index.js";
import { forwardedClientCert } from "../../../data-plane/src/http/upstream-request.js";
import type { DownstreamPeer } from "../../../data-plane/src/tls/index.js";
import { httpListener, listener } from "../config/fixtures.js";

const PEER: DownstreamPeer = {
  sans: { URI: ["spiffe://weft.local/service/web"], DNS: ["web.mesh"], EMAIL: [], IP_ADDRESS: [] },
  subject: "O=Weft,CN=web",
  hash: "ab".repeat(32),
  der: Buffer.from([0x30, 0x00]),
  localUri: "spiffe://weft.local/service/catalog",
};
const RECEIVED = "By=spiffe://weft.local/service/web;URI=spiffe://weft.local/service/edge";
const ALL = { subject: true, cert: false, dns: true, uri: true };
const mode = (m: NonNullable<RuntimeHttp["clientCert"]>["mode"]) => ({ mode: m, ...ALL });
const ELEMENT = `By=spiffe://weft.local/service/catalog;Hash=${"ab".repeat(32)};Subject="O=Weft,CN=web";URI=spiffe://weft.local/service/web;DNS=web.mesh`;

describe("x-forwarded-client-cert", () => {
  test("SANITIZE (the default) never passes it on", () => {
    assert.equal(forwardedClientCert(undefined, RECEIVED, PEER), undefined);
    assert.equal(forwardedClientCert(mode("SANITIZE"), RECEIVED, PEER), undefined);
  });

  test("FORWARD_ONLY passes what came only over mTLS; ALWAYS_FORWARD_ONLY always", () => {
    assert.equal(forwardedClientCert(mode("FORWARD_ONLY"), RECEIVED, PEER), RECEIVED);
    assert.equal(forwardedClientCert(mode("FORWARD_ONLY"), RECEIVED, undefined), undefined);
    assert.equal(forwardedClientCert(mode("ALWAYS_FORWARD_ONLY"), RECEIVED, undefined), RECEIVED);
  });

  test("APPEND_FORWARD appends this hop's element; SANITIZE_SET replaces; both drop it without a client certificate", () => {
    assert.equal(forwardedClientCert(mode("APPEND_FORWARD"), RECEIVED, PEER), `${RECEIVED},${ELEMENT}`);
    assert.equal(forwardedClientCert(mode("APPEND_FORWARD"), undefined, PEER), ELEMENT);
    assert.equal(forwardedClientCert(mode("SANITIZE_SET"), RECEIVED, PEER), ELEMENT);
    assert.equal(forwardedClientCert(mode("APPEND_FORWARD"), RECEIVED, undefined), undefined);
    assert.equal(forwardedClientCert(mode("SANITIZE_SET"), RECEIVED, undefined), undefined);
  });

  test("the element has By and Hash always, the rest only as asked", () => {
    const bare = { mode: "SANITIZE_SET" as const, subject: false, cert: false, dns: false, uri: false };
    assert.equal(
      forwardedClientCert(bare, undefined, PEER),
      `By=spiffe://weft.local/service/catalog;Hash=${"ab".repeat(32)}`,
    );
  });

  test("the listener's connection manager sets the mode and fields", () => {
    const built = buildListener(
      listener(
        httpListener({
          forward_client_cert_details: "APPEND_FORWARD",
          set_current_client_cert_details: { subject: true, uri: true },
        }),
      ),
    );
    assert.deepEqual(built.http?.clientCert, {
      mode: "APPEND_FORWARD",
      subject: true,
      cert: false,
      dns: false,
      uri: true,
    });
    assert.equal(buildListener(listener(httpListener())).http?.clientCert, undefined, "absent: SANITIZE");
  });
});
