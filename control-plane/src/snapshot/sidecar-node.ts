// What a sidecar says about itself in its xDS node metadata (docs/mesh.md, "Node metadata a
// sidecar sends"), read leniently: a node that is not a well-formed sidecar is served as any other
// proxy, and a sidecar missing only its inbound or app address gets no inbound listener. A value
// that does not parse is skipped and named in `warnings` (the caller logs them once per node).
import type { AppProtocol, HostPort, Upstream } from "../mesh/compiler/index.js";

/** The node.metadata key holding a sidecar's description. */
export const SIDECAR_METADATA_KEY = "weft";

/** The outbound listener's address when the sidecar names none (`weft sidecar --outbound`'s default). */
export const DEFAULT_OUTBOUND: HostPort = { host: "127.0.0.1", port: 15001 };

export interface SidecarNode {
  readonly service: string;
  /** The Services it may call (its upstreams' among them), sorted and unique; undefined: every Service. */
  readonly depends: readonly string[] | undefined;
  readonly outbound: HostPort;
  /** Its inbound listener and app, when both are given (with a real port each). */
  readonly inbound: { readonly listen: HostPort; readonly app: HostPort } | undefined;
  /** How it talks to its app when it says so; otherwise the Service's first port decides. */
  readonly appProtocol: AppProtocol | undefined;
  /** Its `--upstream` TCP listeners, in the order given, each on an address no other listener of it uses. */
  readonly upstreams: readonly Upstream[];
  /** It holds a workload certificate (`mtls: true`: it joined with a join token) and can speak mTLS. */
  readonly mtls: boolean;
  /** What was skipped because it did not parse, one sentence each with its metadata key. */
  readonly warnings: readonly string[];
}

const APP_PROTOCOLS: ReadonlySet<string> = new Set<AppProtocol>(["http", "http2", "tcp"]);

/** The sidecar a node's metadata describes, or undefined for any other node. */
export function sidecarOf(metadata: Readonly<Record<string, unknown>> | undefined): SidecarNode | undefined {
  const weft = metadata?.[SIDECAR_METADATA_KEY];
  if (typeof weft !== "object" || weft === null || Array.isArray(weft)) return undefined;
  const fields = weft as Record<string, unknown>;
  if (fields.role !== "sidecar" || typeof fields.service !== "string" || fields.service === "") return undefined;
  const warnings: string[] = [];
  const address = (key: string): HostPort | undefined => {
    const value = fields[key];
    if (value === undefined) return undefined;
    const parsed = hostPortOf(value);
    if (parsed === undefined)
      warnings.push(`${key}: ${JSON.stringify(value)} is not HOST:PORT with a port from 1 to 65535; ignored`);
    return parsed;
  };
  const listen = address("inbound");
  const app = address("app");
  const outbound = address("outbound") ?? DEFAULT_OUTBOUND;
  const protocol = fields.appProtocol;
  const taken = new Set([outbound, ...(listen === undefined ? [] : [listen])].map(addressKey));
  const upstreams = upstreamsOf(fields.upstreams, taken, warnings);
  const depends = Array.isArray(fields.depends)
    ? [
        ...new Set([
          ...fields.depends.filter((d): d is string => typeof d === "string"),
          ...upstreams.map((u) => u.service),
        ]),
      ].sort()
    : undefined;
  return {
    service: fields.service,
    depends,
    outbound,
    inbound: listen !== undefined && app !== undefined ? { listen, app } : undefined,
    appProtocol: typeof protocol === "string" && APP_PROTOCOLS.has(protocol) ? (protocol as AppProtocol) : undefined,
    upstreams,
    mtls: fields.mtls === true,
    warnings,
  };
}

const UPSTREAM = /^([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)(?::(\d{1,5}))?=(.+)$/;

/**
 * `upstreams`: a list of `SERVICE=HOST:PORT` or `SERVICE:PORT=HOST:PORT` (`weft sidecar --upstream`).
 * An entry that does not parse, or binds an address another listener of the sidecar binds, is skipped.
 */
function upstreamsOf(value: unknown, taken: Set<string>, warnings: string[]): Upstream[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    warnings.push("upstreams: not a list of SERVICE[:PORT]=HOST:PORT; ignored");
    return [];
  }
  const upstreams: Upstream[] = [];
  value.forEach((entry: unknown, index) => {
    const match = typeof entry === "string" ? UPSTREAM.exec(entry) : null;
    const port = match?.[2] === undefined ? undefined : Number(match[2]);
    const listen = hostPortOf(match?.[3]);
    if (match === null || (port !== undefined && (port < 1 || port > 65_535)) || listen === undefined) {
      warnings.push(`upstreams[${index}]: ${JSON.stringify(entry)} is not SERVICE[:PORT]=HOST:PORT; skipped`);
      return;
    }
    if (taken.has(addressKey(listen))) {
      warnings.push(`upstreams[${index}]: ${JSON.stringify(entry)} binds an address another listener binds; skipped`);
      return;
    }
    taken.add(addressKey(listen));
    upstreams.push({ service: match[1] as string, port, listen });
  });
  return upstreams;
}

function addressKey({ host, port }: HostPort): string {
  return `${host}\n${port}`;
}

/** `HOST:PORT` (an IPv6 host in brackets) with a port from 1 to 65535, or undefined. */
export function hostPortOf(value: unknown): HostPort | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1] ?? match[2] ?? "", port };
}
