// The control plane's own checks of what `weft sidecar` will register (label syntax, the `app`
// label, the address) and of its node id, run before anything starts so that a sidecar is never
// refused once running. Loaded only by `weft sidecar`: it brings the registry's schema.
import { WeftError } from "../../../control-plane/src/errors.js";
import { checkNodeId, parseRegistration } from "../../../control-plane/src/registry/index.js";
import type { FlagProblem, HostPort } from "./sidecar-flags.js";

/** A registration body's field path to the flag it comes from. */
function flagOf(path: string): string {
  if (path === "service") return "--service";
  if (path === "address") return "--listen";
  return "--labels";
}

function problemsOf(error: unknown, flag?: string): FlagProblem[] {
  if (!(error instanceof WeftError)) throw error;
  if (error.details.length === 0) return [{ flag: flag ?? "--labels", message: error.message }];
  return error.details.map((detail) => ({
    flag: flag ?? flagOf(detail.path),
    message:
      flag === undefined && detail.path.startsWith("labels") ? `${detail.path}: ${detail.message}` : detail.message,
  }));
}

export function checkRegistration(flags: {
  readonly service: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly listen: HostPort;
  readonly nodeId: string | undefined;
}): FlagProblem[] {
  const problems: FlagProblem[] = [];
  const nodeId = flags.nodeId ?? `${flags.service}-00000000`;
  if (flags.nodeId !== undefined) {
    try {
      checkNodeId(flags.nodeId, "--node-id");
    } catch (error) {
      problems.push(...problemsOf(error, "--node-id"));
    }
  }
  try {
    parseRegistration(problems.length === 0 ? nodeId : "node", {
      service: flags.service,
      address: flags.listen.host,
      // The port chosen for port 0 is not known yet; any valid port checks the rest.
      port: flags.listen.port === 0 ? 1 : flags.listen.port,
      labels: { ...flags.labels },
    });
  } catch (error) {
    problems.push(...problemsOf(error));
  }
  return problems;
}
