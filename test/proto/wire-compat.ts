// Carries one message across the boundary between Weft's generated code and Envoy's definitions
// (through protobufjs) in each direction, and reports every field that does not arrive exactly
// as it was sent. Fields are compared by name after decoding, not just re-encoded: two fields
// of one type with swapped numbers survive a bytes-only round trip unnoticed.
import assert from "node:assert/strict";
import { inspect } from "node:util";
import type protobuf from "protobufjs";
import { messageCodec, messageDescriptor } from "../../proto/registry.js";
import { protobufjsForm, protobufjsObjectOptions } from "./protobufjs-form.js";

/** A field that arrived other than sent; `where` is the message's full name and the field's path within it. */
export interface WireProblem {
  readonly where: string;
  readonly detail: string;
}

/** The Weft side of a message type; the caller passes only names that have generated code. */
function weftSide(typeName: string) {
  const message = messageDescriptor(typeName);
  const codec = messageCodec(typeName);
  assert.ok(message && codec, `Weft has no generated code for ${typeName}`);
  return { message, codec };
}

/**
 * Encodes `sample` with Weft's codec and decodes it with Envoy's `envoy` type. Reports fields
 * Envoy reads under another name or with another value, and bytes Envoy skipped (protobufjs
 * drops fields it does not know, so its re-encoding comes out shorter).
 */
export function weftToEnvoy(typeName: string, sample: unknown, envoy: protobuf.Type): WireProblem[] {
  const { message, codec } = weftSide(typeName);
  const written = codec.encode(sample).finish();
  let read: protobuf.Message;
  try {
    read = envoy.decode(written);
  } catch (error) {
    return [{ where: typeName, detail: `Envoy cannot parse what Weft wrote: ${String(error)}` }];
  }
  const problems = differences(
    protobufjsForm(message, sample, envoy.root),
    envoy.toObject(read, protobufjsObjectOptions),
    typeName,
    ["Weft wrote", "Envoy read"],
  );
  const kept = envoy.encode(read).finish().length;
  if (kept !== written.length) {
    problems.push({
      where: typeName,
      detail: `Weft wrote ${written.length} bytes, Envoy re-encodes what it read as ${kept}`,
    });
  }
  return problems;
}

/**
 * Builds `sample`'s content as an Envoy message (from field names, independently of what
 * weftToEnvoy decoded), encodes it with protobufjs and decodes it with Weft's codec. Reports
 * every field Weft reads differently from the sample, and fields Envoy's type rejects.
 */
export function envoyToWeft(typeName: string, sample: unknown, envoy: protobuf.Type): WireProblem[] {
  const { message, codec } = weftSide(typeName);
  const content = protobufjsForm(message, sample, envoy.root);
  const invalid = envoy.verify(content);
  if (invalid) return [{ where: typeName, detail: `Envoy's type rejects the sample: ${invalid}` }];
  // A copy, because protobufjs returns a Node Buffer and decoded bytes fields would be Buffers too.
  const written = new Uint8Array(envoy.encode(envoy.fromObject(content)).finish());
  let read: unknown;
  try {
    read = codec.decode(written);
  } catch (error) {
    return [{ where: typeName, detail: `Weft cannot parse what Envoy wrote: ${String(error)}` }];
  }
  return differences(sample, read, typeName, ["Envoy wrote", "Weft read"]);
}

/** Every path at which `read` differs from `sent`, recursing through plain objects and arrays. */
function differences(sent: unknown, read: unknown, where: string, verbs: readonly [string, string]): WireProblem[] {
  if (Array.isArray(sent) && Array.isArray(read)) {
    const length = Math.max(sent.length, read.length);
    return Array.from({ length }, (_, i) => differences(sent[i], read[i], `${where}[${i}]`, verbs)).flat();
  }
  if (isPlainObject(sent) && isPlainObject(read)) {
    const keys = new Set([...Object.keys(sent), ...Object.keys(read)]);
    return [...keys].flatMap((key) => differences(sent[key], read[key], `${where}.${key}`, verbs));
  }
  if (sent instanceof Uint8Array && read instanceof Uint8Array && Buffer.compare(sent, read) === 0) return [];
  if (Object.is(sent, read)) return [];
  return [{ where, detail: `${verbs[0]} ${show(sent)}, ${verbs[1]} ${show(read)}` }];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY });
}

/** One line per problem, for an assertion message that lists them all. */
export function formatProblems(problems: readonly WireProblem[]): string {
  return problems.map((problem) => `${problem.where}: ${problem.detail}`).join("\n");
}
