// Bearer-token authentication (README, "Bodies, limits, access": with --api-token, every request but /healthz needs
// `Authorization: Bearer TOKEN`). A request without a bearer token and one with the wrong token
// get different codes (WEFT_UNAUTHORIZED, WEFT_TOKEN_INVALID), both 401, so a client can tell
// which. Tokens are compared as SHA-256 digests with timingSafeEqual: equal-length inputs, so the
// comparison takes the same time whatever the client sent. The --api-token is an admin; an API
// token (api-tokens.ts) has its role, and a request its role does not allow is 403 WEFT_FORBIDDEN.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ErrorCode, WeftError } from "../errors.js";
import { bearerOf } from "../tokens/bearer.js";
import { looksLikeToken } from "../tokens/hashed-tokens.js";
import { type ApiRole, type ApiTokens, requiredRole, roleAllows } from "./api-tokens.js";

/** Paths answered without a token: a health check must work for probes that hold no secret. */
const OPEN_PATHS: ReadonlySet<string> = new Set(["/healthz"]);

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** What an Authorization header holds, against the API's token. */
export type BearerCheck = "valid" | "missing" | "invalid";

/**
 * `missing` without a bearer token (no header, another scheme, nothing after "Bearer"), `invalid`
 * for a bearer token that is not `expected` (its SHA-256 digest), `valid` otherwise.
 */
export function checkBearer(header: string | undefined, expected: Buffer): BearerCheck {
  const bearer = bearerOf(header);
  // Compare even when there is no token, so the header's shape does not show in the timing.
  const equal = timingSafeEqual(digest(bearer ?? ""), expected);
  if (bearer === undefined) return "missing";
  return equal ? "valid" : "invalid";
}

/** Whether `header` (an Authorization header) carries `expected` as a bearer token. */
export function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  return checkBearer(header, expected) === "valid";
}

function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Adds the token check as an onRequest hook, before any route's work; without a token, the API is
 * open. The --api-token is an admin; a bearer token shaped `weft.ID.SECRET` is looked up among the
 * API tokens (when given) and has its role.
 */
export function registerAuth(app: FastifyInstance, token: string | undefined, apiTokens?: ApiTokens): void {
  if (token === undefined) return;
  if (token === "") throw new WeftError(ErrorCode.badRequest, "the API token must not be empty");
  const expected = digest(token);
  app.addHook("onRequest", async (request) => {
    const path = pathOf(request);
    if (OPEN_PATHS.has(path)) return;
    const check = checkBearer(request.headers.authorization, expected);
    if (check === "missing") {
      throw new WeftError(ErrorCode.unauthorized, "this API needs an Authorization: Bearer token");
    }
    let role: ApiRole = "admin";
    if (check === "invalid") {
      const bearer = bearerOf(request.headers.authorization) ?? "";
      if (apiTokens === undefined || !looksLikeToken(bearer)) {
        throw new WeftError(ErrorCode.tokenInvalid, "the bearer token is not this API's");
      }
      role = (await apiTokens.verify(bearer)).role;
    }
    const needed = requiredRole(request.method, path);
    if (!roleAllows(role, needed)) {
      throw new WeftError(ErrorCode.forbidden, `a ${role} token may not ${request.method} ${path}: it needs ${needed}`);
    }
  });
}
