// Secret (SDS): a TLS certificate with its key, or a validation context (trusted roots), named by
// the TLS contexts of listeners and clusters. A type that travels over xDS but is not a kind: the
// control plane makes the secrets it serves (the mesh's trust bundle, ROOTCA) and never takes one
// through the API, so no private key ever sits in the config store or its history
// (docs/security.md, "SDS").
import { Secret } from "../gen/envoy/extensions/transport_sockets/tls/v3/secret.js";
import { TYPE_URL_PREFIX } from "../type-name.js";
import type { XdsResourceType } from "./kind.js";

const TYPE_NAME = "envoy.extensions.transport_sockets.tls.v3.Secret";

export const secretType = Object.freeze({
  typeUrl: `${TYPE_URL_PREFIX}${TYPE_NAME}` as const,
  typeName: TYPE_NAME,
  messageName: "Secret",
  singular: "secret",
  discoveryService: "SDS",
  snakeName: "secret",
  codec: Secret,
  nameOf: (message: Secret) => message.name,
}) satisfies XdsResourceType<`${typeof TYPE_URL_PREFIX}${typeof TYPE_NAME}`, Secret>;

/** The SDS secret names Envoy and Istio use: the workload's certificate and key, and the trust bundle. */
export const WORKLOAD_SECRET_NAME = "default";
export const ROOT_SECRET_NAME = "ROOTCA";
