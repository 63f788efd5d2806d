// istio.v1.auth.IstioCertificateService on the xDS port of a real control plane (SQLite store, REST
// API and xDS server on 127.0.0.1), called by a real gRPC client: a join token gets a certificate
// for its own service only, chained to the CA's root; anything else is refused with its code.
import assert from "node:assert/strict";
import { webcrypto, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { credentials, Metadata, status } from "@grpc/grpc-js";
import pino from "pino";
import { generateKeyAndCsr, spiffeIdOfCertificate } from "../../../control-plane/src/ca/index.js";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { type RunningControlPlane, startControlPlane } from "../../../control-plane/src/main.js";
import { type IstioCertificateResponse, IstioCertificateServiceClient } from "../../../proto/gen/istio/v1/auth/ca.js";
import { refusal } from "../grpc-refusal.js";
import { csrAskingFor } from "./operator-pki.js";

const MAX_TTL_MS = 3_600_000;

let plane: RunningControlPlane;
let client: IstioCertificateServiceClient;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "weft-cert-service-"));
  plane = await startControlPlane({
    xdsListen: "127.0.0.1:0",
    apiListen: "127.0.0.1:0",
    dataDir,
    certTtlMs: MAX_TTL_MS,
    logger: pino({ level: "silent" }),
  });
  client = new IstioCertificateServiceClient(plane.xdsAddress, credentials.createInsecure());
});

after(async () => {
  client.close();
  await plane.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function joinToken(service: string, ttlSeconds?: number): Promise<{ id: string; token: string }> {
  const response = await fetch(`http://${plane.apiAddress}/v1/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ttlSeconds === undefined ? { service } : { service, ttlSeconds }),
  });
  assert.equal(response.status, 201);
  return (await response.json()) as { id: string; token: string };
}

function createCertificate(
  csr: string,
  token: string | undefined,
  validityDuration = 0,
): Promise<IstioCertificateResponse> {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    client.createCertificate({ csr, validityDuration }, metadata, (error, response) =>
      error ? reject(error) : resolve(response as IstioCertificateResponse),
    );
  });
}

describe("IstioCertificateService.CreateCertificate", () => {
  test("a join token gets a certificate for its service, chained to the root GET /v1/ca shows", async () => {
    const { token } = await joinToken("web");
    const { csrPem } = await generateKeyAndCsr();
    const { certChain } = await createCertificate(csrPem, token);
    assert.equal(certChain.length, 2, "the workload's certificate, then the generated root");
    const [leafPem = "", rootPem = ""] = certChain;
    assert.equal(spiffeIdOfCertificate(leafPem), "spiffe://weft.local/service/web");
    const ca = (await (await fetch(`http://${plane.apiAddress}/v1/ca`)).json()) as { rootCertificate: string };
    assert.equal(rootPem.trim(), ca.rootCertificate.trim());
    const leaf = new X509Certificate(leafPem);
    assert.ok(leaf.verify(new X509Certificate(rootPem).publicKey), "signed by the root");
    const lifetime = Date.parse(leaf.validTo) - Date.now();
    assert.ok(lifetime <= MAX_TTL_MS && lifetime > MAX_TTL_MS - 120_000, `the maximum by default: ${lifetime} ms`);
  });

  test("the identity comes from the token, never the CSR: a web token asking for catalog gets web", async () => {
    const { token } = await joinToken("web");
    const keys = (await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    const csr = await csrAskingFor(keys, { name: "ECDSA", hash: "SHA-256" } as webcrypto.EcdsaParams, {
      commonName: "catalog",
      sanUri: "spiffe://weft.local/service/catalog",
    });
    const { certChain } = await createCertificate(csr, token);
    assert.equal(spiffeIdOfCertificate(certChain[0] ?? ""), "spiffe://weft.local/service/web");
  });

  test("a shorter lifetime asked for is given; a longer one is capped at the maximum", async () => {
    const { token } = await joinToken("web");
    const { csrPem } = await generateKeyAndCsr();
    const short = new X509Certificate((await createCertificate(csrPem, token, 600)).certChain[0] ?? "");
    assert.ok(Math.abs(Date.parse(short.validTo) - Date.now() - 600_000) < 120_000);
    const long = new X509Certificate((await createCertificate(csrPem, token, 10 * 24 * 3600)).certChain[0] ?? "");
    assert.ok(Date.parse(long.validTo) - Date.now() <= MAX_TTL_MS);
  });

  test("no token, an unknown or revoked token, a bad CSR and a negative lifetime are refused with their codes", async () => {
    const { csrPem } = await generateKeyAndCsr();
    const revokedToken = await joinToken("web");
    const revoke = await fetch(`http://${plane.apiAddress}/v1/tokens/${revokedToken.id}`, { method: "DELETE" });
    assert.equal(revoke.status, 200);
    const valid = (await joinToken("web")).token;
    const cases: [Promise<unknown>, number, string][] = [
      [createCertificate(csrPem, undefined), status.UNAUTHENTICATED, ErrorCode.unauthorized],
      [createCertificate(csrPem, "weft.000000000000.x"), status.UNAUTHENTICATED, ErrorCode.tokenInvalid],
      [createCertificate(csrPem, revokedToken.token), status.UNAUTHENTICATED, ErrorCode.tokenInvalid],
      [createCertificate("not a CSR", valid), status.INVALID_ARGUMENT, ErrorCode.invalidCsr],
      [createCertificate(csrPem, valid, -1), status.INVALID_ARGUMENT, ErrorCode.badRequest],
    ];
    for (const [promise, code, weftCode] of cases) {
      assert.deepEqual(await refusal(promise), { code, weftCode });
    }
  });
});
