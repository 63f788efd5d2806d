// An HttpConnectionManager's local_reply_config: what the proxy does to the replies it makes
// itself (404 for no route, 503 for no healthy upstream, direct responses...). Weft runs mappers
// whose filter is a response_flag_filter, their status_code, body and body_format_override, and a
// body_format, with the format strings of proto/checks/substitution-format.ts.

import { parseFormat } from "../../../proto/checks/index.js";
import type { DataSource } from "../../../proto/gen/envoy/config/core/v3/base.js";
import type { SubstitutionFormatString } from "../../../proto/gen/envoy/config/core/v3/substitution_format_string.js";
import type { LocalReplyConfig } from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.js";
import { checkLineSafe, checkRange } from "./core-checks.js";
import { field, item, type Problems } from "./problems.js";
import { ValidationCode } from "./validation-codes.js";

/** The response flags Envoy's ResponseFlagFilter accepts (Envoy refuses any other). */
export const RESPONSE_FLAGS: ReadonlySet<string> = new Set([
  "LH",
  "UH",
  "UT",
  "LR",
  "UR",
  "UF",
  "UC",
  "UO",
  "NR",
  "DI",
  "FI",
  "RL",
  "UAEX",
  "RLSE",
  "DC",
  "URX",
  "SI",
  "IH",
  "DPE",
  "UMSDR",
  "RFCF",
  "NFCF",
  "DT",
  "UPE",
  "NC",
  "OM",
  "DF",
  "DO",
  "DR",
]);

export function checkLocalReplyConfig(problems: Problems, path: string, config: LocalReplyConfig): void {
  config.mappers.forEach((mapper, i) => {
    const at = item(field(path, "mappers"), i);
    const flags = mapper.filter?.responseFlagFilter;
    if (flags === undefined) {
      problems.add(
        field(at, "filter"),
        ValidationCode.required,
        "a filter is required; Weft runs response_flag_filter",
      );
    } else {
      flags.flags.forEach((flag, j) => {
        if (!RESPONSE_FLAGS.has(flag)) {
          problems.add(
            item(field(at, "filter.response_flag_filter.flags"), j),
            ValidationCode.badValue,
            `"${flag}" is not a response flag`,
          );
        }
      });
    }
    checkRange(problems, field(at, "status_code"), mapper.statusCode, 200, 599);
    if (mapper.body !== undefined) checkInlineBody(problems, field(at, "body"), mapper.body);
    if (mapper.bodyFormatOverride !== undefined) {
      checkFormatString(problems, field(at, "body_format_override"), mapper.bodyFormatOverride);
    }
  });
  if (config.bodyFormat !== undefined) checkFormatString(problems, field(path, "body_format"), config.bodyFormat);
}

function checkInlineBody(problems: Problems, path: string, body: DataSource): void {
  if (body.inlineString === undefined && body.inlineBytes === undefined) {
    problems.add(path, ValidationCode.unsupported, "Weft reads inline_string or inline_bytes here");
  }
}

function checkFormatString(problems: Problems, path: string, format: SubstitutionFormatString): void {
  checkLineSafe(problems, field(path, "content_type"), format.contentType);
  const source = format.textFormatSource;
  let text: string | undefined;
  let at = field(path, "text_format");
  if (format.textFormat !== undefined) text = format.textFormat;
  else if (source !== undefined) {
    at = field(path, "text_format_source.inline_string");
    if (source.inlineString === undefined) {
      problems.add(field(path, "text_format_source"), ValidationCode.unsupported, "Weft reads inline_string here");
      return;
    }
    text = source.inlineString;
  }
  if (text === undefined) {
    problems.add(path, ValidationCode.required, "needs text_format or text_format_source");
    return;
  }
  const parsed = parseFormat(text);
  if (!parsed.ok) problems.add(at, ValidationCode.badValue, parsed.message);
}
