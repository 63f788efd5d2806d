// The TLS xDS port's serving certificate (ca/serving-certificate.ts): what it names, and its
// renewal at half-life on an injected clock, handed to gRPC's listeners as a new identity.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, test } from "node:test";
import pino from "pino";
import { CertificateAuthority, isControlPlaneSpiffeId } from "../../../control-plane/src/ca/index.js";
import { ServingCertificate, servingNames } from "../../../control-plane/src/ca/serving-certificate.js";
import { ManualClock } from "../../time/manual-clock.js";

const TTL_MS = 60 * 60 * 1000;

describe("servingNames", () => {
  test("names the listen host and this machine beside loopback, never a wildcard address", () => {
    assert.deepEqual(servingNames("0.0.0.0", "cp-1"), {
      dnsNames: ["localhost", "cp-1"],
      ipAddresses: ["127.0.0.1", "::1"],
    });
    assert.deepEqual(servingNames("10.0.0.5", "cp-1").ipAddresses, ["127.0.0.1", "::1", "10.0.0.5"]);
    assert.deepEqual(servingNames("CP.Example", "cp-1").dnsNames, ["localhost", "cp.example", "cp-1"]);
  });
});

describe("ServingCertificate", () => {
  test("is the control plane's SPIFFE ID and the names given, chained to the mesh root", async () => {
    const clock = new ManualClock(Date.now());
    const ca = await CertificateAuthority.generate({ trustDomain: "weft.local" });
    const serving = new ServingCertificate({
      ca,
      listenHost: "127.0.0.1",
      ttlMs: TTL_MS,
      clock,
      logger: pino({ level: "silent" }),
    });
    const issued = await serving.start();
    serving.close();
    const cert = new X509Certificate(issued.certPem);
    assert.match(cert.subjectAltName ?? "", /URI:spiffe:\/\/weft\.local\/control-plane/);
    assert.match(cert.subjectAltName ?? "", /DNS:localhost/);
    assert.match(cert.subjectAltName ?? "", /IP Address:127\.0\.0\.1/);
    assert.ok(isControlPlaneSpiffeId(issued.spiffeId));
    assert.ok(cert.verify(new X509Certificate(ca.trustBundlePem()).publicKey));
  });

  test("is renewed with a new key at half-life, and listeners get the new one", async () => {
    const clock = new ManualClock(Date.now());
    const ca = await CertificateAuthority.generate({ trustDomain: "weft.local" });
    const serving = new ServingCertificate({
      ca,
      listenHost: "127.0.0.1",
      ttlMs: TTL_MS,
      clock,
      logger: pino({ level: "silent" }),
    });
    const first = await serving.start();
    const updates: string[] = [];
    let renewed: () => void = () => undefined;
    const second = new Promise<void>((resolve) => {
      renewed = resolve;
    });
    serving.addIdentityCertificateListener((update) => {
      updates.push(update?.certificate.toString() ?? "");
      if (updates.length === 2) renewed();
    });
    await clock.runDue();
    assert.equal(updates.length, 1, "a new listener is given the current certificate");
    assert.deepEqual(clock.delays(), [first.rotateAt.getTime() - clock.now()]);
    await clock.advance(first.rotateAt.getTime() - clock.now());
    await second;
    serving.close();
    assert.notEqual(updates[1], updates[0]);
    assert.notEqual(serving.current?.serialNumber, first.serialNumber);
  });
});
