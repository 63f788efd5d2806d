// Every error the API answers, whoever raised it (a handler, a hook, a body parser, fastify's own
// routing and validation), leaves through here in the shape of the README's "Errors":
//   {"error":{"code":"WEFT_...","message":"...","details":[{"path","message"}]}}
// Input problems are 4xx; a 5xx means a bug or a failing store, and its message says nothing more.
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ErrorCode, type ErrorDetail, WeftError } from "../errors.js";
import { httpStatusOf } from "./error-status.js";

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

export interface ApiError {
  readonly status: number;
  readonly body: ErrorBody;
}

export function errorBody(code: string, message: string, details: readonly ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details: details.map(copyDetail) } };
}

function copyDetail(detail: ErrorDetail): ErrorDetail {
  const copy: { -readonly [K in keyof ErrorDetail]: ErrorDetail[K] } = { path: detail.path, message: detail.message };
  if (detail.code !== undefined) copy.code = detail.code;
  if (detail.line !== undefined) copy.line = detail.line;
  if (detail.column !== undefined) copy.column = detail.column;
  if (detail.suggestion !== undefined) copy.suggestion = detail.suggestion;
  return copy;
}

/** fastify's own error codes, as the API reports them. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ErrorCode.unsupportedMediaType,
  FST_ERR_CTP_BODY_TOO_LARGE: ErrorCode.bodyTooLarge,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ErrorCode.badRequest,
  FST_ERR_CTP_EMPTY_JSON_BODY: ErrorCode.invalidJson,
  FST_ERR_CTP_INVALID_JSON_BODY: ErrorCode.invalidJson,
  FST_ERR_VALIDATION: ErrorCode.badRequest,
  FST_ERR_BAD_URL: ErrorCode.badRequest,
  FST_ERR_MAX_PARAM_LENGTH: ErrorCode.badRequest,
};

const FASTIFY_MESSAGES: Readonly<Partial<Record<ErrorCode, string>>> = {
  [ErrorCode.unsupportedMediaType]: "a body must be sent as application/json or application/yaml",
};

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string";
}

/** The status and body for `error`; `internal` is true when it is not the client's doing. */
export function toApiError(error: unknown): ApiError & { internal: boolean } {
  if (error instanceof WeftError) {
    const status = httpStatusOf(error.code);
    const internal = status >= 500;
    const message = !internal
      ? error.message
      : error.code === ErrorCode.storeFailed
        ? "the config store failed; try again"
        : "internal error";
    return { status, internal, body: errorBody(error.code, message, internal ? [] : error.details) };
  }
  if (isFastifyError(error)) {
    const code = FASTIFY_CODES[error.code];
    if (code !== undefined) {
      const details = error.code === "FST_ERR_VALIDATION" ? validationDetails(error) : ([] as readonly ErrorDetail[]);
      return {
        status: httpStatusOf(code),
        internal: false,
        body: errorBody(code, FASTIFY_MESSAGES[code] ?? error.message, details),
      };
    }
    // Any other client error fastify or Node raises keeps the API's shape, as a plain 400.
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return { status: 400, internal: false, body: errorBody(ErrorCode.badRequest, error.message) };
    }
  }
  return { status: 500, internal: true, body: errorBody(ErrorCode.internal, "internal error") };
}

function validationDetails(error: FastifyError): ErrorDetail[] {
  const where = error.validationContext ?? "request";
  return (error.validation ?? []).map((problem) => {
    const field = problem.instancePath.replace(/^\//, "").replaceAll("/", ".");
    return { path: field === "" ? where : `${where}.${field}`, message: problem.message ?? "is invalid" };
  });
}

/** Answers `error` on `reply`, logging what is not the client's fault. */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body, internal } = toApiError(error);
  if (body.error.code === ErrorCode.bodyTooLarge) body.error.message = bodyTooLargeMessage(request);
  if (internal) request.log.error({ err: error }, "request failed");
  else request.log.debug({ code: body.error.code, status }, "request refused");
  if (status === 401) reply.header("www-authenticate", wwwAuthenticate(body.error.code));
  return reply.code(status).type("application/json; charset=utf-8").send(body);
}

/** The challenge of a 401 (RFC 6750, section 3): no error code when no token was sent at all. */
function wwwAuthenticate(code: string): string {
  return code === ErrorCode.tokenInvalid
    ? 'Bearer realm="weft", error="invalid_token", error_description="the token is not this API\'s"'
    : 'Bearer realm="weft"';
}

function bodyTooLargeMessage(request: FastifyRequest): string {
  const limit = request.routeOptions.bodyLimit;
  const mib = limit / (1024 * 1024);
  const size = Number.isInteger(mib) ? ` (${mib} MiB)` : "";
  return `the body is larger than the API accepts: at most ${limit} bytes${size}`;
}

/**
 * Answers a request Node's HTTP parser could not read (fastify's clientErrorHandler): it never
 * reached routing, so the reply is written to the socket directly, then the socket is closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, reason] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout"]
        : [400, "Bad Request"];
  const payload = JSON.stringify(errorBody(ErrorCode.badRequest, `the request could not be read: ${reason}`));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
    );
  }
  socket.destroy();
}
