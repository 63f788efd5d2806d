// Addresses bound before their listener exists. A sidecar must name its inbound port (in its node
// metadata and its registration) before the control plane sends the inbound listener; releasing
// the port in between lets any other socket on the machine take it (a connection's ephemeral port
// will do), and the listener then cannot bind. A hold keeps the socket bound until the listener
// for that address takes it over: the listener listens on the held socket itself (net.Server's
// listen(handle) form), so the port is never free in between.
import net from "node:net";
import type { BoundAddress } from "./bind.js";

function keyOf(host: string, port: number): string {
  return `${host}|${port}`;
}

export class PortHolds {
  /** Held sockets by "host|port", until a listener takes them or close() releases them. */
  readonly #held = new Map<string, net.Server>();

  /**
   * Binds host:port (port 0: one the operating system picks) and keeps it bound; resolves with
   * the bound address. A connection arriving before a listener takes the socket over is closed:
   * nobody was told of the address yet. Rejects with the bind error (EADDRINUSE, ...).
   */
  hold(host: string, port: number): Promise<BoundAddress> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => socket.destroy());
      server.once("error", reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off("error", reject);
        const address = server.address();
        if (address === null || typeof address === "string") {
          server.close();
          reject(new Error(`no TCP address bound for ${host}:${port}`));
          return;
        }
        this.#held.set(keyOf(host, address.port), server);
        resolve({ host, port: address.port });
      });
    });
  }

  /** The socket held for host:port, handed over once: the caller listens on it (or closes it). */
  take(host: string, port: number): net.Server | undefined {
    const key = keyOf(host, port);
    const server = this.#held.get(key);
    this.#held.delete(key);
    return server;
  }

  /** The addresses still held, for status and tests. */
  addresses(): BoundAddress[] {
    return [...this.#held.keys()].map((key) => {
      const at = key.lastIndexOf("|");
      return { host: key.slice(0, at), port: Number(key.slice(at + 1)) };
    });
  }

  /** Releases every socket no listener took. */
  async close(): Promise<void> {
    const servers = [...this.#held.values()];
    this.#held.clear();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
