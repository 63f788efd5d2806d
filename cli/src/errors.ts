// The CLI's error codes: one table, so tests and scripts match on codes, never on message text.
// Errors the REST API answers keep the API's own code (WEFT_INVALID_RESOURCE, ...): see ApiError.

export const CliErrorCode = {
  /**
   * The command line itself is wrong: an unknown command or option, a missing argument or required
   * option, a value an option does not take. Exit status 2, as opposed to 1 for a failed command.
   */
  usage: "WEFT_CLI_USAGE",
  /** No package.json naming weft was found above the running module, so the version is unknown. */
  packageJsonNotFound: "WEFT_CLI_PACKAGE_JSON_NOT_FOUND",
  /** Weft's package.json was found but has no usable `version` string. */
  packageJsonInvalid: "WEFT_CLI_PACKAGE_JSON_INVALID",
  /** The server (API or proxy admin) could not be reached: refused, reset, unknown host. */
  unreachable: "WEFT_CLI_UNREACHABLE",
  /** The server did not answer within --timeout. */
  requestTimeout: "WEFT_CLI_REQUEST_TIMEOUT",
  /** The server answered something that is not the API's JSON (wrong URL, a proxy in between). */
  badResponse: "WEFT_CLI_BAD_RESPONSE",
  /** A file, folder or stdin given with -f could not be read. */
  readFailed: "WEFT_CLI_READ_FAILED",
  /** A document given with -f is not YAML/JSON, or not a resource document (kind, name). */
  invalidDocument: "WEFT_CLI_INVALID_DOCUMENT",
  /** KIND on the command line is not one of the four (or their Envoy names). */
  unknownKind: "WEFT_CLI_UNKNOWN_KIND",
  /** `--wait` (apply, rollback, delete): not every connected proxy acknowledged the config within --wait-timeout. */
  waitTimeout: "WEFT_CLI_WAIT_TIMEOUT",
  /** `--wait` (apply, rollback, delete): a proxy rejected (NACKed) the config; it stays stored. */
  proxyNacked: "WEFT_CLI_PROXY_NACKED",
  /** `apply --prune`: some resources the files no longer hold could not be deleted. */
  pruneFailed: "WEFT_CLI_PRUNE_FAILED",
  /** `cert issue`: the CA refused the request (its WEFT_ code in the message), or the token is another service's. */
  certificateRefused: "WEFT_CLI_CERT_REFUSED",
  /** `cert issue`: the certificate files could not be written to --out. */
  writeFailed: "WEFT_CLI_WRITE_FAILED",
} as const;

export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

export class CliError extends Error {
  override readonly name = "CliError";
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** `CODE: message` for stderr, as main() prints it after `weft: `. */
export function describeError(error: unknown): string {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" && code !== "" ? `${code}: ${message}` : message;
}
