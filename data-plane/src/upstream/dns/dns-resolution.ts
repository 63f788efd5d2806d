// Keeps a STRICT_DNS or LOGICAL_DNS cluster's endpoints in step with DNS: every hostname of its
// load_assignment is resolved at start and again every dns_refresh_rate (with a little jitter so
// clusters sharing a rate do not resolve in lock step). STRICT_DNS turns every address a name
// resolves to into an endpoint; LOGICAL_DNS takes the first address only, so new connections
// follow the name as it moves while connections already open stay where they are. A failed
// lookup keeps the name's last good addresses; it is logged when it starts failing (or fails
// differently) and when it recovers, not on every attempt.
import type { Clock, Timer } from "../../../../time/index.js";
import type { DnsLookupFamily, RuntimeCluster, RuntimeEndpoint, RuntimeEndpoints } from "../../config/index.js";
import { ProxyError, ProxyErrorCode } from "../../errors.js";

/** One address as dns.promises.lookup reports it with `all: true`. */
export interface LookupAddress {
  readonly address: string;
  readonly family: number;
}

/** The shape of dns.promises.lookup(hostname, { all: true, family }). */
export type DnsLookup = (
  hostname: string,
  options: { readonly all: true; readonly family: 0 | 4 | 6 },
) => Promise<readonly LookupAddress[]>;

export interface DnsLogger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

export interface DnsResolutionOptions {
  readonly cluster: RuntimeCluster;
  readonly lookup: DnsLookup;
  /**
   * The refresh timers (unref'd: refreshing never keeps the process alive on its own) and
   * lastResolvedAt.
   */
  readonly clock: Clock;
  /** Uniform numbers in [0, 1), for the jitter. */
  readonly random: () => number;
  readonly logger: DnsLogger | undefined;
  /**
   * Called after each round of lookups: the endpoints as resolved (the last good addresses for
   * names that failed) and whether this was the first round. Later rounds that change nothing are
   * not reported.
   */
  readonly resolved: (endpoints: RuntimeEndpoints, first: boolean) => void;
}

/** Up to this share of the refresh rate is added at random to each wait. */
const JITTER = 0.1;

export class DnsResolution {
  readonly hostnames: readonly string[];
  readonly #options: DnsResolutionOptions;
  readonly #addresses = new Map<string, readonly string[]>();
  /** The failure last logged per name, so a repeating failure is logged once. */
  readonly #failing = new Map<string, string>();
  #lastResolvedAt: number | undefined;
  #signature: string | undefined;
  #timer: Timer | undefined;
  #closed = false;

  constructor(options: DnsResolutionOptions) {
    this.#options = options;
    const names = new Set<string>();
    for (const locality of options.cluster.staticEndpoints?.localities ?? []) {
      for (const endpoint of locality.endpoints) names.add(endpoint.host);
    }
    this.hostnames = Object.freeze([...names]);
  }

  /** When the last round of lookups finished (wall clock), undefined before the first. */
  get lastResolvedAt(): number | undefined {
    return this.#lastResolvedAt;
  }

  /** Starts the first round at once. */
  start(): void {
    void this.#round(true);
  }

  /** Stops refreshing; a round in progress reports nothing. */
  close(): void {
    this.#closed = true;
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #round(first: boolean): Promise<void> {
    const { cluster, lookup } = this.#options;
    const family = cluster.dns?.lookupFamily ?? "AUTO";
    await Promise.all(
      this.hostnames.map(async (hostname) => {
        try {
          const found = await lookup(hostname, { all: true, family: lookupFamily(family) });
          const addresses = chooseAddresses(found, family);
          if (addresses.length === 0) {
            throw new ProxyError(ProxyErrorCode.dnsNoAddress, "no address of the requested family");
          }
          this.#addresses.set(hostname, addresses);
          if (this.#failing.delete(hostname)) {
            this.#options.logger?.info({ cluster: cluster.name, hostname }, "DNS resolution recovered");
          }
        } catch (error) {
          const reason = error instanceof Error ? ((error as { code?: string }).code ?? error.message) : String(error);
          if (this.#failing.get(hostname) !== reason) {
            this.#failing.set(hostname, reason);
            this.#options.logger?.warn(
              { cluster: cluster.name, hostname, reason, kept: this.#addresses.get(hostname) ?? [] },
              "DNS resolution failed; keeping the last good addresses",
            );
          }
        }
      }),
    );
    if (this.#closed) return;
    this.#lastResolvedAt = this.#options.clock.now();
    const endpoints = this.#endpoints();
    const signature = JSON.stringify(endpoints.localities);
    if (first || signature !== this.#signature) {
      this.#signature = signature;
      this.#options.resolved(endpoints, first);
    }
    const rate = cluster.dns?.refreshRateMs ?? 5000;
    this.#timer = this.#options.clock
      .setTimeout(
        () => {
          this.#timer = undefined;
          if (!this.#closed) void this.#round(false);
        },
        rate + Math.floor(this.#options.random() * rate * JITTER),
      )
      .unref();
  }

  /** The configured endpoints with each name replaced by its addresses (the first only for LOGICAL_DNS). */
  #endpoints(): RuntimeEndpoints {
    const cluster = this.#options.cluster;
    const configured = cluster.staticEndpoints;
    const logical = cluster.type === "LOGICAL_DNS";
    const seen = new Set<string>();
    const localities = (configured?.localities ?? []).map((locality) => {
      const endpoints: RuntimeEndpoint[] = [];
      for (const endpoint of locality.endpoints) {
        const addresses = this.#addresses.get(endpoint.host) ?? [];
        for (const address of logical ? addresses.slice(0, 1) : addresses) {
          const key = `${address} ${endpoint.port}`;
          if (seen.has(key)) continue;
          seen.add(key);
          endpoints.push(Object.freeze({ ...endpoint, host: address }));
        }
      }
      return Object.freeze({ ...locality, endpoints: Object.freeze(endpoints) });
    });
    return Object.freeze({ ...configured, clusterName: cluster.name, localities: Object.freeze(localities) });
  }
}

function lookupFamily(family: DnsLookupFamily): 0 | 4 | 6 {
  if (family === "V4_ONLY") return 4;
  if (family === "V6_ONLY") return 6;
  return 0;
}

/**
 * Envoy's families: AUTO prefers IPv6 and falls back to IPv4, V4_PREFERRED the reverse, ALL
 * keeps both (in the resolver's order), V4_ONLY and V6_ONLY were asked for one family.
 */
function chooseAddresses(found: readonly LookupAddress[], family: DnsLookupFamily): string[] {
  const v4 = found.filter((a) => a.family === 4).map((a) => a.address);
  const v6 = found.filter((a) => a.family === 6).map((a) => a.address);
  switch (family) {
    case "V4_ONLY":
      return v4;
    case "V6_ONLY":
      return v6;
    case "AUTO":
      return v6.length > 0 ? v6 : v4;
    case "V4_PREFERRED":
      return v4.length > 0 ? v4 : v6;
    case "ALL":
      return found.map((a) => a.address);
  }
}
