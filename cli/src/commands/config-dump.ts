// `weft config-dump`: the config a proxy runs, from its admin's GET /config_dump.
import { Command, Option } from "commander";
import { KIND_NAMES, KINDS, type KindName } from "../../../proto/index.js";
import { HttpClient } from "../client/index.js";
import { envOption } from "../env-option.js";
import { parseDuration } from "./client-options.js";
import { jsonText, yamlText } from "./output-format.js";
import { requireEnvoyKind } from "./resource-kinds.js";
import { ago, renderTable, shortVersion } from "./table.js";

interface Flags {
  admin: string;
  output: "json" | "yaml" | "table";
  type?: string;
  timeout: number;
}

export function configDumpCommand(): Command {
  return new Command("config-dump")
    .description("print the config a proxy runs, from its admin endpoint")
    .addOption(envOption("--admin <url>", "the proxy's admin address").default("http://127.0.0.1:19000"))
    .addOption(envOption("-o, --output <format>", "output format").choices(["json", "yaml", "table"]).default("json"))
    .addOption(new Option("--type <kind>", "only one kind: listeners, routes, clusters or endpoints"))
    .addOption(
      envOption("--timeout <duration>", "deadline for the request").argParser(parseDuration).default(10_000, "10s"),
    )
    .addHelpText(
      "after",
      [
        "",
        "The dump holds the proxy's node, its xDS connection (server, protocol, last NACK) and, per",
        "kind, the version_info of the last response the proxy accepted (the version `weft status`",
        "shows for the type) and each resource in use with its own version (the one `weft get`",
        "shows), the version_info of the response that last changed it, and its state.",
        "-o table prints one line per resource: its own version, state and when it last changed,",
        "under a line per kind with the kind's version_info.",
        "",
        "Examples:",
        "  $ weft config-dump",
        "  $ weft config-dump --admin http://127.0.0.1:19001 --type clusters -o yaml",
        "  $ weft config-dump -o table",
      ].join("\n"),
    )
    .action(async (flags: Flags) => {
      const kind = flags.type === undefined ? undefined : requireEnvoyKind(flags.type);
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
      if (flags.output === "table") process.stdout.write(dumpTable(dump, kind === undefined ? KIND_NAMES : [kind]));
      else process.stdout.write(flags.output === "yaml" ? yamlText([dump]) : jsonText(dump));
    });
}

interface DumpedType {
  readonly versionInfo?: string;
  readonly resources?: readonly {
    readonly name?: string;
    readonly version?: string;
    readonly state?: string;
    readonly lastUpdated?: string;
  }[];
}

/**
 * Per kind, a line with the type's version_info (the version a proxy acknowledges, as `weft
 * status` shows it), then one row per resource with its own version (as `weft get` shows it).
 */
export function dumpTable(
  dump: Readonly<Record<string, unknown>>,
  kinds: readonly KindName[],
  now = Date.now(),
): string {
  return kinds
    .map((kind) => {
      const type = (dump[kind] ?? {}) as DumpedType;
      const heading = `${KINDS[kind].messageName} (version_info ${shortVersion(type.versionInfo ?? "")})`;
      const rows = (type.resources ?? []).map((r) => [
        r.name ?? "",
        shortVersion(r.version ?? ""),
        r.state ?? "-",
        r.lastUpdated === undefined ? "-" : ago(r.lastUpdated, now),
      ]);
      return `${heading}\n${rows.length === 0 ? "(none)\n" : renderTable(["NAME", "VERSION", "STATE", "UPDATED"], rows)}`;
    })
    .join("\n");
}
