// Weft's own package.json, found at run time. The module runs from two depths (cli/src/ under tsx,
// dist/cli/src/ once compiled), so the file is searched for upwards instead of at a fixed path.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError, CliErrorCode } from "./errors.js";

const PACKAGE_NAME = "weft";

/**
 * The version in the nearest package.json named `weft` at or above `fromUrl`'s folder.
 * Throws a CliError (packageJsonNotFound, packageJsonInvalid) rather than guessing a version.
 */
export function readPackageVersion(fromUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      const manifest: unknown = JSON.parse(readFileSync(candidate, "utf8"));
      if (isRecord(manifest) && manifest.name === PACKAGE_NAME) {
        if (typeof manifest.version !== "string" || manifest.version === "") {
          throw new CliError(CliErrorCode.packageJsonInvalid, `${candidate} has no version`);
        }
        return manifest.version;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new CliError(CliErrorCode.packageJsonNotFound, `no package.json named ${PACKAGE_NAME} above ${fromUrl}`);
    }
    dir = parent;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
