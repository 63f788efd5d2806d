// What the listener manager takes: per listener, a generic request handler (HTTP) or connection
// handler (TCP), no routing of its own.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type net from "node:net";
import type tls from "node:tls";

export type ListenerRequest = IncomingMessage | Http2ServerRequest;
export type ListenerResponse = ServerResponse | Http2ServerResponse;

/** Called once per request, HTTP/1.1 or HTTP/2 alike. */
export type ListenerHandler = (req: ListenerRequest, res: ListenerResponse) => void;

/**
 * Called once per accepted connection. The socket is half-open capable (allowHalfOpen): the
 * handler owns it from here and must end or destroy it. The listener already ignores its "error"
 * events (a "close" follows each), so a handler need not add its own to stay safe.
 */
export type TcpConnectionHandler = (socket: net.Socket) => void;

/**
 * TLS on a listener's connections (a filter chain's transport socket): the listener hands each
 * accepted socket to a TLS server made from serverOptions(), and what the handler gets is the
 * decrypted socket. Made by the proxy (tls/), which knows certificates and identities.
 */
export interface DownstreamTransport {
  /** PERMISSIVE: a connection whose first byte does not start a TLS handshake is served in plaintext. */
  readonly plaintext: boolean;
  /**
   * The TLS server options for a new connection: the same object while nothing changed (the
   * listener keeps one TLS server per object). Throws when no context can be made (the connection
   * is then closed).
   */
  serverOptions(): tls.TlsOptions;
  /** After a handshake: undefined to serve the connection, or why it is refused (it is then closed). */
  admit(socket: tls.TLSSocket): TransportRefusal | undefined;
  /** Told of every connection refused, with why (and the error, for no_context and handshake). */
  refused(refusal: TransportRefusal, error?: unknown): void;
}

/** Why a TLS listener closed a connection before serving it. */
export interface TransportRefusal {
  /**
   * plaintext: no TLS handshake where TLS is required; no_context: no certificate to present yet;
   * handshake: the handshake failed (no, untrusted or expired client certificate...); verify_error:
   * a client certificate sent that does not verify; verify_san: no SAN of it matched.
   */
  readonly reason: "plaintext" | "no_context" | "handshake" | "verify_error" | "verify_san";
  readonly detail: string;
}

interface ListenerSpecBase {
  /** An IP literal to bind, e.g. "127.0.0.1" or "::". */
  readonly host: string;
  /** 0 binds an ephemeral port; address() reports it. */
  readonly port: number;
  /** How long a removed listener waits for in-flight requests or open connections before force-closing them. */
  readonly drainTimeoutMs: number;
  /** TLS for new connections; absent: plaintext. */
  readonly transport?: DownstreamTransport | undefined;
}

/** HTTP/1.1 only, HTTP/2 (prior knowledge) only, or either, told apart by the HTTP/2 preface. */
export type HttpCodec = "auto" | "http1" | "http2";

export interface HttpListenerSpec extends ListenerSpecBase {
  readonly kind: "http";
  readonly handler: ListenerHandler;
  /** Default "auto". */
  readonly codec?: HttpCodec;
}

export interface TcpListenerSpec extends ListenerSpecBase {
  readonly kind: "tcp";
  readonly onConnection: TcpConnectionHandler;
}

/** A listener changing kind at the same address is replaced: the old one drains, the new one binds. */
export type ListenerSpec = HttpListenerSpec | TcpListenerSpec;
