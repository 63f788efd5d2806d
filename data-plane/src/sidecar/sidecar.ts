// `weft sidecar` as a function: the inbound port chosen, the proxy started as a sidecar node (its
// config compiled by the control plane from the node metadata), the app's health probe and the
// registration client joined by the lifecycle (./lifecycle.ts says in which order).
import type { Logger } from "pino";
import { type Clock, systemClock } from "../../../time/index.js";
import { PortHolds } from "../listeners/index.js";
import { type RunningProxy, startProxy } from "../proxy/main.js";
import type { ProxySecrets } from "../tls/index.js";
import type { XdsChannel } from "../xds-client/index.js";
import { AppHealthProbe } from "./app-health.js";
import { holdInboundPort } from "./inbound-port.js";
import { SidecarLifecycle } from "./lifecycle.js";
import { SidecarRegistrationClient } from "./registration-client.js";
import { type HostPort, instanceRegistration, type SidecarSettings, sidecarMetadata } from "./settings.js";

/** The name the control plane gives the sidecar's inbound listener (docs/mesh.md, "Reserved names"). */
export const INBOUND_LISTENER = "inbound|listener";

export interface SidecarOptions {
  readonly settings: SidecarSettings;
  /** Control planes as "host:port", in fail-over order (xDS and registration alike). */
  readonly xdsServers: readonly string[];
  readonly admin: HostPort;
  /** "stdout", "off" or a file path. */
  readonly accessLog: string;
  readonly logger: Logger;
  /** Sent as the node's user_agent_version. */
  readonly userAgentVersion: string;
  readonly xdsReconnectMaxDelayMs?: number;
  /** How long the inbound side keeps serving after deregistering (lifecycle's default when unset). */
  readonly drainDelayMs?: number;
  /** How long deregistering may take on SIGTERM (the registration client's default when unset). */
  readonly deregisterDeadlineMs?: number;
  /** The service's join token, sent when registering (required where the control plane says so). */
  readonly joinToken?: string | undefined;
  /** The proxy's secrets: where the caller keeps the sidecar's certificate current (`default`, `ROOTCA`). */
  readonly secrets?: ProxySecrets;
  /**
   * How xDS and registration reach the control planes: plaintext when unset; with `--xds-root-cert`
   * mutual TLS presenting the workload certificate (xds-client/control-plane-tls.ts).
   */
  readonly xdsChannel?: XdsChannel;
  readonly clock?: Clock;
}

export interface RunningSidecar {
  readonly nodeId: string;
  /** The inbound listener's address, with the port chosen when `--listen` asked for port 0. */
  readonly inbound: HostPort;
  readonly proxy: RunningProxy;
  /** Leaves the mesh: deregister, drain delay, drain the proxy (lifecycle's order). Idempotent. */
  close(): Promise<void>;
}

export async function startSidecar(options: SidecarOptions): Promise<RunningSidecar> {
  const { settings, logger } = options;
  const clock = options.clock ?? systemClock;
  // Bound now and kept bound until the inbound listener takes the socket over (inbound-port.ts).
  const holds = new PortHolds();
  const inbound = await holdInboundPort(settings.listen, holds, INBOUND_LISTENER);
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({
      node: {
        id: settings.nodeId,
        cluster: settings.service,
        metadata: sidecarMetadata(settings, inbound),
        userAgentVersion: options.userAgentVersion,
      },
      xdsServers: options.xdsServers,
      delta: false,
      portHolds: holds,
      ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
      ...(options.xdsChannel === undefined ? {} : { xdsChannel: options.xdsChannel }),
      admin: options.admin,
      accessLog: options.accessLog,
      logger,
      clock,
      ...(options.xdsReconnectMaxDelayMs === undefined
        ? {}
        : { xdsReconnectMaxDelayMs: options.xdsReconnectMaxDelayMs }),
    });
  } catch (error) {
    await holds.close();
    throw error;
  }
  const sidecarLogger = logger.child({ component: "sidecar", nodeId: settings.nodeId });
  const registration = new SidecarRegistrationClient({
    servers: options.xdsServers,
    nodeId: settings.nodeId,
    registration: instanceRegistration(settings, inbound),
    logger: sidecarLogger,
    clock,
    joinToken: options.joinToken,
    ...(options.xdsChannel === undefined
      ? {}
      : { credentials: options.xdsChannel.credentials, channelOptions: options.xdsChannel.options }),
  });
  let lifecycle: SidecarLifecycle | undefined;
  const probe = new AppHealthProbe({
    host: settings.app.host,
    port: settings.app.port,
    check: settings.appHealth,
    clock,
    onChange: (health) => lifecycle?.healthChanged(health),
    onProbe: (result) => sidecarLogger.debug(result, "app probed"),
  });
  lifecycle = new SidecarLifecycle({
    proxy: {
      inboundServing: () => proxy.listeners.address(INBOUND_LISTENER) !== undefined,
      close: () => proxy.close(),
    },
    registration,
    probe,
    logger: sidecarLogger,
    clock,
    ...(options.drainDelayMs === undefined ? {} : { drainDelayMs: options.drainDelayMs }),
    ...(options.deregisterDeadlineMs === undefined ? {} : { deregisterDeadlineMs: options.deregisterDeadlineMs }),
  });
  const joined = lifecycle;
  proxy.xdsEvents((event) => {
    if (event.type === "connected") joined.reconnected();
  });
  joined.start();
  sidecarLogger.info(
    {
      service: settings.service,
      inbound,
      app: settings.app,
      outbound: settings.outbound,
      appHealth: settings.appHealth,
      admin: proxy.admin,
    },
    "sidecar started",
  );
  return { nodeId: settings.nodeId, inbound, proxy, close: () => joined.close() };
}
