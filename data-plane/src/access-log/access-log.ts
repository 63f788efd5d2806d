// The access log: one JSON line per HTTP request and per TCP connection, written by pino through
// an asynchronous SonicBoom so that `ended` (on the request path) only serializes into a buffer.
// Lines carry `"log":"access"` to be told apart from the proxy's own logs when both go to stdout.
import { mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import pino, { type Logger } from "pino";
import type {
  HttpRequestRecord,
  RequestObserver,
  RequestRecord,
  TcpConnectionRecord,
} from "../observer/request-observer.js";
import { AccessLogError, AccessLogErrorCode } from "./errors.js";
import { formatResponseFlags } from "./response-flags.js";

/** Lines are buffered until this many bytes are waiting... */
const MIN_WRITE_BYTES = 4096;
/** ...or this long has passed, so a quiet proxy's lines still show up. */
const FLUSH_INTERVAL_MS = 1000;
/** Past this much unwritten log (a disk that cannot keep up), lines are dropped, not queued. */
const MAX_BUFFER_BYTES = 16 * 1024 * 1024;

export interface AccessLog extends RequestObserver {
  /** Writes what is buffered and closes the file; later records are dropped. Idempotent. */
  close(): Promise<void>;
}

export interface AccessLogOptions {
  /** Where a failure to write the log is reported (it never throws into the request path). */
  readonly logger?: Logger;
}

/** An access log that keeps nothing ("off", and tests). */
export const NO_ACCESS_LOG: AccessLog = { ended: () => undefined, close: async () => undefined };

/**
 * `target` is "stdout", "off", or a file path (appended to, its folder created if missing). The
 * file is opened before this returns, so a path that cannot be written fails at start-up with
 * WEFT_PROXY_ACCESS_LOG_OPEN rather than losing every line later.
 */
export function createAccessLog(target: string, options: AccessLogOptions = {}): AccessLog {
  if (target === "off") return NO_ACCESS_LOG;
  const destination = pino.destination({
    fd: target === "stdout" ? 1 : openForAppend(target),
    sync: false,
    minLength: MIN_WRITE_BYTES,
    maxLength: MAX_BUFFER_BYTES,
    periodicFlush: FLUSH_INTERVAL_MS,
  });
  const failures = options.logger?.child({ component: "access-log" });
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  destination.once("close", () => markClosed());
  // A file that cannot be written is given up on and closed at once: left open, every later
  // flush (pino's own at exit included) would fail again.
  let failed = false;
  destination.on("error", (error: unknown) => {
    if (failed) {
      markClosed(); // closing the file failed too; there is nothing left to wait for
      return;
    }
    failed = true;
    failures?.error({ err: error, target }, "access log failed; no more access log lines will be written");
    destination.destroy();
  });
  const logger = pino(
    {
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Every line is at one level, so the level's place carries the field that marks the line.
      formatters: { level: () => ({ log: "access" }) },
    },
    destination,
  );
  let closing: Promise<void> | undefined;
  return {
    ended(record: RequestRecord): void {
      if (closing !== undefined || failed) return;
      logger.info(record.kind === "http" ? httpLine(record) : tcpLine(record));
    },
    close(): Promise<void> {
      if (closing === undefined) {
        closing = closed;
        if (!failed) destination.end();
      }
      return closing;
    },
  };
}

function openForAppend(path: string): number {
  try {
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, "a");
  } catch (error) {
    throw new AccessLogError(AccessLogErrorCode.open, path, `cannot open access log ${path}`, { cause: error });
  }
}

/** Milliseconds to the microsecond: enough for a log line, and short. */
function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function httpLine(record: HttpRequestRecord): Record<string, unknown> {
  const line: Record<string, unknown> = {
    kind: "http",
    listener: record.listener,
    method: record.method,
    authority: record.authority,
    path: record.path,
    protocol: record.protocol,
    status: record.status,
  };
  if (record.grpcStatus !== undefined) line.grpc_status = record.grpcStatus;
  line.duration_ms = ms(record.durationMs);
  line.upstream_duration_ms = record.upstreamDurationMs === undefined ? null : ms(record.upstreamDurationMs);
  line.cluster = record.cluster ?? null;
  line.upstream_address = record.upstreamAddress ?? null;
  line.response_flags = formatResponseFlags(record.responseFlags);
  line.request_id = record.requestId ?? null;
  line.bytes_received = record.bytesReceived;
  line.bytes_sent = record.bytesSent;
  line.downstream_address = record.downstreamAddress;
  line.user_agent = record.userAgent ?? null;
  // Envoy's %DOWNSTREAM_PEER_URI_SAN%: only on lines of mTLS connections.
  if (record.downstreamPeerUri !== undefined) line.downstream_peer_uri_san = record.downstreamPeerUri;
  return line;
}

function tcpLine(record: TcpConnectionRecord): Record<string, unknown> {
  return {
    kind: "tcp",
    listener: record.listener,
    duration_ms: ms(record.durationMs),
    cluster: record.cluster ?? null,
    upstream_address: record.upstreamAddress ?? null,
    response_flags: formatResponseFlags(record.responseFlags),
    bytes_received: record.bytesReceived,
    bytes_sent: record.bytesSent,
    downstream_address: record.downstreamAddress,
  };
}
