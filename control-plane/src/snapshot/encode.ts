// Encoding a resource once into every form a response needs.
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Resource } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import { Any } from "../../../proto/gen/google/protobuf/any.js";
import { packAny } from "../../../proto/index.js";
import type { SnapshotResource } from "./snapshot.js";

/** Field 2 (`resources`) of DiscoveryResponse and DeltaDiscoveryResponse, length-delimited. */
const RESOURCES_TAG = (2 << 3) | 2;

export function lengthDelimited(tag: number, bytes: Uint8Array): Uint8Array {
  return new BinaryWriter().uint32(tag).bytes(bytes).finish();
}

export function encodeResource(args: {
  typeUrl: string;
  typeName: string;
  name: string;
  version: string;
  message: unknown;
  synthetic?: boolean;
}): SnapshotResource {
  const any = packAny(args.typeName, args.message);
  const anyBytes = Any.encode(any).finish();
  const resourceBytes = Resource.encode(
    Resource.fromPartial({ name: args.name, version: args.version, resource: any }),
  ).finish();
  return {
    typeUrl: args.typeUrl,
    name: args.name,
    version: args.version,
    message: args.message,
    anyBytes,
    sotwEntry: lengthDelimited(RESOURCES_TAG, anyBytes),
    deltaEntry: lengthDelimited(RESOURCES_TAG, resourceBytes),
    synthetic: args.synthetic ?? false,
  };
}
