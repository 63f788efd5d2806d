// The two body formats the API reads (the only two the README's "Bodies, limits, access" allows:
// application/json and application/yaml), registered as fastify content-type parsers in place of fastify's own. Any
// other media type is left without a parser, so fastify refuses it with 415.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ErrorCode, type ErrorDetail, WeftError } from "../../errors.js";
import { type BodyFormat, ParsedBody } from "./parsed-body.js";
import { parseStrictJson } from "./strict-json.js";
import { parseStrictYaml } from "./strict-yaml.js";
import { TextSyntaxError } from "./text-syntax-error.js";

/** Objects and arrays may nest this deep in any body, counting the outermost as 1 (README, "Bodies, limits, access"). */
export const MAX_BODY_DEPTH = 64;

export const JSON_MEDIA_TYPES = ["application/json"] as const;
/** Only the registered YAML type: every other content type is refused with 415 (README, "Bodies, limits, access"). */
export const YAML_MEDIA_TYPES = ["application/yaml"] as const;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Replaces fastify's parsers with the strict JSON and YAML readers. */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  const parser = (format: BodyFormat) => async (request: FastifyRequest, body: Buffer) =>
    readBody(format, request.headers["content-type"], body);
  app.addContentTypeParser([...JSON_MEDIA_TYPES], { parseAs: "buffer" }, parser("json"));
  app.addContentTypeParser([...YAML_MEDIA_TYPES], { parseAs: "buffer" }, parser("yaml"));
}

function readBody(format: BodyFormat, contentType: string | undefined, body: Buffer): ParsedBody | undefined {
  const code = format === "json" ? ErrorCode.invalidJson : ErrorCode.invalidYaml;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    throw new WeftError(
      ErrorCode.unsupportedMediaType,
      `bodies are read as UTF-8; charset ${charset} is not supported`,
    );
  }
  if (body.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(body);
  } catch (error) {
    throw new WeftError(code, "the body is not valid UTF-8", { cause: error });
  }
  try {
    return format === "json"
      ? new ParsedBody("json", [parseStrictJson(text, MAX_BODY_DEPTH)])
      : new ParsedBody("yaml", parseStrictYaml(text, MAX_BODY_DEPTH));
  } catch (error) {
    const kind = format === "json" ? "JSON" : "YAML";
    // Whatever the readers throw is about this body, so it is the client's 400, never our 500.
    if (!(error instanceof TextSyntaxError)) {
      throw new WeftError(code, `the body could not be read as ${kind}: ${String(error)}`, { cause: error });
    }
    const detail: ErrorDetail = {
      path: error.path,
      message: error.message,
      code: error.code,
      line: error.line,
      column: error.column,
    };
    const where = `line ${error.line}, column ${error.column}`;
    throw new WeftError(code, `the body is not valid ${kind}: ${where}: ${error.message}`, {
      details: [detail],
    });
  }
}
