// The options every client command shares (--server, --token, --timeout) and the API client they
// make. --token also comes from WEFT_API_TOKEN, the variable the control plane reads its own from.
import { type Command, InvalidArgumentError, Option } from "commander";
import { formatAddress, parseListenAddress } from "../../../control-plane/src/listen-address.js";
import { WeftApi } from "../client/index.js";
import { envOption } from "../env-option.js";

export const DEFAULT_SERVER = "http://127.0.0.1:18080";

export interface ClientFlags {
  server: string;
  token?: string;
  timeout: number;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "10s", "500ms", "2m", "1h", or a bare number of seconds; in milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? "s"] ?? 1000) : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0)
    throw new InvalidArgumentError('expected a duration such as "10s", "500ms" or "2m"');
  return ms;
}

const SERVER_EXPECTED = 'expected http://HOST:PORT, https://HOST:PORT or HOST:PORT (e.g. "127.0.0.1:18080")';

/**
 * --server as a base URL. HOST:PORT without a scheme means http://HOST:PORT, as --xds-server
 * takes its address; a URL keeps its path (a prefix the API is served under).
 */
export function parseServer(value: string): string {
  const text = value.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let address: { host: string; port: number };
    try {
      address = parseListenAddress(text, "--server");
    } catch {
      throw new InvalidArgumentError(SERVER_EXPECTED);
    }
    if (address.port === 0) throw new InvalidArgumentError("port 0 cannot be connected to");
    const url = `http://${formatAddress(address.host, address.port)}`;
    // The URL must read back as the same host: "http//x:1" would be the host "http" and a path.
    const hostname = address.host.includes(":") ? `[${address.host}]` : address.host;
    if (!URL.canParse(url) || new URL(url).hostname !== hostname.toLowerCase()) {
      throw new InvalidArgumentError(SERVER_EXPECTED);
    }
    return url;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(SERVER_EXPECTED);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw new InvalidArgumentError(SERVER_EXPECTED);
  }
  return url.href;
}

export function addClientOptions(command: Command): Command {
  return command
    .addOption(
      envOption("--server <url>", "the control plane's REST API, as a URL or HOST:PORT")
        .argParser(parseServer)
        .default(DEFAULT_SERVER),
    )
    .addOption(new Option("--token <token>", "bearer token for the API; WEFT_TOKEN is read too").env("WEFT_API_TOKEN"))
    .addOption(
      envOption("--timeout <duration>", "deadline for each request to the API")
        .argParser(parseDuration)
        .default(10_000, "10s"),
    );
}

/** The API client the flags describe; the caller closes it. */
export function apiOf(flags: ClientFlags): WeftApi {
  return new WeftApi({
    baseUrl: flags.server,
    token: flags.token ?? process.env.WEFT_TOKEN,
    timeoutMs: flags.timeout,
  });
}

/** Runs `use` with an API client for `flags`, closed afterwards whatever happens. */
export async function withApi<T>(flags: ClientFlags, use: (api: WeftApi) => Promise<T>): Promise<T> {
  const api = apiOf(flags);
  try {
    return await use(api);
  } finally {
    await api.close();
  }
}
