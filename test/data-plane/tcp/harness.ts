// A TCP proxy under test: a real ListenerManager with one TCP listener whose handler is
// createTcpHandler over a real ClusterManager, backends on 127.0.0.1, and the records observed.

import net from "node:net";
import { Worker } from "node:worker_threads";
import type {
  RuntimeCluster,
  RuntimeEndpoint,
  RuntimeEndpoints,
  RuntimeTcp,
} from "../../../data-plane/src/config/index.js";
import { ListenerManager } from "../../../data-plane/src/listeners/index.js";
import type { TcpConnectionRecord } from "../../../data-plane/src/observer/request-observer.js";
import { createTcpHandler } from "../../../data-plane/src/tcp/index.js";
import { type CircuitBreaker, ClusterManager } from "../../../data-plane/src/upstream/index.js";
import type { Clock } from "../../../time/index.js";

export interface ProxyUnderTest {
  readonly port: number;
  readonly listeners: ListenerManager;
  readonly clusters: ClusterManager;
  readonly records: TcpConnectionRecord[];
  /** Resolves with the next record not yet taken. */
  nextRecord(): Promise<TcpConnectionRecord>;
  /** Resolves once `count` records in all have been made. */
  recorded(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(
  tcp: Partial<RuntimeTcp>,
  clusters: readonly RuntimeCluster[],
  endpointsByCluster: ReadonlyMap<string, RuntimeEndpoints> = new Map(),
  breaker?: CircuitBreaker,
  clock?: Clock,
): Promise<ProxyUnderTest> {
  const clusterManager = new ClusterManager(clock === undefined ? {} : { clock });
  await clusterManager.update(clusters, endpointsByCluster);
  const records: TcpConnectionRecord[] = [];
  let taken = 0;
  /** Told after each record. */
  const waiting = new Set<() => void>();
  const recorded = (count: number): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (records.length < count) return;
        waiting.delete(check);
        resolve();
      };
      waiting.add(check);
      check();
    });
  const handler = createTcpHandler({
    listener: "tcp-in",
    tcp: { statPrefix: "tcp_in", cluster: undefined, weightedClusters: undefined, idleTimeoutMs: 0, ...tcp },
    clusters:
      breaker === undefined
        ? clusterManager
        : {
            pick: (name) => clusterManager.pick(name),
            cluster: (name) => clusterManager.cluster(name),
            whenWarm: (name, ms) => clusterManager.whenWarm(name, ms),
            breaker: () => breaker,
          },
    observer: {
      ended(record) {
        if (record.kind === "tcp") records.push(record);
        for (const wake of [...waiting]) wake();
      },
    },
  });
  const listeners = new ListenerManager();
  await listeners.apply(
    new Map([["tcp-in", { kind: "tcp", host: "127.0.0.1", port: 0, onConnection: handler, drainTimeoutMs: 500 }]]),
  );
  return {
    port: listeners.address("tcp-in")?.port ?? 0,
    listeners,
    clusters: clusterManager,
    records,
    recorded,
    async nextRecord() {
      await recorded(taken + 1);
      const record = records[taken++];
      if (record === undefined) throw new Error("no record");
      return record;
    },
    async close() {
      await listeners.close();
      await clusterManager.close();
    },
  };
}

export function localEndpoint(port: number, weight = 1): RuntimeEndpoint {
  return { host: "127.0.0.1", port, weight, health: "HEALTHY" };
}

export function tcpCluster(name: string, ports: readonly number[], connectTimeoutMs = 1000): RuntimeCluster {
  return {
    name,
    type: "STATIC",
    edsServiceName: undefined,
    connectTimeoutMs,
    lbPolicy: "ROUND_ROBIN",
    http2: false,
    staticEndpoints: {
      clusterName: name,
      localities: [{ priority: 0, weight: 1, endpoints: ports.map((port) => localEndpoint(port)) }],
    },
  };
}

export interface Backend {
  readonly port: number;
  /** Every connection the backend has accepted. */
  readonly sockets: net.Socket[];
  /** Resolves once the backend has accepted `count` connections in all. */
  accepted(count?: number): Promise<void>;
  close(): Promise<void>;
}

/** A backend on 127.0.0.1 (half-open capable) whose connections go to `onConnection`. */
export async function startBackend(onConnection: (socket: net.Socket) => void): Promise<Backend> {
  const sockets: net.Socket[] = [];
  const waiting = new Set<() => void>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    for (const wake of [...waiting]) wake();
    socket.on("error", () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    sockets,
    accepted: (count = 1) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (sockets.length < count) return;
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
      }),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Echoes every byte back, and ends its side when the client ends its own. */
export function echo(socket: net.Socket): void {
  socket.pipe(socket);
}

/** A port nothing listens on: bound, then closed again. */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A client connection; half-open only when asked, so by default a FIN from the proxy closes it. */
export function connect(port: number, allowHalfOpen = false): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Everything the socket sends until it ends or closes (an error ends the reading too). */
export function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    const done = (): void => resolve(Buffer.concat(chunks));
    socket.once("end", done);
    socket.once("close", done);
  });
}

export function closed(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once("close", () => resolve()));
}

/**
 * A listening port that completes no more handshakes: its server runs in a worker whose event loop
 * is blocked (so it never accepts), and its one-slot accept queue is filled first, so the kernel
 * drops further SYNs and a connect to it stays pending.
 */
export async function unacceptingPort(): Promise<{ readonly port: number; close(): Promise<void> }> {
  const blocked = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     const server = require("node:net").createServer();
     server.listen({ host: "127.0.0.1", port: 0, backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData, 0, 0);
       server.close();
     });`,
    { eval: true, workerData: blocked },
  );
  const port = await new Promise<number>((resolve) => worker.once("message", resolve));
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.on("error", () => undefined);
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return {
    port,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      Atomics.store(blocked, 0, 1);
      Atomics.notify(blocked, 0);
      await worker.terminate();
    },
  };
}
