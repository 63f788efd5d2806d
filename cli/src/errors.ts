// The CLI's error codes: one table, so tests and scripts match on codes, never on message text.

export const CliErrorCode = {
  /** No package.json naming weft was found above the running module, so the version is unknown. */
  packageJsonNotFound: "WEFT_CLI_PACKAGE_JSON_NOT_FOUND",
  /** Weft's package.json was found but has no usable `version` string. */
  packageJsonInvalid: "WEFT_CLI_PACKAGE_JSON_INVALID",
} as const;

export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

export class CliError extends Error {
  override readonly name = "CliError";
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
