// The proxy's running config: xDS responses in, validated runtime objects swapped into the
// listeners and the cluster manager, and the state the admin endpoints show.
//
// Each type's handler builds the whole response off to the side (config/) and either NACKs it,
// changing nothing, or swaps it in:
// - LDS and CDS carry the full state; RDS and EDS names follow the listeners and clusters that
//   reference them (subscribed and unsubscribed as references change).
// - A listener that needs a route configuration not received yet is warming, as in Envoy, until
//   the routes arrive or the warming timeout passes. A new one, or one moving to another address,
//   binds its socket as its response is applied (a reservation), so a taken address NACKs that
//   response; the connections it accepts meanwhile wait, unread, and go to its filter chain once
//   it stops warming (with its routes, or at the timeout with what it has). An updated one that
//   keeps its address keeps serving its previous version meanwhile; one that moves keeps serving
//   at its old address until the new one serves. Clusters warm in the cluster manager (requests
//   wait).
// - A listener that cannot bind is NACKed by name, and the rest of the response still applies;
//   the refused listener is not held (see #onListeners for what is).
// - SDS secrets follow the TLS contexts of the listeners and clusters that name them, like RDS
//   and EDS names, except those the process holds itself (a sidecar's `default` and `ROOTCA`),
//   which are never asked for. A listener also warms until the secrets it names are there (as
//   Envoy's do); a secret that arrives or changes reaches new connections, and open ones keep the
//   context they were made with.
import type net from "node:net";
import type { Logger } from "pino";
import {
  encodeJson,
  KINDS,
  type KindTypeUrl,
  type MessageOf,
  secretType,
  TypeUrl,
  type XdsMessageOf,
  type XdsResourceType,
} from "../../../proto/index.js";
import { type Clock, systemClock, type Timer } from "../../../time/index.js";
import {
  buildConfigSet,
  buildSecret,
  ConfigError,
  DEFAULT_DRAIN_TIMEOUT_MS,
  type RuntimeCluster,
  type RuntimeDownstreamTransport,
  type RuntimeEndpoints,
  type RuntimeHttp,
  type RuntimeListener,
  type RuntimeOf,
  type RuntimeRouteConfig,
  type RuntimeSecret,
  type RuntimeTcp,
  type RuntimeTls,
  secretNamesOf,
} from "../config/index.js";
import type {
  DownstreamTransport,
  ListenerError,
  ListenerHandler,
  ListenerManager,
  ListenerSpec,
} from "../listeners/index.js";
import type { RouteTable } from "../router/index.js";
import { ProxySecrets } from "../tls/index.js";
import type { ClusterManager } from "../upstream/index.js";
import {
  type AdsClient,
  type DecodedResource,
  type TypeSubscription,
  typeSubscription,
  XdsClientError,
  XdsClientErrorCode,
} from "../xds-client/index.js";

/** The part of the xDS client the runtime drives: the names wanted for RDS, EDS and SDS. */
export type NameSubscriber = Pick<AdsClient, "setNames">;

import { type Held, type Incoming, TypeHeld } from "./config-state.js";

/** Envoy's initial_fetch_timeout default: how long a listener waits for its routes. */
export const DEFAULT_WARMING_TIMEOUT_MS = 15_000;

/** Makes the per-listener request and connection handlers (the HTTP router, the TCP proxy). */
export interface HandlerFactories {
  http(listener: string, http: RuntimeHttp, routeTable: () => RouteTable | undefined): ListenerHandler;
  tcp(listener: string, tcp: RuntimeTcp): (socket: net.Socket) => void;
  /** TLS on a listener's connections; without it, a listener with a TLS transport socket refuses every connection. */
  transport?(listener: string, transport: RuntimeDownstreamTransport): DownstreamTransport;
}

export interface ProxyRuntimeOptions {
  readonly listeners: ListenerManager;
  readonly clusters: ClusterManager;
  readonly handlers: HandlerFactories;
  /** "sotw" or "delta": decides whether an RDS/EDS response is merged or is the full set. */
  readonly protocol: "sotw" | "delta";
  readonly logger: Logger;
  readonly warmingTimeoutMs?: number;
  /**
   * The warming timeout's timer and the times held per version (ms since the epoch); the system
   * clock by default. Its timers are unref'd: warming never keeps the process alive on its own.
   */
  readonly clock?: Clock;
  /**
   * The secrets TLS contexts are made from: the runtime puts those received over SDS there, and
   * asks for none the process holds itself. A set of its own when absent.
   */
  readonly secrets?: ProxySecrets;
}

