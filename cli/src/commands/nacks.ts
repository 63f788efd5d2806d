// `weft nacks`: the control plane's NACK history (GET /v1/nacks), newest first: which proxy
// rejected which version of which type, and its own message. It outlives the proxies'
// connections, unlike `weft status`'s LAST NACK.
import { Command } from "commander";
import type { NackView } from "../client/index.js";
import { addClientOptions, type ClientFlags, withApi } from "./client-options.js";
import { examples } from "./help-examples.js";
import { jsonText, type OutputFormat, outputOption, yamlText } from "./output-format.js";
import { requireEnvoyKind } from "./resource-kinds.js";
import { shortTypeName } from "./sync-wait.js";
import { ago, renderTable, truncate } from "./table.js";

interface Flags extends ClientFlags {
  node?: string;
  type?: string;
  output: OutputFormat;
}

export function nacksTable(nacks: readonly NackView[], now = Date.now()): string {
  return renderTable(
    ["NODE", "TYPE", "VERSION", "AGE", "MESSAGE"],
    nacks.map((nack) => [
      nack.nodeId === "" ? "-" : nack.nodeId,
      shortTypeName(nack.typeUrl),
      nack.version === "" ? "-" : nack.version.slice(0, 8),
      ago(nack.at, now),
      truncate(nack.message, 100),
    ]),
  );
}

export function nacksCommand(): Command {
  const command = new Command("nacks")
    .description("the proxies' recent rejections (NACKs), newest first, kept after they disconnect")
    .option("--node <id>", "only this node's NACKs")
    .option("--type <kind>", "only one kind's: listeners, routes, clusters, endpoints (or listener, Listener, ...)")
    .addOption(outputOption(["table", "yaml", "json"], "table"));
  return addClientOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "The control plane keeps the last 100 NACKs of every proxy, also of those that have",
        "disconnected since. TYPE is LDS, RDS, CDS or EDS; VERSION the first 8 characters of the",
        "version the proxy rejected; MESSAGE the proxy's own error. -o json prints the API's",
        "GET /v1/nacks answer, full versions included.",
        "",
        "Examples:",
        ...examples([
          ["weft nacks", "every recent NACK"],
          ["weft nacks --node front-1 --type listeners", "one proxy's rejected listeners"],
          ["weft nacks -o json", "as the API answers it"],
        ]),
      ].join("\n"),
    )
    .action(async (flags: Flags) => {
      const filter = {
        ...(flags.node === undefined ? {} : { node: flags.node }),
        ...(flags.type === undefined ? {} : { kind: requireEnvoyKind(flags.type) }),
      };
      const nacks = await withApi(flags, (api) => api.nacks(filter));
      if (flags.output === "json") return void process.stdout.write(jsonText({ nacks }));
      if (flags.output === "yaml") return void process.stdout.write(yamlText([{ nacks }]));
      if (nacks.length === 0) return void process.stderr.write("no NACKs\n");
      process.stdout.write(nacksTable(nacks));
    });
}
