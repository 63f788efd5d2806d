// Bearer-token authentication (CONTRACT: with --api-token, every request but /healthz needs
// `Authorization: Bearer TOKEN`). Tokens are compared as SHA-256 digests with timingSafeEqual:
// equal-length inputs, so the comparison takes the same time whatever the client sent.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ErrorCode, WeftError } from "../errors.js";

/** Paths answered without a token: a health check must work for probes that hold no secret. */
const OPEN_PATHS: ReadonlySet<string> = new Set(["/healthz"]);

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Whether `header` (an Authorization header) carries `expected` as a bearer token. */
export function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  const given = digest(match?.[1] ?? "");
  // Compare even when the header is malformed, so its shape does not show in the timing.
  return timingSafeEqual(given, expected) && match !== null;
}

function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** Adds the token check as the first onRequest hook; without a token, the API is open. */
export function registerAuth(app: FastifyInstance, token: string | undefined): void {
  if (token === undefined) return;
  if (token === "") throw new WeftError(ErrorCode.badRequest, "the API token must not be empty");
  const expected = digest(token);
  app.addHook("onRequest", async (request) => {
    if (OPEN_PATHS.has(pathOf(request))) return;
    if (!bearerMatches(request.headers.authorization, expected)) {
      throw new WeftError(ErrorCode.unauthorized, "this API needs an Authorization: Bearer token");
    }
  });
}
