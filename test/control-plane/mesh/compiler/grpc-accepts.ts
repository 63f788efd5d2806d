// Test helper: the check that a compiled resource is one gRPC's own xDS client (@grpc/grpc-js-xds,
// the version in devDependencies) accepts, run through the client's decode and validation code.
import assert from "node:assert/strict";
import * as xds from "@grpc/grpc-js-xds";
import { ClusterResourceType } from "@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type.js";
import { EndpointResourceType } from "@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type.js";
import { ListenerResourceType } from "@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type.js";
import type { CompiledResource } from "../../../../control-plane/src/mesh/compiler/index.js";
import { KINDS, packAny } from "../../../../proto/index.js";

// Registers the HTTP filters (router, fault) and balancers the client knows, as a client does.
xds.register();

const TYPES = {
  listeners: ListenerResourceType.get(),
  clusters: ClusterResourceType.get(),
  endpoints: EndpointResourceType.get(),
} as const;

/**
 * What the client's decode reads besides the resource: only TLS settings use it, to check that
 * the certificate provider instances they name are in the bootstrap.
 */
function contextOf(certificateProviders: readonly string[]): never {
  return {
    server: { serverUri: "127.0.0.1:0", channelCreds: [], serverFeatures: [] },
    bootstrap: {
      xdsServers: [],
      node: { id: "test" },
      authorities: {},
      certificateProviders: Object.fromEntries(certificateProviders.map((name) => [name, {}])),
    },
  } as never;
}

/**
 * Asserts gRPC decodes and validates `resource` (a NACK would name what it refuses), for a client
 * whose bootstrap declares `certificateProviders` (none by default); returns what it decoded.
 */
export function assertGrpcAccepts(
  resource: CompiledResource<"listeners" | "clusters" | "endpoints">,
  certificateProviders: readonly string[] = [],
): unknown {
  const any = packAny(KINDS[resource.kind].typeName, resource.message);
  const context = contextOf(certificateProviders);
  const result = TYPES[resource.kind].decode(context, { type_url: any.typeUrl, value: Buffer.from(any.value) });
  if (result.error !== undefined) assert.fail(`gRPC refuses ${resource.kind}/${resource.name}: ${result.error}`);
  assert.equal(result.name, resource.name);
  return result.value;
}
