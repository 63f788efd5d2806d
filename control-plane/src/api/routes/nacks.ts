// GET /v1/nacks: the NACK history the status registry keeps (the latest rejections, newest first,
// kept after their proxies disconnect), optionally only one node's or one kind's.

import { KINDS } from "../../resources/index.js";
import type { NackRecord } from "../../status/proxy-status.js";
import type { ApiApp, ApiContext } from "../api-context.js";
import { ERROR_RESPONSES, NacksQuery, NacksResponse } from "../schemas.js";

/** The API's fields of one record; `versionRejected` keeps the name the field was first given. */
function nackView(record: NackRecord): NacksResponse["nacks"][number] {
  return {
    nodeId: record.nodeId,
    typeUrl: record.typeUrl,
    version: record.versionRejected,
    versionRejected: record.versionRejected,
    ...(record.nonce === undefined ? {} : { nonce: record.nonce }),
    message: record.message,
    at: record.at,
  };
}

export function registerNackRoutes(app: ApiApp, context: ApiContext): void {
  app.get(
    "/v1/nacks",
    {
      schema: {
        summary: "Recent NACKs, newest first, including those of proxies that have disconnected",
        description:
          "?node=ID keeps one node's NACKs, ?type=KIND those of one kind's type URL; an unknown kind is 400 " +
          "WEFT_BAD_REQUEST with the path querystring.type.",
        tags: ["proxies"],
        querystring: NacksQuery,
        response: { 200: NacksResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { node, type } = request.query;
      const typeUrl = type === undefined ? undefined : KINDS[type].typeUrl;
      const nacks = context.proxies
        .recentNacks()
        .filter(
          (nack) => (node === undefined || nack.nodeId === node) && (typeUrl === undefined || nack.typeUrl === typeUrl),
        );
      return { nacks: nacks.map(nackView) };
    },
  );
}
