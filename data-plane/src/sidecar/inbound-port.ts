// The inbound listener's port, chosen before the proxy starts: the sidecar registers the port its
// callers reach and sends it in its node metadata, from which the control plane compiles the
// inbound listener; a listener address cannot carry port 0, so `--listen HOST:0` is resolved here.
import { createServer } from "node:net";
import type { HostPort } from "./settings.js";

/**
 * `listen` itself when it names a port; for port 0, the port the operating system gives a
 * listener bound on `listen.host` (bound, read, released). The port is free again until the proxy
 * binds it a moment later, when its config arrives; another process binding it in between makes
 * the proxy log `listener cannot bind` for `inbound|listener`. Rejects when the host cannot be
 * bound at all.
 */
export function chooseInboundPort(listen: HostPort): Promise<HostPort> {
  if (listen.port !== 0) return Promise.resolve(listen);
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: listen.host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve({ host: listen.host, port }));
    });
  });
}
