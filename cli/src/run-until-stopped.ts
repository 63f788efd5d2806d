// How the server commands live and stop: started, then closed on SIGTERM or SIGINT (or after an
// uncaught error), then the process exits: 0 after a clean close, 1 after an error or when the
// close takes longer than its delay.
import closeWithGrace from "close-with-grace";
import type { Logger } from "pino";

export interface Stoppable {
  close(): Promise<void>;
}

export interface RunOptions {
  readonly logger: Logger;
  /** How long closing may take before the process exits 1 anyway. */
  readonly delayMs: number;
  /** Logged with the signal when one arrives, e.g. "draining". */
  readonly stoppingMessage: string;
}

/**
 * Runs `start` with the signal handlers already in place, so a SIGTERM sent the moment the server
 * logs that it is ready (as scripts and npm do) drains it instead of killing the process with
 * the default action. A signal during start closes the server once it has started. If `start`
 * fails, the handlers are removed and its error is thrown for the command to report.
 */
export async function runUntilStopped<T extends Stoppable>(options: RunOptions, start: () => Promise<T>): Promise<T> {
  const { logger } = options;
  let started: Promise<T> | undefined;
  const grace = closeWithGrace({ delay: options.delayMs }, async ({ signal, err }) => {
    if (err) logger.error({ err }, "stopping after an unexpected error");
    else logger.info({ signal }, options.stoppingMessage);
    if (started !== undefined) await (await started).close();
  });
  started = start();
  try {
    return await started;
  } catch (error) {
    grace.uninstall();
    throw error;
  }
}
