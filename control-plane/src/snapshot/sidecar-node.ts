// What a sidecar says about itself in its xDS node metadata (docs/mesh.md, "Node metadata a
// sidecar sends"), read leniently: a node that is not a well-formed sidecar is served as any other
// proxy, and a sidecar missing only its inbound or app address gets no inbound listener.
import type { AppProtocol, HostPort } from "../mesh/compiler/index.js";

/** The node.metadata key holding a sidecar's description. */
export const SIDECAR_METADATA_KEY = "weft";

/** The outbound listener's address when the sidecar names none (`weft sidecar --outbound`'s default). */
export const DEFAULT_OUTBOUND: HostPort = { host: "127.0.0.1", port: 15001 };

export interface SidecarNode {
  readonly service: string;
  /** The Services it may call, sorted and unique; undefined: every Service. */
  readonly depends: readonly string[] | undefined;
  readonly outbound: HostPort;
  /** Its inbound listener and app, when both are given (with a real port each). */
  readonly inbound: { readonly listen: HostPort; readonly app: HostPort } | undefined;
  /** How it talks to its app when it says so; otherwise the Service's first port decides. */
  readonly appProtocol: AppProtocol | undefined;
}

const APP_PROTOCOLS: ReadonlySet<string> = new Set<AppProtocol>(["http", "http2", "tcp"]);

/** The sidecar a node's metadata describes, or undefined for any other node. */
export function sidecarOf(metadata: Readonly<Record<string, unknown>> | undefined): SidecarNode | undefined {
  const weft = metadata?.[SIDECAR_METADATA_KEY];
  if (typeof weft !== "object" || weft === null || Array.isArray(weft)) return undefined;
  const fields = weft as Record<string, unknown>;
  if (fields.role !== "sidecar" || typeof fields.service !== "string" || fields.service === "") return undefined;
  const depends = Array.isArray(fields.depends)
    ? [...new Set(fields.depends.filter((d): d is string => typeof d === "string"))].sort()
    : undefined;
  const listen = hostPortOf(fields.inbound);
  const app = hostPortOf(fields.app);
  const protocol = fields.appProtocol;
  return {
    service: fields.service,
    depends,
    outbound: hostPortOf(fields.outbound) ?? DEFAULT_OUTBOUND,
    inbound: listen !== undefined && app !== undefined ? { listen, app } : undefined,
    appProtocol: typeof protocol === "string" && APP_PROTOCOLS.has(protocol) ? (protocol as AppProtocol) : undefined,
  };
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
