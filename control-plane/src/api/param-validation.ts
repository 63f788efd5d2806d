// How query strings, path parameters and headers are checked against their TypeBox schemas.
// Their values arrive as strings; a schema's integer or boolean property is converted only from
// its canonical spelling ("12", "true"), never guessed at: TypeBox's own conversion reads "1.5" as
// 1, "" as 0 and "0x10" as 16, and an API that quietly reads `?limit=1.5` as 1 hides the mistake.
// Bodies are not checked here: their parsers and handlers do that, with field paths.
import type { FastifySchemaCompiler, FastifySchemaValidationError } from "fastify";
import type { TSchema } from "typebox";
import { Compile } from "typebox/compile";

const CANONICAL_INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

interface PropertySchema {
  readonly type?: unknown;
}

function convert(schema: TSchema, input: unknown): unknown {
  const properties = (schema as { properties?: Readonly<Record<string, PropertySchema>> }).properties;
  if (properties === undefined || typeof input !== "object" || input === null) return input;
  const output: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [key, property] of Object.entries(properties)) {
    const value = output[key];
    if (typeof value !== "string") continue;
    if (property.type === "integer" && CANONICAL_INTEGER.test(value)) output[key] = Number(value);
    else if (property.type === "boolean" && (value === "true" || value === "false")) output[key] = value === "true";
  }
  return output;
}

export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  if (httpPart === "body") return (value: unknown) => ({ value });
  const validator = Compile(schema);
  return (input: unknown) => {
    const value = convert(schema, input);
    if (validator.Check(value)) return { value };
    return { error: validator.Errors(value) as unknown as FastifySchemaValidationError[] };
  };
};
