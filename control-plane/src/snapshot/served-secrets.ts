// The SDS secrets the control plane serves, made from its CA rather than stored: `ROOTCA`, the
// mesh's trust bundle (the root every workload certificate chains to), as a validation context.
// `default`, a workload's certificate and key, is not among them: the key is made by the workload
// and never leaves it (docs/security.md, "SDS"), so a request for it gets no resource.
import { Secret } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret.js";
import { contentVersion, ROOT_SECRET_NAME, secretType } from "../../../proto/index.js";
import { encodeResource } from "./encode.js";
import type { CompiledByType, SnapshotResource } from "./snapshot.js";

/** What the control plane knows that its secrets are made of. */
export interface SecretSources {
  /** PEM: the root certificate of the mesh CA (CertificateAuthority.trustBundlePem). */
  readonly trustBundlePem: string;
}

/** The ROOTCA Secret: `validation_context.trusted_ca.inline_bytes` holding the root. */
export function trustBundleSecret(trustBundlePem: string): Secret {
  return Secret.fromPartial({
    name: ROOT_SECRET_NAME,
    validationContext: { trustedCa: { inlineBytes: new Uint8Array(Buffer.from(trustBundlePem)) } },
  });
}

/**
 * The served secrets, encoded once, by type URL and name (for Snapshot's named-only resources).
 * Their versions are content hashes, so a control plane started with another CA serves another
 * version, and a reconnecting proxy holding the old root is sent the new one (docs/xds-protocol.md #39).
 */
export function servedSecrets(sources: SecretSources): CompiledByType {
  const message = trustBundleSecret(sources.trustBundlePem);
  const { typeUrl, typeName } = secretType;
  const resource: SnapshotResource = encodeResource({
    typeUrl,
    typeName,
    name: ROOT_SECRET_NAME,
    version: contentVersion(typeName, message),
    message,
  });
  return new Map([[typeUrl, new Map([[ROOT_SECRET_NAME, resource]])]]);
}
