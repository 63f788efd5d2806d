// The subset of Envoy's substitution format strings (command operators in `%...%`) Weft runs,
// parsed the same way by both planes: the control plane refuses what the proxy could not fill in,
// so a stored format never reaches a proxy that would NACK it. Envoy's operators are documented
// under "Access logging: command operators"; Weft fills in the three a local reply needs.
//
//   %REQ(NAME)%, %REQ(NAME?ALT)%, %REQ(NAME):MAX%  a request header (pseudo-headers too), the
//                                                  first of NAME and ALT present, cut to MAX chars
//   %RESPONSE_CODE%                                the reply's status
//   %LOCAL_REPLY_BODY%                             the reply's body before formatting

/** One piece of a parsed format string. */
export type FormatPart =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "request-header"; readonly names: readonly string[]; readonly maxLength: number | undefined }
  | { readonly type: "response-code" }
  | { readonly type: "local-reply-body" };

export type ParsedFormat =
  | { readonly ok: true; readonly parts: readonly FormatPart[] }
  | { readonly ok: false; readonly message: string };

const OPERATOR = /%([A-Z_]+)(?:\(([^)]*)\))?(?::(\d+))?%/y;
const HEADER_NAME = /^:?[a-z0-9!#$&'*+.^_`|~-]+$/;

/** Parses `format`; every `%` must start a supported command operator. */
export function parseFormat(format: string): ParsedFormat {
  const parts: FormatPart[] = [];
  let text = "";
  let at = 0;
  while (at < format.length) {
    const percent = format.indexOf("%", at);
    if (percent === -1) {
      text += format.slice(at);
      break;
    }
    text += format.slice(at, percent);
    OPERATOR.lastIndex = percent;
    const match = OPERATOR.exec(format);
    if (match === null) {
      return { ok: false, message: `the % at offset ${percent} starts no command operator (%NAME% or %NAME(ARG)%)` };
    }
    const [whole, name, argument, max] = match;
    const part = operatorPart(name as string, argument, max);
    if (typeof part === "string") return { ok: false, message: `${whole}: ${part}` };
    if (text !== "") parts.push({ type: "text", text });
    text = "";
    parts.push(part);
    at = percent + whole.length;
  }
  if (text !== "") parts.push({ type: "text", text });
  return { ok: true, parts };
}

function operatorPart(name: string, argument: string | undefined, max: string | undefined): FormatPart | string {
  if (name === "REQ") {
    if (argument === undefined) return "REQ needs a header name: %REQ(NAME)%";
    const names = argument.split("?").map((n) => n.toLowerCase());
    if (names.length > 2 || names.some((n) => !HEADER_NAME.test(n))) {
      return "REQ takes a header name, or two separated by ?";
    }
    return { type: "request-header", names, maxLength: max === undefined ? undefined : Number(max) };
  }
  if (argument !== undefined || max !== undefined) return `${name} takes no argument or length`;
  if (name === "RESPONSE_CODE") return { type: "response-code" };
  if (name === "LOCAL_REPLY_BODY") return { type: "local-reply-body" };
  return "not a command operator Weft supports (REQ, RESPONSE_CODE, LOCAL_REPLY_BODY)";
}
