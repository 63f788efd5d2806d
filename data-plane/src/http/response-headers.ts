// An upstream response's headers as they go downstream: hop-by-hop fields dropped (HTTP/2 would
// refuse them anyway), the upstream's `server` dropped because the proxy sets its own (Envoy's
// default server_header_transformation is OVERWRITE).
import type { IncomingHttpHeaders } from "node:http2";
import { type HeaderList, removeNominated } from "./header-list.js";
import { connectionNominated, isHopByHop } from "./hop-by-hop.js";

/** From undici's raw response headers (name and value Buffers, alternating). */
export function fromRawHeaders(raw: readonly (Buffer | string)[]): HeaderList {
  const list: HeaderList = [];
  let connection: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer | string).toString("latin1").toLowerCase();
    const value = (raw[i + 1] as Buffer | string).toString("latin1");
    if (name === "connection") connection = connection === undefined ? value : `${connection},${value}`;
    if (name === "server" || isHopByHop(name)) continue;
    list.push(name, value);
  }
  if (connection !== undefined) removeNominated(list, connectionNominated(connection));
  return list;
}

/** From node:http2's header object (response headers or trailers); pseudo-headers dropped. */
export function fromHttp2Headers(headers: IncomingHttpHeaders, dropServer: boolean): HeaderList {
  const list: HeaderList = [];
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ":" */ || (dropServer && name === "server") || isHopByHop(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === "string") list.push(name, value);
    else for (const item of value) list.push(name, item);
  }
  return list;
}

/** A header list as an object, repeated names as arrays (for addTrailers and node:http2). */
export function toHeaderObject(
  list: HeaderList,
  into: Record<string, string | string[]> = {},
): Record<string, string | string[]> {
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = list[i] as string;
    const value = list[i + 1] as string;
    const existing = into[name];
    if (existing === undefined) into[name] = value;
    else if (typeof existing === "string") into[name] = [existing, value];
    else existing.push(value);
  }
  return into;
}
