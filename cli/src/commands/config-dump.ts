// `weft config-dump`: the config a proxy runs, from its admin's GET /config_dump.
import { Command, Option } from "commander";
import { HttpClient } from "../client/index.js";
import { envOption } from "../env-option.js";
import { parseDuration } from "./client-options.js";
import { jsonText, yamlText } from "./output-format.js";
import { requireKind } from "./resource-kinds.js";

interface Flags {
  admin: string;
  output: "json" | "yaml";
  type?: string;
  timeout: number;
}

export function configDumpCommand(): Command {
  return new Command("config-dump")
    .description("print the config a proxy runs, from its admin endpoint")
    .addOption(envOption("--admin <url>", "the proxy's admin address").default("http://127.0.0.1:19000"))
    .addOption(envOption("-o, --output <format>", "output format").choices(["json", "yaml"]).default("json"))
    .addOption(new Option("--type <kind>", "only one kind: listeners, routes, clusters or endpoints"))
    .addOption(
      envOption("--timeout <duration>", "deadline for the request").argParser(parseDuration).default(10_000, "10s"),
    )
    .addHelpText(
      "after",
      [
        "",
        "The dump holds the proxy's node, its xDS connection (server, protocol, last NACK) and, per",
        "kind, the version_info and each resource in use with its version and state.",
        "",
        "Examples:",
        "  $ weft config-dump",
        "  $ weft config-dump --admin http://127.0.0.1:19001 --type clusters -o yaml",
      ].join("\n"),
    )
    .action(async (flags: Flags) => {
      const kind = flags.type === undefined ? undefined : requireKind(flags.type);
      const admin = new HttpClient({ baseUrl: flags.admin, timeoutMs: flags.timeout });
      let dump: Record<string, unknown>;
      try {
        dump = await admin.json<Record<string, unknown>>("GET", "/config_dump");
      } finally {
        await admin.close();
      }
      if (kind !== undefined) {
        const { node, xds } = dump;
        dump = { node, xds, [kind]: dump[kind] };
      }
      process.stdout.write(flags.output === "yaml" ? yamlText([dump]) : jsonText(dump));
    });
}
