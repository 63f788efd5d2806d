// `weft control-plane`: serves xDS and the REST API until SIGTERM or SIGINT, then drains and exits 0.
import { Command, InvalidArgumentError } from "commander";
import { isLoopbackHost } from "../../../control-plane/src/api/listen-guard.js";
import { DEFAULT_LEAF_TTL_MS } from "../../../control-plane/src/ca/leaf-validity.js";
import { checkTrustDomain, DEFAULT_TRUST_DOMAIN } from "../../../control-plane/src/ca/spiffe-id.js";
import { parseListenAddress } from "../../../control-plane/src/listen-address.js";
import { DEFAULT_REGISTRATION_GRACE_MS } from "../../../control-plane/src/registry/liveness.js";
import { DEFAULT_REPORTING_INTERVAL_MS } from "../../../control-plane/src/telemetry/load-report.js";
import { envOption, logFormatOption, logLevelOption } from "../env-option.js";
import { runUntilStopped } from "../run-until-stopped.js";
import { chooseLogFormat, createServerLogger, type LogFormat, logGrpcThrough } from "../server-logger.js";
import { parseDuration } from "./client-options.js";

interface Flags {
  xdsListen: string;
  xdsPlaintext?: boolean;
  xdsTlsListen?: string;
  apiListen: string;
  dataDir: string;
  apiToken?: string;
  historyLimit?: number;
  registrationGrace: number;
  trustDomain: string;
  caCert?: string;
  caKey?: string;
  certTtl: number;
  registrationAuth: "optional" | "required";
  mtlsMode: "STRICT" | "PERMISSIVE" | "DISABLE";
  telemetryInterval: number;
  logLevel: string;
  logFormat?: LogFormat;
}

