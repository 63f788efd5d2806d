// A sidecar's own SDS secrets, made from the certificate it obtained with its join token: `default`
// (its chain without the root, and the key it made and keeps) and `ROOTCA` (the root it trusts),
// the names the compiled mTLS contexts refer to. Put into the proxy's secrets, never sent anywhere.
import type { RuntimeSecret } from "../config/tls.js";

export const WORKLOAD_SECRET = "default";
export const ROOT_SECRET = "ROOTCA";

/** `chain`: the workload certificate first, the root last (as the CA answers). */
export function workloadSecrets(chain: readonly string[], keyPem: string): [RuntimeSecret, RuntimeSecret] {
  const root = chain.at(-1);
  if (chain.length < 2 || root === undefined)
    throw new Error("a workload chain has the certificate and the root at least");
  return [
    Object.freeze({
      name: WORKLOAD_SECRET,
      certificate: Object.freeze({
        chain: { inline: Buffer.from(chain.slice(0, -1).join("\n")) },
        key: { inline: Buffer.from(keyPem) },
      }),
      validation: undefined,
    }),
    Object.freeze({
      name: ROOT_SECRET,
      certificate: undefined,
      validation: Object.freeze({ trustedCa: { inline: Buffer.from(root) }, sanMatchers: Object.freeze([]) }),
    }),
  ];
}
