// A YAML reader for configuration: every document of a stream as plain JSON-like values, refusing
// what makes YAML ambiguous or dangerous as input: duplicate keys, anchors and aliases (one node
// shared by several places, and the "billion laughs"), tags outside the core schema, and nesting
// deeper than the API accepts.
//
// The nesting limit is enforced on yaml's concrete syntax tree, before any node is composed:
// yaml's composer recurses once per level and, on a body of a few thousand "[", runs the stack to
// exhaustion (it catches the RangeError, but anything else touching the stack at that depth can
// abort the process). The CST parser keeps its own stack, so it is safe on any input.
import {
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  Parser,
} from "yaml";
import { DetailCode } from "../../errors.js";
import { TextSyntaxError } from "./text-syntax-error.js";

/** The only explicit tags accepted: the YAML 1.2 core schema's, which yield plain JSON values. */
const CORE_TAGS: ReadonlySet<string> = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((name) => `tag:yaml.org,2002:${name}`),
);

/** Parser stack entries beyond the collections themselves (document, node in progress, pair). */
const STACK_SLACK = 4;

const COMPOSE_OPTIONS = {
  version: "1.2",
  schema: "core",
  // Duplicate keys are found by PlainValueReader, in constant time per key; yaml's own check is
  // quadratic in the size of a mapping and misses `1` and "1" (the same key once made plain).
  uniqueKeys: false,
  merge: false,
  strict: true,
  intAsBigInt: false,
  prettyErrors: false,
} as const;

/**
 * Parses every document of `text`; an empty document gives `null`. Collections nest at most
 * `maxDepth` levels. Throws TextSyntaxError at the first problem.
 */
export function parseStrictYaml(text: string, maxDepth: number): unknown[] {
  const lines = new LineCounter();
  const position = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const tokens: CST.Token[] = [];
  const parser = new Parser(lines.addNewLine);
  const accept = (token: CST.Token) => {
    // Stop at the first top-level error: composing a stream of garbage costs far more than parsing it.
    if (token.type === "error") throw new TextSyntaxError(DetailCode.syntax, token.message, position(token.offset));
    checkDepth(token, maxDepth, position);
    tokens.push(token);
  };
  lines.addNewLine(0);
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) accept(token);
    // The parser's stack holds the document, each open collection and the node being read: a
    // stack this tall means the exact check below would refuse the document anyway, so refuse it
    // now rather than parse the rest of a deliberately deep body.
    if (parser.stack.length > maxDepth + STACK_SLACK) {
      throw new TextSyntaxError(
        DetailCode.tooDeep,
        `collections are nested deeper than ${maxDepth} levels`,
        position(parser.offset),
      );
    }
  }
  for (const token of parser.end()) accept(token);

  const documents: unknown[] = [];
  for (const document of composeQuietly(tokens)) {
    const problem = document.errors[0] ?? document.warnings[0];
    if (problem !== undefined) {
      const code =
        problem.code === "DUPLICATE_KEY"
          ? DetailCode.duplicateKey
          : problem.code === "TAG_RESOLVE_FAILED"
            ? DetailCode.yamlTag
            : DetailCode.syntax;
      throw new TextSyntaxError(code, problem.message, position(problem.pos[0]));
    }
    documents.push(
      document.contents === null ? null : new PlainValueReader(maxDepth, position).value(document.contents, 0),
    );
  }
  return documents;
}

/**
 * Composes documents with stack traces off: a hostile body can hold a million small errors, and
 * yaml makes an Error object for each; capturing their stacks would cost seconds. Only the first
 * error is reported, and never with its stack. Synchronous, so nothing else runs meanwhile.
 */
function composeQuietly(tokens: readonly CST.Token[]): Document.Parsed[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return Array.from(new Composer(COMPOSE_OPTIONS).compose(tokens));
  } finally {
    Error.stackTraceLimit = limit;
  }
}

type Position = (offset: number) => { line: number; column: number };

