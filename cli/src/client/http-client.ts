// One HTTP server the CLI talks to (the REST API, or a proxy's admin): requests with a deadline,
// the bearer token, JSON in and out, and every failure turned into one error with a code: an
// ApiError for what the server refused, a CliError naming the URL for what never got an answer.
// undici is loaded on the first request: the commands that never send one (proxy, control-plane,
// --help) do not pay for it.
import type { Agent } from "undici";
import { CliError, CliErrorCode } from "../errors.js";
import { ApiError, type ApiErrorDetail } from "./api-error.js";

export interface HttpClientOptions {
  /** Base URL, e.g. http://127.0.0.1:18080 (a path prefix is kept). */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** Deadline for each request, connect to last byte. */
  readonly timeoutMs: number;
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Sent as JSON. */
  readonly body?: unknown;
}

export class HttpClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  #agent: Agent | undefined;

  constructor(options: HttpClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new CliError(CliErrorCode.unreachable, `not a URL: "${options.baseUrl}"`);
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new CliError(CliErrorCode.unreachable, `not an http(s) URL: "${options.baseUrl}"`);
    }
    this.baseUrl = base.href.replace(/\/+$/, "");
    this.#token = options.token === "" ? undefined : options.token;
    this.#timeoutMs = options.timeoutMs;
  }

  /** The URL of `path` (which starts with "/") with `query`. */
  url(path: string, query: RequestOptions["query"] = {}): string {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    return url.href;
  }

  /** Sends one request; resolves with the parsed JSON of a 2xx answer. */
  async json<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    let status: number;
    let text: string;
    try {
      const { Agent, request } = await import("undici");
      this.#agent ??= new Agent({
        connectTimeout: this.#timeoutMs,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      const response = await request(url, {
        method,
        headers,
        body: body ?? null,
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      throw this.#transportError(error, url);
    }
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (status >= 200 && status < 300) {
      if (parsed === undefined) {
        throw new CliError(
          CliErrorCode.badResponse,
          `${method} ${url} answered ${status} without JSON: ${excerpt(text)}`,
        );
      }
      return parsed as T;
    }
    throw errorOfResponse(status, parsed, text, {
      what: `${method} ${url}`,
      sentToken: this.#token !== undefined,
      bodyBytes: body === undefined ? 0 : Buffer.byteLength(body),
    });
  }

  /** Frees the connections; the client cannot be used afterwards. */
  async close(): Promise<void> {
    await this.#agent?.close();
  }

  #transportError(error: unknown, url: string): CliError {
    const seconds = `${this.#timeoutMs / 1000}s`;
    if (isTimeout(error)) {
      return new CliError(CliErrorCode.requestTimeout, `no answer from ${url} within ${seconds} (see --timeout)`, {
        cause: error,
      });
    }
    return new CliError(CliErrorCode.unreachable, `cannot reach ${url}: ${causeOf(error)}`, { cause: error });
  }
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat === "" ? "(empty body)" : flat.length > 200 ? `${flat.slice(0, 200)}...` : flat;
}

function isTimeout(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === "TimeoutError" ||
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT"
  );
}

/** The most telling words of a network error: `connect ECONNREFUSED 127.0.0.1:1`, `getaddrinfo ENOTFOUND x`. */
function causeOf(error: unknown): string {
  let current: unknown = error;
  let text = error instanceof Error ? error.message : String(error);
  // undici wraps the socket error; the innermost one names the system call and errno.
  while (current instanceof Error && current.cause !== undefined) {
    current = current.cause;
    if (current instanceof Error && current.message !== "") text = current.message;
  }
  if (current instanceof AggregateError && current.errors.length > 0) {
    const first = current.errors[0] as unknown;
    if (first instanceof Error) text = first.message;
  }
  return text === "" ? String((error as { code?: unknown }).code ?? "connection failed") : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What the client knows of the request an error answered. */
interface SentRequest {
  /** `METHOD URL` */
  readonly what: string;
  readonly sentToken: boolean;
  readonly bodyBytes: number;
}

/** The API's own message, or one the CLI writes when it knows more (which flag to fix). */
function summaryOf(code: string, status: number, apiMessage: string, sent: SentRequest): string {
  if (code === "WEFT_TOKEN_INVALID") {
    return "the API refused the token: the one given with --token (or WEFT_API_TOKEN) is not the control plane's --api-token";
  }
  if (status === 401) {
    return sent.sentToken
      ? `the API received no bearer token although one was sent (is something in between dropping Authorization?): ${apiMessage}`
      : "the API needs a token: pass --token or set WEFT_API_TOKEN";
  }
  if (status === 413) return `${apiMessage}; this request's body was ${sent.bodyBytes} bytes (${sent.what})`;
  return apiMessage;
}

function errorOfResponse(status: number, parsed: unknown, text: string, sent: SentRequest): Error {
  const { what } = sent;
  const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : undefined;
  if (error === undefined || typeof error.code !== "string") {
    return new CliError(CliErrorCode.badResponse, `${what} answered ${status}: ${excerpt(text)}`);
  }
  const details: ApiErrorDetail[] = [];
  if (Array.isArray(error.details)) {
    for (const d of error.details) {
      if (!isRecord(d)) continue;
      details.push({
        path: typeof d.path === "string" ? d.path : "",
        message: typeof d.message === "string" ? d.message : "",
        ...(typeof d.code === "string" ? { code: d.code } : {}),
        ...(typeof d.line === "number" ? { line: d.line } : {}),
        ...(typeof d.column === "number" ? { column: d.column } : {}),
      });
    }
  }
  const message = typeof error.message === "string" ? error.message : `${what} answered ${status}`;
  const summary = summaryOf(error.code, status, message, sent);
  return new ApiError(error.code, status, summary, status === 401 ? [] : details);
}
