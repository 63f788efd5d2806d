// How the strict JSON and YAML readers refuse a body: the rule broken (a DetailCode), where in the
// text (1-based line and column) and, when the problem is inside a value, the field path to it.
import type { DetailCode } from "../../errors.js";

export class TextSyntaxError extends Error {
  override readonly name = "TextSyntaxError";
  readonly code: DetailCode;
  readonly line: number;
  readonly column: number;
  /** Keys and indexes from the document's root to the refused value; readers fill it as they unwind. */
  readonly segments: (string | number)[] = [];

  constructor(code: DetailCode, message: string, position: { line: number; column: number }) {
    super(message);
    this.code = code;
    this.line = position.line;
    this.column = position.column;
  }

  /** The field path in the API's notation: `virtual_hosts[0].domains[2]`, or "" for the root. */
  get path(): string {
    let path = "";
    for (const segment of this.segments) {
      if (typeof segment === "number") path += `[${segment}]`;
      else path += path === "" ? segment : `.${segment}`;
    }
    return path;
  }
}
