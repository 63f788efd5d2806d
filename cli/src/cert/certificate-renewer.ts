// Keeps a workload certificate current: issues one now, then a new one (new key too) at each
// certificate's half-life, as Istio's agents rotate. A failed renewal is retried after a growing
// delay (1 s, doubling, at most 30 s) while the certificate in use is still valid. Timers run on the
// injected clock, so the schedule is tested without waiting.
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
}

export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 30_000;

export class CertificateRenewer<T extends Issued = Issued> {
  readonly #options: RenewerOptions<T>;
  #timer: Timer | undefined;
  #closed = false;
  #failures = 0;

  constructor(options: RenewerOptions<T>) {
    this.#options = options;
  }

  /** Issues the first certificate (rejects if that fails), then keeps renewing until close(). */
  async start(): Promise<T> {
    const issued = await this.#options.issue();
    this.#installed(issued);
    return issued;
  }

  /** Stops renewing; an issue in flight finishes but schedules nothing. */
  close(): void {
    this.#closed = true;
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
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
