// `weft status`: one row per connected proxy, like `istioctl proxy-status`: each xDS type's state
// (SYNCED, STALE, NACKED, NOT_SENT) with the version the proxy acknowledged, and its last NACK.
import { Command } from "commander";
import { KINDS } from "../../../proto/index.js";
import type { ProxyStatus, TypeStatus } from "../client/index.js";
import { addClientOptions, type ClientFlags, withApi } from "./client-options.js";
import { jsonText, type OutputFormat, outputOption, yamlText } from "./output-format.js";
import { shortTypeName } from "./sync-wait.js";
import { ago, renderTable, shortVersion, truncate } from "./table.js";

interface Flags extends ClientFlags {
  output: OutputFormat;
}

/** One column per type, headed by its discovery service: CDS, LDS, EDS, RDS. */
const COLUMNS = [KINDS.clusters, KINDS.listeners, KINDS.endpoints, KINDS.routes].map(
  (kind) => [kind.discoveryService, kind.typeUrl] as const,
);

/**
 * `SYNCED 3f2a1b7c`: the state and the type's acknowledged version_info, shortened as every table
 * shortens versions; "-" for a type the proxy does not ask for.
 */
function stateCell(status: TypeStatus | undefined): string {
  if (status === undefined) return "-";
  const version = status.versionAcked === "" ? "" : ` ${shortVersion(status.versionAcked)}`;
  return `${status.state}${version}`;
}

/** The newest NACK among the proxy's types: `LDS 12s ago: message`. */
function lastNackCell(proxy: ProxyStatus, now: number): string {
  let newest: { typeUrl: string; at: string; message: string } | undefined;
  for (const [typeUrl, status] of Object.entries(proxy.types)) {
    const nack = status.lastNack;
    if (nack !== null && (newest === undefined || Date.parse(nack.at) > Date.parse(newest.at))) {
      newest = { typeUrl, ...nack };
    }
  }
  if (newest === undefined) return "-";
  return truncate(`${shortTypeName(newest.typeUrl)} ${ago(newest.at, now)}: ${newest.message}`, 70);
}

export function statusTable(proxies: readonly ProxyStatus[], now = Date.now()): string {
  return renderTable(
    ["NAME", "CLUSTER", ...COLUMNS.map(([title]) => title), "CONNECTED", "LAST NACK"],
    proxies.map((proxy) => [
      proxy.nodeId,
      proxy.cluster === "" ? "-" : proxy.cluster,
      ...COLUMNS.map(([, typeUrl]) => stateCell(proxy.types[typeUrl])),
      ago(proxy.connectedAt, now),
      lastNackCell(proxy, now),
    ]),
  );
}

export function statusCommand(): Command {
  const command = new Command("status")
    .description("one row per connected proxy: the sync state of each xDS type and the last NACK")
    .addOption(outputOption(["table", "yaml", "json"], "table"));
  return addClientOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "States: SYNCED (the proxy acknowledged the last response), STALE (a response is on its way,",
        "not acknowledged yet), NACKED (the proxy rejected the last response and runs the previous",
        "config), NOT_SENT (asked for, nothing sent yet); - when the proxy does not ask for the type.",
        "Each state is followed by the first 8 characters of the type's version_info the proxy",
        "acknowledged: one version for the whole type (in state of the world, a hash of the names",
        "and versions of what was sent). Each resource's own version is what `weft get` shows,",
        "and `weft config-dump` shows both: the type's version_info and each resource's version.",
        "LAST NACK is the newest rejection's type, age and message. -o json prints the API's",
        "GET /v1/proxies answer, full versions and subscriptions included.",
        "",
        "Examples:",
        "  $ weft status",
        "  $ weft status -o json --server http://cp.internal:18080",
      ].join("\n"),
    )
    .action(async (flags: Flags) => {
      const proxies = await withApi(flags, (api) => api.proxies());
      if (flags.output === "json") return void process.stdout.write(jsonText({ proxies }));
      if (flags.output === "yaml") return void process.stdout.write(yamlText([{ proxies }]));
      if (proxies.length === 0) return void process.stderr.write("no proxies connected\n");
      process.stdout.write(statusTable(proxies));
    });
}
