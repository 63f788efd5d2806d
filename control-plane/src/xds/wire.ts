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

/**
 * A DiscoveryResponse without its nonce: version_info, the resources' pre-encoded entries,
 * type_url, control_plane. Streams sending the same content share this; see withNonce().
 */
export function encodeSotwBody(args: {
  readonly version: string;
  readonly entries: readonly Uint8Array[];
  readonly typeUrl: string;
  readonly controlPlane?: Uint8Array;
}): Buffer {
  const head = new BinaryWriter().uint32(Tag.versionInfo).string(args.version).finish();
  const tail = new BinaryWriter().uint32(Tag.typeUrl).string(args.typeUrl);
  if (args.controlPlane) tail.uint32(Tag.sotwControlPlane).bytes(args.controlPlane);
  return Buffer.concat([head, ...args.entries, tail.finish()]);
}

/**
 * A complete response: a shared body and this stream's nonce (field 5 of both DiscoveryResponse
 * and DeltaDiscoveryResponse), written straight into one buffer: this runs once per response.
 */
export function withNonce(body: Buffer, nonce: string): Buffer {
  const length = Buffer.byteLength(nonce);
  if (length > 127) {
    const field = new BinaryWriter().uint32(Tag.nonce).string(nonce).finish();
    return Buffer.concat([body, field], body.length + field.length);
  }
  const out = Buffer.allocUnsafe(body.length + 2 + length);
  body.copy(out, 0);
  out[body.length] = Tag.nonce;
  out[body.length + 1] = length;
  out.write(nonce, body.length + 2, "utf8");
  return out;
}

/** A DeltaDiscoveryResponse without its nonce: system_version_info, resources, type_url, removed_resources, control_plane. */
export function encodeDeltaBody(args: {
  readonly systemVersion: string;
  readonly entries: readonly Uint8Array[];
  readonly typeUrl: string;
  readonly removed: readonly string[];
  readonly controlPlane?: Uint8Array;
}): Buffer {
  const head = new BinaryWriter().uint32(Tag.versionInfo).string(args.systemVersion).finish();
  const tail = new BinaryWriter().uint32(Tag.typeUrl).string(args.typeUrl);
  for (const name of args.removed) tail.uint32(Tag.deltaRemovedResources).string(name);
  if (args.controlPlane) tail.uint32(Tag.deltaControlPlane).bytes(args.controlPlane);
  return Buffer.concat([head, ...args.entries, tail.finish()]);
}
