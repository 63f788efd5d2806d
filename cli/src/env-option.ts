import { Option } from "commander";
import { LOG_FORMATS } from "./server-logger.js";

/**
 * An option whose value may also come from WEFT_<NAME>: `--api-listen` reads WEFT_API_LISTEN (README,
 * "The `weft` command line").
 */
export function envOption(flags: string, description: string): Option {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1] ?? "";
  return new Option(flags, description).env(`WEFT_${long.replace(/-/g, "_").toUpperCase()}`);
}

/** `--log-level`, shared by the commands that run a server (control-plane, proxy). */
export function logLevelOption(): Option {
  return envOption("--log-level <level>", "how much to log")
    .choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info");
}

/** `--log-format`, shared like --log-level; no default here: unset means "pretty on a terminal" (chooseLogFormat). */
export function logFormatOption(): Option {
  return envOption(
    "--log-format <format>",
    "json (JSON lines) or pretty (for people); default pretty when stdout is a terminal, json otherwise",
  ).choices(LOG_FORMATS);
}
