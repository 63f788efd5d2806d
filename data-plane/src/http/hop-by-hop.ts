// Connection-specific ("hop-by-hop") header fields, which a proxy must not forward (RFC 9110
// §7.6.1): those listed here, and every field the Connection header names. HTTP/2 forbids them
// outright (RFC 9113 §8.2.2), so dropping them is also what lets an HTTP/1.1 message cross to h2.

/** Dropped in both directions. `te` is handled apart: only `te: trailers` is forwarded. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "http2-settings",
]);

/** `name` is lower-case. */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name);
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * The field names a Connection header value lists, lower-cased, without `close` and `keep-alive`
 * (connection options, not field names); empty when there are none.
 */
export function connectionNominated(connection: string): readonly string[] {
  // The usual values name no field: answer them without splitting.
  if (connection.length <= 10) {
    const lower = connection.toLowerCase();
    if (lower === "keep-alive" || lower === "close") return NONE;
  }
  const names: string[] = [];
  for (const token of connection.split(",")) {
    const name = token.trim().toLowerCase();
    if (name !== "" && name !== "close" && name !== "keep-alive") names.push(name);
  }
  return names;
}

/** Whether a TE header value asks for trailers (the only TE value forwarded, as gRPC needs it). */
export function acceptsTrailers(te: string): boolean {
  return te.toLowerCase().includes("trailers");
}
