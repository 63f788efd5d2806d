// Active HTTP health checking of one cluster's hosts, following Envoy's rules:
//
// - A host new to the checker starts as failing (FAILED_ACTIVE_HC) until a check passes; its
//   first check runs at once, delayed by a random part of initial_jitter. That first check alone
//   is enough to mark it healthy; after a failed first check, healthy_threshold passes in a row
//   are needed, as for any failing host.
// - A healthy host is marked failing after unhealthy_threshold network failures (connection
//   error, timeout) or retriable statuses in a row, and at once on a status that is neither
//   expected nor retriable (Envoy ignores the threshold for those).
// - Each host is checked on its own timer: interval (unhealthy_interval while failing;
//   healthy_edge_interval / unhealthy_edge_interval right after a change), plus a random
//   [0, interval_jitter) and [0, interval × interval_jitter_percent / 100).
//
// Hosts are keyed by address: a host that stays (even as a new object) keeps its state. The
// checker re-reads `targets()` once per interval, and whenever sync() is called.
import type { Logger } from "pino";
import { type Clock, systemClock, type Timer } from "../../../../time/index.js";
import { type RuntimeHealthCheck, statusIn } from "../../config/index.js";
import type { HealthTarget } from "./health-target.js";
import { type HealthProbe, type HealthRequest, httpProbe } from "./http-probe.js";

/** The user-agent Envoy's checker sends is Envoy/HC; this one says who it is. */
const USER_AGENT = "Weft/HC";

export interface HealthCheckerOptions {
  readonly cluster: string;
  readonly check: RuntimeHealthCheck;
  /** The cluster's current hosts; read on each sync. */
  readonly targets: () => readonly HealthTarget[];
  /** Called once after one or more hosts changed verdict (after their setters ran). */
  readonly onChange?: () => void;
  /** Called after every completed check, for metrics. */
  readonly onResult?: (address: string, healthy: boolean) => void;
  /** One HTTP request → status; httpProbe by default. */
  readonly request?: HealthRequest;
  /**
   * Check timers, and lastCheckedAt (ms since the epoch); the system clock by default. Its timers
   * are unref'd: checking never keeps the process alive on its own.
   */
  readonly clock?: Clock;
  /** In [0, 1) (Math.random by default), for jitter. */
  readonly random?: () => number;
  readonly logger?: Logger;
}

/** One host as the checker sees it, for /clusters. */
export interface HostHealthView {
  readonly address: string;
  /** Passing active health checks (not FAILED_ACTIVE_HC). */
  readonly healthy: boolean;
  /** Not checked yet since it was added. */
  readonly pending: boolean;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly lastCheckedAt: number | undefined;
  /** Why the last failed check failed: `timeout`, `status 503`, or the connection error's code. */
  readonly lastFailure: string | undefined;
}

type Verdict =
  | { readonly pass: true }
  /** immediate: a status neither expected nor retriable, which skips unhealthy_threshold. */
  | { readonly pass: false; readonly immediate: boolean; readonly reason: string };

interface Session {
  target: HealthTarget;
  failed: boolean;
  firstCheck: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastCheckedAt: number | undefined;
  lastFailure: string | undefined;
  /** The verdict changed at the last check: the next interval is the edge interval. */
  edge: "healthy" | "unhealthy" | undefined;
  timer: Timer | undefined;
  inFlight: AbortController | undefined;
  /** The timer that ends the check in flight. */
  deadline: Timer | undefined;
}

export class HealthChecker {
  readonly #targets: () => readonly HealthTarget[];
  readonly #onChange: () => void;
  readonly #onResult: (address: string, healthy: boolean) => void;
  readonly #request: HealthRequest;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger | undefined;
  readonly #sessions = new Map<string, Session>();
  #check: RuntimeHealthCheck;
  #headers: Readonly<Record<string, string>>;
  #syncTimer: Timer | undefined;
  #closed = false;

