// `weft sidecar`'s flags, each checked on its own as commander reads it (an InvalidArgumentError
// names the flag), and together once all are read (`checkSidecarFlags`: what one flag cannot judge
// alone, each problem naming its flag). Nothing starts before both passed.
import { isIP } from "node:net";
import { InvalidArgumentError } from "commander";
import { parseListenAddress } from "../../../control-plane/src/listen-address.js";

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A Service name: a DNS-1123 label (the control plane's rule for `metadata.name` of a Service). */
const SERVICE_NAME = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

const SERVICE_EXPECTED = "expected a Service name: a DNS-1123 label (lower-case letters, digits and '-', at most 63)";

function hostPort(value: string): HostPort {
  try {
    return parseListenAddress(value, "flag");
  } catch {
    throw new InvalidArgumentError(`expected HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), got "${value}"`);
  }
}

/** HOST:PORT with a port from 1 to 65535: an address something connects to or a listener others dial. */
export function parseConnectAddress(value: string): HostPort {
  const address = hostPort(value.trim());
  if (address.port === 0) throw new InvalidArgumentError(`port 0 is not an address to reach ("${value}")`);
  return address;
}

/**
 * `--listen`: HOST:PORT, port 0 for a free one. The host is the instance's endpoint in the mesh,
 * registered as given: an IP address callers reach, so neither a host name (endpoints are IP
 * addresses) nor 0.0.0.0 or :: (no one can dial them).
 */
export function parseInboundAddress(value: string): HostPort {
  const address = hostPort(value.trim());
  if (isIP(address.host) === 0) {
    throw new InvalidArgumentError(
      `the host is registered as the instance's address: give an IP address, not "${address.host}"`,
    );
  }
  if (address.host === "0.0.0.0" || address.host === "::" || /^0+(\.0+){3}$/.test(address.host)) {
    throw new InvalidArgumentError(
      `"${address.host}" cannot be dialled: give the IP address callers reach the instance at`,
    );
  }
  return address;
}

/** `--service`: a Service name. */
export function parseServiceName(value: string): string {
  const name = value.trim();
  if (!SERVICE_NAME.test(name)) throw new InvalidArgumentError(`${SERVICE_EXPECTED}, got "${value}"`);
  return name;
}

/**
 * `--app-health`: `tcp`, or an HTTP path starting with `/` without spaces or `#` (the probe's
 * rule, appHealthCheckOf, applied here so that the error names the flag).
 */
export function parseAppHealth(value: string): string {
  const text = value.trim();
  if (text === "tcp" || (text.startsWith("/") && !/[\s#]/.test(text))) return text;
  throw new InvalidArgumentError(`expected tcp or an HTTP path starting with /, got "${value}"`);
}

/** `--labels k=v,...`, repeatable; a later value for a key replaces the earlier one. */
export function collectLabels(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const out = { ...(previous ?? {}) };
  for (const pair of value.split(",")) {
    if (pair.trim() === "") continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${pair}"`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** `--depends a,b`, repeatable: Service names, kept in order, once each. */
export function collectDepends(value: string, previous: string[] | undefined): string[] {
  const out = [...(previous ?? [])];
  for (const name of value.split(",")) {
    if (name.trim() === "") continue;
    const service = parseServiceName(name);
    if (!out.includes(service)) out.push(service);
  }
  return out;
}

export interface Upstream {
  readonly service: string;
  readonly port: number | undefined;
  readonly listen: HostPort;
  /** As sent in the node metadata: `SERVICE=HOST:PORT` or `SERVICE:PORT=HOST:PORT`. */
  readonly text: string;
}

const UPSTREAM = /^([^:=]+)(?::(\d{1,5}))?=(.+)$/;

/** One `--upstream SERVICE[:PORT]=HOST:PORT`: a local TCP port for a `tcp` Service's port. */
export function parseUpstream(value: string): Upstream {
  const text = value.trim();
  const match = UPSTREAM.exec(text);
  if (match === null) {
    throw new InvalidArgumentError(`expected SERVICE=HOST:PORT or SERVICE:PORT=HOST:PORT, got "${value}"`);
  }
  const service = parseServiceName(match[1] ?? "");
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65_535)) {
    throw new InvalidArgumentError(`the Service port must be from 1 to 65535, got "${value}"`);
  }
  const listen = parseConnectAddress(match[3] ?? "");
  return { service, port, listen, text };
}

/** `--upstream`, repeatable; one value may hold several, comma-separated (as an env var would). */
export function collectUpstreams(value: string, previous: Upstream[] | undefined): Upstream[] {
  const out = [...(previous ?? [])];
  for (const item of value.split(",")) if (item.trim() !== "") out.push(parseUpstream(item));
  return out;
}

/** A problem found by `checkSidecarFlags`, with the flag it concerns. */
export interface FlagProblem {
  readonly flag: string;
  readonly message: string;
}

/**
 * What no single flag can judge: the listeners the sidecar binds must not share an address (the
 * inbound port when it is 0 is chosen free, so it cannot clash). The labels, `app` among them, are
 * the control plane's to judge (sidecar-registration-check.ts).
 */
export function checkSidecarFlags(flags: {
  readonly listen: HostPort;
  readonly outbound: HostPort;
  readonly upstreams: readonly Upstream[];
  readonly admin: HostPort;
}): FlagProblem[] {
  const problems: FlagProblem[] = [];
  const bound: { flag: string; address: HostPort }[] = [
    ...(flags.listen.port === 0 ? [] : [{ flag: "--listen", address: flags.listen }]),
    { flag: "--outbound", address: flags.outbound },
    ...flags.upstreams.map((u) => ({ flag: "--upstream", address: u.listen })),
    ...(flags.admin.port === 0 ? [] : [{ flag: "--admin-listen", address: flags.admin }]),
  ];
  for (let i = 0; i < bound.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [bound[j], bound[i]];
      if (a === undefined || b === undefined) continue;
      if (a.address.host === b.address.host && a.address.port === b.address.port) {
        problems.push({
          flag: b.flag,
          message: `${b.address.host}:${b.address.port} is also ${a.flag}'s address: each listener needs its own`,
        });
      }
    }
  }
  return problems;
}
