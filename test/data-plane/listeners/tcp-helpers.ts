// A tagged echo handler for TCP listeners and a client that talks to it line by line.

import net from "node:net";
import type { ListenerSpec, TcpConnectionHandler } from "../../../data-plane/src/listeners/index.js";

/** Answers each line `x` with `<tag> x`, and ends its side when the client ends its own. */
export function taggedEcho(tag: string): TcpConnectionHandler {
  return (socket) => {
    socket.setEncoding("utf8");
    let pending = "";
    socket.on("data", (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        socket.write(`${tag} ${pending.slice(0, newline)}\n`);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    });
    socket.on("end", () => socket.end());
  };
}

export function tcpSpec(onConnection: TcpConnectionHandler, port = 0, drainTimeoutMs = 2_000): ListenerSpec {
  return { kind: "tcp", host: "127.0.0.1", port, onConnection, drainTimeoutMs };
}

/** A client connection that sends a line and waits for the answering line. */
export class LineClient {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  #buffer = "";
  #waiting: ((line: string) => void) | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding("utf8");
    socket.on("error", () => undefined);
    socket.on("data", (chunk: string) => {
      this.#buffer += chunk;
      this.#deliver();
    });
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
  }

  static connect(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port });
      socket.once("connect", () => resolve(new LineClient(socket)));
      socket.once("error", reject);
    });
  }

  ask(line: string): Promise<string> {
    const answer = new Promise<string>((resolve) => {
      this.#waiting = resolve;
    });
    this.socket.write(`${line}\n`);
    this.#deliver();
    return answer;
  }

  #deliver(): void {
    const newline = this.#buffer.indexOf("\n");
    if (newline < 0 || this.#waiting === undefined) return;
    const line = this.#buffer.slice(0, newline);
    this.#buffer = this.#buffer.slice(newline + 1);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting(line);
  }
}
