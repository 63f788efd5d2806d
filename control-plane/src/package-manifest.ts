// Weft's own package.json, found at run time. Modules run from two depths (the source under tsx,
// dist/ once compiled), so the file is searched for upwards instead of at a fixed path. The CLI
// and the API both read the version here; neither imports the other for it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCode, WeftError } from "./errors.js";

const PACKAGE_NAME = "weft";

export interface PackageManifest {
  /** The package.json file found. */
  readonly path: string;
  /** Its `version` field as written (not checked). */
  readonly version: unknown;
}

/** The nearest package.json named `weft` at or above `fromUrl`'s folder, or undefined. */
export function findWeftManifest(fromUrl: string = import.meta.url): PackageManifest | undefined {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      const manifest: unknown = JSON.parse(readFileSync(candidate, "utf8"));
      if (isRecord(manifest) && manifest.name === PACKAGE_NAME) return { path: candidate, version: manifest.version };
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

let cached: string | undefined;

/** Weft's version from its package.json; throws WEFT_INTERNAL if the install has none. */
export function weftVersion(): string {
  if (cached !== undefined) return cached;
  const manifest = findWeftManifest();
  if (typeof manifest?.version !== "string" || manifest.version === "") {
    throw new WeftError(
      ErrorCode.internal,
      `no version in a package.json named ${PACKAGE_NAME} above ${import.meta.url}`,
    );
  }
  cached = manifest.version;
  return cached;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
