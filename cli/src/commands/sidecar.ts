// `weft sidecar`: an instance joins the mesh. A proxy whose config the control plane compiles from
// its node metadata (inbound listener to the app, outbound listener to the mesh's Services), which
// registers the instance once its app is healthy and, on SIGTERM or SIGINT, deregisters, keeps
// serving for the drain delay, drains and exits 0 (a second signal exits at once).
import { Command } from "commander";
import { formatAddress, parseListenAddress } from "../../../control-plane/src/listen-address.js";
import { listenFailureMessage } from "../../../control-plane/src/listen-failure.js";
import { envOption } from "../env-option.js";
import { readPackageVersion } from "../package-info.js";
import { runUntilStopped } from "../run-until-stopped.js";
import { chooseLogFormat, createServerLogger, logGrpcThrough } from "../server-logger.js";
import { parseDuration } from "./client-options.js";
import { examples } from "./help-examples.js";
import { addProxyRuntimeOptions, collectServers, type ProxyRuntimeFlags } from "./proxy.js";
import {
  checkSidecarFlags,
  collectDepends,
  collectLabels,
  collectUpstreams,
  type FlagProblem,
  type HostPort,
  parseAppHealth,
  parseConnectAddress,
  parseInboundAddress,
  parseServiceName,
  type Upstream,
} from "./sidecar-flags.js";

interface Flags extends ProxyRuntimeFlags {
  service: string;
  app: HostPort;
  labels?: Record<string, string>;
  listen: HostPort;
  outbound: HostPort;
  upstream?: Upstream[];
  appHealth: string;
  xdsServer?: string[];
  adminListen: string;
  nodeId?: string;
  joinToken?: string;
  joinTimeout: number;
  xdsRootCert?: string;
  depends?: string[];
  drainDelay: number;
}

const DEFAULT_XDS_SERVER = "127.0.0.1:18000";
const DEFAULT_LISTEN = "127.0.0.1:0";
const DEFAULT_OUTBOUND = "127.0.0.1:15001";
const DEFAULT_DRAIN_DELAY_MS = 1_000;
const DEFAULT_JOIN_TIMEOUT_MS = 60_000;
/** SIGTERM's budget: deregistering (2 s at most), the drain delay, then the listeners' drain. */
const CLOSE_DELAY_MS = 30_000;

