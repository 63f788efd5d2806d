// Certificates for the mTLS data-plane benchmark, made the way the mesh makes them: a fresh mesh
// root from the control plane's CA code (ECDSA P-256, self-signed), and for each workload a P-256
// key and CSR signed into a leaf whose URI SAN is its SPIFFE ID. Everything is written as PEM
// files into a private temporary folder, which the proxies' TLS contexts name by path (so no key
// passes through the control plane's store) and which the caller removes when done.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CertificateAuthority, generateKeyAndCsr } from "../control-plane/src/ca/index.js";

export const TRUST_DOMAIN = "weft.local";

/** One workload's certificate files. */
export interface WorkloadFiles {
  readonly spiffeId: string;
  /** Its certificate followed by the CA chain without the root. */
  readonly chainFile: string;
  /** Its PKCS#8 private key. */
  readonly keyFile: string;
  readonly chainPem: string;
  readonly keyPem: string;
}

export interface BenchPki {
  readonly dir: string;
  /** The mesh root (the trust bundle). */
  readonly rootFile: string;
  readonly rootPem: string;
  readonly workloads: Readonly<Record<string, WorkloadFiles>>;
  remove(): Promise<void>;
}

/** A mesh root and a leaf for each of `services`, valid for `ttlMs` (an hour by default). */
export async function mintPki(services: readonly string[], ttlMs = 3_600_000): Promise<BenchPki> {
  const dir = await mkdtemp(join(tmpdir(), "weft-bench-mtls-"));
  await chmod(dir, 0o700);
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    // Backdated a minute, so a clock read a little later elsewhere never sees it not yet valid.
    const ca = await CertificateAuthority.generate({ trustDomain: TRUST_DOMAIN, now: Date.now() - 60_000 });
    const rootPem = ca.trustBundlePem();
    const rootFile = join(dir, "root.pem");
    await writeFile(rootFile, rootPem, { mode: 0o600 });
    const workloads: Record<string, WorkloadFiles> = {};
    for (const service of services) {
      const { keyPem, csrPem } = await generateKeyAndCsr({ commonName: service });
      const issued = await ca.sign({ csrPem, service, ttlMs });
      const chainFile = join(dir, `${service}.chain.pem`);
      const keyFile = join(dir, `${service}.key.pem`);
      await writeFile(chainFile, issued.chainPem, { mode: 0o600 });
      await writeFile(keyFile, keyPem, { mode: 0o600 });
      workloads[service] = { spiffeId: issued.spiffeId, chainFile, keyFile, chainPem: issued.chainPem, keyPem };
    }
    return { dir, rootFile, rootPem, workloads, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
