// The API refuses to start on a non-loopback address without a token (README, "Bodies, limits,
// access"): main.ts calls assertSafeListen before it binds the API.
import { isIPv4, isIPv6 } from "node:net";
import { ErrorCode, WeftError } from "../errors.js";

/** Whether `host` can only be reached from this machine: 127.0.0.0/8, ::1 (also IPv4-mapped), localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === "localhost" || lower === "localhost.") return true;
  if (isIPv4(lower)) return lower.startsWith("127.");
  if (isIPv6(lower)) {
    if (lower === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(lower) || lower === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
    return mapped !== undefined && isIPv4(mapped) && mapped.startsWith("127.");
  }
  return false;
}

/** Throws WEFT_INSECURE_LISTEN when the API would listen on a non-loopback `host` without a token. */
export function assertSafeListen(host: string, token: string | undefined): void {
  if (token !== undefined && token !== "") return;
  if (isLoopbackHost(host)) return;
  throw new WeftError(
    ErrorCode.insecureListen,
    `refusing to serve the API on ${host} without a token: anyone who can reach it could change the mesh's config. ` +
      "Set --api-token (or WEFT_API_TOKEN), or listen on a loopback address such as 127.0.0.1.",
  );
}
