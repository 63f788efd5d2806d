// One bound address whose connections go, as raw sockets, to a connection handler (the TCP proxy).
//
// The handler is one reference: replacing it affects connections accepted afterwards, while an
// open connection stays with the handler that accepted it.

import type net from "node:net";
import { BoundListener } from "./bound-listener.js";
import type { TcpConnectionHandler } from "./types.js";

export class TcpListener extends BoundListener<TcpConnectionHandler> {
  constructor(name: string, host: string, port: number, handler: TcpConnectionHandler, onConnection?: () => void) {
    // Half-open sockets, so a handler can carry a FIN in one direction while the other still flows.
    super(name, host, port, handler, { allowHalfOpen: true }, onConnection);
  }

  /** A raw byte stream has no way to ask its peer to finish: open connections just run on. */
  protected override askToFinish(): void {}

  protected override accept(socket: net.Socket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    // A reset must never crash the process, whatever the handler listens to; "close" follows.
    socket.on("error", ignore);
    try {
      this.handler(socket);
    } catch {
      socket.destroy();
    }
  }
}

function ignore(): void {}
