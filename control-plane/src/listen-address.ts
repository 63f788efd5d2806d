// `HOST:PORT` as the command line takes it (`127.0.0.1:18000`, `[::1]:18000`, `localhost:0`).
import { ErrorCode, WeftError } from "./errors.js";

export interface ListenAddress {
  /** Without brackets, as node's listen() and grpc's bind take it. */
  readonly host: string;
  /** 0 lets the operating system pick. */
  readonly port: number;
}

export function parseListenAddress(value: string, flag: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (!match || host === undefined || port > 65_535) {
    throw new WeftError(
      ErrorCode.badRequest,
      `${flag} must be HOST:PORT (e.g. 127.0.0.1:18000 or [::1]:18000), got "${value}"`,
      {
        details: [{ path: flag, message: "expected HOST:PORT with a port from 0 to 65535" }],
      },
    );
  }
  return { host, port };
}

/** `host:port`, bracketing IPv6 hosts. */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
