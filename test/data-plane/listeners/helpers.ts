// Small clients and handlers shared by the listener tests: real sockets on 127.0.0.1.

import http from "node:http";
import type http2 from "node:http2";
import net from "node:net";
import type { ListenerHandler, ListenerSpec } from "../../../data-plane/src/listeners/index.js";

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** An HTTP/1.1 GET through the given agent (keep-alive when the agent keeps them alive). */
export function h1Get(port: number, agent: http.Agent, path = "/"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** An HTTP/2 GET on an existing client session. */
export function h2Get(session: http2.ClientHttp2Session, path = "/"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":path": path });
    let status = 0;
    let body = "";
    stream.setEncoding("utf8");
    stream.on("response", (headers) => {
      status = Number(headers[":status"]);
    });
    stream.on("data", (chunk: string) => {
      body += chunk;
    });
    stream.on("end", () => resolve({ status, body, headers: {} }));
    stream.on("error", reject);
  });
}

/** Resolves with the connect error code, or "connected" (then closes the socket). */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** A promise with its resolver outside, for holding a request open until the test says so. */
export function gate(): { readonly wait: Promise<void>; readonly open: () => void } {
  let open = (): void => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/**
 * A handler answering `<tag> <client port>`; "/slow" waits for `slow.wait` first and calls
 * `onSlow` when it arrives; "/hang" never answers.
 */
export function taggedHandler(
  tag: string,
  slow?: { readonly wait: Promise<void>; readonly onSlow?: () => void },
): ListenerHandler {
  return (req, res) => {
    const reply = (): void => {
      res.end(`${tag} ${req.socket.remotePort}`);
    };
    if (req.url === "/hang") return;
    if (req.url === "/slow" && slow !== undefined) {
      slow.onSlow?.();
      void slow.wait.then(reply);
      return;
    }
    reply();
  };
}

export function spec(handler: ListenerHandler, port = 0, drainTimeoutMs = 2_000): ListenerSpec {
  return { kind: "http", host: "127.0.0.1", port, handler, drainTimeoutMs };
}
