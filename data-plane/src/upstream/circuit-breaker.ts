// One cluster's circuit breaker (Envoy's thresholds at DEFAULT priority): counts of what is open
// against the cluster per resource, and a refusal once a count reaches its limit. The request path
// holds a ticket for each slot it takes and releases it when done; a refusal is an overflow, which
// the request path answers with 503 UO. Limits change in place on a config update, so the counts
// of requests already in flight carry over and a lowered limit only refuses new slots.
import { DEFAULT_CIRCUIT_BREAKERS, type RuntimeCircuitBreakers } from "../config/circuit-breakers.js";
import type { BreakerResource, BreakerTicket } from "./resilience.js";

export const BREAKER_RESOURCES: readonly BreakerResource[] = Object.freeze([
  "connections",
  "pendingRequests",
  "requests",
  "retries",
]);

/** A resource's slot: one object per breaker and resource, so taking a slot allocates nothing. */
class Slot implements BreakerTicket {
  open = 0;
  overflows = 0;
  limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  release(): void {
    if (this.open > 0) this.open--;
  }
}

export class CircuitBreaker {
  readonly #connections: Slot;
  readonly #pendingRequests: Slot;
  readonly #requests: Slot;
  readonly #retries: Slot;
  #limits: RuntimeCircuitBreakers;

  constructor(limits: RuntimeCircuitBreakers = DEFAULT_CIRCUIT_BREAKERS) {
    this.#limits = limits;
    this.#connections = new Slot(limits.maxConnections);
    this.#pendingRequests = new Slot(limits.maxPendingRequests);
    this.#requests = new Slot(limits.maxRequests);
    this.#retries = new Slot(limits.maxRetries);
  }

  get limits(): RuntimeCircuitBreakers {
    return this.#limits;
  }

  /**
   * A slot of `resource`, or undefined when its limit is reached (counted as an overflow).
   * Release the ticket exactly once: tickets are shared per resource, so a second release frees
   * someone else's slot.
   */
  tryAcquire(resource: BreakerResource): BreakerTicket | undefined {
    const slot = this.#slot(resource);
    if (slot.open >= slot.limit) {
      slot.overflows++;
      return undefined;
    }
    slot.open++;
    return slot;
  }

  /** New limits for new slots; what is open stays open (and counted). */
  update(limits: RuntimeCircuitBreakers): void {
    this.#limits = limits;
    this.#connections.limit = limits.maxConnections;
    this.#pendingRequests.limit = limits.maxPendingRequests;
    this.#requests.limit = limits.maxRequests;
    this.#retries.limit = limits.maxRetries;
  }

  /** Slots of `resource` held now. */
  open(resource: BreakerResource): number {
    return this.#slot(resource).open;
  }

  /** Refusals of `resource` since the breaker was made. */
  overflows(resource: BreakerResource): number {
    return this.#slot(resource).overflows;
  }

  #slot(resource: BreakerResource): Slot {
    switch (resource) {
      case "connections":
        return this.#connections;
      case "pendingRequests":
        return this.#pendingRequests;
      case "requests":
        return this.#requests;
      case "retries":
        return this.#retries;
    }
  }
}
