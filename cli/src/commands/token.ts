// `weft token`: join tokens, with which a sidecar proves its service to the control plane's CA, and
// API tokens with a role (POST, GET and DELETE /v1/tokens). `create` prints the token alone on
// stdout, so a script can keep it (TOKEN=$(weft token create --service web)); what it is for goes
// to stderr.
import { Command, InvalidArgumentError, Option } from "commander";
import type { TokenView } from "../client/index.js";
import { envOption } from "../env-option.js";
import { addClientOptions, type ClientFlags, parseDuration, withApi } from "./client-options.js";
import { examples } from "./help-examples.js";
import { jsonText, type OutputFormat, outputOption, yamlText } from "./output-format.js";
import { ago, renderTable } from "./table.js";

interface CreateFlags extends ClientFlags {
  service?: string;
  role?: string;
  ttl?: number;
  output: "token" | "yaml" | "json";
}

interface ListFlags extends ClientFlags {
  output: OutputFormat;
}

/** --ttl as whole seconds (the API's unit): "90s", "15m", "24h". */
export function ttlSeconds(value: string): number {
  const ms = parseDuration(value);
  if (ms % 1000 !== 0) throw new InvalidArgumentError('expected whole seconds, such as "90s", "15m" or "24h"');
  return ms / 1000;
}

/** What a token is now: active, expired or revoked. */
export function tokenState(token: TokenView, now = Date.now()): string {
  if (token.revokedAt !== null) return "revoked";
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now) return "expired";
  return "active";
}

export function tokensTable(tokens: readonly TokenView[], now = Date.now()): string {
  return renderTable(
    ["ID", "KIND", "FOR", "STATE", "CREATED", "EXPIRES"],
    tokens.map((t) => [
      t.id,
      t.kind,
      t.kind === "join" ? `service ${t.service ?? "-"}` : `role ${t.role ?? "-"}`,
      tokenState(t, now),
      ago(t.createdAt, now),
      t.expiresAt ?? "never",
    ]),
  );
}

function createCommand(): Command {
  const command = new Command("create")
    .description("create a join token for a service, or an API token with a role (printed once)")
    .option("--service <name>", "a join token: the Service whose identity it proves")
    .addOption(
      new Option("--role <role>", "an API token: read (GET), write (also change config), admin (also tokens)")
        .choices(["read", "write", "admin"])
        .conflicts("service"),
    )
    .option("--ttl <duration>", "expire the token after this long (e.g. 24h); default: never", ttlSeconds)
    .addOption(
      envOption("-o, --output <format>", "token: the token alone; yaml or json: the whole answer, id included")
        .choices(["token", "yaml", "json"])
        .default("token"),
    );
  return addClientOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "Give --service (a join token) or --role (an API token). The token (weft.ID.SECRET) is",
        "printed alone on stdout and shown nowhere else; the control plane keeps its digest. A join",
        "token proves its service and nothing else; a sidecar that restarts needs it again, so a",
        "token with --ttl must be replaced before it expires. An API token is sent as --token",
        "(WEFT_API_TOKEN) where the API requires tokens (control-plane --api-token, itself an admin).",
        "",
        "Examples:",
        ...examples([
          ["TOKEN=$(weft token create --service web)", "a token for web's sidecars"],
          ["weft token create --service catalog --ttl 24h -o json", "one expiring in a day, with its id"],
          ["weft token create --role read", "an API token that may only read"],
        ]),
      ].join("\n"),
    )
    .action(async (flags: CreateFlags, command: Command) => {
      if (flags.service === undefined && flags.role === undefined) {
        command.error("--service or --role: give one (a join token for a service, or an API token with a role)");
      }
      const grant = flags.service === undefined ? { role: flags.role ?? "" } : { service: flags.service };
      const created = await withApi(flags, (api) => api.createToken(grant, flags.ttl));
      if (flags.output === "json") return void process.stdout.write(jsonText(created));
      if (flags.output === "yaml") return void process.stdout.write(yamlText([created]));
      const what =
        created.kind === "join"
          ? `join token ${created.id} for service ${created.service}`
          : `API token ${created.id} with role ${created.role}`;
      process.stderr.write(`${what}, expires ${created.expiresAt ?? "never"}\n`);
      process.stdout.write(`${created.token}\n`);
    });
}

function listCommand(): Command {
  const command = new Command("list")
    .description("list the join and API tokens (never their secrets), revoked and expired ones included")
    .addOption(outputOption(["table", "yaml", "json"], "table"));
  return addClientOptions(command)
    .addHelpText(
      "after",
      ["", "Examples:", ...examples([["weft token list", "every token, what it is for and its state"]])].join("\n"),
    )
    .action(async (flags: ListFlags) => {
      const tokens = await withApi(flags, (api) => api.tokens());
      if (flags.output === "json") return void process.stdout.write(jsonText({ tokens }));
      if (flags.output === "yaml") return void process.stdout.write(yamlText([{ tokens }]));
      if (tokens.length === 0) return void process.stderr.write("no tokens\n");
      process.stdout.write(tokensTable(tokens));
    });
}

function revokeCommand(): Command {
  const command = new Command("revoke")
    .description("revoke a token: refused from now on (certificates issued with a join token run until they expire)")
    .argument("<id>", "the token's id (see `weft token list`)");
  return addClientOptions(command)
    .addHelpText(
      "after",
      ["", "Examples:", ...examples([["weft token revoke 3f9a0c17e2b4", "refuse that token from now on"]])].join("\n"),
    )
    .action(async (id: string, flags: ClientFlags) => {
      const revoked = await withApi(flags, (api) => api.revokeToken(id));
      const what = revoked.kind === "join" ? `service ${revoked.service}` : `role ${revoked.role}`;
      process.stdout.write(`${revoked.kind} token ${revoked.id} (${what}) revoked at ${revoked.revokedAt}\n`);
    });
}

export function tokenCommand(): Command {
  return new Command("token")
    .description("tokens: join tokens (a sidecar proves its service) and API tokens with a role")
    .addCommand(createCommand())
    .addCommand(listCommand())
    .addCommand(revokeCommand());
}