  constructor(options: HealthCheckerOptions) {
    this.#targets = options.targets;
    this.#onChange = options.onChange ?? (() => {});
    this.#onResult = options.onResult ?? (() => {});
    this.#request = options.request ?? httpProbe;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger?.child({ component: "health-checker", cluster: options.cluster });
    this.#check = options.check;
    this.#headers = requestHeaders(options.check);
    this.sync();
    this.#scheduleSync();
  }

  /**
   * Re-reads the cluster's hosts: new ones start failing and are checked at once (after the
   * initial jitter), removed ones are dropped (their check in flight aborted). Call it when the
   * cluster's membership changes; it also runs once per interval.
   */
  sync(): void {
    if (this.#closed) return;
    let changed = false;
    const seen = new Set<string>();
    for (const target of this.#targets()) {
      seen.add(target.address);
      let session = this.#sessions.get(target.address);
      if (session === undefined) {
        session = {
          target,
          failed: true,
          firstCheck: true,
          consecutiveFailures: 0,
          consecutiveSuccesses: 0,
          lastCheckedAt: undefined,
          lastFailure: undefined,
          edge: undefined,
          timer: undefined,
          inFlight: undefined,
          deadline: undefined,
        };
        this.#sessions.set(target.address, session);
        this.#schedule(session, this.#random() * this.#check.initialJitterMs);
      }
      session.target = target;
      if (target.activeHealthFailed !== session.failed) {
        target.setActiveHealthFailed(session.failed);
        changed = true;
      }
    }
    for (const [address, session] of this.#sessions) {
      if (seen.has(address)) continue;
      this.#stop(session);
      this.#sessions.delete(address);
    }
    if (changed) this.#onChange();
  }

  /** A new config for the same cluster: host verdicts and counters are kept; timers follow the new intervals. */
  update(check: RuntimeHealthCheck): void {
    if (this.#closed) return;
    this.#check = check;
    this.#headers = requestHeaders(check);
    for (const session of this.#sessions.values()) {
      if (session.timer === undefined) continue;
      this.#clock.clearTimeout(session.timer);
      session.timer = undefined;
      this.#schedule(session, this.#nextInterval(session));
    }
    this.#clock.clearTimeout(this.#syncTimer);
    this.#scheduleSync();
  }

  /**
   * Stops every timer and aborts checks in flight. Hosts the checker had marked failing are
   * marked passing again (a cluster without health checks has no FAILED_ACTIVE_HC hosts).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#syncTimer);
    let changed = false;
    for (const session of this.#sessions.values()) {
      this.#stop(session);
      if (session.target.activeHealthFailed) {
        session.target.setActiveHealthFailed(false);
        changed = true;
      }
    }
    this.#sessions.clear();
    if (changed) this.#onChange();
  }

  /** Every host's state, in the order the hosts were first seen. */
  view(): HostHealthView[] {
    return [...this.#sessions.entries()].map(([address, s]) => ({
      address,
      healthy: !s.failed,
      pending: s.firstCheck,
      consecutiveFailures: s.consecutiveFailures,
      consecutiveSuccesses: s.consecutiveSuccesses,
      lastCheckedAt: s.lastCheckedAt,
      lastFailure: s.lastFailure,
    }));
  }

  #scheduleSync(): void {
    this.#syncTimer = this.#clock
      .setTimeout(() => {
        this.sync();
        if (!this.#closed) this.#scheduleSync();
      }, this.#check.intervalMs)
      .unref();
  }

  #schedule(session: Session, delayMs: number): void {
    session.timer = this.#clock
      .setTimeout(() => {
        session.timer = undefined;
        this.#run(session);
      }, Math.floor(delayMs))
      .unref();
  }

