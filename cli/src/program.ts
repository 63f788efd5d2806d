// The `weft` command tree. Each command's options also come from WEFT_<OPTION_IN_CAPS>
// environment variables (README, "The `weft` command line"), e.g. --api-listen from WEFT_API_LISTEN.
import { Command } from "commander";
import { applyCommand } from "./commands/apply.js";
import { certCommand } from "./commands/cert.js";
import { configCommand } from "./commands/config.js";
import { configDumpCommand } from "./commands/config-dump.js";
import { controlPlaneCommand } from "./commands/control-plane.js";
import { deleteCommand } from "./commands/delete.js";
import { describeCommand } from "./commands/describe.js";
import { diffCommand } from "./commands/diff.js";
import { getCommand } from "./commands/get.js";
import { examples } from "./commands/help-examples.js";
import { historyCommand } from "./commands/history.js";
import { nacksCommand } from "./commands/nacks.js";
import { proxyCommand } from "./commands/proxy.js";
import { rollbackCommand } from "./commands/rollback.js";
import { sidecarCommand } from "./commands/sidecar.js";
import { statusCommand } from "./commands/status.js";
import { tokenCommand } from "./commands/token.js";
import { styleHelp } from "./help-style.js";
import { throwUsageErrors } from "./usage-errors.js";

export interface ProgramOptions {
  /** Printed by --version. */
  readonly version: string;
}

export function buildProgram(options: ProgramOptions): Command {
  const program = new Command("weft")
    .description("An xDS control plane and proxies, wire-compatible with Envoy's v3 API.")
    .version(options.version, "-V, --version", "print weft's version and exit")
    .helpOption("-h, --help", "print this help and exit")
    .addHelpText(
      "after",
      [
        "",
        "Every option can also be set by an environment variable named WEFT_ and the option in",
        "capitals, e.g. WEFT_API_LISTEN for --api-listen. The client commands (apply, get, describe,",
        "delete, diff, status, config, nacks, history, rollback, token) talk to the REST API at --server (default:",
        "http://127.0.0.1:18080; HOST:PORT means http://HOST:PORT), with --token or WEFT_API_TOKEN",
        "when it requires one. A mistake on the command line is `weft: WEFT_CLI_USAGE: ...` and",
        "exit status 2; a command that fails exits 1 (weft diff: 1 means changes, 2 an error).",
        "",
        "Examples:",
        ...examples([
          ["weft control-plane", "serve xDS on 127.0.0.1:18000, the API on 127.0.0.1:18080"],
          ["weft control-plane --data-dir /var/lib/weft", "keep the config database elsewhere"],
          ["weft proxy --node-id front-1", "a proxy fed by the control plane on 127.0.0.1:18000"],
          ["weft sidecar --service catalog --app 127.0.0.1:8080", "join the mesh as an instance of catalog"],
          ["weft apply -f mesh.yaml --wait", "apply a config and wait for every proxy to take it"],
          ["weft get clusters", "list the clusters"],
          ["weft diff -f mesh.yaml", "what applying the file would change"],
          ["weft status", "the sync state of every connected proxy"],
          ["weft describe service catalog", "a Service's routes, endpoints and callers"],
          ["weft config web-1", "what the control plane sends proxy web-1"],
          ["weft nacks", "the proxies' recent rejections, newest first"],
          ["weft history && weft rollback 12", "list revisions, restore one"],
          ["weft token create --service web", "a join token for web's sidecars"],
          ["weft cert issue --service web --out ./certs --renew", "web's certificate as files, kept current"],
          ["weft --version", "print the installed version"],
        ]),
      ].join("\n"),
    );
  program.addCommand(controlPlaneCommand());
  program.addCommand(proxyCommand());
  program.addCommand(sidecarCommand());
  program.addCommand(applyCommand());
  program.addCommand(getCommand());
  program.addCommand(describeCommand());
  program.addCommand(deleteCommand());
  program.addCommand(diffCommand());
  program.addCommand(statusCommand());
  program.addCommand(configCommand());
  program.addCommand(configDumpCommand());
  program.addCommand(historyCommand());
  program.addCommand(rollbackCommand());
  program.addCommand(nacksCommand());
  program.addCommand(tokenCommand());
  program.addCommand(certCommand());
  // After every command is added: both walk the whole tree.
  styleHelp(program);
  throwUsageErrors(program);
  return program;
}
