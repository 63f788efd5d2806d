// The inbound listener's port, bound before the proxy starts: the sidecar registers the port its
// callers reach and sends it in its node metadata, from which the control plane compiles the
// inbound listener; a listener address cannot carry port 0, so `--listen HOST:0` is resolved here.
// The socket stays bound (a port hold) until the inbound listener takes it over when its config
// arrives, so no other socket on the machine can take the port in between.
import { ListenerError, ListenerErrorCode, type PortHolds } from "../listeners/index.js";
import type { HostPort } from "./settings.js";

/**
 * Binds `listen` (port 0: a port the operating system picks) and keeps it in `holds` for the
 * inbound listener named `listener`; resolves with the address bound. Rejects with a
 * WEFT_PROXY_LISTENER_BIND ListenerError when it cannot be bound (port taken, address not local).
 */
export async function holdInboundPort(listen: HostPort, holds: PortHolds, listener: string): Promise<HostPort> {
  try {
    return await holds.hold(listen.host, listen.port);
  } catch (error) {
    throw new ListenerError(
      ListenerErrorCode.bind,
      listener,
      `listener "${listener}" cannot bind ${listen.host}:${listen.port}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
