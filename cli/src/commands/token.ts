// `weft token`: join tokens, with which a sidecar proves its service to the control plane's CA
// (POST, GET and DELETE /v1/tokens). `create` prints the token alone on stdout, so a script can
// keep it (TOKEN=$(weft token create --service web)); what it is for goes to stderr.
import { Command, InvalidArgumentError } from "commander";
import type { JoinTokenView } from "../client/index.js";
import { envOption } from "../env-option.js";
import { addClientOptions, type ClientFlags, parseDuration, withApi } from "./client-options.js";
import { examples } from "./help-examples.js";
import { jsonText, type OutputFormat, outputOption, yamlText } from "./output-format.js";
import { ago, renderTable } from "./table.js";

interface CreateFlags extends ClientFlags {
  service: string;
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
export function tokenState(token: JoinTokenView, now = Date.now()): string {
  if (token.revokedAt !== null) return "revoked";
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now) return "expired";
  return "active";
}

export function tokensTable(tokens: readonly JoinTokenView[], now = Date.now()): string {
  return renderTable(
    ["ID", "SERVICE", "STATE", "CREATED", "EXPIRES"],
    tokens.map((t) => [t.id, t.service, tokenState(t, now), ago(t.createdAt, now), t.expiresAt ?? "never"]),
  );
}

function createCommand(): Command {
  const command = new Command("create")
    .description("create a join token for a service (printed once: the control plane keeps its digest)")
    .requiredOption("--service <name>", "the Service whose identity the token proves")
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
        "The token (weft.ID.SECRET) is printed alone on stdout and shown nowhere else: keep it where",
        "the sidecars of that service can read it. It proves the service and nothing else. A sidecar",
        "that restarts needs it again, so a token with --ttl must be replaced before it expires.",
        "",
        "Examples:",
        ...examples([
          ["TOKEN=$(weft token create --service web)", "a token for web's sidecars"],
          ["weft token create --service catalog --ttl 24h -o json", "one expiring in a day, with its id"],
        ]),
      ].join("\n"),
    )
    .action(async (flags: CreateFlags) => {
      const created = await withApi(flags, (api) => api.createJoinToken(flags.service, flags.ttl));
      if (flags.output === "json") return void process.stdout.write(jsonText(created));
      if (flags.output === "yaml") return void process.stdout.write(yamlText([created]));
      process.stderr.write(
        `join token ${created.id} for service ${created.service}, expires ${created.expiresAt ?? "never"}\n`,
      );
      process.stdout.write(`${created.token}\n`);
    });
}

function listCommand(): Command {
  const command = new Command("list")
    .description("list the join tokens (never their secrets), revoked and expired ones included")
    .addOption(outputOption(["table", "yaml", "json"], "table"));
  return addClientOptions(command)
    .addHelpText(
      "after",
      ["", "Examples:", ...examples([["weft token list", "every join token and its state"]])].join("\n"),
    )
    .action(async (flags: ListFlags) => {
      const tokens = await withApi(flags, (api) => api.joinTokens());
      if (flags.output === "json") return void process.stdout.write(jsonText({ tokens }));
      if (flags.output === "yaml") return void process.stdout.write(yamlText([{ tokens }]));
      if (tokens.length === 0) return void process.stderr.write("no join tokens\n");
      process.stdout.write(tokensTable(tokens));
    });
}

function revokeCommand(): Command {
  const command = new Command("revoke")
    .description("revoke a join token: refused from now on (certificates issued with it run until they expire)")
    .argument("<id>", "the token's id (see `weft token list`)");
  return addClientOptions(command)
    .addHelpText(
      "after",
      ["", "Examples:", ...examples([["weft token revoke 3f9a0c17e2b4", "refuse that token from now on"]])].join("\n"),
    )
    .action(async (id: string, flags: ClientFlags) => {
      const revoked = await withApi(flags, (api) => api.revokeJoinToken(id));
      process.stdout.write(`join token ${revoked.id} (service ${revoked.service}) revoked at ${revoked.revokedAt}\n`);
    });
}

export function tokenCommand(): Command {
  return new Command("token")
    .description("join tokens: how sidecars prove their service to the control plane's CA")
    .addCommand(createCommand())
    .addCommand(listCommand())
    .addCommand(revokeCommand());
}
