// Commander's own errors about the command line (unknown option, missing argument, invalid choice,
// missing required option, ...) turned into a CliError WEFT_CLI_USAGE, so that main() prints them
// in the one form every error has (`weft: CODE: message`), followed by a hint naming the --help
// of the command that was mistyped, and exits 2.
import { type Command, CommanderError } from "commander";
import { CliError, CliErrorCode } from "./errors.js";

/** The exit status of a usage error; 1 is a command that ran and failed. */
export const USAGE_EXIT_CODE = 2;

/** Commander's exits that are not errors: help and version were printed as asked. */
const PRINTED = new Set(["commander.helpDisplayed", "commander.version"]);

export class UsageError extends CliError {
  /** One line pointing at the help of the command concerned, e.g. "Run 'weft apply --help' for usage." */
  readonly hint: string;

  constructor(message: string, commandPath: string, options?: { cause?: unknown }) {
    super(CliErrorCode.usage, message, options);
    this.hint = `Run '${commandPath} --help' for usage.`;
  }
}

/** `weft apply`: the names from the root command down to `command`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current !== null; current = current.parent) names.unshift(current.name());
  return names.join(" ");
}

/**
 * Makes `command` and every command under it throw instead of exiting: a UsageError for a usage
 * error (commander prints nothing itself), the CommanderError for help and version, which it has
 * already printed (commander.help is the help printed on stderr when a command is missing).
 */
export function throwUsageErrors(command: Command): void {
  command.configureOutput({ outputError: () => undefined }).exitOverride((error: CommanderError) => {
    if (PRINTED.has(error.code) || error.code === "commander.help") throw error;
    throw new UsageError(error.message.replace(/^error: /, ""), commandPath(command), { cause: error });
  });
  for (const sub of command.commands) throwUsageErrors(sub);
}

/**
 * For the help and version exits throwUsageErrors lets through (already printed), the exit status:
 * 0, or 2 for the help printed because a command was missing. Undefined for anything else.
 */
export function printedExitCode(error: unknown): number | undefined {
  if (!(error instanceof CommanderError) || !(PRINTED.has(error.code) || error.code === "commander.help")) {
    return undefined;
  }
  return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
}
