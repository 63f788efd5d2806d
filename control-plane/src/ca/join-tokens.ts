// Join tokens: how a sidecar proves which service it is before it has a certificate. An operator
// creates one per service (`weft token create --service NAME`); the control plane keeps only its
// SHA-256 digest, so the token is shown once, at creation, and cannot be read back from the store.
// A token is `weft.ID.SECRET`: ID (12 hex digits) names the record, SECRET (32 random bytes,
// base64url) is what the digest is of. Tokens are revocable; they expire only when created with a
// TTL (a sidecar that restarts needs its token again, so an expiring token must be replaced before
// it expires). Records live in the store's secrets under `join-tokens/ID`: every replica verifies
// the same tokens.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { ErrorCode, WeftError } from "../errors.js";
import type { SecretStore } from "../store/secret-store.js";
import { checkService } from "./spiffe-id.js";

const PREFIX = "join-tokens/";
const TOKEN = /^weft\.([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

/** A join token's record, as listed: never the token or its digest. */
export interface JoinTokenView {
  readonly id: string;
  /** The service whose identity the token proves. */
  readonly service: string;
  readonly createdAt: string;
  /** ISO 8601, or null: the token does not expire. */
  readonly expiresAt: string | null;
  /** ISO 8601 once revoked, else null. */
  readonly revokedAt: string | null;
}

interface StoredToken extends JoinTokenView {
  /** Hex SHA-256 of the token's SECRET part. */
  readonly sha256: string;
}

export interface CreatedJoinToken extends JoinTokenView {
  /** The token itself: shown this once, kept nowhere. */
  readonly token: string;
}

function digestOf(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

function viewOf(record: StoredToken): JoinTokenView {
  const { id, service, createdAt, expiresAt, revokedAt } = record;
  return { id, service, createdAt, expiresAt, revokedAt };
}

/** The refusal every bad token gets, whatever was wrong with it: the caller learns nothing more. */
function refused(reason: string): WeftError {
  return new WeftError(ErrorCode.tokenInvalid, `the join token is not valid: ${reason}`, {
    details: [{ path: "token", message: reason }],
  });
}

export class JoinTokens {
  readonly #secrets: SecretStore;
  readonly #now: () => number;

  constructor(options: { secrets: SecretStore; now: () => number }) {
    this.#secrets = options.secrets;
    this.#now = options.now;
  }

  /**
   * A new token for `service` (a DNS-1123 label, WEFT_INVALID_IDENTITY otherwise), expiring after
   * `ttlMs` when given (a positive whole number, WEFT_BAD_REQUEST otherwise).
   */
  async create(options: { service: string; ttlMs?: number | undefined }): Promise<CreatedJoinToken> {
    const service = checkService(options.service, "service");
    const { ttlMs } = options;
    if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)) {
      throw new WeftError(ErrorCode.badRequest, "ttl must be a whole number of seconds greater than 0", {
        details: [{ path: "ttlSeconds", message: "must be a whole number greater than 0" }],
      });
    }
    const now = this.#now();
    for (;;) {
      const id = randomBytes(6).toString("hex");
      const secret = randomBytes(32).toString("base64url");
      const record: StoredToken = {
        id,
        service,
        createdAt: new Date(now).toISOString(),
        expiresAt: ttlMs === undefined ? null : new Date(now + ttlMs).toISOString(),
        revokedAt: null,
        sha256: digestOf(secret),
      };
      // An id already taken (one chance in 2^48 per token) draws again.
      const kept = await this.#secrets.createSecret(`${PREFIX}${id}`, JSON.stringify(record));
      if (kept.created) return { ...viewOf(record), token: `weft.${id}.${secret}` };
    }
  }

  /** Every token's record, revoked and expired ones included, by id. */
  async list(): Promise<JoinTokenView[]> {
    const entries = await this.#secrets.secrets(PREFIX);
    return entries.map((entry) => viewOf(JSON.parse(entry.value) as StoredToken));
  }

  /**
   * Revokes token `id` from now on: WEFT_NOT_FOUND for an id no token has. Revoking again keeps
   * the first time. The record stays, so `list` shows it and the refusal can say why.
   */
  async revoke(id: string): Promise<JoinTokenView> {
    const key = `${PREFIX}${id}`;
    const value = /^[0-9a-f]{12}$/.test(id) ? await this.#secrets.secret(key) : undefined;
    if (value === undefined) throw new WeftError(ErrorCode.notFound, `no join token has the id ${JSON.stringify(id)}`);
    const record = JSON.parse(value) as StoredToken;
    if (record.revokedAt !== null) return viewOf(record);
    const revoked: StoredToken = { ...record, revokedAt: new Date(this.#now()).toISOString() };
    await this.#secrets.putSecret(key, JSON.stringify(revoked));
    return viewOf(revoked);
  }

  /**
   * The record of a token that is valid now (known, its secret matching, not revoked, not
   * expired); WEFT_TOKEN_INVALID otherwise. The service it names is the only identity it proves.
   */
  async verify(token: string): Promise<JoinTokenView> {
    const match = TOKEN.exec(token);
    if (match === null) throw refused("not a join token (weft.ID.SECRET)");
    const [, id = "", secret = ""] = match;
    const value = await this.#secrets.secret(`${PREFIX}${id}`);
    // The digest is compared even for an unknown id, so timing does not tell ids apart.
    const record = value === undefined ? undefined : (JSON.parse(value) as StoredToken);
    const expected = Buffer.from(record?.sha256 ?? digestOf(""), "hex");
    const matches = timingSafeEqual(Buffer.from(digestOf(secret), "hex"), expected);
    if (record === undefined || !matches) throw refused("unknown token");
    if (record.revokedAt !== null) throw refused(`revoked at ${record.revokedAt}`);
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= this.#now()) {
      throw refused(`expired at ${record.expiresAt}`);
    }
    return viewOf(record);
  }
}
