// One pass over a downstream request's raw headers: the fields the proxy acts on are picked out,
// and every other end-to-end field is kept, lower-cased, in a flat list that becomes the upstream
// request's headers. HTTP/1.1 and HTTP/2 requests alike (node gives both as rawHeaders; HTTP/2's
// include the pseudo-headers, which are dropped here and set again for the upstream).

import { type HeaderList, removeNominated } from "./header-list.js";
import { acceptsTrailers, connectionNominated, isHopByHop } from "./hop-by-hop.js";

export class DownstreamHeaders {
  /** `:authority`, else `Host`; undefined when the request has neither (a 400). */
  authority: string | undefined = undefined;
  /** End-to-end fields to forward, without the ones below that the proxy rewrites. */
  readonly list: HeaderList = [];
  requestId: string | undefined = undefined;
  forwardedFor: string | undefined = undefined;
  forwardedProto: string | undefined = undefined;
  via: string | undefined = undefined;
  contentType: string | undefined = undefined;
  contentLength: string | undefined = undefined;
  grpcTimeout: string | undefined = undefined;
  userAgent: string | undefined = undefined;
  /** x-forwarded-client-cert as received (several joined by ","): the connection manager decides what goes on. */
  clientCert: string | undefined = undefined;
  /** The request carried Transfer-Encoding (a chunked body on HTTP/1.1). */
  chunked = false;

  constructor(raw: readonly string[]) {
    const list = this.list;
    let connection: string | undefined;
    let host: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      const value = raw[i + 1] as string;
      if (name.charCodeAt(0) === 58 /* ":" */) {
        if (name === ":authority") this.authority = value;
        continue;
      }
      switch (name) {
        case "host":
          host ??= value;
          continue;
        case "connection":
          connection = connection === undefined ? value : `${connection},${value}`;
          continue;
        case "transfer-encoding":
          this.chunked = true;
          continue;
        case "te":
          // gRPC requires "te: trailers" end to end; any other TE is hop-by-hop.
          if (acceptsTrailers(value)) list.push("te", "trailers");
          continue;
        case "expect":
          // The listener answered 100-continue itself; the upstream gets the body unconditionally.
          continue;
        case "x-request-id":
          this.requestId ??= value;
          continue;
        case "x-forwarded-for":
          this.forwardedFor = this.forwardedFor === undefined ? value : `${this.forwardedFor}, ${value}`;
          continue;
        case "x-forwarded-proto":
          this.forwardedProto ??= value;
          continue;
        case "via":
          this.via = this.via === undefined ? value : `${this.via}, ${value}`;
          continue;
        case "x-forwarded-client-cert":
          this.clientCert = this.clientCert === undefined ? value : `${this.clientCert},${value}`;
          continue;
        case "content-type":
          this.contentType ??= value;
          break;
        case "content-length":
          this.contentLength ??= value;
          break;
        case "grpc-timeout":
          this.grpcTimeout ??= value;
          break;
        case "user-agent":
          this.userAgent ??= value;
          break;
        default:
          if (isHopByHop(name)) continue;
      }
      list.push(name, value);
    }
    this.authority ??= host;
    if (connection !== undefined) this.#dropNominated(connectionNominated(connection));
  }

  /** Fields the Connection header names are hop-by-hop too, including ones picked out above. */
  #dropNominated(names: readonly string[]): void {
    if (names.length === 0) return;
    removeNominated(this.list, names);
    for (const name of names) {
      if (name === "x-request-id") this.requestId = undefined;
      else if (name === "x-forwarded-for") this.forwardedFor = undefined;
      else if (name === "x-forwarded-proto") this.forwardedProto = undefined;
      else if (name === "via") this.via = undefined;
      else if (name === "x-forwarded-client-cert") this.clientCert = undefined;
    }
  }
}
