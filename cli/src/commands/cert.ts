// `weft cert issue`: a workload certificate from the control plane's CA, written as files
// (key.pem, cert-chain.pem, root-cert.pem) for programs that read certificates only from files,
// such as gRPC's proxyless clients and servers (their file_watcher certificate provider). With
// --renew it keeps running and writes a new certificate at each one's half-life until SIGTERM.
import { Command } from "commander";
import { systemClock } from "../../../time/index.js";
import { CERT_CHAIN_FILE, KEY_FILE, ROOT_CERT_FILE, writeCertificateFiles } from "../cert/certificate-files.js";
import { CertificateRenewer } from "../cert/certificate-renewer.js";
import { controlPlaneTrustFrom } from "../cert/control-plane-root.js";
import type { IssuedCertificate } from "../cert/issue-certificate.js";
import { envOption, logFormatOption, logLevelOption } from "../env-option.js";
import { CliError, CliErrorCode } from "../errors.js";
import { runUntilStopped } from "../run-until-stopped.js";
import { chooseLogFormat, createServerLogger, type LogFormat } from "../server-logger.js";
import { parseDuration } from "./client-options.js";
import { examples } from "./help-examples.js";
import { ttlSeconds } from "./token.js";

interface Flags {
  service: string;
  out: string;
  joinToken: string;
  xdsServer: string;
  xdsRootCert?: string;
  ttl?: number;
  renew?: boolean;
  timeout: number;
  logLevel: string;
  logFormat?: LogFormat;
}

/** Issues one certificate and writes its files. */
async function issueAndWrite(flags: Flags): Promise<IssuedCertificate> {
  // Loaded here, not at the top: gRPC and the X.509 library are for this command only.
  const { issueCertificate } = await import("../cert/issue-certificate.js");
  const trust = flags.xdsRootCert === undefined ? undefined : await controlPlaneTrustFrom(flags.xdsRootCert);
  const issued = await issueCertificate({
    server: flags.xdsServer,
    joinToken: flags.joinToken,
    service: flags.service,
    ttlSeconds: flags.ttl,
    timeoutMs: flags.timeout,
    channel: trust?.serverAuthenticated,
  });
  try {
    await writeCertificateFiles(flags.out, { keyPem: issued.keyPem, chain: issued.chain });
  } catch (error) {
    throw new CliError(
      CliErrorCode.writeFailed,
      `cannot write the certificate files to ${flags.out}: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  return issued;
}

function issueCommand(): Command {
  return new Command("issue")
    .description("get a workload certificate for a service and write it as files (--renew: keep it current)")
    .requiredOption("--service <name>", "the service the certificate is for (the join token's)")
    .requiredOption("--out <dir>", `the folder to write ${KEY_FILE}, ${CERT_CHAIN_FILE} and ${ROOT_CERT_FILE} to`)
    .addOption(envOption("--join-token <token>", "the service's join token (weft token create)").makeOptionMandatory())
    .addOption(
      envOption("--xds-server <host:port>", "the control plane's xDS address, where its CA answers").default(
        "127.0.0.1:18000",
      ),
    )
    .addOption(
      envOption(
        "--xds-root-cert <file>",
        "the mesh root (PEM, as GET /v1/ca shows it): reach --xds-server over TLS (the control plane's --xds-tls-listen), verifying it against this root",
      ),
    )
    .option("--ttl <duration>", "the lifetime to ask for (at most the control plane's --cert-ttl)", ttlSeconds)
    .option("--renew", "keep running: write a new certificate at each one's half-life, until SIGTERM")
    .addOption(
      envOption("--timeout <duration>", "deadline of each request to the control plane")
        .argParser(parseDuration)
        .default(10_000, "10s"),
    )
    .addOption(logLevelOption())
    .addOption(logFormatOption())
    .addHelpText(
      "after",
      [
        "",
        "A fresh key is made here for each certificate and never sent anywhere; the control plane",
        "signs its CSR for the join token's service, whatever else the CSR says. Files are replaced",
        `atomically, ${KEY_FILE} with mode 0600. Without --renew, one line on stdout says what was`,
        "written. With --renew, a log line per certificate; a failed renewal is retried (1 s, doubling",
        "to 30 s) while the current certificate is valid; SIGTERM or SIGINT exits 0.",
        "",
        "Examples:",
        ...examples([
          ["weft cert issue --service web --out ./certs --join-token $TOKEN", "one certificate for web"],
          ["WEFT_JOIN_TOKEN=$TOKEN weft cert issue --service web --out ./certs --renew", "and keep it current"],
          ["weft cert issue --service web --out ./certs --xds-server cp:15012 --xds-root-cert root.pem"],
        ]),
      ].join("\n"),
    )
    .action(async (flags: Flags) => {
      if (flags.renew !== true) {
        const issued = await issueAndWrite(flags);
        process.stdout.write(
          `wrote ${flags.out}: ${issued.spiffeId}, serial ${issued.serialNumber}, valid until ${issued.notAfter.toISOString()}\n`,
        );
        return;
      }
      const logger = await createServerLogger({
        level: flags.logLevel,
        format: chooseLogFormat(flags.logFormat, process.stdout.isTTY === true),
      });
      await runUntilStopped({ logger, delayMs: 5_000, stoppingMessage: "stopping" }, async () => {
        const renewer = new CertificateRenewer({
          clock: systemClock,
          issue: () =>
            issueAndWrite(flags).then((issued) => {
              logger.info(
                {
                  out: flags.out,
                  spiffeId: issued.spiffeId,
                  serialNumber: issued.serialNumber,
                  notAfter: issued.notAfter.toISOString(),
                  rotateAt: issued.rotateAt.toISOString(),
                },
                "certificate written",
              );
              return issued;
            }),
          onFailed: (error, retryInMs) =>
            logger.warn(
              { code: error instanceof CliError ? error.code : undefined, err: String(error), retryInMs },
              "certificate renewal failed",
            ),
        });
        await renewer.start();
        return { close: async () => renewer.close() };
      });
    });
}

export function certCommand(): Command {
  return new Command("cert")
    .description("workload certificates from the control plane's CA, as files")
    .addCommand(issueCommand());
}
