// New connections, one request each: the cost of setting up a connection to a proxy listener, in
// plaintext or over mutual TLS. Each connection is dialled, (TLS: handshaken with a client
// certificate, the server checked against the mesh root and its SPIFFE ID), sends one
// `GET / HTTP/1.1` with `connection: close`, reads the whole response, then is closed; the next
// one is dialled once the previous one closed. `concurrency` such loops run at once for
// `seconds`, after a warm-up of `warmup` seconds that is not counted. Run as
//   node --import tsx bench/dp-mtls-connect.ts '<ConnectOptions as JSON>'
// it prints one JSON line (ConnectResult) and exits.
import { readFileSync } from "node:fs";
import net from "node:net";
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import tls from "node:tls";

export type ConnectMode = "plain" | "tls" | "tls-resumed";

export interface ConnectOptions {
  readonly mode: ConnectMode;
  readonly port: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly warmup: number;
  /** TLS: the client's chain and key files, the roots, and the SPIFFE ID the server must hold. */
  readonly chainFile?: string;
  readonly keyFile?: string;
  readonly rootFile?: string;
  readonly serverId?: string;
}

export interface ConnectResult {
  readonly mode: ConnectMode;
  readonly concurrency: number;
  /** Connections completed (response read) in the measured window, and the window's length. */
  readonly connections: number;
  readonly seconds: number;
  readonly connectionsPerSecond: number;
  /** Dial to connected (TLS: handshake done), milliseconds. */
  readonly establishP50Ms: number;
  readonly establishP99Ms: number;
  /** Dial to the end of the response, milliseconds. */
  readonly totalP50Ms: number;
  readonly totalP99Ms: number;
  readonly failed: number;
  /** TLS connections that resumed a session. */
  readonly resumed: number;
  /** Connections completed during the warm-up (the server served them too). */
  readonly warmupConnections: number;
  /** This client's own CPU per measured connection, milliseconds. */
  readonly clientCpuMsPerConnection: number;
  readonly firstError: string | undefined;
}

const REQUEST = Buffer.from("GET / HTTP/1.1\r\nhost: catalog\r\nconnection: close\r\n\r\n", "latin1");
const TIMEOUT_MS = 5_000;
const HEAD_END = Buffer.from("\r\n\r\n", "latin1");

interface Outcome {
  readonly establishNs: bigint;
  readonly totalNs: bigint;
  readonly reused: boolean;
}

/** Whether `data` holds a whole response with a content-length body. */
function responseComplete(data: Buffer): boolean {
  const headEnd = data.indexOf(HEAD_END);
  if (headEnd < 0) return false;
  const head = data.subarray(0, headEnd).toString("latin1");
  if (!head.startsWith("HTTP/1.1 200")) throw new Error(`unexpected response: ${head.split("\r\n")[0]}`);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!length?.[1]) throw new Error("response without content-length");
  return data.length >= headEnd + HEAD_END.length + Number(length[1]);
}

class Dialler {
  readonly #options: ConnectOptions;
  readonly #tls: tls.ConnectionOptions | undefined;
  #session: Buffer | undefined;

