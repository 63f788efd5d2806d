// Envoy's own v3 API definitions of the files Weft mirrors, parsed by protobufjs, a protobuf
// implementation independent of Weft's generated code, so a disagreement between the two is a
// real wire incompatibility, not a shared bug.
import protobuf from "protobufjs";
import { descriptors } from "../../proto/registry.js";
import { loadEnvoyDefinitions } from "../../scripts/envoy-definitions.js";

/**
 * Whether a message, enum or service full name is one Weft mirrors from Envoy's API (or xds's,
 * gRPC's): not a well-known type, not Weft's own API (package `weft.*`, which has no reference),
 * and not Istio's certificate API (package `istio.*`, defined whole; no installed package ships it).
 */
export function isMirrored(typeName: string): boolean {
  return !typeName.startsWith("google.protobuf.") && !typeName.startsWith("weft.") && !typeName.startsWith("istio.");
}

/** Weft's .proto files that mirror Envoy's (see isMirrored), by path relative to proto/. */
export function weftProtoFiles(): string[] {
  return [...descriptors().files]
    .filter((file) => isMirrored(`${file.proto.package}.`))
    .map((file) => `${file.name}.proto`)
    .sort();
}

/**
 * Envoy's definitions of the files Weft mirrors (same relative paths) and everything they
 * import, with fields named as in the .proto source (snake_case). Throws if a file is missing.
 */
export function loadEnvoyRoot(): protobuf.Root {
  return loadEnvoyDefinitions(weftProtoFiles());
}

/** Looks up a message, enum or service by full name (no leading dot); undefined if absent or of another kind. */
export function envoyType(root: protobuf.Root, typeName: string): protobuf.Type | undefined {
  const found = root.lookup(`.${typeName}`);
  return found instanceof protobuf.Type ? found : undefined;
}

export function envoyEnum(root: protobuf.Root, typeName: string): protobuf.Enum | undefined {
  const found = root.lookup(`.${typeName}`);
  return found instanceof protobuf.Enum ? found : undefined;
}

export function envoyService(root: protobuf.Root, typeName: string): protobuf.Service | undefined {
  const found = root.lookup(`.${typeName}`);
  return found instanceof protobuf.Service ? found : undefined;
}
