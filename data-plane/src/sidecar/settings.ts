// What `weft sidecar` is told about its instance, already checked, and what it derives from it:
// the xDS node (id, cluster, the `weft` metadata the control plane reads to compile the sidecar's
// config) and the registration it sends. The metadata keys are the contract another xDS proxy
// follows to join the mesh the same way (docs/mesh.md, "Node metadata a sidecar sends").
import { randomBytes } from "node:crypto";
import type { AppHealthCheck } from "./app-health.js";
import type { InstanceRegistration } from "./registration-client.js";

export interface HostPort {
  /** Without brackets (an IPv6 host as node's listen() takes it). */
  readonly host: string;
  readonly port: number;
}

/** The outbound listener's address when `--outbound` is not given. */
export const DEFAULT_OUTBOUND: HostPort = { host: "127.0.0.1", port: 15001 };

/** The inbound listener's address when `--listen` is not given: a free port, chosen at start. */
export const DEFAULT_INBOUND: HostPort = { host: "127.0.0.1", port: 0 };

/** The node.metadata key holding the sidecar's description. */
export const SIDECAR_METADATA_KEY = "weft";

/** The label every instance of a Service carries (Kubernetes' and Istio's `app`). */
export const SERVICE_LABEL = "app";

export interface SidecarSettings {
  /** The Service the instance belongs to (`--service`). */
  readonly service: string;
  /** The xDS node id (`--node-id`, default `SERVICE-` and a random suffix). */
  readonly nodeId: string;
  /** The local app (`--app`). */
  readonly app: HostPort;
  /** Labels beyond `app=SERVICE` (`--labels`). */
  readonly labels: Readonly<Record<string, string>>;
  /** The inbound listener (`--listen`); port 0 asks for a free port, chosen before the proxy starts. */
  readonly listen: HostPort;
  /** The outbound listener (`--outbound`). */
  readonly outbound: HostPort;
  /** `--upstream` values, as given: `SERVICE=HOST:PORT` or `SERVICE:PORT=HOST:PORT`. */
  readonly upstreams: readonly string[];
  /** The Services the app may call (`--depends`); undefined: every Service. */
  readonly depends: readonly string[] | undefined;
  /** How the app's health is probed (`--app-health`). */
  readonly appHealth: AppHealthCheck;
  /** It holds a workload certificate (it joined with a join token) and speaks mTLS. */
  readonly mtls?: boolean;
}

/** `SERVICE-` and 8 random hex digits: unique per start, readable in `weft status`. */
export function defaultNodeId(service: string, random: () => Buffer = () => randomBytes(4)): string {
  return `${service}-${random().toString("hex")}`;
}

/** `host:port`, bracketing IPv6 hosts. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The node metadata the sidecar sends, with `inbound` the address actually bound (never port 0).
 * `labels` includes `app=SERVICE`; `depends` and `upstreams` are left out when there are none
 * given (absent `depends` means every Service). `appProtocol` is not sent: the Service's first
 * port decides how the inbound side talks to the app.
 */
export function sidecarMetadata(settings: SidecarSettings, inbound: HostPort): Record<string, unknown> {
  return {
    [SIDECAR_METADATA_KEY]: {
      role: "sidecar",
      service: settings.service,
      labels: { ...settings.labels, [SERVICE_LABEL]: settings.service },
      inbound: formatHostPort(inbound),
      app: formatHostPort(settings.app),
      outbound: formatHostPort(settings.outbound),
      ...(settings.depends === undefined ? {} : { depends: [...settings.depends] }),
      ...(settings.upstreams.length === 0 ? {} : { upstreams: [...settings.upstreams] }),
      ...(settings.mtls === true ? { mtls: true } : {}),
    },
  };
}

/**
 * What the sidecar registers: its inbound listener's address and port (every Service port of the
 * instance reaches the app through it), and its labels beyond `app`.
 */
export function instanceRegistration(settings: SidecarSettings, inbound: HostPort): InstanceRegistration {
  return {
    service: settings.service,
    address: inbound.host,
    ports: {},
    port: inbound.port,
    labels: { ...settings.labels },
  };
}
