// The local app's health as `weft sidecar --app-health PATH|tcp` probes it, in Kubernetes' terms:
// `tcp` is a tcpSocket probe (a TCP connect to the app's HOST:PORT), a PATH an httpGet probe
// (GET http://HOST:PORT/PATH, healthy on a 2xx or 3xx status; redirects are not followed). Each
// probe has a timeout; probes run one at a time, the next `intervalMs` after the previous ended,
// on the injected clock. A listener hears only changes, decided by thresholds as Kubernetes'
// successThreshold and failureThreshold: the state starts `unknown`, and turns `healthy` after
// `successThreshold` successes in a row, `unhealthy` after `failureThreshold` failures in a row.
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import type { Clock, Timer } from "../../../time/index.js";
import { systemClock } from "../../../time/index.js";

/** What to probe: a TCP connect, or an HTTP GET of `path` (which starts with `/`). */
export type AppHealthCheck = { readonly kind: "tcp" } | { readonly kind: "http"; readonly path: string };

export type AppHealth = "unknown" | "healthy" | "unhealthy";

/**
 * Defaults: a probe every second with a one-second timeout (Kubernetes' timeoutSeconds), healthy
 * after one success and unhealthy after three failures in a row (Kubernetes' thresholds). The
 * period is Kubernetes' 10 s cut to 1 s so that a failing app leaves its callers' endpoints within
 * a few seconds: three failed probes take about 3 s.
 */
export const APP_HEALTH_DEFAULTS = {
  intervalMs: 1_000,
  timeoutMs: 1_000,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

export interface AppHealthProbeOptions {
  /** The app's address (`--app`). */
  readonly host: string;
  readonly port: number;
  readonly check: AppHealthCheck;
  /** Called with the new state on each change (never with `unknown`). */
  readonly onChange: (health: Exclude<AppHealth, "unknown">) => void;
  /** Called after every probe with its outcome (for logs and tests). */
  readonly onProbe?: (result: { readonly ok: boolean; readonly reason?: string }) => void;
  readonly clock?: Clock;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly successThreshold?: number;
  readonly failureThreshold?: number;
}

/** `--app-health`'s value: `tcp`, or an HTTP path starting with `/`; undefined for anything else. */
export function appHealthCheckOf(value: string): AppHealthCheck | undefined {
  if (value === "tcp") return { kind: "tcp" };
  if (value.startsWith("/") && !/[\s#]/.test(value)) return { kind: "http", path: value };
  return undefined;
}

export class AppHealthProbe {
  readonly #options: AppHealthProbeOptions;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #successThreshold: number;
  readonly #failureThreshold: number;
  #health: AppHealth = "unknown";
  #successes = 0;
  #failures = 0;
  #timer: Timer | undefined;
  /** Ends the probe in flight (its socket or request), if any. */
  #abortProbe: (() => void) | undefined;
  #started = false;
  #closed = false;

  constructor(options: AppHealthProbeOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#intervalMs = options.intervalMs ?? APP_HEALTH_DEFAULTS.intervalMs;
    this.#timeoutMs = options.timeoutMs ?? APP_HEALTH_DEFAULTS.timeoutMs;
    this.#successThreshold = Math.max(1, options.successThreshold ?? APP_HEALTH_DEFAULTS.successThreshold);
    this.#failureThreshold = Math.max(1, options.failureThreshold ?? APP_HEALTH_DEFAULTS.failureThreshold);
  }

  /** The state the thresholds decided last. */
  get health(): AppHealth {
    return this.#health;
  }

  /** Starts the loop: the first probe runs at once (on the clock's next turn). Idempotent. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#schedule(0);
  }

  /** Stops the loop and ends the probe in flight; no listener is called afterwards. */
  close(): void {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abortProbe?.();
    this.#abortProbe = undefined;
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#probe();
    }, delayMs);
  }

  async #probe(): Promise<void> {
    const result = await this.#probeOnce();
    if (this.#closed) return;
    this.#options.onProbe?.(result);
    if (result.ok) {
      this.#successes += 1;
      this.#failures = 0;
      if (this.#health !== "healthy" && this.#successes >= this.#successThreshold) this.#change("healthy");
    } else {
      this.#failures += 1;
      this.#successes = 0;
      if (this.#health !== "unhealthy" && this.#failures >= this.#failureThreshold) this.#change("unhealthy");
    }
    if (!this.#closed) this.#schedule(this.#intervalMs);
  }

  #change(health: "healthy" | "unhealthy"): void {
    this.#health = health;
    this.#options.onChange(health);
  }

  /** One probe: settles once, on success, failure, timeout or close. */
  #probeOnce(): Promise<{ ok: boolean; reason?: string }> {
    return new Promise((resolve) => {
      let settled = false;
      let end: () => void = () => {};
      const finish = (ok: boolean, reason?: string): void => {
        if (settled) return;
        settled = true;
        this.#clock.clearTimeout(timeout);
        this.#abortProbe = undefined;
        end();
        resolve(reason === undefined ? { ok } : { ok, reason });
      };
      const timeout = this.#clock.setTimeout(
        () => finish(false, `no answer within ${this.#timeoutMs} ms`),
        this.#timeoutMs,
      );
      this.#abortProbe = () => finish(false, "closed");
      const { host, port, check } = this.#options;
      if (check.kind === "tcp") {
        const socket: Socket = connect({ host, port });
        end = () => socket.destroy();
        socket.once("connect", () => finish(true));
        socket.once("error", (error) => finish(false, error.message));
        return;
      }
      const probe = request({
        host,
        port,
        path: check.path,
        method: "GET",
        agent: false,
        headers: { "user-agent": "weft-sidecar-probe" },
      });
      end = () => probe.destroy();
      probe.once("response", (response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        finish(status >= 200 && status < 400, status >= 200 && status < 400 ? undefined : `HTTP status ${status}`);
      });
      probe.once("error", (error) => finish(false, error.message));
      probe.end();
    });
  }
}
