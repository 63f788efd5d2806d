// An error the REST API answered: its code (WEFT_...), status and field-level details, printed by
// main() as `weft: CODE: message`, each detail on a line of its own below.

export interface ApiErrorDetail {
  /** Field path (`virtual_hosts[0].domains[1]`), a referrer (`routes/r`), or "" for the whole body. */
  readonly path: string;
  readonly message: string;
  readonly code?: string;
  readonly line?: number;
  readonly column?: number;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  /** The API's code, e.g. WEFT_INVALID_RESOURCE. */
  readonly code: string;
  readonly status: number;
  /** The API's message, without the details. */
  readonly summary: string;
  readonly details: readonly ApiErrorDetail[];

  constructor(code: string, status: number, summary: string, details: readonly ApiErrorDetail[] = []) {
    // A single detail the summary already tells (the API's "nothing applied: PATH: MESSAGE") is not repeated.
    const [only] = details;
    const told = details.length === 1 && only !== undefined && summary.includes(`${only.path}: ${only.message}`);
    super([summary, ...(told ? [] : details.map(formatDetail))].join("\n"));
    this.code = code;
    this.status = status;
    this.summary = summary;
    this.details = details;
  }

  /** The same error with every path (in the summary and in the details) rewritten by `rewrite`. */
  withPaths(rewrite: (text: string) => string): ApiError {
    return new ApiError(
      this.code,
      this.status,
      rewrite(this.summary),
      this.details.map((detail) => ({ ...detail, path: rewrite(detail.path) })),
    );
  }
}

function formatDetail(detail: ApiErrorDetail): string {
  const where = detail.line === undefined ? "" : ` (line ${detail.line}, column ${detail.column ?? 0})`;
  return `  ${detail.path === "" ? "(body)" : detail.path}${where}: ${detail.message}`;
}
