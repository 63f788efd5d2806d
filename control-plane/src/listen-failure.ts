// Why a server could not listen on its HOST:PORT, said in words, with the flag (and its WEFT_
// environment variable) that moves it: what `weft control-plane` and `weft proxy` print when a
// port is taken, instead of a bare "EADDRINUSE".

/** System error codes a failed listen reports, and what each means for the person starting it. */
const REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: "is already in use",
  EACCES: "may not be listened on by this user (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "is not an address of this machine",
};

/**
 * The system error code (EADDRINUSE, ...) behind a failed listen, or undefined. node's servers
 * put it in `code`; grpc-js's bindAsync keeps only the messages of the errors it met, so there
 * the code is read from the message.
 */
export function listenErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && code in REASONS) return code;
  const message = error instanceof Error ? error.message : String(error);
  return Object.keys(REASONS).find((known) => new RegExp(`\\b${known}\\b`).test(message));
}

/** `--api-listen` -> `WEFT_API_LISTEN`, as every flag's environment variable is named. */
function envVariable(flag: string): string {
  return `WEFT_${flag.replace(/^--/, "").replace(/-/g, "_").toUpperCase()}`;
}

/**
 * One line for a failed listen on `address`, set by `flag`, e.g. "127.0.0.1:18080 is already in
 * use (EADDRINUSE): stop what holds it, or choose another address with --api-listen or
 * WEFT_API_LISTEN".
 */
export function listenFailureMessage(address: string, flag: string, error: unknown): string {
  const code = listenErrorCode(error);
  const move = `choose another address with ${flag} or ${envVariable(flag)}`;
  if (code === "EADDRINUSE") return `${address} is already in use (EADDRINUSE): stop what holds it, or ${move}`;
  if (code !== undefined) return `${address} ${REASONS[code]} (${code}): ${move}`;
  const reason = error instanceof Error ? error.message : String(error);
  return `cannot listen on ${address} (${reason}): ${move}`;
}
