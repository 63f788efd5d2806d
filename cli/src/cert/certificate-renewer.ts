// Keeps a workload certificate current: issues one now, then a new one (new key too) at each
// certificate's half-life, as Istio's agents rotate. A failed renewal is retried after a growing
// delay (1 s, doubling, at most 30 s) while the certificate in use is still valid. The first issue
// may be retried the same way for a while (`firstIssueWithinMs`) when its failure is transient (no
// control plane answered yet), so a workload starting before its control plane waits for it rather
// than failing. Timers run on the injected clock, so the schedule is tested without waiting.
import type { Clock, Timer } from "../../../time/index.js";

/** What one issue produced: enough to schedule the next. */
export interface Issued {
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** When the next certificate should be issued. */
  readonly rotateAt: Date;
}

export interface RenewerOptions<T extends Issued = Issued> {
  /** Issues and installs a certificate (writes the files); rejects when it could not. */
  readonly issue: () => Promise<T>;
  readonly clock: Clock;
  /** Told of each certificate installed and of each failed attempt with the wait before the next. */
  readonly onIssued?: (issued: T) => void;
  readonly onFailed?: (error: unknown, retryInMs: number) => void;
  /** How long start() keeps retrying a first issue that failed transiently; 0 (default): no retry. */
  readonly firstIssueWithinMs?: number;
  /** Whether a failure may pass by itself (the control plane unreachable or slow), as opposed to a refusal. */
  readonly isTransient?: (error: unknown) => boolean;
}

export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 30_000;

export class CertificateRenewer<T extends Issued = Issued> {
  readonly #options: RenewerOptions<T>;
  #timer: Timer | undefined;
  #closed = false;
  #failures = 0;
  /** Ends start()'s wait between first attempts early, when close() is called. */
  #wake: (() => void) | undefined;

  constructor(options: RenewerOptions<T>) {
    this.#options = options;
  }

  /**
   * Issues the first certificate, retrying transient failures until `firstIssueWithinMs` has
   * passed (each retry told to onFailed), then keeps renewing until close(). Rejects with the last
   * failure: a refusal at once, a transient one once the next attempt would start past the limit,
   * and any once close() is called.
   */
  async start(): Promise<T> {
    const { clock } = this.#options;
    const deadline = clock.now() + (this.#options.firstIssueWithinMs ?? 0);
    for (let attempt = 0; ; attempt++) {
      try {
        const issued = await this.#options.issue();
        if (this.#closed) return issued;
        this.#installed(issued);
        return issued;
      } catch (error) {
        const retryInMs = Math.min(FIRST_RETRY_MS * 2 ** attempt, MAX_RETRY_MS);
        const transient = this.#options.isTransient?.(error) ?? false;
        if (this.#closed || !transient || clock.now() + retryInMs > deadline) throw error;
        this.#options.onFailed?.(error, retryInMs);
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#timer = clock.setTimeout(resolve, retryInMs);
        });
        this.#wake = undefined;
        if (this.#closed) throw error;
      }
    }
  }

  /** Stops renewing; an issue in flight finishes but schedules nothing; a first issue waiting to retry gives up. */
  close(): void {
    this.#closed = true;
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#wake?.();
  }

  #installed(issued: T): void {
    this.#failures = 0;
    this.#options.onIssued?.(issued);
    this.#schedule(Math.max(0, issued.rotateAt.getTime() - this.#options.clock.now()));
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#renew();
    }, delayMs);
  }

  async #renew(): Promise<void> {
    if (this.#closed) return;
    try {
      const issued = await this.#options.issue();
      if (!this.#closed) this.#installed(issued);
    } catch (error) {
      if (this.#closed) return;
      const retryInMs = Math.min(FIRST_RETRY_MS * 2 ** this.#failures, MAX_RETRY_MS);
      this.#failures++;
      this.#options.onFailed?.(error, retryInMs);
      this.#schedule(retryInMs);
    }
  }
}
