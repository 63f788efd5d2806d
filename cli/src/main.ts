// Entry point of the `weft` command line; bin/weft.js imports the compiled copy and calls main().
import { CliError } from "./errors.js";
import { readPackageVersion } from "./package-info.js";
import { buildProgram } from "./program.js";

/**
 * Runs the command line given as process.argv (node, script, arguments...). Commander exits the
 * process itself for --help, --version and usage errors; other failures end with exit code 1 and
 * a one-line message on stderr.
 */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    const program = buildProgram({ version: readPackageVersion() });
    await program.parseAsync([...argv]);
  } catch (error: unknown) {
    const code = error instanceof CliError || hasCode(error) ? error.code : undefined;
    const message = error instanceof Error ? error.message : String(error);
    const text = code ? `${code}: ${message}` : message;
    process.stderr.write(`weft: ${text}\n`);
    process.exitCode = 1;
  }
}

function hasCode(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string";
}
