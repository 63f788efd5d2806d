// A TCP port a proxy can listen on or connect to.
import { CheckCode, type CheckProblem } from "./problem.js";

export const PORT_MIN = 1;
export const PORT_MAX = 65_535;

/**
 * A port in 1-65535 at `path`; an absent port is not this check's business (the caller knows whether
 * the field is required). Port 0 is refused: for a listener it would bind a random port no client
 * knows, for an upstream it names nothing.
 */
export function* checkPort(path: string, port: number | undefined): Generator<CheckProblem> {
  if (port === undefined) return;
  if (!(Number.isInteger(port) && port >= PORT_MIN && port <= PORT_MAX)) {
    yield { code: CheckCode.portOutOfRange, path, detail: `is ${port}; must be between ${PORT_MIN} and ${PORT_MAX}` };
  }
}
