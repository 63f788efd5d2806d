// What the HTTP and TCP listeners share: one net.Server on one address, the handler reference
// that new requests or connections take, the open sockets, and the drain life cycle (stop
// accepting, let work finish, force-close at the timeout). A listener may be bound before it
// serves (held): the connections it accepts then wait, unread, until it serves.

import net from "node:net";
import tls from "node:tls";
import { type Clock, systemClock } from "../../../time/index.js";
import { type BoundAddress, bind, boundAddress, unbind } from "./bind.js";
import { ConnectionSet } from "./connection-set.js";
import type { DownstreamTransport } from "./types.js";

/** The first byte of a TLS record carrying a handshake (a ClientHello starts with it). */
const TLS_HANDSHAKE = 0x16;
/** A client that has not finished its TLS handshake by then is closed. */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export abstract class BoundListener<Handler> {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Every accepted socket until it closes; a subclass adds each one it keeps. */
  protected readonly sockets: ConnectionSet;
  #handler: Handler;
  readonly #server: net.Server;
  #draining: Promise<void> | undefined;
  /** While held: the connections accepted so far, in order, each with its "close" listener. */
  #held: Map<net.Socket, () => void> | undefined;
  #transport: DownstreamTransport | undefined;
  /** One TLS server (never listening: it only runs handshakes) per options object the transport gives. */
  #tlsServers = new WeakMap<tls.TlsOptions, tls.Server>();
  /** Sockets still being sniffed or in their handshake: no handler has them yet. */
  readonly #handshaking = new Set<net.Socket>();

  constructor(
    name: string,
    host: string,
    port: number,
    handler: Handler,
    options: net.ServerOpts = {},
    onConnection?: () => void,
  ) {
    this.sockets = new ConnectionSet(onConnection);
    this.name = name;
    this.host = host;
    this.port = port;
    this.#handler = handler;
    // TCP_NODELAY on every accepted socket: a proxy forwards what it has at once (Node's own
    // http server sets it only on sockets it accepts itself, and these come from net.Server).
    this.#server = net.createServer({ noDelay: true, ...options }, (socket) => this.#onConnection(socket));
  }

  /**
   * Holds the connections accepted from now on instead of handing them to the handler: each waits
   * with nothing reading it (its first bytes buffered, up to the socket's high-water mark, which
   * then pushes back on the peer) until serve(), or is destroyed by drain(). Call before listen().
   */
  hold(): void {
    this.#held ??= new Map();
  }

  /**
   * Serves from now on: the held connections still open go to the handler in the order they
   * came, each as if it had just been accepted (bytes sent meanwhile are read first).
   */
  serve(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    for (const [socket, onClose] of held) {
      socket.off("error", ignore);
      socket.off("close", onClose);
      if (!socket.destroyed) this.#admit(socket);
    }
  }

  /** TLS for connections accepted from now on (undefined: plaintext); open ones keep theirs. */
  setTransport(transport: DownstreamTransport | undefined): void {
    this.#transport = transport;
  }

  /** Hands a socket to the subclass, through a TLS handshake when the listener has TLS. */
  #admit(socket: net.Socket): void {
    const transport = this.#transport;
    if (transport === undefined) {
      this.accept(socket);
      return;
    }
    this.#handshaking.add(socket);
    socket.once("close", () => this.#handshaking.delete(socket));
    socket.on("error", ignore);
    // The first byte tells a TLS client from a plaintext one: served in plaintext when the
    // listener is PERMISSIVE, refused at once otherwise.
    socket.once("data", (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE) {
        // The TLS layer reads what was put back from the socket's buffer.
        this.#handshake(socket, transport);
      } else if (!transport.plaintext) {
        transport.refused({ reason: "plaintext", detail: "the first byte starts no TLS handshake" });
        socket.destroy();
      } else {
        this.#handshaking.delete(socket);
        socket.off("error", ignore);
        // resume() flows on the next tick, after accept has added its own readers.
        socket.resume();
        this.accept(socket);
      }
    });
  }

  #handshake(socket: net.Socket, transport: DownstreamTransport): void {
    let options: tls.TlsOptions;
    try {
      options = transport.serverOptions();
    } catch (error) {
      transport.refused({ reason: "no_context", detail: "no TLS context" }, error);
      socket.destroy();
      return;
    }
    let server = this.#tlsServers.get(options);
    if (server === undefined) {
      server = tls.createServer({ handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS, ...options }, (secure) =>
        this.#secured(secure, transport),
      );
      server.on("tlsClientError", (error) =>
        transport.refused({ reason: "handshake", detail: "TLS handshake failed" }, error),
      );
      this.#tlsServers.set(options, server);
    }
    server.emit("connection", socket);
  }

  #secured(socket: tls.TLSSocket, transport: DownstreamTransport): void {
    const raw = (socket as unknown as { _parent?: net.Socket })._parent;
    if (raw !== undefined) this.#handshaking.delete(raw);
    const refusal = transport.admit(socket);
    if (refusal !== undefined) {
      transport.refused(refusal);
      socket.destroy();
      return;
    }
    if (this.draining) {
      socket.destroy();
      return;
    }
    this.accept(socket);
  }

  #onConnection(socket: net.Socket): void {
    const held = this.#held;
    if (held === undefined) {
      this.#admit(socket);
    } else if (this.draining) {
      socket.destroy();
    } else {
      // A reset while held must not crash the process; "close" follows and forgets the socket.
      const onClose = (): void => {
        held.delete(socket);
      };
      socket.on("error", ignore);
      socket.once("close", onClose);
      held.set(socket, onClose);
    }
  }

  /**
   * Binds the address, or takes over `held` (a socket already bound there); rejects with a
   * WEFT_PROXY_LISTENER_BIND ListenerError.
   */
  listen(held?: net.Server): Promise<void> {
    return bind(this.#server, this.name, this.host, this.port, held);
  }

  /** The bound address (with the real port when 0 was asked for), or undefined once unbound. */
  address(): BoundAddress | undefined {
    return boundAddress(this.#server);
  }

  /** Open downstream connections (idle ones included). */
  get connections(): number {
    return this.sockets.size;
  }

  /** The handler new requests or connections get. */
  protected get handler(): Handler {
    return this.#handler;
  }

  /** New requests or connections get this handler; those already started keep theirs. */
  setHandler(handler: Handler): void {
    this.#handler = handler;
  }

  get draining(): boolean {
    return this.#draining !== undefined;
  }

  /**
   * Stops accepting, asks open connections to finish (askToFinish), and destroys what is left
   * after timeoutMs on `clock` (forceClose). Resolves when no socket remains. Idempotent: a second
   * call returns the first drain.
   */
  drain(timeoutMs: number, clock: Clock = systemClock): Promise<void> {
    this.#draining ??= this.#drain(timeoutMs, clock);
    return this.#draining;
  }

  async #drain(timeoutMs: number, clock: Clock): Promise<void> {
    const unbound = unbind(this.#server);
    // Held connections never reached a handler: nothing of theirs can finish.
    for (const socket of this.#held?.keys() ?? []) socket.destroy();
    // Nor did the ones still in their TLS handshake.
    for (const socket of this.#handshaking) socket.destroy();
    this.askToFinish();
    const timer = clock.setTimeout(() => this.forceClose(), timeoutMs);
    try {
      await Promise.all([unbound, this.sockets.whenEmpty()]);
    } finally {
      clock.clearTimeout(timer);
    }
  }

  /** Takes an accepted socket (a draining listener should destroy it). */
  protected abstract accept(socket: net.Socket): void;

  /** Called once when draining starts. */
  protected abstract askToFinish(): void;

  /** Called at the drain timeout. */
  protected forceClose(): void {
    this.sockets.destroyAll();
  }
}

function ignore(): void {}
