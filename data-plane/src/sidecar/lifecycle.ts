// The order in which a sidecar joins and leaves the mesh, apart from the sockets and processes
// that carry it out (passed in, so the order is tested with fakes on a manual clock):
// - join: the instance is registered once its app is first healthy and its inbound listener
//   serves (its config comes from the control plane), so callers are never sent to a port that
//   refuses them; each later health change registers again with the new health, and so does each
//   new xDS stream (after a control plane restart or fail-over: an identical registration changes
//   nothing, a registration the control plane lost is restored);
// - leave (SIGTERM): the probe stops, the entry is removed (within a deadline), the inbound side
//   keeps serving for the drain delay while callers' endpoints are updated, then the proxy drains
//   its listeners (in-flight requests finish) and closes.
import type { Logger } from "pino";
import { type Clock, systemClock, type Timer } from "../../../time/index.js";
import { SidecarError } from "./errors.js";
import { DEFAULT_DEREGISTER_DEADLINE_MS } from "./registration-client.js";

/** How long the inbound side keeps serving after deregistering, for callers to drop the endpoint. */
export const DEFAULT_DRAIN_DELAY_MS = 1_000;

/** How often the lifecycle looks whether the inbound listener serves yet. */
export const INBOUND_POLL_MS = 100;

/** How often a sidecar still waiting for its inbound listener says so. */
export const INBOUND_WAIT_LOG_MS = 10_000;

export interface LifecycleProxy {
  /** Whether the inbound listener is bound and serving. */
  inboundServing(): boolean;
  /** Drains every listener and stops the proxy. */
  close(): Promise<void>;
}

export interface LifecycleRegistration {
  register(health: "healthy" | "unhealthy"): Promise<{ name: string; revision: number; changed: boolean }>;
  deregister(deadlineMs: number): Promise<{ name: string; revision: number } | undefined>;
  close(): void;
}

export interface LifecycleProbe {
  start(): void;
  close(): void;
}

export interface SidecarLifecycleOptions {
  readonly proxy: LifecycleProxy;
  readonly registration: LifecycleRegistration;
  readonly probe: LifecycleProbe;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** DEFAULT_DRAIN_DELAY_MS when unset. */
  readonly drainDelayMs?: number;
  /** DEFAULT_DEREGISTER_DEADLINE_MS when unset. */
  readonly deregisterDeadlineMs?: number;
}

export class SidecarLifecycle {
  readonly #options: SidecarLifecycleOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  /** The app's last health as the probe decided it; undefined before its first decision. */
  #health: "healthy" | "unhealthy" | undefined;
  /** Whether a registration was sent: from then on, every change is sent too. */
  #registered = false;
  #inboundServing = false;
  #inboundTimer: Timer | undefined;
  /** While waiting for the inbound listener: when to say so next. */
  #nextWaitLogAt: number | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: SidecarLifecycleOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
  }

  /** Starts probing the app. */
  start(): void {
    this.#options.probe.start();
  }

  /** The probe's decision: logged, and registered when the rules above say so. */
  healthChanged(health: "healthy" | "unhealthy"): void {
    if (this.#closing !== undefined) return;
    this.#logger[health === "healthy" ? "info" : "warn"]({ health }, "app health changed");
    this.#health = health;
    this.#sync();
  }

  /** A new xDS stream: the registration is sent again (no change when the control plane has it). */
  reconnected(): void {
    if (this.#closing !== undefined || !this.#registered || this.#health === undefined) return;
    this.#send(this.#health);
  }

  #sync(): void {
    if (this.#closing !== undefined || this.#health === undefined) return;
    if (!this.#registered && this.#health !== "healthy") return;
    if (!this.#inboundServing && !this.#options.proxy.inboundServing()) {
      this.#waitForInbound();
      return;
    }
    this.#inboundServing = true;
    this.#registered = true;
    this.#send(this.#health);
  }

  /** Looks again every INBOUND_POLL_MS, saying every INBOUND_WAIT_LOG_MS that it still waits. */
  #waitForInbound(): void {
    if (this.#inboundTimer !== undefined) return;
    this.#nextWaitLogAt ??= this.#clock.now() + INBOUND_WAIT_LOG_MS;
    this.#inboundTimer = this.#clock.setTimeout(() => {
      this.#inboundTimer = undefined;
      if (this.#options.proxy.inboundServing()) {
        this.#nextWaitLogAt = undefined;
        this.#sync();
        return;
      }
      if (this.#nextWaitLogAt !== undefined && this.#clock.now() >= this.#nextWaitLogAt) {
        this.#nextWaitLogAt += INBOUND_WAIT_LOG_MS;
        this.#logger.warn(
          "app healthy, not registered yet: the inbound listener does not serve (no config from the control plane yet, or its port cannot be bound)",
        );
      }
      this.#waitForInbound();
    }, INBOUND_POLL_MS);
  }

  #send(health: "healthy" | "unhealthy"): void {
    this.#options.registration.register(health).then(
      (answer) => {
        this.#logger.info(
          { health, entry: answer.name, revision: answer.revision, changed: answer.changed },
          "registered",
        );
      },
      (error: unknown) => {
        // Cancelled by deregister: leaving was asked for, nothing went wrong.
        if (this.#closing !== undefined) return;
        const details =
          error instanceof SidecarError
            ? { code: error.code, serverCode: error.serverCode, err: error.message }
            : { err: error };
        this.#logger.error(details, "registration failed: the instance is not in the mesh");
      },
    );
  }

  /**
   * Leaves the mesh in order: stop probing, deregister (within the deadline), keep serving for the
   * drain delay, drain and close the proxy. Each step is logged. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#leave();
    return this.#closing;
  }

  async #leave(): Promise<void> {
    const { probe, registration, proxy } = this.#options;
    probe.close();
    this.#clock.clearTimeout(this.#inboundTimer);
    this.#inboundTimer = undefined;
    if (this.#registered) {
      const deadlineMs = this.#options.deregisterDeadlineMs ?? DEFAULT_DEREGISTER_DEADLINE_MS;
      this.#logger.info({ deadlineMs }, "deregistering");
      try {
        const answer = await registration.deregister(deadlineMs);
        this.#logger.info({ entry: answer?.name, revision: answer?.revision }, "deregistered");
      } catch (error) {
        this.#logger.warn(
          { code: error instanceof SidecarError ? error.code : undefined, err: String(error) },
          "deregistration failed: the control plane removes the entry after its grace period",
        );
      }
      const delayMs = this.#options.drainDelayMs ?? DEFAULT_DRAIN_DELAY_MS;
      if (delayMs > 0) {
        this.#logger.info({ delayMs }, "serving while callers drop this instance");
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, delayMs));
      }
    }
    registration.close();
    this.#logger.info("draining inbound and outbound listeners");
    await proxy.close();
  }
}
