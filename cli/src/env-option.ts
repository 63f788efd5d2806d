import { Option } from "commander";

/** An option whose value may also come from WEFT_<NAME>: `--api-listen` reads WEFT_API_LISTEN (CONTRACT.md). */
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
