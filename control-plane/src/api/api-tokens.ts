// API tokens with roles, for operators and tools other than the one who holds --api-token:
// `read` (get, status, describe: every GET), `write` (apply, delete, rollback, registrations: the
// other methods too), `admin` (tokens: everything). The --api-token given at start keeps working
// as an admin token. Tokens are issued and kept as join tokens are (tokens/hashed-tokens.ts),
// under `api-tokens/ID` in the store's secrets; a join token is not an API token.
import { ErrorCode, WeftError } from "../errors.js";
import type { SecretStore } from "../store/secret-store.js";
import { type CreatedToken, HashedTokens, type TokenView } from "../tokens/hashed-tokens.js";

export const API_ROLES = ["read", "write", "admin"] as const;
export type ApiRole = (typeof API_ROLES)[number];

export type ApiTokenView = TokenView<{ readonly role: ApiRole }>;
export type CreatedApiToken = CreatedToken<{ readonly role: ApiRole }>;

/** Paths only an admin may use, whatever the method: the tokens themselves. */
const ADMIN_PATHS = /^\/v1\/tokens(\/|$)/;

/** The role a request needs: admin for /v1/tokens, read for GET and HEAD, write for the rest. */
export function requiredRole(method: string, path: string): ApiRole {
  if (ADMIN_PATHS.test(path)) return "admin";
  return method === "GET" || method === "HEAD" ? "read" : "write";
}

/** Whether `role` may do what `needed` allows (admin > write > read). */
export function roleAllows(role: ApiRole, needed: ApiRole): boolean {
  return API_ROLES.indexOf(role) >= API_ROLES.indexOf(needed);
}

export class ApiTokens extends HashedTokens<{ readonly role: ApiRole }> {
  constructor(options: { secrets: SecretStore; now: () => number }) {
    super({ ...options, prefix: "api-tokens/", what: "API token" });
  }

  /** A new token for `role` (WEFT_BAD_REQUEST at `role` for another word), expiring after `ttlMs` when given. */
  async create(options: { role: string; ttlMs?: number | undefined }): Promise<CreatedApiToken> {
    const role = options.role as ApiRole;
    if (!API_ROLES.includes(role)) {
      throw new WeftError(ErrorCode.badRequest, `role must be one of ${API_ROLES.join(", ")}`, {
        details: [{ path: "role", message: `must be one of ${API_ROLES.join(", ")}` }],
      });
    }
    return this.issue({ role }, options.ttlMs);
  }
}
