// An AdsClient wired for tests: every type's handler records what it was given, can be told to
// reject, and CDS/LDS handlers set the EDS/RDS names the way a proxy would (from what they hold).
import pino from "pino";
import { AdsClient } from "../../../data-plane/src/xds-client/ads-client.js";
import type { DecodedResource } from "../../../data-plane/src/xds-client/decode-response.js";
import type { AdsClientEvent } from "../../../data-plane/src/xds-client/events.js";
import type { AdsClientOptions } from "../../../data-plane/src/xds-client/options.js";
import { CDS, EDS, LDS, RDS } from "../../control-plane/xds/harness.js";
import { type ChangeSource, until } from "../../until.js";

export interface Delivery {
  readonly typeUrl: string;
  readonly versionInfo: string;
  readonly names: string[];
}

export interface ClientFixture {
  readonly client: AdsClient;
  /** Every response handed to a handler, in order (rejected ones included). */
  readonly deliveries: Delivery[];
  readonly events: AdsClientEvent[];
  /** Reports each client event (connected, ack, nack, disconnected, reconnecting), after the state it reports is updated. */
  readonly changes: ChangeSource;
  /** When set, a handler returns this function's error for a response it should reject. */
  reject: ((typeUrl: string, resources: readonly DecodedResource[]) => Error | undefined) | undefined;
  /** Route names each listener refers to; the LDS handler subscribes RDS to them. */
  readonly routesOf: Map<string, string>;
  /** The names handed to handlers of `typeUrl`, across all its deliveries. */
  delivered(typeUrl: string): Set<string>;
}

export function clientFixture(
  servers: string[],
  overrides: Partial<Omit<AdsClientOptions, "servers" | "subscriptions">> = {},
): ClientFixture {
  const deliveries: Delivery[] = [];
  const events: AdsClientEvent[] = [];
  const routesOf = new Map([["l1", "r1"]]);
  const fixture: { reject: ClientFixture["reject"] } = { reject: undefined };
  let client: AdsClient | undefined;
  const record = (typeUrl: string, follow?: (resources: readonly DecodedResource[]) => void) => ({
    typeUrl,
    wildcard: typeUrl === LDS || typeUrl === CDS,
    handler: (resources: readonly DecodedResource[], response: { versionInfo: string }) => {
      deliveries.push({ typeUrl, versionInfo: response.versionInfo, names: resources.map((r) => r.name) });
      const rejection = fixture.reject?.(typeUrl, resources);
      if (rejection) return rejection;
      follow?.(resources);
      return undefined;
    },
  });
  client = new AdsClient({
    servers,
    node: { id: "proxy-1", cluster: "edge", metadata: { zone: "z1" }, userAgentVersion: "0.1.0" },
    logger: pino({ level: "silent" }),
    backoff: { baseMs: 50, capMs: 400, jitter: 0.2 },
    ...overrides,
    subscriptions: [
      record(LDS, (listeners) =>
        client?.setNames(
          RDS,
          listeners.flatMap((l) => routesOf.get(l.name) ?? []),
        ),
      ),
      record(CDS, (clusters) =>
        client?.setNames(
          EDS,
          clusters.map((c) => c.name),
        ),
      ),
      record(RDS),
      record(EDS),
    ],
  });
  client.subscribe((event) => events.push(event));
  return Object.assign(fixture, {
    client,
    deliveries,
    events,
    changes: (listener: () => void) => client.subscribe(() => listener()),
    routesOf,
    delivered: (typeUrl: string) => new Set(deliveries.filter((d) => d.typeUrl === typeUrl).flatMap((d) => d.names)),
  });
}

/**
 * Resolves once `check()` holds, re-checked each time one of `watched` reports a change (a harness:
 * its server's status records; a fixture: its client's events); rejects after `timeoutMs` (2 s)
 * naming `what`.
 */
export function reached(
  watched: readonly { readonly changes: ChangeSource }[],
  check: () => boolean,
  what: string,
  timeoutMs?: number,
): Promise<void> {
  return until(
    watched.map((w) => w.changes),
    check,
    what,
    timeoutMs,
  );
}
