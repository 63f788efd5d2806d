// The Client Status Discovery Service, served from the status registry: the control plane's view
// of what each connected client was sent and acknowledged (docs/xds-protocol.md #49-51).

import type { ServerDuplexStream, ServerUnaryCall, sendUnaryData } from "@grpc/grpc-js";
import { ClientResourceStatus } from "../../../proto/gen/envoy/admin/v3/config_dump_shared.js";
import {
  type ClientConfig,
  type ClientConfig_GenericXdsConfig,
  type ClientStatusRequest,
  ClientStatusResponse,
  ConfigStatus,
} from "../../../proto/gen/envoy/service/status/v3/csds.js";
import { Any } from "../../../proto/gen/google/protobuf/any.js";
import type { ResourceSyncStatus, StatusRegistry } from "../status/registry.js";
import { matchesNode } from "./node-matcher.js";

const CONFIG_STATUS: Record<ResourceSyncStatus, ConfigStatus> = {
  SYNCED: ConfigStatus.SYNCED,
  NOT_SENT: ConfigStatus.NOT_SENT,
  STALE: ConfigStatus.STALE,
  ERROR: ConfigStatus.ERROR,
};

/** One ClientConfig per connected client that any of the request's node_matchers selects (all when none). */
export function clientStatus(registry: StatusRegistry, request: ClientStatusRequest): ClientStatusResponse {
  const config: ClientConfig[] = [];
  for (const connection of registry.connections()) {
    const node = connection.node;
    if (request.nodeMatchers.length > 0 && !request.nodeMatchers.some((m) => matchesNode(m, node))) continue;
    const generic: ClientConfig_GenericXdsConfig[] = connection.resources().map((r) => ({
      typeUrl: r.typeUrl,
      name: r.name,
      versionInfo: r.version,
      ...(r.anyBytes && !request.excludeResourceContents ? { xdsConfig: Any.decode(r.anyBytes) } : {}),
      configStatus: CONFIG_STATUS[r.status],
      // Filled by clients reporting on themselves; a server leaves it unknown (docs/xds-protocol.md #51).
      clientStatus: ClientResourceStatus.UNKNOWN,
      isStaticResource: false,
    }));
    config.push({
      ...(node.raw ? { node: node.raw as NonNullable<ClientConfig["node"]> } : {}),
      genericXdsConfigs: generic,
      clientScope: "",
    });
  }
  return ClientStatusResponse.fromPartial({ config });
}

export function csdsHandlers(registry: StatusRegistry) {
  return {
    fetchClientStatus(
      call: ServerUnaryCall<ClientStatusRequest, ClientStatusResponse>,
      callback: sendUnaryData<ClientStatusResponse>,
    ) {
      callback(null, clientStatus(registry, call.request));
    },
    streamClientStatus(call: ServerDuplexStream<ClientStatusRequest, ClientStatusResponse>) {
      call.on("data", (request: ClientStatusRequest) => call.write(clientStatus(registry, request)));
      call.on("end", () => call.end());
      call.on("error", () => call.end());
    },
  };
}
