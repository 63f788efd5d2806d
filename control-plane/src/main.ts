// Wiring of the control plane: store -> snapshot builder -> xDS server, and the REST API on the
// store; start-up in dependency order and shutdown in reverse. The CLI's `weft control-plane`
// calls startControlPlane and stops it on SIGTERM.

import { hostname } from "node:os";
import { experimental } from "@grpc/grpc-js";
import pino, { type Logger } from "pino";
import { KIND_NAMES, KINDS } from "../../proto/index.js";
import { type Clock, systemClock } from "../../time/index.js";
import { ApiTokens } from "./api/api-tokens.js";
import { buildApi } from "./api/app.js";
import { assertSafeListen, isLoopbackHost } from "./api/listen-guard.js";
import { StoreWriter } from "./api/store-writer.js";
import { certificateService } from "./ca/certificate-service.js";
import {
  type CertificateAuthority,
  DEFAULT_LEAF_TTL_MS,
  DEFAULT_TRUST_DOMAIN,
  JoinTokens,
  loadMeshCa,
  rootFingerprint,
} from "./ca/index.js";
import { ServingCertificate } from "./ca/serving-certificate.js";
import { ErrorCode, WeftError } from "./errors.js";
import { formatAddress, type ListenAddress, parseListenAddress } from "./listen-address.js";
import { listenFailureMessage } from "./listen-failure.js";
import type { MtlsMode } from "./mesh/compiler/index.js";
import { Metrics } from "./metrics.js";
import { DEFAULT_REGISTRATION_GRACE_MS, InstanceRegistry, RegistrationLiveness } from "./registry/index.js";
import { registrationService } from "./registry/registration-service.js";
import { nodeScopedViews } from "./snapshot/node-scope.js";
import { SnapshotBuilder } from "./snapshot/snapshot-builder.js";
import { ConvergenceTracker } from "./status/convergence.js";
import { StatusRegistry } from "./status/registry.js";
import { SqliteStore } from "./store/sqlite-store.js";
import { TelemetryAggregator } from "./telemetry/index.js";
import { LoadReportingServer } from "./telemetry/load-reporting-service.js";
import { meshIdentityAdmission } from "./xds/admission.js";
import type { XdsContext } from "./xds/context.js";
import { encodeControlPlane } from "./xds/wire.js";
import { type GrpcService, XdsServer } from "./xds/xds-server.js";

export interface ControlPlaneOptions {
  /** HOST:PORT for plaintext xDS (gRPC); beyond loopback only with `xdsPlaintext`. */
  readonly xdsListen: string;
  /**
   * The operator's acknowledgment that the plaintext xDS port may listen beyond loopback
   * (`--xds-plaintext`): config, registrations and join tokens then cross the network unencrypted.
   */
  readonly xdsPlaintext?: boolean | undefined;
  /**
   * HOST:PORT for xDS over TLS (`--xds-tls-listen`, istiod's 15012): the same services, a serving
   * certificate from the mesh CA, client certificates checked against the node they claim
   * (xds/admission.ts). Off when unset.
   */
  readonly xdsTlsListen?: string | undefined;
  /** HOST:PORT for the REST API. */
  readonly apiListen: string;
  /** Folder holding the SQLite database. */
  readonly dataDir: string;
  /** Bearer token the API requires; required when the API listens beyond loopback. */
  readonly apiToken?: string | undefined;
  /** Revisions of history kept for GET /v1/revisions and rollback. */
  readonly historyLimit?: number | undefined;
  readonly logger?: Logger | undefined;
  readonly logLevel?: string | undefined;
  /**
   * The one clock the control plane's timers (snapshot debounce, xDS shutdown grace) and recorded
   * times (revisions, NACKs, connections, convergence, write rate limits) run on; the system clock
   * by default. The API's per-request socket timers are Node's own.
   */
  readonly clock?: Clock;
  /**
   * How long a registered sidecar's node may be without an xDS stream before its WorkloadEntry is
   * removed (default DEFAULT_REGISTRATION_GRACE_MS); at start, every registered entry gets this long
   * for its node to connect.
   */
  readonly registrationGraceMs?: number | undefined;
  /** The mesh's trust domain (DEFAULT_TRUST_DOMAIN when unset). */
  readonly trustDomain?: string | undefined;
  /** An operator's CA to sign with instead of the root kept in the store (`--ca-cert`, `--ca-key`). */
  readonly operatorCa?: { readonly certChainFile: string; readonly keyFile: string } | undefined;
  /**
   * Whether a sidecar registering on the xDS port must show a join token for its service
   * ("required") or may register without one ("optional", the default; a token sent is checked).
   */
  readonly registrationAuth?: "optional" | "required" | undefined;
  /** How sidecars take their callers (mesh/compiler/mtls.ts); PERMISSIVE by default. */
  readonly mtlsMode?: MtlsMode | undefined;
  /** The longest lifetime of a workload certificate, and the default (DEFAULT_LEAF_TTL_MS when unset). */
  readonly certTtlMs?: number | undefined;
  /**
   * How often load reporters (LRS clients: Envoy, gRPC proxyless clients, Weft proxies) are asked
   * to report (`--telemetry-interval`; DEFAULT_REPORTING_INTERVAL_MS when unset).
   */
  readonly telemetryIntervalMs?: number | undefined;
}

