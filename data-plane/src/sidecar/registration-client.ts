// The sidecar's side of weft.registry.v1.Registration, served by the control plane on its xDS port
// beside ADS. The sidecar is given only `--xds-server` addresses, so it registers where it gets
// its config and fails over the same way: servers are tried in order from the one that answered
// last; a server that is down (UNAVAILABLE, DEADLINE_EXCEEDED) passes the call to the next; once
// every server failed in a round, the next round waits a jittered backoff on the injected clock.
// ABORTED (every entry name the node may take is held) and RESOURCE_EXHAUSTED are retried on the
// same server after the backoff. Any other status (INVALID_ARGUMENT: a bad registration;
// UNAUTHENTICATED, PERMISSION_DENIED: no join token, a bad one, or one for another service) is a
// refusal: retrying the same body cannot succeed, so the call fails with
// WEFT_SIDECAR_REGISTRATION_REFUSED carrying the control plane's WEFT_ code.
import {
  type ChannelCredentials,
  type ChannelOptions,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import {
  type DeregisterResponse,
  Health,
  type RegisterResponse,
  RegistrationClient,
} from "../../../proto/gen/weft/registry/v1/registration.js";
import { type Clock, systemClock, type Timer } from "../../../time/index.js";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "../xds-client/backoff.js";
import { SidecarError, SidecarErrorCode } from "./errors.js";

/** The trailing metadata key in which the control plane sends its WEFT_ code with a refusal. */
export const SERVER_ERROR_CODE_METADATA = "weft-error-code";

/** A deregistration's default deadline: SIGTERM must not wait long for a control plane that is away. */
export const DEFAULT_DEREGISTER_DEADLINE_MS = 2_000;

/** The default deadline of one call to one server. */
export const DEFAULT_CALL_TIMEOUT_MS = 5_000;

/** What the sidecar registers: the fields of RegisterRequest other than node_id and health. */
export interface InstanceRegistration {
  /** The Service the instance belongs to (`--service`). */
  readonly service: string;
  /** Where other sidecars reach the instance (the inbound listener's host). */
  readonly address: string;
  /** Port name to port, for Service ports served apart from `port` (usually none). */
  readonly ports: Readonly<Record<string, number>>;
  /** The inbound listener's port actually bound: every Service port of the instance reaches it. */
  readonly port?: number;
  /** Labels beyond app=SERVICE (`--labels`). */
  readonly labels: Readonly<Record<string, string>>;
}

export interface RegistrationClientOptions {
  /** Control planes as "host:port" (`--xds-server`), tried in order. */
  readonly servers: readonly string[];
  /** The sidecar's node.id. */
  readonly nodeId: string;
  readonly registration: InstanceRegistration;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** In [0, 1), like Math.random: spreads the backoff. */
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  /** The deadline of one call to one server, in ms. */
  readonly callTimeoutMs?: number;
  readonly credentials?: ChannelCredentials;
  /** gRPC channel options (the TLS server name with the TLS xDS port's credentials). */
  readonly channelOptions?: ChannelOptions;
  /** The service's join token (`weft token create --service`), sent with every call when given. */
  readonly joinToken?: string | undefined;
}

type Rpc<Res> = (
  client: RegistrationClient,
  deadline: Date,
  done: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** What a failed call asks for next. */
function nextStep(code: number): "next-server" | "back-off" | "refused" {
  if (code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED) return "next-server";
  if (code === status.ABORTED || code === status.RESOURCE_EXHAUSTED) return "back-off";
  return "refused";
}

function isServiceError(error: unknown): error is ServiceError {
  return typeof error === "object" && error !== null && typeof (error as ServiceError).code === "number";
}

function serverCodeOf(error: ServiceError): string | undefined {
  const value = error.metadata?.get(SERVER_ERROR_CODE_METADATA)[0];
  return typeof value === "string" ? value : undefined;
}

/**
 * Registers one instance. `register` calls run one at a time in the order made, each sending the
 * whole registration (the control plane treats an identical body as no change), so the last
 * health given is the one the control plane ends with. `deregister` cancels what is still
 * pending and removes the entry; after it, and after `close`, `register` fails with
 * WEFT_SIDECAR_REGISTRATION_CANCELLED.
 */
export class SidecarRegistrationClient {
  readonly #options: RegistrationClientOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: BackoffPolicy;
  readonly #callTimeoutMs: number;
  readonly #clients = new Map<string, RegistrationClient>();
  /** The server to try first: the one that answered last. */
  #serverIndex = 0;
  /** Register calls, chained so that they reach the control plane in order. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Backoff waits and calls in flight, ended by `deregister` and `close`. */
  readonly #pending = new Set<() => void>();
  #leaving = false;
  #closed = false;

  constructor(options: RegistrationClientOptions) {
    if (options.servers.length === 0) throw new RangeError("SidecarRegistrationClient needs at least one server");
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  /** The server the next call tries first. */
  get server(): string {
    return this.#options.servers[this.#serverIndex] ?? "";
  }

  /**
   * Sends the registration with `health`, retrying while no control plane answers. Resolves with
   * the control plane's answer; rejects with WEFT_SIDECAR_REGISTRATION_REFUSED on a refusal, or
   * WEFT_SIDECAR_REGISTRATION_CANCELLED when `deregister` or `close` came first.
   */
  register(health: "healthy" | "unhealthy"): Promise<RegisterResponse> {
    const { nodeId, registration } = this.#options;
    const request = {
      nodeId,
      service: registration.service,
      address: registration.address,
      ports: { ...registration.ports },
      port: registration.port ?? 0,
      labels: { ...registration.labels },
      health: health === "healthy" ? Health.HEALTHY : Health.UNHEALTHY,
    };
    const result = this.#queue.then(() => {
      if (this.#leaving || this.#closed) throw this.#cancelled("the sidecar is deregistering");
      return this.#call<RegisterResponse>(
        "register",
        (client, deadline, done) => client.register(request, this.#metadata(), { deadline }, done),
        undefined,
      );
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Removes the instance's entry within `deadlineMs` on the clock: pending registrations are
   * cancelled first, so none lands after the removal. Resolves with the control plane's answer, or
   * undefined when the node had no entry (NOT_FOUND); rejects with
   * WEFT_SIDECAR_REGISTRATION_CANCELLED when the deadline passed (the control plane's liveness
   * removes the entry after its grace period anyway), or WEFT_SIDECAR_REGISTRATION_REFUSED.
   */
  async deregister(deadlineMs = DEFAULT_DEREGISTER_DEADLINE_MS): Promise<DeregisterResponse | undefined> {
    if (this.#closed) throw this.#cancelled("the registration client is closed");
    this.#leaving = true;
    const giveUpAt = this.#clock.now() + deadlineMs;
    this.#cancelPending();
    await this.#queue;
    try {
      const { nodeId } = this.#options;
      return await this.#call<DeregisterResponse>(
        "deregister",
        (client, deadline, done) => client.deregister({ nodeId }, this.#metadata(), { deadline }, done),
        giveUpAt,
      );
    } catch (error) {
      if (error instanceof SidecarError && error.grpcStatus === status.NOT_FOUND) return undefined;
      throw error;
    }
  }

  /** Cancels every pending call and closes the channels. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelPending();
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #cancelPending(): void {
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const cancel of pending) cancel();
  }

  /** A call's metadata: the join token as a bearer token, when there is one. */
  #metadata(): Metadata {
    const metadata = new Metadata();
    if (this.#options.joinToken !== undefined) metadata.set("authorization", `Bearer ${this.#options.joinToken}`);
    return metadata;
  }

  #cancelled(message: string): SidecarError {
    return new SidecarError(SidecarErrorCode.registrationCancelled, message);
  }

  #clientFor(server: string): RegistrationClient {
    let client = this.#clients.get(server);
    if (client === undefined) {
      client = new RegistrationClient(
        server,
        this.#options.credentials ?? credentials.createInsecure(),
        this.#options.channelOptions,
      );
      this.#clients.set(server, client);
    }
    return client;
  }

  async #call<Res>(what: string, rpc: Rpc<Res>, giveUpAt: number | undefined): Promise<Res> {
    const servers = this.#options.servers;
    for (let attempt = 0; ; attempt++) {
      let lastReason = "";
      for (let tried = 0; tried < servers.length; tried++) {
        // A registration still retrying when deregister began must not be sent after the removal.
        if (this.#closed || (what === "register" && this.#leaving)) throw this.#cancelled(`${what}: cancelled`);
        const server = this.server;
        const remainingMs = giveUpAt === undefined ? this.#callTimeoutMs : giveUpAt - this.#clock.now();
        if (remainingMs <= 0) throw this.#cancelled(`${what}: no control plane answered before the deadline`);
        try {
          return await this.#once(server, rpc, Math.min(this.#callTimeoutMs, remainingMs));
        } catch (error) {
          if (error instanceof SidecarError) throw error;
          if (!isServiceError(error)) throw error;
          const step = nextStep(error.code);
          const serverCode = serverCodeOf(error);
          if (step === "refused") {
            throw new SidecarError(
              SidecarErrorCode.registrationRefused,
              `${what} refused by ${server}: ${error.details}`,
              serverCode === undefined
                ? { grpcStatus: error.code, cause: error }
                : { grpcStatus: error.code, serverCode, cause: error },
            );
          }
          lastReason = `${server}: ${error.details}`;
          if (step === "back-off") break;
          this.#serverIndex = (this.#serverIndex + 1) % servers.length;
        }
      }
      const delayMs = backoffDelay(attempt, this.#random, this.#backoff);
      if (giveUpAt !== undefined && this.#clock.now() + delayMs >= giveUpAt) {
        throw this.#cancelled(`${what}: no control plane answered before the deadline (${lastReason})`);
      }
      this.#options.logger?.warn({ servers, reason: lastReason, delayMs }, `${what}: retrying`);
      await this.#wait(delayMs);
    }
  }

  /** One call to one server; rejects with its ServiceError, or WEFT_..._CANCELLED when cancelled. */
  #once<Res>(server: string, rpc: Rpc<Res>, timeoutMs: number): Promise<Res> {
    if (this.#closed) return Promise.reject(this.#cancelled("the registration client is closed"));
    return new Promise((resolve, reject) => {
      let cancelled = false;
      const call = rpc(this.#clientFor(server), new Date(Date.now() + timeoutMs), (error, response) => {
        this.#pending.delete(cancel);
        if (cancelled) return;
        if (error) reject(error);
        else resolve(response);
      });
      const cancel = (): void => {
        cancelled = true;
        call.cancel();
        reject(this.#cancelled("cancelled by deregister or close"));
      };
      this.#pending.add(cancel);
    });
  }

  #wait(delayMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: Timer | undefined;
      const cancel = (): void => {
        this.#clock.clearTimeout(timer);
        reject(this.#cancelled("cancelled by deregister or close"));
      };
      timer = this.#clock.setTimeout(() => {
        this.#pending.delete(cancel);
        resolve();
      }, delayMs);
      this.#pending.add(cancel);
    });
  }
}
