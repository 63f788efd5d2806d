// A JSON reader stricter than JSON.parse: a key given twice in one object is refused (JSON.parse
// silently keeps the last, so a reviewer and the control plane could read different configs), and
// so is nesting deeper than the API accepts. Otherwise it accepts exactly RFC 8259 JSON.
import { DetailCode } from "../../errors.js";
import { TextSyntaxError } from "./text-syntax-error.js";

/** Parses `text` as one JSON value nested at most `maxDepth` levels (an object or array is one level). */
export function parseStrictJson(text: string, maxDepth: number): unknown {
  return new StrictJsonReader(text, maxDepth).document();
}

enum Char {
  tab = 0x09,
  newline = 0x0a,
  carriageReturn = 0x0d,
  space = 0x20,
  quote = 0x22,
  plus = 0x2b,
  comma = 0x2c,
  minus = 0x2d,
  dot = 0x2e,
  zero = 0x30,
  nine = 0x39,
  colon = 0x3a,
  upperE = 0x45,
  openBracket = 0x5b,
  backslash = 0x5c,
  closeBracket = 0x5d,
  lowerE = 0x65,
  openBrace = 0x7b,
  closeBrace = 0x7d,
  byteOrderMark = 0xfeff,
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

function describeChar(code: number): string {
  if (Number.isNaN(code)) return "the end of the text";
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).padStart(4, "0")}`;
  return JSON.stringify(String.fromCharCode(code));
}

class StrictJsonReader {
  readonly #text: string;
  readonly #maxDepth: number;
  #pos = 0;

  constructor(text: string, maxDepth: number) {
    this.#text = text;
    this.#maxDepth = maxDepth;
  }

  document(): unknown {
    if (this.#text.charCodeAt(0) === Char.byteOrderMark) this.#pos = 1;
    this.#skipSpace();
    const value = this.#value(0);
    this.#skipSpace();
    if (this.#pos < this.#text.length) this.#fail(DetailCode.syntax, "unexpected text after the JSON value");
    return value;
  }

  #fail(code: DetailCode, message: string, at = this.#pos): never {
    throw this.#error(code, message, at);
  }

  #error(code: DetailCode, message: string, at: number): TextSyntaxError {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < this.#text.length; i++) {
      if (this.#text.charCodeAt(i) === Char.newline) {
        line++;
        lineStart = i + 1;
      }
    }
    return new TextSyntaxError(code, message, { line, column: at - lineStart + 1 });
  }

  #unexpected(expected: string): never {
    return this.#fail(
      DetailCode.syntax,
      `expected ${expected}, found ${describeChar(this.#text.charCodeAt(this.#pos))}`,
    );
  }

  #skipSpace(): void {
    const text = this.#text;
    let pos = this.#pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === Char.space || c === Char.newline || c === Char.carriageReturn || c === Char.tab) pos++;
      else break;
    }
    this.#pos = pos;
  }

  #value(depth: number): unknown {
    const c = this.#text.charCodeAt(this.#pos);
    switch (c) {
      case Char.openBrace:
        return this.#object(depth + 1);
      case Char.openBracket:
        return this.#array(depth + 1);
      case Char.quote:
        return this.#string();
      case 0x74: // t
        return this.#literal("true", true);
      case 0x66: // f
        return this.#literal("false", false);
      case 0x6e: // n
        return this.#literal("null", null);
      default:
        if (c === Char.minus || (c >= Char.zero && c <= Char.nine)) return this.#number();
        return this.#unexpected("a JSON value");
    }
  }

  #enter(depth: number): void {
    if (depth > this.#maxDepth) {
      this.#fail(DetailCode.tooDeep, `objects and arrays are nested deeper than ${this.#maxDepth} levels`);
    }
  }

  #object(depth: number): Record<string, unknown> {
    this.#enter(depth);
    this.#pos++; // {
    const object: Record<string, unknown> = {};
    this.#skipSpace();
    if (this.#text.charCodeAt(this.#pos) === Char.closeBrace) {
      this.#pos++;
      return object;
    }
    for (;;) {
      if (this.#text.charCodeAt(this.#pos) !== Char.quote) this.#unexpected("a string key");
      const keyAt = this.#pos;
      const key = this.#string();
      if (Object.hasOwn(object, key)) {
        const error = this.#error(DetailCode.duplicateKey, `the key "${key}" is given twice`, keyAt);
        error.segments.push(key);
        throw error;
      }
      this.#skipSpace();
      if (this.#text.charCodeAt(this.#pos) !== Char.colon) this.#unexpected("':' after a key");
      this.#pos++;
      this.#skipSpace();
      let value: unknown;
      try {
        value = this.#value(depth);
      } catch (error) {
        if (error instanceof TextSyntaxError) error.segments.unshift(key);
        throw error;
      }
      // `__proto__` must become an own property, as JSON.parse makes it, never the prototype.
      if (key === "__proto__") {
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        object[key] = value;
      }
      this.#skipSpace();
      const next = this.#text.charCodeAt(this.#pos);
      if (next === Char.comma) {
        this.#pos++;
        this.#skipSpace();
      } else if (next === Char.closeBrace) {
        this.#pos++;
        return object;
      } else {
        this.#unexpected("',' or '}'");
      }
    }
  }

  #array(depth: number): unknown[] {
    this.#enter(depth);
    this.#pos++; // [
    const array: unknown[] = [];
    this.#skipSpace();
    if (this.#text.charCodeAt(this.#pos) === Char.closeBracket) {
      this.#pos++;
      return array;
    }
    for (;;) {
      try {
        array.push(this.#value(depth));
      } catch (error) {
        if (error instanceof TextSyntaxError) error.segments.unshift(array.length);
        throw error;
      }
      this.#skipSpace();
      const next = this.#text.charCodeAt(this.#pos);
      if (next === Char.comma) {
        this.#pos++;
        this.#skipSpace();
      } else if (next === Char.closeBracket) {
        this.#pos++;
        return array;
      } else {
        this.#unexpected("',' or ']'");
      }
    }
  }

  #literal<T>(word: string, value: T): T {
    if (!this.#text.startsWith(word, this.#pos)) this.#unexpected("a JSON value");
    this.#pos += word.length;
    return value;
  }

  #number(): number {
    const text = this.#text;
    const start = this.#pos;
    let pos = start;
    if (text.charCodeAt(pos) === Char.minus) pos++;
    const digits = () => {
      const from = pos;
      while (text.charCodeAt(pos) >= Char.zero && text.charCodeAt(pos) <= Char.nine) pos++;
      return pos - from;
    };
    if (text.charCodeAt(pos) === Char.zero) pos++;
    else if (digits() === 0) {
      this.#pos = pos;
      this.#unexpected("a digit");
    }
    if (text.charCodeAt(pos) === Char.dot) {
      pos++;
      if (digits() === 0) {
        this.#pos = pos;
        this.#unexpected("a digit after '.'");
      }
    }
    const e = text.charCodeAt(pos);
    if (e === Char.lowerE || e === Char.upperE) {
      pos++;
      const sign = text.charCodeAt(pos);
      if (sign === Char.plus || sign === Char.minus) pos++;
      if (digits() === 0) {
        this.#pos = pos;
        this.#unexpected("a digit in the exponent");
      }
    }
    this.#pos = pos;
    return Number(text.slice(start, pos));
  }

  #string(): string {
    const text = this.#text;
    let pos = this.#pos + 1; // past the opening quote
    let chunkStart = pos;
    let result = "";
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === Char.quote) {
        result += text.slice(chunkStart, pos);
        this.#pos = pos + 1;
        return result;
      }
      if (c === Char.backslash) {
        result += text.slice(chunkStart, pos);
        const escaped = text.charAt(pos + 1);
        if (escaped === "u") {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.#fail(DetailCode.syntax, "a \\u escape needs four hex digits", pos);
          result += String.fromCharCode(Number.parseInt(hex, 16));
          pos += 6;
        } else {
          const replacement = ESCAPES[escaped];
          if (replacement === undefined)
            this.#fail(DetailCode.syntax, `invalid escape "\\${escaped}" in a string`, pos);
          result += replacement;
          pos += 2;
        }
        chunkStart = pos;
        continue;
      }
      if (Number.isNaN(c)) this.#fail(DetailCode.syntax, "unterminated string", this.#pos);
      if (c < Char.space) this.#fail(DetailCode.syntax, `${describeChar(c)} inside a string must be escaped`, pos);
      pos++;
    }
  }
}
