// HttpConnectionManager.local_reply_config -> the proxy's rewrite of its own replies: mappers
// matched by response flag, each with an optional status, body and body format; a body format for
// replies no mapper changed the format of. The control plane refuses what this does not build.

import { type FormatPart, parseFormat } from "../../../proto/checks/index.js";
import type { DataSource } from "../../../proto/gen/envoy/config/core/v3/base.js";
import type { SubstitutionFormatString } from "../../../proto/gen/envoy/config/core/v3/substitution_format_string.js";
import type { LocalReplyConfig } from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js";
import { type Cursor, join } from "./common.js";
import { ConfigErrorCode as Code } from "./errors.js";

/** A format string, parsed, and the content type of the body it makes. */
export interface RuntimeBodyFormat {
  readonly parts: readonly FormatPart[];
  readonly contentType: string;
}

export interface RuntimeResponseMapper {
  /** The reply matches when it carries one of these flags; empty: when it carries any flag. */
  readonly flags: ReadonlySet<string>;
  readonly statusCode: number | undefined;
  readonly body: string | undefined;
  readonly bodyFormat: RuntimeBodyFormat | undefined;
}

export interface RuntimeLocalReply {
  /** Tried in order; the first that matches applies. */
  readonly mappers: readonly RuntimeResponseMapper[];
  /** For replies whose matched mapper (if any) has no format of its own. */
  readonly bodyFormat: RuntimeBodyFormat | undefined;
}

export function buildLocalReply(at: Cursor, base: string, config: LocalReplyConfig): RuntimeLocalReply {
  const mappers = config.mappers.map((mapper, i): RuntimeResponseMapper => {
    const path = join(base, `mappers[${i}]`);
    const filter = mapper.filter?.responseFlagFilter;
    if (filter === undefined) {
      at.fail(Code.unsupportedFeature, join(path, "filter"), "a response_flag_filter is required");
    }
    return Object.freeze({
      flags: new Set(filter.flags),
      statusCode: mapper.statusCode,
      body: mapper.body === undefined ? undefined : inlineText(at, join(path, "body"), mapper.body),
      bodyFormat:
        mapper.bodyFormatOverride === undefined
          ? undefined
          : buildFormat(at, join(path, "body_format_override"), mapper.bodyFormatOverride),
    });
  });
  const bodyFormat =
    config.bodyFormat === undefined ? undefined : buildFormat(at, join(base, "body_format"), config.bodyFormat);
  return Object.freeze({ mappers, bodyFormat });
}

function inlineText(at: Cursor, path: string, source: DataSource): string {
  if (source.inlineString !== undefined) return source.inlineString;
  if (source.inlineBytes !== undefined) return Buffer.from(source.inlineBytes).toString("utf8");
  return at.fail(Code.unsupportedFeature, path, "only inline_string and inline_bytes are read");
}

function buildFormat(at: Cursor, path: string, format: SubstitutionFormatString): RuntimeBodyFormat {
  let text: string;
  if (format.textFormat !== undefined) text = format.textFormat;
  else if (format.textFormatSource !== undefined) {
    text = inlineText(at, join(path, "text_format_source"), format.textFormatSource);
  } else {
    return at.fail(Code.unsupportedFeature, path, "text_format or text_format_source is required");
  }
  const parsed = parseFormat(text);
  if (!parsed.ok) at.fail(Code.invalidValue, path, parsed.message);
  return Object.freeze({
    parts: parsed.parts,
    contentType: format.contentType === "" ? "text/plain" : format.contentType,
  });
}
