// Discovery responses assembled from pre-encoded parts: each resource's entry is encoded once per
// version (see snapshot/encode.ts) and only the small per-stream fields (version, nonce) are
// written per response. Protobuf lets fields come in any order, so concatenating is valid.
import { BinaryWriter } from "@bufbuild/protobuf/wire";

const Tag = {
  versionInfo: (1 << 3) | 2,
  typeUrl: (4 << 3) | 2,
  nonce: (5 << 3) | 2,
  sotwControlPlane: (6 << 3) | 2,
  deltaRemovedResources: (6 << 3) | 2,
  deltaControlPlane: (7 << 3) | 2,
} as const;

/** envoy.config.core.v3.ControlPlane{identifier}, encoded once per server. */
export function encodeControlPlane(identifier: string): Uint8Array {
  return new BinaryWriter()
    .uint32((1 << 3) | 2)
    .string(identifier)
    .finish();
}

/** A DiscoveryResponse: version_info, the resources' pre-encoded entries, type_url, nonce, control_plane. */
export function encodeSotwResponse(args: {
  readonly version: string;
  readonly entries: readonly Uint8Array[];
  readonly typeUrl: string;
  readonly nonce: string;
  readonly controlPlane?: Uint8Array;
}): Buffer {
  const head = new BinaryWriter().uint32(Tag.versionInfo).string(args.version).finish();
  const tail = new BinaryWriter().uint32(Tag.typeUrl).string(args.typeUrl).uint32(Tag.nonce).string(args.nonce);
  if (args.controlPlane) tail.uint32(Tag.sotwControlPlane).bytes(args.controlPlane);
  return Buffer.concat([head, ...args.entries, tail.finish()]);
}

/** A DeltaDiscoveryResponse: system_version_info, resources, type_url, removed_resources, nonce, control_plane. */
export function encodeDeltaResponse(args: {
  readonly systemVersion: string;
  readonly entries: readonly Uint8Array[];
  readonly typeUrl: string;
  readonly removed: readonly string[];
  readonly nonce: string;
  readonly controlPlane?: Uint8Array;
}): Buffer {
  const head = new BinaryWriter().uint32(Tag.versionInfo).string(args.systemVersion).finish();
  const tail = new BinaryWriter().uint32(Tag.typeUrl).string(args.typeUrl);
  for (const name of args.removed) tail.uint32(Tag.deltaRemovedResources).string(name);
  tail.uint32(Tag.nonce).string(args.nonce);
  if (args.controlPlane) tail.uint32(Tag.deltaControlPlane).bytes(args.controlPlane);
  return Buffer.concat([head, ...args.entries, tail.finish()]);
}