/** Walks the CST with an explicit stack; throws at the first collection nested deeper than `maxDepth`. */
function checkDepth(root: CST.Token, maxDepth: number, position: Position): void {
  const pending: { token: CST.Token; depth: number }[] = [{ token: root, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { token, depth } = next;
    switch (token.type) {
      case "document":
        if (token.value) pending.push({ token: token.value, depth });
        break;
      case "block-map":
      case "block-seq":
      case "flow-collection": {
        const inner = depth + 1;
        if (inner > maxDepth) {
          throw new TextSyntaxError(
            DetailCode.tooDeep,
            `collections are nested deeper than ${maxDepth} levels`,
            position(token.offset),
          );
        }
        for (const item of token.items) {
          if (item.key) pending.push({ token: item.key, depth: inner });
          if (item.value) pending.push({ token: item.value, depth: inner });
        }
        break;
      }
      default:
        break;
    }
  }
}

/** Turns a composed node into a plain value, with the checks yaml's own toJS() does not make. */
class PlainValueReader {
  readonly #maxDepth: number;
  readonly #position: Position;

  constructor(maxDepth: number, position: Position) {
    this.#maxDepth = maxDepth;
    this.#position = position;
  }

  #fail(code: DetailCode, message: string, node: { range?: readonly number[] | null | undefined }): never {
    throw new TextSyntaxError(code, message, this.#position(node.range?.[0] ?? 0));
  }

  value(node: Node | null, depth: number): unknown {
    if (node === null) return null;
    if (isAlias(node)) return this.#fail(DetailCode.yamlAlias, `aliases (*${node.source}) are not accepted`, node);
    if (node.anchor) return this.#fail(DetailCode.yamlAlias, `anchors (&${node.anchor}) are not accepted`, node);
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      return this.#fail(DetailCode.yamlTag, `the tag ${node.tag} is not accepted`, node);
    }
    if (isScalar(node)) {
      const value = node.value;
      if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        return value;
      }
      return this.#fail(DetailCode.yamlTag, "only strings, numbers, booleans and null are accepted as values", node);
    }
    if (depth + 1 > this.#maxDepth) {
      return this.#fail(DetailCode.tooDeep, `collections are nested deeper than ${this.#maxDepth} levels`, node);
    }
    if (isSeq(node)) {
      const array: unknown[] = [];
      for (const item of node.items) {
        try {
          array.push(this.value(item as Node | null, depth + 1));
        } catch (error) {
          if (error instanceof TextSyntaxError) error.segments.unshift(array.length);
          throw error;
        }
      }
      return array;
    }
    if (isMap(node)) {
      const object: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        if (keyNode !== null && !isScalar(keyNode)) {
          return this.#fail(
            DetailCode.syntax,
            "a mapping key must be a plain value, not a collection or alias",
            keyNode,
          );
        }
        if (keyNode?.anchor)
          return this.#fail(DetailCode.yamlAlias, `anchors (&${keyNode.anchor}) are not accepted`, keyNode);
        const raw = keyNode?.value ?? null;
        const key = typeof raw === "string" ? raw : raw === null ? "" : String(raw);
        if (Object.hasOwn(object, key)) {
          const error = new TextSyntaxError(
            DetailCode.duplicateKey,
            `the key "${key}" is given twice`,
            this.#position(keyNode?.range?.[0] ?? node.range?.[0] ?? 0),
          );
          error.segments.push(key);
          throw error;
        }
        let value: unknown;
        try {
          value = this.value(pair.value as Node | null, depth + 1);
        } catch (error) {
          if (error instanceof TextSyntaxError) error.segments.unshift(key);
          throw error;
        }
        // An own `__proto__` property, as JSON.parse would make it, never the object's prototype.
        if (key === "__proto__") {
          Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
        } else {
          object[key] = value;
        }
      }
      return object;
    }
    return this.#fail(DetailCode.syntax, "unsupported YAML node", node);
  }
}
