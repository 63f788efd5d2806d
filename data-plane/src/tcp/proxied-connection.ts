// One downstream connection proxied to one upstream endpoint, as Envoy's TCP proxy filter does:
// downstream bytes wait (the socket is paused) until the upstream connects, then flow both ways
// with backpressure; a FIN in one direction is passed on while the other direction keeps flowing;
// a full close or reset on one side closes the other (a clean close lets pending bytes flush
// first). One record goes to the observer once both sockets have closed.

import net from "node:net";
import tls from "node:tls";
import { type RequestObserver, ResponseFlag } from "../observer/request-observer.js";
import type { BreakerTicket } from "../upstream/resilience.js";
import type { TcpUpstream } from "./upstream-source.js";

export interface ConnectionContext {
  readonly listener: string;
  readonly statPrefix: string;
  /** No bytes either way for this long closes both sides; 0 disables. */
  readonly idleTimeoutMs: number;
  readonly observer: RequestObserver;
  readonly now: () => number;
}

export class ProxiedConnection {
  readonly #downstream: net.Socket;
  readonly #context: ConnectionContext;
  readonly #startedAt: number;
  readonly #downstreamAddress: string;
  readonly #flags: ResponseFlag[] = [];
  #cluster: string | undefined;
  #endpoint: TcpUpstream | undefined;
  /** The cluster's circuit-breaker slot for this connection, released when it has closed. */
  #ticket: BreakerTicket | undefined;
  #upstream: net.Socket | undefined;
  #connected = false;
  #downstreamClosed = false;
  #upstreamClosed = false;
  #recorded = false;
  #bytesReceived = 0;
  #bytesSent = 0;

  /** `downstream` must be half-open capable (allowHalfOpen), as a TCP listener's sockets are. */
  constructor(downstream: net.Socket, context: ConnectionContext) {
    this.#downstream = downstream;
    this.#context = context;
    this.#startedAt = context.now();
    this.#downstreamAddress = formatAddress(downstream.remoteAddress, downstream.remotePort);
    // Hold downstream bytes in the socket until there is an upstream to send them to.
    downstream.pause();
    downstream.on("error", ignore);
    downstream.once("close", (hadError) => this.#onDownstreamClose(hadError));
  }

  /** Whether the downstream has gone; a caller between awaits checks it before connecting. */
  get closed(): boolean {
    return this.#downstreamClosed;
  }

  /** Closes the downstream without an upstream, recording why (NC, UH). */
  fail(flag: ResponseFlag, cluster: string | undefined): void {
    this.#cluster = cluster;
    this.#flags.push(flag);
    this.#downstream.destroy();
  }

  /**
   * Connects to `endpoint` of `cluster`, over TLS with `tlsOptions` (the connection counts once
   * the handshake is done); a failure or `connectTimeoutMs` (0: none) closes the downstream with UF.
   */
  connect(
    cluster: string,
    endpoint: TcpUpstream,
    connectTimeoutMs: number,
    ticket?: BreakerTicket,
    tlsOptions?: tls.ConnectionOptions,
  ): void {
    this.#cluster = cluster;
    this.#endpoint = endpoint;
    this.#ticket = ticket;
    endpoint.begin();
    const target = { host: endpoint.endpoint.host, port: endpoint.endpoint.port, allowHalfOpen: true };
    const upstream = tlsOptions === undefined ? net.connect(target) : tls.connect({ ...tlsOptions, ...target });
    this.#upstream = upstream;
    upstream.on("error", ignore);
    const timer = connectTimeoutMs > 0 ? setTimeout(() => upstream.destroy(), connectTimeoutMs) : undefined;
    upstream.once(tlsOptions === undefined ? "connect" : "secureConnect", () => {
      clearTimeout(timer);
      this.#connected = true;
      this.#pipe(upstream);
    });
    upstream.once("close", (hadError) => {
      clearTimeout(timer);
      this.#onUpstreamClose(upstream, hadError);
    });
  }

  #pipe(upstream: net.Socket): void {
    const downstream = this.#downstream;
    downstream.on("data", (chunk: Buffer) => {
      this.#bytesReceived += chunk.length;
      if (!upstream.destroyed && !upstream.write(chunk)) downstream.pause();
    });
    upstream.on("drain", () => downstream.resume());
    upstream.on("data", (chunk: Buffer) => {
      this.#bytesSent += chunk.length;
      if (!downstream.destroyed && !downstream.write(chunk)) upstream.pause();
    });
    downstream.on("drain", () => upstream.resume());
    // Half-close: a FIN from one side becomes a FIN to the other; the reverse direction flows on.
    downstream.once("end", () => upstream.end());
    upstream.once("end", () => downstream.end());
    if (this.#context.idleTimeoutMs > 0) {
      // The downstream socket sees every byte either way (read from it or written to it).
      downstream.setTimeout(this.#context.idleTimeoutMs, () => {
        this.#flags.push(ResponseFlag.streamIdleTimeout);
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.resume();
  }

  #onDownstreamClose(hadError: boolean): void {
    this.#downstreamClosed = true;
    // Gone before any upstream was connected, and not closed by the proxy for a reason of its own.
    if (!this.#connected && this.#flags.length === 0) this.#flags.push(ResponseFlag.downstreamConnectionTermination);
    const upstream = this.#upstream;
    if (upstream !== undefined && !this.#upstreamClosed) {
      if (closedCleanly(this.#downstream, hadError) && this.#connected) closeAfterFlush(upstream);
      else upstream.destroy();
    }
    this.#record();
  }

  #onUpstreamClose(upstream: net.Socket, hadError: boolean): void {
    this.#upstreamClosed = true;
    if (!this.#connected) {
      if (!this.#downstreamClosed) this.#flags.push(ResponseFlag.upstreamConnectionFailure);
      this.#downstream.destroy();
    } else if (!closedCleanly(upstream, hadError)) {
      this.#downstream.destroy();
    } else if (!this.#downstreamClosed) {
      closeAfterFlush(this.#downstream);
    }
    this.#record();
  }

  #record(): void {
    if (this.#recorded || !this.#downstreamClosed) return;
    if (this.#upstream !== undefined && !this.#upstreamClosed) return;
    this.#recorded = true;
    this.#endpoint?.end();
    this.#ticket?.release();
    this.#context.observer.ended({
      kind: "tcp",
      listener: this.#context.listener,
      statPrefix: this.#context.statPrefix,
      cluster: this.#cluster,
      upstreamAddress: this.#endpoint?.address,
      durationMs: this.#context.now() - this.#startedAt,
      bytesReceived: this.#bytesReceived,
      bytesSent: this.#bytesSent,
      responseFlags: this.#flags,
      downstreamAddress: this.#downstreamAddress,
    });
  }
}

/**
 * A peer's orderly close (its FIN was read, no error): what is still queued for the other side is
 * worth delivering. A reset, or a local destroy (idle or drain timeout), closes the other side at once.
 */
function closedCleanly(socket: net.Socket, hadError: boolean): boolean {
  return !hadError && socket.readableEnded;
}

/** Ends the socket's write side and destroys it once what was written has been flushed. */
function closeAfterFlush(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (!socket.writableEnded) socket.end();
  if (socket.writableFinished) socket.destroy();
  else socket.once("finish", () => socket.destroy());
}

function formatAddress(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return "";
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function ignore(): void {}
