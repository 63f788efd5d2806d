// The `weft` command tree. Commands (control-plane, proxy, apply, get, status) are added here as
// they are built; until then the program knows only --help and --version, and says so.
import { Command } from "commander";

export interface ProgramOptions {
  /** Printed by --version. */
  readonly version: string;
}

export function buildProgram(options: ProgramOptions): Command {
  return (
    new Command("weft")
      .description("An xDS control plane and proxies, wire-compatible with Envoy's v3 API.")
      .version(options.version, "-V, --version", "print weft's version and exit")
      .helpOption("-h, --help", "print this help and exit")
      .usage("[options]")
      // Operands are checked by the action below, so a stray word is reported as an unknown command
      // rather than as commander's generic "too many arguments".
      .allowExcessArguments(true)
      .addHelpText(
        "after",
        [
          "",
          "This version has no commands yet: it holds the foundation (the Envoy v3 protocol",
          "definitions and their JSON codec) that the control plane and proxy are built on.",
          "",
          "Examples:",
          "  $ weft --version    print the installed version",
          "  $ weft --help       print this help",
        ].join("\n"),
      )
      .action((_options: unknown, command: Command) => {
        const [first] = command.args;
        if (first !== undefined) {
          command.error(`error: unknown command '${first}' (see 'weft --help')`, {
            code: "commander.unknownCommand",
            exitCode: 1,
          });
        }
        // Nothing to do without a command: show the help, on stderr and with a failing exit code,
        // as commander does for a program that has subcommands and was given none.
        command.help({ error: true });
      })
  );
}
