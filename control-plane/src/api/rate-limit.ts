// A token bucket per client address on writes (PUT, POST, DELETE, PATCH): each client may burst up
// to `burst` writes, then `max` per `windowMs`. In-process: with several control-plane replicas
// each counts its own share. Reads are never limited; they change nothing.
import type { FastifyInstance } from "fastify";
import { ErrorCode, WeftError } from "../errors.js";

export interface WriteRateLimit {
  /** Writes refilled per window. */
  readonly max: number;
  readonly windowMs: number;
  /** Bucket size: writes a client may make at once after a pause. Default `max`. */
  readonly burst?: number;
}

/** Generous enough for scripts and the CLI writing in loops; it is there to stop runaways. */
export const DEFAULT_WRITE_RATE_LIMIT: WriteRateLimit = { max: 1000, windowMs: 1000, burst: 2000 };

const WRITE_METHODS: ReadonlySet<string> = new Set(["PUT", "POST", "DELETE", "PATCH"]);

/** Buckets kept before idle full ones are dropped. */
const PRUNE_AT = 10_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TokenBuckets {
  readonly #ratePerMs: number;
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(limit: WriteRateLimit, now: () => number = Date.now) {
    const capacity = limit.burst ?? limit.max;
    if (!(limit.max > 0 && limit.windowMs > 0 && capacity >= 1)) {
      throw new WeftError(ErrorCode.badRequest, "a write rate limit needs max > 0, windowMs > 0 and burst >= 1");
    }
    this.#ratePerMs = limit.max / limit.windowMs;
    this.#capacity = capacity;
    this.#now = now;
  }

  /** Takes one token for `client`: 0 when granted, else the milliseconds until one is available. */
  take(client: string): number {
    const now = this.#now();
    let bucket = this.#buckets.get(client);
    if (bucket === undefined) {
      if (this.#buckets.size >= PRUNE_AT) this.#prune(now);
      bucket = { tokens: this.#capacity, updatedAt: now };
      this.#buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.updatedAt) * this.#ratePerMs);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.#ratePerMs);
  }

  /** Forgets clients whose bucket has refilled: they are indistinguishable from new ones. */
  #prune(now: number): void {
    for (const [client, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.#ratePerMs >= this.#capacity) this.#buckets.delete(client);
    }
  }
}

export function registerWriteRateLimit(app: FastifyInstance, limit: WriteRateLimit, now?: () => number): void {
  const buckets = new TokenBuckets(limit, now);
  app.addHook("onRequest", async (request, reply) => {
    if (!WRITE_METHODS.has(request.method)) return;
    const waitMs = buckets.take(request.ip);
    if (waitMs > 0) {
      reply.header("retry-after", String(Math.max(1, Math.ceil(waitMs / 1000))));
      throw new WeftError(ErrorCode.rateLimited, `too many writes from ${request.ip}; retry later`);
    }
  });
}
