// Entry point of the `weft` command line; bin/weft.js imports the compiled copy and calls main().
import { describeError } from "./errors.js";
import { readPackageVersion } from "./package-info.js";
import { buildProgram } from "./program.js";
import { printedExitCode, USAGE_EXIT_CODE, UsageError } from "./usage-errors.js";

/**
 * Runs the command line given as process.argv (node, script, arguments...). Every failure ends
 * with one line on stderr, `weft: CODE: message`: a usage error (the command line itself is
 * wrong) adds a line naming the command's --help and exits 2, any other failure exits 1.
 * --help and --version print and exit 0.
 */
export async function main(argv: readonly string[]): Promise<void> {
  ignoreClosedStdout();
  try {
    const program = buildProgram({ version: readPackageVersion() });
    await program.parseAsync([...argv]);
  } catch (error: unknown) {
    const printed = printedExitCode(error);
    if (printed !== undefined) {
      process.exitCode = printed;
      return;
    }
    process.stderr.write(`weft: ${describeError(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`${error.hint}\n`);
    process.exitCode = error instanceof UsageError ? USAGE_EXIT_CODE : 1;
  }
}

/**
 * A reader that closes stdout early (`weft get all | head`) must not crash the command with an
 * unhandled EPIPE: what is left to print is dropped and the command ends with its own exit code.
 * Any other stdout error still surfaces.
 */
function ignoreClosedStdout(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}
