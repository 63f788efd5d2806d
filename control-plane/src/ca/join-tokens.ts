// Join tokens: how a sidecar proves which service it is before it has a certificate. An operator
// creates one per service (`weft token create --service NAME`); the control plane keeps only its
// digest (tokens/hashed-tokens.ts), under `join-tokens/ID` in the store's secrets. Without a TTL a
// join token does not expire: a sidecar that restarts needs its token again, so an expiring token
// must be replaced before it expires.
import type { SecretStore } from "../store/secret-store.js";
import { type CreatedToken, HashedTokens, type TokenView } from "../tokens/hashed-tokens.js";
import { checkService } from "./spiffe-id.js";

/** A join token's record, as listed: never the token or its digest. */
export type JoinTokenView = TokenView<{ readonly service: string }>;
export type CreatedJoinToken = CreatedToken<{ readonly service: string }>;

export class JoinTokens extends HashedTokens<{ readonly service: string }> {
  constructor(options: { secrets: SecretStore; now: () => number }) {
    super({ ...options, prefix: "join-tokens/", what: "join token" });
  }

  /**
   * A new token for `service` (a DNS-1123 label, WEFT_INVALID_IDENTITY otherwise), expiring after
   * `ttlMs` when given (a positive whole number, WEFT_BAD_REQUEST otherwise). Verifying it gives
   * back the service, the only identity it proves.
   */
  async create(options: { service: string; ttlMs?: number | undefined }): Promise<CreatedJoinToken> {
    return this.issue({ service: checkService(options.service, "service") }, options.ttlMs);
  }
}
