// The `weft` command tree. Each command's options also come from WEFT_<OPTION_IN_CAPS>
// environment variables (CONTRACT.md), e.g. --api-listen from WEFT_API_LISTEN.
import { Command } from "commander";
import { controlPlaneCommand } from "./commands/control-plane.js";
import { proxyCommand } from "./commands/proxy.js";

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
        "capitals, e.g. WEFT_API_LISTEN for --api-listen.",
        "",
        "Examples:",
        "  $ weft control-plane                          serve xDS on 127.0.0.1:18000, the API on 127.0.0.1:18080",
        "  $ weft control-plane --data-dir /var/lib/weft  keep the config database elsewhere",
        "  $ weft proxy --node-id front-1                 a proxy fed by the control plane on 127.0.0.1:18000",
        "  $ weft --version                              print the installed version",
      ].join("\n"),
    );
  program.addCommand(controlPlaneCommand());
  program.addCommand(proxyCommand());
  return program;
}
