// Weft's own package.json, as the CLI reports it: the search is the control plane's (it runs below
// the CLI), the errors are the CLI's.
import { findWeftManifest } from "../../control-plane/src/package-manifest.js";
import { CliError, CliErrorCode } from "./errors.js";

/**
 * The version in the nearest package.json named `weft` at or above `fromUrl`'s folder.
 * Throws a CliError (packageJsonNotFound, packageJsonInvalid) rather than guessing a version.
 */
export function readPackageVersion(fromUrl: string = import.meta.url): string {
  const manifest = findWeftManifest(fromUrl);
  if (manifest === undefined) {
    throw new CliError(CliErrorCode.packageJsonNotFound, `no package.json named weft above ${fromUrl}`);
  }
  if (typeof manifest.version !== "string" || manifest.version === "") {
    throw new CliError(CliErrorCode.packageJsonInvalid, `${manifest.path} has no version`);
  }
  return manifest.version;
}
