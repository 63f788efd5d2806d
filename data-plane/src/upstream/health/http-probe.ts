// The default health-check request: one HTTP request on a connection of its own (HTTP/1.1 with
// `connection: close`, or an h2c session closed after the answer), resolving to the response's
// status. The body is discarded. Aborting the signal destroys the connection.
import { request as http1Request } from "node:http";
import { connect as http2Connect } from "node:http2";
import { isIP } from "node:net";

export interface HealthProbe {
  readonly host: string;
  readonly port: number;
  readonly method: string;
  readonly path: string;
  /** Host (HTTP/1.1) or :authority (HTTP/2). */
  readonly authority: string;
  /** Lower-case names; no Host or pseudo-headers. */
  readonly headers: Readonly<Record<string, string>>;
  readonly http2: boolean;
  readonly signal: AbortSignal;
}

/** Sends one health-check request; resolves with the status, rejects on a connection or protocol error. */
export type HealthRequest = (probe: HealthProbe) => Promise<number>;

export const httpProbe: HealthRequest = (probe) => (probe.http2 ? h2cProbe(probe) : http1Probe(probe));

function http1Probe(probe: HealthProbe): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http1Request(
      {
        host: probe.host,
        port: probe.port,
        method: probe.method,
        path: probe.path,
        headers: { ...probe.headers, host: probe.authority, connection: "close" },
        agent: false,
        signal: probe.signal,
      },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function h2cProbe(probe: HealthProbe): Promise<number> {
  return new Promise((resolve, reject) => {
    const host = isIP(probe.host) === 6 ? `[${probe.host}]` : probe.host;
    const session = http2Connect(`http://${host}:${probe.port}`);
    const fail = (error: unknown): void => {
      session.destroy();
      reject(error);
    };
    const onAbort = (): void => fail(probe.signal.reason);
    if (probe.signal.aborted) return onAbort();
    probe.signal.addEventListener("abort", onAbort, { once: true });
    session.on("error", fail);
    session.on("close", () => probe.signal.removeEventListener("abort", onAbort));
    const stream = session.request({
      ...probe.headers,
      ":method": probe.method,
      ":path": probe.path,
      ":authority": probe.authority,
      ":scheme": "http",
    });
    stream.on("response", (headers) => {
      resolve(Number(headers[":status"]));
      session.close();
    });
    // A stream cancelled because the connection failed carries the connection's error as its cause.
    stream.on("error", (error: Error) => fail(error.cause ?? error));
    stream.resume();
    stream.end();
  });
}
