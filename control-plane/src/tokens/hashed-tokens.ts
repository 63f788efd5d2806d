// Bearer tokens the control plane issues and keeps only as a SHA-256 digest: join tokens (a
// sidecar proves its service with one) and API tokens (a role on the REST API). A token is
// `weft.ID.SECRET`: ID (12 hex digits) names the record, SECRET (32 random bytes, base64url) is
// what the digest is of, so the token is shown once, at creation, and cannot be read back from
// the store. Records live in the store's secrets under a prefix per kind, so every replica
// verifies the same tokens. A token is revocable, and expires only when created with a TTL.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { ErrorCode, WeftError } from "../errors.js";
import type { SecretStore } from "../store/secret-store.js";

const TOKEN = /^weft\.([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;
const ID = /^[0-9a-f]{12}$/;

/** A token's record as listed: what it grants and its life, never the token or its digest. */
export type TokenView<Grant> = Grant & {
  readonly id: string;
  readonly createdAt: string;
  /** ISO 8601, or null: the token does not expire. */
  readonly expiresAt: string | null;
  /** ISO 8601 once revoked, else null. */
  readonly revokedAt: string | null;
};

export type CreatedToken<Grant> = TokenView<Grant> & {
  /** The token itself: shown this once, kept nowhere. */
  readonly token: string;
};

type StoredToken<Grant> = TokenView<Grant> & {
  /** Hex SHA-256 of the token's SECRET part. */
  readonly sha256: string;
};

function digestOf(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

function viewOf<Grant>(record: StoredToken<Grant>): TokenView<Grant> {
  const { sha256: _digest, ...view } = record;
  return view as TokenView<Grant>;
}

/** Whether `text` has a token's shape (not whether it is valid). */
export function looksLikeToken(text: string): boolean {
  return TOKEN.test(text);
}

export class HashedTokens<Grant extends object> {
  readonly #secrets: SecretStore;
  readonly #now: () => number;
  /** Where this kind's records live in the secrets, e.g. "join-tokens/". */
  readonly #prefix: string;
  /** "join token", "API token": how refusals name the kind. */
  readonly #what: string;

  constructor(options: { secrets: SecretStore; now: () => number; prefix: string; what: string }) {
    this.#secrets = options.secrets;
    this.#now = options.now;
    this.#prefix = options.prefix;
    this.#what = options.what;
  }

  /** A new token granting `grant` (already checked by the caller), expiring after `ttlMs` when given. */
  protected async issue(grant: Grant, ttlMs?: number): Promise<CreatedToken<Grant>> {
    if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)) {
      throw new WeftError(ErrorCode.badRequest, "ttl must be a whole number of seconds greater than 0", {
        details: [{ path: "ttlSeconds", message: "must be a whole number greater than 0" }],
      });
    }
    const now = this.#now();
    for (;;) {
      const id = randomBytes(6).toString("hex");
      const secret = randomBytes(32).toString("base64url");
      const record = {
        ...grant,
        id,
        createdAt: new Date(now).toISOString(),
        expiresAt: ttlMs === undefined ? null : new Date(now + ttlMs).toISOString(),
        revokedAt: null,
        sha256: digestOf(secret),
      } as StoredToken<Grant>;
      // An id already taken (one chance in 2^48 per token) draws again.
      const kept = await this.#secrets.createSecret(`${this.#prefix}${id}`, JSON.stringify(record));
      if (kept.created) return { ...viewOf(record), token: `weft.${id}.${secret}` } as CreatedToken<Grant>;
    }
  }

  /** Every token's record, revoked and expired ones included, by id. */
  async list(): Promise<TokenView<Grant>[]> {
    const entries = await this.#secrets.secrets(this.#prefix);
    return entries.map((entry) => viewOf(JSON.parse(entry.value) as StoredToken<Grant>));
  }

  /**
   * Revokes token `id` from now on: WEFT_NOT_FOUND for an id no token of this kind has. Revoking
   * again keeps the first time. The record stays, so `list` shows it.
   */
  async revoke(id: string): Promise<TokenView<Grant>> {
    const key = `${this.#prefix}${id}`;
    const value = ID.test(id) ? await this.#secrets.secret(key) : undefined;
    if (value === undefined) {
      throw new WeftError(ErrorCode.notFound, `no ${this.#what} has the id ${JSON.stringify(id)}`);
    }
    const record = JSON.parse(value) as StoredToken<Grant>;
    if (record.revokedAt !== null) return viewOf(record);
    const revoked = { ...record, revokedAt: new Date(this.#now()).toISOString() };
    await this.#secrets.putSecret(key, JSON.stringify(revoked));
    return viewOf(revoked);
  }

  /**
   * The record of a token that is valid now (known, its secret matching, not revoked, not
   * expired); WEFT_TOKEN_INVALID (detail path `token`) otherwise, whatever was wrong with it.
   */
  async verify(token: string): Promise<TokenView<Grant>> {
    const match = TOKEN.exec(token);
    if (match === null) throw this.#refused("not a token (weft.ID.SECRET)");
    const [, id = "", secret = ""] = match;
    const value = await this.#secrets.secret(`${this.#prefix}${id}`);
    // The digest is compared even for an unknown id, so timing does not tell ids apart.
    const record = value === undefined ? undefined : (JSON.parse(value) as StoredToken<Grant>);
    const expected = Buffer.from(record?.sha256 ?? digestOf(""), "hex");
    const matches = timingSafeEqual(Buffer.from(digestOf(secret), "hex"), expected);
    if (record === undefined || !matches) throw this.#refused("unknown token");
    if (record.revokedAt !== null) throw this.#refused(`revoked at ${record.revokedAt}`);
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= this.#now()) {
      throw this.#refused(`expired at ${record.expiresAt}`);
    }
    return viewOf(record);
  }

  #refused(reason: string): WeftError {
    return new WeftError(ErrorCode.tokenInvalid, `the ${this.#what} is not valid: ${reason}`, {
      details: [{ path: "token", message: reason }],
    });
  }
}