  #stop(session: Session): void {
    if (session.timer !== undefined) this.#clock.clearTimeout(session.timer);
    session.timer = undefined;
    if (session.deadline !== undefined) this.#clock.clearTimeout(session.deadline);
    session.deadline = undefined;
    session.inFlight?.abort();
    session.inFlight = undefined;
  }

  #run(session: Session): void {
    const controller = new AbortController();
    session.inFlight = controller;
    const check = this.#check;
    let settled = false;
    const settle = (verdict: Verdict): void => {
      if (settled) return;
      settled = true;
      // Removed, closed, or superseded while in flight: the answer no longer counts.
      if (session.inFlight !== controller) return;
      this.#clock.clearTimeout(session.deadline);
      session.inFlight = undefined;
      session.deadline = undefined;
      this.#judge(session, verdict);
      this.#schedule(session, this.#nextInterval(session));
    };
    session.deadline = this.#clock
      .setTimeout(() => {
        settle({ pass: false, immediate: false, reason: "timeout" });
        controller.abort(new Error("health check timed out"));
      }, check.timeoutMs)
      .unref();
    const { target } = session;
    const probe: HealthProbe = {
      host: target.host,
      port: check.altPort ?? target.port,
      method: check.http.method,
      path: check.http.path,
      authority: check.http.host,
      headers: this.#headers,
      http2: check.http.http2,
      signal: controller.signal,
    };
    let pending: Promise<number>;
    try {
      pending = this.#request(probe);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (status) => settle(classify(status, check)),
      (error: unknown) => settle({ pass: false, immediate: false, reason: failureReason(error) }),
    );
  }

  #judge(session: Session, verdict: Verdict): void {
    const check = this.#check;
    const wasFailed = session.failed;
    if (verdict.pass) {
      session.consecutiveFailures = 0;
      session.consecutiveSuccesses++;
      if (session.failed && (session.firstCheck || session.consecutiveSuccesses >= check.healthyThreshold)) {
        session.failed = false;
      }
    } else {
      session.consecutiveSuccesses = 0;
      session.consecutiveFailures++;
      session.lastFailure = verdict.reason;
      if (!session.failed && (verdict.immediate || session.consecutiveFailures >= check.unhealthyThreshold)) {
        session.failed = true;
      }
    }
    session.firstCheck = false;
    session.lastCheckedAt = this.#clock.now();
    session.edge = session.failed === wasFailed ? undefined : session.failed ? "unhealthy" : "healthy";
    this.#onResult(session.target.address, verdict.pass);
    if (session.edge === undefined) return;
    this.#logger?.info(
      { address: session.target.address, healthy: !session.failed, reason: verdict.pass ? undefined : verdict.reason },
      session.failed ? "host failed active health checks" : "host passes active health checks",
    );
    session.target.setActiveHealthFailed(session.failed);
    this.#onChange();
  }

  #nextInterval(session: Session): number {
    const check = this.#check;
    const base =
      session.edge === "healthy"
        ? check.healthyEdgeIntervalMs
        : session.edge === "unhealthy"
          ? check.unhealthyEdgeIntervalMs
          : session.failed
            ? check.unhealthyIntervalMs
            : check.intervalMs;
    return (
      base +
      Math.floor(this.#random() * check.intervalJitterMs) +
      Math.floor((this.#random() * base * check.intervalJitterPercent) / 100)
    );
  }
}

function classify(status: number, check: RuntimeHealthCheck): Verdict {
  if (statusIn(status, check.http.expectedStatuses)) return { pass: true };
  const retriable = statusIn(status, check.http.retriableStatuses);
  return { pass: false, immediate: !retriable, reason: `status ${status}` };
}

function failureReason(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The checker's own user-agent, less request_headers_to_remove, plus request_headers_to_add. */
function requestHeaders(check: RuntimeHealthCheck): Readonly<Record<string, string>> {
  const headers: Record<string, string> = { "user-agent": USER_AGENT };
  for (const name of check.http.requestHeadersToRemove) delete headers[name];
  for (const [name, value] of check.http.requestHeaders) headers[name] = value;
  return Object.freeze(headers);
}
