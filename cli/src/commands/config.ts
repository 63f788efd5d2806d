// `weft config NODE`: what the control plane sends one connected proxy now, written and
// generated alike (GET /v1/proxies/NODE/config): the control plane's side of `weft config-dump`,
// which asks the proxy what it runs.
import { Command, Option } from "commander";
import { KIND_NAMES, KINDS } from "../../../proto/index.js";
import type { ProxyConfig } from "../client/index.js";
import { addClientOptions, type ClientFlags, withApi } from "./client-options.js";
import { examples } from "./help-examples.js";
import { jsonText, type OutputFormat, outputOption, yamlText } from "./output-format.js";
import { requireEnvoyKind } from "./resource-kinds.js";
import { renderTable, shortVersion } from "./table.js";

interface Flags extends ClientFlags {
  output: OutputFormat;
  type?: string;
}

/**
 * A line naming the node and the snapshot revision, then one row per resource: its kind (Envoy's
 * message name), name, own version and origin (written, generated, synthetic).
 */
export function configTable(config: ProxyConfig): string {
  const sidecar = config.node.sidecar;
  const role =
    sidecar === null
      ? "proxy"
      : `sidecar of ${sidecar.service}, may call ${sidecar.depends === null ? "every service" : sidecar.depends.join(",") || "nothing"}`;
  const heading = `node ${config.nodeId} (${role}), revision ${config.revision}\n`;
  const rows: string[][] = [];
  for (const kind of KIND_NAMES) {
    const type = config.types[KINDS[kind].typeUrl];
    for (const resource of type?.resources ?? [])
      rows.push([KINDS[kind].messageName, resource.name, shortVersion(resource.version), resource.origin]);
  }
  return `${heading}${rows.length === 0 ? "(no resources)\n" : renderTable(["TYPE", "NAME", "VERSION", "ORIGIN"], rows)}`;
}

export function configCommand(): Command {
  const command = new Command("config")
    .description("print what the control plane sends one connected proxy now, written and generated")
    .argument("<node>", "the proxy's node id, as `weft status` lists it")
    .addOption(outputOption(["table", "yaml", "json"], "table"))
    .addOption(new Option("--type <kind>", "only one kind: listeners, routes, clusters or endpoints"));
  return addClientOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "The control plane's view of a proxy, beside `weft config-dump` (the proxy's own): every",
        "resource of the node's view of the current snapshot, after node scoping and, for a sidecar,",
        "with the mesh config compiled for it. ORIGIN says where each comes from: written (through the",
        "API or `weft apply`), generated (compiled from Services and routes; names start with",
        "outbound| or inbound|) or synthetic (the empty endpoints of an EDS cluster nobody wrote).",
        "-o yaml and -o json print every resource in full as Envoy JSON, with the node's sidecar",
        "metadata. A node with no xDS stream to this control plane is WEFT_NOT_FOUND.",
        "",
        "Examples:",
        ...examples([
          ["weft config web-1", "one row per resource web-1 is sent"],
          ["weft config web-1 --type clusters -o yaml", "its clusters in full"],
          ["weft config front-1 -o json", "everything, as JSON"],
        ]),
      ].join("\n"),
    )
    .action(async (node: string, flags: Flags) => {
      const kind = flags.type === undefined ? undefined : requireEnvoyKind(flags.type);
      const config = await withApi(flags, (api) => api.proxyConfig(node, kind));
      if (flags.output === "table") process.stdout.write(configTable(config));
      else process.stdout.write(flags.output === "yaml" ? yamlText([config]) : jsonText(config));
    });
}