export function sidecarCommand(): Command {
  const command = new Command("sidecar")
    .description("join the mesh: a proxy beside one instance of a Service, registered while its app is healthy")
    .addOption(
      envOption("--service <name>", "the Service this instance belongs to (its label app=NAME)")
        .argParser(parseServiceName)
        .makeOptionMandatory(),
    )
    .addOption(
      envOption("--app <host:port>", "the local app, where inbound requests go")
        .argParser(parseConnectAddress)
        .makeOptionMandatory(),
    )
    .addOption(
      envOption("--labels <k=v,...>", "more labels of the instance, e.g. version=v2 (repeatable)").argParser(
        collectLabels,
      ),
    )
    .addOption(
      envOption(
        "--listen <host:port>",
        "the inbound listener, registered as the instance's address (port 0: a free port)",
      )
        .argParser(parseInboundAddress)
        .default(parseInboundAddress(DEFAULT_LISTEN), DEFAULT_LISTEN),
    )
    .addOption(
      envOption(
        "--outbound <host:port>",
        "the outbound listener the app calls Services through (by Host or HTTP_PROXY)",
      )
        .argParser(parseConnectAddress)
        .default(parseConnectAddress(DEFAULT_OUTBOUND), DEFAULT_OUTBOUND),
    )
    .addOption(
      envOption("--upstream <service[:port]=host:port>", "a local TCP port for a tcp Service (repeatable)").argParser(
        collectUpstreams,
      ),
    )
    .addOption(
      envOption("--app-health <path|tcp>", "how the app's health is probed: an HTTP GET of PATH, or a TCP connect")
        .argParser(parseAppHealth)
        .default("tcp"),
    )
    .addOption(
      envOption(
        "--xds-server <host:port>",
        `control plane to connect to and register with; repeat for fail-over (default ${DEFAULT_XDS_SERVER})`,
      ).argParser(collectServers),
    )
    .addOption(envOption("--admin-listen <host:port>", "where the admin endpoints listen").default("127.0.0.1:19000"))
    .addOption(envOption("--node-id <id>", "this proxy's node id (default: SERVICE- and a random suffix)"))
    .addOption(
      envOption(
        "--join-token <token>",
        "the service's join token (weft token create --service): the sidecar gets a workload certificate with it (renewed at half-life) and speaks mutual TLS, and sends it when registering (needed where the control plane runs with --registration-auth required)",
      ),
    )
    .addOption(
      envOption(
        "--join-timeout <duration>",
        "with --join-token, how long to keep asking for the first certificate while no control plane answers (each wait logged); a refusal stops the sidecar at once",
      )
        .argParser(parseDuration)
        .default(DEFAULT_JOIN_TIMEOUT_MS, `${DEFAULT_JOIN_TIMEOUT_MS / 1000}s`),
    )
    .addOption(
      envOption(
        "--xds-root-cert <file>",
        "the mesh root (PEM, as GET /v1/ca shows it): reach --xds-server over TLS (the control plane's --xds-tls-listen), verifying it against this root, and present the workload certificate there (needs --join-token)",
      ),
    )
    .addOption(
      envOption("--depends <service,...>", "the Services the app calls (default: every Service; repeatable)").argParser(
        collectDepends,
      ),
    )
    .addOption(
      envOption("--drain-delay <duration>", "on SIGTERM, how long to keep serving after deregistering")
        .argParser(parseDuration)
        .default(DEFAULT_DRAIN_DELAY_MS, `${DEFAULT_DRAIN_DELAY_MS / 1000}s`),
    );
  return addProxyRuntimeOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "The control plane compiles the sidecar's config from what it says about itself: an inbound",
        "listener on --listen forwarding to --app, and an outbound listener on --outbound routing",
        "HTTP/1.1 and h2c/gRPC by Host (NAME, NAME:PORT, NAME.mesh, NAME.mesh:PORT) or by an",
        "absolute URL (HTTP_PROXY=http://127.0.0.1:15001). The instance is registered (a WorkloadEntry",
        "with its labels and the inbound address) once --app-health first passes, and again with each",
        "health change (a probe a second; unhealthy after 3 failures in a row). SIGTERM or SIGINT:",
        "deregister (2 s at most), keep serving for --drain-delay while callers drop the instance,",
        "drain the listeners, exit 0; a second signal exits at once.",
        "",
        "Examples:",
        "  Join as catalog (app on port 8080), then as a v2 instance healthy while /healthz answers:",
        ...examples([
          ["weft sidecar --service catalog --app 127.0.0.1:8080"],
          ["weft sidecar --service catalog --app 127.0.0.1:8081 --labels version=v2 --app-health /healthz \\"],
        ]),
        "      --admin-listen 127.0.0.1:19001 --outbound 127.0.0.1:15002",
        "  An app that calls only catalog and pricing, and reaches the tcp Service db on a local port:",
        ...examples([["weft sidecar --service web --app 127.0.0.1:3000 --depends catalog,pricing \\"]]),
        "      --upstream db=127.0.0.1:5432",
        "  Over the control plane's TLS xDS port, trusting the mesh root saved from GET /v1/ca:",
        ...examples([["weft sidecar --service web --app 127.0.0.1:3000 --join-token $TOKEN \\"]]),
        "      --xds-server cp.example:15012 --xds-root-cert ./mesh-root.pem",
        "  The app calls Services by name through the outbound listener:",
        "  $ HTTP_PROXY=http://127.0.0.1:15001 curl http://catalog/items",
      ].join("\n"),
    )
    .action(async (flags: Flags, command: Command) => {
      const admin = parseAdminListen(flags.adminListen, command);
      const nodeId = flags.nodeId;
      const upstreams = flags.upstream ?? [];
      const labels = flags.labels ?? {};
      const problems: FlagProblem[] = checkSidecarFlags({
        listen: flags.listen,
        outbound: flags.outbound,
        upstreams,
        admin,
      });
      // The control plane's own checks of the registration and node id, so that nothing the
      // sidecar will send is refused once it runs.
      const { checkRegistration } = await import("./sidecar-registration-check.js");
      problems.push(...checkRegistration({ service: flags.service, labels, listen: flags.listen, nodeId }));
      if (flags.xdsRootCert !== undefined && flags.joinToken === undefined) {
        problems.push({
          flag: "--xds-root-cert",
          message: "needs --join-token: the TLS xDS port serves only sidecars holding a workload certificate",
        });
      }
      if (problems.length > 0) {
        command.error(problems.map((p) => `${p.flag}: ${p.message}`).join("; "));
      }
      const logger = await createServerLogger({
        level: flags.logLevel,
        format: chooseLogFormat(flags.logFormat, process.stdout.isTTY === true),
      });
      await logGrpcThrough(logger);
      // Loaded here, not at the top: the other commands need none of the data plane.
      const { startSidecar, defaultNodeId, appHealthCheckOf, INBOUND_LISTENER } = await import(
        "../../../data-plane/src/sidecar/index.js"
      );
      const { AdminError, AdminErrorCode } = await import("../../../data-plane/src/admin/index.js");
      const { ListenerError, ListenerErrorCode } = await import("../../../data-plane/src/listeners/index.js");
      const appHealth = appHealthCheckOf(flags.appHealth) ?? { kind: "tcp" };
      const xdsServers = flags.xdsServer ?? [DEFAULT_XDS_SERVER];
      // With a join token the sidecar holds a workload certificate, renewed at half-life, which its
      // proxy presents and trusts through the secrets `default` and `ROOTCA`.
      // With --xds-root-cert, the control plane is reached over TLS: the certificate is asked for
      // over a server-authenticated channel, then xDS and registration present it (mutual TLS).
      const { startWorkloadCertificate } = await import("../cert/workload-certificate.js");
      const { controlPlaneTrustFrom } = await import("../cert/control-plane-root.js");
      const trust = flags.xdsRootCert === undefined ? undefined : await controlPlaneTrustFrom(flags.xdsRootCert);
      const workload =
        flags.joinToken === undefined
          ? undefined
          : await startWorkloadCertificate({
              service: flags.service,
              joinToken: flags.joinToken,
              servers: xdsServers,
              firstIssueWithinMs: flags.joinTimeout,
              logger,
              trust,
            });
      const start = () =>
        startSidecar({
          settings: {
            service: flags.service,
            nodeId: nodeId ?? defaultNodeId(flags.service),
            app: flags.app,
            labels,
            listen: flags.listen,
            outbound: flags.outbound,
            upstreams: upstreams.map((u) => u.text),
            depends: flags.depends,
            appHealth,
            mtls: workload !== undefined,
          },
          xdsServers,
          admin,
          accessLog: flags.accessLog,
          logger,
          userAgentVersion: readPackageVersion(),
          xdsReconnectMaxDelayMs: flags.xdsReconnectMaxDelay,
          drainDelayMs: flags.drainDelay,
          joinToken: flags.joinToken,
          ...(workload === undefined ? {} : { secrets: workload.secrets }),
          ...(trust === undefined ? {} : { xdsChannel: trust.mutual }),
        })
          .then((sidecar) =>
            workload === undefined
              ? sidecar
              : {
                  ...sidecar,
                  close: async () => {
                    workload.close();
                    await sidecar.close();
                  },
                },
          )
          .catch((error: unknown) => {
            // Same code; the message says why in words and which flag (and variable) moves the address.
            if (error instanceof AdminError && error.code === AdminErrorCode.bind) {
              const address = formatAddress(admin.host, admin.port);
              throw new AdminError(AdminErrorCode.bind, listenFailureMessage(address, "--admin-listen", error.cause), {
                cause: error.cause,
              });
            }
            if (
              error instanceof ListenerError &&
              error.code === ListenerErrorCode.bind &&
              error.listener === INBOUND_LISTENER
            ) {
              const address = formatAddress(flags.listen.host, flags.listen.port);
              throw new ListenerError(
                ListenerErrorCode.bind,
                INBOUND_LISTENER,
                listenFailureMessage(address, "--listen", error.cause),
                { cause: error.cause },
              );
            }
            throw error;
          });
      await runUntilStopped({ logger, delayMs: CLOSE_DELAY_MS, stoppingMessage: "leaving the mesh" }, start);
    });
}

function parseAdminListen(value: string, command: Command): HostPort {
  try {
    return parseListenAddress(value, "--admin-listen");
  } catch {
    return command.error(`--admin-listen: expected HOST:PORT, got "${value}"`);
  }
}