  constructor(options: ConnectOptions) {
    this.#options = options;
    if (options.mode === "plain") return;
    const { chainFile, keyFile, rootFile, serverId } = options;
    if (!chainFile || !keyFile || !rootFile || !serverId)
      throw new Error("TLS needs chainFile, keyFile, rootFile, serverId");
    this.#tls = {
      host: "127.0.0.1",
      port: options.port,
      // One context for every connection, as the proxy keeps one per cluster: the PEM files are
      // parsed once, and a connection pays only for its handshake.
      secureContext: tls.createSecureContext({
        cert: readFileSync(chainFile),
        key: readFileSync(keyFile),
        ca: readFileSync(rootFile),
      }),
      // As the proxy does: the chain is verified against the roots, then the SPIFFE ID stands for the host name.
      checkServerIdentity: (_host, cert) =>
        (cert.subjectaltname ?? "").split(", ").includes(`URI:${serverId}`)
          ? undefined
          : new Error(`server is not ${serverId}: ${cert.subjectaltname}`),
    };
  }

  /** One connection: dial, (handshake,) request, whole response, close. */
  once(): Promise<Outcome> {
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const resumeFrom = this.#options.mode === "tls-resumed" ? this.#session : undefined;
      const socket: net.Socket = this.#tls
        ? tls.connect({ ...this.#tls, ...(resumeFrom ? { session: resumeFrom } : {}) })
        : net.connect({ host: "127.0.0.1", port: this.#options.port });
      let establishNs: bigint | undefined;
      let totalNs: bigint | undefined;
      let received = Buffer.alloc(0);
      let failure: Error | undefined;
      socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      if (socket instanceof tls.TLSSocket) {
        socket.on("session", (session: Buffer) => {
          this.#session = session;
        });
      }
      let reused = false;
      socket.once(socket instanceof tls.TLSSocket ? "secureConnect" : "connect", () => {
        establishNs = process.hrtime.bigint() - started;
        // Read now: once the socket closed, its TLS state is gone.
        reused = socket instanceof tls.TLSSocket && socket.isSessionReused();
        socket.write(REQUEST);
      });
      socket.on("data", (chunk: Buffer) => {
        if (totalNs !== undefined) return;
        received = Buffer.concat([received, chunk]);
        try {
          if (!responseComplete(received)) return;
        } catch (error) {
          socket.destroy(error as Error);
          return;
        }
        totalNs = process.hrtime.bigint() - started;
        socket.end();
      });
      socket.on("error", (error) => {
        failure ??= error;
      });
      socket.once("close", () => {
        if (establishNs !== undefined && totalNs !== undefined) {
          resolve({ establishNs, totalNs, reused });
        } else {
          reject(failure ?? new Error("closed before the whole response"));
        }
      });
    });
  }
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? "") as ConnectOptions;
  const dialler = new Dialler(options);
  const establish: RecordableHistogram = createHistogram();
  const total: RecordableHistogram = createHistogram();
  let connections = 0;
  let warmupConnections = 0;
  let failed = 0;
  let resumed = 0;
  let firstError: string | undefined;
  const warmupEnds = performance.now() + options.warmup * 1_000;
  const ends = warmupEnds + options.seconds * 1_000;
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let measuredFrom = Number.NaN;
  const loop = async () => {
    for (let now = performance.now(); now < ends; now = performance.now()) {
      const measuring = now >= warmupEnds;
      if (measuring && cpuAtStart === undefined) {
        cpuAtStart = process.cpuUsage();
        measuredFrom = now;
      }
      try {
        const outcome = await dialler.once();
        if (!measuring) {
          warmupConnections++;
          continue;
        }
        connections++;
        establish.record(outcome.establishNs > 0n ? outcome.establishNs : 1n);
        total.record(outcome.totalNs > 0n ? outcome.totalNs : 1n);
        if (outcome.reused) resumed++;
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const seconds = (performance.now() - measuredFrom) / 1_000;
  const cpu = process.cpuUsage(cpuAtStart);
  const ms = (h: RecordableHistogram, q: number) => (h.count === 0 ? Number.NaN : h.percentile(q) / 1e6);
  const result: ConnectResult = {
    mode: options.mode,
    concurrency: options.concurrency,
    connections,
    seconds,
    connectionsPerSecond: connections / seconds,
    establishP50Ms: ms(establish, 50),
    establishP99Ms: ms(establish, 99),
    totalP50Ms: ms(total, 50),
    totalP99Ms: ms(total, 99),
    failed,
    resumed,
    warmupConnections,
    clientCpuMsPerConnection: (cpu.user + cpu.system) / 1_000 / Math.max(1, connections),
    firstError,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
