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
import { HttpForwardError, HttpForwardErrorCode } from "./errors.js";

export interface Http2SessionsOptions {
  /** An idle session (no stream open) is closed after this long; default 4000 ms as undici's. */
  readonly keepAliveTimeoutMs?: number;
}

interface Entry {
  readonly session: ClientHttp2Session;
  /** Pending until the connection is up; undefined once it is. */
  ready: Promise<ClientHttp2Session> | undefined;
  streams: number;
}

export class Http2Sessions {
  readonly #keepAliveTimeoutMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #all = new Set<ClientHttp2Session>();
  #closed = false;

  constructor(options: Http2SessionsOptions = {}) {
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 4000;
  }

  /**
   * A session to `address` ("host:port"): the open one, or a promise of a new one that rejects
   * with the connect error (refused, unreachable, or WEFT_PROXY_CONNECT_TIMEOUT).
   */
  session(address: string, connectTimeoutMs: number): ClientHttp2Session | Promise<ClientHttp2Session> {
    if (this.#closed) {
      return Promise.reject(new HttpForwardError(HttpForwardErrorCode.sessionsClosed, "HTTP/2 sessions are closed"));
    }
    const entry = this.#entries.get(address) ?? this.#connect(address, connectTimeoutMs);
    return entry.ready ?? entry.session;
  }

  /** Counts a stream opened on `session` until it closes, for the idle timeout. */
  track(address: string, session: ClientHttp2Session, stream: http2.ClientHttp2Stream): void {
    const entry = this.#entries.get(address);
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

  #connect(address: string, connectTimeoutMs: number): Entry {
    const session = http2.connect(`http://${address}`);
    this.#all.add(session);
    const forget = (): void => {
      if (this.#entries.get(address)?.session === session) this.#entries.delete(address);
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
    this.#entries.set(address, entry);
    return entry;
  }
}
