// The certificate files: Istio's names, the key readable by its owner only, the chain without the
// root, the root alone, and each replaced whole.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  CERT_CHAIN_FILE,
  KEY_FILE,
  ROOT_CERT_FILE,
  writeCertificateFiles,
} from "../../../cli/src/cert/certificate-files.js";

const root = mkdtempSync(join(tmpdir(), "weft-cert-files-"));
after(() => rmSync(root, { recursive: true, force: true }));

const pem = (label: string) => `-----BEGIN CERTIFICATE-----\n${label}\n-----END CERTIFICATE-----\n`;

describe("writeCertificateFiles", () => {
  test("writes the key (0600), the chain without the root and the root, into a folder it creates (0700)", async () => {
    const dir = join(root, "nested", "certs");
    await writeCertificateFiles(dir, { keyPem: "KEY\n", chain: [pem("leaf"), pem("intermediate"), pem("root")] });
    assert.deepEqual(readdirSync(dir).sort(), [CERT_CHAIN_FILE, KEY_FILE, ROOT_CERT_FILE].sort());
    assert.equal(readFileSync(join(dir, KEY_FILE), "utf8"), "KEY\n");
    assert.equal(readFileSync(join(dir, CERT_CHAIN_FILE), "utf8"), pem("leaf") + pem("intermediate"));
    assert.equal(readFileSync(join(dir, ROOT_CERT_FILE), "utf8"), pem("root"));
    assert.equal(statSync(join(dir, KEY_FILE)).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  test("writing again replaces each file whole and leaves no temporary file behind", async () => {
    const dir = join(root, "again");
    await writeCertificateFiles(dir, { keyPem: "OLD\n", chain: [pem("old-leaf"), pem("root")] });
    await writeCertificateFiles(dir, { keyPem: "NEW\n", chain: [pem("new-leaf"), pem("root")] });
    assert.equal(readFileSync(join(dir, KEY_FILE), "utf8"), "NEW\n");
    assert.equal(readFileSync(join(dir, CERT_CHAIN_FILE), "utf8"), pem("new-leaf"));
    assert.deepEqual(readdirSync(dir).sort(), [CERT_CHAIN_FILE, KEY_FILE, ROOT_CERT_FILE].sort());
    assert.equal(statSync(join(dir, KEY_FILE)).mode & 0o777, 0o600);
  });
});
