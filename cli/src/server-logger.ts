// The root logger of the commands that run a server (`weft control-plane`, `weft proxy`): JSON
// lines for log collectors and scripts, or pino-pretty's lines for a person at a terminal. Both
// carry the level by name ("info") and the time as ISO 8601 UTC, never pino's numbers and epochs.
import { format } from "node:util";
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";

export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The format asked for (--log-format, WEFT_LOG_FORMAT), or else pretty on a terminal and JSON lines anywhere else. */
export function chooseLogFormat(asked: LogFormat | undefined, stdoutIsTTY: boolean): LogFormat {
  return asked ?? (stdoutIsTTY ? "pretty" : "json");
}

export interface ServerLoggerOptions {
  /** One of pino's level names: fatal, error, warn, info, debug, trace, silent. */
  readonly level: string;
  readonly format: LogFormat;
  /** Where lines go; standard output unless given (tests pass a stream). */
  readonly destination?: NodeJS.WritableStream;
}

/**
 * A root logger writing `format` lines. The level label and the ISO time are pino's own cheap
 * hooks (formatters.level, stdTimeFunctions.isoTime), so a log call costs what it did with numbers.
 * pino-pretty is loaded only when chosen: a server logging JSON never pays for it.
 */
export async function createServerLogger(options: ServerLoggerOptions): Promise<Logger> {
  const config: LoggerOptions = {
    level: options.level,
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.format === "json") {
    return options.destination === undefined
      ? pino(config)
      : pino(config, options.destination as unknown as DestinationStream);
  }
  const { default: pretty } = await import("pino-pretty");
  return pino(
    config,
    pretty({
      // Synchronous, as pino's own stdout is, so the last lines before exit are not lost.
      sync: true,
      translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
      ignore: "hostname",
      ...(options.destination === undefined ? {} : { destination: options.destination }),
    }),
  );
}

/**
 * Sends grpc-js's own messages, which it otherwise prints on stderr ("E No address added ..."),
 * to `logger` as lines with component "grpc": stdout has every log line, and stderr only the one
 * line a failed start ends with. grpc-js's logger is process-wide, so only the commands call this.
 */
export async function logGrpcThrough(logger: Logger): Promise<void> {
  const { setLogger } = await import("@grpc/grpc-js");
  const grpc = logger.child({ component: "grpc" });
  setLogger({
    error: (message?: unknown, ...rest: unknown[]) => grpc.error(format(message, ...rest)),
    info: (message?: unknown, ...rest: unknown[]) => grpc.info(format(message, ...rest)),
    debug: (message?: unknown, ...rest: unknown[]) => grpc.debug(format(message, ...rest)),
  });
}
