// `weft control-plane` as the mesh's certificate authority, with real processes: the root it
// generates at first start is the one it signs with after a restart on the same data directory;
// an operator's CA from files is used instead when given; and what cannot sign stops the start.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { makeOperatorPki } from "../control-plane/ca/operator-pki.js";
import { bin, root, startControlPlane, tempDir } from "./processes.js";

interface CaView {
  trustDomain: string;
  source: string;
  rootCertificate: string;
  rootSha256: string;
  notAfter: string;
}

async function caOf(api: string): Promise<CaView> {
  const response = await fetch(`http://${api}/v1/ca`);
  assert.equal(response.status, 200);
  return (await response.json()) as CaView;
}

/** `weft control-plane` expected to stop at start: its exit status and its one stderr line. */
function refusedStart(dataDir: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(
    process.execPath,
    [
      bin,
      "control-plane",
      "--data-dir",
      dataDir,
      "--xds-listen",
      "127.0.0.1:0",
      "--api-listen",
      "127.0.0.1:0",
      ...args,
    ],
    { cwd: root, encoding: "utf8", timeout: 30_000, env: { ...process.env, WEFT_LOG_FORMAT: "json", ...env } },
  );
  assert.equal(result.error, undefined);
  return { status: result.status, stderr: result.stderr.trim() };
}

describe("the control plane's certificate authority", () => {
  test("a root generated at first start is kept: a restart on the same data directory signs with it", async () => {
    const dataDir = tempDir();
    const first = await startControlPlane({ dataDir });
    const generated = await caOf(first.api);
    const logged = first.lines.find((l) => l.msg === "certificate authority ready");
    assert.equal(await first.stop(), 0);
    assert.equal(generated.source, "generated");
    assert.equal(generated.trustDomain, "weft.local");
    assert.equal(logged?.rootSha256, generated.rootSha256);
    assert.equal(logged?.source, "generated");

    const second = await startControlPlane({ dataDir });
    const stored = await caOf(second.api);
    assert.equal(await second.stop(), 0);
    assert.equal(stored.source, "stored");
    assert.equal(stored.rootSha256, generated.rootSha256);
    assert.equal(stored.rootCertificate, generated.rootCertificate);
  });

  test("the stored root refuses another trust domain: exit 1 with WEFT_CA_INVALID, and the root stays", async () => {
    const dataDir = tempDir();
    const plane = await startControlPlane({ dataDir, env: { WEFT_TRUST_DOMAIN: "one.example" } });
    const before = await caOf(plane.api);
    assert.equal(before.trustDomain, "one.example");
    assert.equal(await plane.stop(), 0);

    const refused = refusedStart(dataDir, ["--trust-domain", "two.example"]);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /^weft: WEFT_CA_INVALID: /);

    const again = await startControlPlane({ dataDir, env: { WEFT_TRUST_DOMAIN: "one.example" } });
    assert.equal((await caOf(again.api)).rootSha256, before.rootSha256);
    assert.equal(await again.stop(), 0);
  });

  test("an operator's CA from --ca-cert and --ca-key signs instead; a file that cannot be read stops the start", async () => {
    const dir = tempDir();
    const pki = await makeOperatorPki({ now: Date.now() });
    const certFile = join(dir, "ca-cert.pem");
    const keyFile = join(dir, "ca-key.pem");
    writeFileSync(certFile, pki.chainPem);
    writeFileSync(keyFile, pki.intermediateKeyPem);
    const plane = await startControlPlane({
      dataDir: join(dir, "data"),
      env: { WEFT_CA_CERT: certFile, WEFT_CA_KEY: keyFile },
    });
    const view = await caOf(plane.api);
    assert.equal(await plane.stop(), 0);
    assert.equal(view.source, "operator");
    assert.equal(view.rootCertificate.trim(), pki.rootPem.trim());

    const missing = refusedStart(join(dir, "data"), ["--ca-cert", join(dir, "absent.pem"), "--ca-key", keyFile]);
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(missing.stderr, /^weft: WEFT_CA_INVALID: /);
  });

  test("--ca-cert without --ca-key, and a trust domain that is not a DNS name, are usage errors (exit 2)", () => {
    const dataDir = tempDir();
    for (const args of [
      ["--ca-cert", "ca.pem"],
      ["--ca-key", "ca-key.pem"],
      ["--trust-domain", "Not_A_Domain"],
    ]) {
      const refused = refusedStart(dataDir, args);
      assert.equal(refused.status, 2, `${args.join(" ")}: ${refused.stderr}`);
      assert.match(refused.stderr, /^weft: WEFT_CLI_USAGE: /);
      assert.ok(refused.stderr.includes(args[0] ?? ""), refused.stderr);
    }
  });
});
