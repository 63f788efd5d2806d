// Binding a listener's address, shared by the HTTP and TCP listeners so both fail the same way.

import type net from "node:net";
import { ListenerError, ListenerErrorCode } from "./errors.js";

export interface BoundAddress {
  readonly host: string;
  readonly port: number;
}

/** Binds `server` to host:port; rejects with a WEFT_PROXY_LISTENER_BIND ListenerError naming `listener`. */
export function bind(server: net.Server, listener: string, host: string, port: number): Promise<void> {
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
    server.listen({ host, port }, () => {
      server.off("error", onError);
      resolve();
    });
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
