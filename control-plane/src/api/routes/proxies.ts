// GET /v1/proxies: every connected proxy and, per type URL, how far it is in sync (the shape in the README's "Proxies").
import type { ProxyStatus } from "../../status/proxy-status.js";
import type { ApiApp, ApiContext } from "../api-context.js";
import { ERROR_RESPONSES, ProxiesResponse } from "../schemas.js";

/** The README's fields, and only those: the registry may hold more (metadata) than the API shows. */
function proxyView(proxy: ProxyStatus): ProxiesResponse["proxies"][number] {
  const types: ProxiesResponse["proxies"][number]["types"] = {};
  for (const [typeUrl, status] of Object.entries(proxy.types)) {
    types[typeUrl] = {
      state: status.state,
      versionSent: status.versionSent,
      versionAcked: status.versionAcked,
      nonce: status.nonce,
      subscribed: [...status.subscribed],
      revision: status.revision,
      lastNack:
        status.lastNack === null
          ? null
          : { message: status.lastNack.message, at: status.lastNack.at, revision: status.lastNack.revision },
    };
  }
  return {
    nodeId: proxy.nodeId,
    cluster: proxy.cluster,
    address: proxy.address,
    connectedAt: proxy.connectedAt,
    userAgent: proxy.userAgent,
    revision: proxy.revision,
    types,
  };
}

export function registerProxyRoutes(app: ApiApp, context: ApiContext): void {
  app.get(
    "/v1/proxies",
    {
      schema: {
        summary: "Connected proxies and their sync state per type URL",
        tags: ["proxies"],
        response: { 200: ProxiesResponse, ...ERROR_RESPONSES },
      },
    },
    async () => ({ proxies: context.proxies.proxies().map(proxyView) }),
  );
}
