// Envoy's own v3 API definitions, for comparison with Weft's hand-chosen subset. They ship (with
// the xds, googleapis and protoc-gen-validate files they import) inside @grpc/grpc-js-xds, a
// devDependency, and are parsed here by protobufjs, a protobuf implementation independent of
// Weft's generated code. Used at build time (npm run gen) and by tests, never at run time.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);

/** The folders Envoy's imports resolve against, found through the installed packages. */
function includeDirs(): string[] {
  const xds = dirname(require.resolve("@grpc/grpc-js-xds/package.json"));
  const dirs = ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((dir) => join(xds, "deps", dir));
  // google/protobuf/descriptor.proto (imported by the validate and udpa annotations) is on disk
  // here; any, duration, struct and the other well-known types are compiled into protobufjs.
  dirs.push(dirname(require.resolve("protobufjs/package.json")));
  // The gRPC services Weft also serves (reflection, health) are checked against the definitions
  // their reference packages ship.
  dirs.push(join(dirname(require.resolve("@grpc/reflection/package.json")), "build", "proto"));
  return dirs;
}

/** Where a reference package keeps a file under another path than its canonical one. */
const relocated: Readonly<Record<string, string>> = {
  "grpc/health/v1/health.proto": join(
    dirname(require.resolve("grpc-health-check/package.json")),
    "proto",
    "health",
    "v1",
    "health.proto",
  ),
};

/**
 * The reference definitions of `files` (paths such as `envoy/config/route/v3/route.proto`) and
 * everything they import, with fields named as in the .proto source (snake_case). Throws if a
 * file is missing.
 */
export function loadEnvoyDefinitions(files: readonly string[]): protobuf.Root {
  const dirs = includeDirs();
  const root = new protobuf.Root();
  // An import that is in none of the folders is returned unchanged, which lets protobufjs fall
  // back to its bundled copy of the well-known types.
  root.resolvePath = (_origin, target) =>
    relocated[target] ?? dirs.map((dir) => join(dir, target)).find(existsSync) ?? target;
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}
