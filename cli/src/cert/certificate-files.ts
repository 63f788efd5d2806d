// The files a workload certificate is kept in, named as Istio's agent writes them (and as gRPC's
// file_watcher certificate provider is pointed at): key.pem (the private key, mode 0600),
// cert-chain.pem (the certificate, then its issuers without the root) and root-cert.pem (the
// trust bundle). Each is written to a temporary file in the same folder and renamed over the old
// one, so a reader sees the old file or the new one, never half of one.
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const KEY_FILE = "key.pem";
export const CERT_CHAIN_FILE = "cert-chain.pem";
export const ROOT_CERT_FILE = "root-cert.pem";

export interface CertificateFiles {
  readonly keyPem: string;
  /** The workload's certificate, then each issuer, the root last (as the CA answers). */
  readonly chain: readonly string[];
}

async function replace(dir: string, name: string, text: string, mode: number): Promise<void> {
  const temporary = join(dir, `.${name}.${process.pid}.tmp`);
  await writeFile(temporary, text, { mode });
  // writeFile's mode applies only when it creates the file.
  await chmod(temporary, mode);
  await rename(temporary, join(dir, name));
}

/**
 * Writes the three files into `dir` (created, mode 0700, when missing): the root, the chain, then
 * the key. Each rename is atomic, the three together are not: a reader catching the folder between
 * two renames sees the new chain with the old key for that moment, and should read again.
 */
export async function writeCertificateFiles(dir: string, files: CertificateFiles): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const chain = files.chain.map((pem) => (pem.endsWith("\n") ? pem : `${pem}\n`));
  const root = chain.at(-1) ?? "";
  const presented = chain.length > 1 ? chain.slice(0, -1) : chain;
  await replace(dir, ROOT_CERT_FILE, root, 0o644);
  await replace(dir, CERT_CHAIN_FILE, presented.join(""), 0o644);
  await replace(dir, KEY_FILE, files.keyPem, 0o600);
}