export interface RunningControlPlane {
  readonly xdsAddress: string;
  /** The TLS xDS port's address, when `xdsTlsListen` was given. */
  readonly xdsTlsAddress: string | undefined;
  readonly apiAddress: string;
  /** The mesh telemetry the load reports are counted in (docs/telemetry.md). */
  readonly telemetry: TelemetryAggregator;
  /** Stops accepting, lets API requests finish, closes xDS streams, closes the store. */
  close(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<RunningControlPlane> {
  const logger = options.logger ?? pino({ level: options.logLevel ?? "info" });
  const clock = options.clock ?? systemClock;
  const xdsAt = parseListenAddress(options.xdsListen, "--xds-listen");
  const xdsTlsAt =
    options.xdsTlsListen === undefined ? undefined : parseListenAddress(options.xdsTlsListen, "--xds-tls-listen");
  const apiAt = parseListenAddress(options.apiListen, "--api-listen");
  assertSafeListen(apiAt.host, options.apiToken);
  assertSafeXdsListen(xdsAt.host, options.xdsPlaintext === true);

  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse().splice(0)) {
      try {
        await cleanup();
      } catch (error) {
        logger.error({ err: error }, "error while shutting down");
      }
    }
  };
  try {
    const store = await SqliteStore.open({
      dataDir: options.dataDir,
      now: () => new Date(clock.now()),
      ...(options.historyLimit === undefined ? {} : { historyLimit: options.historyLimit }),
    });
    cleanups.push(() => store.close());

    // The certificate authority: refused at start (WEFT_CA_INVALID) rather than at the first CSR.
    const mesh = await loadMeshCa({
      secrets: store,
      trustDomain: options.trustDomain ?? DEFAULT_TRUST_DOMAIN,
      operator: options.operatorCa,
      now: clock.now(),
    });
    logger.info(
      {
        component: "ca",
        source: mesh.source,
        trustDomain: mesh.ca.trustDomain,
        rootSha256: rootFingerprint(mesh.ca),
        notAfter: mesh.ca.notAfter.toISOString(),
        mtlsMode: options.mtlsMode ?? "PERMISSIVE",
      },
      "certificate authority ready",
    );
    const joinTokens = new JoinTokens({ secrets: store, now: () => clock.now() });

    const metrics = new Metrics();
    const status = new StatusRegistry({ onConnectionsChanged: (n) => metrics.connectedProxies.set(n) });
    const builder = new SnapshotBuilder({
      store,
      logger,
      clock,
      security: { trustDomain: mesh.ca.trustDomain, mode: options.mtlsMode ?? "PERMISSIVE" },
      // SDS serves the mesh's trust bundle as ROOTCA; `default` stays with each workload.
      secrets: { trustBundlePem: mesh.ca.trustBundlePem() },
    });
    builder.subscribe((snapshot) => {
      metrics.storeRevision.set(snapshot.revision);
      for (const kind of KIND_NAMES) {
        let bytes = 0;
        for (const resource of snapshot.resources(KINDS[kind].typeUrl).values()) {
          if (!resource.synthetic) bytes += resource.anyBytes.length;
        }
        metrics.configSize.set({ kind }, bytes);
      }
    });
    // Subscribed before any stream, so a revision is registered before streams report on it.
    const convergence = new ConvergenceTracker((seconds) => metrics.configConvergence.observe(seconds), {
      now: () => clock.now(),
    });
    builder.subscribe((snapshot) =>
      convergence.published(
        snapshot.revision,
        snapshot.committedAt,
        status.connections().map((c) => c.streamId),
      ),
    );
    await builder.start();
    cleanups.push(() => builder.stop());

    // Watching streams before the xDS server takes any, so no connect or disconnect is missed.
    const registry = new InstanceRegistry({ store, writer: new StoreWriter(store, metrics) });
    const liveness = new RegistrationLiveness({
      registry,
      streams: status,
      clock,
      graceMs: options.registrationGraceMs ?? DEFAULT_REGISTRATION_GRACE_MS,
      logger: logger.child({ component: "registry" }),
    });
    await liveness.start();
    cleanups.push(() => liveness.stop());

    let streamId = 0;
    const context: XdsContext = {
      snapshots: builder,
      status,
      logger: logger.child({ component: "xds" }),
      metrics: {
        pushed: (typeUrl) => metrics.xdsPushes.inc({ type_url: typeUrl }),
        nacked: (typeUrl) => metrics.xdsNacks.inc({ type_url: typeUrl }),
      },
      convergence,
      controlPlane: encodeControlPlane(`weft ${hostname()} pid ${process.pid}`),
      now: () => new Date(clock.now()),
      nextStreamId: () => ++streamId,
      // Listeners scoped to some nodes (metadata.filter_metadata.weft) reach only those, and a
      // sidecar (node metadata weft.role) also receives the mesh config compiled for it.
      view: nodeScopedViews({ logger: logger.child({ component: "xds" }) }),
    };
    // Sidecars register on the xDS port: it is the one address they are given.
    const registration = registrationService(registry, logger.child({ component: "registry" }), {
      tokens: joinTokens,
      required: options.registrationAuth === "required",
      trustDomain: mesh.ca.trustDomain,
    });
    // Workloads ask for certificates there too, with their join token.
    const certificates = certificateService({
      ca: mesh.ca,
      tokens: joinTokens,
      maxTtlMs: options.certTtlMs ?? DEFAULT_LEAF_TTL_MS,
      now: () => clock.now(),
      logger: logger.child({ component: "ca" }),
    });
    // Load reports (LRS) come on the xDS port too: it is where Envoy and gRPC clients' lrs_server points.
    const telemetry = new TelemetryAggregator({ clock });
    const loadReports = new LoadReportingServer({
      aggregator: telemetry,
      logger: logger.child({ component: "lrs" }),
      ...(options.telemetryIntervalMs === undefined ? {} : { intervalMs: options.telemetryIntervalMs }),
    });
    const xdsServices = [registration, certificates, loadReports.service];
    const xds = new XdsServer({ context, clock, services: xdsServices });
    const xdsPort = await xds.listen(xdsAt.host, xdsAt.port).catch((error: unknown) => {
      throw listenFailed(xdsAt, "--xds-listen", error);
    });
    cleanups.push(() => xds.shutdown(500));
    const xdsTls =
      xdsTlsAt === undefined
        ? undefined
        : await startTlsXds({
            at: xdsTlsAt,
            ca: mesh.ca,
            ttlMs: options.certTtlMs ?? DEFAULT_LEAF_TTL_MS,
            context,
            clock,
            services: xdsServices,
            logger,
            cleanups,
          });

    let ready = false;
    const api = await buildApi({
      store,
      proxies: status,
      // GET /v1/proxies/NODE/config cuts each node's view from the snapshot xDS serves now.
      snapshots: builder,
      view: context.view,
      metrics,
      registry,
      ca: mesh,
      joinTokens,
      apiTokens: new ApiTokens({ secrets: store, now: () => clock.now() }),
      logger: logger.child({ component: "api" }),
      ...(options.apiToken ? { token: options.apiToken } : {}),
      ready: () => ready,
      now: () => clock.now(),
    });
    await api.listen({ host: apiAt.host, port: apiAt.port }).catch((error: unknown) => {
      throw listenFailed(apiAt, "--api-listen", error);
    });
    cleanups.push(() => api.close());
    const apiPort = (api.server.address() as { port: number }).port;

    ready = true;
    xds.setServing(true);
    xdsTls?.server.setServing(true);
    const xdsAddress = formatAddress(xdsAt.host, xdsPort);
    const apiAddress = formatAddress(apiAt.host, apiPort);
    logger.info(
      {
        xds: xdsAddress,
        ...(xdsTls === undefined ? {} : { xdsTls: xdsTls.address }),
        api: apiAddress,
        dataDir: options.dataDir,
      },
      "control plane ready",
    );
    return {
      xdsAddress,
      xdsTlsAddress: xdsTls?.address,
      apiAddress,
      telemetry,
      close: async () => {
        ready = false;
        await close();
        logger.info("control plane stopped");
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * How long a connection to the TLS xDS port lives before the client is asked to reconnect, as
 * istiod's 30 minutes: a sidecar then presents its renewed certificate, and a stream never runs
 * on for long with a certificate past its expiry (the handshake checked it once).
 */
const TLS_MAX_CONNECTION_AGE_MS = 30 * 60 * 1000;

/**
 * The TLS xDS port: its serving certificate issued (and renewed) by the mesh CA, client
 * certificates asked for and verified against the mesh root but optional at the handshake (a
 * sidecar's first CreateCertificate has none), the same services behind the identity check.
 */
async function startTlsXds(options: {
  readonly at: ListenAddress;
  readonly ca: CertificateAuthority;
  readonly ttlMs: number;
  readonly context: XdsContext;
  readonly clock: Clock;
  readonly services: readonly GrpcService[];
  readonly logger: Logger;
  readonly cleanups: (() => Promise<void> | void)[];
}): Promise<{ server: XdsServer; address: string }> {
  const { at, ca, clock, logger, cleanups } = options;
  const serving = new ServingCertificate({
    ca,
    listenHost: at.host,
    ttlMs: options.ttlMs,
    clock,
    logger: logger.child({ component: "ca" }),
  });
  await serving.start();
  cleanups.push(() => serving.close());
  const server = new XdsServer({
    context: options.context,
    clock,
    services: options.services,
    // One provider for both roles: grpc-js asks for client certificates only with a CA provider.
    credentials: experimental.createCertificateProviderServerCredentials(serving, serving, false),
    admission: meshIdentityAdmission({ trustDomain: ca.trustDomain, logger: logger.child({ component: "xds" }) }),
    maxConnectionAgeMs: TLS_MAX_CONNECTION_AGE_MS,
  });
  const port = await server.listen(at.host, at.port).catch((error: unknown) => {
    throw listenFailed(at, "--xds-tls-listen", error);
  });
  cleanups.push(() => server.shutdown(500));
  return { server, address: formatAddress(at.host, port) };
}

/**
 * Throws WEFT_INSECURE_LISTEN when the plaintext xDS port would listen beyond loopback without
 * the operator's explicit `xdsPlaintext`, as the API refuses to without a token.
 */
function assertSafeXdsListen(host: string, plaintextAcknowledged: boolean): void {
  if (plaintextAcknowledged || isLoopbackHost(host)) return;
  throw new WeftError(
    ErrorCode.insecureListen,
    `refusing to serve plaintext xDS on ${host}: config, registrations and join tokens would cross the network unencrypted. ` +
      "Serve xDS over TLS with --xds-tls-listen and keep --xds-listen on loopback, or acknowledge plaintext with --xds-plaintext (or WEFT_XDS_PLAINTEXT=true).",
    { details: [{ path: "--xds-listen", message: "a non-loopback address needs --xds-plaintext" }] },
  );
}

/** A failed listen as WEFT_LISTEN_FAILED, its message naming the cause and the flag that moves it. */
function listenFailed(at: ListenAddress, flag: string, error: unknown): WeftError {
  const message = listenFailureMessage(formatAddress(at.host, at.port), flag, error);
  return new WeftError(ErrorCode.listenFailed, message, { details: [{ path: flag, message }], cause: error });
}
