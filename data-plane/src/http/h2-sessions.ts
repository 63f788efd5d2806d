// HTTP/2 (h2c, prior knowledge) client sessions to upstream endpoints: one session per address,
// shared by every request to it (HTTP/2 multiplexes), replaced after GOAWAY or close, closed when
// idle for keepAliveTimeoutMs.
//
// Why node:http2 and not the cluster's undici Pool: undici 7's HTTP/2 client completes a request
// on the stream's 'end' event and ignores the 'trailers' event that node emits after it, so a
// response's trailers never reach the handler (checked against undici 7.30: grpc-status and
// custom trailing metadata are lost). gRPC cannot work without trailers, so HTTP/2 clusters go
// through node:http2 directly; HTTP/1.1 clusters keep undici's pools.
import http2, { type ClientHttp2Session } from "node:http2";
import type { RuntimeTls } from "../config/tls.js";
import { ProxyError, ProxyErrorCode } from "../errors.js";
import type { UpstreamTlsResolver } from "../tls/upstream.js";
import { HttpForwardError, HttpForwardErrorCode } from "./errors.js";

export interface Http2SessionsOptions {
  /** An idle session (no stream open) is closed after this long; default 4000 ms as undici's. */
  readonly keepAliveTimeoutMs?: number;
  /** Makes a TLS cluster's connection options; without it, a TLS session fails. */
  readonly tls?: UpstreamTlsResolver;
}

interface Entry {
  readonly session: ClientHttp2Session;
  /** Pending until the connection is up; undefined once it is. */
  ready: Promise<ClientHttp2Session> | undefined;
  streams: number;
}

/** On each session: the key it is filed under (its address, plus its TLS options' generation). */
const SESSION_KEY = Symbol("weft.h2.sessionKey");

export class Http2Sessions {
  readonly #keepAliveTimeoutMs: number;
  readonly #tls: UpstreamTlsResolver | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #all = new Set<ClientHttp2Session>();
  #closed = false;

  constructor(options: Http2SessionsOptions = {}) {
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 4000;
    this.#tls = options.tls;
  }

  /**
   * A session to `address` ("host:port"), over TLS with `tls`: the open one, or a promise of a
   * new one that rejects with the connect error (refused, unreachable, a failed handshake,
   * WEFT_PROXY_CONNECT_TIMEOUT, or WEFT_PROXY_TLS_UNAVAILABLE). A TLS session is shared only
   * while the TLS options stay the same (a rotated certificate opens new sessions).
   */
  session(
    address: string,
    connectTimeoutMs: number,
    tls?: RuntimeTls,
  ): ClientHttp2Session | Promise<ClientHttp2Session> {
    if (this.#closed) {
      return Promise.reject(new HttpForwardError(HttpForwardErrorCode.sessionsClosed, "HTTP/2 sessions are closed"));
    }
    let key = address;
    let options: http2.SecureClientSessionOptions | undefined;
    if (tls !== undefined) {
      try {
        if (this.#tls === undefined)
          throw new ProxyError(ProxyErrorCode.tlsUnavailable, "these sessions make no TLS connections");
        const made = this.#tls(tls);
        key = `${address} tls:${made.generation}`;
        options = made.options as http2.SecureClientSessionOptions;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const entry = this.#entries.get(key) ?? this.#connect(key, address, connectTimeoutMs, options);
    return entry.ready ?? entry.session;
  }

  /** The key `session` filed a session under, for track. */
  static keyOf(session: ClientHttp2Session): string | undefined {
    return (session as { [SESSION_KEY]?: string })[SESSION_KEY];
  }

  /** Counts a stream opened on `session` until it closes, for the idle timeout. */
  track(address: string, session: ClientHttp2Session, stream: http2.ClientHttp2Stream): void {
    const entry = this.#entries.get(Http2Sessions.keyOf(session) ?? address);
    if (entry === undefined || entry.session !== session) return;
    entry.streams++;
    stream.once("close", () => {
      entry.streams--;
    });
  }

  /** Closes every session gracefully (open streams finish), then destroys what is left after timeoutMs. */
  async close(timeoutMs = 1000): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
    const sessions = [...this.#all];
    await Promise.all(
      sessions.map(
        (session) =>
          new Promise<void>((resolve) => {
            if (session.destroyed) {
              resolve();
              return;
            }
            const timer = setTimeout(() => session.destroy(), timeoutMs);
            session.close(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }

  #connect(key: string, address: string, connectTimeoutMs: number, tls?: http2.SecureClientSessionOptions): Entry {
    const session =
      tls === undefined
        ? http2.connect(`http://${address}`)
        : http2.connect(`https://${address}`, { ...tls, ALPNProtocols: ["h2"] });
    (session as { [SESSION_KEY]?: string })[SESSION_KEY] = key;
    this.#all.add(session);
    const forget = (): void => {
      if (this.#entries.get(key)?.session === session) this.#entries.delete(key);
    };
    const entry: Entry = { session, ready: undefined, streams: 0 };
    entry.ready = new Promise<ClientHttp2Session>((resolve, reject) => {
      const timer =
        connectTimeoutMs > 0
          ? setTimeout(() => {
              session.destroy(
                new HttpForwardError(
                  HttpForwardErrorCode.connectTimeout,
                  `connecting to ${address} took longer than ${connectTimeoutMs} ms`,
                ),
              );
            }, connectTimeoutMs)
          : undefined;
      session.once("connect", () => {
        clearTimeout(timer);
        entry.ready = undefined;
        resolve(session);
      });
      session.once("close", () => {
        clearTimeout(timer);
        reject(new HttpForwardError(HttpForwardErrorCode.sessionsClosed, `session to ${address} closed`));
      });
      session.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    // Unhandled only when no request is waiting any more; the waiting ones see the rejection.
    entry.ready.catch(() => undefined);
    session.on("error", forget);
    session.on("goaway", forget);
    session.once("close", () => {
      forget();
      this.#all.delete(session);
    });
    session.setTimeout(this.#keepAliveTimeoutMs, () => {
      if (entry.streams === 0) {
        forget();
        session.close();
      }
    });
    // Open sessions alone do not keep the process alive (the listeners do).
    session.unref();
    this.#entries.set(key, entry);
    return entry;
  }
}
