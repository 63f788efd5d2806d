// Test backends on 127.0.0.1: each answers its own name; `/slow` is held open until released.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RuntimeCluster, RuntimeEndpoint, RuntimeEndpoints } from "../../../data-plane/src/config/index.js";

export interface Backend {
  readonly name: string;
  readonly port: number;
  readonly server: Server;
  /** Resolves when a `/slow` request has arrived. */
  slowArrived(): Promise<void>;
  /** Answers every held `/slow` request. */
  release(): void;
  close(): Promise<void>;
}

export async function startBackend(name: string): Promise<Backend> {
  let held: (() => void)[] = [];
  let arrived: (() => void)[] = [];
  const server = createServer((req, res) => {
    const answer = (): void => {
      res.end(name);
    };
    if (req.url === "/slow") {
      held.push(answer);
      for (const notify of arrived) notify();
      arrived = [];
    } else {
      answer();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    port,
    server,
    slowArrived: () => (held.length > 0 ? Promise.resolve() : new Promise<void>((resolve) => arrived.push(resolve))),
    release: () => {
      for (const answer of held) answer();
      held = [];
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function endpoint(backend: Backend, weight = 1): RuntimeEndpoint {
  return { host: "127.0.0.1", port: backend.port, weight, health: "HEALTHY" };
}

export function assignment(clusterName: string, ...eps: RuntimeEndpoint[]): RuntimeEndpoints {
  return { clusterName, localities: [{ priority: 0, weight: 1, endpoints: eps }] };
}

export function staticCluster(name: string, ...eps: RuntimeEndpoint[]): RuntimeCluster {
  return {
    name,
    type: "STATIC",
    edsServiceName: undefined,
    connectTimeoutMs: 1000,
    lbPolicy: "ROUND_ROBIN",
    http2: false,
    staticEndpoints: assignment(name, ...eps),
  };
}

export function edsCluster(name: string): RuntimeCluster {
  return {
    name,
    type: "EDS",
    edsServiceName: name,
    connectTimeoutMs: 1000,
    lbPolicy: "ROUND_ROBIN",
    http2: false,
    staticEndpoints: undefined,
  };
}
