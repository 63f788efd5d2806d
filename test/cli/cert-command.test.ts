// `weft cert issue` as a child process against a real control plane on 127.0.0.1: the files it
// writes hold a certificate for the token's service made for the key beside it; a token for
// another service or a revoked one is refused; --renew writes a new certificate at half-life and
// exits 0 on SIGTERM.
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CERT_CHAIN_FILE, KEY_FILE, ROOT_CERT_FILE } from "../../cli/src/cert/certificate-files.js";
import { bin, eventually, spawnUntil } from "../e2e/processes.js";
import { controlPlane, type TestControlPlane, tempDir, weft } from "./cli-harness.js";

/** Short enough for --renew to renew within the test (half-life 2 s). */
const CERT_TTL_MS = 4_000;

let cp: TestControlPlane;
const files = tempDir();

before(async () => {
  cp = await controlPlane({ certTtlMs: CERT_TTL_MS });
});
after(async () => {
  await cp.close();
  files.remove();
});

async function joinToken(service: string): Promise<{ id: string; token: string }> {
  const response = await fetch(`${cp.server}/v1/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ service }),
  });
  assert.equal(response.status, 201);
  return (await response.json()) as { id: string; token: string };
}

function issueArgs(service: string, out: string): string[] {
  return ["cert", "issue", "--service", service, "--out", out, "--xds-server", cp.xds];
}

describe("weft cert issue", () => {
  test("writes key.pem, cert-chain.pem and root-cert.pem: the token's identity, for the key beside it", async () => {
    const { token } = await joinToken("web");
    const out = join(files.path, "web");
    const run = await weft(issueArgs("web", out), { env: { WEFT_JOIN_TOKEN: token } });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /spiffe:\/\/weft\.local\/service\/web/);
    const leaf = new X509Certificate(readFileSync(join(out, CERT_CHAIN_FILE)));
    assert.match(leaf.subjectAltName ?? "", /URI:spiffe:\/\/weft\.local\/service\/web/);
    assert.ok(leaf.checkPrivateKey(createPrivateKey(readFileSync(join(out, KEY_FILE)))));
    const rootCert = new X509Certificate(readFileSync(join(out, ROOT_CERT_FILE)));
    assert.ok(leaf.verify(rootCert.publicKey));
    const ca = (await (await fetch(`${cp.server}/v1/ca`)).json()) as { rootSha256: string };
    assert.equal(rootCert.fingerprint256, ca.rootSha256);
  });

  test("a token for another service, a revoked token and no token fail without writing anything", async () => {
    const catalog = await joinToken("catalog");
    const revoked = await joinToken("web");
    assert.equal((await fetch(`${cp.server}/v1/tokens/${revoked.id}`, { method: "DELETE" })).status, 200);
    const cases: [string, string][] = [
      [catalog.token, "WEFT_CLI_CERT_REFUSED"],
      [revoked.token, "WEFT_CLI_CERT_REFUSED"],
    ];
    for (const [token, code] of cases) {
      const out = join(files.path, `refused-${code}-${token.slice(5, 17)}`);
      const run = await weft(issueArgs("web", out), { env: { WEFT_JOIN_TOKEN: token } });
      assert.equal(run.status, 1, run.stderr);
      assert.ok(run.stderr.startsWith(`weft: ${code}`), run.stderr);
      assert.throws(() => readFileSync(join(out, KEY_FILE)), { code: "ENOENT" });
    }
    const missing = await weft(issueArgs("web", join(files.path, "none")));
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /^weft: WEFT_CLI_USAGE: .*--join-token/);
  });

  test("--renew writes a new certificate (new key) at half-life, and SIGTERM exits 0", async () => {
    const { token } = await joinToken("web");
    const out = join(files.path, "renewed");
    const { running, line } = await spawnUntil(
      [bin, ...issueArgs("web", out), "--renew", "--log-format", "json"],
      (l) => l.msg === "certificate written",
      { WEFT_JOIN_TOKEN: token },
    );
    const firstKey = readFileSync(join(out, KEY_FILE), "utf8");
    const second = await eventually("a renewed certificate", () =>
      running.lines.find((l) => l.msg === "certificate written" && l.serialNumber !== line.serialNumber),
    );
    assert.ok(Date.parse(String(second.notAfter)) > Date.parse(String(line.notAfter)));
    assert.notEqual(readFileSync(join(out, KEY_FILE), "utf8"), firstKey);
    // Renewals go on every 2 s: a read may fall between two renames, so read until a pair matches.
    await eventually("the chain and the key beside it matching", () => {
      const leaf = new X509Certificate(readFileSync(join(out, CERT_CHAIN_FILE)));
      return leaf.checkPrivateKey(createPrivateKey(readFileSync(join(out, KEY_FILE)))) ? true : undefined;
    });
    assert.equal(await running.stop(), 0);
  });
});
