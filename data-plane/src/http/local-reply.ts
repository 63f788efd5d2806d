// A local reply rewritten by the connection manager's local_reply_config (Envoy's order: the
// first mapper whose filter matches sets the body, then the status; then its body format, or the
// config's, formats the body with the final status).
import type { FormatPart } from "../../../proto/checks/index.js";
import type { RuntimeBodyFormat, RuntimeLocalReply } from "../config/local-reply.js";

export interface LocalReply {
  readonly status: number;
  readonly body: string | Uint8Array | undefined;
  /** Set when a format made the body. */
  readonly contentType: string | undefined;
}

/** What a format may read of the request: a header by lower-case name (pseudo-headers too). */
export type RequestHeaderReader = (name: string) => string | undefined;

export function rewriteLocalReply(
  config: RuntimeLocalReply,
  reply: LocalReply,
  flags: readonly string[],
  header: RequestHeaderReader,
): LocalReply {
  let { status, body } = reply;
  let format: RuntimeBodyFormat | undefined;
  const mapper = config.mappers.find((m) =>
    m.flags.size === 0 ? flags.length > 0 : flags.some((flag) => m.flags.has(flag)),
  );
  if (mapper !== undefined) {
    if (mapper.body !== undefined) body = mapper.body;
    if (mapper.statusCode !== undefined) status = mapper.statusCode;
    format = mapper.bodyFormat;
  }
  format ??= config.bodyFormat;
  if (format === undefined) return { status, body, contentType: reply.contentType };
  const text = body === undefined ? "" : typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  return { status, body: formatted(format.parts, status, text, header), contentType: format.contentType };
}

function formatted(parts: readonly FormatPart[], status: number, body: string, header: RequestHeaderReader): string {
  let out = "";
  for (const part of parts) {
    switch (part.type) {
      case "text":
        out += part.text;
        break;
      case "response-code":
        out += String(status);
        break;
      case "local-reply-body":
        out += body;
        break;
      case "request-header": {
        let value: string | undefined;
        for (const name of part.names) {
          value = header(name);
          if (value !== undefined) break;
        }
        // Envoy writes `-` for a value that is absent in a text format.
        if (value === undefined) out += "-";
        else out += part.maxLength === undefined ? value : value.slice(0, part.maxLength);
        break;
      }
    }
  }
  return out;
}