function trustDomain(value: string): string {
  try {
    return checkTrustDomain(value, "--trust-domain");
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number of 1 or more");
  return n;
}

/**
 * Why --xds-listen may not be used as given: a non-loopback host without --xds-plaintext (a usage
 * error, exit 2, before anything starts). An address that does not parse is left to the control
 * plane's own check.
 */
function plaintextXdsProblem(xdsListen: string, acknowledged: boolean): string | undefined {
  if (acknowledged) return undefined;
  let host: string;
  try {
    host = parseListenAddress(xdsListen, "--xds-listen").host;
  } catch {
    return undefined;
  }
  if (isLoopbackHost(host)) return undefined;
  return (
    `--xds-listen: ${xdsListen} is not a loopback address, and xDS there is plaintext: serve xDS over TLS with ` +
    "--xds-tls-listen and keep --xds-listen on loopback, or add --xds-plaintext (WEFT_XDS_PLAINTEXT) to accept plaintext"
  );
}

export function controlPlaneCommand(): Command {
  return new Command("control-plane")
    .description("serve xDS over gRPC and the REST API, with the config kept in SQLite")
    .addOption(
      envOption(
        "--xds-listen <host:port>",
        "where proxies connect for plaintext xDS (loopback, or beyond with --xds-plaintext)",
      ).default("127.0.0.1:18000"),
    )
    .addOption(
      envOption(
        "--xds-plaintext",
        "allow --xds-listen on a non-loopback address: config, registrations and join tokens then cross the network unencrypted",
      ),
    )
    .addOption(
      envOption(
        "--xds-tls-listen <host:port>",
        "also serve xDS over TLS here (certificate from the mesh CA; sidecars with --xds-root-cert connect with mutual TLS, checked against the node they claim); off unless given",
      ),
    )
    .addOption(envOption("--api-listen <host:port>", "where the REST API listens").default("127.0.0.1:18080"))
    .addOption(envOption("--data-dir <dir>", "folder for the config database (weft.db)").default("./.weft"))
    .addOption(
      envOption(
        "--api-token <token>",
        "require 'Authorization: Bearer <token>' on the API (an admin token; weft token create --role makes more); needed beyond loopback",
      ),
    )
    .addOption(
      envOption("--history-limit <n>", "revisions of config history kept for rollback (default 1000)").argParser(
        positiveInteger,
      ),
    )
    .addOption(
      envOption(
        "--registration-grace <duration>",
        "how long a registered sidecar may be without an xDS stream before its instance is removed",
      )
        .argParser(parseDuration)
        .default(DEFAULT_REGISTRATION_GRACE_MS, `${DEFAULT_REGISTRATION_GRACE_MS / 1000}s`),
    )
    .addOption(
      envOption("--trust-domain <domain>", "the mesh's trust domain: identities are spiffe://DOMAIN/service/NAME")
        .argParser(trustDomain)
        .default(DEFAULT_TRUST_DOMAIN),
    )
    .addOption(
      envOption(
        "--ca-cert <file>",
        "an operator's CA certificate (PEM, then its issuers up to the root) to sign workload certificates with, instead of the root generated at first start; needs --ca-key",
      ),
    )
    .addOption(envOption("--ca-key <file>", "the private key of --ca-cert (PEM)"))
    .addOption(
      envOption(
        "--cert-ttl <duration>",
        "the longest lifetime of a workload certificate, and the lifetime given when none is asked for",
      )
        .argParser(parseDuration)
        .default(DEFAULT_LEAF_TTL_MS, "24h"),
    )
    .addOption(
      envOption(
        "--registration-auth <mode>",
        "required: a sidecar registers only with a join token for its service; optional: a token sent is checked",
      )
        .choices(["optional", "required"])
        .default("optional"),
    )
    .addOption(
      envOption(
        "--mtls-mode <mode>",
        "how sidecars take their callers: STRICT (mutual TLS only), PERMISSIVE (mutual TLS from sidecars with a certificate, plaintext from the rest), DISABLE (plaintext)",
      )
        .choices(["STRICT", "PERMISSIVE", "DISABLE"])
        .default("PERMISSIVE"),
    )
    .addOption(
      envOption(
        "--telemetry-interval <duration>",
        "how often load reporters (Envoy, gRPC proxyless clients, Weft proxies; LRS on the xDS port) are asked to report",
      )
        .argParser(parseDuration)
        .default(DEFAULT_REPORTING_INTERVAL_MS, `${DEFAULT_REPORTING_INTERVAL_MS / 1000}s`),
    )
    .addOption(logLevelOption())
    .addOption(logFormatOption())
    .addHelpText(
      "after",
      [
        "",
        "Logs go to stdout: JSON lines, or pretty lines when stdout is a terminal (--log-format).",
        "SIGTERM or SIGINT stops accepting, lets API requests finish, closes xDS streams (proxies",
        "keep their config and reconnect) and exits 0.",
        "",
        "The control plane is the mesh's certificate authority: at first start it generates a root",
        "(ECDSA P-256, ten years) and keeps it in the store, so restarts and replicas sign with the",
        "same one; --ca-cert and --ca-key sign with an operator's CA instead (not copied into the store).",
        "Workloads get certificates on the xDS port with a join token (weft token create, weft cert issue).",
        "",
        "--xds-tls-listen serves the same services over TLS, with a certificate the mesh CA issues",
        "(spiffe://DOMAIN/control-plane, renewed at half-life). There every call but CreateCertificate,",
        "health and reflection needs a client certificate from the mesh CA (else UNAUTHENTICATED), and",
        "a node must claim the service its certificate names (else PERMISSION_DENIED, logged).",
        "The plaintext --xds-listen stays for loopback and for gRPC proxyless clients; beyond loopback",
        "it needs --xds-plaintext.",
        "",
        "Examples:",
        "  $ weft control-plane",
        "  $ WEFT_API_TOKEN=secret weft control-plane --api-listen 0.0.0.0:18080",
        "  $ weft control-plane --xds-tls-listen 0.0.0.0:15012",
      ].join("\n"),
    )
    .action(async (flags: Flags, command: Command) => {
      const plaintextProblem = plaintextXdsProblem(flags.xdsListen, flags.xdsPlaintext === true);
      if (plaintextProblem !== undefined) command.error(plaintextProblem);
      if ((flags.caCert === undefined) !== (flags.caKey === undefined)) {
        command.error(
          flags.caCert === undefined
            ? "--ca-key: needs --ca-cert (the certificate the key belongs to)"
            : "--ca-cert: needs --ca-key (the certificate's private key)",
        );
      }
      const logger = await createServerLogger({
        level: flags.logLevel,
        format: chooseLogFormat(flags.logFormat, process.stdout.isTTY === true),
      });
      await logGrpcThrough(logger);
      // Loaded here, not at the top: `weft proxy` and the client commands need none of it.
      const { startControlPlane } = await import("../../../control-plane/src/main.js");
      await runUntilStopped({ logger, delayMs: 10_000, stoppingMessage: "stopping" }, () =>
        startControlPlane({
          xdsListen: flags.xdsListen,
          xdsPlaintext: flags.xdsPlaintext === true,
          xdsTlsListen: flags.xdsTlsListen,
          apiListen: flags.apiListen,
          dataDir: flags.dataDir,
          apiToken: flags.apiToken,
          historyLimit: flags.historyLimit,
          registrationGraceMs: flags.registrationGrace,
          trustDomain: flags.trustDomain,
          certTtlMs: flags.certTtl,
          registrationAuth: flags.registrationAuth,
          mtlsMode: flags.mtlsMode,
          telemetryIntervalMs: flags.telemetryInterval,
          ...(flags.caCert === undefined || flags.caKey === undefined
            ? {}
            : { operatorCa: { certChainFile: flags.caCert, keyFile: flags.caKey } }),
          logger,
        }),
      );
    });
}
