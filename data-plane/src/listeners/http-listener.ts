// One bound address serving HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on the same port.
//
// node's http2 server with allowHTTP1 only falls back to HTTP/1.1 through TLS ALPN; on cleartext it
// answers an HTTP/1.1 request with a protocol error. So a plain net.Server accepts each connection,
// sniffs its first bytes for the HTTP/2 connection preface, and hands the socket to an http or an
// http2 server that never listens on its own.
//
// The handler is one reference: replacing it affects requests that start afterwards, while a
// request in flight keeps the handler it started with.

import http, { type IncomingMessage, type ServerResponse } from "node:http";
import http2, { type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from "node:http2";
import type net from "node:net";
import { BoundListener } from "./bound-listener.js";
import type { HttpCodec, ListenerHandler } from "./types.js";

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** An HTTP/1.1 connection's responses in flight, made once per connection. */
interface H1Connection {
  readonly listener: HttpListener;
  readonly socket: net.Socket;
  readonly active: Set<ServerResponse>;
}

/** On each response in flight: its connection (so a request adds no closure for "close"). */
const H1_CONNECTION = Symbol("weft.listener.h1Connection");

type TaggedResponse = ServerResponse & { [H1_CONNECTION]?: H1Connection };

function onH1ResponseClose(this: TaggedResponse): void {
  const connection = this[H1_CONNECTION];
  if (connection === undefined) return;
  connection.active.delete(this);
  if (connection.listener.draining && connection.active.size === 0) connection.socket.end();
}

export class HttpListener extends BoundListener<ListenerHandler> {
  readonly #h1: http.Server;
  readonly #h2: http2.Http2Server;
  /** HTTP/1.1 sockets and the responses in flight on each. */
  readonly #h1Active = new Map<net.Socket, H1Connection>();
  readonly #sessions = new Set<ServerHttp2Session>();
  /** HTTP/2 sockets; their sessions close them (GOAWAY, then close once their streams end). */
  readonly #h2Sockets = new Set<net.Socket>();
  /** The HTTP connection manager's codec_type: AUTO sniffs each connection's first bytes. */
  #codec: HttpCodec = "auto";

  constructor(name: string, host: string, port: number, handler: ListenerHandler, onConnection?: () => void) {
    super(name, host, port, handler, {}, onConnection);
    // The handler answers a request without Host itself (400, with a record), and accepts one in
    // absolute-form, whose URL carries the authority (node would answer both 400 on its own).
    this.#h1 = http.createServer({ requireHostHeader: false }, (req, res) => this.#onH1Request(req, res));
    this.#h1.on("connect", (req: IncomingMessage, socket: net.Socket, head: Buffer) =>
      this.#onH1Connect(req, socket, head),
    );
    this.#h2 = http2.createServer((req, res) => this.#onH2Request(req, res));
    this.#h2.on("connect", (req: Http2ServerRequest, res: Http2ServerResponse) => this.#onH2Request(req, res));
    this.#h2.on("session", (session) => this.#onSession(session));
  }

  /**
   * Asks every connection to close once its requests finish (`Connection: close` on HTTP/1.1,
   * GOAWAY on HTTP/2) and closes idle connections at once.
   */
  protected override askToFinish(): void {
    for (const socket of this.sockets) {
      const active = this.#h1Active.get(socket)?.active;
      if (active === undefined) {
        // Not yet sniffed (no byte received): idle. HTTP/2 sockets are handled through their session.
        if (!this.#h2Sockets.has(socket)) socket.destroy();
      } else if (active.size === 0) {
        socket.destroy();
      } else {
        for (const res of active) if (!res.headersSent) res.setHeader("connection", "close");
      }
    }
    for (const session of this.#sessions) session.close();
  }

  protected override forceClose(): void {
    for (const session of this.#sessions) session.destroy();
    super.forceClose();
  }

  /**
   * Which protocol new connections speak: "http1" or "http2" only (the other is answered as that
   * protocol's server answers garbage: a 400 / a GOAWAY), or "auto". Connections already open keep
   * theirs.
   */
  setCodec(codec: HttpCodec): void {
    this.#codec = codec;
  }

  protected override accept(socket: net.Socket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once("close", () => {
      this.#h1Active.delete(socket);
      this.#h2Sockets.delete(socket);
    });
    // Errors on a sniffing socket (a reset before any byte) must not crash the process.
    const onSniffError = (): void => {
      socket.destroy();
    };
    socket.on("error", onSniffError);
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
      const head = chunks.length === 1 ? chunk : Buffer.concat(chunks, length);
      const n = Math.min(head.length, H2_PREFACE.length);
      const prefaceSoFar = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (prefaceSoFar && n < H2_PREFACE.length) return; // too short to tell yet
      socket.off("data", onData);
      socket.off("error", onSniffError);
      socket.pause();
      socket.unshift(head);
      if (this.draining) {
        socket.destroy();
      } else if (this.#codec === "http2" || (prefaceSoFar && this.#codec === "auto")) {
        this.#h2Sockets.add(socket);
        this.#h2.emit("connection", socket);
      } else {
        this.#h1Active.set(socket, { listener: this, socket, active: new Set() });
        this.#h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  }

  #onH1Request(req: IncomingMessage, res: ServerResponse): void {
    const connection = this.#h1Active.get(req.socket);
    if (connection !== undefined) {
      connection.active.add(res);
      (res as TaggedResponse)[H1_CONNECTION] = connection;
      // "close" comes once; `on` spares the wrapper `once` would allocate.
      res.on("close", onH1ResponseClose);
    }
    if (this.draining) res.setHeader("connection", "close");
    this.handler(req, res);
  }

  /**
   * node's HTTP/1.1 server hands a CONNECT request over with its socket, no longer parsed, and
   * would destroy the socket without a word if nobody took it. The handler answers it like any
   * other request (refused, or a tunnel where the connection manager terminates CONNECT), on a
   * response that closes the connection when it ends.
   * The response stays on the socket, so it emits "close" (which ends the request's record) when
   * the socket closes.
   */
  #onH1Connect(req: IncomingMessage, socket: net.Socket, head: Buffer): void {
    // A tunnel's first bytes may have come with the request: kept for whoever reads the socket
    // (a terminated CONNECT pipes it on); paused so none is lost before then.
    socket.pause();
    if (head.length > 0) socket.unshift(head);
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.once("finish", () => socket.end());
    // node took its own error listener off the socket with the parser; a reset must not crash the process.
    socket.on("error", () => socket.destroy());
    this.#onH1Request(req, res);
  }

  #onH2Request(req: Http2ServerRequest, res: Http2ServerResponse): void {
    this.handler(req, res);
  }

  #onSession(session: ServerHttp2Session): void {
    this.#sessions.add(session);
    session.once("close", () => this.#sessions.delete(session));
    session.on("error", () => session.destroy());
    if (this.draining) session.close();
  }
}
