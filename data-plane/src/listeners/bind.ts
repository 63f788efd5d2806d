// Binding a listener's address, shared by the HTTP and TCP listeners so both fail the same way.

import type net from "node:net";
import { ListenerError, ListenerErrorCode } from "./errors.js";

export interface BoundAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Binds `server` to host:port, or takes over `held` (a server already bound there, see
 * port-holds.ts) so the port is never free in between; rejects with a WEFT_PROXY_LISTENER_BIND
 * ListenerError naming `listener`.
 */
export function bind(
  server: net.Server,
  listener: string,
  host: string,
  port: number,
  held?: net.Server,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(
        new ListenerError(
          ListenerErrorCode.bind,
          listener,
          `listener "${listener}" cannot bind ${formatHostPort(host, port)}: ${err.message}`,
          { cause: err },
        ),
      );
    };
    server.once("error", onError);
    const listening = (): void => {
      server.off("error", onError);
      resolve();
    };
    if (held === undefined) server.listen({ host, port }, listening);
    else server.listen(held, listening);
  });
}

/** The server's bound address (with the real port when 0 was asked for), or undefined once unbound. */
export function boundAddress(server: net.Server): BoundAddress | undefined {
  const addr = server.address();
  if (addr === null || typeof addr === "string") return undefined;
  return { host: addr.address, port: addr.port };
}

/** Stops accepting; resolves once the server is unbound (at once when it never was). */
export function unbind(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
  });
}

function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
