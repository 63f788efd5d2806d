// `weft proxy`: a data-plane proxy fed by xDS until SIGTERM or SIGINT, then drains and exits 0.
import { Command, InvalidArgumentError } from "commander";
import { formatAddress, parseListenAddress } from "../../../control-plane/src/listen-address.js";
import { listenFailureMessage } from "../../../control-plane/src/listen-failure.js";
import { DEFAULT_BACKOFF } from "../../../data-plane/src/xds-client/backoff.js";
import { envOption, logFormatOption, logLevelOption } from "../env-option.js";
import { readPackageVersion } from "../package-info.js";
import { runUntilStopped } from "../run-until-stopped.js";
import { chooseLogFormat, createServerLogger, type LogFormat, logGrpcThrough } from "../server-logger.js";
import { parseDuration } from "./client-options.js";

/** The flags of the options addProxyRuntimeOptions adds. */
export interface ProxyRuntimeFlags {
  xdsReconnectMaxDelay: number;
  accessLog: string;
  logLevel: string;
  logFormat?: LogFormat;
}

interface Flags extends ProxyRuntimeFlags {
  nodeId: string;
  nodeCluster: string;
  nodeMetadata?: Record<string, string>;
  xdsServer?: string[];
  adminListen: string;
  xdsDelta?: boolean;
}

const DEFAULT_XDS_SERVER = "127.0.0.1:18000";

/** Collects HOST:PORT values; one value may list several, comma-separated (as an env var would). */
export function collectServers(value: string, previous: string[] | undefined): string[] {
  const servers = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const server of servers) {
    try {
      parseListenAddress(server, "--xds-server");
    } catch {
      throw new InvalidArgumentError(`expected HOST:PORT, got "${server}"`);
    }
    if (server.endsWith(":0")) throw new InvalidArgumentError(`port 0 cannot be connected to ("${server}")`);
  }
  return [...(previous ?? []), ...servers];
}

/**
 * The options every proxy-running command ends its list with (weft proxy, weft sidecar), in the
 * order their help lists them: reconnect backoff, access log, log level and format.
 */
export function addProxyRuntimeOptions(command: Command): Command {
  return command
    .addOption(
      envOption(
        "--xds-reconnect-max-delay <duration>",
        `longest wait between attempts to reach a control plane (jittered backoff from ${DEFAULT_BACKOFF.baseMs}ms)`,
      )
        .argParser(parseDuration)
        .default(DEFAULT_BACKOFF.capMs, `${DEFAULT_BACKOFF.capMs / 1000}s`),
    )
    .addOption(
      envOption("--access-log <target>", "one JSON line per request: stdout, off, or a file path").default("stdout"),
    )
    .addOption(logLevelOption())
    .addOption(logFormatOption());
}

/** Collects key=value pairs into the node's metadata; one value may hold several, comma-separated. */
function collectMetadata(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const out = { ...(previous ?? {}) };
  for (const pair of value.split(",")) {
    if (pair.trim() === "") continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${pair}"`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}

function nonEmpty(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("must not be empty");
  return value;
}

export function proxyCommand(): Command {
  const command = new Command("proxy")
    .description("run a data-plane proxy configured over xDS by a control plane")
    .addOption(
      envOption("--node-id <id>", "this proxy's node id, as the control plane sees it")
        .argParser(nonEmpty)
        .makeOptionMandatory(),
    )
    .addOption(envOption("--node-cluster <name>", "the node's cluster (service) name").default(""))
    .addOption(
      envOption("--node-metadata <key=value>", "node metadata sent to the control plane (repeatable)").argParser(
        collectMetadata,
      ),
    )
    .addOption(
      envOption(
        "--xds-server <host:port>",
        `control plane to connect to; repeat for fail-over, tried in order (default ${DEFAULT_XDS_SERVER})`,
      ).argParser(collectServers),
    )
    .addOption(envOption("--admin-listen <host:port>", "where the admin endpoints listen").default("127.0.0.1:19000"))
    .addOption(envOption("--xds-delta", "use incremental (delta) xDS instead of state of the world"));
  return addProxyRuntimeOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "Listeners, routes, clusters and endpoints come from the control plane and change without a",
        "restart. Admin endpoints: /ready, /config_dump, /clusters, /stats/prometheus.",
        "Logs go to stdout: JSON lines, or pretty lines when stdout is a terminal (--log-format);",
        "the access log, unless sent elsewhere, is JSON lines there too. SIGTERM or SIGINT drains",
        "every listener (in-flight requests finish) and exits 0.",
        "",
        "Examples:",
        "  $ weft proxy --node-id front-1",
        "  $ weft proxy --node-id web-1 --node-cluster web --node-metadata zone=a \\",
        "      --xds-server 10.0.0.1:18000 --xds-server 10.0.0.2:18000 --admin-listen 127.0.0.1:19001",
        "  $ weft proxy --node-id edge --xds-delta --access-log off",
      ].join("\n"),
    )
    .action(async (flags: Flags) => {
      const logger = await createServerLogger({
        level: flags.logLevel,
        format: chooseLogFormat(flags.logFormat, process.stdout.isTTY === true),
      });
      await logGrpcThrough(logger);
      const admin = parseListenAddress(flags.adminListen, "--admin-listen");
      // Loaded here, not at the top: the other commands need none of the data plane.
      const { startProxy } = await import("../../../data-plane/src/proxy/main.js");
      const { AdminError, AdminErrorCode } = await import("../../../data-plane/src/admin/index.js");
      const start = () =>
        startProxy({
          node: {
            id: flags.nodeId,
            cluster: flags.nodeCluster,
            metadata: flags.nodeMetadata ?? {},
            userAgentVersion: readPackageVersion(),
          },
          xdsServers: flags.xdsServer ?? [DEFAULT_XDS_SERVER],
          delta: flags.xdsDelta === true,
          admin,
          accessLog: flags.accessLog,
          logger,
          xdsReconnectMaxDelayMs: flags.xdsReconnectMaxDelay,
        }).catch((error: unknown) => {
          // Same code; the message says why in words and which flag (and variable) moves the address.
          if (!(error instanceof AdminError) || error.code !== AdminErrorCode.bind) throw error;
          const address = formatAddress(admin.host, admin.port);
          throw new AdminError(AdminErrorCode.bind, listenFailureMessage(address, "--admin-listen", error.cause), {
            cause: error.cause,
          });
        });
      await runUntilStopped({ logger, delayMs: 30_000, stoppingMessage: "draining" }, start);
    });
}
