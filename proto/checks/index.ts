// Protocol-level checks both planes run on the same values: socket addresses, host names, ports and
// durations. Pure functions yielding coded problems; each plane maps the codes to its own.
export {
  admits,
  checkDuration,
  compareDurations,
  type DurationRule,
  formatDuration,
  MORE_THAN_1MS,
  NON_NEGATIVE,
  ONE_MS,
  POSITIVE,
  ZERO,
} from "./duration.js";
export { isHostname } from "./hostname.js";
export { cidrKey, type IpAddress, ipKey, isIp, parseIp } from "./ip-address.js";
export { checkPort, PORT_MAX, PORT_MIN } from "./port.js";
export { CheckCode, type CheckProblem, firstProblem } from "./problem.js";
export { checkAddress, checkSocketAddress, type HostRule } from "./socket-address.js";
export { type FormatPart, type ParsedFormat, parseFormat } from "./substitution-format.js";