interface Active {
  readonly listener: RuntimeListener;
  readonly spec: ListenerSpec;
}

export interface Readiness {
  readonly ready: boolean;
  readonly waitingFor: readonly string[];
}

export class ProxyRuntime {
  readonly #options: ProxyRuntimeOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #warmingTimeoutMs: number;
  readonly #listeners = new TypeHeld<RuntimeListener>(KINDS.listeners.typeName);
  readonly #routes = new TypeHeld<RuntimeRouteConfig>(KINDS.routes.typeName);
  readonly #clusters = new TypeHeld<RuntimeCluster>(KINDS.clusters.typeName);
  readonly #endpoints = new TypeHeld<RuntimeEndpoints>(KINDS.endpoints.typeName);
  /** Secrets received over SDS (not the local ones, which live only in #proxySecrets). */
  readonly #secrets = new TypeHeld<RuntimeSecret>(secretType.typeName);
  readonly #proxySecrets: ProxySecrets;
  /** What the listener manager serves, by listener name. */
  #active = new Map<string, Active>();
  /**
   * What the listener manager holds reserved, by listener name: the spec a warming listener is
   * bound with, which it then serves with, so the reservation's socket is the one that serves.
   */
  #reserved = new Map<string, Active>();
  /** Listeners waiting for their routes: when they started waiting (ms since the epoch). */
  readonly #warmingSince = new Map<string, number>();
  /** Listeners whose last bind failed, with the error. */
  readonly #bindErrors = new Map<string, ListenerError>();
  #ads: NameSubscriber | undefined;
  #reconcile: Promise<unknown> = Promise.resolve();
  readonly #timers = new Set<Timer>();
  #closed = false;

  constructor(options: ProxyRuntimeOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: "proxy-config" });
    this.#clock = options.clock ?? systemClock;
    this.#warmingTimeoutMs = options.warmingTimeoutMs ?? DEFAULT_WARMING_TIMEOUT_MS;
    this.#proxySecrets = options.secrets ?? new ProxySecrets();
  }

  /** The client whose RDS, EDS and SDS names this runtime sets; call before the client starts. */
  attach(ads: NameSubscriber): void {
    this.#ads = ads;
  }

  /** The handlers to subscribe with, one per type. */
  get subscriptions(): TypeSubscription[] {
    return [
      typeSubscription(TypeUrl.secret, false, (r, resp) => this.#onSecrets(r, resp.versionInfo)),
      typeSubscription(TypeUrl.cluster, true, (r, resp) => this.#onClusters(r, resp.versionInfo)),
      typeSubscription(TypeUrl.endpoint, false, (r, resp) => this.#onEndpoints(r, resp.versionInfo)),
      typeSubscription(TypeUrl.listener, true, (r, resp) => this.#onListeners(r, resp.versionInfo)),
      typeSubscription(TypeUrl.route, false, (r, resp) => this.#onRoutes(r, resp.versionInfo)),
    ];
  }

  // --- handlers -------------------------------------------------------------------------------

  /**
   * The contract after a partial bind failure (Envoy's way: the response is NACKed naming a
   * listener that cannot bind, while the rest of it applies): the held set, which is what
   * /config_dump shows and what every later reconcile binds, is the response's listeners that
   * bound or are warming, and, for each listener of the response that could not bind, what the
   * last acknowledged set held under its name (nothing for a new listener, whose name is then
   * forgotten at once; the previous version for a changed one, bound again). The type's
   * version_info stays the last acknowledged one. So a listener the control plane never had
   * acknowledged is never held, never shown and never bound later: deleting it, even with no
   * response following (the control plane's config is then back to what the proxy acknowledged),
   * leaves nothing behind. A warming listener is bound (reserved) here too, so its address is
   * judged by the response that brings it, not later when its routes arrive. A held listener
   * that cannot bind (its previous version, bound again after a refused change, finds its address
   * taken meanwhile) stays held as BIND_FAILED and is tried again on every reconcile, since the
   * control plane believes it runs.
   */
  async #onListeners(
    resources: readonly DecodedResource<MessageOf<typeof TypeUrl.listener>>[],
    versionInfo: string,
  ): Promise<undefined | Error> {
    const built = build(TypeUrl.listener, resources);
    if (built instanceof Error) return built;
    const acknowledged = this.#listeners.snapshot();
    const acknowledgedVersion = this.#listeners.versionInfo;
    this.#listeners.apply(built, versionInfo, this.#clock.now(), { full: true });
    this.#syncRouteNames();
    this.#syncSecretNames();
    const failed = await this.#reconcileListeners();
    // Only a listener this response added or changed can be refused; an acknowledged one that
    // still cannot bind is not this response's fault.
    const refused = [...failed].filter(([name]) => this.#listeners.get(name) !== acknowledged.get(name));
    if (refused.length > 0) {
      this.#listeners.restore(
        refused.map(([name]) => name),
        acknowledged,
        acknowledgedVersion,
      );
      await this.#reconcileListeners();
    }
    this.#syncRouteNames();
    this.#syncSecretNames();
    if (refused.length === 0) return undefined;
    const [name, error] = refused[0] as [string, ListenerError];
    return new XdsClientError(XdsClientErrorCode.rejected, error.message, {
      resourceName: name,
      field: "address",
      cause: error,
    });
  }

  async #onRoutes(
    resources: readonly DecodedResource<MessageOf<typeof TypeUrl.route>>[],
    versionInfo: string,
  ): Promise<undefined | Error> {
    const built = build(TypeUrl.route, resources);
    if (built instanceof Error) return built;
    this.#routes.apply(built, versionInfo, this.#clock.now(), {
      full: this.#options.protocol === "delta",
      keep: this.#routeNames(),
    });
    await this.#reconcileListeners();
    this.#syncRouteNames();
    return undefined;
  }

  async #onClusters(
    resources: readonly DecodedResource<MessageOf<typeof TypeUrl.cluster>>[],
    versionInfo: string,
  ): Promise<undefined | Error> {
    const built = build(TypeUrl.cluster, resources);
    if (built instanceof Error) return built;
    this.#clusters.apply(built, versionInfo, this.#clock.now(), { full: true });
    const names = this.#endpointNames();
    this.#ads?.setNames(TypeUrl.endpoint, [...names]);
    this.#endpoints.prune(names);
    this.#syncSecretNames();
    this.#applyClusters();
    return undefined;
  }

  async #onEndpoints(
    resources: readonly DecodedResource<MessageOf<typeof TypeUrl.endpoint>>[],
    versionInfo: string,
  ): Promise<undefined | Error> {
    const built = build(TypeUrl.endpoint, resources);
    if (built instanceof Error) return built;
    this.#endpoints.apply(built, versionInfo, this.#clock.now(), {
      full: this.#options.protocol === "delta",
      keep: this.#endpointNames(),
    });
    this.#applyClusters();
    return undefined;
  }

  /**
   * Secrets: built (a secret that cannot be used NACKs the response, changing nothing), held like
   * route configurations (SotW responses may carry only what changed), and handed to the proxy's
   * secrets, whose listeners make TLS contexts again for new connections. Listeners warming for a
   * secret are reconciled: those now complete stop warming.
   */
  async #onSecrets(
    resources: readonly DecodedResource<XdsMessageOf<typeof TypeUrl.secret>>[],
    versionInfo: string,
  ): Promise<undefined | Error> {
    const built: Incoming<RuntimeSecret>[] = [];
    for (const r of resources) {
      let runtime: RuntimeSecret;
      try {
        runtime = buildSecret(r.resource);
      } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
      }
      built.push({
        name: r.name,
        resource: r.resource,
        ...(r.version === undefined ? {} : { version: r.version }),
        ...(r.encoded === undefined ? {} : { encoded: r.encoded }),
        runtime,
      });
    }
    this.#secrets.apply(built, versionInfo, this.#clock.now(), {
      full: this.#options.protocol === "delta",
      keep: this.#secretNames(),
    });
    this.#publishSecrets();
    await this.#reconcileListeners();
    return undefined;
  }

  // --- swapping in ----------------------------------------------------------------------------

  /** Swaps the held clusters and endpoints into the cluster manager (synchronously). */
  #applyClusters(): void {
    const endpoints = new Map<string, RuntimeEndpoints>();
    for (const held of this.#endpoints.values()) endpoints.set(held.name, held.runtime);
    // update() swaps at once; its promise settles later, when removed endpoints have drained.
    this.#options.clusters
      .update(
        [...this.#clusters.values()].map((held) => held.runtime),
        endpoints,
      )
      .catch((error: unknown) => this.#logger.error({ err: error }, "closing upstream pools failed"));
  }

  /** Brings the listener manager in line with the held listeners; resolves with bind failures. */
  #reconcileListeners(): Promise<ReadonlyMap<string, ListenerError>> {
    const run = this.#reconcile.then(() => this.#reconcileNow());
    this.#reconcile = run.catch(() => undefined);
    return run;
  }

  async #reconcileNow(): Promise<ReadonlyMap<string, ListenerError>> {
    if (this.#closed) return new Map();
    const serving = new Map<string, ListenerSpec>();
    const reserving = new Map<string, ListenerSpec>();
    const made = new Map<string, Active>();
    const reserved = new Map<string, Active>();
    for (const held of this.#listeners.values()) {
      const listener = held.runtime;
      const active = this.#active.get(held.name);
      if (active !== undefined && active.listener === listener) {
        serving.set(held.name, active.spec);
        made.set(held.name, active);
        continue;
      }
      const reservation = this.#reserved.get(held.name);
      const spec = (): ListenerSpec => (reservation?.listener === listener ? reservation.spec : this.#spec(listener));
      if (this.#isWarming(listener)) {
        if (active !== undefined) {
          serving.set(held.name, active.spec);
          made.set(held.name, active);
        }
        // An update keeping its address keeps its socket, which serves the old version meanwhile.
        if (active === undefined || !sameAddress(active.listener, listener)) {
          const reserve = { listener, spec: spec() };
          reserving.set(held.name, reserve.spec);
          reserved.set(held.name, reserve);
        }
        continue;
      }
      this.#warmingSince.delete(held.name);
      const serve = { listener, spec: spec() };
      serving.set(held.name, serve.spec);
      made.set(held.name, serve);
    }
    for (const name of this.#warmingSince.keys()) if (!this.#listeners.has(name)) this.#warmingSince.delete(name);
    const result = await this.#options.listeners.apply(serving, reserving);
    result.drained.catch(() => undefined);
    const next = new Map<string, Active>();
    // What served before serves on (a failure under its name is its reservation's); the rest only if bound.
    for (const [name, active] of made) {
      if (this.#active.get(name) === active || !result.failed.has(name)) next.set(name, active);
    }
    this.#active = next;
    this.#reserved = new Map([...reserved].filter(([name]) => !result.failed.has(name)));
    for (const name of [...this.#bindErrors.keys()]) if (!result.failed.has(name)) this.#bindErrors.delete(name);
    for (const [name, error] of result.failed) {
      // Said once per listener until it binds or goes; each retry is at debug.
      const level = this.#bindErrors.has(name) ? "debug" : "warn";
      this.#bindErrors.set(name, error);
      this.#logger[level]({ listener: name, code: error.code, err: error.message }, "listener cannot bind");
    }
    if (result.added.length + result.removed.length + result.reserved.length > 0) {
      this.#logger.info(
        { added: result.added, removed: result.removed, reserved: result.reserved },
        "listeners changed",
      );
    }
    return result.failed;
  }

  /**
   * Whether `listener` waits for a route configuration or a secret (and the warming timeout has
   * not passed).
   */
  #isWarming(listener: RuntimeListener): boolean {
    const routeName = listener.http?.routeConfigName;
    const waitsForRoutes = routeName !== undefined && !this.#routes.has(routeName);
    const waitsForSecrets = tlsOf(listener).some((name) => this.#proxySecrets.secret(name) === undefined);
    if (!waitsForRoutes && !waitsForSecrets) return false;
    const since = this.#warmingSince.get(listener.name);
    if (since === undefined) {
      this.#warmingSince.set(listener.name, this.#clock.now());
      this.#after(this.#warmingTimeoutMs, () => void this.#reconcileListeners());
      return true;
    }
    return this.#clock.now() - since < this.#warmingTimeoutMs;
  }

  #spec(listener: RuntimeListener): ListenerSpec {
    const { handlers } = this.#options;
    const transport = listener.transport === undefined ? undefined : this.#transport(listener.name, listener.transport);
    if (listener.tcp !== undefined) {
      return {
        kind: "tcp",
        host: listener.host,
        port: listener.port,
        onConnection: handlers.tcp(listener.name, listener.tcp),
        drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
        transport,
      };
    }
    const http = listener.http as RuntimeHttp;
    const inline = http.routeTable;
    const routeName = http.routeConfigName ?? "";
    const routes = this.#routes;
    const routeTable = inline !== undefined ? () => inline : () => routes.get(routeName)?.runtime.routeTable;
    return {
      kind: "http",
      host: listener.host,
      port: listener.port,
      handler: handlers.http(listener.name, http, routeTable),
      codec: http.codec,
      drainTimeoutMs: http.drainTimeoutMs,
      transport,
    };
  }

  #transport(name: string, transport: RuntimeDownstreamTransport): DownstreamTransport {
    const made = this.#options.handlers.transport?.(name, transport);
    if (made !== undefined) return made;
    return {
      plaintext: false,
      serverOptions: () => {
        throw new Error("this proxy runs no TLS listeners");
      },
      admit: () => ({ reason: "no_context", detail: "this proxy runs no TLS listeners" }),
      refused: () => undefined,
    };
  }

  /**
   * Route configurations wanted: those the held listeners name, and those the listeners still
   * serving name (an updated listener keeps its old routes until the new ones arrive).
   */
  #routeNames(): Set<string> {
    const names = new Set<string>();
    for (const held of this.#listeners.values()) {
      const name = held.runtime.http?.routeConfigName;
      if (name !== undefined) names.add(name);
    }
    for (const active of this.#active.values()) {
      const name = active.listener.http?.routeConfigName;
      if (name !== undefined) names.add(name);
    }
    return names;
  }

  /** Subscribes to exactly the route configurations wanted, and forgets the others. */
  #syncRouteNames(): void {
    const names = this.#routeNames();
    this.#ads?.setNames(TypeUrl.route, [...names]);
    this.#routes.prune(names);
  }

  /**
   * Secrets wanted over SDS: those the TLS contexts of the held and serving listeners and of the
   * held clusters name, but for those the process holds itself (they win anyway, and `default`
   * is never served: docs/security.md, "SDS").
   */
  #secretNames(): Set<string> {
    const names = new Set<string>();
    const local = new Set(this.#proxySecrets.localNames());
    const add = (config: RuntimeTls | undefined) => {
      if (config === undefined) return;
      for (const name of secretNamesOf(config)) if (!local.has(name)) names.add(name);
    };
    for (const held of this.#listeners.values()) add(held.runtime.transport?.tls);
    for (const active of this.#active.values()) add(active.listener.transport?.tls);
    for (const held of this.#clusters.values()) add(held.runtime.tls);
    return names;
  }

  /** Subscribes to exactly the secrets wanted, and forgets the others. */
  #syncSecretNames(): void {
    const names = this.#secretNames();
    this.#ads?.setNames(TypeUrl.secret, [...names]);
    const before = this.#secrets.size;
    this.#secrets.prune(names);
    if (this.#secrets.size !== before) this.#publishSecrets();
  }

  /** Hands the secrets held from SDS to the proxy's secrets (local ones still win there). */
  #publishSecrets(): void {
    this.#proxySecrets.setSds(new Map([...this.#secrets.values()].map((held) => [held.name, held.runtime])));
  }

  #endpointNames(): Set<string> {
    const names = new Set<string>();
    for (const held of this.#clusters.values()) {
      const name = held.runtime.edsServiceName;
      if (held.runtime.type === "EDS" && name !== undefined) names.add(name);
    }
    return names;
  }

  #after(ms: number, run: () => void): void {
    if (this.#closed) return;
    const timer = this.#clock
      .setTimeout(() => {
        this.#timers.delete(timer);
        run();
      }, ms)
      .unref();
    this.#timers.add(timer);
  }

  // --- what the admin endpoints show ------------------------------------------------------------

  /**
   * Ready once listeners and clusters have had a first response (even an empty one) and every
   * route configuration, endpoint set and SDS secret they reference has arrived (README, "Admin
   * endpoints"): a TLS listener waiting for its secret is still warming, as in Envoy. A listener
   * that stopped warming without its routes or secrets serves, but the proxy is not ready.
   */
  readiness(): Readiness {
    const waitingFor: string[] = [];
    if (!this.#listeners.received) waitingFor.push("listeners");
    if (!this.#clusters.received) waitingFor.push("clusters");
    for (const name of this.#routeNames()) if (!this.#routes.has(name)) waitingFor.push(`routes: ${name}`);
    for (const name of this.#endpointNames()) if (!this.#endpoints.has(name)) waitingFor.push(`endpoints: ${name}`);
    for (const name of this.#secretNames()) {
      if (this.#proxySecrets.secret(name) === undefined) waitingFor.push(`secrets: ${name}`);
    }
    return { ready: waitingFor.length === 0, waitingFor };
  }

  /**
   * The config in use (JSON-ready). Per type, `versionInfo` is the version_info of the last
   * response accepted (what the control plane shows as acknowledged); per resource, `version` is
   * the resource's own version (see Held), `versionInfo` the version_info of the response that
   * last changed it (Envoy's per-resource version_info), and `state`: listeners ACTIVE, WARMING
   * or BIND_FAILED, clusters ACTIVE or WARMING, route configurations, endpoint sets and secrets
   * ACTIVE (they take effect as they arrive: the next request or connection reads them). Secrets
   * are those received over SDS, and the names of those the process holds itself (`local`: names
   * only, their material is never shown). Private keys are shown nowhere (redactKeys).
   */
  configDump(): Record<string, unknown> {
    const entries = <T>(held: TypeHeld<T>, kind: XdsResourceType, extra: (h: Held<T>) => Record<string, unknown>) =>
      [...held.values()]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((h) => ({
          name: h.name,
          version: h.version,
          versionInfo: h.versionInfo,
          lastUpdated: new Date(h.updatedAt).toISOString(),
          ...extra(h),
          resource: redactKeys({ "@type": kind.typeUrl, ...(encodeJson(kind.typeName, h.resource) as object) }),
        }));
    const active = () => ({ state: "ACTIVE" });
    return {
      listeners: {
        versionInfo: this.#listeners.versionInfo,
        resources: entries(this.#listeners, KINDS.listeners, (h) => ({
          state: this.#listenerState(h.runtime),
          ...this.#bindErrorOf(h.name),
        })),
      },
      routes: {
        versionInfo: this.#routes.versionInfo,
        resources: entries(this.#routes, KINDS.routes, active),
      },
      clusters: {
        versionInfo: this.#clusters.versionInfo,
        resources: entries(this.#clusters, KINDS.clusters, (h) => ({
          state: this.#options.clusters.warming(h.name) ? "WARMING" : "ACTIVE",
        })),
      },
      endpoints: {
        versionInfo: this.#endpoints.versionInfo,
        resources: entries(this.#endpoints, KINDS.endpoints, active),
      },
      secrets: {
        versionInfo: this.#secrets.versionInfo,
        resources: entries(this.#secrets, secretType, active),
        local: this.#proxySecrets.localNames(),
      },
    };
  }

  #listenerState(listener: RuntimeListener): string {
    if (this.#bindErrors.has(listener.name)) return "BIND_FAILED";
    const active = this.#active.get(listener.name);
    if (active === undefined) return "WARMING";
    return active.listener === listener ? "ACTIVE" : "WARMING";
  }

  #bindErrorOf(name: string): Record<string, unknown> {
    const error = this.#bindErrors.get(name);
    return error === undefined ? {} : { error: { code: error.code, message: error.message } };
  }

  /** Stops timers; the listener and cluster managers are closed by their owner. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers.clear();
  }
}

/** The SDS secrets a listener's TLS context names (none for a plaintext listener). */
function tlsOf(listener: RuntimeListener): string[] {
  const config = listener.transport?.tls;
  return config === undefined ? [] : secretNamesOf(config);
}

/**
 * `json` with the private keys it holds replaced by "[redacted]", as Envoy's config dump does:
 * every `private_key` of a TLS certificate (inline in a listener's or cluster's TLS context, or in
 * a secret), and its `password`, whatever data source holds them.
 */
function redactKeys(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(redactKeys);
  if (typeof json !== "object" || json === null) return json;
  const object = json as Record<string, unknown>;
  const certificate = "private_key" in object;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const sensitive = key === "private_key" || (certificate && key === "password");
    out[key] =
      sensitive && typeof value === "object" && value !== null
        ? Object.fromEntries(Object.keys(value).map((field) => [field, "[redacted]"]))
        : redactKeys(value);
  }
  return out;
}

/** Whether two listeners bind the same address (whatever their kind). */
function sameAddress(a: RuntimeListener, b: RuntimeListener): boolean {
  return a.host === b.host && a.port === b.port;
}

/** Builds one response into runtime objects, or the ConfigError to NACK it with. */
function build<U extends KindTypeUrl>(
  typeUrl: U,
  resources: readonly DecodedResource<MessageOf<U>>[],
): Incoming<RuntimeOf<U>>[] | Error {
  const result = buildConfigSet(typeUrl, resources);
  if (!result.ok) return result.error;
  // The set holds one runtime object per resource, in the response's order.
  const runtime = result.set.resources;
  return resources.map((r, i) => ({
    name: r.name,
    resource: r.resource,
    ...(r.version === undefined ? {} : { version: r.version }),
    ...(r.encoded === undefined ? {} : { encoded: r.encoded }),
    runtime: runtime[i] as RuntimeOf<U>,
  }));
}
